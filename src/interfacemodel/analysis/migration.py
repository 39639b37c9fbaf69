"""Migration end to end: hop -> NEB -> Vineyard prefactor -> hop rates and D(T).

* :func:`vacancy_migration`: a vacancy hop of ``species`` in a bulk host (Li, LiF, Li2Se, Li2O,
  LLZO, ...; the hop from :func:`~interfacemodel.build.defects.vacancy_hops`), or with
  ``solute`` a solute–vacancy exchange (Mg in bcc Li: the Mg atom jumps into a neighbouring
  vacancy). The defect fraction comes from the computed vacancy formation energy (Li-rich
  limit) or is given.
* :func:`interface_migration`: a hop from the Li film's last layer into the coating's first
  layer of a named interface (``li-lif``, ``li-li2se``; :func:`~interfacemodel.build.defects.
  interface_hops`), forward and backward rates; no D (one crossing is not a lattice walk).

Attempt frequencies: the Vineyard ratio ν* = Π ν(minimum) / Π' ν(saddle) from the full-cell
Γ modes (phonopy) for cells up to :data:`~interfacemodel.run.phonons.FULL_CELL_MAX_ATOMS` atoms,
else from the partial Hessian of the hopping atom and its neighbours; the 10¹³ Hz fallback is
used, and marked, when the phonons are skipped or the relaxed end point is not a minimum.
Energies eV, lengths Å, D cm²/s, rates 1/s. Library layer: no FireWorks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..calculators import calculator_provenance
from ..errors import UserInputError
from ..records import package_versions
from ..run.neb import DEFAULT_NEB_OPTIMIZER, NEBRecord, run_neb
from .diffusion import (
    FALLBACK_ATTEMPT_FREQUENCY_HZ,
    Diffusivity,
    Lattice,
    bcc_vacancy,
    diffusivity,
    hop_rate,
)

#: correlation factors of vacancy diffusion (Compaan & Haven 1956) by lattice
CORRELATION_FACTORS = {"bcc": 0.727, "fcc": 0.781}
#: symmetry tolerance of the host cell (Å): lattice type and Wyckoff sites of the hop
HOST_SYMPREC_A = 1e-3
#: NEB end points are relaxed this tightly: a looser minimum can show spurious imaginary modes
ENDPOINT_FMAX = 0.005
#: neighbours of the hopping atom displaced in a partial-Hessian prefactor (Å)
PHONON_CUTOFF_A = 3.5
#: literature barriers the record sets beside the computed one (eV, source)
LITERATURE_BARRIERS = {
    ("Li2Se", "Li"): ((0.2, 0.3), "Li migration energy in Li2X (X = S, Se, Te), DFT, cited by "
                                  "Park et al., Adv. Sci. 2021 (experimental-context.md)"),
}


@dataclass
class MigrationResult:
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


@dataclass
class _Band:
    images: list
    neb: NEBRecord
    nu_Hz: float | None
    nu_note: str
    nu_backward_Hz: float | None
    saddle_imaginary_modes: int | None
    notes: list[str]


def _band_and_prefactor(hop, calc, n_images, fmax, phonons, workdir, say,
                        phonon_cutoff_A: float = PHONON_CUTOFF_A,
                        optimizer: str | None = None) -> _Band:
    """NEB of ``hop`` (end points relaxed to :data:`ENDPOINT_FMAX`) and the Vineyard
    prefactors of the forward hop and, when the hop is not symmetric, the backward one."""
    from ..run.phonons import FULL_CELL_MAX_ATOMS, neighbourhood, vineyard_prefactor

    say(f"NEB {hop.label}: {len(hop.initial)} atoms, {n_images} images")
    images, neb = run_neb(hop.initial, hop.final, calc, n_images=n_images, fmax=fmax,
                          endpoint_fmax=min(ENDPOINT_FMAX, fmax / 2),
                          optimizer=optimizer or DEFAULT_NEB_OPTIMIZER,
                          checkpoint=None if workdir is None else Path(workdir) / "neb")
    notes = list(neb.flags)
    if not neb.converged:
        notes.append("NEB not converged: the barrier is not a converged number")
    band = _Band(images, neb, None, "not computed: 1e13 Hz fallback", None, None, notes)
    if not phonons:
        return band
    saddle = images[neb.saddle_index]
    indices = None if len(saddle) <= FULL_CELL_MAX_ATOMS else \
        neighbourhood(images[0], hop.moving_index, phonon_cutoff_A)
    what = "Γ modes of the cell" if indices is None else \
        f"partial Hessian of {len(indices)} atoms"
    ends = [("forward", images[0])]
    if not hop.reverse_equivalent or abs(neb.reaction_energy_eV) > 1e-3:
        ends.append(("backward", images[-1]))
    for direction, minimum in ends:
        say(f"{what}: {direction} minimum and saddle")
        try:
            vib = vineyard_prefactor(minimum, saddle, calc, indices=indices)
        except UserInputError as exc:  # the relaxed end point is not a minimum
            notes.append(f"Vineyard prefactor ({direction}) not formed: {exc}")
            if direction == "forward":
                band.nu_note = f"not computed ({exc}): 1e13 Hz fallback"
            continue
        band.saddle_imaginary_modes = vib.saddle_modes.n_imaginary
        if direction == "forward":
            band.nu_Hz, band.nu_note = vib.nu_Hz, f"Vineyard, {vib.method}"
        else:
            band.nu_backward_Hz = vib.nu_Hz
        notes += [n for n in vib.notes if n not in notes]
    return band


def _rates(neb: NEBRecord, temps, nu, nu_back) -> list[dict[str, float]]:
    fwd = nu if nu is not None else FALLBACK_ATTEMPT_FREQUENCY_HZ
    back = nu_back if nu_back is not None else fwd
    return [{"T_K": T, "forward_per_s": hop_rate(max(neb.barrier_forward_eV, 0.0), T, fwd),
             "backward_per_s": hop_rate(max(neb.barrier_backward_eV, 0.0), T, back)}
            for T in temps]


def _temperatures(temperatures_K) -> list[float]:
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


def vacancy_migration(host, calc, species: str = "Li", **kwargs) -> MigrationResult:
    """:func:`bulk_migration` of a vacancy hop (``solute`` for a solute–vacancy exchange)."""
    return bulk_migration(host, calc, species=species, mechanism="vacancy", **kwargs)


def interstitial_migration(host, calc, species: str = "Li", **kwargs) -> MigrationResult:
    """:func:`bulk_migration` of a direct interstitial hop (void to void)."""
    return bulk_migration(host, calc, species=species, mechanism="interstitial", **kwargs)


BULK_MECHANISMS = ("vacancy", "interstitial")


def bulk_migration(
    host,
    calc,
    species: str = "Li",
    mechanism: str = "vacancy",
    temperatures_K=(300.0,),
    hop_index: int = 0,
    supercell=None,
    n_images: int = 5,
    fmax: float = 0.03,
    phonons: bool = True,
    li_metal_energy_eV: float | None = None,
    solute: str | None = None,
    defect_fraction: float | None = None,
    optimizer: str | None = None,
    workdir: str | Path | None = None,
    progress=None,
) -> MigrationResult:
    """Barrier, attempt frequency and D(T) of the ``hop_index``-th hop of ``species``.

    ``host``: catalogue name or ase.Atoms (conventional cell). ``mechanism``: 'vacancy'
    (hops from :func:`~interfacemodel.build.defects.vacancy_hops`) or 'interstitial' (direct
    void-to-void hops from :func:`~interfacemodel.build.defects.interstitial_hops`, f = 1).
    ``solute`` (vacancy only; e.g. 'Mg' in Li): the moving atom is replaced by the solute in
    both end points, so the hop is the solute–vacancy exchange.

    Defect fraction c: ``defect_fraction`` when given (e.g. a non-stoichiometric coating);
    otherwise exp(−E_f/k_B T) with E_f = E(cell with vacancy) − E(perfect cell) + μ_species
    or E_f = E(cell with interstitial) − E(perfect cell) − μ_species, μ from bcc Li
    (``li_metal_energy_eV`` per atom, computed with ``calc`` when not given). A negative
    interstitial E_f (the host takes up Li from the metal) gives c = 1, noted. For a
    solute hop the perfect cell holds the solute and E_f is that of a vacancy next to it
    (the solute–vacancy binding included). In an ionic host the defect is neutral: it stands
    for V_Li' + hole or Li_i• + electron (noted). Nernst–Einstein σ uses the ``species`` density of the
    host as carrier density (Haven ratio 1), for non-metallic hosts only. ``workdir``
    checkpoints the NEB.
    """
    from ..build.defects import interstitial_hops, symmetry_dataset, vacancy_hops
    from ..run.relax import relax
    from .interface_energetics import bulk_reference

    start = time.perf_counter()
    temps = _temperatures(temperatures_K)
    if mechanism not in BULK_MECHANISMS:
        raise UserInputError(f"mechanism={mechanism!r}; accepted: {', '.join(BULK_MECHANISMS)}")
    if solute is not None and mechanism != "vacancy":
        raise UserInputError("a solute hop is a solute–vacancy exchange: mechanism='vacancy'")
    if defect_fraction is not None and not 0 < defect_fraction <= 1:
        raise UserInputError(f"defect_fraction={defect_fraction} must be in (0, 1]")
    if solute is not None:
        from ase.data import atomic_numbers

        if solute not in atomic_numbers:
            raise UserInputError(f"solute {solute!r} is not an element symbol")
        if solute == species:
            raise UserInputError(f"solute {solute!r} must differ from the host species")
    say = progress or (lambda msg: None)
    say("relax host")
    host_atoms, ref, _ = bulk_reference(host, calc)
    builder = vacancy_hops if mechanism == "vacancy" else interstitial_hops
    hops = builder(host_atoms, species=species, supercell=supercell)
    if not 0 <= hop_index < len(hops):
        raise UserInputError(f"hop_index {hop_index} out of range: {len(hops)} distinct hops "
                             f"({'; '.join(h.label for h in hops)})")
    hop = hops[hop_index]
    dataset = symmetry_dataset(host_atoms, HOST_SYMPREC_A)
    if mechanism == "vacancy":
        wyckoff = _wyckoff_sites(dataset)
        sites = f"{wyckoff[hop.from_site]} → {wyckoff[hop.to_site]}"
    else:
        sites = hop.label.split(" ")[0]  # e.g. 'i(8c)->i(8c)'
    mover = species
    notes: list[str] = []
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
    band = _band_and_prefactor(hop, calc, n_images, fmax, phonons, workdir, say,
                               optimizer=optimizer)
    neb, nu = band.neb, band.nu_Hz
    notes += band.notes

    sign = 1 if mechanism == "vacancy" else -1  # the species goes to / comes from Li metal
    n_host = len(hop.initial) + sign  # the perfect supercell
    e_defect = neb.endpoints["initial"].energy_eV if neb.endpoints else \
        band.images[0].get_potential_energy()
    if perfect is not None:
        say(f"relax the perfect cell with the {solute} solute")
        _, rec = relax(perfect, calc, fmax=ENDPOINT_FMAX)
        e_perfect = rec.energy_eV
    else:
        e_perfect = ref.per_atom_eV() * n_host
    if li_metal_energy_eV is None:
        li_metal_energy_eV = (ref.per_atom_eV() if ref.formula == species
                              else bulk_reference(species, calc)[1].per_atom_eV())
    e_f = e_defect - e_perfect + sign * li_metal_energy_eV
    ionic = ref.formula != species
    if ionic:
        charged = "V_Li' + hole" if mechanism == "vacancy" else "Li_i• + electron"
        notes.append(f"neutral {mechanism} in an ionic host: E_f stands for {charged}, a model "
                     f"of the charged defect")
    fraction, fraction_note = defect_fraction, (
        "" if defect_fraction is None else f"; defect fraction given: {defect_fraction:g}")
    if mechanism == "vacancy":
        lattice = _lattice_for(dataset, host_atoms, hop)
    else:
        lattice = Lattice(f"direct interstitial hop {hop.label}", hop.multiplicity,
                          hop.length_A, 1.0, "hop multiplicity and length; direct "
                          "interstitial hops are uncorrelated: f = 1")
        if not hop.reverse_equivalent:
            notes.append("hop between inequivalent sites: D from this one hop is only an "
                         "estimate (the walk needs the reverse hop too; see hop_rates)")
        if e_f < 0 and defect_fraction is None:
            notes.append(f"interstitial formation energy {e_f:.3f} eV < 0 against Li metal: "
                         f"the host takes up Li; c = 1 used")
            fraction, fraction_note = 1.0, "; c = 1 (E_f < 0)"
    if solute is not None:
        mechanism = "solute–vacancy exchange"
        lattice = Lattice(f"{solute} in {ref.formula}, solute–vacancy exchange", lattice.z,
                          lattice.d_A, 1.0, "nearest-neighbour exchange; solute correlation "
                          "factor (five-frequency model) not computed: f = 1")
        notes.append(f"D of {solute}: one exchange barrier with f = 1 and c_v of a vacancy "
                     f"next to {solute}; the five-frequency model is not evaluated")
    carriers = _carrier_density_per_cm3(host_atoms, species) if ionic else None
    carriers = carriers or None  # a species the host does not hold: no σ
    kw = ({"defect_fraction": fraction} if fraction is not None
          else {"formation_energy_eV": e_f})
    diffs = [diffusivity(neb.barrier_forward_eV, T, lattice, attempt_frequency_Hz=nu,
                         carrier_density_per_cm3=carriers, **kw) for T in temps]
    if carriers is not None:
        notes.append(f"σ (Nernst–Einstein) with the {species} density of the host, "
                     f"{carriers:.3e} /cm³, as carrier density and D as computed "
                     f"(defect fraction included), Haven ratio 1")
    return MigrationResult(
        host=ref.formula, species=mover, mechanism=mechanism,
        hop={"label": hop.label, "length_A": hop.length_A, "multiplicity": hop.multiplicity,
             "natoms": len(hop.initial), "reverse_equivalent": hop.reverse_equivalent,
             "wyckoff_sites": sites,
             "supercell_cell_A": [float(x) for x in hop.initial.cell.lengths()]},
        neb=neb, attempt_frequency_Hz=nu, attempt_frequency_note=band.nu_note,
        saddle_imaginary_modes=band.saddle_imaginary_modes,
        defect_formation_energy_eV=float(e_f),
        formation_reference=(f"μ_{species} = {li_metal_energy_eV:.4f} eV/atom (bcc Li, same "
                             f"calculator){fraction_note}"),
        lattice=lattice, diffusivities=diffs,
        hop_rates=_rates(neb, temps, nu, band.nu_backward_Hz),
        calculator=calculator_provenance(calc), wall_time_s=time.perf_counter() - start,
        attempt_frequency_backward_Hz=band.nu_backward_Hz,
        literature_barrier=(_literature(ref.formula, mover, neb.barrier_forward_eV)
                            if mechanism == "vacancy" else None),  # the range is for vacancies
        notes=notes,
    )


def interface_migration(
    system: str,
    calc,
    species: str = "Li",
    temperatures_K=(300.0,),
    hop_index: int = 0,
    n_images: int = 5,
    fmax: float = 0.05,
    phonons: bool = True,
    model_index: int = 0,
    relax_fmax: float = 0.05,
    supercell=None,
    optimizer: str | None = None,
    layer_tolerance_A: float = 0.6,
    workdir: str | Path | None = None,
    progress=None,
) -> MigrationResult:
    """A ``species`` hop from the Li film's last layer into the coating's first layer.

    The named system's slab model ``model_index`` (:func:`~interfacemodel.build.systems.
    build_system`, its FixAtoms kept) is relaxed with ``calc`` first; the hops come from
    :func:`~interfacemodel.build.defects.interface_hops` on the relaxed interface (layers
    clustered within ``layer_tolerance_A``, 0.6 Å: a relaxed LiF(100) plane facing Li rumples
    into F and Li sub-planes more than the builders' 0.3 Å apart), and the ``hop_index``-th
    one (sorted by length) is run. The record gives the forward (film →
    coating) and backward barriers and rates; the reaction energy is the energy of moving
    the vacancy from the coating into the Li film.
    """
    from ..build.defects import interface_hops
    from ..build.systems import build_system
    from ..run.relax import relax

    start = time.perf_counter()
    temps = _temperatures(temperatures_K)
    say = progress or (lambda msg: None)
    models = build_system(system)
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
    hops = interface_hops(relaxed, species=species, supercell=supercell,
                          layer_tolerance_A=layer_tolerance_A)
    if not 0 <= hop_index < len(hops):
        raise UserInputError(f"hop_index {hop_index} out of range: {len(hops)} interface hops")
    hop = hops[hop_index]
    band = _band_and_prefactor(hop, calc, n_images, fmax, phonons,
                               None if workdir is None else Path(workdir) / f"hop{hop_index}", say,
                               optimizer=optimizer)
    neb = band.neb
    notes = band.notes + [
        f"model: {model.film}{model.film_miller} on {model.substrate}{model.substrate_miller}, "
        f"termination {model.termination}, {len(hop.initial)} atoms in the NEB cell"]
    return MigrationResult(
        host=system, species=species, mechanism="interface hop (film → coating)",
        hop={"label": hop.label, "length_A": hop.length_A, "multiplicity": hop.multiplicity,
             "natoms": len(hop.initial), "reverse_equivalent": hop.reverse_equivalent,
             "n_candidates": len(hops),
             "supercell_cell_A": [float(x) for x in hop.initial.cell.lengths()]},
        neb=neb, attempt_frequency_Hz=band.nu_Hz, attempt_frequency_note=band.nu_note,
        saddle_imaginary_modes=band.saddle_imaginary_modes,
        defect_formation_energy_eV=None, formation_reference="not applicable (one hop)",
        lattice=None, diffusivities=[],
        hop_rates=_rates(neb, temps, band.nu_Hz, band.nu_backward_Hz),
        calculator=calculator_provenance(calc), wall_time_s=time.perf_counter() - start,
        attempt_frequency_backward_Hz=band.nu_backward_Hz, notes=notes,
    )


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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp)
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        Path(tmp).unlink(missing_ok=True)
    return path
