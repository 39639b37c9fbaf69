"""Nudged-elastic-band migration barriers on ASE (DESIGN.md §5).

:func:`run_neb` relaxes the two end points with the same calculator and constraints, builds
the path by IDPP interpolation, and runs a climbing-image NEB with the improved-tangent method
(ASE's default 'aseneb' tangent is the known weak choice), optionally dynamic (images already
below ``fmax`` are not recomputed). Every step can be checkpointed: a rerun resumes the end
points and the band where they stopped (one atomic file per step: :mod:`.checkpoint`).
Energies eV, lengths Å.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..calculators import calculator_provenance, get_calculator, provenance_label
from ..calculators.batch_choice import batch_evaluator
from ..calculators.batched_images import BatchedImages
from ..errors import UserInputError
from ..records import detach_calculator, from_dict, structure_hash
from .checkpoint import (
    MAX_OPTIMIZER_RESTARTS,
    NonFiniteStep,
    StepCheckpoint,
    attach_memory,
    check_finite,
    restore_optimizer_state,
    serve_saved_results,
)
from .journal import journal_calculations
from .optimizers import count_calculations, get_optimizer, optimizer_label, optimizer_options
from .relax import EnergyRecord, relax, relax_many

METHODS = ("improvedtangent", "aseneb", "eb", "spline", "string")
DEFAULT_NEB_OPTIMIZER = "LBFGS:alpha=10"  # bench/neb.py: fewer force calls than FIRE; alpha=5 diverged on H in Cu
#: adjacent images whose energies differ by more than this fraction of the band's energy span
#: mark a discontinuous path (too few images, or an image fell into another basin)
JUMP_FRACTION = 0.75
#: relaxed end points closer than this (total path length, Å) are one state
SAME_STATE_A = 0.5


@dataclass
class NEBRecord:
    """Outcome of one NEB. Energies relative to the relaxed initial state (eV)."""

    barrier_forward_eV: float
    barrier_backward_eV: float
    reaction_energy_eV: float  # E(final) − E(initial)
    image_energies_eV: list[float]
    reaction_coordinate_A: list[float]  # cumulative path length (mic), 0 at the initial state
    saddle_index: int
    n_images: int  # intermediate images
    climb: bool
    method: str
    dynamic: bool
    spring_eV_per_A2: float
    optimizer: str
    fmax_target_eV_per_A: float
    fmax_reached_eV_per_A: float
    steps: int
    steps_max: int
    force_calls: int  # band evaluations (image force calls), end-point relaxations excluded
    converged: bool
    flags: list[str]
    wall_time_s: float
    calculator: dict[str, Any]
    endpoints: dict[str, EnergyRecord] = field(default_factory=dict)
    saddle_structure_hash: str = ""
    resumed_at_step: int | None = None
    #: times the optimiser was started afresh from the last good band after a non-finite step
    optimizer_restarts: int = 0
    #: batched model calls for the band (each evaluates all moving images that changed, or a
    #: budget's share of them); None when the images were evaluated one at a time (then each
    #: force call is one calculator call) and in records written before batching existed
    model_calls: int | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NEBRecord:
        """The record back from :func:`~interfacemodel.records.to_dict` output (e.g. after a
        JSON round trip); ``endpoints`` become :class:`EnergyRecord` again, unknown keys are
        dropped. A JSON round trip keeps every float exactly."""
        return from_dict(cls, data)


class _Total:
    """Sum of several call counters (one per image calculator)."""

    def __init__(self, counters):
        self.counters = counters

    @property
    def calls(self) -> int:
        return sum(c.calls for c in self.counters)


class _BatchedCount:
    """Image evaluations and model calls of a batched band since it was set up."""

    def __init__(self, group):
        self.group = group
        self.base_model_calls = group.evaluator.model_calls

    @property
    def calls(self) -> int:
        return self.group.evaluations

    @property
    def model_calls(self) -> int:
        return self.group.evaluator.model_calls - self.base_model_calls


#: the start of the flag of a band whose highest image is an end point (the report does not rank
#: such a "barrier")
NO_BARRIER_FLAG = "highest image is an end point"


def path_flags(energies, saddle_index: int, jump_fraction: float = JUMP_FRACTION) -> list[str]:
    """Warnings about a band: maximum at an end point, discontinuous energies."""
    e = np.asarray(energies, dtype=float)
    flags = []
    if saddle_index in (0, len(e) - 1):
        flags.append(f"{NO_BARRIER_FLAG}: no barrier between the end points, "
                     "or the end points are not minima")
    span = float(e.max() - e.min())
    if span > 0 and np.any(np.abs(np.diff(e)) > jump_fraction * span) and len(e) > 3:
        flags.append(f"energy jumps by more than {jump_fraction:.0%} of the band's span "
                     f"between neighbouring images: add images or check the end points")
    return flags


def image_calculators(calc, n: int) -> list:
    """``n`` calculators like ``calc``, one per moving image. ASE's NEB with one shared
    calculator recomputes every image each time the band's forces are asked for (twice per
    optimiser step): the calculator caches only the last structure. Calculators from
    :func:`~interfacemodel.calculators.get_calculator` are rebuilt from their spec (ML models
    are shared, not reloaded); other ASE calculators from their class and parameters."""
    spec = getattr(calc, "interfacemodel_spec", None)
    if spec is not None:
        calcs = [calc] + [get_calculator(spec) for _ in range(n - 1)]
    else:
        try:
            calcs = [calc] + [type(calc)(**dict(calc.parameters)) for _ in range(n - 1)]
        except TypeError:  # a calculator that cannot be rebuilt from its parameters: share it
            return [calc] * n
    if getattr(calc, "uses_directory", False):
        # a program's files (pw.x, CP2K): a copy works in image-N/ of calc's folder (the step's),
        # not in the process's working folder, and restarts from its own image's last density
        for i, other in enumerate(calcs[1:], 2):
            other.directory = str(Path(calc.directory) / f"image-{i}")
    journal = getattr(calc, "interfacemodel_journal", None)
    if journal is not None:  # the copies record into (and are served from) calc's journal
        for other in calcs[1:]:
            journal_calculations(other, journal)
    return calcs


def _reaction_coordinate(images) -> list[float]:
    from ase.geometry import find_mic

    s = [0.0]
    for a, b in zip(images[:-1], images[1:], strict=True):
        d, _ = find_mic(b.positions - a.positions, a.cell, a.pbc)
        s.append(s[-1] + float(np.linalg.norm(d)))
    return s


def run_neb(
    initial,
    final,
    calc,
    n_images: int = 5,
    fmax: float = 0.05,
    steps: int = 500,
    climb: bool = True,
    method: str = "improvedtangent",
    spring_eV_per_A2: float = 0.1,
    optimizer: str = DEFAULT_NEB_OPTIMIZER,
    relax_endpoints: bool = True,
    endpoint_fmax: float | None = None,
    interpolation: str = "idpp",
    dynamic: bool = False,
    checkpoint: str | Path | None = None,
    logfile: str | None = None,
    batch: Any = "auto",
    batch_max_edges: int | None = None,
):
    """Minimum-energy path between ``initial`` and ``final``; returns ``(images, NEBRecord)``.

    The two end points must hold the same atoms in the same order (the hop builders of
    :mod:`interfacemodel.models.hops` return them so); their constraints are used for the
    whole band. End points are relaxed first to ``endpoint_fmax`` (default ``fmax``/2) unless
    ``relax_endpoints`` is False. ``interpolation``: 'idpp' (default) or 'linear'.

    ``batch``: how the moving images are evaluated. 'auto' (default): for a SevenNet or
    CHGNet calculator, all images that moved are evaluated in one batched model call per
    band evaluation (:class:`~interfacemodel.calculators.batched_images.BatchedImages`; the two end
    points are relaxed in lockstep too, :func:`~interfacemodel.run.relax.relax_many`); any
    other calculator (EMT, LAMMPS, GPAW, ...) gets one calculator per image. True insists on
    batching (a one-line error for other calculators), False never batches, and a
    :class:`~interfacemodel.calculators.evaluator.BatchEvaluator` is used as given.
    ``batch_max_edges`` is the evaluator's memory budget (default: the device's, which on CPU
    is one image per model call: batches were measured slower there). The band, its steps
    and ``force_calls`` (image evaluations) are those of the unbatched run to float
    precision; ``model_calls`` in the record counts the batched model calls. With
    ``dynamic=True`` ASE's DyNEB moves and re-evaluates images one at a time, so batching
    gains little there.
    """
    from ase.mep import NEB, DyNEB

    if len(initial) != len(final):
        raise UserInputError(f"initial and final states must hold the same atoms in the same "
                             f"order: {len(initial)} and {len(final)} atoms")
    if list(initial.numbers) != list(final.numbers):
        k = int(np.flatnonzero(initial.numbers != final.numbers)[0])
        raise UserInputError(f"initial and final states must hold the same atoms in the same "
                             f"order: atom {k} is {initial[k].symbol} in one, "
                             f"{final[k].symbol} in the other")
    if n_images < 1:
        raise UserInputError(f"n_images={n_images} must be >= 1 (intermediate images)")
    if method not in METHODS:
        raise UserInputError(f"method={method!r}; accepted: {', '.join(METHODS)}")
    if interpolation not in ("idpp", "linear"):
        raise UserInputError(f"interpolation={interpolation!r}; accepted: idpp, linear")
    if not fmax > 0 or not spring_eV_per_A2 > 0:
        raise UserInputError(f"fmax={fmax} and spring_eV_per_A2={spring_eV_per_A2} must be > 0")
    opt_cls = get_optimizer(optimizer)
    evaluator = batch_evaluator(calc, batch, batch_max_edges)
    endpoint_fmax = fmax / 2 if endpoint_fmax is None else endpoint_fmax

    def end_checkpoint(name: str):  # end points resume too: a rerun does not relax them again
        return None if checkpoint is None else Path(checkpoint) / name
    endpoints: dict[str, EnergyRecord] = {}
    ends = []
    relaxed_ends = None
    if relax_endpoints and evaluator is not None:  # both end points in lockstep
        relaxed_ends = relax_many([initial, final], calc, fmax=endpoint_fmax,
                                  labels=["initial", "final"], batch=evaluator,
                                  checkpoints=[end_checkpoint("initial"),
                                               end_checkpoint("final")])
    for k, (name, atoms) in enumerate((("initial", initial), ("final", final))):
        if relax_endpoints:
            relaxed, rec = (relaxed_ends[k] if relaxed_ends is not None
                            else relax(atoms, calc, fmax=endpoint_fmax, label=name,
                                       checkpoint=end_checkpoint(name)))
            if not rec.converged:
                raise UserInputError(f"the {name} state did not relax to {endpoint_fmax} eV/Å "
                                     f"in {rec.steps_max} steps; check it before an NEB")
            endpoints[name] = rec
        else:
            relaxed = atoms.copy()
            relaxed.calc = calc
            relaxed.get_potential_energy()
            worst = float(np.sqrt((relaxed.get_forces() ** 2).sum(axis=1)).max())
            if worst > fmax:
                raise UserInputError(f"the {name} state is not a minimum: largest force "
                                     f"{worst:.3f} eV/Å > fmax {fmax} eV/Å; relax it first "
                                     f"(relax_endpoints=True)")
            # end points keep their results, not the calculator the first image reuses
            detach_calculator(relaxed, relaxed.get_potential_energy(), relaxed.get_forces())
        ends.append(relaxed)

    provenance = calculator_provenance(calc)
    fingerprint = {"initial": structure_hash(ends[0]), "final": structure_hash(ends[1]),
                   "n_images": n_images, "calculator": provenance_label(provenance),
                   "optimizer": optimizer_label(optimizer), "method": method, "climb": climb,
                   "fmax": fmax}
    ckpt = StepCheckpoint(checkpoint, fingerprint, "NEB") if checkpoint is not None else None
    images = [ends[0]] + [ends[0].copy() for _ in range(n_images)] + [ends[1]]
    group = None
    if evaluator is not None:  # end points keep their SinglePointCalculators
        group = BatchedImages(images[1:-1], evaluator)
        calcs = group.calculators
    else:
        calcs = image_calculators(calc, n_images)
        for image, image_calc in zip(images[1:-1], calcs, strict=True):
            image.calc = image_calc
    band_cls = DyNEB if dynamic else NEB
    band_kw = {"fmax": fmax, "dynamic_relaxation": True} if dynamic else {}
    neb = band_cls(images, k=spring_eV_per_A2, climb=climb, method=method,
                   allow_shared_calculator=len({id(c) for c in calcs}) < len(calcs), **band_kw)
    done_steps, done_calls, done_wall, resumed_at = 0, 0, 0.0, None
    done_model_calls = 0
    memory, extra = None, {}
    if ckpt is not None and ckpt.state is not None:
        for image, positions in zip(images[1:-1], ckpt.positions[1:-1], strict=True):
            image.positions = positions
        if group is not None and ckpt.results:
            group.serve(ckpt.results[1:-1])
        elif len({id(c) for c in calcs}) == len(calcs) and ckpt.results:
            for image, results in zip(images[1:-1], ckpt.results[1:-1], strict=True):
                serve_saved_results(image, results)
        done_steps, done_calls = int(ckpt.state["steps"]), int(ckpt.state["force_calls"])
        done_wall, resumed_at = float(ckpt.state["wall_time_s"]), done_steps
        # a part run unbatched (or saved before batching existed) made one call per image
        done_model_calls = ckpt.state.get("model_calls")
        done_model_calls = done_calls if done_model_calls is None else int(done_model_calls)
        memory, extra = ckpt.memory, ckpt.extra
    else:
        neb.interpolate(method=interpolation, mic=True, apply_constraint=True)

    # end points that relaxed into one state: the band has nothing to find (its tangent is
    # noise and a climbing image wanders), so it is evaluated once and not optimised
    same_state = _reaction_coordinate([ends[0], ends[1]])[-1] < SAME_STATE_A
    start = time.perf_counter()
    converged = False
    step = done_steps
    restarts = 0
    at_saved_step = resumed_at is not None
    good = ([image.positions.copy() for image in images[1:-1]], done_steps)
    with contextlib.ExitStack() as stack:
        if group is not None:  # only the image that triggers a batch runs calculate()
            counter = _BatchedCount(group)
        else:
            counter = _Total([stack.enter_context(count_calculations(c))
                              for c in dict.fromkeys(calcs)])

        def model_calls() -> int | None:
            return done_model_calls + counter.model_calls if group is not None else None

        def calls() -> int:
            return done_calls + counter.calls

        while True:
            opt = opt_cls(neb, logfile=logfile, **optimizer_options(optimizer))
            # the optimiser's memory is copied out each step only to be saved with a frame
            tap = attach_memory(opt, memory) if ckpt is not None else None
            restore_optimizer_state(opt, extra)
            try:
                for i, converged in enumerate(opt.irun(fmax=fmax,
                                                       steps=max(steps - done_steps, 0))):
                    if same_state:
                        converged = True  # no band to converge: see the flag below
                        break
                    step = done_steps + i
                    if i == 0 and at_saved_step:  # the saved step, served or re-evaluated
                        check_finite(images)
                    elif ckpt is not None:
                        ckpt.save(images, opt=opt, tap=tap, steps=step,
                                  force_calls=calls(), model_calls=model_calls(),
                                  wall_time_s=done_wall + time.perf_counter() - start,
                                  finished=bool(converged), optimizer_restarts=restarts)
                    else:
                        check_finite(images)
                    good = ([image.positions.copy() for image in images[1:-1]], step)
                break
            except NonFiniteStep as exc:
                restarts += 1
                if restarts > MAX_OPTIMIZER_RESTARTS:
                    raise NonFiniteStep(
                        f"NEB {optimizer_label(optimizer)}: a non-finite step after step "
                        f"{good[1]} again, from a fresh optimiser ({exc}); nothing of it was "
                        f"saved: check the end points and the calculator") from None
                warnings.warn(f"NEB {optimizer_label(optimizer)}: non-finite step after step "
                              f"{good[1]} ({exc}); continuing from step {good[1]} with a "
                              f"fresh optimiser", stacklevel=2)
                for image, positions in zip(images[1:-1], good[0], strict=True):
                    image.positions = positions
                done_steps, memory, extra, at_saved_step = good[1], None, {}, True
                if ckpt is not None:
                    ckpt.forget_memory()
        try:
            residual = float(neb.get_residual())
        except ValueError:  # ASE keeps no residuals when the band never needed a step
            forces = neb.get_forces()
            residual = float(np.sqrt((forces**2).sum(axis=1)).max()) if len(forces) else 0.0
        energies = np.array([image.get_potential_energy() for image in images])
        band_model_calls = model_calls()
    rel = energies - energies[0]
    saddle = int(np.argmax(rel))
    coordinate = _reaction_coordinate(images)
    flags = path_flags(rel, saddle)
    if same_state:
        flags.append(f"the end points relaxed into one state (path length {coordinate[-1]:.2f} Å): "
                     f"the initial state is not a separate minimum, the hop happens by itself "
                     f"(no barrier; the band was evaluated, not optimised)")
    record = NEBRecord(
        barrier_forward_eV=float(rel[saddle]), barrier_backward_eV=float(rel[saddle] - rel[-1]),
        reaction_energy_eV=float(rel[-1]), image_energies_eV=[float(x) for x in rel],
        reaction_coordinate_A=coordinate, saddle_index=saddle,
        n_images=n_images, climb=climb, method=method, dynamic=dynamic,
        spring_eV_per_A2=spring_eV_per_A2, optimizer=optimizer_label(optimizer),
        fmax_target_eV_per_A=fmax, fmax_reached_eV_per_A=residual, steps=step, steps_max=steps,
        force_calls=calls(), converged=bool(converged),
        flags=flags, wall_time_s=done_wall + time.perf_counter() - start,
        calculator=provenance, endpoints=endpoints,
        saddle_structure_hash=structure_hash(images[saddle]), resumed_at_step=resumed_at,
        model_calls=band_model_calls, optimizer_restarts=restarts,
    )
    return images, record
