"""Run a flow in this process (CLI, notebooks): jobflow's ``run_locally`` with the package's
checkpoint convention (:func:`~interfacemodel.flows.context.checkpoints_at`), so an
interrupted in-process run resumes its relaxations and NEBs when run again with the same
``checkpoints`` folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jobflow import Flow, Job, JobStore, run_locally
from maggma.stores import MemoryStore

from ..errors import UserInputError
from .context import checkpoints_at


def run_flow(flow: Flow | Job, checkpoints: str | Path = "checkpoints",
             store: JobStore | None = None) -> Any:
    """Run ``flow`` here, each job in a folder of its own under ``checkpoints/runs``; returns
    the flow's output (resolved). ``store``: where outputs go (default: in memory)."""
    store = store or JobStore(MemoryStore())
    root = Path(checkpoints)
    with checkpoints_at(root):
        responses = run_locally(flow, store=store, create_folders=True,
                                root_dir=root / "runs", log=False, raise_immediately=True)
    output = flow.output
    if output is None:
        return responses
    if not hasattr(output, "resolve"):
        raise UserInputError("the flow's output is not a job output")
    return output.resolve(store)
