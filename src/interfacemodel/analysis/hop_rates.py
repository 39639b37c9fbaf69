"""A hop's numbers from its energies: the formation energy, the carrier fraction, the
rates and D(T) and σ of harmonic transition-state theory, assembled into the
:class:`~interfacemodel.analysis.migration.MigrationResult` (:func:`finish_migration`),
and the hop's one evaluation from any calculator's energies at its points
(:func:`evaluate_migration`); D at other temperatures from a record."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from typing import Any

from ..calculators import calculator_provenance
from ..errors import UserInputError
from ..run.neb import NEBRecord
from . import experiment
from .diffusion import FALLBACK_ATTEMPT_FREQUENCY_HZ, Diffusivity, Lattice, diffusivity, hop_rate
from .intrinsic import IntrinsicDisorder
from .migration import (
    INTERSTITIAL_MECHANISMS,
    LITERATURE_BARRIERS,
    HopCase,
    MigrationResult,
    NEBProduct,
    Prefactors,
    _band_notes,
    _say,
)


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


def _at_energies(case: HopCase, neb: NEBRecord, intrinsic: IntrinsicDisorder | None,
                 E: Mapping[str, Any], calculator: dict[str, Any]):
    """The hop's case, band record and intrinsic disorder at the energies ``E`` of one
    calculator: barriers from its end points and saddle, E_f from its host (or solute
    perfect cell) and reservoir crystals, the pair energy from its pair cells. A formation
    energy whose crystals ``E`` lacks is not formed (the record then has no E_f, carriers
    or D: a barriers-only evaluation)."""
    e = {k: E[f"band/{k}"].energy_eV for k in ("initial", "saddle", "final")}
    images = list(neb.image_energies_eV)
    images[0], images[neb.saddle_index], images[-1] = \
        0.0, e["saddle"] - e["initial"], e["final"] - e["initial"]
    neb = dataclasses.replace(
        neb, barrier_forward_eV=e["saddle"] - e["initial"],
        barrier_backward_eV=e["saddle"] - e["final"], reaction_energy_eV=e["final"] - e["initial"],
        image_energies_eV=images, endpoints={k: E[f"band/{k}"] for k in ("initial", "final")},
        calculator=calculator)
    changes: dict[str, Any] = {"notes": list(case.notes)}
    if case.defect is not None:
        published = set(case.structures)
        missing = False
        if "perfect" in published:  # a solute hop's perfect cell
            missing |= "hop/perfect" not in E
            if "hop/perfect" in E:
                changes["perfect_energy_eV"] = E["hop/perfect"].energy_eV
        elif "host" in published and case.solute is None:
            missing |= "hop/host" not in E
            if "hop/host" in E:
                n_perfect = len(case.initial) + (1 if case.defect == "vacancy" else -1)
                changes["perfect_energy_eV"] = E["hop/host"].energy_eV / E["hop/host"].natoms \
                    * n_perfect
        mu = "hop/reservoir" if "reservoir" in published else \
            "hop/host" if "host" in published and case.host == case.defect_species else None
        if mu is not None:
            missing |= mu not in E
            if mu in E:
                changes["chemical_potential_eV"] = E[mu].energy_eV / E[mu].natoms
        if missing:  # structures published but not evaluated here (a barriers-only check)
            changes.update(defect=None, lattice=None, formation_reference="not evaluated",
                           perfect_energy_eV=None, chemical_potential_eV=None)
            changes["notes"].append("barriers only: no energies at the host crystals here, "
                                    "so no formation energy, carriers or D")
    if min(neb.barrier_forward_eV, neb.barrier_backward_eV) < 0:
        # the structures' end point lies above their saddle for this calculator: a barrier
        # (negative) that joins the spread, but no hop rate, so no D
        changes["lattice"] = None
        changes["notes"].append(
            f"at these geometries an end point lies above the saddle (forward "
            f"{neb.barrier_forward_eV:+.3f} eV, backward {neb.barrier_backward_eV:+.3f} eV): "
            f"that end point is not a minimum for this calculator; no D from it")
    if intrinsic is not None and "intrinsic/pair" in E and "intrinsic/pair-perfect" in E:
        intrinsic = dataclasses.replace(
            intrinsic, pair_energy_eV=intrinsic.pair_energy_from(
                E["intrinsic/pair"].energy_eV, E["intrinsic/pair-perfect"].energy_eV),
            calculator=calculator)
    elif intrinsic is not None:
        intrinsic = None
        changes["notes"].append("no energies of the intrinsic pair cells here: carriers not "
                                "from the intrinsic disorder")
    return dataclasses.replace(case, **changes), neb, intrinsic


def evaluate_migration(energies: Mapping[str, Any], calculator: dict[str, Any], *, name: str,
                       hop: HopCase, band: NEBProduct, prefactors: Prefactors,
                       temperatures_K, intrinsic: IntrinsicDisorder | None = None,
                       allow_unconverged: bool = False) -> MigrationResult:
    """The hop's :class:`MigrationResult` from one calculator's ``energies`` at its points
    (``band/initial``, ``band/saddle``, ``band/final``; ``hop/host``, ``hop/reservoir`` and,
    for a solute hop, ``hop/perfect``; ``intrinsic/pair`` and ``intrinsic/pair-perfect``):
    its barriers, formation energy, carrier fraction, D(T) and σ with the attempt
    frequencies of ``prefactors`` (the campaign calculator's Vineyard modes;
    :func:`finish_migration`). The campaign's calculator calls it with the energies of its
    NEB and relaxations, another calculator with its single points there."""
    case, neb, pair = _at_energies(hop, band.neb, intrinsic, energies, calculator)
    return finish_migration(case, neb, prefactors, calculator, temperatures_K=temperatures_K,
                            intrinsic=pair)


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
