"""The committee's single points at the main model's geometries."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ase import Atoms

from ..analysis.committee import ShortRelaxation
from ..analysis.energetics import BulkReference, interface_energy, surface_energy, work_of_adhesion
from ..analysis.interface_energetics import cleave, reference_potentials
from ..analysis.migration import finish_migration
from ..analysis.segregation import HEADLINE_SITE, ordered_profile
from ..analysis.wetting import LI_MELTING_K, young_dupre
from ..calculators import calculator_provenance
from ..errors import UserInputError
from ..records import Record
from ..run.relax import relax, single_point


@dataclass
class MemberEnergetics(Record):
    """The interface numbers one committee member gives at the main model's geometries (J/m²,
    °); None where the main model's geometries do not allow the number (e.g. no relaxed parts
    kept in an old record).

    With a :class:`ShortRelaxation` (the DFT check): ``forces_eV_per_A`` the member's largest
    free-atom force on each structure at the main model's geometry ('interface', 'film',
    'substrate': the relaxed parts); ``relaxed_values`` the same numbers after the member's
    short relaxation of the structures above the threshold (None: none was above it);
    ``relaxation``: per relaxed structure its steps, final largest force and whether it
    converged."""

    calculator: dict[str, Any]
    values: dict[str, float | None]
    notes: list[str] = field(default_factory=list)
    forces_eV_per_A: dict[str, float] | None = None
    relaxed_values: dict[str, float | None] | None = None
    relaxation: dict[str, dict[str, Any]] | None = None


def member_energetics(calc, *, interface: Atoms, n_interfaces: int, film_bulk: Atoms,
                      substrate_bulk: Atoms, relaxed_parts: Mapping[str, Atoms] | None = None,
                      surfaces: Mapping[str, Atoms] | None = None,
                      extra_mu_eV: Mapping[str, float] | None = None,
                      T_K: float = LI_MELTING_K, short_relax: ShortRelaxation | None = None,
                      workdir: str | Path | None = None) -> MemberEnergetics:
    """W_adh (ideal, relaxed), γ of the parts, γ_int, the contact angle and the free-surface
    energies that ``calc`` gives at the main model's geometries.

    ``interface``: the relaxed interface (``arrays['interface_side']``), cleaved rigidly for
    W_adh(ideal); ``film_bulk`` / ``substrate_bulk``: the main model's relaxed crystals, whose
    single points are this member's bulk references; ``relaxed_parts``: ``{'film', 'substrate'}``
    the main model's parts relaxed alone (W_adh relaxed, γ of the parts, γ_int, θ); ``surfaces``:
    tag → the main model's relaxed free-surface slab. μ: the film-rich limit of this member
    (:func:`~interfacemodel.analysis.interface_energetics.reference_potentials`: μ_Li = its
    energy of the film crystal per atom) plus ``extra_mu_eV``, as the main pipeline.
    Single points only, unless ``short_relax`` is given: then the interface and the relaxed
    parts are also relaxed with ``calc`` where its forces exceed the threshold
    (:class:`ShortRelaxation`; checkpoints under ``workdir``, resumed when run again)."""
    notes: list[str] = []
    refs = {}
    for name, bulk in (("film", film_bulk), ("substrate", substrate_bulk)):
        rec = single_point(bulk, calc, f"committee:bulk-{name}")
        refs[name] = BulkReference.from_energy(bulk, rec.energy_eV, rec.calculator)
    mu, _ = reference_potentials(refs["film"], dict(extra_mu_eV or {}))
    short = short_relax if relaxed_parts else None  # only the relaxed numbers use it
    recs, relaxed = {}, {}

    def point(key: str, atoms: Atoms, label: str):
        rec = single_point(atoms, calc, label, forces=short is not None)
        if short is not None:
            recs[key] = rec
            if rec.fmax_reached_eV_per_A > short.above_eV_per_A:
                # now, while the calculator holds this structure's converged SCF
                relaxed[key] = _short_relax(calc, short, atoms, key, workdir)
        return rec

    parts = {key: point(key, relaxed_parts[key], f"committee:{key}-relaxed")
             for key in ("film", "substrate")} if relaxed_parts else {}
    rec_ab = point("interface", interface, "committee:interface")
    film, sub = cleave(interface)
    rec_f0 = single_point(film, calc, "committee:film-cleaved")
    rec_s0 = single_point(sub, calc, "committee:substrate-cleaved")
    values: dict[str, float | None] = {
        "w_adh_ideal_J_per_m2": work_of_adhesion(rec_ab, rec_f0, rec_s0, n_interfaces,
                                                 "ideal").w_adh_J_per_m2}
    result = MemberEnergetics(rec_ab.calculator, values, notes)
    if relaxed_parts:
        values.update(_relaxed_numbers({"interface": rec_ab, **parts}, refs, mu, n_interfaces,
                                       T_K, notes))
        if short is not None:
            _short_summary(short, recs, relaxed, refs, mu, n_interfaces, T_K, result)
    else:
        notes.append("no relaxed parts in the record: W_adh(relaxed), γ_int and θ not "
                     "recomputed")
    for tag, slab in (surfaces or {}).items():
        formula = tag.split("(", 1)[0]
        ref = next((r for r in refs.values() if r.formula == formula), None)
        if ref is None:
            continue
        rec = single_point(slab, calc, f"committee:slab:{tag}")
        try:
            values[f"gamma_surface_J_per_m2[{tag}]"] = surface_energy(rec, ref, mu).gamma_J_per_m2
        except UserInputError as exc:
            notes.append(f"γ {tag} not recomputed: {exc}")
    return result


def _relaxed_numbers(recs, refs, mu, n_interfaces: int, T_K: float, notes: list[str],
                     short: bool = False) -> dict[str, float]:
    """W_adh relaxed, θ, γ of the parts and γ_int from the records of the interface and its
    relaxed parts (``recs``: 'interface', 'film', 'substrate'); ``short``: records of a short
    relaxation, not converged by design (each one's state is in the member's notes)."""
    w = work_of_adhesion(recs["interface"], recs["film"], recs["substrate"], n_interfaces,
                         "relaxed", allow_unconverged=short)
    out = {"w_adh_relaxed_J_per_m2": w.w_adh_J_per_m2,
           "contact_angle_deg": young_dupre(w.w_adh_J_per_m2, T_K=T_K).theta_deg}
    try:
        g_f = surface_energy(recs["film"], refs["film"], mu, allow_unconverged=short)
        g_s = surface_energy(recs["substrate"], refs["substrate"], mu, allow_unconverged=short)
        out.update(gamma_film_as_cut_J_per_m2=g_f.gamma_J_per_m2,
                   gamma_coating_as_cut_J_per_m2=g_s.gamma_J_per_m2,
                   gamma_int_J_per_m2=interface_energy(w, g_f, g_s).gamma_int_J_per_m2)
    except UserInputError as exc:  # an off-stoichiometric part needs more μ
        notes.append(f"γ_int not recomputed: {exc}")
    return out


def _short_relax(calc, settings: ShortRelaxation, atoms: Atoms, key: str, workdir):
    """One structure's :class:`ShortRelaxation` (checkpointed under ``workdir``)."""
    checkpoint = None if workdir is None else Path(workdir) / f"short-relax-{key}"
    return relax(atoms, calc, fmax=settings.fmax_eV_per_A, steps=settings.steps,
                 checkpoint=checkpoint, label=f"committee:{key}-short-relax")[1]


def _short_summary(settings: ShortRelaxation, recs: dict, relaxed: dict, refs, mu,
                   n_interfaces: int, T_K: float, result: MemberEnergetics) -> None:
    """The forces, the relaxations and the numbers after them, filled into ``result``."""
    result.forces_eV_per_A = {k: float(recs[k].fmax_reached_eV_per_A)
                              for k in ("interface", "film", "substrate")}
    if not relaxed:
        result.notes.append(
            f"largest force at the main model's geometries "
            f"{max(result.forces_eV_per_A.values()):.3f} eV/Å ≤ {settings.above_eV_per_A} "
            f"eV/Å: no relaxation")
        return
    result.relaxation = {
        k: {"steps": rec.steps, "converged": rec.converged,
            "fmax_before_eV_per_A": result.forces_eV_per_A[k],
            "fmax_after_eV_per_A": rec.fmax_reached_eV_per_A,
            "energy_change_eV": rec.energy_eV - recs[k].energy_eV}
        for k, rec in relaxed.items()}
    result.relaxed_values = _relaxed_numbers({**recs, **relaxed}, refs, mu, n_interfaces, T_K,
                                             result.notes, short=True)
    result.notes.append(
        "relaxed with this calculator for at most "
        f"{settings.steps} steps (forces above {settings.above_eV_per_A} eV/Å): "
        + "; ".join(f"{k} {v['fmax_before_eV_per_A']:.3f} → {v['fmax_after_eV_per_A']:.3f} eV/Å "
                    f"in {v['steps']} steps, ΔE {v['energy_change_eV']:+.3f} eV"
                    for k, v in result.relaxation.items()))


def member_values(energetics: MemberEnergetics | None = None, reaction=None,
                  migration: Mapping[str, Any] | None = None) -> dict[str, float]:
    """One member's numbers by the report's value names: its :class:`MemberEnergetics`, its
    :class:`~interfacemodel.analysis.reactivity.ReactionWithLi` (or None) and migration
    numbers already named (:func:`member_migration`)."""
    out: dict[str, float] = {}
    if energetics is not None:
        out.update({k: v for k, v in energetics.values.items() if v is not None})
    if reaction is not None:
        out["reaction_meV_per_atom"] = reaction.reaction_energy_meV_per_atom
        if reaction.reaction_energy_eV_per_Li is not None:
            out["reaction_eV_per_Li"] = reaction.reaction_energy_eV_per_Li
    out.update(migration or {})
    return out


def member_migration(calc, case, neb, initial: Atoms, saddle: Atoms, final: Atoms, prefactors,
                     host_bulk: Atoms | None = None, species_bulk: Atoms | None = None,
                     temperatures_K=(300.0,), intrinsic=None):
    """A hop's record as ``calc`` gives it at the main model's geometries: single points of
    the NEB's relaxed end points and saddle image (barriers, forward and backward), and, for a
    bulk vacancy or interstitial hop, the formation energy against this member's single points
    of the main model's relaxed host crystal (``host_bulk``, the perfect supercell's energy per
    atom) and reservoir crystal (``species_bulk``, μ). The attempt frequencies are the main
    model's (``prefactors``): the member's D differs through E_m and E_f only. A solute hop's
    perfect cell was relaxed inside the main pipeline and not kept: its member record keeps
    the main model's defect reference (noted). ``intrinsic``: the main model's
    :class:`~interfacemodel.analysis.intrinsic.IntrinsicDisorder` (an ionic host): this
    member's pair energy from single points of its relaxed pair cell and perfect cell sets the
    carrier fraction. Returns a
    :class:`~interfacemodel.analysis.migration.MigrationResult`
    (:func:`~interfacemodel.analysis.migration.finish_migration`)."""
    recs = {tag: single_point(atoms, calc, f"committee:{tag}")
            for tag, atoms in (("initial", initial), ("saddle", saddle), ("final", final))}
    e = {tag: rec.energy_eV for tag, rec in recs.items()}
    endpoints = {tag: recs[tag] for tag in ("initial", "final")}
    images = list(neb.image_energies_eV)
    images[0], images[neb.saddle_index], images[-1] = e["initial"], e["saddle"], e["final"]
    member_neb = dataclasses.replace(
        neb, barrier_forward_eV=e["saddle"] - e["initial"],
        barrier_backward_eV=e["saddle"] - e["final"], reaction_energy_eV=e["final"] - e["initial"],
        image_energies_eV=images, endpoints=endpoints, calculator=recs["saddle"].calculator)
    changes: dict[str, Any] = {"notes": list(case.notes) + [
        "committee member: single points at the main model's end points and saddle; attempt "
        "frequencies of the main model"]}
    if case.defect is not None and case.solute is None and host_bulk is not None:
        sign = 1 if case.defect == "vacancy" else -1
        n_perfect = len(case.initial) + sign
        e_host = single_point(host_bulk, calc, "committee:host").energy_eV / len(host_bulk)
        changes["perfect_energy_eV"] = e_host * n_perfect
        if species_bulk is not None:
            changes["chemical_potential_eV"] = (
                single_point(species_bulk, calc, "committee:reservoir").energy_eV
                / len(species_bulk))
        elif case.host == case.defect_species:
            changes["chemical_potential_eV"] = e_host
    elif case.defect is not None:  # no perfect cell of this member: the main model's E_f
        changes["notes"].append("committee member: formation energy of the main model (its "
                                "perfect cell was not kept)")
        main_initial = neb.endpoints["initial"].energy_eV
        changes["perfect_energy_eV"] = case.perfect_energy_eV + (e["initial"] - main_initial)
    if min(member_neb.barrier_forward_eV, member_neb.barrier_backward_eV) < 0:
        # the main model's end point lies above its saddle for this member: the member's
        # barrier (negative) joins the spread, but it defines no hop rate, so no D of its own
        changes["lattice"] = None
        changes["notes"].append(
            f"committee member: at the main model's geometries an end point lies above the "
            f"saddle (forward {member_neb.barrier_forward_eV:+.3f} eV, backward "
            f"{member_neb.barrier_backward_eV:+.3f} eV): that end point is not a minimum "
            f"for this member; no D from it")
    member_case = dataclasses.replace(case, **changes)
    member_pair = None
    if intrinsic is not None and intrinsic.defective is not None \
            and intrinsic.perfect is not None:
        e_def = single_point(intrinsic.defective, calc, "committee:pair").energy_eV
        e_perf = single_point(intrinsic.perfect, calc, "committee:pair-perfect").energy_eV
        member_pair = dataclasses.replace(
            intrinsic, pair_energy_eV=intrinsic.pair_energy_from(e_def, e_perf),
            calculator=recs["saddle"].calculator, defective=None, perfect=None)
    return finish_migration(member_case, member_neb, prefactors, recs["saddle"].calculator,
                            temperatures_K=temperatures_K, intrinsic=member_pair)


def member_segregation(calc, result):
    """A segregation result as ``calc`` gives it at the main model's relaxed cells: single
    points of every site (``result.geometries``), each segregation energy E(site) − E(middle)
    of the same cell (eV, negative: the solute prefers the site). Returns a copy of the main
    model's :class:`~interfacemodel.analysis.segregation.SegregationResult` with this
    member's energies, profile and calculator; a result that kept no geometries (written
    before they were kept): None."""
    if not result.geometries:
        return None
    energies = {key: single_point(atoms, calc, f"committee:{key}").energy_eV
                for key, atoms in result.geometries.items()}
    profile, values = {}, {"surface": None, "interface": None}
    for key, energy in energies.items():
        what, site = key.split(":", 1)
        middle = energies.get(f"{what}:middle")
        if site == "middle" or middle is None or energy is None:
            continue
        profile[f"{what} {site}"] = float(energy - middle)
        if site == HEADLINE_SITE[what]:
            values[what] = profile[f"{what} {site}"]
    if any(k.endswith(":middle") for k in energies):
        profile["middle"] = 0.0
    profile = ordered_profile(profile)
    return dataclasses.replace(result, surface_eV=values["surface"],
                               interface_eV=values["interface"], profile_eV=profile,
                               calculator=calculator_provenance(calc), records={},
                               notes=[*result.notes, "committee member: single points of the "
                                      "main model's relaxed cells"])
