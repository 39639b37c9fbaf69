"""The energetics of one Li/coating interface, step by step, with one calculator.

The steps (their order is declared once, in :mod:`interfacemodel.flows.energetics`:
``InterfaceEnergeticsMaker``, and ``interface_energetics`` runs it in one process):

1. bulk references (Li and the coating; cell + positions, symmetry kept);
2. the interface built from those *relaxed* crystals (so the coating is unstrained at the
   calculator's own lattice constant and only the Li film carries the match strain),
   optionally placed by a registry/interlayer scan;
3. the interface relaxed (positions; the cell normal too for periodic models);
4. film and substrate cut from the relaxed interface: single points → W_adh(ideal);
   each part relaxed alone → W_adh(relaxed); their surface energies (Li-rich limit) →
   γ_int = γ_film + γ_substrate − W_adh(relaxed);
5. free-surface energies γ(hkl, termination) of the two faces from symmetric slabs;
6. the Young–Dupré contact angle of liquid Li from W_adh(relaxed);
7. the reaction energy of Li with the coating (phase diagram from the same calculator).

Library layer: plain functions on ase/pymatgen objects; each step runs its own calculator
calls, none knows of the others.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ase import Atoms

from ..errors import UserInputError
from ..models.systems import system_recipe
from ..records import Record, package_versions
from ..run.relax import DEFAULT_OPTIMIZER, EnergyRecord
from .energetics import (
    BulkReference,
    InterfaceEnergy,
    SurfaceEnergy,
    WorkOfAdhesion,
    li_rich_limit,
)
from .reactivity import ReactionWithLi
from .wetting import LI_MELTING_K, ContactAngle, young_dupre

Progress = Callable[[str], None]


@dataclass
class EnergeticsSettings(Record):
    """What the pipeline does; forces eV/Å, temperature K."""

    fmax: float = 0.05
    steps: int = 500
    optimizer: str = DEFAULT_OPTIMIZER
    bulk_fmax: float = 0.01
    kind: str = "slab"
    orientation: int = 0
    termination: int = 0
    film_layers: int | None = None  # None: the system recipe's
    substrate_layers: int | None = None
    scan_grid: tuple[int, int] | None = None  # registry grid; None: no scan
    T_K: float = LI_MELTING_K
    surface_slabs: bool = True
    max_surface_terminations: int = 3
    reactivity: bool = True
    extra_mu_eV: dict[str, float] | None = None  # μ of further elements (multi-element coatings)
    #: builder overrides (build_system): max_area_A2, max_strain, max_length_tol,
    #: max_angle_tol, max_area_ratio_tol, gap_A, vacuum_A
    build: dict[str, float] | None = None
    #: report numbers made from relaxations that did not converge (each such number is
    #: marked NOT converged in its record) instead of stopping; e.g. a strongly strained film
    #: part that keeps reconstructing when relaxed alone
    allow_unconverged: bool = False
    #: coating layers held fixed in a slab model (None: the builder's default, 2)
    fix_substrate_layers: int | None = None
    #: relax the interface also from these interlayer gaps (Å, at the placed registry) and keep
    #: the lowest-energy end point: a relaxation started only from the rigid scan's optimum can
    #: miss a bound state (None: one start)
    start_gaps_A: list[float] | None = None
    #: the faces (Li face, coating face; Miller strings such as ['110', '110']) instead of the
    #: recipe's orientation ``orientation``: any facet of the same pair of crystals
    faces: list[str] | None = None


BUILD_KEYS = ("max_area_A2", "max_strain", "max_length_tol", "max_angle_tol",
              "max_area_ratio_tol", "gap_A", "vacuum_A")


@dataclass
class InterfaceEnergetics(Record):
    """Everything :func:`interface_energetics` computed. J/m², eV, Å, K."""

    system: str
    interface: dict[str, Any]  # builder metadata of the model that was relaxed
    calculator: dict[str, Any]
    settings: EnergeticsSettings
    bulk: dict[str, BulkReference]
    w_adh_ideal: WorkOfAdhesion
    w_adh_relaxed: WorkOfAdhesion
    interface_energy: InterfaceEnergy | None
    contact_angle: ContactAngle
    surface_energies: dict[str, SurfaceEnergy]
    reaction: ReactionWithLi | None
    reaction_note: str
    notes: list[str]
    registry: dict[str, Any] | None
    records: dict[str, EnergyRecord]
    converged: bool
    wall_time_s: float
    versions: dict[str, str] = field(default_factory=package_versions)

    def summary_rows(self) -> list[tuple[str, str, str]]:
        """(quantity, value, note) rows for a printed table."""
        rows = []
        for label, g in self.surface_energies.items():
            note = "stoichiometric" if g.stoichiometric else f"μ: {g.mu_limit}"
            rows.append((f"γ {label}", f"{g.gamma_J_per_m2:.3f} J/m²", note))
        ie = self.interface_energy
        rows += [
            ("W_adh ideal", f"{self.w_adh_ideal.w_adh_J_per_m2:.3f} J/m²", "rigid cleaved parts"),
            ("W_adh relaxed", f"{self.w_adh_relaxed.w_adh_J_per_m2:.3f} J/m²",
             "parts relaxed alone"),
        ]
        if ie is not None:
            rows += [
                ("γ film (strained, as cut)", f"{ie.gamma_film_J_per_m2:.3f} J/m²", "relaxed part"),
                ("γ substrate (as cut)", f"{ie.gamma_substrate_J_per_m2:.3f} J/m²",
                 f"μ: {ie.mu_limit}" if ie.mu_limit else "stoichiometric"),
                ("γ_int", f"{ie.gamma_int_J_per_m2:.3f} J/m²",
                 "γ_film + γ_substrate − W_adh(relaxed)"),
            ]
        else:
            rows.append(("γ_int", "-", "needs chemical potentials: see notes"))
        rows += [
            ("contact angle (liquid Li)", f"{self.contact_angle.theta_deg:.1f}°",
             f"{self.contact_angle.regime}, γ_lv={self.contact_angle.gamma_lv_J_per_m2:.3f} J/m² "
             f"at {self.contact_angle.T_K:.2f} K"),
        ]
        if self.reaction is not None:
            r = self.reaction
            per_li = "" if r.reaction_energy_eV_per_Li is None else \
                f", {r.reaction_energy_eV_per_Li:.3f} eV/Li"
            rows.append(("reaction with Li", f"{r.reaction_energy_meV_per_atom:.1f} meV/atom{per_li}",
                         r.reaction if not r.stable_against_li else "stable against Li"))
        else:
            rows.append(("reaction with Li", "-", self.reaction_note))
        return rows


def cleave(atoms) -> tuple[Any, Any]:
    """(film, substrate) parts of an interface ``atoms`` (by ``arrays['interface_side']``),
    each in the same cell, constraints kept."""
    if "interface_side" not in atoms.arrays:
        raise UserInputError("atoms carry no 'interface_side' array: not an interface model")
    side = atoms.arrays["interface_side"]
    return atoms[side == 0], atoms[side == 1]


def reference_potentials(film_ref: BulkReference, extra_mu_eV: dict[str, float] | None = None
                         ) -> tuple[dict[str, float], str]:
    """Chemical potentials of the film-rich limit, μ_film = E(bulk film) per atom (for Li
    films the Li-rich limit, μ_Li = E(bcc Li)), plus any given ``extra_mu_eV``; and its label."""
    if len(film_ref.composition) != 1:
        raise UserInputError(f"the film must be an element (a metal): got {film_ref.formula}")
    mu = li_rich_limit(film_ref) if film_ref.formula == "Li" else \
        {film_ref.formula: film_ref.per_atom_eV()}
    what = "Li-rich (μ_Li = E bcc Li)" if film_ref.formula == "Li" else \
        f"{film_ref.formula}-rich (μ_{film_ref.formula} = E bulk {film_ref.formula})"
    if extra_mu_eV:
        mu.update(extra_mu_eV)
        what += f", given {sorted(extra_mu_eV)}"
    return mu, what


def check_orientation(system: str, settings: EnergeticsSettings):
    """The recipe of ``system`` if it has the orientation ``settings.orientation``, else one
    line naming the orientations it has."""
    recipe = system_recipe(system)
    faces = recipe.orientations
    if settings.faces is not None:
        given = settings.faces
        if not (isinstance(given, (list, tuple)) and len(given) == 2 and all(
                isinstance(f, str) and re.fullmatch(r"(-?\d){3}", f) for f in given)):
            raise UserInputError(f"faces={given!r}: two Miller strings, the Li face and the "
                                 f"coating face, e.g. ['110', '111']")
        if settings.orientation != 0:
            raise UserInputError(f"faces={list(given)!r} and orientation="
                                 f"{settings.orientation!r}: give one of them")
        return replace(recipe, orientations=((given[0], given[1]),))
    if not 0 <= settings.orientation < len(faces):
        raise UserInputError(f"orientation={settings.orientation!r} must be < {len(faces)}: "
                             f"{recipe.name} has the faces "
                             f"{', '.join(f'Li({f}) || {s}' for f, s in faces)}")
    return recipe


@dataclass
class AdhesionStep(Record):
    """W_adh (ideal and relaxed) and γ_int of one relaxed interface, with the part records
    and the parts relaxed alone (``geometries``: 'film', 'substrate'; what a committee
    member re-evaluates; empty in records written before they were kept)."""

    w_adh_ideal: WorkOfAdhesion
    w_adh_relaxed: WorkOfAdhesion
    interface_energy: InterfaceEnergy | None
    records: dict[str, EnergyRecord]
    notes: list[str]
    geometries: dict[str, Atoms] = field(default_factory=dict)


def assemble_energetics(*, system: str, interface: dict[str, Any], calculator: dict[str, Any],
                        settings: EnergeticsSettings, bulk: dict[str, BulkReference],
                        interface_record: EnergyRecord, parts: AdhesionStep,
                        surfaces: dict[str, SurfaceEnergy], surface_records: dict,
                        surface_notes: list[str], reaction, reaction_note: str,
                        registry: dict[str, Any] | None, wall_time_s: float
                        ) -> InterfaceEnergetics:
    """The :class:`InterfaceEnergetics` record from the steps' results; adds the Young–Dupré
    contact angle of liquid Li from W_adh(relaxed) at ``settings.T_K``."""
    records = {interface_record.label: interface_record, **parts.records, **surface_records}
    angle = young_dupre(parts.w_adh_relaxed.w_adh_J_per_m2, T_K=settings.T_K)
    return InterfaceEnergetics(
        system=system, interface=interface, calculator=calculator, settings=settings,
        bulk=bulk, w_adh_ideal=parts.w_adh_ideal, w_adh_relaxed=parts.w_adh_relaxed,
        interface_energy=parts.interface_energy, contact_angle=angle, surface_energies=surfaces,
        reaction=reaction, reaction_note=reaction_note,
        notes=list((registry or {}).get("notes", [])) + parts.notes + surface_notes,
        registry=registry, records=records,
        converged=all(r.converged for r in records.values()), wall_time_s=wall_time_s,
    )


