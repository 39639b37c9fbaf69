"""A solute screen for self-forming surface layers: segregation energies of solutes M in a
host metal (Li) to its free surfaces, the equilibrium surface coverage they give (the McLean
isotherm) against bulk fraction and temperature, and the surface-energy reduction of that
coverage.

Definitions (energies eV, lengths Å, areas Å², surface energies J/m², T in K; x and θ are
fractions, 0.001 = 0.1 at.%)::

    E_seg = E(M in the top host layer L0, relaxed) − E(M in the middle host layer, relaxed)

in one symmetric free slab of the relaxed host crystal (same cell, same calculator: atom
counts and references cancel; :func:`~interfacemodel.procedures.segregation.solute_segregation`).
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

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ase import Atoms
from ase.units import kB

from ..calculators import check_elements
from ..errors import UserInputError
from ..models.point_defects import check_element
from ..models.slabs import parse_miller
from ..records import Record, package_versions
from ..run.relax import EnergyRecord
from ..units import EV_PER_A2_TO_J_PER_M2
from .isotherm import bulk_fraction_for_coverage, mclean_coverage

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


# --------------------------------------------------------------------------- computations


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


# --------------------------------------------------------------------------- rendering

