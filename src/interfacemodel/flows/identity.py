"""Jobs with content-derived identities: identical work is one job.

A job's uuid is derived from what it computes — the step (its function), the calculator
(name, model, parameters; not the device) and its inputs, where an input that is another
job's output counts by that job's uuid — so the identity chains through the whole flow like
a Merkle tree. Two campaigns that share an interface build jobs with equal uuids: the
workflow layer's dupe finder hands the second one the first one's launch, and jobflow's
references resolve to the output stored under that uuid.

Inputs that are ``None`` are left out of the identity (a new optional setting does not
invalidate the work done before it existed); an ``ase.Atoms`` input counts by its
:func:`~interfacemodel.records.structure_hash` and is carried as an
:class:`~interfacemodel.records.AtomsDocument`, so a workflow never depends on a
file path at run time.
"""

from __future__ import annotations

import hashlib
import json
import uuid as uuidlib
from collections.abc import Callable, Iterable
from typing import Any

from jobflow import Flow, Job, Maker, OutputReference

from ..calculators import calculator_provenance
from ..records import AtomsDocument, _is_atoms, as_document, structure_hash, to_dict
from .context import live_token


def calculator_identity(calc: Any) -> dict[str, Any]:
    """What makes two calculators (spec strings or objects) the same: name, model,
    parameters (the device is left out: a GPU and a CPU give the same numbers to float
    precision; so is the ``command`` of a program-running calculator, which is not among
    them)."""
    prov = calculator_provenance(calc)
    params = {k: v for k, v in (prov.get("parameters") or {}).items() if k != "device"}
    return {"name": prov.get("name"), "model": prov.get("model"), "parameters": params}


def _identity(value: Any) -> Any:
    """The part of an input that decides what a job computes, as JSON-compatible data."""
    if isinstance(value, OutputReference):
        return {"output_of": value.uuid, "attributes": [list(a) for a in value.attributes]}
    if _is_atoms(value):
        return {"structure": structure_hash(value)}
    if hasattr(value, "_payload"):  # a Record (settings object, typed product)
        return _identity(value._payload())
    if isinstance(value, dict):
        return {str(k): _identity(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_identity(v) for v in value]
    return to_dict(value)


def content_uuid(step: str, calculator: Any, inputs: dict[str, Any]) -> str:
    """A uuid-formatted SHA-256 of the step's name, calculator identity and inputs."""
    payload = {"step": step, "inputs": _identity(inputs),
               "calculator": None if calculator is None else calculator_identity(calculator)}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return str(uuidlib.UUID(hashlib.sha256(text.encode()).hexdigest()[:32]))


def is_job_uuid(key: Any) -> bool:
    """Whether ``key`` is a uuid as :func:`content_uuid` writes it (safe as a folder name)."""
    try:
        return isinstance(key, str) and str(uuidlib.UUID(key)) == key
    except ValueError:
        return False


def _carried(value: Any) -> Any:
    """``value`` as it travels inside a serialised job: Atoms as AtomsDocument."""
    if _is_atoms(value) and not isinstance(value, AtomsDocument):
        return as_document(value)
    if isinstance(value, dict):
        return {k: _carried(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_carried(v) for v in value]
    return value


def step_job(function: Callable, name: str, calculator: Any = None, /,
             **inputs: Any) -> Job:
    """A jobflow :class:`~jobflow.Job` running ``function(**inputs)`` (plus
    ``calculator=`` when given) whose uuid is :func:`content_uuid` of it: the same work,
    built twice, is the same job. ``calculator``: a spec string, or a calculator object
    for a flow run in this process (it travels as a :func:`~.context.live_token`)."""
    kwargs = {k: _carried(v) for k, v in inputs.items()}
    if calculator is not None:
        kwargs["calculator"] = calculator if isinstance(calculator, str) \
            else live_token(calculator)
    uuid = content_uuid(f"{function.__module__}.{function.__qualname__}", calculator, inputs)
    return Job(function, function_kwargs=kwargs, uuid=uuid, name=name)


def unique(jobs: Iterable[Job]) -> list[Job]:
    """``jobs`` with one job per uuid (the first), order kept: equal uuids compute the same
    thing, so references to a dropped twin resolve to the kept one's output."""
    kept: dict[str, Job] = {}
    for job in jobs:
        kept.setdefault(job.uuid, job)
    return list(kept.values())


def flow_of(jobs: Iterable[Job], name: str, output: Any = None) -> Flow:
    """A :class:`~jobflow.Flow` of the unique ``jobs``."""
    return Flow(unique(jobs), output=output, name=name)


class PipelineMaker(Maker):
    """A maker whose flow is the list of its :meth:`jobs` (the join last, the flow's output),
    named after the maker and its first argument; ``make`` takes what ``jobs`` takes."""

    def jobs(self, *args: Any, **kwargs: Any) -> list[Job]:
        raise NotImplementedError

    def make(self, *args: Any, **kwargs: Any) -> Flow:
        jobs = self.jobs(*args, **kwargs)
        return flow_of(jobs, f"{self.name} {args[0]}", output=jobs[-1].output)
