"""Step checkpoints shared by the relaxation and NEB drivers.

A checkpoint directory holds ``frames.traj`` (the structures of every saved step: one frame
for a relaxation, all images for an NEB), ``optimizer.json`` (ASE's own restart file: BFGS
Hessian, L-BFGS memory, FIRE velocity) and ``state.json`` (steps and force calls so far,
optimiser attributes the restart file leaves out, and a fingerprint that ties the directory to
one input, calculator and optimiser). ``state.json`` is written after the frames, atomically:
a run killed at any moment leaves the last completed step recoverable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UserInputError
from ..records import write_json_atomic

#: optimiser attributes that ASE's restart file leaves out or that the constructor resets after
#: reading it (FIRE sets dt back to its default): saved in state.json and restored on resume,
#: so a resumed run takes the same steps as an uninterrupted one
EXTRA_OPTIMIZER_STATE = {
    "FIRE": ("a", "Nsteps", "dt"), "FIRE2": ("a", "Nsteps", "dt"),
    "PreconFIRE": ("a", "Nsteps", "dt"), "PreconLBFGS": ("e1", "_just_reset_hessian", "H0"),
}


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def optimizer_state(opt) -> dict[str, Any]:
    """The attributes of ``opt`` listed in :data:`EXTRA_OPTIMIZER_STATE` (JSON-ready)."""
    names = EXTRA_OPTIMIZER_STATE.get(type(opt).__name__, ())
    return {name: _plain(getattr(opt, name, None)) for name in names}


def restore_optimizer_state(opt, state: dict[str, Any]) -> None:
    for name, value in state.items():
        setattr(opt, name, value)


class StepCheckpoint:
    def __init__(self, directory: str | Path, fingerprint: dict[str, Any], what: str):
        self.dir = Path(directory)
        self.traj = self.dir / "frames.traj"
        self.optimizer_file = self.dir / "optimizer.json"
        self.state_file = self.dir / "state.json"
        self.fingerprint = fingerprint
        self.state: dict[str, Any] | None = None
        if self.state_file.exists():
            state = json.loads(self.state_file.read_text())
            if state.get("fingerprint") != fingerprint:
                raise UserInputError(
                    f"checkpoint {str(self.dir)!r} belongs to another {what} "
                    f"({state.get('fingerprint')}); remove it or choose another directory")
            if self.traj.exists():
                self.state = state
        else:
            self.dir.mkdir(parents=True, exist_ok=True)
            # frames without state: a run killed before its first step was saved
            self.traj.unlink(missing_ok=True)
            self.optimizer_file.unlink(missing_ok=True)

    def last_frames(self, n: int = 1) -> list:
        """The structures of the last saved step (``n`` frames per step)."""
        from ase.io import read

        return read(self.traj, index=f"-{n}:")

    def save(self, frames: list, **state: Any) -> None:
        """Append one step's ``frames`` and replace state.json by ``state`` (+ fingerprint)."""
        from ase.io import Trajectory

        with Trajectory(self.traj, "a") as traj:
            for atoms in frames:
                traj.write(atoms)
        self.state = {"fingerprint": self.fingerprint, **state}
        write_json_atomic(self.state, self.state_file, overwrite=True)
