"""Migration, step by step: hop -> NEB -> Vineyard prefactor -> hop rates and D(T).

The hops: a vacancy hop of ``species`` in a bulk host (Li, LiF, Li2Se, Li2O, LLZO, ...; from
:func:`~interfacemodel.models.bulk_hops.vacancy_hops`), with ``solute`` a solute–vacancy
exchange (Mg in bcc Li), a direct interstitial hop, an interstitialcy (knock-off: two atoms
move, the interstitial takes a lattice site and pushes that atom into the next void), a hop
from the Li film's last layer into the coating's first layer of a named interface (forward
and backward rates; no D: one crossing is not a lattice walk), or a hop between given end
points. The pipeline that runs
these steps is declared once in :mod:`interfacemodel.flows.migration` (``MigrationMaker``;
``bulk_migration``/``interface_migration`` run it in one process).

Four steps whose inputs and outputs round-trip through JSON (``to_doc``/``from_doc``), so
that each runs as its own job (one Firework each):

1. :func:`prepare_bulk_hop`, :func:`prepare_interface_hop` or :func:`prepare_endpoint_hop`
   (user-given end points, e.g. an adatom on a surface) -> :class:`HopCase`;
2. :func:`hop_band`: the NEB -> images and :class:`~interfacemodel.run.neb.NEBRecord`;
   :func:`band_states` cuts the band to (initial minimum, saddle, final minimum);
3. :func:`hop_prefactors`: the Vineyard prefactors from those three -> :class:`Prefactors`;
4. :func:`finish_migration`: formation energy, D(T), σ, rates -> :class:`MigrationResult`
   (no calculator work).

Attempt frequencies: the Vineyard ratio ν* = Π ν(minimum) / Π' ν(saddle) from the full-cell
Γ modes (phonopy) for cells up to :data:`~interfacemodel.run.phonons.FULL_CELL_MAX_ATOMS` atoms,
else from the partial Hessian of the hopping atom (and an interstitialcy's partner) and their
neighbours; the 10¹³ Hz fallback is used, and marked, when the phonons are skipped or the
relaxed end point is not a minimum.
Energies eV, lengths Å, D cm²/s, rates 1/s, frequencies Hz. Library layer: no FireWorks.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ase import Atoms

from ..errors import UserInputError
from ..records import DocumentRecord, Record, decode_atoms, from_dict, package_versions, to_dict
from ..run.neb import NEBRecord
from ..run.relax import EnergyRecord, point_record
from .diffusion import Diffusivity, Lattice, check_defect_fraction
from .intrinsic import IntrinsicDisorder
from .points import Point
from .quantities import Getter, Quantity, Rank, calculator_path

#: correlation factors of vacancy diffusion (Compaan & Haven 1956) by lattice
CORRELATION_FACTORS = {"bcc": 0.727, "fcc": 0.781}
#: symmetry tolerance of the host cell (Å): lattice type and Wyckoff sites of the hop
HOST_SYMPREC_A = 1e-3
#: NEB end points are relaxed this tightly: a looser minimum can show spurious imaginary modes
ENDPOINT_FMAX = 0.005
#: the NEB of a hop unless told otherwise, wherever a hop is declared (campaign specs, the
#: makers, the command line): intermediate images, and the band's force tolerance (eV/Å)
HOP_N_IMAGES = 5
HOP_FMAX_EV_PER_A = 0.03
#: neighbours of the hopping atom displaced in a partial-Hessian prefactor (Å)
PHONON_CUTOFF_A = 3.5
#: literature barriers the record sets beside the computed one (eV, source)
LITERATURE_BARRIERS = {
    ("Li2Se", "Li"): ((0.2, 0.3), "Li migration energy in Li2X (X = S, Se, Te), DFT, cited by "
                                  "Park et al., Adv. Sci. 2021 (experimental-context.md)"),
}
#: kinds of :class:`HopCase`
HOP_KINDS = ("bulk", "interface", "endpoints")
#: mechanism of a hop between user-given end points
ENDPOINT_MECHANISM = "hop (given end points)"


def _known(cls, doc: dict[str, Any]) -> dict[str, Any]:
    """The keys of ``doc`` that are init fields of the dataclass ``cls``."""
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    return {k: v for k, v in doc.items() if k in names}


def _lattice_from_doc(doc) -> Lattice | None:
    return None if doc is None else Lattice(**_known(Lattice, doc))


@dataclass
class MigrationResult(DocumentRecord):
    """One hop, its barrier, attempt frequency and what follows at each temperature.

    ``hop_rates``: per temperature, the forward and backward rates Γ = ν* exp(−E/k_B T) (1/s);
    the backward rate uses the final state's prefactor where it was computed, else the
    forward one. ``diffusivities`` is empty for an interface hop (``lattice`` None).
    """

    host: str
    species: str
    mechanism: str
    hop: dict[str, Any]
    neb: NEBRecord
    attempt_frequency_Hz: float | None
    attempt_frequency_note: str
    saddle_imaginary_modes: int | None
    defect_formation_energy_eV: float | None
    formation_reference: str
    lattice: Lattice | None
    diffusivities: list[Diffusivity]
    hop_rates: list[dict[str, float]]
    calculator: dict[str, Any]
    wall_time_s: float
    attempt_frequency_backward_Hz: float | None = None
    literature_barrier: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=package_versions)
    #: D* per carrier (c = 1) at each temperature, beside ``diffusivities`` (D = c D*)
    carrier_diffusivities: list[Diffusivity] = field(default_factory=list)
    #: where the carrier fraction c of ``diffusivities`` comes from, in words
    carriers: str = ""
    #: the host's intrinsic disorder when it sets c (an ionic host)
    intrinsic: IntrinsicDisorder | None = None

    def to_doc(self) -> dict[str, Any]:
        """The record as JSON-compatible objects (:func:`~interfacemodel.records.to_dict`)."""
        return to_dict(self)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> MigrationResult:
        """The record back from :meth:`to_doc` output (e.g. a ``barrier.json``); the NEB
        record, lattice and diffusivities become dataclasses again, numbers unchanged."""
        kw = _known(cls, doc)
        kw["neb"] = NEBRecord.from_dict(doc["neb"])
        kw["lattice"] = _lattice_from_doc(doc.get("lattice"))
        for key in ("diffusivities", "carrier_diffusivities"):
            kw[key] = [Diffusivity(**{**_known(Diffusivity, d),
                                      "lattice": _lattice_from_doc(d["lattice"])})
                       for d in doc.get(key) or []]
        if doc.get("intrinsic"):
            kw["intrinsic"] = from_dict(IntrinsicDisorder, doc["intrinsic"])
        return cls(**kw)


@dataclass
class HopCase(DocumentRecord):
    """A hop ready for the NEB (:func:`hop_band`) and what D(T) needs (:func:`finish_migration`).

    ``kind``: 'bulk' (:func:`prepare_bulk_hop`), 'interface' (:func:`prepare_interface_hop`) or
    'endpoints' (:func:`prepare_endpoint_hop`). ``initial`` and ``final``: the end points as
    built, unrelaxed (the NEB relaxes them), same atoms in the same order, constraints on;
    ``moving_index``: the hopping atom; ``partner_index``: the second moving atom of an
    interstitialcy (None: one atom moves); ``reverse_equivalent``: the backward hop is the same
    hop (its prefactor is then not computed separately). ``hop``: the record's hop dict
    (label, length_A, multiplicity, natoms, reverse_equivalent, ...); ``host``: the record's
    host name (formula or system); ``species``: the atom that moves (the solute, if any);
    ``mechanism``: as the record states it; ``lattice``: the geometry of D (None: rates only).

    Formation energy (``defect`` one of :data:`BULK_MECHANISMS`, bulk hops; None: no E_f):
    E_f = E(relaxed initial end point) − ``perfect_energy_eV`` + s μ, s = +1 for a vacancy
    (the ``defect_species`` atom goes to its reservoir), −1 for an interstitial (direct or
    interstitialcy: an extra atom), μ =
    ``chemical_potential_eV`` (eV/atom; bcc Li for Li). ``perfect_energy_eV``: the perfect
    supercell (eV; with the solute for a solute hop, relaxed). Defect fraction c:
    ``defect_fraction`` when given, else exp(−E_f/k_B T) (bulk) or 1 (other kinds).
    ``ionic``: the host is a compound with a non-metal, not the elemental ``defect_species``
    nor an intermetallic (the neutral defect stands for a charged one);
    ``carrier_density_per_cm3``: the Nernst–Einstein carrier density (None: no σ).
    ``formation_reference``: the record's text where there is no E_f. ``notes`` are appended
    to the record's notes.

    :meth:`to_doc` / :meth:`from_doc`: JSON-compatible dict, the Atoms through
    :func:`ase.io.jsonio.encode` (cell, positions, constraints, per-atom arrays exact).
    """

    kind: str
    label: str
    initial: Atoms
    final: Atoms
    moving_index: int
    reverse_equivalent: bool
    hop: dict[str, Any]
    host: str
    species: str
    mechanism: str
    lattice: Lattice | None
    defect: str | None = None
    defect_species: str | None = None
    perfect_energy_eV: float | None = None
    chemical_potential_eV: float | None = None
    defect_fraction: float | None = None
    ionic: bool = False
    carrier_density_per_cm3: float | None = None
    solute: str | None = None
    formation_reference: str = "not applicable (one hop)"
    notes: list[str] = field(default_factory=list)
    partner_index: int | None = None
    #: the crystals the formation energy rests on, as named points: 'host' (the relaxed host
    #: crystal), 'reservoir' (the relaxed crystal of ``defect_species``, μ) and, for a solute
    #: hop, 'perfect' (the relaxed perfect cell holding the solute); ``energies``: the
    #: calculator's records there (empty: the hop has no formation energy)
    structures: dict[str, Atoms] = field(default_factory=dict)
    energies: dict[str, EnergyRecord] = field(default_factory=dict)

    def points(self) -> dict[str, Point]:
        return {key: Point(atoms, self.energies.get(key), relaxed=key == "perfect")
                for key, atoms in self.structures.items()}

    def __post_init__(self):
        if self.kind not in HOP_KINDS:
            raise UserInputError(f"hop kind {self.kind!r}; accepted: {', '.join(HOP_KINDS)}")
        if self.defect not in (None, *BULK_MECHANISMS):
            raise UserInputError(f"defect {self.defect!r}; accepted: None, "
                                 f"{', '.join(BULK_MECHANISMS)}")
        if self.defect is not None and (self.perfect_energy_eV is None
                                        or self.chemical_potential_eV is None):
            raise UserInputError(f"a {self.defect} formation energy needs perfect_energy_eV "
                                 f"and chemical_potential_eV")

    def to_doc(self) -> dict[str, Any]:
        """JSON-compatible dict of the case (Atoms as ASE JSON, see the class docstring)."""
        doc = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return to_dict(doc)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> HopCase:
        """The case back from :meth:`to_doc` output (after JSON: the same numbers)."""
        kw = _known(cls, doc)
        kw["initial"] = decode_atoms(doc["initial"])
        kw["final"] = decode_atoms(doc["final"])
        kw["lattice"] = _lattice_from_doc(doc.get("lattice"))
        kw["notes"] = list(doc.get("notes") or [])
        kw["structures"] = {k: decode_atoms(v) for k, v in (doc.get("structures") or {}).items()}
        kw["energies"] = {k: from_dict(EnergyRecord, v)
                          for k, v in (doc.get("energies") or {}).items()}
        return cls(**kw)


@dataclass
class Prefactors(DocumentRecord):
    """Vineyard attempt frequencies of one hop (Hz), from :func:`hop_prefactors`.

    ``nu_Hz``: forward ν* (None: not computed, the 10¹³ Hz fallback is used downstream;
    ``nu_note`` says how it was formed or why not); ``nu_backward_Hz``: from the final
    minimum (None: not computed, the forward one is used); ``saddle_imaginary_modes``:
    imaginary modes of the saddle (1 for a first-order saddle); ``notes``: what the phonon
    step reported (failures, a saddle that is not first order).
    """

    nu_Hz: float | None = None
    nu_note: str = "not computed: 1e13 Hz fallback"
    nu_backward_Hz: float | None = None
    saddle_imaginary_modes: int | None = None
    notes: list[str] = field(default_factory=list)

    def to_doc(self) -> dict[str, Any]:
        return to_dict(self)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Prefactors:
        kw = _known(cls, doc)
        kw["notes"] = list(kw.get("notes") or [])
        return cls(**kw)


def _say(progress):
    return progress or (lambda msg: None)


def _band_notes(neb: NEBRecord) -> list[str]:
    """The record's notes about the band itself: its flags, and non-convergence."""
    notes = list(neb.flags)
    if not neb.converged:
        notes.append("NEB not converged: the barrier is not a converged number")
    return notes


@dataclass
class NEBProduct(Record):
    """The NEB record of a hop, its relaxed end points and its saddle image (Å): the points
    'initial', 'saddle' and 'final' of the hop's evaluation (the saddle is a band image, not
    a minimum: a short relaxation leaves it as it is)."""

    neb: NEBRecord
    initial: Atoms
    saddle: Atoms
    final: Atoms

    def points(self) -> dict[str, Point]:
        neb = self.neb
        start = neb.endpoints.get("initial")
        saddle = None if start is None else point_record(
            self.saddle, neb.calculator, "saddle",
            start.energy_eV + neb.image_energies_eV[neb.saddle_index], neb.converged,
            status="NEB image")
        return {"initial": Point(self.initial, start, relaxed=True),
                "saddle": Point(self.saddle, saddle),
                "final": Point(self.final, neb.endpoints.get("final"), relaxed=True)}


#: the points of a hop's band, the only ones a barriers-only check evaluates
BAND_POINTS = ("band/initial", "band/saddle", "band/final")


BULK_MECHANISMS = ("vacancy", "interstitial", "interstitialcy")
#: the bulk mechanisms of an extra atom (E_f with −μ; ``sites_frac`` may place its voids)
INTERSTITIAL_MECHANISMS = ("interstitial", "interstitialcy")


def check_bulk_hop(mechanism: str, solute: str | None = None, sites_frac=None,
                   defect_fraction: float | None = None) -> None:
    """The rules of a bulk hop's arguments, one line each: a ``mechanism`` of
    :data:`BULK_MECHANISMS`; ``sites_frac`` for an interstitial or interstitialcy hop only
    (:data:`INTERSTITIAL_MECHANISMS`); a ``solute`` for a
    vacancy hop only (a solute–vacancy exchange); ``defect_fraction`` in (0, 1]. The campaign
    specs and the command line check a barrier entry with this before any work."""
    if mechanism not in BULK_MECHANISMS:
        raise UserInputError(f"mechanism={mechanism!r}; accepted: {', '.join(BULK_MECHANISMS)}")
    if sites_frac is not None and mechanism not in INTERSTITIAL_MECHANISMS:
        raise UserInputError("sites_frac gives interstitial sites: mechanism: interstitial "
                             "or interstitialcy")
    if solute is not None and mechanism != "vacancy":
        raise UserInputError(f"solute={solute!r}: a solute hop is a solute–vacancy exchange: "
                             f"mechanism: vacancy")
    check_defect_fraction(defect_fraction)


def check_host_cell(matrix) -> np.ndarray:
    """``matrix`` as a 3x3 integer array with a positive determinant (a right-handed cell
    of the crystal's lattice), else one line naming it."""
    try:
        m = np.asarray(matrix)
        ok = m.shape == (3, 3) and all(float(x).is_integer() for x in m.ravel())
    except (TypeError, ValueError):
        ok = False
    if not ok or round(np.linalg.det(m.astype(float))) <= 0:
        raise UserInputError(f"host_cell={matrix!r}; accepted: three rows of three integers "
                             f"with a positive determinant, e.g. [[1, 1, 0], [-1, 1, 0], "
                             f"[0, 0, 1]]")
    return m.astype(int)


# ------------------------------------------------- barrier records, measured comparison


# --------------------------------------------------------------------------- declarations

#: D and σ are reported at the record's temperature closest to this one (K)
ROOM_T_K = 300.0


def closest_room_T(g: Getter) -> int | None:
    """Index of the record's D(T) entry whose temperature is closest to :data:`ROOM_T_K`."""
    diffs = g("diffusivities", []) or []
    temps = [(abs(d.get("T_K", math.inf) - ROOM_T_K), i) for i, d in enumerate(diffs)
             if isinstance(d, dict) and isinstance(d.get("T_K"), (int, float))]
    return min(temps)[1] if temps else None


def _at_room_T(field: str):
    def path(g: Getter) -> str | None:
        i = closest_room_T(g)
        return None if i is None else f"{field}[{i}]"
    return path


def _room(field: str, leaf: str):
    def path(g: Getter) -> str | None:
        at = _at_room_T(field)(g)
        return None if at is None else f"{at}.{leaf}"
    return path


def _neb_detail(g: Getter) -> str:
    reached, target = g("neb.fmax_reached_eV_per_A"), g("neb.fmax_target_eV_per_A")
    if isinstance(reached, (int, float)) and isinstance(target, (int, float)):
        return f"NEB fmax {reached:.3g} {'≤' if reached <= target else '>'} {target:g} eV/Å"
    return ""


def _neb_warnings(g: Getter) -> list[str]:
    warnings = [f"NEB flag: {f}" for f in g("neb.flags", []) or []]
    modes = g("saddle_imaginary_modes")
    if modes is not None and modes != 1:
        warnings.append(f"saddle has {modes} imaginary modes (1 expected)")
    return warnings


def _d_status(g: Getter) -> str:
    at = _at_room_T("diffusivities")(g)
    src = g(f"{at}.attempt_frequency_source", "") if at else ""
    frac = g(f"{at}.defect_fraction_source", "") if at else ""
    neb = _neb_detail(g)
    return "; ".join(x for x in (f"barrier: {neb}" if neb else "", f"ν: {src}" if src else "",
                                 f"defects: {frac}" if frac else "") if x)


def _d_warnings(g: Getter) -> list[str]:
    at = _at_room_T("diffusivities")(g)
    src = g(f"{at}.attempt_frequency_source", "") if at else ""
    return _neb_warnings(g) + (["attempt frequency is the 1e13 Hz fallback"]
                               if "fallback" in str(src) else [])


def _has_carrier_D(g: Getter) -> bool:
    i = closest_room_T(g)
    return i is not None and g(f"carrier_diffusivities[{i}]") is not None


def _carrier_status(g: Getter) -> str:
    at = _at_room_T("diffusivities")(g)
    return g("carriers") or (g(f"{at}.defect_fraction_source", "") if at else "")


def _pair_status(g: Getter) -> str:
    sep = g("intrinsic.separation_A")
    return f"{g('intrinsic.kind')} pair, defects {sep:.1f} Å apart" if sep else ""


def _named(stem: str, tag: str, unit: str) -> str:
    return f"{stem}_{tag}_{unit}" if tag else f"{stem}_{unit}"


def hop_quantities(tag: str = "", *, role: str = "bulk", table: str | None = None,
                   rank: bool = False, models: bool = False, sigma: bool = False
                   ) -> tuple[Quantity, ...]:
    """The numbers of a :class:`MigrationResult` as the report shows them for one row's hop,
    value names tagged ``tag`` ('coating': the Li hop in the coating; 'solute': a foreign
    atom's hop; 'interface': across the Li/coating interface; '' for the campaign summary).
    ``role``: 'bulk' (E_f, carriers, D(T)) or 'interface' (barriers and rates only);
    ``table``: the report section of its columns; ``rank``: the Li-transport criteria
    (the coating hop's barrier and D, the interface hop's barrier); ``models``: its model
    size and calculator in the models table; ``sigma``: the Nernst–Einstein σ (an ionic host)."""
    t = f"_{tag}" if tag else ""
    transport = "transport"
    neb = {"converged": "neb.converged", "status": _neb_detail, "warnings": _neb_warnings}
    coat = tag == "coating"
    barrier_rank = None
    if rank and role == "bulk":
        barrier_rank = Rank(6, "Li barrier in coating", "lower",
                            "lower in-coating migration barrier: fast Li⁺ transport through "
                            "the layer")
    elif rank:
        barrier_rank = Rank(8, "barrier Li → coating", "lower",
                            "lower barrier for a Li atom to cross from the Li film into the "
                            "coating")
    interface = role == "interface"
    out = [
        Quantity(f"barrier{t}_eV",
                 "barrier Li film → coating" if interface else
                 {"coating": "Li barrier in the coating", "solute": "solute barrier"}.get(
                     tag, "migration barrier"),
                 "eV", "neb.barrier_forward_eV", transport, spread=True, headline=True,
                 rank=barrier_rank, table=table,
                 measured="Li migration energy (literature)" if coat else "",
                 column="barrier Li → coating (eV)" if interface else "barrier in coating (eV)"
                 if coat else "barrier (eV)", **neb),
        Quantity(f"barrier{t}_backward_eV",
                 "barrier coating → Li film" if interface else
                 {"coating": "Li barrier in the coating (backward)",
                  "solute": "solute barrier (backward)"}.get(tag, "migration barrier (backward)"),
                 "eV", "neb.barrier_backward_eV", transport, spread=True,
                 when=None if interface else (lambda g: g("hop.reverse_equivalent") is False),
                 table=table if (coat or interface) else None,
                 column="barrier coating → Li (eV)" if interface else "backward (eV)", **neb),
        Quantity(f"attempt_frequency{t}_Hz",
                 f"attempt frequency ({tag} hop)" if tag else "attempt frequency", "Hz",
                 "attempt_frequency_Hz", transport, fmt="sci", converged="neb.converged",
                 status=lambda g: g("attempt_frequency_note", ""), warnings=_neb_warnings,
                 headline=True, table=table if coat else None, column="ν* (Hz)"),
    ]
    if not interface:
        T_name = "D_T_K" if tag in ("coating", "") else f"D{t}_T_K"
        coat_table = table if coat else None
        out += [
            Quantity(f"pair_energy{t}_eV", "intrinsic pair energy (E_S or E_F)", "eV",
                     "intrinsic.pair_energy_eV", transport, converged="intrinsic.converged",
                     status=_pair_status, spread=True, table=coat_table,
                     column="E_S / E_F (eV)"),
            Quantity(f"carrier_fraction{t}", "carrier (vacancy) fraction per site", "",
                     _room("diffusivities", "defect_fraction"), transport, log=True,
                     converged="neb.converged", status=_carrier_status, when=_has_carrier_D,
                     spread=True, table=coat_table, column="carrier fraction c"),
            Quantity(T_name, "T of D and σ" if tag in ("coating", "") else f"T of the {tag} D",
                     "K", _room("diffusivities", "T_K"), transport, fmt=".1f",
                     none_text=f"record temperature closest to {ROOM_T_K:g} K",
                     table=table, column="T (K)"),
            Quantity(f"D_star{t}_cm2_per_s", "D* per carrier (c = 1)", "cm²/s",
                     _room("carrier_diffusivities", "D_cm2_per_s"), transport, fmt="sci",
                     log=True, converged="neb.converged", status="per carrier: c = 1",
                     warnings=_d_warnings, when=_has_carrier_D, spread=True,
                     table=coat_table, column="D* per carrier (cm²/s)"),
            Quantity(f"D{t}_cm2_per_s",
                     "D (at the carrier fraction)" if tag in ("coating", "") else f"{tag} D",
                     "cm²/s", _room("diffusivities", "D_cm2_per_s"), transport, fmt="sci",
                     log=True, converged="neb.converged", status=_d_status,
                     warnings=_d_warnings, spread=True, headline=True,
                     rank=Rank(7, "D near 300 K", "higher",
                               "higher Li diffusivity near room temperature (defect "
                               "concentration included): fast Li transport") if rank else None,
                     measured="Li diffusivity (NMR, GITT)" if coat else "", table=table,
                     column="D = c D* (cm²/s)" if coat else "D (cm²/s)"),
        ]
        if sigma:
            out.append(Quantity(
                f"sigma{t}_S_per_cm", "σ estimate", "S/cm",
                _room("diffusivities", "conductivity_S_per_cm"), transport, fmt="sci",
                log=True, converged="neb.converged", status="Nernst–Einstein from D",
                warnings=_d_warnings, spread=True, measured="ionic conductivity",
                table=table, column="σ (S/cm)"))
    what = tag or "the"
    out += [
        Quantity(f"natoms{t}_hop", f"{what} hop model size", "atoms", "hop.natoms", "model",
                 none_text="model size", table="models" if models else None,
                 column=f"{tag} hop (atoms)"),
        Quantity(f"neb_images{t}", f"NEB images ({tag} hop)" if tag else "NEB images",
                 "images", "neb.n_images", "method", none_text="setting"),
        Quantity(f"calculator{t}_hop", f"calculator ({tag} hop)" if tag else "calculator",
                 "", calculator_path, "method", fmt="text", none_text="—",
                 table="models" if models else None, column=f"{tag} hop"),
    ]
    if tag == "solute":
        out.insert(0, Quantity("solute_hop", "solute hop", "", "hop.label", transport,
                               fmt="text", none_text="which hop", table=table, column="hop"))
    return tuple(out)
