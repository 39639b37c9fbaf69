"""What a running step needs from where it runs: its checkpoint folder, its calculator (journalled
into that folder) and the place its record goes.

The same step runs in-process (:func:`~interfacemodel.flows.local.run_flow`) and as a
Firework (the workflow layer's one generic FireTask); both set the checkpoint root with
:func:`checkpoints_at`. A step's folder is ``<root>/<job uuid>``: the uuid is derived from
the step's content (:mod:`~interfacemodel.flows.identity`), so a rerun of a lost or fizzled
step — in a new launch directory, by another runner — finds the same folder, its relaxation
and NEB checkpoints and its calculation journal, and resumes.

Every step writes its record (``record.json``) and structures (extxyz, wrapped into the cell)
into the folder it runs in (the Firework's launch directory) before it reports success: a
lost database can be rebuilt from the launch directories.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from ase.io import write as ase_write
from jobflow import CURRENT_JOB

from ..calculators import calculator_provenance, get_calculator
from ..errors import UserInputError
from ..models.cells import wrap_into_cell
from ..records import to_dict, write_json_atomic
from ..run.journal import JOURNAL_FILE, detach_journal, journal_calculations

RECORD_FILE = "record.json"
_ROOT: ContextVar[Path | None] = ContextVar("interfacemodel_checkpoints", default=None)
_PROGRESS: ContextVar[Callable[[str], None] | None] = ContextVar("interfacemodel_progress",
                                                                 default=None)
#: calculator objects handed to an in-process flow, by token (:func:`live_token`)
_LIVE: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
LIVE_PREFIX = "live:"


@contextlib.contextmanager
def checkpoints_at(root: str | Path) -> Iterator[Path]:
    """Steps run inside this block keep their checkpoints under ``root``."""
    token = _ROOT.set(Path(root).resolve())
    try:
        yield _ROOT.get()
    finally:
        _ROOT.reset(token)


def job_uuid() -> str:
    """The uuid of the running job ("unhashed" outside a job)."""
    job = CURRENT_JOB.job
    return "unhashed" if job is None else str(job.uuid)


def workdir() -> Path:
    """The running step's checkpoint folder ``<root>/<job uuid>`` (root: the innermost
    :func:`checkpoints_at`, else ``./checkpoints``)."""
    root = _ROOT.get() or Path.cwd() / "checkpoints"
    return root / job_uuid()


#: calculators made from specs, one per spec and process (ML potentials load once)
_CALCULATORS: dict[str, Any] = {}


def _calculator(calc_spec: str):
    if calc_spec not in _CALCULATORS:
        _CALCULATORS[calc_spec] = get_calculator(calc_spec)
    return _CALCULATORS[calc_spec]


def live_token(calc) -> str:
    """A token standing for the calculator object ``calc`` in a flow run in this process
    (:func:`~interfacemodel.flows.local.run_flow`): a job's inputs must serialise, a live
    calculator does not."""
    token = f"{LIVE_PREFIX}{id(calc)}"
    _LIVE[token] = calc
    return token


def step_calculator(calc_spec: str):
    """The calculator of ``calc_spec`` (one per process; a :func:`live_token` gives its
    object), journalled into the running step's folder: a rerun after a kill gets every
    calculation already made back from the journal (:mod:`interfacemodel.run.journal`)."""
    if calc_spec.startswith(LIVE_PREFIX):
        calc = _LIVE.get(calc_spec)
        if calc is None:
            raise UserInputError("a flow built with a calculator object runs in the process "
                                 "that built it (run_flow); to submit it, give the maker a "
                                 "calculator spec such as 'sevennet' or 'emt'")
    else:
        calc = _calculator(calc_spec)
    if getattr(calc, "uses_directory", False):  # a program's files (CP2K) go with the step's
        workdir().mkdir(parents=True, exist_ok=True)
        calc.directory = str(workdir())
    journal_calculations(calc, workdir() / JOURNAL_FILE)
    return calc


def detach_journals() -> None:
    """The calculators of this process (live ones and those made from specs) stop
    journalling: the run whose folders their journals are in has ended."""
    for calc in [*_LIVE.values(), *_cached_calculators()]:
        detach_journal(calc)


def _cached_calculators() -> list:
    return list(_CALCULATORS.values())


def step_provenance(calc_spec: str) -> dict[str, Any]:
    """What made a step's numbers (:func:`~interfacemodel.calculators.calculator_provenance`)
    without building the calculator (a join step loads no ML model)."""
    live = _LIVE.get(calc_spec) if calc_spec.startswith(LIVE_PREFIX) else None
    return calculator_provenance(calc_spec if live is None else live)


@contextlib.contextmanager
def progress_to(progress: Callable[[str], None] | None) -> Iterator[None]:
    """Progress lines of steps run inside this block go to ``progress`` (None: stdout)."""
    token = _PROGRESS.set(progress)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def say(msg: str) -> None:
    """A progress line (to the innermost :func:`progress_to`, else stdout)."""
    progress = _PROGRESS.get()
    if progress is None:
        print(f"    · {msg}", flush=True)
    else:
        progress(msg)


def finish(kind: str, name: str, record: Any, calculator: str | None = None,
           structures: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write ``record`` (``record.json``: key, kind, name, calculator, launch_dir, record)
    and ``structures`` (``<label>.extxyz``, atoms wrapped into the cell; a list writes a
    trajectory) into the current folder; returns the document written."""
    here = Path.cwd()
    for label, atoms in (structures or {}).items():  # files people open: atoms in the cell
        frames = [wrap_into_cell(a) for a in atoms] if isinstance(atoms, (list, tuple)) \
            else wrap_into_cell(atoms)
        ase_write(here / f"{label}.extxyz", frames, format="extxyz")
    doc = {"key": job_uuid(), "kind": kind, "name": name, "calculator": calculator,
           "launch_dir": str(here), "record": to_dict(record)}
    write_json_atomic(doc, here / RECORD_FILE, overwrite=True)
    return doc
