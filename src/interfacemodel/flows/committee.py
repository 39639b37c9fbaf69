"""The committee's jobs, declared once: each member re-evaluates the main model's geometries.

For every interface of a campaign and every committee member (a calculator spec other than
the campaign's), one job evaluates the member's single points on the main pipeline's
products (the relaxed interface, its cleaved and relaxed parts, the relaxed free-surface
slabs, the relaxed crystals): :func:`~interfacemodel.analysis.committee.member_energetics`.
The coating's reaction with Li is the one number a member relaxes itself: the competing
phases are small crystals, and the main pipeline keeps no geometry of them; the member's
bulk and reaction jobs are the same jobs a campaign with that calculator would run.
"""

from __future__ import annotations

from typing import Any

from jobflow import Job

from ..analysis.committee import MemberEnergetics, member_energetics
from ..analysis.interface_energetics import AdhesionStep, EnergeticsSettings
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
        jobs += [*own.values(), reaction]
        outputs["reaction"] = reaction.output
    return jobs, outputs
