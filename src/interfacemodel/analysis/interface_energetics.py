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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import UserInputError
from ..models.systems import system_recipe
from ..records import Record, package_versions
from ..run.relax import DEFAULT_OPTIMIZER, EnergyRecord
from .energetics import (
    BulkReference,
    FilmStrain,
    InterfaceEnergy,
    SurfaceEnergy,
    WorkOfAdhesion,
    film_strain,
    interface_energy,
    li_rich_limit,
    surface_energy,
    work_of_adhesion,
)
from .interface_geometry import SLAB, AdhesionParts, InterfaceProduct, SurfacesProduct
from .quantities import Getter, Quantity, Rank, calculator_path, nested, source_path
from .reactivity import REACTION, ReactionProduct, ReactionWithLi
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
    #: the film's strain energy and γ_int without it (None: not computed)
    film_strain: FilmStrain | None = None

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


def _reference(rec: EnergyRecord) -> BulkReference:
    """A bulk reference (eV per formula unit) from a crystal's energy record."""
    return BulkReference.from_energy(rec.counts, rec.energy_eV, rec.calculator, rec.converged)


def evaluate_energetics(energies: Mapping[str, EnergyRecord], calculator: dict[str, Any], *,
                        system: str, settings: EnergeticsSettings,
                        interface: InterfaceProduct, film: Any, substrate: Any,
                        parts: AdhesionParts, surfaces: SurfacesProduct | None = None,
                        reaction: ReactionProduct | None = None,
                        allow_unconverged: bool = False) -> InterfaceEnergetics:
    """The :class:`InterfaceEnergetics` record from one calculator's ``energies`` at the
    pipeline's points (:func:`~interfacemodel.analysis.points.points_of` of these inputs:
    ``film/bulk``, ``substrate/bulk``, ``interface/relaxed``, ``parts/film-cleaved``,
    ``parts/substrate-cleaved``, ``parts/film-relaxed``, ``parts/substrate-relaxed``,
    ``surfaces/slab:<tag>``): bulk references and μ of the film-rich limit, W_adh ideal and
    relaxed, γ of the parts as cut and γ_int, the free-surface energies, the Young–Dupré
    contact angle of liquid Li at ``settings.T_K``; ``reaction``: the same calculator's
    reaction with Li. Pure arithmetic: the campaign's calculator calls it with the energies
    of its relaxations, a committee member or the DFT check with its single points there.
    ``allow_unconverged``: use records not converged (a short relaxation's), flagged."""
    E = energies
    allow = settings.allow_unconverged or allow_unconverged
    recipe = system_recipe(system)
    refs = {"film": _reference(E["film/bulk"]), "substrate": _reference(E["substrate/bulk"])}
    mu, mu_limit = reference_potentials(refs["film"], settings.extra_mu_eV)
    n = interface.n_interfaces
    notes = list((interface.registry or {}).get("notes", []))
    w_ideal = work_of_adhesion(E["interface/relaxed"], E["parts/film-cleaved"],
                               E["parts/substrate-cleaved"], n, "ideal", allow)
    w_relaxed = work_of_adhesion(E["interface/relaxed"], E["parts/film-relaxed"],
                                 E["parts/substrate-relaxed"], n, "relaxed", allow)
    try:
        g_film = surface_energy(E["parts/film-relaxed"], refs["film"], mu, mu_limit=mu_limit,
                                allow_unconverged=allow)
        g_sub = surface_energy(E["parts/substrate-relaxed"], refs["substrate"], mu,
                               mu_limit=mu_limit, allow_unconverged=allow)
        gamma_int = interface_energy(w_relaxed, g_film, g_sub)
    except UserInputError as exc:  # an off-stoichiometric multi-element part needs more μ
        gamma_int = None
        notes.append(f"γ_int not computed: {exc} (EnergeticsSettings.extra_mu_eV)")
    slabs: dict[str, SurfaceEnergy] = {}
    for name in E:
        if not name.startswith(SLAB):
            continue
        tag = name[len(SLAB):]
        ref = next((r for r in refs.values() if r.formula == tag.split("(", 1)[0]), None)
        try:
            if ref is None:
                raise UserInputError(f"no bulk reference of {tag.split('(', 1)[0]}")
            slabs[tag] = surface_energy(E[name], ref, mu, mu_limit=mu_limit,
                                        allow_unconverged=allow)
        except UserInputError as exc:
            notes.append(f"γ {tag} not computed: {exc}")
    strain = None
    if "interface/film-strained" in E:
        strain = film_strain(E["interface/film-strained"], E["film/bulk"],
                             E["parts/film-relaxed"], gamma_int, E["interface/relaxed"].area_A2,
                             allow)
    records = {rec.label: rec for name, rec in E.items()
               if not name.endswith(("/bulk", "/film-strained"))}
    reaction = reaction or ReactionProduct(None, "")
    return InterfaceEnergetics(
        system=recipe.name, interface=interface.metadata, calculator=calculator,
        settings=settings, bulk={recipe.film: refs["film"], recipe.substrate: refs["substrate"]},
        w_adh_ideal=w_ideal, w_adh_relaxed=w_relaxed, interface_energy=gamma_int,
        contact_angle=young_dupre(w_relaxed.w_adh_J_per_m2, T_K=settings.T_K),
        surface_energies=slabs, reaction=reaction.reaction, reaction_note=reaction.note,
        notes=notes, registry=interface.registry, records=records,
        converged=all(r.converged for r in records.values()),
        wall_time_s=float(sum(r.wall_time_s for r in records.values())), film_strain=strain)


# --------------------------------------------------------------------------- declarations

_GEO = "model geometry: no convergence criterion"


def _part_flag(part: str):
    """The convergence flag of a part relaxed alone (older records: the interface energy's)."""
    def flag(g: Getter) -> str:
        path = f"interface_energy.parts.{part}.converged"
        return path if g(path) is not None else "interface_energy.converged"
    return flag


def _surface_status(g: Getter, tag: str) -> str:
    base = source_path("surface_energies", tag)
    mu = g(f"{base}.mu_limit") or ""
    return "stoichiometric slab" if g(f"{base}.stoichiometric") else (f"μ: {mu}" if mu else "")


def _angle_status(g: Getter) -> str:
    return f"Young–Dupré from W_adh(relaxed); {g('contact_angle.regime', '')}".rstrip("; ")


def _angle_warnings(g: Getter) -> list[str]:
    return ["γ_lv extrapolated below the melting point"] \
        if g("contact_angle.extrapolated_below_melting") else []


#: the numbers of an :class:`InterfaceEnergetics` record (paths relative to it)
ENERGETICS: tuple[Quantity, ...] = (
    Quantity("interface_area_A2", "interface area", "Å²", "interface.area_A2", "interface",
             fmt=".1f", none_text=_GEO, table="interface", column="area (Å²)"),
    Quantity("max_strain_percent", "max |strain| of the film", "%",
             "interface.max_abs_strain_percent", "interface", fmt=".2f", none_text=_GEO,
             status=lambda g: f"strain carried by the {g('interface.strained', 'film')}",
             measured="epitaxy observed on Li",
             rank=Rank(4, "lattice match", "lower",
                       "smaller strain on the Li film: a more coherent, epitaxy-like match"),
             table="interface", column="max strain of film (%)"),
    Quantity("film_miller", "film plane", "", "interface.film_miller", "interface",
             fmt="miller", none_text=_GEO, table="interface", column="film plane"),
    Quantity("coating_miller", "coating plane", "", "interface.substrate_miller", "interface",
             fmt="miller", none_text=_GEO, table="interface", column="coating plane"),
    Quantity("film_layers", "film layers", "layers", "interface.film_layers", "model",
             none_text="model size"),
    Quantity("coating_layers", "coating layers", "layers", "interface.substrate_layers",
             "model", none_text="model size"),
    Quantity("natoms_interface", "interface model size", "atoms", "interface.natoms", "model",
             none_text="model size", table="models", column="interface (atoms)"),
    Quantity("gamma_surface_J_per_m2", "γ free surface", "J/m²",
             lambda g, tag: source_path("surface_energies", tag, "gamma_J_per_m2"),
             "interface", keys=lambda g: sorted(g("surface_energies", {}) or {}),
             converged=lambda g, tag: source_path("surface_energies", tag, "converged"),
             status=_surface_status, spread=True, table="surfaces", column="γ (J/m²)"),
    Quantity("w_adh_ideal_J_per_m2", "W_adh ideal", "J/m²", "w_adh_ideal.w_adh_J_per_m2",
             "interface", converged="w_adh_ideal.converged", status="rigid cleaved parts",
             spread=True, headline=True, table="interface", column="W_adh ideal (J/m²)",
             figures=("adhesion",)),
    Quantity("w_adh_relaxed_J_per_m2", "W_adh relaxed", "J/m²",
             "w_adh_relaxed.w_adh_J_per_m2", "interface", converged="w_adh_relaxed.converged",
             status="parts relaxed alone", spread=True, short_relaxed=True, headline=True,
             rank=Rank(1, "W_adh relaxed", "higher",
                       "higher work of adhesion keeps Li in contact with the coating when Li "
                       "is stripped (fewer interfacial voids)"),
             table="interface", column="W_adh relaxed (J/m²)", figures=("adhesion",)),
    Quantity("gamma_film_as_cut_J_per_m2", "γ film (as cut, in γ_int)", "J/m²",
             "interface_energy.gamma_film_J_per_m2", "interface",
             converged=_part_flag("film"),
             status="film part relaxed alone, strained as in the interface", spread=True,
             short_relaxed=True, table="interface", column="γ film as cut (J/m²)"),
    Quantity("gamma_coating_as_cut_J_per_m2", "γ coating (as cut, in γ_int)", "J/m²",
             "interface_energy.gamma_substrate_J_per_m2", "interface",
             converged=_part_flag("substrate"), status="coating part relaxed alone",
             spread=True, short_relaxed=True, table="interface",
             column="γ coating as cut (J/m²)"),
    Quantity("gamma_int_J_per_m2", "γ_int", "J/m²", "interface_energy.gamma_int_J_per_m2",
             "interface", converged="interface_energy.converged",
             status="γ_film + γ_coating − W_adh(relaxed)", spread=True, short_relaxed=True,
             headline=True, measured="interface formation energy (DFT, literature)",
             rank=Rank(2, "γ_int", "lower",
                       "lower interface energy: the Li/coating interface costs less, Li "
                       "spreads on the coating instead of balling up"),
             table="interface", column="γ_int (J/m²)", figures=("adhesion",)),
    Quantity("film_strain_meV_per_atom", "elastic energy of the matched film", "meV/atom",
             "film_strain.strain_energy_meV_per_atom", "interface", fmt=".2f",
             converged="film_strain.converged",
             status=lambda g: f"film crystal at the interface's in-plane lattice (normal "
                              f"relaxed) − relaxed crystal, per atom; "
                              f"{g('film_strain.in_gamma_int_J_per_m2', float('nan')):.3f} "
                              f"J/m² of it in γ_int",
             spread=True, table="interface", column="film strain (meV/atom)"),
    Quantity("gamma_int_strain_corrected_J_per_m2", "γ_int without the film's strain energy",
             "J/m²", "film_strain.gamma_int_corrected_J_per_m2", "interface",
             converged="film_strain.converged",
             status="γ_int − N_film Δe/(2A): against the strained film crystal", spread=True,
             short_relaxed=True,
             rank=Rank(2.5, "γ_int − strain", "lower",
                       "lower interface energy once the elastic energy the lattice match puts "
                       "into the thin Li film is taken out: the contact itself, not the "
                       "model's film thickness (InterOptimus's strain correction)"),
             table="interface", column="γ_int strain-corrected (J/m²)",
             figures=("adhesion",)),
    Quantity("contact_angle_deg", "contact angle of liquid Li", "°",
             "contact_angle.theta_deg", "interface", fmt=".1f",
             converged="w_adh_relaxed.converged", status=_angle_status,
             warnings=_angle_warnings, spread=True, short_relaxed=True, headline=True,
             rank=Rank(3, "contact angle", "lower",
                       "lower contact angle of liquid Li (Young–Dupré): Li wets the coating"),
             table="interface", column="contact angle (°)", figures=("contact angle",)),
    Quantity("spreading_coefficient_J_per_m2", "spreading coefficient S = W_adh − 2γ_lv",
             "J/m²", "contact_angle.spreading_J_per_m2", "interface",
             converged="w_adh_relaxed.converged",
             status="from W_adh(relaxed) and γ_lv; ≥ 0: liquid Li spreads (complete wetting)",
             spread=True, short_relaxed=True,
             rank=Rank(3.5, "spreading S", "higher",
                       "higher spreading coefficient of liquid Li: S ≥ 0 spreads over the "
                       "coating; at one temperature it orders the coatings as W_adh relaxed "
                       "does, on the wetting criterion's own scale (0 = spreading)"),
             table="interface", column="S (J/m²)"),
    Quantity("wetting_regime", "wetting regime", "", "contact_angle.regime", "interface",
             fmt="text", converged="w_adh_relaxed.converged", status="Young–Dupré",
             table="interface", column="regime", figures=("contact angle",)),
    Quantity("gamma_lv_J_per_m2", "γ liquid Li", "J/m²", "contact_angle.gamma_lv_J_per_m2",
             "method", none_text="input of the contact angle"),
    Quantity("contact_angle_T_K", "T of the contact angle", "K", "contact_angle.T_K",
             "method", fmt=".1f", none_text="setting"),
    *nested(REACTION, "reaction"),
    Quantity("fmax_eV_per_A", "relaxation fmax", "eV/Å", "settings.fmax", "method",
             none_text="setting"),
    Quantity("registry_points", "registry scan points", "points", "registry.points",
             "method", none_text="setting"),
    Quantity("calculator_energetics", "calculator (energetics)", "", calculator_path,
             "method", fmt="text", none_text="—", table="models", column="energetics"),
)


def energetics_notes(record: dict) -> list[str]:
    """What the report says where a number of an :class:`InterfaceEnergetics` record is
    missing (γ_int, the reaction), in words from the record."""
    g = Getter(record)
    notes = []
    if g("interface_energy.gamma_int_J_per_m2") is None:
        why = [n for n in g("notes", []) if "γ_int" in str(n)]
        notes.append(f"γ_int not computed{': ' + why[0] if why else ''}")
    if g("reaction") is None:
        note = g("reaction_note", "")
        notes.append(f"no reaction energy{': ' + note if note else ''}")
    return notes
