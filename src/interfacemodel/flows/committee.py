"""The committee's jobs, declared once: each member re-evaluates the main model's geometries.

For every interface of a campaign and every committee member (a calculator spec other than
the campaign's), one job evaluates the member's single points on the main pipeline's
products (the relaxed interface, its cleaved and relaxed parts, the relaxed free-surface
slabs, the relaxed crystals): :func:`~interfacemodel.procedures.committee.member_energetics`.
For the coating's reaction with Li a member takes single points of the main model's relaxed
coating and Li crystals and relaxes the competing phases itself: they are small crystals, and
the main pipeline keeps no geometry of them.

For every barrier, one job per member evaluates the NEB's relaxed end points and saddle image
and the host and reservoir crystals (:func:`~interfacemodel.procedures.committee.member_migration`):
the member's barriers, formation energy and D with the main model's attempt frequencies.
For every segregation entry, one job per member evaluates the relaxed cell of each solute
site (:func:`~interfacemodel.procedures.committee.member_segregation`).
"""

from __future__ import annotations

from typing import Any

from jobflow import Job

from ..analysis.committee import ShortRelaxation
from ..analysis.energetics import BulkReference
from ..analysis.interface_energetics import AdhesionStep, EnergeticsSettings
from ..analysis.intrinsic import IntrinsicDisorder
from ..analysis.migration import HopCase, MigrationResult, Prefactors
from ..analysis.segregation import SegregationResult
from ..models.systems import system_recipe
from ..procedures.committee import (
    MemberEnergetics,
    member_energetics,
    member_migration,
    member_segregation,
)
from ..procedures.interfaces import coating_reaction
from ..run.relax import single_point
from .context import finish, say, step_calculator, workdir
from .energetics import BulkProduct, InterfaceProduct, ReactionProduct, SurfacesProduct
from .identity import step_job
from .migration import NEBProduct


def committee_energetics_step(system: str, settings: EnergeticsSettings,
                              interface: InterfaceProduct, film: BulkProduct,
                              substrate: BulkProduct, parts: AdhesionStep, calculator: str,
                              surfaces: SurfacesProduct | None = None,
                              short_relax: ShortRelaxation | None = None) -> MemberEnergetics:
    """One member's W_adh, γ, γ_int and θ at the main model's geometries (single points; and
    the member's short relaxation where its forces disagree, with ``short_relax``)."""
    system = system + interface.tag  # a second model of the system: named apart
    say(f"committee member {calculator}: single points of {system}'s geometries")
    member = member_energetics(
        step_calculator(calculator), interface=interface.relaxed,
        n_interfaces=interface.n_interfaces, film_bulk=film.atoms, substrate_bulk=substrate.atoms,
        relaxed_parts=parts.geometries or None,
        surfaces=(surfaces.slabs or None) if surfaces is not None else None,
        extra_mu_eV=settings.extra_mu_eV, T_K=settings.T_K, short_relax=short_relax,
        workdir=workdir() if short_relax is not None else None)
    finish("committee", f"{system}:{calculator}", member, calculator)
    return member


def committee_reaction_step(coating: BulkProduct, li: BulkProduct,
                            calculator: str) -> ReactionProduct:
    """One member's reaction of Li metal with the coating: its single points of the main
    model's relaxed coating and Li crystals, and its own relaxations of the competing phases
    (small crystals the main pipeline keeps no geometry of)."""
    calc = step_calculator(calculator)
    refs = {}
    for name, product in (("coating", coating), ("Li", li)):
        rec = single_point(product.atoms, calc, f"committee:{product.phase}")
        refs[name] = (BulkReference.from_energy(product.atoms, rec.energy_eV, rec.calculator),
                      rec)
    reaction, note = coating_reaction(coating.phase, refs["coating"][0], coating.natoms,
                                      refs["coating"][1], refs["Li"][0], calc, progress=say)
    product = ReactionProduct(reaction, note)
    finish("committee", f"reaction:{coating.phase}:{calculator}", product, calculator)
    return product


def committee_energetics_jobs(system: str, settings: EnergeticsSettings, main: list[Job],
                              member: str, tag: str = "", reaction: bool = True,
                              short_relax: ShortRelaxation | None = None
                              ) -> tuple[list[Job], dict[str, Any]]:
    """The jobs of one committee ``member`` for the interface ``system`` whose main pipeline
    is ``main`` (the jobs of :class:`~interfacemodel.flows.energetics.InterfaceEnergeticsMaker`
    with ``tag``). Returns ``(jobs, outputs)``: ``outputs['energetics']`` the member's
    :class:`MemberEnergetics`, ``outputs['reaction']`` its reaction product when the
    pipeline computes one and ``reaction`` is on. ``short_relax``: the member relaxes
    where its forces disagree (the DFT check)."""
    recipe = system_recipe(system)
    by_name = {j.name: j for j in main}
    film = by_name[f"bulk:{recipe.film}"].output
    sub = by_name[f"bulk:{recipe.substrate}"].output
    inputs: dict[str, Any] = {"interface": by_name[f"interface:{system}{tag}"].output,
                              "parts": by_name[f"adhesion:{system}{tag}"].output}
    if f"surfaces:{system}{tag}" in by_name:
        inputs["surfaces"] = by_name[f"surfaces:{system}{tag}"].output
    if short_relax is not None:  # only then: the other members' job identities stay as they were
        inputs["short_relax"] = short_relax
    energetics = step_job(committee_energetics_step, f"committee:{system}{tag}:{member}",
                          member, system=system, settings=settings, film=film, substrate=sub,
                          **inputs)
    jobs, outputs = [energetics], {"energetics": energetics.output}
    if settings.reactivity and reaction:
        jobs.append(committee_reaction_job(system, main, member))
        outputs["reaction"] = jobs[-1].output
    return jobs, outputs


def committee_reaction_job(system: str, main: list[Job], member: str) -> Job:
    """The job of one ``member``'s reaction of Li metal with the coating of ``system``, on
    the crystals of its main pipeline ``main``."""
    recipe = system_recipe(system)
    by_name = {j.name: j for j in main}
    return step_job(committee_reaction_step, f"reaction:{recipe.substrate} [{member}]", member,
                    coating=by_name[f"bulk:{recipe.substrate}"].output,
                    li=by_name["bulk:Li"].output)


def committee_migration_step(name: str, hop: HopCase, band: NEBProduct, prefactors: Prefactors,
                             temperatures_K: list[float], calculator: str,
                             host: BulkProduct | None = None,
                             species: BulkProduct | None = None,
                             intrinsic: IntrinsicDisorder | None = None,
                             barrier_only: bool = False) -> MigrationResult:
    """One member's barriers, E_f, carrier fraction and D(T) of a hop at the main model's
    geometries; ``barrier_only`` (the DFT check on models of its own): the barriers at the
    main model's end points and saddle only, no crystal or pair cell (the record's E_f and
    D keep the main model's formation energy and are not reported as the check's)."""
    say(f"committee member {calculator}: single points of {name}'s end points and saddle")
    result = member_migration(step_calculator(calculator), hop, band.neb, band.initial,
                              band.saddle, band.final, prefactors,
                              host.atoms if host is not None else None,
                              species.atoms if species is not None else None, temperatures_K,
                              intrinsic)
    if barrier_only:
        result.notes.append("DFT check: the barriers at the main model's end points and "
                            "saddle only; E_f, carriers and D are not checked")
    finish("committee", f"{name}:{calculator}", result, calculator)
    return result


def committee_migration_job(name: str, main: list[Job], member: str,
                            temperatures_K: list[float], case: dict[str, Any],
                            barrier_only: bool = False) -> Job:
    """The job of one committee ``member`` for the hop ``name`` whose main pipeline is
    ``main`` (the jobs of :class:`~interfacemodel.flows.migration.MigrationMaker`; a bulk hop's
    host and reservoir crystals are taken from its bulk jobs when it has them, unless
    ``barrier_only``: the three single points of the barriers alone)."""
    by_name = {j.name: j for j in main}
    inputs: dict[str, Any] = {"hop": by_name[f"hop:{name}"].output,
                              "band": by_name[f"neb:{name}"].output,
                              "prefactors": by_name[f"prefactors:{name}"].output}
    if barrier_only:
        inputs["barrier_only"] = True
    else:
        for role, phase in (("host", case.get("host")),
                            ("species", case.get("species", "Li"))):
            if isinstance(phase, str) and f"bulk:{phase}" in by_name:
                inputs[role] = by_name[f"bulk:{phase}"].output
        if isinstance(case.get("host"), str) and f"intrinsic:{case['host']}" in by_name:
            inputs["intrinsic"] = by_name[f"intrinsic:{case['host']}"].output
    return step_job(committee_migration_step, f"committee:{name}:{member}", member, name=name,
                    temperatures_K=list(temperatures_K), **inputs)


def committee_segregation_step(system: str, result: SegregationResult,
                               calculator: str) -> SegregationResult | None:
    """One member's segregation energies at the main model's relaxed cells (single points)."""
    say(f"committee member {calculator}: single points of {system}'s segregation cells")
    member = member_segregation(step_calculator(calculator), result)
    finish("committee", f"segregation:{system}:{calculator}", member, calculator)
    return member


def committee_segregation_job(system: str, main: list[Job], member: str) -> Job:
    """The job of one committee ``member`` for the segregation of ``system`` whose main
    pipeline is ``main`` (the jobs of :class:`~interfacemodel.flows.segregation.\
SegregationMaker`)."""
    return step_job(committee_segregation_step, f"committee:segregation-{system}:{member}",
                    member, system=system, result=main[-1].output)
