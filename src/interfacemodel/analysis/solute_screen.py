"""A solute screen for self-forming surface layers: segregation energies of solutes M in a
host metal (Li) to its free surfaces, the equilibrium surface coverage they give (the McLean
isotherm) against bulk fraction and temperature, and the surface-energy reduction of that
coverage.

Definitions (energies eV, lengths Å, areas Å², surface energies J/m², T in K; x and θ are
fractions, 0.001 = 0.1 at.%)::

    E_seg = E(M in the top host layer L0, relaxed) − E(M in the middle host layer, relaxed)

in one symmetric free slab of the relaxed host crystal (same cell, same calculator: atom
counts and references cancel; :func:`~interfacemodel.analysis.segregation.solute_segregation`).
E_seg < 0: M segregates to the surface; > 0: it stays inside. The middle layer stands for
the bulk (a thin slab's middle is only approximately bulk-like: say so with the numbers).

Coverage, the McLean (Langmuir) isotherm
(:func:`~interfacemodel.analysis.isotherm.mclean_coverage`)::

    θ / (1 − θ) = x / (1 − x) · exp(−E_seg / k_B T)

θ = fraction of the surface layer's host sites holding M; one site kind per face (the L0
sites of the slab), no M–M interaction, saturation at θ = 1.

Surface-energy reduction Δγ (J/m², ≤ 0: the surface energy drops). Gibbs' adsorption
equation at constant T, for a dilute solute, is dγ = −Γ dμ_M with Γ the surface excess of M
per area. In the layer model Γ = θ / A_site (A_site = the area per surface host atom of the
face, Å²; the excess over the bulk fraction, x / A_site, is neglected, x ≪ θ where it
matters). The dilute (Henry) bulk solution has μ_M = μ° + k_B T ln x, and the Langmuir
isotherm at x ≪ 1 reads x = θ / (K (1 − θ)) with K = exp(−E_seg / k_B T), so
d ln x = dθ / (θ (1 − θ)). Then::

    dγ = −(θ / A_site) k_B T dθ / (θ (1 − θ)) = −(k_B T / A_site) dθ / (1 − θ)
    Δγ = γ(θ) − γ(0) = (k_B T / A_site) ln(1 − θ)              (Szyszkowski–Langmuir)

(eV/Å² × 16.0218 = J/m²). Δγ depends on E_seg, x and T only through θ. It is the reduction
of the free-surface energy of the host face.

The Li/coating interfaces (:func:`interface_segregation`), on the relaxed interface model of a
campaign system (film = the host, ``atoms.arrays['interface_side']`` 0 on the film)::

    E_seg(interface) = E(M in the film plane touching the coating, L-1, relaxed)
                       − E(M in the film's middle layer, relaxed)

in that one cell (in-plane supercell by the same 5 Å image rule, its FixAtoms kept), the
same isotherm with A_site = the area per host atom of the touching plane, and
Δγ_int = (k_B T / A_site) ln(1 − θ): the interfacial-energy change of that dilute layer
(J/m², ≤ 0). E_seg(interface) < 0: M gathers at the Li/coating interface.

:func:`surface_segregation` computes one solute on one face; :func:`clean_surface` the host
face's own surface energy γ0 (for Δγ/γ0); :func:`interface_segregation` one solute at one
system's interface; :func:`assemble_screen` joins them into a :class:`SoluteScreen` record;
:func:`solute_screen` does all of it in one call.
:func:`screen_markdown`, :func:`screen_csv` and :func:`plot_screen` render the record.
Library layer: plain functions on ase.Atoms, no FireWorks.
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from ase.units import kB

from ..build.point_defects import check_element
from ..build.slabs import make_slabs, parse_miller
from ..build.systems import system_recipe
from ..calculators import calculator_provenance, check_elements
from ..errors import UserInputError
from ..records import Record, package_versions, to_dict, write_text_atomic
from ..run.relax import DEFAULT_OPTIMIZER, EnergyRecord, relax
from ..units import EV_PER_A2_TO_J_PER_M2
from .isotherm import bulk_fraction_for_coverage, mclean_coverage
from .segregation import (
    MIN_IMAGE_A,
    _fixed_mask,
    _plan,
    host_layers,
    in_plane_repeat,
    shortest_image_A,
    solute_segregation,
)

Progress = Callable[[str], None]

#: the solutes of issue 19 (part 4): metals that dissolve in, alloy with or coat Li
ISSUE_SOLUTES = ("Mg", "Ag", "Au", "Zn", "Al", "In", "Sn", "Bi", "Na", "K", "Ca")
DEFAULT_FACES = ("110", "100")
#: bulk fractions (atomic fraction) and temperature (K) the record tabulates θ and Δγ at
DEFAULT_BULK_FRACTIONS = (0.001, 0.01)
DEFAULT_T_K = 300.0
#: atomic layers of the slabs (rounded up to whole unit planes by the slab builder)
DEFAULT_LAYERS = 5
#: the layer-former criterion: θ ≥ this at some x in the range
LAYER_THRESHOLD = 0.5

DEFINITIONS = {
    "E_seg_eV": "E(solute in the top host layer L0) - E(solute in the middle host layer), "
                "same relaxed symmetric slab and calculator; eV; < 0 = segregates to the "
                "surface",
    "coverage": "McLean isotherm theta/(1-theta) = x/(1-x) exp(-E_seg/kT): fraction of the "
                "face's top-layer host sites holding the solute, at each bulk fraction x of "
                "bulk_fractions and T_K",
    "delta_gamma_J_per_m2": "surface-energy change of the dilute Langmuir-McLean layer, "
                            "(kT/A_site) ln(1-theta) (Gibbs adsorption integrated); J/m²; "
                            "<= 0 = reduction; at each x of bulk_fractions and T_K",
    "x_half_coverage": "bulk fraction at which theta = 0.5 at T_K (bulk_fraction_for_coverage)",
    "A_site_A2": "area per top-layer host atom of the face (cell area / L0 atoms), Å²",
    "gamma0_J_per_m2": "clean host face surface energy (E_slab - N mu_host)/(2A), J/m², "
                       "mu_host = E(relaxed bulk)/atom with the same calculator",
    "interfaces.E_seg_eV": "E(solute in the film (host) plane touching the coating, L-1) - "
                           "E(solute in the film's middle layer), same relaxed interface "
                           "model and calculator; eV; < 0 = segregates to the interface",
    "interfaces.coverage": "McLean isotherm as for the faces, for the touching plane's host "
                           "sites, at each x of bulk_fractions and T_K",
    "interfaces.delta_gamma_int_J_per_m2": "interfacial-energy change of that dilute layer, "
                                           "(kT/A_site) ln(1-theta); J/m²; <= 0 = reduction",
    "interfaces.A_site_A2": "area per host atom of the film plane touching the coating "
                            "(interface cell area / its atoms), Å²",
}


# --------------------------------------------------------------------------- records

@dataclass
class SurfaceSegregation(Record):
    """One solute on one face of the host: its segregation energy to the top layer and
    the cell it was computed in. Units: eV, Å, Å²."""

    solute: str
    host: str
    face: str  # Miller digits of the host face, e.g. '110'
    E_seg_eV: float | None  # E(solute in L0) − E(solute in the middle layer); < 0 segregates
    A_site_A2: float  # area per top-layer host atom of the face
    natoms: int
    n_layers: int  # host atomic layers of the slab
    middle_layer: int  # the reference layer, counted from the top (0)
    supercell: list[int]  # in-plane repeat of the primitive surface cell
    image_distance_A: float  # solute to its nearest periodic image
    converged: bool
    calculator: dict
    records: dict[str, EnergyRecord]  # 'L0', 'middle'
    notes: list[str]
    wall_time_s: float
    geometries: dict[str, Atoms] = field(default_factory=dict)  # relaxed cells, as records


@dataclass
class CleanSurface(Record):
    """The clean host face: γ0 = (E_slab − N μ_host) / (2A) (J/m²) of the same slab (the
    solute's cell without the solute), μ_host = E(bulk)/atom of the given relaxed crystal."""

    host: str
    face: str
    gamma0_J_per_m2: float | None
    mu_host_eV: float | None
    area_A2: float
    natoms: int
    converged: bool
    record: EnergyRecord


@dataclass
class ScreenEntry(Record):
    """One row of the screen: a solute on a face, with its isotherm numbers (see
    :data:`DEFINITIONS`; lists follow the record's ``bulk_fractions``)."""

    solute: str
    face: str
    E_seg_eV: float | None
    coverage: list[float | None]
    delta_gamma_J_per_m2: list[float | None]
    x_half_coverage: float | None
    A_site_A2: float
    gamma0_J_per_m2: float | None
    converged: bool


@dataclass
class InterfaceSegregation(Record):
    """One solute at the film/coating interface of one system: E(solute in the film plane
    touching the coating, L-1) − E(solute in the film's middle layer) of the relaxed
    interface model (eV; < 0: segregates to the interface), and the cell. Units: eV, Å, Å²."""

    solute: str
    host: str
    system: str  # the campaign's interface system, e.g. 'li-lif'
    coating: str  # the coating crystal (the system's substrate), e.g. 'LiF'
    E_seg_eV: float | None
    A_site_A2: float  # area per host atom of the touching plane
    natoms: int
    n_layers: int  # host (film) atomic layers
    middle_layer: int  # the reference layer, counted from the top (0)
    supercell: list[int]  # in-plane repeat of the interface model given
    image_distance_A: float
    n_fixed: int  # atoms held by the model's FixAtoms (kept)
    converged: bool
    calculator: dict
    records: dict[str, EnergyRecord]  # 'L-1', 'middle'
    notes: list[str]
    wall_time_s: float
    geometries: dict[str, Atoms] = field(default_factory=dict)


@dataclass
class InterfaceScreenEntry(Record):
    """One row of the interface table: a solute at a system's Li/coating interface, with its
    isotherm numbers at the record's ``bulk_fractions`` and ``T_K`` (Δγ_int: J/m², ≤ 0)."""

    solute: str
    system: str
    coating: str
    E_seg_eV: float | None
    coverage: list[float | None]
    delta_gamma_int_J_per_m2: list[float | None]
    x_half_coverage: float | None
    A_site_A2: float
    converged: bool


@dataclass
class SoluteScreen(Record):
    """The solute screen of one host: every solute on every face (``sites``), the clean
    faces (``clean``), and the derived table (``entries``) at ``T_K`` and each of
    ``bulk_fractions``. ``definitions`` says what each number is, with units and signs;
    ``layer_formers`` lists the (solute, face) pairs with θ ≥ ``criterion['threshold']`` at a
    bulk fraction within ``criterion['x_range']`` at ``criterion['T_K']``. ``interfaces``:
    the same numbers for each solute at each Li/coating interface computed
    (``interface_sites``), ``interface_layer_formers`` by the same criterion (all three empty
    in records written before interfaces were screened, or without any)."""

    host: str
    faces: list[str]
    solutes: list[str]
    T_K: float
    bulk_fractions: list[float]
    entries: list[ScreenEntry]
    layer_formers: list[dict[str, Any]]
    criterion: dict[str, Any]
    sites: list[SurfaceSegregation]
    clean: dict[str, CleanSurface]
    definitions: dict[str, str]
    converged: bool
    calculator: dict
    notes: list[str]
    wall_time_s: float
    kind: str = "solute-screen"
    versions: dict[str, str] = field(default_factory=package_versions)
    interfaces: list[InterfaceScreenEntry] = field(default_factory=list)
    interface_sites: list[InterfaceSegregation] = field(default_factory=list)
    interface_layer_formers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def systems(self) -> list[str]:
        """The interface systems screened, in order."""
        return list(dict.fromkeys(e.system for e in self.interfaces))

    def interface_entry(self, solute: str, system: str) -> InterfaceScreenEntry:
        for e in self.interfaces:
            if e.solute == solute and e.system == system:
                return e
        raise UserInputError(f"no interface entry for {solute} at {system}; the screen has "
                             f"{', '.join(self.systems) or 'no interfaces'}")

    def entry(self, solute: str, face: str) -> ScreenEntry:
        face = face_label(face)
        for e in self.entries:
            if e.solute == solute and e.face == face:
                return e
        raise UserInputError(f"no entry for {solute} on {self.host}({face}); the screen has "
                             f"{', '.join(self.solutes)} on {', '.join(self.faces)}")

    def formers(self, threshold: float = LAYER_THRESHOLD, x_range=(0.001, 0.01),
                T_K: float = DEFAULT_T_K) -> list[dict[str, Any]]:
        """:func:`layer_formers` of this screen."""
        return layer_formers(self, threshold, x_range, T_K)


# --------------------------------------------------------------------------- checks

def face_label(face) -> str:
    """'110' for 110, '1,1,0', '(110)' or (1, 1, 0); a bad face is one line."""
    try:
        hkl = parse_miller(face)
    except (UserInputError, TypeError, ValueError) as exc:
        reason = str(exc).splitlines()[0].split("; give")[0]
        raise UserInputError(f"face {face!r}: {reason}; give Miller digits "
                             f"such as 110 or 1,0,0") from None
    if any(abs(i) > 9 for i in hkl):
        return ",".join(str(i) for i in hkl)
    return "".join(str(i) if i >= 0 else f"-{-i}" for i in hkl)


def check_screen_inputs(host: str, solutes, faces, calculator=None) -> tuple[list[str], list[str]]:
    """Validate a screen's input before any work: element symbols, no solute equal to the
    host, no duplicates, Miller faces, and (``calculator``: a spec or a calculator made by
    :func:`~interfacemodel.calculators.get_calculator`) that the calculator covers them all.
    Returns (solutes, face labels). Bad input: one line naming the value and what is
    accepted."""
    check_element(host, "host")
    if isinstance(solutes, str):
        solutes = [s.strip() for s in solutes.split(",") if s.strip()]
    solutes = list(solutes or [])
    if not solutes:
        raise UserInputError("no solutes given; give element symbols such as Mg,Ag,Zn")
    for s in solutes:
        check_element(s, "solute")
        if s == host:
            raise UserInputError(f"solute={s!r} is the host; give solutes other than {host}")
    dup = sorted({s for s in solutes if solutes.count(s) > 1})
    if dup:
        raise UserInputError(f"solute {dup[0]!r} given twice; give each solute once")
    if isinstance(faces, str):  # '110' is one face; '110,100' two ('1,1,0' is one)
        parts = [f.strip() for f in faces.split(",")]
        faces = parts if all(len(p) >= 3 for p in parts) else [faces]
    labels = [face_label(f) for f in (faces or [])]
    if not labels:
        raise UserInputError("no faces given; give Miller digits such as 110,100")
    dupf = sorted({f for f in labels if labels.count(f) > 1})
    if dupf:
        raise UserInputError(f"face {dupf[0]!r} given twice; give each face once")
    spec = calculator if isinstance(calculator, str) else \
        getattr(calculator, "interfacemodel_spec", None)
    if spec is not None:
        check_elements(spec, [host, *solutes])
    return solutes, labels


def _host_of(bulk_atoms, host: str | None) -> str:
    symbols = sorted(set(bulk_atoms.get_chemical_symbols()))
    if host is None:
        if len(symbols) != 1:
            raise UserInputError(f"the bulk crystal holds {', '.join(symbols)}: give host")
        return symbols[0]
    if host not in symbols:
        raise UserInputError(f"host={host!r} is not in the bulk crystal ({', '.join(symbols)})")
    return host


def _check_numbers(T_K, bulk_fractions) -> list[float]:
    if not (isinstance(T_K, (int, float)) and T_K > 0):
        raise UserInputError(f"T_K={T_K!r} must be > 0 (K)")
    xs = [float(x) for x in bulk_fractions]
    bad = [x for x in xs if not 0 < x < 1]
    if bad or not xs:
        raise UserInputError(f"bulk_fractions={list(bulk_fractions)!r} must lie in (0, 1) "
                             f"(atomic fraction, 0.001 = 0.1 at.%)")
    return xs


# --------------------------------------------------------------------------- cells

@dataclass
class _FaceCell:
    face: str
    atoms: Atoms  # the symmetric slab, in-plane supercell
    repeat: tuple[int, int]
    n_layers: int
    A_site_A2: float
    notes: list[str]


def face_cell(bulk_atoms, face, host: str | None = None, layers: int = DEFAULT_LAYERS,
              vacuum_A: float = 15.0, min_image_A: float = MIN_IMAGE_A) -> _FaceCell:
    """The symmetric free slab of ``face`` of the relaxed host crystal ``bulk_atoms``
    (:func:`~interfacemodel.build.slabs.make_slabs`, ``layers`` atomic layers rounded up to
    whole unit planes, nothing fixed) repeated in plane so that a solute is at least
    ``min_image_A`` Å from its periodic images (the segregation module's rule)."""
    host = _host_of(bulk_atoms, host)
    label = face_label(face)
    if isinstance(layers, bool) or not isinstance(layers, (int, np.integer)) or layers < 3:
        raise UserInputError(f"layers={layers!r} must be an integer >= 3 (surface, middle, "
                             f"bottom)")
    # the crystal snapped to 1e-10 (Å, fractional): a bulk replayed from a journal differs
    # from the first run's in the last bits, and that noise reorders the slab's atoms (ties
    # in z), so the cells — and their checkpoints' fingerprints — would differ on a resume
    snapped = bulk_atoms.copy()
    snapped.set_constraint()
    scaled = np.round(snapped.get_scaled_positions(wrap=True), 10) % 1.0
    snapped.set_cell(np.round(snapped.cell.array, 10) + 0.0, scale_atoms=False)
    snapped.set_scaled_positions(scaled)
    slabs = make_slabs(snapped, parse_miller(label), layers=int(layers), vacuum_A=vacuum_A)
    sym = [s for s in slabs if s.symmetric and s.stoichiometric]
    slab = (sym or slabs)[0]
    notes = []
    if not sym:
        notes.append(f"{host}({label}): no symmetric slab; termination {slab.termination_index} "
                     f"used")
    rep = in_plane_repeat(slab.atoms, min_image_A)
    atoms = slab.atoms.repeat((rep[0], rep[1], 1))
    atoms.info.pop("slab_label", None)
    layer_atoms = host_layers(atoms, host)
    area = float(np.linalg.norm(np.cross(atoms.cell[0], atoms.cell[1])))
    a_site = area / len(layer_atoms[0])
    notes.append(f"{host}({label}): {len(layer_atoms)} layers, in-plane {rep[0]}x{rep[1]} "
                 f"({len(atoms)} atoms), solute images {shortest_image_A(atoms.cell):.2f} Å "
                 f"apart, A_site {a_site:.3f} Å² ({len(layer_atoms[0])} top-layer sites)")
    return _FaceCell(label, atoms, rep, len(layer_atoms), a_site, notes)


# --------------------------------------------------------------------------- computations

def surface_segregation(bulk_atoms, miller, solute: str, calc, host: str | None = None,
                        layers: int = DEFAULT_LAYERS, fmax: float = 0.05, steps: int = 500,
                        optimizer: str | None = None, workdir: str | Path | None = None,
                        progress: Progress | None = None, *, vacuum_A: float = 15.0,
                        seed: int = 0, keep_geometries: bool = True) -> SurfaceSegregation:
    """Segregation energy (eV) of one ``solute`` atom to the top layer of the ``miller``
    face of the relaxed host crystal ``bulk_atoms`` (ase.Atoms, conventional cell).

    The cell: :func:`face_cell` (a symmetric free slab, ``layers`` atomic layers rounded up
    to whole unit planes, in-plane supercell by the 5 Å image rule, nothing fixed). The
    relaxations: :func:`~interfacemodel.analysis.segregation.solute_segregation` with
    layers [0] (the solute in the top layer L0, and in the middle reference layer);
    ``E_seg_eV = E(L0) − E(middle)``, negative = segregates. ``host`` defaults to the
    crystal's only element. ``workdir``: checkpoints in ``workdir/<solute>:<face>:<site>``;
    a rerun resumes. The record is ``converged`` only when both relaxations converged.
    """
    start = time.perf_counter()
    host = _host_of(bulk_atoms, host)
    check_screen_inputs(host, [solute], [miller], calc)
    cell = face_cell(bulk_atoms, miller, host, layers, vacuum_A)
    geometries: dict[str, Any] = {}
    recs = solute_segregation(cell.atoms, calc, solute=solute, host=host, layers=[0],
                              fmax=fmax, steps=steps, optimizer=optimizer, workdir=workdir,
                              progress=progress, seed=seed, label=f"{solute}:{cell.face}",
                              geometries=geometries)
    e0, em = recs["L0"].energy_eV, recs["middle"].energy_eV
    e_seg = None if e0 is None or em is None else float(e0 - em)
    notes = list(cell.notes)
    n = cell.n_layers
    middle = min(range(1, n - 1), key=lambda k: (abs(k - (n - 1) / 2), k))  # as _plan's
    if min(middle, n - 1 - middle) < 2:
        notes.append(f"{host}({cell.face}): the middle layer is {min(middle, n - 1 - middle)} "
                     f"layer(s) from a surface: the reference is not bulk-like (more layers)")
    bad = [k for k, r in recs.items() if not r.converged]
    if bad:
        notes.append(f"{solute} on {host}({cell.face}): not converged ({', '.join(bad)}; fmax "
                     f"{fmax} eV/Å, {steps} steps)")
    if not keep_geometries:
        geometries = {}
    return SurfaceSegregation(
        solute=solute, host=host, face=cell.face, E_seg_eV=e_seg, A_site_A2=cell.A_site_A2,
        natoms=len(cell.atoms), n_layers=n, middle_layer=middle, supercell=list(cell.repeat),
        image_distance_A=shortest_image_A(cell.atoms.cell), converged=not bad,
        calculator=calculator_provenance(calc), records=dict(recs), notes=notes,
        wall_time_s=time.perf_counter() - start, geometries=geometries)


def clean_surface(bulk_atoms, miller, calc, host: str | None = None,
                  layers: int = DEFAULT_LAYERS, fmax: float = 0.05, steps: int = 500,
                  optimizer: str | None = None, workdir: str | Path | None = None,
                  progress: Progress | None = None, *, vacuum_A: float = 15.0) -> CleanSurface:
    """Surface energy γ0 (J/m²) of the clean ``miller`` face: the solute screen's cell
    (:func:`face_cell`) without the solute, relaxed; μ_host = E(``bulk_atoms``)/atom (a
    single point of the given relaxed crystal with ``calc``). γ0 = (E_slab − N μ)/(2A)."""
    host = _host_of(bulk_atoms, host)
    cell = face_cell(bulk_atoms, miller, host, layers, vacuum_A)
    if progress:
        progress(f"relax clean {host}({cell.face}) ({len(cell.atoms)} atoms)")
    label = f"clean:{cell.face}"
    ckpt = None if workdir is None else Path(workdir) / label
    _, rec = relax(cell.atoms, calc, fmax=fmax, steps=steps,
                   optimizer=optimizer or DEFAULT_OPTIMIZER, checkpoint=ckpt, label=label)
    bulk = bulk_atoms.copy()
    bulk.calc = calc
    try:
        e_bulk = float(bulk.get_potential_energy())
    finally:
        bulk.calc = None
    mu = e_bulk / len(bulk)
    area = float(np.linalg.norm(np.cross(cell.atoms.cell[0], cell.atoms.cell[1])))
    gamma = None if rec.energy_eV is None else \
        float((rec.energy_eV - len(cell.atoms) * mu) / (2 * area) * EV_PER_A2_TO_J_PER_M2)
    return CleanSurface(host=host, face=cell.face, gamma0_J_per_m2=gamma, mu_host_eV=mu,
                        area_A2=area, natoms=len(cell.atoms), converged=bool(rec.converged),
                        record=rec)


def _interface_atoms(interface) -> tuple[Atoms, str | None]:
    """(atoms, system name or None) of an interface model given as ase.Atoms, an
    InterfaceModel (``atoms``) or an interface job's product (``relaxed``, ``system``)."""
    atoms = getattr(interface, "relaxed", None)
    if atoms is None:
        atoms = getattr(interface, "atoms", interface)
    if not isinstance(atoms, Atoms):
        raise UserInputError(f"interface of type {type(interface).__name__} is not an "
                             f"ase.Atoms, InterfaceModel or interface product")
    system = getattr(interface, "system", None) or atoms.info.get("system")
    return atoms, (str(system) if system else None)


def _check_interface(atoms: Atoms, system: str, host: str, solutes, calc) -> None:
    """One line unless ``atoms`` is an interface model with a ``host`` film, the solutes are
    elements other than the host, and the calculator (when it says) covers them all."""
    if "interface_side" not in atoms.arrays:
        raise UserInputError(f"{system}: not an interface model (no per-atom "
                             f"'interface_side', 0 = film): give the interface job's relaxed "
                             f"model or an InterfaceModel")
    check_element(host, "host")
    side = np.asarray(atoms.arrays["interface_side"])
    film = sorted(set(np.asarray(atoms.get_chemical_symbols())[side == 0]))
    if host not in film:
        raise UserInputError(f"{system}: the film holds {', '.join(film) or 'no atoms'}, not "
                             f"the host {host}; interface segregation needs a {host} film")
    for solute in solutes:
        check_element(solute, "solute")
        if solute == host:
            raise UserInputError(f"solute={solute!r} is the host; give a solute other than "
                                 f"{host}")
    spec = calc if isinstance(calc, str) else getattr(calc, "interfacemodel_spec", None)
    if spec is not None:
        check_elements(spec, sorted(set(atoms.get_chemical_symbols()) | set(solutes)))


def interface_segregation(interface_atoms, solute: str, calc, host: str = "Li",
                          system: str | None = None, fmax: float = 0.05, steps: int = 500,
                          optimizer: str | None = None, workdir: str | Path | None = None,
                          progress: Progress | None = None, *, seed: int = 0,
                          min_image_A: float = MIN_IMAGE_A,
                          keep_geometries: bool = True) -> InterfaceSegregation:
    """Segregation energy (eV) of one ``solute`` atom to the Li/coating interface of a
    relaxed interface model: E(solute in the film plane touching the coating, L-1) −
    E(solute in the film's middle layer); negative = segregates to the interface.

    ``interface_atoms``: the relaxed interface model (ase.Atoms with
    ``arrays['interface_side']``, 0 = film; an InterfaceModel; or an interface job's
    product, whose ``system`` names it), used as given (its relaxed positions and its
    FixAtoms, which are kept and honoured) after an in-plane repeat by the 5 Å image rule.
    Only film atoms of ``host`` are host sites
    (:func:`~interfacemodel.analysis.segregation.solute_segregation` with layers [-1]).
    ``A_site_A2``: the cell area per host atom of the touching plane. ``workdir``:
    checkpoints in ``workdir/<solute>:<system>:<site>``; a rerun resumes. The record is
    ``converged`` only when both relaxations converged."""
    start = time.perf_counter()
    atoms, named = _interface_atoms(interface_atoms)
    system = system or named or "interface"
    _check_interface(atoms, system, host, [solute], calc)
    side = np.asarray(atoms.arrays["interface_side"])
    try:
        coating = system_recipe(system).substrate
    except UserInputError:
        coating = "".join(sorted(set(np.asarray(atoms.get_chemical_symbols())[side != 0])))
    rep = in_plane_repeat(atoms, min_image_A)
    cell = atoms.repeat((rep[0], rep[1], 1)) if rep != (1, 1) else atoms.copy()
    cell.calc = None
    plan = _plan(cell, solute, host, [-1], seed)  # validates (layers, fixed planes) first
    layers = host_layers(cell, host)
    area = float(np.linalg.norm(np.cross(cell.cell[0], cell.cell[1])))
    a_site = area / len(layers[-1])
    n_fixed = int(_fixed_mask(cell).sum())
    notes = [f"{system}: interface model {rep[0]}x{rep[1]} in plane ({len(cell)} atoms, "
             f"{n_fixed} fixed), solute images {shortest_image_A(cell.cell):.2f} Å apart, "
             f"{plan.n_layers} {host} layers, A_site {a_site:.3f} Å² ({len(layers[-1])} "
             f"{host} atoms in the plane touching {coating})"]
    n, m = plan.n_layers, plan.middle
    if min(m, n - 1 - m) < 2:
        notes.append(f"{system}: the middle {host} layer is {min(m, n - 1 - m)} layer(s) from "
                     f"the surface or the interface: the reference is not bulk-like (a "
                     f"thicker film)")
    notes.extend(f"{system}: {note}" for note in plan.notes)
    geometries: dict[str, Any] = {}
    recs = solute_segregation(cell, calc, solute=solute, host=host, layers=[-1], fmax=fmax,
                              steps=steps, optimizer=optimizer, workdir=workdir,
                              progress=progress, seed=seed, label=f"{solute}:{system}",
                              geometries=geometries)
    e1, em = recs["L-1"].energy_eV, recs["middle"].energy_eV
    e_seg = None if e1 is None or em is None else float(e1 - em)
    bad = [k for k, r in recs.items() if not r.converged]
    if bad:
        notes.append(f"{solute} at {system}: not converged ({', '.join(bad)}; fmax {fmax} "
                     f"eV/Å, {steps} steps)")
    return InterfaceSegregation(
        solute=solute, host=host, system=system, coating=coating, E_seg_eV=e_seg,
        A_site_A2=a_site, natoms=len(cell), n_layers=n, middle_layer=m,
        supercell=list(rep), image_distance_A=shortest_image_A(cell.cell), n_fixed=n_fixed,
        converged=not bad, calculator=calculator_provenance(calc), records=dict(recs),
        notes=notes, wall_time_s=time.perf_counter() - start,
        geometries=geometries if keep_geometries else {})


def delta_gamma_J_per_m2(coverage, A_site_A2: float, T_K: float):
    """Δγ = (k_B T / A_site) ln(1 − θ) in J/m² (≤ 0; see the module docstring for the
    derivation). θ broadcasts; a float for scalar input."""
    theta = np.asarray(coverage, dtype=float)
    if np.any(~(theta >= 0) | ~(theta < 1)):
        raise UserInputError(f"coverage={coverage!r} must lie in [0, 1)")
    if not A_site_A2 > 0:
        raise UserInputError(f"A_site_A2={A_site_A2!r} must be > 0 (Å²)")
    if not T_K > 0:
        raise UserInputError(f"T_K={T_K!r} must be > 0 (K)")
    out = kB * T_K / A_site_A2 * np.log1p(-theta) * EV_PER_A2_TO_J_PER_M2
    return float(out) if out.ndim == 0 else out


def _delta_gamma_from_energy(e_seg, x, A_site, T_K) -> float:
    """Δγ from E_seg directly, exact where θ rounds to 1: ln(1 − θ) = −log(1 + K x/(1−x))."""
    z = e_seg / (kB * T_K) - (math.log(x) - math.log1p(-x))  # θ = 1/(1+e^z)
    log_one_minus_theta = -float(np.logaddexp(0.0, -z))
    return kB * T_K / A_site * log_one_minus_theta * EV_PER_A2_TO_J_PER_M2


def _entry(site: SurfaceSegregation, gamma0, xs, T_K) -> ScreenEntry:
    e = site.E_seg_eV
    if e is None:
        return ScreenEntry(site.solute, site.face, None, [None] * len(xs), [None] * len(xs),
                           None, site.A_site_A2, gamma0, site.converged)
    return ScreenEntry(
        solute=site.solute, face=site.face, E_seg_eV=e,
        coverage=[mclean_coverage(e, x, T_K) for x in xs],
        delta_gamma_J_per_m2=[_delta_gamma_from_energy(e, x, site.A_site_A2, T_K) for x in xs],
        x_half_coverage=bulk_fraction_for_coverage(e, 0.5, T_K),
        A_site_A2=site.A_site_A2, gamma0_J_per_m2=gamma0, converged=site.converged)


def _interface_entry(site: InterfaceSegregation, xs, T_K) -> InterfaceScreenEntry:
    e = site.E_seg_eV
    if e is None:
        return InterfaceScreenEntry(site.solute, site.system, site.coating, None,
                                    [None] * len(xs), [None] * len(xs), None, site.A_site_A2,
                                    site.converged)
    return InterfaceScreenEntry(
        solute=site.solute, system=site.system, coating=site.coating, E_seg_eV=e,
        coverage=[mclean_coverage(e, x, T_K) for x in xs],
        delta_gamma_int_J_per_m2=[_delta_gamma_from_energy(e, x, site.A_site_A2, T_K)
                                  for x in xs],
        x_half_coverage=bulk_fraction_for_coverage(e, 0.5, T_K), A_site_A2=site.A_site_A2,
        converged=site.converged)


def _criterion(threshold, x_range, T_K) -> tuple[float, float]:
    if not 0 < threshold < 1:
        raise UserInputError(f"threshold={threshold!r} must lie in (0, 1) (a coverage)")
    lo, hi = _check_numbers(T_K, x_range) if len(tuple(x_range)) == 2 else (None, None)
    if lo is None or not lo < hi:
        raise UserInputError(f"x_range={tuple(x_range)!r} must be two bulk fractions "
                             f"0 < x_min < x_max < 1")
    return lo, hi


def _former(e_seg, a_site, lo, hi, threshold, T_K) -> dict[str, Any] | None:
    """The criterion's numbers of one site (None: θ(x_max) < threshold)."""
    th_hi = mclean_coverage(e_seg, hi, T_K)
    if th_hi < threshold:
        return None
    th_lo = mclean_coverage(e_seg, lo, T_K)
    return {"E_seg_eV": e_seg,
            "x_threshold": bulk_fraction_for_coverage(e_seg, threshold, T_K),
            "theta_at_x_min": th_lo, "theta_at_x_max": th_hi,
            "already_at_x_min": th_lo >= threshold,
            "delta_gamma": _delta_gamma_from_energy(e_seg, hi, a_site, T_K)}


def interface_layer_formers(screen: SoluteScreen, threshold: float = LAYER_THRESHOLD,
                            x_range=(0.001, 0.01),
                            T_K: float = DEFAULT_T_K) -> list[dict[str, Any]]:
    """The (solute, system) pairs of ``screen.interfaces`` whose McLean coverage of the film
    plane touching the coating reaches ``threshold`` at a bulk fraction within ``x_range``
    at ``T_K`` (the criterion of :func:`layer_formers`). Each: solute, system, coating,
    E_seg_eV, x_threshold, theta_at_x_min, theta_at_x_max, already_at_x_min,
    delta_gamma_int_J_per_m2 at x_max, converged. Sorted by E_seg."""
    lo, hi = _criterion(threshold, x_range, T_K)
    out = []
    for e in screen.interfaces:
        d = None if e.E_seg_eV is None else _former(e.E_seg_eV, e.A_site_A2, lo, hi,
                                                     threshold, T_K)
        if d is None:
            continue
        dg = d.pop("delta_gamma")
        out.append({"solute": e.solute, "system": e.system, "coating": e.coating, **d,
                    "delta_gamma_int_J_per_m2": dg, "converged": e.converged})
    return sorted(out, key=lambda d: d["E_seg_eV"])


def layer_formers(screen: SoluteScreen, threshold: float = LAYER_THRESHOLD,
                  x_range=(0.001, 0.01), T_K: float = DEFAULT_T_K) -> list[dict[str, Any]]:
    """The (solute, face) pairs of ``screen`` whose McLean coverage reaches ``threshold``
    at a bulk fraction within ``x_range`` (atomic fractions) at ``T_K``: θ(x_max) ≥
    threshold (θ grows with x). Each: solute, face, E_seg_eV, x_threshold (the bulk
    fraction where θ = threshold), theta_at_x_min, theta_at_x_max, delta_gamma_J_per_m2 at
    x_max (and its fraction of γ0 where known), already_at_x_min. Sorted by E_seg."""
    lo, hi = _criterion(threshold, x_range, T_K)
    out = []
    for e in screen.entries:
        if e.E_seg_eV is None:
            continue
        th_hi = mclean_coverage(e.E_seg_eV, hi, T_K)
        if th_hi < threshold:
            continue
        th_lo = mclean_coverage(e.E_seg_eV, lo, T_K)
        dg = _delta_gamma_from_energy(e.E_seg_eV, hi, e.A_site_A2, T_K)
        out.append({
            "solute": e.solute, "face": e.face, "E_seg_eV": e.E_seg_eV,
            "x_threshold": bulk_fraction_for_coverage(e.E_seg_eV, threshold, T_K),
            "theta_at_x_min": th_lo, "theta_at_x_max": th_hi, "already_at_x_min":
            th_lo >= threshold, "delta_gamma_J_per_m2": dg,
            "delta_gamma_over_gamma0": (dg / e.gamma0_J_per_m2
                                        if e.gamma0_J_per_m2 else None),
            "converged": e.converged})
    return sorted(out, key=lambda d: d["E_seg_eV"])


def assemble_screen(sites: Sequence[SurfaceSegregation], clean: dict[str, CleanSurface] | None,
                    T_K: float = DEFAULT_T_K, bulk_fractions=DEFAULT_BULK_FRACTIONS,
                    threshold: float = LAYER_THRESHOLD, x_range=(0.001, 0.01),
                    calculator: dict | None = None, notes: Iterable[str] = (),
                    wall_time_s: float = 0.0,
                    interfaces: Sequence[InterfaceSegregation] = ()) -> SoluteScreen:
    """The :class:`SoluteScreen` record of computed ``sites`` (and clean faces, by face
    label; and ``interfaces``, the solutes at Li/coating interfaces): the isotherm numbers
    at ``T_K`` and each of ``bulk_fractions``, the layer formers (of faces and of
    interfaces) by (``threshold``, ``x_range``, ``T_K``)."""
    xs = _check_numbers(T_K, bulk_fractions)
    if not sites:
        raise UserInputError("no sites to assemble")
    clean = dict(clean or {})
    interfaces = list(interfaces or ())
    hosts = sorted({s.host for s in [*sites, *interfaces]})
    if len(hosts) != 1:
        raise UserInputError(f"sites of several hosts ({', '.join(hosts)}): one screen per host")
    solutes = list(dict.fromkeys(s.solute for s in sites))
    faces = list(dict.fromkeys(s.face for s in sites))
    entries = [_entry(s, clean[s.face].gamma0_J_per_m2 if s.face in clean else None, xs, T_K)
               for s in sites]
    all_notes = list(notes)
    for s in [*sites, *interfaces]:
        all_notes.extend(n for n in s.notes if n not in all_notes)
    all_notes.append("the isotherm assumes the solute is dissolved at x: a solute whose "
                     "solubility in the host is below x forms a second phase instead (not "
                     "checked here); one site kind per face, no solute-solute interaction")
    over = [f"{e.solute}({e.face}) {-d / e.gamma0_J_per_m2:.1f}×γ0 at x = {x:g}"
            for e in entries if e.gamma0_J_per_m2
            for x, d in zip(xs, e.delta_gamma_J_per_m2, strict=True)
            if d is not None and -d > e.gamma0_J_per_m2]
    if over:
        all_notes.append("|Δγ| exceeds the clean face's γ0 for " + ", ".join(over) + ": the "
                         "dilute Langmuir–McLean layer is outside its range there (a surface "
                         "energy cannot turn negative; the solute forms a surface phase or a "
                         "second phase instead): read it as 'γ drops to near zero'")
    converged = all(s.converged for s in [*sites, *interfaces]) and \
        all(c.converged for c in clean.values())
    screen = SoluteScreen(
        host=hosts[0], faces=faces, solutes=solutes, T_K=float(T_K), bulk_fractions=xs,
        entries=entries, layer_formers=[],
        criterion={"threshold": threshold, "x_range": [float(v) for v in x_range],
                   "T_K": float(T_K)},
        sites=list(sites), clean=clean, definitions=dict(DEFINITIONS), converged=converged,
        calculator=calculator or sites[0].calculator, notes=all_notes,
        wall_time_s=float(wall_time_s or sum(s.wall_time_s for s in [*sites, *interfaces])),
        interfaces=[_interface_entry(s, xs, T_K) for s in interfaces],
        interface_sites=interfaces)
    screen.layer_formers = layer_formers(screen, threshold, x_range, T_K)
    screen.interface_layer_formers = interface_layer_formers(screen, threshold, x_range, T_K)
    return screen


def solute_screen(bulk_atoms, solutes=ISSUE_SOLUTES, faces=DEFAULT_FACES, calc=None,
                  host: str | None = None, layers: int = DEFAULT_LAYERS, fmax: float = 0.05,
                  steps: int = 500, optimizer: str | None = None,
                  T_K: float = DEFAULT_T_K, bulk_fractions=DEFAULT_BULK_FRACTIONS,
                  clean: bool = True, workdir: str | Path | None = None,
                  progress: Progress | None = None,
                  interfaces: dict[str, Any] | None = None) -> SoluteScreen:
    """Screen ``solutes`` in the relaxed host crystal ``bulk_atoms`` on each of ``faces``:
    :func:`surface_segregation` for every (solute, face), :func:`clean_surface` for every
    face (``clean``), joined by :func:`assemble_screen`. Everything is validated (elements,
    calculator coverage, faces, slab thickness) before the first relaxation. ``workdir``:
    every relaxation checkpoints under it, so a rerun resumes where the last one stopped.
    ``progress``: a callable receiving one line per relaxation ('[3/22] Ag on Li(110) ...').
    ``interfaces``: system name → its relaxed interface model (film = ``host``): every
    solute's :func:`interface_segregation` there too."""
    if calc is None:
        raise UserInputError("give a calculator (calc), e.g. get_calculator('emt')")
    start = time.perf_counter()
    host = _host_of(bulk_atoms, host)
    solutes, labels = check_screen_inputs(host, solutes, faces, calc)
    _check_numbers(T_K, bulk_fractions)
    for f in labels:  # every cell is built (and its thickness checked) before any work
        cell = face_cell(bulk_atoms, f, host, layers)
        if cell.n_layers < 3:
            raise UserInputError(f"{host}({f}) slab has {cell.n_layers} layers; give layers>=3")
    interfaces = dict(interfaces or {})
    for name, model in interfaces.items():  # checked before any work
        _check_interface(_interface_atoms(model)[0], name, host, solutes, calc)
    total = len(solutes) * len(labels)
    sites, cleans = [], {}
    k = 0
    for f in labels:
        if clean:
            cleans[f] = clean_surface(bulk_atoms, f, calc, host, layers, fmax, steps, optimizer,
                                      workdir, progress)
        for s in solutes:
            k += 1
            say = None if progress is None else \
                (lambda m, k=k: progress(f"[{k}/{total} {time.perf_counter() - start:.0f} s] {m}"))
            sites.append(surface_segregation(bulk_atoms, f, s, calc, host, layers, fmax, steps,
                                             optimizer, workdir, say))
            if progress:
                e = sites[-1].E_seg_eV
                progress(f"[{k}/{total}] {s} on {host}({f}): E_seg = "
                         f"{'-' if e is None else f'{e:+.3f}'} eV")
    at_interfaces = []
    for name, model in interfaces.items():
        for s in solutes:
            at_interfaces.append(interface_segregation(
                model, s, calc, host, name, fmax, steps, optimizer, workdir, progress))
            if progress:
                e = at_interfaces[-1].E_seg_eV
                progress(f"{s} at the {name} interface: E_seg = "
                         f"{'-' if e is None else f'{e:+.3f}'} eV")
    return assemble_screen(sites, cleans, T_K, bulk_fractions,
                           calculator=calculator_provenance(calc),
                           wall_time_s=time.perf_counter() - start, interfaces=at_interfaces)


# --------------------------------------------------------------------------- rendering

def _pct(x: float) -> str:
    return f"{100 * x:g} at.%"


def _f(v, spec: str) -> str:
    return "–" if v is None else format(v, spec)


def _x_half(x) -> str:
    # beyond 10 at.% the dilute isotherm has no meaning: say so instead of printing x ~ 1
    return "–" if x is None else "> 0.1" if x > 0.1 else format(x, ".2g")


def screen_rows(screen: SoluteScreen) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the screen's table: per solute and face E_seg, θ and Δγ at each
    bulk fraction (T_K), x at θ = 0.5, γ0."""
    xs = screen.bulk_fractions
    header = ["solute", "face", "E_seg (eV)"]
    header += [f"θ @ {_pct(x)}" for x in xs]
    header += [f"Δγ @ {_pct(x)} (J/m²)" for x in xs]
    header += ["x(θ=0.5)", "γ0 (J/m²)", "converged"]
    rows = []
    for e in sorted(screen.entries, key=lambda e: (screen.faces.index(e.face),
                                                   e.E_seg_eV if e.E_seg_eV is not None
                                                   else math.inf)):
        rows.append([e.solute, f"{screen.host}({e.face})", _f(e.E_seg_eV, "+.3f"),
                     *[_f(t, ".3g") for t in e.coverage],
                     *[_f(d, ".3g") for d in e.delta_gamma_J_per_m2],
                     _x_half(e.x_half_coverage), _f(e.gamma0_J_per_m2, ".3f"),
                     "yes" if e.converged else "NO"])
    return header, rows


def interface_rows(screen: SoluteScreen,
                   system: str | None = None) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the interface table of ``system`` (None: every system, one column
    naming it): per solute E_seg to the film plane touching the coating (eV, < 0:
    segregates), θ of that plane and Δγ_int (J/m², ≤ 0: the interfacial energy drops) at
    each bulk fraction (T_K), x at θ = 0.5 and A_site (Å²)."""
    xs = screen.bulk_fractions
    header = (["interface"] if system is None else []) + ["solute", "E_seg (eV)"]
    header += [f"θ @ {_pct(x)}" for x in xs]
    header += [f"Δγ_int @ {_pct(x)} (J/m²)" for x in xs]
    header += ["x(θ=0.5)", "A_site (Å²)", "converged"]
    systems = screen.systems
    chosen = [e for e in screen.interfaces if system is None or e.system == system]
    rows = []
    for e in sorted(chosen, key=lambda e: (systems.index(e.system),
                                           e.E_seg_eV if e.E_seg_eV is not None
                                           else math.inf)):
        rows.append(([f"{screen.host}/{e.coating} ({e.system})"] if system is None else [])
                    + [e.solute, _f(e.E_seg_eV, "+.3f"),
                       *[_f(t, ".3g") for t in e.coverage],
                       *[_f(d, ".3g") for d in e.delta_gamma_int_J_per_m2],
                       _x_half(e.x_half_coverage), _f(e.A_site_A2, ".2f"),
                       "yes" if e.converged else "NO"])
    return header, rows


def interface_former_text(screen: SoluteScreen, d: dict[str, Any]) -> str:
    """One interface layer former in words (E_seg, x at the threshold, Δγ_int at x_max)."""
    hi = screen.criterion["x_range"][1]
    return (f"{d['solute']} at {screen.host}/{d['coating']} ({d['system']}) (E_seg "
            f"{d['E_seg_eV']:+.2f} eV, θ = {screen.criterion['threshold']:g} at x = "
            f"{d['x_threshold']:.2g}, Δγ_int {d['delta_gamma_int_J_per_m2']:+.3f} J/m² at "
            f"{_pct(hi)})")


def screen_csv(screen: SoluteScreen) -> str:
    """The table as CSV (plain numbers, full precision; units in the header)."""
    import csv

    xs = screen.bulk_fractions
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["host", "solute", "face", "E_seg_eV", "T_K",
                *[f"theta_x{x:g}" for x in xs], *[f"delta_gamma_J_per_m2_x{x:g}" for x in xs],
                "x_half_coverage", "A_site_A2", "gamma0_J_per_m2", "converged"])
    for e in screen.entries:
        w.writerow([screen.host, e.solute, e.face, e.E_seg_eV, screen.T_K, *e.coverage,
                    *e.delta_gamma_J_per_m2, e.x_half_coverage, e.A_site_A2,
                    e.gamma0_J_per_m2, e.converged])
    return buf.getvalue()


def screen_markdown(screen: SoluteScreen, heading_level: int = 2) -> str:
    """The screen as a report section in markdown: what was computed (method, units, signs),
    the table, the layer formers and the notes."""
    h = "#" * heading_level
    calc = screen.calculator or {}
    label = calc.get("label") or calc.get("name") or "?"
    cells = ", ".join(f"{screen.host}({s.face}) {s.natoms} atoms, {s.n_layers} layers, "
                      f"{s.supercell[0]}x{s.supercell[1]} in plane"
                      for s in {s.face: s for s in screen.sites}.values())
    xs = ", ".join(_pct(x) for x in screen.bulk_fractions)
    lines = [f"{h} Solute segregation to the {screen.host} surface: self-forming layers", "",
             f"Segregation energy E_seg = E(solute in the top {screen.host} layer) − E(solute "
             f"in the middle layer) of one relaxed symmetric free slab ({cells}; calculator "
             f"{label}); E_seg < 0: the solute segregates. Coverage θ of the top layer's "
             f"sites from the McLean isotherm θ/(1−θ) = x/(1−x)·exp(−E_seg/kT) at T = "
             f"{screen.T_K:g} K and bulk fractions x = {xs}; the surface-energy change of "
             f"that layer Δγ = (kT/A_site)·ln(1−θ) (Gibbs adsorption, dilute Langmuir–McLean "
             f"layer; A_site = area per top-layer {screen.host} atom); γ0 = clean-face surface "
             f"energy. x(θ=0.5) = the bulk fraction for half a monolayer.", ""]
    header, rows = screen_rows(screen)
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines.append("")
    c = screen.criterion
    lo, hi = c["x_range"]
    if screen.layer_formers:
        names = "; ".join(
            f"{d['solute']} on {screen.host}({d['face']}) (E_seg {d['E_seg_eV']:+.2f} eV, θ = "
            f"0.5 at x = {d['x_threshold']:.2g}, Δγ {d['delta_gamma_J_per_m2']:+.3f} J/m² at "
            f"{_pct(hi)}"
            + (f", {100 * d['delta_gamma_over_gamma0']:+.0f} % of γ0" if
               d.get("delta_gamma_over_gamma0") is not None else "") + ")"
            for d in screen.layer_formers)
        lines.append(f"**Layer formers** (θ ≥ {c['threshold']:g} at {_pct(lo)}–{_pct(hi)} in "
                     f"the bulk, {c['T_K']:g} K): {names}.")
    else:
        lines.append(f"**Layer formers** (θ ≥ {c['threshold']:g} at {_pct(lo)}–{_pct(hi)} in "
                     f"the bulk, {c['T_K']:g} K): none of {', '.join(screen.solutes)}.")
    if screen.interfaces:
        lines += ["", f"{h}# Segregation to the {screen.host}/coating interfaces", "",
                  f"E_seg = E(solute in the {screen.host} plane touching the coating, L-1) − "
                  f"E(solute in the middle {screen.host} layer) of the relaxed interface model "
                  f"(its fixed atoms kept; in-plane supercell by the 5 Å image rule); E_seg < "
                  f"0: the solute segregates to the interface. θ: McLean coverage of the "
                  f"touching plane's {screen.host} sites at the same T and x; Δγ_int = "
                  f"(kT/A_site)·ln(1−θ) (J/m², ≤ 0: the interfacial energy drops), A_site = "
                  f"area per {screen.host} atom of the touching plane.", ""]
        for system in screen.systems:
            coating = next(e.coating for e in screen.interfaces if e.system == system)
            header, rows = interface_rows(screen, system)
            lines += [f"To the {screen.host}/{coating} interface of {system}:", "",
                      "| " + " | ".join(header) + " |",
                      "|" + "|".join("---" for _ in header) + "|",
                      *["| " + " | ".join(r) + " |" for r in rows], ""]
        if screen.interface_layer_formers:
            lines.append(f"**Interface layer formers** (θ ≥ {c['threshold']:g} at "
                         f"{_pct(lo)}–{_pct(hi)} in the bulk, {c['T_K']:g} K): "
                         + "; ".join(interface_former_text(screen, d)
                                     for d in screen.interface_layer_formers) + ".")
        else:
            lines.append(f"**Interface layer formers** (θ ≥ {c['threshold']:g} at "
                         f"{_pct(lo)}–{_pct(hi)} in the bulk, {c['T_K']:g} K): none.")
    if not screen.converged:
        lines += ["", "Not every relaxation converged: the rows marked NO are not final."]
    if screen.notes:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in screen.notes]
    return "\n".join(lines) + "\n"


def plot_screen(screen: SoluteScreen, path: str | Path | None = None,
                x_lim=(1e-5, 0.1), T_range=(150.0, 600.0), x_of_T: float = 0.01) -> bytes:
    """Two panels: θ against the bulk fraction x (log axis, ``x_lim``) at the screen's
    T_K for every solute and face, and θ against T at x = ``x_of_T``. PNG bytes; written to
    ``path`` (through a temporary file) when given."""
    from matplotlib.figure import Figure

    n_lines = sum(e.E_seg_eV is not None for e in [*screen.entries, *screen.interfaces])
    legend_rows = math.ceil(n_lines / 6)
    fig = Figure(figsize=(11, 4.4 + 0.2 * legend_rows), dpi=100)
    ax1, ax2 = fig.subplots(1, 2)
    x = np.logspace(math.log10(x_lim[0]), math.log10(x_lim[1]), 200)
    T = np.linspace(T_range[0], T_range[1], 200)
    if len(screen.solutes) <= 10:
        cmap = [f"C{i}" for i in range(len(screen.solutes))]
    else:  # 11 and more solutes: one distinct colour each
        from matplotlib import colormaps

        cmap = [colormaps["tab20"](i % 20) for i in range(len(screen.solutes))]
    colour = dict(zip(screen.solutes, cmap, strict=True))
    styles = ["-", "--", ":", "-."]
    style = {f: styles[i % len(styles)] for i, f in enumerate(screen.faces)}
    # interfaces: thicker lines, the styles continued after the faces'
    iface_style = {sy: styles[(len(style) + i) % len(styles)]
                   for i, sy in enumerate(screen.systems)}
    for e in screen.entries:
        if e.E_seg_eV is None:
            continue
        lab = f"{e.solute} ({e.face}) {e.E_seg_eV:+.2f} eV"
        kw = {"color": colour[e.solute], "ls": style[e.face], "lw": 1.4}
        ax1.plot(x, mclean_coverage(e.E_seg_eV, x, screen.T_K), label=lab, **kw)
        ax2.plot(T, mclean_coverage(e.E_seg_eV, x_of_T, T), **kw)
    for e in screen.interfaces:
        if e.E_seg_eV is None or e.solute not in colour:
            continue
        lab = f"{e.solute} (/{e.coating}) {e.E_seg_eV:+.2f} eV"
        kw = {"color": colour[e.solute], "ls": iface_style[e.system], "lw": 2.6, "alpha": 0.8}
        ax1.plot(x, mclean_coverage(e.E_seg_eV, x, screen.T_K), label=lab, **kw)
        ax2.plot(T, mclean_coverage(e.E_seg_eV, x_of_T, T), **kw)
    lo, hi = screen.criterion["x_range"]
    ax1.axvspan(lo, hi, color="0.9", zorder=0)
    ax1.axhline(screen.criterion["threshold"], color="0.5", lw=0.8)
    ax1.set_xscale("log")
    ax1.set_xlim(*x_lim)
    ax1.set_ylim(-0.02, 1.02)
    ax1.set_xlabel("bulk solute fraction x")
    where = "surface / interface" if screen.interfaces else "surface"
    ax1.set_ylabel(f"{where} coverage θ")
    ax1.set_title(f"McLean isotherm, {screen.host} surfaces"
                  + (" and interfaces" if screen.interfaces else "")
                  + f", {screen.T_K:g} K", fontsize=10)
    ax2.axhline(screen.criterion["threshold"], color="0.5", lw=0.8)
    ax2.set_xlim(*T_range)
    ax2.set_ylim(-0.02, 1.02)
    ax2.set_xlabel("T (K)")
    ax2.set_ylabel(f"{where} coverage θ")
    ax2.set_title(f"θ(T) at x = {x_of_T:g} ({_pct(x_of_T)})", fontsize=10)
    calc = (screen.calculator or {}).get("label") or (screen.calculator or {}).get("name", "")
    fig.suptitle(f"Solute segregation screen in {screen.host} ({calc}; line style = face: "
                 + ", ".join(f"{f} {s}" for f, s in style.items())
                 + ("; thick = interface: " + ", ".join(f"{sy} {s}" for sy, s in
                                                         iface_style.items())
                    if iface_style else "") + ")", fontsize=9)
    fig.tight_layout(rect=(0, 0.2 * legend_rows / (4.4 + 0.2 * legend_rows) + 0.02, 1, 0.97))
    if n_lines:
        fig.legend(*ax1.get_legend_handles_labels(), loc="lower center", ncol=6, fontsize=7,
                   frameon=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    data = buf.getvalue()
    if path is not None:
        _write_bytes_atomic(data, Path(path))
    return data


def _write_bytes_atomic(data: bytes, path: Path) -> None:
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_screen(screen: SoluteScreen, out: str | Path) -> list[str]:
    """Write the record (solute_screen.json), the table (solute_screen.md, .csv) and the
    plot (solute_screen.png) into the directory ``out``; returns the file names."""
    import json

    out = Path(out)
    write_text_atomic(json.dumps(to_dict(screen), indent=2) + "\n", out / "solute_screen.json")
    write_text_atomic(screen_markdown(screen, 1), out / "solute_screen.md")
    write_text_atomic(screen_csv(screen), out / "solute_screen.csv")
    plot_screen(screen, out / "solute_screen.png")
    return ["solute_screen.json", "solute_screen.md", "solute_screen.csv", "solute_screen.png"]


__all__ = ["DEFAULT_FACES", "DEFINITIONS", "ISSUE_SOLUTES", "CleanSurface",
           "InterfaceScreenEntry", "InterfaceSegregation", "ScreenEntry", "SoluteScreen",
           "SurfaceSegregation", "assemble_screen", "check_screen_inputs", "clean_surface",
           "delta_gamma_J_per_m2", "face_cell", "face_label", "interface_former_text",
           "interface_layer_formers", "interface_rows", "interface_segregation",
           "layer_formers", "plot_screen", "screen_csv", "screen_markdown", "screen_rows",
           "solute_screen", "surface_segregation", "write_screen"]
