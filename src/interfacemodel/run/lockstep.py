"""Independent calculations advanced in lockstep: every round of their evaluations is one
batched model call.

:func:`run_lockstep` runs each job (the package's own ``relax``/``relax_bulk``, unchanged) in
a thread with a :class:`LockstepCalculator`; a round of evaluations (one per optimiser step
of every relaxation still running, or per line-search trial) is one
:meth:`~interfacemodel.calculators.evaluator.BatchEvaluator.evaluate` call (energy eV, forces
eV/Å and stress eV/Å³ together) made in the calling thread, on the evaluator's device and
within its memory budget (:mod:`interfacemodel.calculators.chunking`). Used by
:func:`~interfacemodel.run.relax.relax_many`, :func:`~interfacemodel.run.bulk.relax_bulk_many`
(and through it ``fit_eos``) and ``analysis.reactivity.phase_energies``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from ase.calculators.calculator import Calculator, all_changes

from ..calculators.evaluator import BatchEvaluator, ase_results


class LockstepCalculator(Calculator):
    """The calculator of one job of :func:`run_lockstep`: a ``calculate`` blocks until every
    other running job has asked for its own next evaluation (or finished); then all of them
    are evaluated in one batched call. Energy, forces and stress are always computed
    together (the SevenNet and CHGNet calculators also return all three in one call)."""

    implemented_properties = ("energy", "free_energy", "forces", "stress")

    def __init__(self, group: _Lockstep, index: int):
        super().__init__()
        self.group = group
        self.index = index

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        self.results = self.group.request(self)


class _Lockstep:
    """The barrier: jobs run in threads; the thread that called :func:`run_lockstep` waits
    until every running job waits for an evaluation, evaluates them all in one
    :meth:`BatchEvaluator.evaluate` (in job order), hands out the results and waits again."""

    def __init__(self, evaluator: BatchEvaluator, n_jobs: int):
        self.evaluator = evaluator
        self.cond = threading.Condition()
        self.running = n_jobs
        self.pending: dict[int, LockstepCalculator] = {}
        self.answers: dict[int, Any] = {}
        self.aborted: BaseException | None = None
        self.batches = 0
        self.evaluations = 0

    def request(self, calc: LockstepCalculator) -> dict[str, Any]:
        with self.cond:
            if self.aborted is not None:
                raise RuntimeError("lockstep evaluation aborted") from self.aborted
            self.pending[calc.index] = calc
            self.cond.notify_all()
            self.cond.wait_for(lambda: calc.index in self.answers or self.aborted is not None)
            if calc.index not in self.answers:
                raise RuntimeError("lockstep evaluation aborted") from self.aborted
            answer = self.answers.pop(calc.index)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def leave(self) -> None:
        with self.cond:
            self.running -= 1
            self.cond.notify_all()

    def serve(self) -> None:
        """Run in the calling thread until every job has finished."""
        with self.cond:
            while True:
                self.cond.wait_for(lambda: self.running == 0 or (
                    self.pending and len(self.pending) == self.running))
                if self.running == 0 and not self.pending:
                    return
                order = sorted(self.pending)
                calcs = [self.pending.pop(i) for i in order]
                try:  # every job waits: evaluating under the lock blocks nobody
                    results = self.evaluator.evaluate([c.atoms for c in calcs], stress=True)
                except Exception as exc:  # the jobs of this batch fail with it, not the others
                    for i in order:
                        self.answers[i] = exc
                else:
                    for i, res in zip(order, results, strict=True):
                        self.answers[i] = ase_results(res)
                    self.batches += 1
                    self.evaluations += len(order)
                self.cond.notify_all()

    def abort(self, exc: BaseException) -> None:
        with self.cond:
            self.aborted = exc
            self.cond.notify_all()


def run_lockstep(jobs: Sequence, evaluator: BatchEvaluator, like: Any = None,
                 stats: dict[str, int] | None = None) -> list:
    """Run independent ``jobs`` (callables taking one ASE calculator, e.g.
    ``lambda calc: relax(atoms, calc)``) together: each job runs in its own thread with its
    own :class:`LockstepCalculator`, and every round of evaluations (one per optimiser step of
    each unconverged relaxation) is one :meth:`BatchEvaluator.evaluate` call made in the
    calling thread. Each job computes exactly what it computes alone, on the same forces (to
    float precision): same steps, same records. Returns the jobs' return values in order; the
    first job (in order) that raised has its exception re-raised after all jobs ended.

    ``like``: a calculator whose ``interfacemodel_spec`` the job calculators carry, so that
    :func:`~interfacemodel.calculators.calculator_provenance` of a job's calculator reads as
    that calculator (default: the evaluator's). ``stats``, if given, receives the counters
    ``batches`` (rounds evaluated, each one :meth:`~BatchEvaluator.evaluate`; the evaluator's
    ``model_calls`` counts the model calls, more when the budget splits a round) and
    ``evaluations`` (structures evaluated in all).
    """
    jobs = list(jobs)
    group = _Lockstep(evaluator, len(jobs))
    spec = getattr(evaluator.calculator if like is None else like, "interfacemodel_spec", None)
    calcs = [LockstepCalculator(group, i) for i in range(len(jobs))]
    if spec is not None:
        for calc in calcs:
            calc.interfacemodel_spec = spec
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException | None] = [None] * len(jobs)

    def work(i: int) -> None:
        try:
            results[i] = jobs[i](calcs[i])
        except BaseException as exc:  # noqa: BLE001 - handed to the caller below
            errors[i] = exc
        finally:
            group.leave()

    threads = [threading.Thread(target=work, args=(i,), daemon=True,
                                name=f"lockstep-{i}") for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    try:
        group.serve()
    except BaseException as exc:  # KeyboardInterrupt: release the waiting jobs
        group.abort(exc)
        raise
    finally:
        for thread in threads:
            thread.join()
        if stats is not None:
            stats.update(batches=group.batches, evaluations=group.evaluations)
    for exc in errors:
        if exc is not None:
            raise exc
    return results


__all__ = ["LockstepCalculator", "run_lockstep"]
