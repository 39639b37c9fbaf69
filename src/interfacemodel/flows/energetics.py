"""The bulk-reference and interface-energetics pipelines, declared once.

Geometry steps: bulk references (shared between systems) → interface (built from the relaxed
crystals, registry/interlayer scan, relaxed) → adhesion (the parts cleaved, and each relaxed
alone) and free-surface slabs; the competing phases of the coating's reaction with Li. Each
calls a procedure (:mod:`interfacemodel.procedures.interfaces`,
:mod:`~interfacemodel.procedures.phases`) and returns a product that publishes its named
points. Joins: the reaction with Li and the energetics record, each one pure evaluation
(:func:`~interfacemodel.analysis.reactivity.evaluate_reaction`,
:func:`~interfacemodel.analysis.interface_energetics.evaluate_energetics`) of the campaign
calculator's energies there — the evaluation any other calculator re-evaluates
(:mod:`~interfacemodel.flows.reevaluation`). The makers wire the steps into a
:class:`jobflow.Flow` that runs in-process
(:func:`~interfacemodel.flows.local.run_flow`) or as a FireWorks workflow
(:func:`interfacemodel.workflows.constructors.campaign_workflow`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ase import Atoms
from jobflow import Job, Maker

from ..analysis.bulk import BulkProduct
from ..analysis.convergence import converge_with_thickness
from ..analysis.interface_energetics import (
    EnergeticsSettings,
    InterfaceEnergetics,
    check_orientation,
    evaluate_energetics,
)
from ..analysis.interface_geometry import AdhesionParts, InterfaceProduct, SurfacesProduct
from ..analysis.reactivity import ReactionPhases, ReactionProduct, evaluate_reaction
from ..calculators import check_elements
from ..models.systems import system_elements
from ..procedures.interfaces import (
    adhesion_parts,
    bulk_reference,
    free_surface_slabs,
    interface_model,
)
from ..procedures.phases import reaction_phases
from ..structures import load_bulk
from .context import finish, say, step_calculator, workdir
from .identity import PipelineMaker, step_job
from .local import run_flow
from .reevaluation import join_of, main_record

DEFAULT_CALCULATOR = "sevennet"


# --------------------------------------------------------------------------- steps

def bulk_step(phase: str, crystal: Atoms, fmax: float, calculator: str) -> BulkProduct:
    """Relax one bulk crystal (cell + positions, symmetry kept)."""
    say(f"relax bulk {phase}")
    atoms, ref, rec = bulk_reference(crystal, step_calculator(calculator), fmax=fmax)
    finish("bulk", phase, {"reference": ref, "relax": rec}, calculator, {f"bulk_{phase}": atoms})
    return BulkProduct(phase, atoms, ref, rec, len(atoms))


def interface_step(system: str, settings: EnergeticsSettings, film: BulkProduct,
                   substrate: BulkProduct, calculator: str, tag: str = "") -> InterfaceProduct:
    """Build the interface from the relaxed crystals, place it (registry/interlayer scan)
    and relax it (checkpointed). ``tag``: names a second model of the same system in the
    records (``<system><tag>``)."""
    product, built = interface_model(system, step_calculator(calculator), settings,
                                     film.atoms, substrate.atoms, workdir(), say)
    product.tag = tag
    finish("interface", product.system + tag,
           {"interface": product.metadata, "registry": product.registry,
            "relax": product.record}, calculator,
           {"interface_built": built, "interface_relaxed": product.relaxed})
    return product


def adhesion_step(settings: EnergeticsSettings, interface: InterfaceProduct, film: BulkProduct,
                  substrate: BulkProduct, calculator: str) -> AdhesionParts:
    """Cleave the relaxed interface: its parts as cut and each relaxed alone."""
    parts = adhesion_parts(interface.relaxed, interface.record, step_calculator(calculator),
                           settings, workdir(), say)
    finish("adhesion", interface.system + interface.tag, parts, calculator)
    return parts


def surfaces_step(settings: EnergeticsSettings, interface: InterfaceProduct, film: BulkProduct,
                  substrate: BulkProduct, calculator: str) -> SurfacesProduct:
    """The relaxed symmetric slabs of the interface's two faces."""
    faces = ((film.atoms, film.reference.formula, interface.film_miller,
              interface.film_layers),
             (substrate.atoms, substrate.reference.formula, interface.substrate_miller,
              interface.substrate_layers))
    product = free_surface_slabs(faces, step_calculator(calculator), settings, workdir(), say)
    finish("surfaces", interface.system + interface.tag, product, calculator)
    return product


def reaction_phases_step(coating: str, calculator: str) -> ReactionPhases:
    """The competing phases of the coating's reaction with Li, relaxed (same calculator)."""
    phases = reaction_phases(coating, step_calculator(calculator), progress=say)
    finish("reaction-phases", coating, phases, calculator,
           {f"phase_{name}": atoms for name, atoms in phases.structures.items()})
    return phases


@join_of(evaluate_reaction)
def reaction_step(coating: BulkProduct, li: BulkProduct, phases: ReactionPhases,
                  calculator: str) -> ReactionProduct:
    """Join: the reaction energy of Li metal with the coating from the energies of the
    coating, Li and the competing phases (:func:`~interfacemodel.analysis.reactivity.\
evaluate_reaction`)."""
    product = main_record(evaluate_reaction, calculator, coating=coating, li=li,
                          phases=phases)
    finish("reaction", coating.phase, product, calculator)
    return product


@join_of(evaluate_energetics)
def energetics_step(system: str, settings: EnergeticsSettings, interface: InterfaceProduct,
                    film: BulkProduct, substrate: BulkProduct, parts: AdhesionParts,
                    calculator: str, surfaces: SurfacesProduct | None = None,
                    reaction: ReactionProduct | None = None) -> InterfaceEnergetics:
    """Join: the interface's :class:`InterfaceEnergetics` record from the campaign
    calculator's energies at the pipeline's points (:func:`~interfacemodel.analysis.\
interface_energetics.evaluate_energetics`)."""
    record = main_record(evaluate_energetics, calculator, system=system, settings=settings,
                         interface=interface, film=film, substrate=substrate, parts=parts,
                         surfaces=surfaces, reaction=reaction)
    finish("energetics", record.system, record, calculator)
    return record



# --------------------------------------------------------------------------- makers

@dataclass
class BulkReferenceMaker(Maker):
    """Relax a catalogue crystal: ``BulkReferenceMaker(calculator="emt").make("Cu")``.
    ``fmax``: eV/Å."""

    name: str = "bulk"
    calculator: Any = DEFAULT_CALCULATOR
    fmax: float = EnergeticsSettings.bulk_fmax

    def make(self, phase: str) -> Job:
        crystal = load_bulk(phase, as_atoms=True)
        return step_job(bulk_step, f"bulk:{phase}", self.calculator, phase=phase,
                        crystal=crystal, fmax=self.fmax)


def bulk_job(phase: str, calculator: Any, fmax: float) -> Job:
    """The bulk-reference job of ``phase`` (the same job wherever it is needed)."""
    return BulkReferenceMaker(calculator=calculator, fmax=fmax).make(phase)


@dataclass
class InterfaceEnergeticsMaker(PipelineMaker):
    """The energetics of one named interface (``interfacemodel build --list``)::

        InterfaceEnergeticsMaker(calculator="sevennet", settings=EnergeticsSettings(
            film_layers=4)).make("li-lif")

    The flow's output is the :class:`~interfacemodel.analysis.interface_energetics.\
InterfaceEnergetics` record. Its bulk references are the jobs any other flow with the same
    crystal, calculator and ``bulk_fmax`` makes (equal content, equal uuid): a campaign runs
    them once for all its systems."""

    name: str = "interface energetics"
    calculator: Any = DEFAULT_CALCULATOR  # a spec, or an object for run_flow in this process
    settings: EnergeticsSettings = field(default_factory=EnergeticsSettings)
    #: appended to the names of the system's own jobs (interface, adhesion, surfaces,
    #: energetics), e.g. a second, smaller model of the same system; the bulk jobs are shared
    tag: str = ""

    def jobs(self, system: str) -> list[Job]:
        """The flow's jobs, the join (energetics) last. An unknown system, a calculator that
        lacks one of its elements or an orientation it does not have: one line, here."""
        recipe = check_orientation(system, self.settings)
        s, settings, t = recipe.name, self.settings, self.tag
        if isinstance(self.calculator, str):
            check_elements(self.calculator, system_elements(s))
        reactivity = ("Li",) if settings.reactivity else ()
        bulk = {phase: bulk_job(phase, self.calculator, settings.bulk_fmax)
                for phase in (recipe.film, recipe.substrate, *reactivity)}
        film, sub = bulk[recipe.film].output, bulk[recipe.substrate].output
        common = {"settings": settings, "film": film, "substrate": sub}
        interface = step_job(interface_step, f"interface:{s}{t}", self.calculator, system=s,
                             **common, **({"tag": t} if t else {}))  # untagged: ids unchanged
        parts = step_job(adhesion_step, f"adhesion:{s}{t}", self.calculator,
                         interface=interface.output, **common)
        jobs = [bulk[recipe.film], bulk[recipe.substrate], interface, parts]
        join: dict[str, Any] = {}
        if settings.surface_slabs:
            surfaces = step_job(surfaces_step, f"surfaces:{s}{t}", self.calculator,
                                interface=interface.output, **common)
            jobs.append(surfaces)
            join["surfaces"] = surfaces.output
        if settings.reactivity:
            phases = step_job(reaction_phases_step, f"reaction-phases:{recipe.substrate}",
                              self.calculator, coating=recipe.substrate)
            reaction = step_job(reaction_step, f"reaction:{recipe.substrate}", self.calculator,
                                coating=sub, li=bulk["Li"].output, phases=phases.output)
            jobs += [bulk["Li"], phases, reaction]
            join["reaction"] = reaction.output
        jobs.append(step_job(energetics_step, f"energetics:{s}{t}", self.calculator, system=s,
                             interface=interface.output, parts=parts.output, **common, **join))
        return jobs



def interface_energetics(system: str, calc: Any, settings: EnergeticsSettings | None = None,
                         workdir: str | Path | None = None, progress=None,
                         allow_unconverged: bool = False) -> InterfaceEnergetics:
    """The energetics of the named interface ``system``, run in this process: the flow of
    :class:`InterfaceEnergeticsMaker` with :func:`~interfacemodel.flows.local.run_flow`.
    ``calc``: a calculator spec or object; ``workdir``: checkpoints (a second call with it
    resumes interrupted relaxations; None: none kept); ``allow_unconverged``: report
    numbers of relaxations that did not converge (flagged) instead of stopping."""
    settings = settings or EnergeticsSettings()
    if allow_unconverged:
        settings = replace(settings, allow_unconverged=True)
    flow = InterfaceEnergeticsMaker(calculator=calc, settings=settings).make(system)
    return run_flow(flow, workdir, progress=progress)


def adhesion_convergence(system: str, calc: Any, layers=(2, 4, 6, 8),
                         tolerance_J_per_m2: float = 0.01,
                         settings: EnergeticsSettings | None = None, progress=None):
    """W_adh(relaxed) of a named system with film and coating both ``n`` atomic layers thick,
    for increasing ``n`` until it changes by less than ``tolerance_J_per_m2`` (J/m²)."""
    base = replace(settings or EnergeticsSettings(), surface_slabs=False, reactivity=False)
    fixed = 0 if base.kind == "periodic" else 2  # the builder's fixed coating layers

    def w_adh(n: int) -> float:
        res = interface_energetics(system, calc, replace(
            base, film_layers=n, substrate_layers=n, fix_substrate_layers=min(fixed, n - 1)))
        return res.w_adh_relaxed.w_adh_J_per_m2

    return converge_with_thickness(w_adh, layers, tolerance_J_per_m2, quantity="W_adh relaxed",
                                   progress=progress)
