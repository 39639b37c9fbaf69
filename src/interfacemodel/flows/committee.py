"""The committee's jobs, declared once: each member re-evaluates the main model's geometries.

For every interface of a campaign and every committee member (a calculator spec other than
the campaign's), one job evaluates the member's single points on the main pipeline's
products (the relaxed interface, its cleaved and relaxed parts, the relaxed free-surface
slabs, the relaxed crystals): :func:`~interfacemodel.analysis.committee.member_energetics`.
The coating's reaction with Li is the one number a member relaxes itself: the competing
phases are small crystals, and the main pipeline keeps no geometry of them; the member's
bulk and reaction jobs are the same jobs a campaign with that calculator would run.

For every barrier, one job per member evaluates the NEB's relaxed end points and saddle image
and the host and reservoir crystals (:func:`~interfacemodel.analysis.committee.member_migration`):
the member's barriers, formation energy and D with the main model's attempt frequencies.
"""

from __future__ import annotations

from typing import Any

from jobflow import Job

from ..analysis.committee import MemberEnergetics, member_energetics, member_migration
from ..analysis.interface_energetics import AdhesionStep, EnergeticsSettings
from ..analysis.intrinsic import IntrinsicDisorder
from ..analysis.migration import HopCase, MigrationResult, Prefactors
from ..build.systems import system_recipe
from .context import finish, say, step_calculator
from .energetics import (
    BulkProduct,
    InterfaceProduct,
    SurfacesProduct,
    bulk_job,
    reaction_step,
)
from .identity import step_job
from .migration import NEBProduct


def committee_energetics_step(system: str, settings: EnergeticsSettings,
                              interface: InterfaceProduct, film: BulkProduct,
                              substrate: BulkProduct, parts: AdhesionStep, calculator: str,
                              surfaces: SurfacesProduct | None = None) -> MemberEnergetics:
    """One member's W_adh, γ, γ_int and θ at the main model's geometries (single points)."""
    say(f"committee member {calculator}: single points of {system}'s geometries")
    member = member_energetics(
        step_calculator(calculator), interface=interface.relaxed,
        n_interfaces=interface.n_interfaces, film_bulk=film.atoms, substrate_bulk=substrate.atoms,
        relaxed_parts=parts.geometries or None,
        surfaces=(surfaces.slabs or None) if surfaces is not None else None,
        extra_mu_eV=settings.extra_mu_eV, T_K=settings.T_K)
    finish("committee", f"{system}:{calculator}", member, calculator)
    return member


def committee_energetics_jobs(system: str, settings: EnergeticsSettings, main: list[Job],
                              member: str) -> tuple[list[Job], dict[str, Any]]:
    """The jobs of one committee ``member`` for the interface ``system`` whose main pipeline
    is ``main`` (the jobs of :class:`~interfacemodel.flows.energetics.InterfaceEnergeticsMaker`).
    Returns ``(jobs, outputs)``: ``outputs['energetics']`` the member's
    :class:`MemberEnergetics`, ``outputs['reaction']`` its reaction product when the
    pipeline computes one."""
    recipe = system_recipe(system)
    by_name = {j.name: j for j in main}
    film = by_name[f"bulk:{recipe.film}"].output
    sub = by_name[f"bulk:{recipe.substrate}"].output
    inputs: dict[str, Any] = {"interface": by_name[f"interface:{system}"].output,
                              "parts": by_name[f"adhesion:{system}"].output}
    if f"surfaces:{system}" in by_name:
        inputs["surfaces"] = by_name[f"surfaces:{system}"].output
    energetics = step_job(committee_energetics_step, f"committee:{system}:{member}", member,
                          system=system, settings=settings, film=film, substrate=sub, **inputs)
    jobs, outputs = [energetics], {"energetics": energetics.output}
    if settings.reactivity:
        own = {phase: bulk_job(phase, member, settings.bulk_fmax)
               for phase in (recipe.substrate, "Li")}
        reaction = step_job(reaction_step, f"reaction:{recipe.substrate}", member,
                            coating=own[recipe.substrate].output, li=own["Li"].output)
        for job in (*own.values(), reaction):  # the name only: the uuid is the content's
            job.name = f"{job.name} [{member}]"
        jobs += [*own.values(), reaction]
        outputs["reaction"] = reaction.output
    return jobs, outputs


def committee_migration_step(name: str, hop: HopCase, band: NEBProduct, prefactors: Prefactors,
                             temperatures_K: list[float], calculator: str,
                             host: BulkProduct | None = None,
                             species: BulkProduct | None = None,
                             intrinsic: IntrinsicDisorder | None = None) -> MigrationResult:
    """One member's barriers, E_f, carrier fraction and D(T) of a hop at the main model's
    geometries."""
    say(f"committee member {calculator}: single points of {name}'s end points and saddle")
    result = member_migration(step_calculator(calculator), hop, band.neb, band.initial,
                              band.saddle, band.final, prefactors,
                              host.atoms if host is not None else None,
                              species.atoms if species is not None else None, temperatures_K,
                              intrinsic)
    finish("committee", f"{name}:{calculator}", result, calculator)
    return result


def committee_migration_job(name: str, main: list[Job], member: str,
                            temperatures_K: list[float], case: dict[str, Any]) -> Job:
    """The job of one committee ``member`` for the hop ``name`` whose main pipeline is
    ``main`` (the jobs of :class:`~interfacemodel.flows.migration.MigrationMaker`; a bulk hop's
    host and reservoir crystals are taken from its bulk jobs when it has them)."""
    by_name = {j.name: j for j in main}
    inputs: dict[str, Any] = {"hop": by_name[f"hop:{name}"].output,
                              "band": by_name[f"neb:{name}"].output,
                              "prefactors": by_name[f"prefactors:{name}"].output}
    for role, phase in (("host", case.get("host")), ("species", case.get("species", "Li"))):
        if isinstance(phase, str) and f"bulk:{phase}" in by_name:
            inputs[role] = by_name[f"bulk:{phase}"].output
    if isinstance(case.get("host"), str) and f"intrinsic:{case['host']}" in by_name:
        inputs["intrinsic"] = by_name[f"intrinsic:{case['host']}"].output
    return step_job(committee_migration_step, f"committee:{name}:{member}", member, name=name,
                    temperatures_K=list(temperatures_K), **inputs)
