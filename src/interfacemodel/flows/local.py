"""Run a flow in this process (CLI, notebooks): jobflow's ``run_locally`` with the package's
checkpoint convention (:func:`~interfacemodel.flows.context.checkpoints_at`), so an
interrupted in-process run resumes its relaxations and NEBs when run again with the same
``checkpoints`` folder."""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jobflow import Flow, Job, JobStore, run_locally
from maggma.stores import MemoryStore

from ..errors import UserInputError
from .context import checkpoints_at, detach_journals, progress_to


def run_flow(flow: Flow | Job, checkpoints: str | Path | None = None,
             store: JobStore | None = None,
             progress: Callable[[str], None] | None = None) -> Any:
    """Run ``flow`` here, each job in a folder of its own under ``checkpoints/runs`` (its
    record and structures) with its checkpoints under ``checkpoints/<job uuid>``; returns
    the flow's output (resolved). ``checkpoints`` None: a temporary folder, removed after
    (nothing to resume). ``store``: where outputs go (default: in memory). ``progress``:
    where the steps' progress lines go (default: stdout)."""
    if checkpoints is None:
        with tempfile.TemporaryDirectory(prefix="interfacemodel-") as tmp:
            return run_flow(flow, tmp, store, progress)
    store = store or JobStore(MemoryStore())
    root = Path(checkpoints).resolve()
    root.mkdir(parents=True, exist_ok=True)
    try:
        with checkpoints_at(root), progress_to(progress), warnings.catch_warnings():
            warnings.filterwarnings("ignore", "cd is deprecated", FutureWarning)  # jobflow's
            responses = run_locally(flow, store=store, create_folders=True,
                                    root_dir=root / "runs", log=False, raise_immediately=True)
    finally:
        detach_journals()  # their folders may go with a temporary ``checkpoints``
    output = flow.output
    if output is None:
        return responses
    if not hasattr(output, "resolve"):
        raise UserInputError("the flow's output is not a job output")
    return output.resolve(store)
