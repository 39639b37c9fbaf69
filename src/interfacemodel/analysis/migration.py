"""Migration, step by step: hop -> NEB -> Vineyard prefactor -> hop rates and D(T).

The hops: a vacancy hop of ``species`` in a bulk host (Li, LiF, Li2Se, Li2O, LLZO, ...; from
:func:`~interfacemodel.build.bulk_hops.vacancy_hops`), with ``solute`` a solute–vacancy
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
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from ase.build import make_supercell

from ..build.bulk_hops import interstitial_hops, interstitialcy_hops, vacancy_hops
from ..build.surface_hops import interface_hops
from ..build.symmetry import symmetry_dataset
from ..build.systems import build_system
from ..calculators import calculator_provenance
from ..errors import OutputPathError, UserInputError
from ..records import (
    DocumentRecord,
    decode_atoms,
    detach_calculator,
    from_dict,
    package_versions,
    to_dict,
)
from ..run.neb import DEFAULT_NEB_OPTIMIZER, NEBRecord, run_neb
from ..run.phonons import FULL_CELL_MAX_ATOMS, neighbourhood, vineyard_prefactor
from ..run.relax import relax
from ..structures import load_bulk
from . import experiment
from .diffusion import (
    FALLBACK_ATTEMPT_FREQUENCY_HZ,
    Diffusivity,
    Lattice,
    bcc_vacancy,
    check_defect_fraction,
    diffusivity,
    hop_rate,
)
from .interface_energetics import bulk_reference
from .intrinsic import IntrinsicDisorder

if TYPE_CHECKING:
    from ase import Atoms

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


def _lattice_for(dataset, host_atoms, hop) -> Lattice:
    """bcc/fcc vacancy geometry when the host is one of them (``dataset``: its spglib
    symmetry dataset), else the hop's own multiplicity and length with f = 1 (uncorrelated;
    stated in the record)."""
    a_A = float(host_atoms.cell.cellpar()[0])
    elemental = len(set(host_atoms.numbers)) == 1
    if dataset.number == 229 and elemental:
        return bcc_vacancy(a_A)
    if dataset.number == 225 and elemental:
        return Lattice("fcc vacancy", 12, a_A / 2**0.5, CORRELATION_FACTORS["fcc"],
                       "Compaan & Haven 1956")
    return Lattice(f"hop {hop.label}", hop.multiplicity, hop.length_A, 1.0,
                   "hop multiplicity and length; f = 1 (correlation not computed)")


def _wyckoff_sites(dataset) -> list[str]:
    """Wyckoff position of every atom of the host cell, e.g. '8a', '32g', from its spglib
    symmetry ``dataset``."""
    counts: dict[int, int] = {}
    for orbit in dataset.equivalent_atoms:
        counts[int(orbit)] = counts.get(int(orbit), 0) + 1
    return [f"{counts[int(o)]}{w}" for o, w in zip(dataset.equivalent_atoms, dataset.wyckoffs,
                                                    strict=True)]


def _reduced_formula(phase: str) -> str:
    return load_bulk(phase).composition.reduced_formula


def _say(progress):
    return progress or (lambda msg: None)


def _band_notes(neb: NEBRecord) -> list[str]:
    """The record's notes about the band itself: its flags, and non-convergence."""
    notes = list(neb.flags)
    if not neb.converged:
        notes.append("NEB not converged: the barrier is not a converged number")
    return notes


def hop_band(case: HopCase, calc, n_images: int = HOP_N_IMAGES, fmax: float = HOP_FMAX_EV_PER_A,
             optimizer: str | None = None, workdir: str | Path | None = None, progress=None):
    """The NEB of ``case``: returns ``(images, NEBRecord)`` from
    :func:`~interfacemodel.run.neb.run_neb` with the end points relaxed to
    min(:data:`ENDPOINT_FMAX`, ``fmax``/2) eV/Å, ``n_images`` intermediate images, band
    converged to ``fmax`` eV/Å, ``optimizer`` (default :data:`~interfacemodel.run.neb.
    DEFAULT_NEB_OPTIMIZER`); ``workdir``/neb checkpoints the band (a rerun resumes it)."""
    _say(progress)(f"NEB {case.label}: {len(case.initial)} atoms, {n_images} images")
    return run_neb(case.initial, case.final, calc, n_images=n_images, fmax=fmax,
                   endpoint_fmax=min(ENDPOINT_FMAX, fmax / 2),
                   optimizer=optimizer or DEFAULT_NEB_OPTIMIZER,
                   checkpoint=None if workdir is None else Path(workdir) / "neb")


def band_states(images, neb: NEBRecord):
    """``(initial minimum, saddle, final minimum)`` of a band from :func:`hop_band`: copies
    of ``images[0]``, ``images[neb.saddle_index]`` and ``images[-1]`` that hold their energy
    and forces in a single-point calculator (no live calculator: they can be stored, e.g.
    with :func:`ase.io.jsonio.encode`, and passed to :func:`hop_prefactors`)."""
    if len(images) != len(neb.image_energies_eV):
        raise UserInputError(f"{len(images)} images for a band of "
                             f"{len(neb.image_energies_eV)}: not this NEB's images")
    states = []
    for image in (images[0], images[neb.saddle_index], images[-1]):
        copy = image.copy()
        if image.calc is not None:
            detach_calculator(copy, image.get_potential_energy(), image.get_forces())
        states.append(copy)
    return tuple(states)


def hessian_atoms(case: HopCase, minimum, cutoff_A: float = PHONON_CUTOFF_A) -> list[int]:
    """The atoms a partial-Hessian prefactor displaces: the hopping atom, the second moving
    atom of an interstitialcy (``case.partner_index``) and every atom within ``cutoff_A`` Å of
    either in ``minimum`` (minimum image), sorted."""
    atoms = set(neighbourhood(minimum, case.moving_index, cutoff_A))
    if case.partner_index is not None:
        atoms |= set(neighbourhood(minimum, case.partner_index, cutoff_A))
    return sorted(atoms)


def hop_prefactors(case: HopCase, initial, saddle, final, neb: NEBRecord, calc,
                   phonons: bool = True, phonon_cutoff_A: float = PHONON_CUTOFF_A,
                   progress=None) -> Prefactors:
    """Vineyard prefactors of the forward hop and, when the hop is not symmetric (``case.
    reverse_equivalent`` False or a reaction energy above 1 meV), the backward one.

    ``initial``, ``saddle``, ``final``: the relaxed initial minimum, the band's highest image
    and the relaxed final minimum (:func:`band_states`; any calculator on them is ignored).
    Cells up to :data:`~interfacemodel.run.phonons.FULL_CELL_MAX_ATOMS` atoms: Γ modes of the
    whole cell; larger: the partial Hessian of the moving atoms (the hopping atom and, for an
    interstitialcy, its ``partner_index``) and their neighbours within ``phonon_cutoff_A`` Å
    (in the initial minimum; :func:`hessian_atoms`). ``phonons`` False: nothing computed,
    the 10¹³ Hz fallback marked. A relaxed end point that is not a minimum leaves that
    prefactor out, noted.
    """
    pre = Prefactors()
    if not phonons:
        return pre
    if not len(initial) == len(saddle) == len(final) == len(case.initial):
        raise UserInputError(f"initial, saddle and final hold {len(initial)}, {len(saddle)}, "
                             f"{len(final)} atoms; the hop has {len(case.initial)}")
    say = _say(progress)
    base = _band_notes(neb)  # notes are de-duplicated against the band's, as in the record
    notes = list(base)
    indices = None if len(saddle) <= FULL_CELL_MAX_ATOMS else \
        hessian_atoms(case, initial, phonon_cutoff_A)
    movers = "" if case.partner_index is None else " around the two moving atoms"
    what = "Γ modes of the cell" if indices is None else \
        f"partial Hessian of {len(indices)} atoms{movers}"
    ends = [("forward", initial)]
    if not case.reverse_equivalent or abs(neb.reaction_energy_eV) > 1e-3:
        ends.append(("backward", final))
    for direction, minimum in ends:
        say(f"{what}: {direction} minimum and saddle")
        try:
            vib = vineyard_prefactor(minimum, saddle, calc, indices=indices)
        except UserInputError as exc:  # the relaxed end point is not a minimum
            notes.append(f"Vineyard prefactor ({direction}) not formed: {exc}")
            if direction == "forward":
                pre.nu_note = f"not computed ({exc}): 1e13 Hz fallback"
            continue
        pre.saddle_imaginary_modes = vib.saddle_modes.n_imaginary
        if direction == "forward":
            method = vib.method if case.partner_index is None or indices is None else \
                vib.method.replace("the hopping atom and its", "the two moving atoms (the "
                                   "interstitial and the atom it knocks on) and their")
            pre.nu_Hz, pre.nu_note = vib.nu_Hz, f"Vineyard, {method}"
        else:
            pre.nu_backward_Hz = vib.nu_Hz
        notes += [n for n in vib.notes if n not in notes]
    pre.notes = notes[len(base):]
    return pre


def _rates(neb: NEBRecord, temps, nu, nu_back) -> list[dict[str, float]]:
    fwd = nu if nu is not None else FALLBACK_ATTEMPT_FREQUENCY_HZ
    back = nu_back if nu_back is not None else fwd
    return [{"T_K": T, "forward_per_s": hop_rate(max(neb.barrier_forward_eV, 0.0), T, fwd),
             "backward_per_s": hop_rate(max(neb.barrier_backward_eV, 0.0), T, back)}
            for T in temps]


def temperatures(temperatures_K) -> list[float]:
    """Temperatures (K) as floats; none, or one <= 0: one line."""
    temps = [float(t) for t in temperatures_K]
    if not temps or min(temps) <= 0:
        raise UserInputError(f"temperatures {temps} must be positive (K)")
    return temps


def _literature(host: str, species: str, barrier: float) -> dict[str, Any] | None:
    entry = LITERATURE_BARRIERS.get((host, species))
    if entry is None:
        return None
    (lo, hi), source = entry
    where = "inside" if lo <= barrier <= hi else ("below" if barrier < lo else "above")
    return {"range_eV": [lo, hi], "source": source, "computed_eV": barrier,
            "computed_is": f"{where} the range"}


def _carrier_density_per_cm3(atoms, species: str) -> float:
    n = sum(1 for s in atoms.get_chemical_symbols() if s == species)
    return n / (atoms.get_volume() * 1e-24)


def finish_migration(case: HopCase, neb: NEBRecord, prefactors: Prefactors,
                     calc_or_provenance=None, temperatures_K=(300.0,), wall_time_s: float = 0.0,
                     calc=None, progress=None, intrinsic: IntrinsicDisorder | None = None
                     ) -> MigrationResult:
    """The record of a hop from its three computed parts: formation energy, defect fraction,
    D(T) and σ (where ``case.lattice`` is set), forward/backward rates, literature range,
    notes. Arithmetic only: no calculator is called.

    ``calc_or_provenance``: the calculator or its provenance dict (default: ``calc``, else
    the NEB record's own provenance). ``temperatures_K``: K, positive. ``wall_time_s``: time
    spent in the earlier steps (s); this step's own time is added. E_f (bulk cases) =
    E(relaxed initial end point, ``neb.endpoints['initial']``) − E(perfect) ± μ, see
    :class:`HopCase`; a negative interstitial E_f gives c = 1, noted.

    ``intrinsic``: the host's charge-neutral intrinsic disorder (an ionic host,
    :mod:`~interfacemodel.analysis.intrinsic`): the carrier fraction c(T) then comes from its
    pair energy instead of the neutral defect against the metal (whose E_f is still recorded,
    and whose sign then no longer sets c = 1), and ``carrier_diffusivities`` holds D* (per
    carrier, c = 1) beside D = c D*. For an interstitial or interstitialcy hop the Frenkel
    pair's vacancy fraction per site is also its interstitial fraction (the pair makes one of
    each).
    """
    start = time.perf_counter()
    temps = temperatures(temperatures_K)
    source = calc_or_provenance if calc_or_provenance is not None else calc
    provenance = (neb.calculator if source is None else
                  source if isinstance(source, dict) else calculator_provenance(source))
    _say(progress)(f"D(T) and rates at {len(temps)} temperature(s)")
    nu = prefactors.nu_Hz
    notes = _band_notes(neb) + list(prefactors.notes)
    species = case.defect_species or case.species
    e_f, fraction, reference = None, case.defect_fraction, case.formation_reference
    use_intrinsic = intrinsic is not None and case.lattice is not None \
        and case.defect is not None and fraction is None
    if case.defect is not None:
        if "initial" not in neb.endpoints:
            raise UserInputError("the NEB record holds no relaxed initial end point: the "
                                 "formation energy needs it (run the NEB with relaxed end "
                                 "points)")
        sign = 1 if case.defect == "vacancy" else -1  # the species goes to / comes from μ
        e_f = neb.endpoints["initial"].energy_eV - case.perfect_energy_eV \
            + sign * case.chemical_potential_eV
        if case.ionic:
            charged = "V_Li' + hole" if case.defect == "vacancy" else "Li_i• + electron"
            defect = "interstitial" if case.defect in INTERSTITIAL_MECHANISMS else case.defect
            notes.append(f"neutral {defect} in an ionic host: E_f stands for {charged}, "
                         f"a model of the charged defect")
        fraction_note = "" if fraction is None else f"; defect fraction given: {fraction:g}"
        if case.defect in INTERSTITIAL_MECHANISMS:
            if not case.reverse_equivalent:
                notes.append("hop between inequivalent sites: D from this one hop is only an "
                             "estimate (the walk needs the reverse hop too; see hop_rates)")
            if e_f < 0 and fraction is None and use_intrinsic:
                notes.append(f"interstitial formation energy {e_f:.3f} eV < 0 against Li "
                             f"metal (the neutral Li_i + e model); c from the host's "
                             f"intrinsic pairs instead, see carriers")
            elif e_f < 0 and fraction is None:
                notes.append(f"interstitial formation energy {e_f:.3f} eV < 0 against Li "
                             f"metal: the host takes up Li; c = 1 used")
                fraction, fraction_note = 1.0, "; c = 1 (E_f < 0)"
        if case.solute is not None:
            notes.append(f"D of {case.solute}: one exchange barrier with f = 1 and c_v of a "
                         f"vacancy next to {case.solute}; the five-frequency model is not "
                         f"evaluated")
        reference = (f"μ_{species} = {case.chemical_potential_eV:.4f} eV/atom (bcc Li, same "
                     f"calculator){fraction_note}")
    diffs, per_carrier = [], []
    carriers_text = reference
    if use_intrinsic:
        carriers_text = intrinsic.describe()
        notes.append(f"carriers: {carriers_text}; c = "
                     + ("exp(−E_S/2k_BT)" if intrinsic.kind == "schottky" else
                        f"√{intrinsic.interstitial_sites_per_cation:g} exp(−E_F/2k_BT)")
                     + " per site; the neutral defect against the metal (E_f above) is not "
                       "how the ionic host makes its carriers")
    if case.lattice is not None:
        carriers = case.carrier_density_per_cm3
        for T in temps:
            if use_intrinsic:
                kw = {"defect_fraction": intrinsic.fraction(T)}
            else:
                kw = ({"defect_fraction": fraction} if fraction is not None
                      else {} if e_f is None else {"formation_energy_eV": e_f})
            d = diffusivity(neb.barrier_forward_eV, T, case.lattice, attempt_frequency_Hz=nu,
                            carrier_density_per_cm3=carriers, **kw)
            if use_intrinsic:
                d.defect_fraction_source = carriers_text
            diffs.append(d)
            per_carrier.append(diffusivity(neb.barrier_forward_eV, T, case.lattice,
                                           attempt_frequency_Hz=nu))
        if carriers is not None:
            notes.append(f"σ (Nernst–Einstein) with the {species} density of the host, "
                         f"{carriers:.3e} /cm³, as carrier density and D as computed "
                         f"(defect fraction included), Haven ratio 1")
    notes += case.notes
    return MigrationResult(
        host=case.host, species=case.species, mechanism=case.mechanism, hop=dict(case.hop),
        neb=neb, attempt_frequency_Hz=nu, attempt_frequency_note=prefactors.nu_note,
        saddle_imaginary_modes=prefactors.saddle_imaginary_modes,
        defect_formation_energy_eV=None if e_f is None else float(e_f),
        formation_reference=reference, lattice=case.lattice, diffusivities=diffs,
        hop_rates=_rates(neb, temps, nu, prefactors.nu_backward_Hz),
        calculator=provenance, wall_time_s=wall_time_s + time.perf_counter() - start,
        attempt_frequency_backward_Hz=prefactors.nu_backward_Hz,
        literature_barrier=(_literature(case.host, case.species, neb.barrier_forward_eV)
                            if case.mechanism == "vacancy" else None),  # for vacancies only
        notes=notes, carrier_diffusivities=per_carrier, carriers=carriers_text,
        intrinsic=intrinsic,
    )


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


def prepare_bulk_hop(
    host,
    calc,
    species: str = "Li",
    mechanism: str = "vacancy",
    hop_index: int = 0,
    supercell=None,
    li_metal_energy_eV: float | None = None,
    solute: str | None = None,
    defect_fraction: float | None = None,
    progress=None,
    host_reference=None,
    sites_frac=None,
    host_cell=None,
) -> HopCase:
    """Step 1 of a bulk hop (:func:`interfacemodel.flows.migration.bulk_migration`): the relaxed host, the ``hop_index``-th hop built on
    it, the perfect-cell energy and μ_species for E_f, the lattice of D. Arguments as in
    :func:`interfacemodel.flows.migration.bulk_migration`. Calculator work: the host relaxation, and where needed bcc
    ``species`` (μ, when ``li_metal_energy_eV`` is not given) and, for a solute hop, the
    perfect cell holding the solute (relaxed to :data:`ENDPOINT_FMAX`).

    ``host_reference``: ``(relaxed_atoms, BulkReference)`` of ``host`` relaxed with the same
    calculator before (:func:`~interfacemodel.analysis.interface_energetics.bulk_reference`,
    e.g. a campaign's bulk step); the host is then not relaxed again. Its formula must be
    the host's. ``sites_frac`` (interstitial or interstitialcy): the interstitial sites,
    fractional coordinates of the conventional host cell, instead of its void centres
    (:func:`~interfacemodel.build.bulk_hops.interstitial_hops`,
    :func:`~interfacemodel.build.bulk_hops.interstitialcy_hops`).

    ``host_cell``: a 3x3 integer matrix whose rows are the host cell's vectors as
    combinations of the relaxed conventional cell's (``ase.build.make_supercell``), applied
    before ``supercell``: a cell the conventional one's multiples do not give, e.g. the
    a+b, b−a, c cell of rock salt, whose widths hold a hop the conventional cell's do not.
    ``sites_frac`` are then fractional coordinates of that cell.

    An interstitialcy (knock-off) hop: the interstitial on void A takes the site of a lattice
    atom L, which moves into the void B; D follows the interstitial as the carrier: z = the
    hop's multiplicity, d = |B − A|, f = 1 (the charge diffusivity; the tracer correlation
    of the two-atom move is not computed, stated in the lattice's name and source)."""
    check_bulk_hop(mechanism, solute, sites_frac, defect_fraction)
    if solute is not None:
        from ase.data import atomic_numbers

        if solute not in atomic_numbers:
            raise UserInputError(f"solute {solute!r} is not an element symbol")
        if solute == species:
            raise UserInputError(f"solute {solute!r} must differ from the host species")
    say = _say(progress)
    if host_reference is None:
        say("relax host")
        host_atoms, ref, _ = bulk_reference(host, calc)
    else:
        host_atoms, ref = host_reference
        if isinstance(host, str) and ref.formula != _reduced_formula(host):
            raise UserInputError(f"host_reference is {ref.formula}, not the host {host!r}")
    if host_cell is not None:
        host_atoms = make_supercell(host_atoms, check_host_cell(host_cell))
    if mechanism == "vacancy":
        hops = vacancy_hops(host_atoms, species=species, supercell=supercell)
    elif mechanism == "interstitialcy":
        hops = interstitialcy_hops(host_atoms, species=species, supercell=supercell,
                                   sites_frac=sites_frac)
    else:
        hops = interstitial_hops(host_atoms, species=species, supercell=supercell,
                                 sites_frac=sites_frac)
    if not 0 <= hop_index < len(hops):
        raise UserInputError(f"hop_index {hop_index} out of range: {len(hops)} distinct hops "
                             f"({'; '.join(h.label for h in hops)})")
    hop = hops[hop_index]
    dataset = symmetry_dataset(host_atoms, HOST_SYMPREC_A)
    if mechanism == "vacancy":
        wyckoff = _wyckoff_sites(dataset)
        sites = f"{wyckoff[hop.from_site]} → {wyckoff[hop.to_site]}"
    else:
        sites = hop.label.split(" ")[0]  # e.g. 'i(8c)->i(8c)', 'i(4b)->8c->i(4b)'
    mover = species
    perfect = None
    if solute is not None:
        for end in (hop.initial, hop.final):
            end[hop.moving_index].symbol = solute
        hop.label = f"{solute}–vacancy exchange, {hop.label}"
        mover = solute
        # the perfect cell with the solute: the vacancy site B filled with a host atom
        perfect = hop.initial.copy()
        perfect.append(species)
        perfect.positions[-1] = hop.final.positions[hop.moving_index]
        perfect.wrap()
    sign = 1 if mechanism == "vacancy" else -1  # the species goes to / comes from Li metal
    n_host = len(hop.initial) + sign  # the perfect supercell
    if perfect is not None:
        say(f"relax the perfect cell with the {solute} solute")
        _, rec = relax(perfect, calc, fmax=ENDPOINT_FMAX)
        e_perfect = rec.energy_eV
    else:
        e_perfect = ref.per_atom_eV() * n_host
    if li_metal_energy_eV is None:
        li_metal_energy_eV = (ref.per_atom_eV() if ref.formula == species
                              else bulk_reference(species, calc)[1].per_atom_eV())
    # a host of metals only (Li3Bi, LiAl, LiMg) is a metal: no charged-defect model, no σ;
    # a compound with a non-metal (LiF, Li2Se, Li3Sb's Zintl anion Sb) is treated as ionic
    ionic = ref.formula != species and not _all_metals(ref.formula)
    if mechanism == "vacancy":
        lattice = _lattice_for(dataset, host_atoms, hop)
    elif mechanism == "interstitialcy":
        lattice = Lattice(f"interstitialcy {hop.label}; charge diffusion, tracer correlation "
                          f"not computed", hop.multiplicity, hop.length_A, 1.0,
                          "hop multiplicity and the interstitial's displacement |B − A|; "
                          "f = 1: the diffusion of the interstitial (the charge), not the "
                          "tracer correlation of the knock-off")
    else:
        lattice = Lattice(f"direct interstitial hop {hop.label}", hop.multiplicity,
                          hop.length_A, 1.0, "hop multiplicity and length; direct "
                          "interstitial hops are uncorrelated: f = 1")
    if solute is not None:
        lattice = Lattice(f"{solute} in {ref.formula}, solute–vacancy exchange", lattice.z,
                          lattice.d_A, 1.0, "nearest-neighbour exchange; solute correlation "
                          "factor (five-frequency model) not computed: f = 1")
    carriers = _carrier_density_per_cm3(host_atoms, species) if ionic else None
    carriers = carriers or None  # a species the host does not hold: no σ
    return HopCase(
        kind="bulk", label=hop.label, initial=hop.initial, final=hop.final,
        moving_index=int(hop.moving_index), reverse_equivalent=bool(hop.reverse_equivalent),
        partner_index=None if hop.partner_index is None else int(hop.partner_index),
        hop={"label": hop.label, "length_A": hop.length_A, "multiplicity": hop.multiplicity,
             "natoms": len(hop.initial), "reverse_equivalent": hop.reverse_equivalent,
             "wyckoff_sites": sites,
             **({} if hop.partner_index is None else
                {"moving_indices": [int(hop.moving_index), int(hop.partner_index)]}),
             "supercell_cell_A": [float(x) for x in hop.initial.cell.lengths()]},
        host=ref.formula, species=mover,
        mechanism="solute–vacancy exchange" if solute is not None else mechanism,
        lattice=lattice, defect=mechanism, defect_species=species,
        perfect_energy_eV=float(e_perfect), chemical_potential_eV=float(li_metal_energy_eV),
        defect_fraction=defect_fraction, ionic=ionic, carrier_density_per_cm3=carriers,
        solute=solute)


def _all_metals(formula: str) -> bool:
    """Whether every element of ``formula`` is a metal (pymatgen ``Element.is_metal``)."""
    from pymatgen.core import Composition

    return all(el.is_metal for el in Composition(formula).elements)


def prepare_interface_hop(
    system: str,
    calc,
    species: str = "Li",
    hop_index: int = 0,
    model_index: int = 0,
    relax_fmax: float = 0.05,
    supercell=None,
    layer_tolerance_A: float = 0.6,
    workdir: str | Path | None = None,
    progress=None,
    film_layers: int | None = None,
    substrate_layers: int | None = None,
) -> HopCase:
    """Step 1 of an interface hop (:func:`interfacemodel.flows.migration.interface_migration`): the named system's slab model ``model_index``
    relaxed with ``calc`` to ``relax_fmax`` eV/Å (``workdir``/interface checkpoints it) and
    its ``hop_index``-th film → coating hop. Arguments as in :func:`interfacemodel.flows.migration.interface_migration`;
    ``film_layers``/``substrate_layers`` replace the system recipe's (atomic planes)."""
    say = _say(progress)
    layers = {k: v for k, v in (("film_layers", film_layers),
                                 ("substrate_layers", substrate_layers)) if v is not None}
    models = build_system(system, **layers)
    if not 0 <= model_index < len(models):
        raise UserInputError(f"model_index {model_index} out of range: {system} has "
                             f"{len(models)} slab models")
    model = models[model_index]
    say(f"relax the {system} interface ({len(model.atoms)} atoms)")
    relaxed, rec = relax(model.atoms, calc, fmax=relax_fmax,
                         checkpoint=None if workdir is None else Path(workdir) / "interface")
    if not rec.converged:
        raise UserInputError(f"the {system} interface did not relax to {relax_fmax} eV/Å in "
                             f"{rec.steps_max} steps")
    relaxed.arrays["interface_side"] = np.asarray(model.atoms.arrays["interface_side"])
    return interface_hop_case(relaxed, system, species=species, hop_index=hop_index,
                              supercell=supercell, layer_tolerance_A=layer_tolerance_A,
                              model_note=f"{model.film}{model.film_miller} on {model.substrate}"
                                         f"{model.substrate_miller}, termination "
                                         f"{model.termination}")


def interface_hop_case(relaxed, system: str, species: str = "Li", hop_index: int = 0,
                       supercell=None, layer_tolerance_A: float = 0.6,
                       model_note: str = "") -> HopCase:
    """The ``hop_index``-th film → coating hop of an interface already relaxed (e.g. the
    one whose energetics a campaign computed). ``relaxed`` must carry
    ``arrays['interface_side']`` (0 = Li film, 1 = coating); ``system`` names it in the
    record; ``model_note`` describes the model (planes, termination). No calculator work."""
    if "interface_side" not in relaxed.arrays:
        raise UserInputError("the relaxed interface carries no 'interface_side' array: "
                             "not an interface model from build_system")
    hops = interface_hops(relaxed, species=species, supercell=supercell,
                          layer_tolerance_A=layer_tolerance_A)
    if not 0 <= hop_index < len(hops):
        raise UserInputError(f"hop_index {hop_index} out of range: {len(hops)} interface hops")
    hop = hops[hop_index]
    return HopCase(
        kind="interface", label=hop.label, initial=hop.initial, final=hop.final,
        moving_index=int(hop.moving_index), reverse_equivalent=bool(hop.reverse_equivalent),
        hop={"label": hop.label, "length_A": hop.length_A, "multiplicity": hop.multiplicity,
             "natoms": len(hop.initial), "reverse_equivalent": hop.reverse_equivalent,
             "n_candidates": len(hops),
             "supercell_cell_A": [float(x) for x in hop.initial.cell.lengths()]},
        host=system, species=species, mechanism="interface hop (film → coating)",
        lattice=None, formation_reference="not applicable (one hop)",
        notes=[f"model: {model_note + ', ' if model_note else ''}"
               f"{len(hop.initial)} atoms in the NEB cell"])


def prepare_endpoint_hop(initial, final, moving_index: int | None = None, label: str = "hop",
                         lattice: Lattice | None = None, reverse_equivalent: bool = False,
                         defect_fraction: float | None = None) -> HopCase:
    """A hop between user-given end points (e.g. an adatom between two hollow sites).

    ``initial``, ``final``: ase.Atoms with the same atoms in the same order (constraints
    kept; the NEB relaxes them). ``moving_index``: the hopping atom; None takes the atom
    displaced most between the end points (minimum image). ``lattice``: the walk the hop
    belongs to (e.g. :func:`~interfacemodel.analysis.diffusion.surface_lattice`); None gives
    hop rates only, no D. ``reverse_equivalent``: the backward hop is the same hop (its
    prefactor is then taken from the forward one when the reaction energy is below 1 meV).
    ``defect_fraction``: c in D (default 1: the diffusivity of the hopping atom itself).
    No formation energy. No calculator work.
    """
    from ase.geometry import find_mic

    if len(initial) != len(final) or list(initial.numbers) != list(final.numbers):
        raise UserInputError(f"initial and final end points must hold the same atoms in the "
                             f"same order: {initial.get_chemical_formula()} "
                             f"({len(initial)} atoms) and {final.get_chemical_formula()} "
                             f"({len(final)} atoms)")
    check_defect_fraction(defect_fraction)
    d, lengths = find_mic(final.positions - initial.positions, initial.cell, initial.pbc)
    if moving_index is None:
        moving_index = int(np.argmax(lengths))
    if not 0 <= int(moving_index) < len(initial):
        raise UserInputError(f"moving_index {moving_index} out of range: {len(initial)} atoms")
    moving_index = int(moving_index)
    length = float(lengths[moving_index])
    if not length > 0:
        raise UserInputError(f"atom {moving_index} does not move between the end points")
    notes = []
    if lattice is not None and abs(lattice.d_A - length) > 0.05 * length:
        notes.append(f"lattice hop length {lattice.d_A:.3f} Å differs from the end points' "
                     f"{length:.3f} Å")
    reference = ("not applicable (given end points): " +
                 ("c = 1, the D of the hopping atom itself" if defect_fraction is None
                  else f"defect fraction given: {defect_fraction:g}"))
    return HopCase(
        kind="endpoints", label=label, initial=initial.copy(), final=final.copy(),
        moving_index=moving_index, reverse_equivalent=bool(reverse_equivalent),
        hop={"label": label, "length_A": length,
             "multiplicity": None if lattice is None else lattice.z,
             "natoms": len(initial), "reverse_equivalent": bool(reverse_equivalent),
             "moving_index": moving_index,
             "supercell_cell_A": [float(x) for x in initial.cell.lengths()]},
        host=initial.get_chemical_formula(), species=initial[moving_index].symbol,
        mechanism=ENDPOINT_MECHANISM, lattice=lattice, defect_fraction=defect_fraction,
        formation_reference=reference, notes=notes)


# ------------------------------------------------- barrier records, measured comparison

def li_self_diffusion_point(host: str | None, species: str | None
                            ) -> tuple[float, float, str] | None:
    """(T_K, D_cm2_per_s, label) of the measured Li self-diffusion
    (:data:`~interfacemodel.analysis.experiment.LI_SELF_DIFFUSION`, NMR at 25 °C) for Li in
    Li, the point an Arrhenius plot (:func:`plot_arrhenius`) sets beside D(T); else None."""
    if (host, species) != ("Li", "Li"):
        return None
    m = experiment.LI_SELF_DIFFUSION
    return (m.T_K, m.value, f"Li self-diffusion, NMR 25 °C ({experiment.SHORT[m.source]})")


def measured_comparison(result: MigrationResult) -> dict[str, Any] | None:
    """For a Li hop in bulk Li: D computed at the temperature of the measured Li
    self-diffusion (:func:`li_self_diffusion_point`) with the record's barrier, lattice,
    attempt frequency and vacancy formation energy, the measured D and their ratio; None
    for other hosts, species or an interface hop."""
    point = li_self_diffusion_point(result.host, result.species)
    if point is None or result.lattice is None:
        return None
    T_m, D_m, label = point
    at_m = diffusivity(result.neb.barrier_forward_eV, T_m, result.lattice,
                       result.attempt_frequency_Hz,
                       formation_energy_eV=result.defect_formation_energy_eV)
    return {"T_K": T_m, "D_measured_cm2_per_s": D_m, "D_computed_cm2_per_s": at_m.D_cm2_per_s,
            "ratio_computed_over_measured": at_m.D_cm2_per_s / D_m, "source": label}


def record_diffusivity(doc: dict[str, Any]):
    """D(T) of a barrier record (:meth:`MigrationResult.to_doc`, e.g. a ``barrier.json``) as
    a function of T (K) -> :class:`~interfacemodel.analysis.diffusion.Diffusivity`: the
    record's barrier, lattice and attempt frequency, its defect fraction where it was given
    (else its formation energy) and its carrier density. None for an interface hop (no
    lattice: rates, no D). A document that is not such a record raises KeyError, TypeError
    or ValueError."""
    import functools

    barrier = doc["neb"]["barrier_forward_eV"]
    lattice = None if doc["lattice"] is None else Lattice(**doc["lattice"])
    nu, e_f = doc["attempt_frequency_Hz"], doc["defect_formation_energy_eV"]
    if lattice is None:
        return None
    first = doc["diffusivities"][0] if doc.get("diffusivities") else None
    given = first is not None and first["defect_fraction_source"] == "given"
    kw = ({"defect_fraction": first["defect_fraction"]} if given
          else {"formation_energy_eV": e_f})
    carriers = first.get("carrier_density_per_cm3") if first is not None else None
    return functools.partial(_diffusivity_at, barrier, lattice, nu, carriers, kw)


def _diffusivity_at(barrier, lattice, nu, carriers, kw, T_K: float) -> Diffusivity:
    return diffusivity(barrier, T_K, lattice, nu, carrier_density_per_cm3=carriers, **kw)


def plot_energy_profile(neb: NEBRecord, path: str | Path, title: str = "") -> Path:
    """NEB energy profile (PNG): image energies against the reaction coordinate."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=120)
    ax.plot(neb.reaction_coordinate_A, neb.image_energies_eV, "o-", color="tab:blue")
    ax.axhline(0.0, color="0.7", lw=0.8)
    s = neb.reaction_coordinate_A[neb.saddle_index]
    ax.annotate(f"{neb.barrier_forward_eV:.3f} eV", (s, neb.barrier_forward_eV),
                textcoords="offset points", xytext=(0, 6), ha="center")
    ax.margins(y=0.15)  # room for the barrier label under the title
    ax.set_xlabel("reaction coordinate (Å)")
    ax.set_ylabel("E − E(initial) (eV)")
    ax.set_title(title or "NEB energy profile")
    fig.tight_layout()
    return _save(fig, path)


def plot_arrhenius(diffs: list[Diffusivity], path: str | Path, title: str = "",
                   measured: tuple[float, float, str] | None = None) -> Path:
    """log10 D against 1000/T (PNG); ``measured`` = (T_K, D_cm2_per_s, label) adds a point."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=120)
    T = np.array([d.T_K for d in diffs])
    D = np.array([d.D_cm2_per_s for d in diffs])
    ax.semilogy(1000.0 / T, D, "o-", label="computed (harmonic TST)")
    if measured is not None:
        ax.semilogy([1000.0 / measured[0]], [measured[1]], "s", color="tab:red",
                    label=measured[2])
    ax.set_xlabel("1000 / T (1/K)")
    ax.set_ylabel("D (cm²/s)")
    ax.set_title(title or "Arrhenius plot")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def _save(fig, path) -> Path:
    import os
    import tempfile

    import matplotlib.pyplot as plt

    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".png", dir=path.parent)
        os.close(fd)
        fig.savefig(tmp)
        os.replace(tmp, path)
    except OSError as exc:  # the place cannot hold the picture: one line naming it
        raise OutputPathError(f"cannot write {str(path)!r}: "
                              f"{exc.strerror or ' '.join(str(exc).split())}") from exc
    finally:
        plt.close(fig)
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return path
