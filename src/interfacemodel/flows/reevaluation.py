"""One re-evaluation for every pipeline: another calculator's record at the campaign's
structures.

A pipeline's join step (its evaluation: energies at the points its geometry steps published
-> its record) carries its pure evaluation function as ``join.evaluation``. For a committee
member, another functional or the DFT check, :func:`reevaluation_job` makes one job with the
join's own inputs: single points of that calculator at the same points
(:func:`~interfacemodel.procedures.reevaluation.point_energies`), then the same evaluation on
them — the same record type as the main pipeline's, nothing written per pipeline. Where a
join reads the output of another pipeline that the member also re-evaluates (the energetics
reads the reaction with Li), ``replace`` hands it the member's own.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

from jobflow import Job

from ..analysis.committee import ShortRelaxation
from ..analysis.points import Reevaluation, energies_of, points_of
from ..procedures.reevaluation import reevaluate
from .context import finish, say, step_calculator, step_provenance, workdir
from .identity import step_job


def join_of(evaluate: Callable) -> Callable[[Callable], Callable]:
    """Marks a step as a pipeline's join whose pure evaluation is ``evaluate`` (what
    :func:`reevaluation_job` runs for another calculator)."""
    def mark(step: Callable) -> Callable:
        step.evaluation = evaluate
        return step
    return mark


def main_record(evaluate: Callable, calculator: str, **inputs: Any) -> Any:
    """A join's record: ``evaluate`` on the campaign calculator's own energies at the points
    of ``inputs`` (None inputs left out)."""
    inputs = {k: v for k, v in inputs.items() if v is not None}
    return evaluate(energies_of(points_of(inputs)), step_provenance(calculator), **inputs)


def evaluation_name(evaluate: Callable) -> str:
    """The importable name of an evaluation function ('module.function')."""
    return f"{evaluate.__module__}.{evaluate.__qualname__}"


def _load(name: str) -> Callable:
    module, _, function = name.rpartition(".")
    return getattr(importlib.import_module(module), function)


def reevaluation_step(evaluation: str, inputs: dict[str, Any], calculator: str,
                      product: str, short: ShortRelaxation | None = None,
                      only: list[str] | None = None) -> Reevaluation:
    """``calculator``'s record of a pipeline (``product``: its join's name, e.g.
    'energetics:li-lif'; the result document is ``<product>:<calculator>``, kind
    'reevaluation'): its single points at the points of the join's ``inputs`` (``only``: those named, e.g. a hop's end points and saddle), the pipeline's
    ``evaluation`` on them; with ``short`` (the DFT check) also the record after relaxing,
    for at most a few steps, the relaxed points where its forces disagree."""
    evaluate = _load(evaluation)
    say(f"{calculator}: single points of {product}")
    result = reevaluate(evaluate, inputs, step_calculator(calculator), short=short, only=only,
                        workdir=workdir() if short is not None else None, label=calculator)
    finish("reevaluation", f"{product}:{calculator}", result, calculator)
    return result


def reevaluation_job(join: Job, member: str, *, name: str | None = None,
                     replace: dict[str, Any] | None = None,
                     short: ShortRelaxation | None = None,
                     only: Iterable[str] | None = None) -> Job:
    """The job of ``member``'s record of the pipeline whose join is ``join`` (a job of a
    step carrying its ``evaluation``), named ``committee:<join name>:<member>`` (e.g.
    ``committee:energetics:li-lif:chgnet``) unless ``name`` is given. ``replace``: join inputs to take from elsewhere (another pipeline's
    member output); ``short``: the DFT check's short relaxation; ``only``: the points to
    evaluate (the others are left out, and the numbers that need them with them)."""
    evaluate = getattr(join.function, "evaluation", None)
    if evaluate is None:
        raise TypeError(f"{join.name}: its step declares no evaluation to re-evaluate")
    inputs = {k: v for k, v in join.function_kwargs.items() if k != "calculator"}
    inputs.update(replace or {})
    extra: dict[str, Any] = {}
    if short is not None:
        extra["short"] = short
    if only is not None:
        extra["only"] = sorted(only)
    return step_job(reevaluation_step, name or f"committee:{join.name}:{member}", member,
                    evaluation=evaluation_name(evaluate), inputs=inputs, product=join.name,
                    **extra)



