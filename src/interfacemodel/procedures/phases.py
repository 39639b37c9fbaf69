"""Energies of the competing phases of a reaction or a hull with one calculator: catalogue crystals (and molecules in a box) relaxed, as :class:`~interfacemodel.analysis.reactivity.PhaseEnergy`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..analysis.reactivity import (
    MOLECULE_BOX_A,
    MOLECULES,
    REACTION_PHASES,
    PhaseEnergy,
    ReactionPhases,
    coating_key,
)
from ..calculators.batch_choice import batch_evaluator
from ..errors import UserInputError
from ..records import to_dict
from ..run.bulk import relax_bulk
from ..run.lockstep import run_lockstep
from ..run.relax import point_record, relax
from ..structures import load_bulk, phase_info


def phase_energy(name: str, calc, fmax: float = 0.01, steps: int = 300) -> PhaseEnergy:
    """Relax one competing phase with ``calc``: a catalogue crystal (cell + positions,
    symmetry kept, :func:`~interfacemodel.run.bulk.relax_bulk`) or a molecule (F2, O2)
    in a :data:`MOLECULE_BOX_A` Å box (positions; spin is not treated by the ML potentials)."""
    return _relax_phase(name, _phase_structure(name), calc, fmax, steps)[0]


def _phase_structure(name: str):
    """The unrelaxed structure of a competing phase: a molecule in its box, or the catalogue
    crystal (an unknown name fails here)."""
    if name in MOLECULES:
        from ase.build import molecule

        atoms = molecule(name)
        atoms.set_cell([MOLECULE_BOX_A] * 3)
        atoms.center()
        atoms.pbc = True
        return atoms
    return load_bulk(name, as_atoms=True)


def _relax_phase(name: str, atoms, calc, fmax: float, steps: int):
    """(PhaseEnergy, relaxed atoms, EnergyRecord) of one competing phase."""
    if name in MOLECULES:
        relaxed, rec = relax(atoms, calc, fmax=fmax, steps=steps, optimizer="BFGS", label=name)
        return (PhaseEnergy(name, name, rec.energy_eV / len(relaxed), len(relaxed), "molecule",
                            rec.converged, rec.calculator, to_dict(rec)), relaxed, rec)
    relaxed, rec = relax_bulk(atoms, calc, fmax=fmax, steps=steps)
    energy = point_record(relaxed, rec.calculator, name, rec.energy_eV, rec.converged)
    return (PhaseEnergy(phase_info(name).name, _reduced(relaxed), rec.energy_per_atom_eV,
                        len(relaxed), "crystal", rec.converged, rec.calculator, to_dict(rec)),
            relaxed, energy)


def _reduced(atoms) -> str:
    from pymatgen.core import Composition

    return Composition(atoms.get_chemical_formula()).reduced_formula


def phase_energies(names: Iterable[str], calc, fmax: float = 0.01, steps: int = 300,
                   progress: Callable[[str, int, int], None] | None = None,
                   known: Mapping[str, PhaseEnergy] | None = None,
                   batch: Any = "auto", batch_max_edges: int | None = None,
                   geometries: dict[str, Any] | None = None,
                   ) -> dict[str, PhaseEnergy]:
    """:func:`phase_energy` for every name (those in ``known`` are reused, not recomputed).

    The phases are independent relaxations: with ``batch`` 'auto' (default) and a SevenNet or
    CHGNet calculator they run in lockstep, every optimiser step of all phases still relaxing
    in one batched model call (:func:`~interfacemodel.run.lockstep.run_lockstep`;
    ``batch_max_edges`` is the evaluator's budget, default the device's); the energies,
    steps and force calls are those of one phase after the other (to float precision).
    ``progress(name, i, n)`` is called for each phase before it starts. ``batch=False``:
    one after the other; True: batched or an error for other calculators. ``geometries``
    (a dict, when given) receives ``(relaxed atoms, energy record)`` of each phase relaxed.
    """
    names = list(dict.fromkeys(names))
    evaluator = batch_evaluator(calc, batch, batch_max_edges)
    out: dict[str, PhaseEnergy] = {}
    todo: dict[str, Any] = {}  # name -> unrelaxed structure, for the lockstep run
    for i, name in enumerate(names):
        if known and name in known:
            out[name] = known[name]
            continue
        if progress:
            progress(name, i + 1, len(names))
        if evaluator is None:
            out[name], *made = _relax_phase(name, _phase_structure(name), calc, fmax, steps)
            if geometries is not None:
                geometries[name] = tuple(made)
        else:
            todo[name] = _phase_structure(name)  # read here: catalogue I/O stays in this thread
    if todo:
        jobs = [lambda c, name=name, atoms=atoms: _relax_phase(name, atoms, c, fmax, steps)
                for name, atoms in todo.items()]
        for name, (energy, *made) in zip(todo, run_lockstep(jobs, evaluator, like=calc),
                                          strict=True):
            out[name] = energy
            if geometries is not None:
                geometries[name] = tuple(made)
    return {name: out[name] for name in names}


def reaction_phases(coating: str, calc, fmax: float = 0.01, steps: int = 300,
                    progress: Callable[[str], None] | None = None) -> ReactionPhases:
    """The competing phases of the reaction of Li with the catalogue coating ``coating``
    relaxed with ``calc`` (:func:`phase_energies`), besides the coating and Li themselves
    (the pipeline's bulk references): the geometry of the reaction, which the pure
    :func:`~interfacemodel.analysis.reactivity.evaluate_reaction` turns into energies. A
    coating with no phase set gives no phases and a note."""
    try:
        key = coating_key(coating)
    except UserInputError as exc:
        return ReactionPhases(coating, None, note=str(exc))
    names = [n for n in REACTION_PHASES[key] if n not in (coating, "Li")]
    if progress:
        progress(f"relax competing phases: {', '.join(REACTION_PHASES[key])}")
    made: dict[str, Any] = {}
    energies = phase_energies(names, calc, fmax=fmax, steps=steps, geometries=made)
    return ReactionPhases(
        coating, key, structures={n: made[n][0] for n in names},
        records={n: made[n][1] for n in names},
        kinds={n: energies[n].kind for n in names}, labels={n: energies[n].name for n in names},
        formulas={n: energies[n].formula for n in names})


def crystal_energies(structures: Mapping[str, Any], calc, fmax: float = 0.01,
                     steps: int = 300) -> dict[str, PhaseEnergy]:
    """Relax crystals that are not (or not only) catalogue phases — an ordered alloy built in
    a notebook, a :func:`~interfacemodel.models.alloys.li_mg_alloy` solid-solution cell — with
    ``calc``, the way :func:`phase_energy` relaxes catalogue crystals
    (:func:`~interfacemodel.run.bulk.relax_bulk`: cell and positions, symmetry kept, forces
    below ``fmax`` eV/Å and stress below 0.01 GPa). ``structures`` maps a phase name to an
    ``ase.Atoms`` (not modified). Returns ``{name: PhaseEnergy}`` for :func:`alloy_hull`.
    """
    out: dict[str, PhaseEnergy] = {}
    for name, atoms in structures.items():
        relaxed, rec = relax_bulk(atoms, calc, fmax=fmax, steps=steps)
        out[name] = PhaseEnergy(name, _reduced(relaxed), rec.energy_per_atom_eV, len(relaxed),
                                "crystal", rec.converged, rec.calculator, to_dict(rec))
    return out
