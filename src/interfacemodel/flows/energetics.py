"""The bulk-reference and interface-energetics pipelines, declared once.

bulk references (shared between systems) → interface (built from the relaxed crystals,
registry/interlayer scan, relaxed) → adhesion (cleaved parts: W_adh ideal and relaxed, γ_int)
and free surfaces → energetics (join: the record, with the Young–Dupré contact angle); the
coating's reaction with Li is a step of its own. Each step calls the library
(:mod:`interfacemodel.analysis.interface_energetics`) and returns a typed product; the
makers wire the steps into a :class:`jobflow.Flow` that runs in-process
(:func:`~interfacemodel.flows.local.run_flow`) or as a FireWorks workflow
(:func:`interfacemodel.workflows.constructors.campaign_workflow`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ase import Atoms
from jobflow import Job, Maker

from ..analysis.convergence import converge_with_thickness
from ..analysis.energetics import BulkReference, SurfaceEnergy
from ..analysis.interface_energetics import (
    AdhesionStep,
    EnergeticsSettings,
    InterfaceEnergetics,
    assemble_energetics,
    check_orientation,
    reference_potentials,
)
from ..analysis.reactivity import ReactionWithLi
from ..calculators import check_elements
from ..models.systems import system_elements, system_recipe
from ..procedures.interfaces import (
    adhesion,
    bulk_reference,
    coating_reaction,
    free_surface_energies,
    place_interface,
    relax_from_gaps,
    relax_interface,
)
from ..records import Record
from ..run.bulk import RelaxRecord
from ..run.relax import EnergyRecord
from ..structures import load_bulk
from .context import finish, say, step_calculator, step_provenance, workdir
from .identity import PipelineMaker, step_job
from .local import run_flow

DEFAULT_CALCULATOR = "sevennet"


# --------------------------------------------------------------------------- products

@dataclass
class BulkProduct(Record):
    """A relaxed bulk crystal and its energy reference (eV per formula unit)."""

    phase: str
    atoms: Atoms
    reference: BulkReference
    record: RelaxRecord
    natoms: int


@dataclass
class InterfaceProduct(Record):
    """The relaxed interface model and what its analysis needs (Å, eV)."""

    system: str
    metadata: dict[str, Any]
    registry: dict[str, Any] | None
    relaxed: Atoms
    record: EnergyRecord
    n_interfaces: int
    film_miller: list[int]
    substrate_miller: list[int]
    film_layers: int
    substrate_layers: int
    tag: str = ""  # a second model of the same system (e.g. the DFT check's): its name tag


@dataclass
class SurfacesProduct(Record):
    """Free-surface energies of the interface's two faces (J/m²), their slab records and the
    relaxed slabs (``slabs``, by tag; empty in products written before they were kept)."""

    surfaces: dict[str, SurfaceEnergy]
    records: dict[str, EnergyRecord]
    notes: list[str] = field(default_factory=list)
    slabs: dict[str, Atoms] = field(default_factory=dict)


@dataclass
class ReactionProduct(Record):
    """The coating's reaction with Li metal (None: no reaction computed, ``note`` says why)."""

    reaction: ReactionWithLi | None
    note: str = ""


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
    recipe = system_recipe(system)
    calc = step_calculator(calculator)
    model, registry = place_interface(recipe.name, calc, settings, film.atoms, substrate.atoms,
                                      progress=say)
    if settings.start_gaps_A:
        model, relaxed, rec, starts = relax_from_gaps(model, calc, settings, workdir(), say)
        registry = dict(registry or {"notes": []})
        registry["starts"] = starts
        gaps = ", ".join(f"{x['gap_A']:.2f}" for x in starts)
        spread = max(x["energy_eV"] for x in starts) - rec.energy_eV
        registry["notes"] = list(registry.get("notes", [])) + [
            f"relaxed from {len(starts)} gaps ({gaps} Å); kept the start at {model.gap_A:.2f} "
            f"Å, the others end up to {spread:.3f} eV higher"]
    else:
        relaxed, rec = relax_interface(model.atoms, model.label, calc, settings, workdir(), say)
    meta = model.metadata()
    finish("interface", recipe.name + tag,
           {"interface": meta, "registry": registry, "relax": rec},
           calculator, {"interface_built": model.atoms, "interface_relaxed": relaxed})
    return InterfaceProduct(recipe.name, meta, registry, relaxed, rec, model.n_interfaces,
                            list(model.film_miller), list(model.substrate_miller),
                            model.film_layers, model.substrate_layers, tag)


def adhesion_step(settings: EnergeticsSettings, interface: InterfaceProduct, film: BulkProduct,
                  substrate: BulkProduct, calculator: str) -> AdhesionStep:
    """Cleave the relaxed interface: W_adh (ideal, relaxed) and γ_int."""
    mu, mu_limit = reference_potentials(film.reference, settings.extra_mu_eV)
    step = adhesion(interface.relaxed, interface.record, interface.n_interfaces,
                    step_calculator(calculator), settings, film.reference, substrate.reference, mu,
                    mu_limit, workdir(), say, allow_unconverged=settings.allow_unconverged)
    finish("adhesion", interface.system + interface.tag, step, calculator)
    return step


def surfaces_step(settings: EnergeticsSettings, interface: InterfaceProduct, film: BulkProduct,
                  substrate: BulkProduct, calculator: str) -> SurfacesProduct:
    """Free-surface energies of the interface's two faces (symmetric slabs)."""
    mu, mu_limit = reference_potentials(film.reference, settings.extra_mu_eV)
    faces = ((film.atoms, film.reference, interface.film_miller, interface.film_layers),
             (substrate.atoms, substrate.reference, interface.substrate_miller,
              interface.substrate_layers))
    surfaces, records, notes, slabs = free_surface_energies(
        faces, step_calculator(calculator), settings, mu, mu_limit, workdir(), say,
        allow_unconverged=settings.allow_unconverged)
    product = SurfacesProduct(surfaces, records, notes, slabs)
    finish("surfaces", interface.system + interface.tag, product, calculator)
    return product


def reaction_step(coating: BulkProduct, li: BulkProduct, calculator: str) -> ReactionProduct:
    """Reaction energy of Li metal with a coating (same calculator)."""
    reaction, note = coating_reaction(coating.phase, coating.reference, coating.natoms,
                                      coating.record, li.reference, step_calculator(calculator),
                                      progress=say)
    product = ReactionProduct(reaction, note)
    finish("reaction", coating.phase, product, calculator)
    return product


def energetics_step(system: str, settings: EnergeticsSettings, interface: InterfaceProduct,
                    film: BulkProduct, substrate: BulkProduct, parts: AdhesionStep,
                    calculator: str, surfaces: SurfacesProduct | None = None,
                    reaction: ReactionProduct | None = None) -> InterfaceEnergetics:
    """Join: the interface's :class:`InterfaceEnergetics` record (adds the contact angle)."""
    recipe = system_recipe(system)
    surfaces = surfaces or SurfacesProduct({}, {}, [])
    reaction = reaction or ReactionProduct(None, "")
    record = assemble_energetics(
        system=recipe.name, interface=interface.metadata,
        calculator=step_provenance(calculator), settings=settings,
        bulk={recipe.film: film.reference, recipe.substrate: substrate.reference},
        interface_record=interface.record, parts=parts, surfaces=surfaces.surfaces,
        surface_records=surfaces.records, surface_notes=surfaces.notes,
        reaction=reaction.reaction, reaction_note=reaction.note, registry=interface.registry,
        wall_time_s=0.0)
    # wall time: the calculations' own (bulk, interface, parts, slabs), not the queue's
    record.wall_time_s = float(sum(r.wall_time_s for r in record.records.values()))
    finish("energetics", recipe.name, record, calculator)
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
            reaction = step_job(reaction_step, f"reaction:{recipe.substrate}", self.calculator,
                                coating=sub, li=bulk["Li"].output)
            jobs += [bulk["Li"], reaction]
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
