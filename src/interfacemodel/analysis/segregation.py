"""Segregation of a solute (Mg) in the Li film to the free Li surface and to the Li/coating
interface.

Definition (units eV, one solute atom per cell)::

    E_seg(layer) = E(solute in that host layer, relaxed) − E(solute in the middle host layer, relaxed)

both in the same cell with the same calculator, so the atom counts and every reference
energy cancel. E_seg < 0: the solute prefers that layer over the middle of the film (it
segregates there); E_seg > 0: it is repelled (stays inside the film).

Host layers are counted from the top of the film, 0 = the free surface. On an interface
model (``atoms.arrays['interface_side']``, 0 = film on top of the coating) only film atoms
are hosts, so the last host layer (label ``L-1``) is the film plane touching the coating.
The *middle* reference is the free host layer nearest the film centre, never a fixed layer
and never the first or last host layer.

:func:`solute_segregation` computes the relaxed energies of one slab or interface model;
:func:`mg_segregation` runs a named system end to end (free film slab and interface model).
Library layer: plain functions on ase/pymatgen objects, no FireWorks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ase import Atoms

from ..records import Record, package_versions
from ..run.relax import EnergyRecord
from .points import Point
from .quantities import Quantity, Rank, calculator_path, is_number

Progress = Callable[[str], None]

#: at least this many host layers: surface, middle and interface planes must differ
MIN_HOST_LAYERS = 3
#: in-plane supercells are used only when the solute's nearest periodic image would be
#: closer than this (Å)
MIN_IMAGE_A = 5.0
#: largest in-plane repeat tried along each cell vector
_MAX_REPEAT = 6


@dataclass
class SegregationResult(Record):
    """Segregation energies of ``solute`` in the ``host`` film of a named system.

    Units: eV; negative = the solute prefers that site over the middle of the film.
    Each number is E(solute in that layer) − E(solute in the middle layer) of the same cell,
    relaxed with the same calculator: ``surface_eV`` in a free symmetric slab of the film
    crystal (top host layer), ``interface_eV`` in the interface model (the host layer that
    touches the coating). ``profile_eV`` holds every computed site ('surface L0',
    'interface L-1', ..., and 'middle' = 0 for the reference of both cells). ``None`` where
    not computed (or no energy: input-only calculators).
    """

    solute: str
    host: str
    system: str  # named system (interface), e.g. 'li-mg'
    surface_eV: float | None  # solute in the top host layer of the free film surface vs middle
    interface_eV: float | None  # solute in the host layer touching the coating vs middle
    profile_eV: dict[str, float]  # site label -> E - E(middle) of its cell
    reference: str  # what 'middle' is (layer index, depth in Å)
    natoms: dict[str, int]  # cell sizes used ('surface', 'interface')
    converged: bool
    calculator: dict
    records: dict[str, Any]  # EnergyRecord per site ('surface:L0', 'interface:middle', ...)
    notes: list[str]
    wall_time_s: float
    versions: dict[str, str] = field(default_factory=package_versions)
    #: the relaxed cell of each site, keyed as ``records`` (what a committee member
    #: re-evaluates; empty in results written before they were kept)
    geometries: dict[str, Atoms] = field(default_factory=dict)

    def summary_rows(self) -> list[tuple[str, str, str]]:
        """(site, E_seg, meaning) rows for a printed table."""
        rows = []
        for label, value in self.profile_eV.items():
            meaning = ("reference" if label == "middle" else
                       "segregates" if value < 0 else "stays in the film")
            rows.append((f"{self.solute} in {self.host}: {label}", f"{value:+.3f} eV", meaning))
        return rows


#: the site whose energy is each cell's headline number: the top film layer of the free
#: surface, the film layer touching the coating of the interface
HEADLINE_SITE = {"surface": "L0", "interface": "L-1"}


def ordered_profile(profile: dict[str, float]) -> dict[str, float]:
    """A segregation profile ('surface L0', 'middle', 'interface L-1', ...) ordered from the
    top of the film to the coating."""
    order = {"surface": 0, "middle": 1, "interface": 2}
    return dict(sorted(profile.items(), key=lambda kv: order[kv[0].split()[0]]))


@dataclass
class SegregationCells(Record):
    """The relaxed cells of one solute segregation computation (``structures`` and the
    calculator's ``records`` by site key: 'surface:L0', 'surface:middle', 'interface:L-1',
    'interface:middle'), with what the record says of them (``reference``, ``natoms`` per
    cell, ``notes``) and whether the bulk crystals they were built from converged."""

    solute: str
    host: str
    system: str
    structures: dict[str, Atoms]
    records: dict[str, EnergyRecord]
    reference: str
    natoms: dict[str, int]
    converged_bulk: bool
    fmax: float
    steps: int
    notes: list[str] = field(default_factory=list)
    wall_time_s: float = 0.0

    def points(self) -> dict[str, Point]:
        return {key: Point(atoms, self.records.get(key), relaxed=True)
                for key, atoms in self.structures.items()}


def evaluate_segregation(energies: Mapping[str, Any], calculator: dict[str, Any], *,
                         cells: SegregationCells,
                         allow_unconverged: bool = False) -> SegregationResult:
    """The :class:`SegregationResult` from one calculator's ``energies`` at the cells'
    points (``cells/<what>:<site>``): each E(site) − E(middle) of the same cell (eV), the
    headline site of each cell (:data:`HEADLINE_SITE`), the profile from the surface to the
    interface. The campaign's calculator calls it with the energies of its relaxations,
    another calculator with its single points at those relaxed cells."""
    records = {key: energies[f"cells/{key}"] for key in cells.structures
               if f"cells/{key}" in energies}
    profile: dict[str, float] = {}
    values: dict[str, float | None] = {"surface": None, "interface": None}
    for what in ("surface", "interface"):
        keys = [k for k in records if k.split(":", 1)[0] == what]
        if not keys:
            continue
        e_mid = records[f"{what}:middle"].energy_eV if f"{what}:middle" in records else None
        for key in keys:
            site, energy = key.split(":", 1)[1], records[key].energy_eV
            if site != "middle" and energy is not None and e_mid is not None:
                profile[f"{what} {site}"] = float(energy - e_mid)
        if e_mid is not None:
            profile["middle"] = 0.0
        values[what] = profile.get(f"{what} {HEADLINE_SITE[what]}")
    notes = list(cells.notes)
    missing = [k for k, r in records.items() if r.energy_eV is None]
    if missing:
        notes.append(f"no energy for {', '.join(missing)} (inputs written only)")
    unconverged = [k for k, r in records.items() if not r.converged]
    if unconverged:
        notes.append(f"not converged (fmax {cells.fmax} eV/Å, {cells.steps} steps): "
                     f"{', '.join(unconverged)}; the numbers are reported but not final")
    return SegregationResult(
        solute=cells.solute, host=cells.host, system=cells.system,
        surface_eV=values["surface"], interface_eV=values["interface"],
        profile_eV=ordered_profile(profile), reference=cells.reference,
        natoms=dict(cells.natoms),
        converged=cells.converged_bulk and not unconverged and bool(records),
        calculator=calculator, records=records, notes=notes,
        wall_time_s=cells.wall_time_s, geometries=dict(cells.structures))


# --------------------------------------------------------------------------- declarations

#: the numbers of a :class:`SegregationResult` (paths relative to it)
SEGREGATION: tuple[Quantity, ...] = (
    Quantity("mg_segregation_surface_eV", "Mg segregation to the surface", "eV", "surface_eV",
             "segregation", converged="converged",
             status="negative: Mg prefers the surface site", spread=True,
             measured="what a Mg layer does on Li (it dissolves)",
             rank=Rank(9, "Mg → surface", "lower",
                       "more negative: Mg prefers the surface, the thermodynamic route to a "
                       "self-forming Li–Mg coating"),
             table="segregation", column="Mg to surface (eV)"),
    Quantity("mg_segregation_interface_eV", "Mg segregation to the interface", "eV",
             "interface_eV", "segregation", converged="converged",
             status="negative: Mg prefers the interface site", spread=True,
             rank=Rank(10, "Mg → interface", "lower",
                       "more negative: Mg prefers the Li/coating interface (a self-forming "
                       "Li–Mg interphase)"),
             table="segregation", column="Mg to interface (eV)"),
    Quantity("natoms_segregation", "segregation model size", "atoms", "natoms", "model",
             none_text="model size", when=lambda g: is_number(g("natoms")), table="models",
             column="segregation (atoms)"),
    Quantity("calculator_segregation", "calculator (segregation)", "", calculator_path,
             "method", fmt="text", none_text="—", table="models", column="segregation"),
)
