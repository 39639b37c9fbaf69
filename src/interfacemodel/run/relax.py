"""Relaxation of slabs and interfaces (positions; optionally the cell normal to the
interface), with fixed layers honoured, a step checkpoint that resumes, and a record.

Units: energies eV, forces eV/Å, lengths Å, areas Å², stresses GPa in records.

A relaxation is *converged* when every free atomic force is below ``fmax`` (and, with
``relax_normal_cell``, |σ_zz| below ``stress_tol_GPa``) before ``steps`` ran out; a record
with ``converged=False`` must not be used as a converged number (the analyzers refuse it
unless told ``allow_unconverged=True``). For VASP and Quantum ESPRESSO the relaxation runs
inside the code: :func:`relax` writes IBRION=2 / ``calculation='relax'`` inputs instead.
"""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from ase import units

from ..calculators import (
    binds_symmetry,
    calculator_provenance,
    current_calculator,
    evaluated,
    provenance_label,
)
from ..calculators.batch_choice import batch_evaluator
from ..calculators.evaluator import structure_list
from ..errors import UserInputError
from ..records import detach_calculator, structure_hash
from .checkpoint import (
    MAX_OPTIMIZER_RESTARTS,
    NonFiniteStep,
    StepCheckpoint,
    attach_memory,
    check_finite,
    restore_optimizer_state,
    serve_saved_results,
)
from .journal import journal_suspended
from .lockstep import run_lockstep
from .optimizers import count_calculations, get_optimizer, optimizer_label, optimizer_options

# PreconLBFGS catches a failed Armijo line search and resets its Hessian; ASE still logs it
# at ERROR level on stderr, which reads like a failure of the run
logging.getLogger("ase.utils.linesearcharmijo").setLevel(logging.CRITICAL)

#: chosen by bench/relax.py (results in bench/results/relax-vm.md): half the force calls of
#: plain BFGS on the li-lif and li-li2se interfaces. Li is soft: ASE's initial Hessian guess
#: (alpha = 70 eV/Å²) makes the first steps far too short; L-BFGS keeps memory O(N)
DEFAULT_OPTIMIZER = "LBFGS:alpha=10"


@dataclass
class EnergyRecord:
    """Energy of one slab, interface or bulk cell, relaxed or single point.

    ``counts`` is the number of atoms per element, ``area_A2`` the in-plane area |a × b| of
    the cell (the interface/surface area for slabs). ``status``: 'relaxed', 'single-point',
    'not-converged' ('inputs-written' in records of versions that wrote VASP/QE inputs only).
    """

    label: str
    status: str
    energy_eV: float | None
    natoms: int
    counts: dict[str, int]
    area_A2: float
    converged: bool
    fmax_target_eV_per_A: float | None
    fmax_reached_eV_per_A: float | None
    steps: int
    steps_max: int
    force_calls: int
    wall_time_s: float
    optimizer: str | None
    relax_normal_cell: bool
    n_fixed: int
    calculator: dict[str, Any]
    structure_hash: str
    stress_zz_GPa: float | None = None
    resumed_at_step: int | None = None  # step the run restarted from its checkpoint
    #: times the optimiser was started afresh from the last good frame after a non-finite step
    optimizer_restarts: int = 0
    cell_c_A: float = 0.0
    inputs_dir: str | None = None  # read from records of versions that wrote inputs only


def in_plane_area(atoms) -> float:
    """|a × b| of the cell (Å²): the surface / interface area of a slab with z normal."""
    return float(np.linalg.norm(np.cross(atoms.cell[0], atoms.cell[1])))


def element_counts(atoms) -> dict[str, int]:
    symbols, n = np.unique(atoms.get_chemical_symbols(), return_counts=True)
    return {str(s): int(k) for s, k in zip(symbols, n, strict=True)}


def _n_fixed(atoms) -> int:
    from ase.constraints import FixAtoms

    return sum(len(c.index) for c in atoms.constraints if isinstance(c, FixAtoms))


def _max_free_force(atoms) -> float:
    forces = atoms.get_forces()  # constrained forces: fixed atoms read zero
    return float(np.linalg.norm(forces, axis=1).max()) if len(forces) else 0.0


def _record(atoms, calc_or_provenance, label: str, **fields) -> EnergyRecord:
    """An EnergyRecord whose structure-derived fields (label, counts, area, fixed atoms,
    hash, c) come from ``atoms``; the rest from ``fields``."""
    provenance = (calc_or_provenance if isinstance(calc_or_provenance, dict)
                  else calculator_provenance(calc_or_provenance))
    return EnergyRecord(
        label=label or atoms.get_chemical_formula(), natoms=len(atoms),
        counts=element_counts(atoms), area_A2=in_plane_area(atoms), n_fixed=_n_fixed(atoms),
        calculator=provenance, structure_hash=structure_hash(atoms),
        cell_c_A=float(atoms.cell[2, 2]), **fields)


def point_record(atoms, calculator, label: str, energy_eV: float, converged: bool = True,
                 status: str = "relaxed", wall_time_s: float = 0.0) -> EnergyRecord:
    """The :class:`EnergyRecord` of an energy another routine computed at ``atoms`` (a
    crystal relaxed with its cell, a NEB image): the structure's counts, area and hash, the
    energy, flag and ``calculator`` (an object or its provenance) given."""
    return _record(atoms, calculator, label, status=status, energy_eV=energy_eV,
                   converged=bool(converged), fmax_target_eV_per_A=None,
                   fmax_reached_eV_per_A=None, steps=0, steps_max=0, force_calls=0,
                   wall_time_s=wall_time_s, optimizer=None, relax_normal_cell=False)


def single_point(atoms, calc, label: str = "", forces: bool = False) -> EnergyRecord:
    """Energy of ``atoms`` as given (no relaxation): a rigid cleaved slab, a scan point.
    ``forces``: also the largest force on a free atom (eV/Å; fixed atoms read zero), kept as
    the record's ``fmax_reached_eV_per_A`` (a DFT code computes them from the same SCF).
    A calculator that refuses the structure for an earlier one's symmetry (GPAW) is renewed
    (:func:`~interfacemodel.calculators.renewed_after_symmetry_break`): ``calc`` then stands
    for the new one, which holds this structure."""
    work = atoms.copy()
    start = time.perf_counter()
    energy, fmax, calls = evaluated(work, calc, lambda w: _energy_and_force(w, forces))
    calc = work.calc
    return _record(
        work, calc, label, status="single-point", energy_eV=energy, converged=True,
        fmax_target_eV_per_A=None, fmax_reached_eV_per_A=fmax, steps=0, steps_max=0,
        force_calls=calls, wall_time_s=time.perf_counter() - start, optimizer=None,
        relax_normal_cell=False,
    )


def _energy_and_force(work, forces: bool):
    with count_calculations(work.calc) as counter:
        energy = float(work.get_potential_energy())
        fmax = _max_free_force(work) if forces else None
    return energy, fmax, counter.calls


def relax(
    atoms,
    calc,
    fmax: float = 0.05,
    steps: int = 500,
    optimizer: str = DEFAULT_OPTIMIZER,
    relax_normal_cell: bool = False,
    stress_tol_GPa: float = 0.05,
    checkpoint: str | Path | None = None,
    label: str = "",
    logfile: str | None = None,
    progress: Callable[[int, float], None] | None = None,
):
    """Relax the positions of a slab or interface; returns ``(relaxed_atoms, EnergyRecord)``.

    Constraints already on ``atoms`` (``FixAtoms`` on fixed layers from the builders) are
    honoured. ``relax_normal_cell`` also relaxes the cell length along z (periodic
    interface models: the stacking relaxes to zero σ_zz, in-plane cell kept) through ASE's
    ``FrechetCellFilter`` with only the zz strain free. ``checkpoint`` is a directory: every
    step is saved there, and calling :func:`relax` again with the same directory, input
    structure, calculator and optimiser resumes from the last saved step: frame, optimiser
    memory (Hessian, L-BFGS history, FIRE velocity) and that step's energy and forces form
    one atomic file (:mod:`.checkpoint`), so a run killed at any instant resumes on the
    uninterrupted run's path and the saved step is not evaluated again (the record's
    ``force_calls`` equal an uninterrupted run's). A step with non-finite positions, forces
    or energy is never saved: the relaxation goes back to the last good step with a fresh
    optimiser once (``optimizer_restarts`` in the record, a warning), then fails naming the
    step. ``progress(step, fmax_now)`` is called after every step. The input ``atoms`` is
    not modified.

    Program-running DFT calculators (CP2K, VASP, Quantum ESPRESSO) relax the same way: this
    optimiser over the code's single points, so the fixed atoms, the force criterion, the
    checkpoints and the resume at the last ionic step are the same for every calculator.
    """
    _check_relax_args(fmax, steps, relax_normal_cell, stress_tol_GPa)
    opt_cls = get_optimizer(optimizer)
    work = atoms.copy()
    calc = current_calculator(calc)
    work.calc = calc
    provenance = calculator_provenance(calc)
    fingerprint = {"structure_hash": structure_hash(atoms),
                   "calculator": provenance_label(provenance),
                   "optimizer": optimizer_label(optimizer),
                   "relax_normal_cell": relax_normal_cell, "fmax": fmax}
    ckpt = (StepCheckpoint(checkpoint, fingerprint, "relaxation") if checkpoint is not None
            else None)
    orig_cell = work.cell.array.copy()
    done_steps, done_calls, done_wall, resumed_at = 0, 0, 0.0, None
    memory, extra = None, {}
    if ckpt is not None and ckpt.state is not None:
        work.set_cell(ckpt.cells[0], scale_atoms=False)
        work.positions = ckpt.positions[0]
        serve_saved_results(work, ckpt.results[0] if ckpt.results else None)
        orig_cell = np.asarray(ckpt.state["orig_cell"])
        done_steps, done_calls = int(ckpt.state["steps"]), int(ckpt.state["force_calls"])
        done_wall, resumed_at = float(ckpt.state["wall_time_s"]), done_steps
        memory, extra = ckpt.memory, ckpt.extra
    elif binds_symmetry(calc):
        # GPAW refuses a structure that breaks the symmetry of the one it holds: the first
        # energy here (kept by the calculator for the first step) renews it if so
        evaluated(work, calc, lambda w: w.get_potential_energy())
        calc = work.calc

    target = work
    if relax_normal_cell:
        from ase.filters import FrechetCellFilter

        target = FrechetCellFilter(work, mask=[0, 0, 1, 0, 0, 0])
        target.orig_cell = orig_cell  # resumed runs keep the original strain reference

    def converged_now() -> bool:
        if not _max_free_force(work) < fmax:  # NaN is not converged
            return False
        return not relax_normal_cell or abs(work.get_stress()[2]) < stress_tol_GPa * units.GPa

    start = time.perf_counter()
    converged = False
    step = done_steps
    restarts = 0
    # the step the optimiser starts from is already saved (resumed, or rolled back to)
    at_saved_step = resumed_at is not None
    good = (work.positions.copy(), work.cell.array.copy(), done_steps)
    # a checkpointed relaxation keeps its steps in the checkpoint, not in the journal too
    suspend = journal_suspended(calc) if ckpt is not None else contextlib.nullcontext()
    with suspend, count_calculations(calc) as counter:
        while True:
            opt = opt_cls(target, logfile=logfile, **optimizer_options(optimizer))
            # the optimiser's memory is copied out each step only to be saved with a frame
            tap = attach_memory(opt, memory) if ckpt is not None else None
            restore_optimizer_state(opt, extra)
            opt.smax = 1e-12  # PreconLBFGS reads a stress threshold that only its run() sets
            try:
                # our own stopping rule (free atomic forces, σ_zz); irun's fmax is never reached
                for i, _ in enumerate(opt.irun(fmax=1e-12, steps=max(steps - done_steps, 0))):
                    step = done_steps + i
                    converged = converged_now()
                    if i == 0 and at_saved_step:  # the saved step, served or re-evaluated
                        check_finite([work])
                    elif ckpt is not None:
                        ckpt.save([work], opt=opt, tap=tap, steps=step,
                                  force_calls=done_calls + counter.calls,
                                  wall_time_s=done_wall + time.perf_counter() - start,
                                  orig_cell=np.asarray(orig_cell).tolist(),
                                  finished=converged, optimizer_restarts=restarts)
                    else:
                        check_finite([work])
                    good = (work.positions.copy(), work.cell.array.copy(), step)
                    if progress is not None:
                        progress(step, _max_free_force(work))
                    if converged:
                        break
                break
            except NonFiniteStep as exc:
                restarts += 1
                if restarts > MAX_OPTIMIZER_RESTARTS:
                    raise NonFiniteStep(
                        f"{optimizer_label(optimizer)} produced a non-finite step after step "
                        f"{good[2]} again, from a fresh optimiser ({exc}); nothing of it was "
                        f"saved: check the structure and the calculator") from None
                # back to the last good frame, with a fresh optimiser (its memory is what
                # produced the bad step); the checkpoint keeps that frame without the memory
                warnings.warn(f"{optimizer_label(optimizer)}: non-finite step after step "
                              f"{good[2]} ({exc}); continuing from step {good[2]} with a "
                              f"fresh optimiser", stacklevel=2)
                work.set_cell(good[1], scale_atoms=False)
                work.positions = good[0]
                done_calls, done_steps = done_calls + counter.calls, good[2]
                counter.calls = 0
                memory, extra, at_saved_step = None, {}, True
                if ckpt is not None:
                    ckpt.forget_memory()
        energy = float(work.get_potential_energy())
        fmax_now = _max_free_force(work)
        stress = work.get_stress() if relax_normal_cell else None
        stress_zz = float(stress[2] / units.GPa) if relax_normal_cell else None
        detach_calculator(work, energy, work.get_forces(), stress)
    record = _record(
        work, provenance, label, status="relaxed" if converged else "not-converged",
        energy_eV=energy, converged=converged, fmax_target_eV_per_A=fmax,
        fmax_reached_eV_per_A=fmax_now, steps=step, steps_max=steps,
        force_calls=done_calls + counter.calls,
        wall_time_s=done_wall + time.perf_counter() - start, optimizer=optimizer_label(optimizer),
        relax_normal_cell=relax_normal_cell, stress_zz_GPa=stress_zz, resumed_at_step=resumed_at,
        optimizer_restarts=restarts,
    )
    return work, record


def _check_relax_args(fmax, steps, relax_normal_cell, stress_tol_GPa) -> None:
    if not fmax > 0:
        raise UserInputError(f"fmax={fmax} must be > 0 (eV/Å)")
    if steps < 0:
        raise UserInputError(f"steps={steps} must be >= 0")
    if relax_normal_cell and not stress_tol_GPa > 0:
        raise UserInputError(f"stress_tol_GPa={stress_tol_GPa} must be > 0")


def _labels(labels, n: int) -> list[str]:
    if labels is None:
        return [""] * n
    labels = [str(label) for label in labels]
    if len(labels) != n:
        raise UserInputError(f"{len(labels)} labels for {n} structures; give one per structure")
    return labels


def relax_many(
    atoms_list,
    calc,
    fmax: float = 0.05,
    steps: int = 500,
    optimizer: str = DEFAULT_OPTIMIZER,
    relax_normal_cell: bool = False,
    stress_tol_GPa: float = 0.05,
    labels=None,
    batch: Any = "auto",
    batch_max_edges: int | None = None,
    logfile: str | None = None,
    checkpoints=None,
) -> list[tuple[Any, EnergyRecord]]:
    """:func:`relax` for independent structures, in lockstep: one ASE optimiser per structure,
    and the forces of all structures still relaxing evaluated in one batched model call per
    optimiser step. Returns ``[(relaxed_atoms, EnergyRecord), ...]`` in input order, each what
    :func:`relax` returns for that structure with the same arguments (same steps, force calls
    and energies to float precision); ``wall_time_s`` of each record is the wall time of the
    whole lockstep run, which that relaxation shared with the others.

    ``batch``: 'auto' (default) batches when ``calc`` is a SevenNet or CHGNet calculator and
    relaxes one structure after the other with any other calculator; True insists (an error
    for other calculators); False never batches; a
    :class:`~interfacemodel.calculators.evaluator.BatchEvaluator` is used as given.
    ``batch_max_edges``: the evaluator's memory budget (default: the device's; on CPU that is
    one structure per model call, where batches were measured slower). ``relax_normal_cell``
    is supported (the stress comes with every batched evaluation). ``labels``: one per
    structure; ``checkpoints``: one directory (or None) per structure, as :func:`relax`'s
    ``checkpoint`` (a rerun resumes every relaxation from its own last step). Each
    relaxation runs :func:`relax` itself in a thread of its own; the model is called only
    from the calling thread.
    """
    items = structure_list(atoms_list, "relax_many")
    names = _labels(labels, len(items))
    dirs = [None] * len(items) if checkpoints is None else list(checkpoints)
    if len(dirs) != len(items):
        raise UserInputError(f"{len(dirs)} checkpoints for {len(items)} structures; give one "
                             f"directory (or None) per structure")
    if len({str(d) for d in dirs if d is not None}) < sum(d is not None for d in dirs):
        raise UserInputError("two structures share a checkpoint directory; give each its own")
    _check_relax_args(fmax, steps, relax_normal_cell, stress_tol_GPa)
    get_optimizer(optimizer)
    evaluator = batch_evaluator(calc, batch, batch_max_edges)

    def job(atoms, label, directory):
        return lambda c: relax(atoms, c, fmax=fmax, steps=steps, optimizer=optimizer,
                               relax_normal_cell=relax_normal_cell,
                               stress_tol_GPa=stress_tol_GPa, label=label, logfile=logfile,
                               checkpoint=directory)

    jobs = [job(*args) for args in zip(items, names, dirs, strict=True)]
    if evaluator is None:
        return [j(calc) for j in jobs]
    return run_lockstep(jobs, evaluator, like=calc)


__all__ = ["DEFAULT_OPTIMIZER", "EnergyRecord", "element_counts", "in_plane_area", "point_record", "relax",
           "relax_many", "single_point"]
