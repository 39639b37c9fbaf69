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

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ase import Atoms

from ..calculators import check_elements
from ..errors import UserInputError
from ..models.point_defects import check_element
from ..models.slabs import parse_miller
from ..records import Record, package_versions
from ..run.relax import EnergyRecord
from .points import Point
from .quantities import Getter, Quantity

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

def site_points(site) -> dict[str, Point]:
    """The relaxed cells of a segregation site (solute in the top or touching layer, and in
    the middle layer) with their records, as points."""
    return {key: Point(atoms, site.records.get(key), relaxed=True)
            for key, atoms in site.geometries.items()}


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

    def points(self) -> dict[str, Point]:
        return site_points(self)


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
    #: the relaxed clean slab and the host crystal (μ) with its record: the points of γ0
    slab: Atoms | None = None
    bulk: Atoms | None = None
    bulk_record: EnergyRecord | None = None

    def points(self) -> dict[str, Point]:
        if self.slab is None or self.bulk is None:
            return {}
        return {"slab": Point(self.slab, self.record, relaxed=True),
                "bulk": Point(self.bulk, self.bulk_record)}


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

    def points(self) -> dict[str, Point]:
        return site_points(self)


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
        """:func:`~interfacemodel.analysis.screen_assembly.layer_formers` of this screen."""
        # import cycle: screen_assembly builds this record from its sites
        from .screen_assembly import layer_formers

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


# --------------------------------------------------------------------------- rendering


# --------------------------------------------------------------------------- declarations

def x_half_text(x) -> str:
    """The bulk fraction at half a monolayer as the tables print it; beyond 10 at.% the
    dilute isotherm has no meaning: said so instead of printing x ~ 1."""
    return "–" if x is None else "> 0.1" if x > 0.1 else format(x, ".2g")


def _fraction_keys(g: Getter) -> list[str]:
    """One key per bulk fraction of the row (the index into the record's lists)."""
    return [str(i) for i in range(len(g("coverage", []) or []))]


def _in_list(field_name: str):
    return lambda g, key: f"{field_name}[{key}]"


#: the numbers of a :class:`ScreenEntry` (a solute on a free face), as its table shows them
#: (families: one value per bulk fraction of the screen)
SCREEN_ENTRY: tuple[Quantity, ...] = (
    Quantity("E_seg_eV", "segregation energy to the top layer", "eV", "E_seg_eV", "screen",
             fmt="+.3f", converged="converged", spread=True, table="screen",
             column="E_seg (eV)"),
    Quantity("coverage", "McLean coverage θ", "", _in_list("coverage"), "screen", fmt=".3g",
             keys=_fraction_keys, converged="converged", table="screen", column="θ"),
    Quantity("delta_gamma_J_per_m2", "surface-energy change Δγ of the layer", "J/m²",
             _in_list("delta_gamma_J_per_m2"), "screen", fmt=".3g", keys=_fraction_keys,
             converged="converged", table="screen", column="Δγ"),
    Quantity("x_half_coverage", "bulk fraction at θ = 0.5", "", "x_half_coverage", "screen",
             fmt=x_half_text, converged="converged", table="screen", column="x(θ=0.5)"),
    Quantity("gamma0_J_per_m2", "γ0 of the clean face", "J/m²", "gamma0_J_per_m2", "screen",
             fmt=".3f", spread=True, table="screen", column="γ0 (J/m²)"),
)
#: the numbers of an :class:`InterfaceScreenEntry` (a solute at a Li/coating interface)
INTERFACE_SCREEN_ENTRY: tuple[Quantity, ...] = (
    Quantity("E_seg_interface_eV", "segregation energy to the interface", "eV", "E_seg_eV",
             "screen", fmt="+.3f", converged="converged", spread=True,
             table="screen interfaces", column="E_seg (eV)"),
    Quantity("coverage_interface", "McLean coverage θ of the touching plane", "",
             _in_list("coverage"), "screen", fmt=".3g", keys=_fraction_keys,
             converged="converged", table="screen interfaces", column="θ"),
    Quantity("delta_gamma_int_J_per_m2", "interfacial-energy change Δγ_int of the layer",
             "J/m²", _in_list("delta_gamma_int_J_per_m2"), "screen", fmt=".3g",
             keys=_fraction_keys, converged="converged", table="screen interfaces",
             column="Δγ_int"),
    Quantity("x_half_coverage_interface", "bulk fraction at θ = 0.5 (interface)", "",
             "x_half_coverage", "screen", fmt=x_half_text, converged="converged",
             table="screen interfaces", column="x(θ=0.5)"),
    Quantity("A_site_A2", "area per host site of the touching plane", "Å²", "A_site_A2",
             "screen", fmt=".2f", none_text="model geometry", table="screen interfaces",
             column="A_site (Å²)"),
)
