"""Step checkpoints shared by the relaxation and NEB drivers: one file, one atomic unit.

A checkpoint directory holds one file, ``checkpoint.npz``: the structures of the last saved
step (one frame for a relaxation, every image for an NEB), the optimiser's memory at that
step (BFGS Hessian, L-BFGS history, FIRE velocity, ...), the optimiser attributes ASE's
restart data leaves out, the counters (steps, force calls, wall time) and a fingerprint that
ties the directory to one input, calculator and optimiser. It is written to a temporary file
and renamed over the old one, so a run killed at any instant leaves either the previous
step or this one on disk — never a frame from one step with the memory of another.

Why not ASE's own ``restart=`` file: ASE's optimisers write it inside ``step()``, after moving
the atoms and before the new forces exist, with a plain ``open(..., 'w')``. A kill between
that write and the frame's left an L-BFGS memory whose last position equals the saved frame:
on resume ``s = r − r0 = 0`` and ``rho = 1/(y·s) = inf``, NaN positions, and a Firework that
fizzled on every rerun (issue 15). Here the optimiser's ``dump`` is redirected into memory
and written only together with the frame it belongs to; ``read`` is fed from the checkpoint.

A step whose positions, forces or energy are not finite is never saved (:class:`NonFiniteStep`):
the drivers go back to the last good frame with a fresh optimiser once, and otherwise fail
with the step named. Checkpoints written by earlier versions (``state.json`` with
``frames.traj`` and ``optimizer.json``) are not trusted — they are the format that could
disagree — and the step starts afresh.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UserInputError

CHECKPOINT_FILE = "checkpoint.npz"
#: the files of the earlier three-file format: removed when a directory is (re)started
_OLD_FILES = ("state.json", "frames.traj", "optimizer.json")

#: optimiser attributes that ASE's restart data leaves out or that the constructor resets
#: after reading it (FIRE sets dt back to its default): saved with every step and restored on
#: resume, so a resumed run takes the same steps as an uninterrupted one
EXTRA_OPTIMIZER_STATE = {
    "FIRE": ("a", "Nsteps", "dt"), "FIRE2": ("a", "Nsteps", "dt"),
    "PreconFIRE": ("a", "Nsteps", "dt", "skip_flag", "e1"),
    "PreconLBFGS": ("e1", "_just_reset_hessian", "H0", "p", "alpha_k"),
    "BFGSLineSearch": ("p", "no_update", "rep_count", "alpha_k"),
    "GPMin": ("function_calls", "force_calls"),
}
#: preconditioner attributes (ASE's Exp): μ is estimated once from the first geometry, and the
#: matrix P is rebuilt only after large displacements, so both are part of the memory
_PRECON_STATE = ("mu", "mu_c", "r_NN", "r_cut", "old_positions")


#: fresh optimisers a driver starts from the last good frame after non-finite steps before
#: it gives up
MAX_OPTIMIZER_RESTARTS = 1


class NonFiniteStep(RuntimeError):
    """An optimiser step produced non-finite positions, forces or energies."""


# ------------------------------------------------------------------ nested data <-> npz


def _pack(obj, arrays: dict[str, np.ndarray]):
    """JSON-ready tree of ``obj`` with every ndarray moved into ``arrays`` (exact floats)."""
    if isinstance(obj, np.ndarray):
        key = f"m{len(arrays)}"
        arrays[key] = obj
        return {"__array__": key}
    if isinstance(obj, np.generic):
        return obj.item()
    if hasattr(obj, "__array__") and type(obj).__name__ == "Cell":  # ase.cell.Cell
        return _pack(np.array(obj), arrays)
    if isinstance(obj, tuple):
        return {"__tuple__": [_pack(x, arrays) for x in obj]}
    if isinstance(obj, list):
        return [_pack(x, arrays) for x in obj]
    if isinstance(obj, dict):
        return {"__dict__": [[str(k), _pack(v, arrays)] for k, v in obj.items()]}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"cannot checkpoint optimiser data of type {type(obj).__name__}")


def _json_scalar(value):
    if isinstance(value, np.generic):  # numpy bools and floats among the counters
        return value.item()
    raise TypeError(f"cannot checkpoint a value of type {type(value).__name__}")


def _unpack(tree, arrays):
    if isinstance(tree, list):
        return [_unpack(x, arrays) for x in tree]
    if isinstance(tree, dict):
        if "__array__" in tree:
            return np.array(arrays[tree["__array__"]])
        if "__tuple__" in tree:
            return tuple(_unpack(x, arrays) for x in tree["__tuple__"])
        if "__dict__" in tree:
            return {k: _unpack(v, arrays) for k, v in tree["__dict__"]}
    return tree


def _all_finite(tree) -> bool:
    if isinstance(tree, np.ndarray):
        return tree.dtype.kind not in "fc" or bool(np.isfinite(tree).all())
    if isinstance(tree, float):
        return bool(np.isfinite(tree))
    if isinstance(tree, (list, tuple)):
        return all(_all_finite(x) for x in tree)
    if isinstance(tree, dict):
        return all(_all_finite(x) for x in tree.values())
    return True


# ------------------------------------------------------------------ optimiser memory


def optimizer_state(opt) -> dict[str, Any]:
    """The attributes of ``opt`` listed in :data:`EXTRA_OPTIMIZER_STATE`, and its
    preconditioner's state (deep copies)."""
    names = EXTRA_OPTIMIZER_STATE.get(type(opt).__name__, ())
    state = {name: copy.deepcopy(getattr(opt, name, None)) for name in names}
    precon = getattr(opt, "precon", None)
    if precon is not None and hasattr(precon, "r_NN"):
        state["__precon__"] = {name: copy.deepcopy(getattr(precon, name, None))
                               for name in _PRECON_STATE}
        matrix = getattr(precon, "P", None)
        if matrix is not None:
            csc = matrix.tocsc()
            state["__precon__"]["P"] = (csc.data.copy(), csc.indices.copy(),
                                        csc.indptr.copy(), tuple(int(n) for n in csc.shape))
    return state


def restore_optimizer_state(opt, state: dict[str, Any]) -> None:
    state = dict(state)
    precon_state = state.pop("__precon__", None)
    for name, value in state.items():
        setattr(opt, name, copy.deepcopy(value))
    if precon_state is not None:
        from scipy.sparse import csc_matrix

        precon = opt.precon
        matrix = precon_state.pop("P", None)
        for name, value in precon_state.items():
            setattr(precon, name, copy.deepcopy(value))
        if matrix is not None:
            data, indices, indptr, shape = matrix
            precon.P = csc_matrix((data, indices, indptr), shape=tuple(shape))
            precon.create_solver()


class _MemoryTap:
    """Takes the place of an optimiser's ``dump``/``load``: what ASE would write to its
    restart file is kept here (a deep copy) until the checkpoint saves it with its frame."""

    def __init__(self, opt, memory=None):
        self.memory = memory
        opt.dump = self.dump
        opt.load = self.load

    def dump(self, data=None, *_):
        if data is None:  # GPMin's dump() takes no argument: its training set
            owner = self.owner
            data = (owner.x_list, owner.y_list)
        self.memory = copy.deepcopy(data)

    def load(self):
        return copy.deepcopy(self.memory)


def attach_memory(opt, memory=None) -> _MemoryTap:
    """Redirect ``opt``'s restart data into memory; with ``memory`` (from a checkpoint), load
    it into the optimiser as ASE's ``read()`` would from its restart file."""
    tap = _MemoryTap(opt, memory)
    tap.owner = opt
    if memory is not None:
        opt.read()
    return tap


# ------------------------------------------------------------------ the checkpoint


#: calculator results kept with each frame: a resumed run finds them in its calculator's cache
#: and does not evaluate the saved step again
_RESULT_KEYS = ("energy", "free_energy", "forces", "stress")


def _frame_results(atoms) -> dict[str, Any]:
    results = getattr(atoms.calc, "results", None) or {}
    return {k: copy.deepcopy(results[k]) for k in _RESULT_KEYS if k in results}


def _resumed_class():
    from ase.calculators.calculator import Calculator, all_changes, compare_atoms

    class ResumedCalculator(Calculator):
        """Serves a saved step's results at that step's structure and passes everything else
        to ``calc``: a resumed run does not evaluate the saved step again. ``calc`` keeps its
        own cache and call counting."""

        implemented_properties = _RESULT_KEYS

        def __init__(self, calc, atoms, results):
            super().__init__()
            self.calc = calc
            self.saved_atoms = atoms.copy()
            self.saved = copy.deepcopy(results)

        def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
            super().calculate(atoms, properties, system_changes)
            if not compare_atoms(self.saved_atoms, self.atoms) and \
                    all(p in self.saved for p in properties):
                self.results = copy.deepcopy(self.saved)
                return
            for name in properties:
                self.calc.get_property(name, self.atoms)
            self.results = dict(self.calc.results)

    return ResumedCalculator


def serve_saved_results(atoms, results: dict[str, Any] | None) -> bool:
    """Give ``atoms`` a calculator that answers at its current structure with the saved
    ``results`` of that step and asks ``atoms.calc`` for anything else (a resumed step then
    costs no calculation). Returns whether it was done (not without saved forces)."""
    if not results or "forces" not in results or atoms.calc is None:
        return False
    atoms.calc = _resumed_class()(atoms.calc, atoms, results)
    return True


def _frame_results_finite(atoms) -> bool:
    results = getattr(atoms.calc, "results", None) or {}
    for key in ("energy", "free_energy", "forces"):
        value = results.get(key)
        if value is not None and not bool(np.isfinite(np.asarray(value, dtype=float)).all()):
            return False
    return bool(np.isfinite(atoms.positions).all()) and bool(np.isfinite(atoms.cell.array).all())


def check_finite(frames: list, opt=None, tap: _MemoryTap | None = None):
    """``(memory, extra)`` of the step (the optimiser's memory held by ``tap`` and the
    attributes of ``opt``) once the frames' positions, cells, forces and energies and that
    memory are all finite; :class:`NonFiniteStep` otherwise."""
    bad = [k for k, atoms in enumerate(frames) if not _frame_results_finite(atoms)]
    if bad:
        raise NonFiniteStep(f"non-finite positions, forces or energy in frame {bad[0]}")
    memory = None if tap is None else tap.memory
    extra = {} if opt is None else optimizer_state(opt)
    if not _all_finite(memory) or not _all_finite(extra):
        raise NonFiniteStep("the optimiser's memory holds non-finite numbers")
    return memory, extra


class StepCheckpoint:
    """The checkpoint of one relaxation or NEB in ``directory``.

    ``state`` is the saved counters and attributes (None when there is nothing to resume),
    ``positions``/``cells`` the saved step's frames, ``memory`` the optimiser's memory at
    that step (None: resume with a fresh optimiser). A checkpoint of another input is refused
    with one line; an unreadable one is set aside (``checkpoint.npz.damaged``) and the step
    starts afresh.
    """

    def __init__(self, directory: str | Path, fingerprint: dict[str, Any], what: str):
        self.dir = Path(directory)
        self.file = self.dir / CHECKPOINT_FILE
        self.fingerprint = json.loads(json.dumps(fingerprint))
        self.what = what
        self.state: dict[str, Any] | None = None
        self.positions: np.ndarray | None = None
        self.cells: np.ndarray | None = None
        self.memory = None
        self.extra: dict[str, Any] = {}
        self.results: list[dict[str, Any]] = []
        self.dir.mkdir(parents=True, exist_ok=True)
        for stale in self.dir.glob(f".{CHECKPOINT_FILE}.*"):  # a save killed before its rename
            stale.unlink(missing_ok=True)
        if self.file.exists():
            self._load()
        if self.state is None:
            for name in _OLD_FILES:  # an earlier format's files, never trusted
                (self.dir / name).unlink(missing_ok=True)

    def _load(self) -> None:
        try:
            with np.load(self.file, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
            meta = json.loads(str(arrays.pop("meta")))
            positions, cells = arrays.pop("positions"), arrays.pop("cells")
        except Exception as exc:  # noqa: BLE001 - any damage: set aside, start afresh
            damaged = self.file.with_name(CHECKPOINT_FILE + ".damaged")
            os.replace(self.file, damaged)
            import warnings

            warnings.warn(f"checkpoint {str(self.file)!r} is unreadable ({type(exc).__name__}); "
                          f"moved to {damaged.name}, the {self.what} starts afresh",
                          stacklevel=3)
            return
        if meta.get("fingerprint") != self.fingerprint:
            raise UserInputError(
                f"checkpoint {str(self.dir)!r} belongs to another {self.what} "
                f"({meta.get('fingerprint')}); remove it or choose another directory")
        self.state = meta["state"]
        self.positions, self.cells = positions, cells
        self.memory = _unpack(meta["memory"], arrays)
        self.extra = _unpack(meta["extra"], arrays)
        self.results = _unpack(meta.get("results") or [], arrays)

    def save(self, frames: list, opt=None, tap: _MemoryTap | None = None, **state: Any) -> None:
        """Replace the checkpoint by one step: ``frames`` (their positions and cells), the
        optimiser memory held by ``tap`` and the attributes of ``opt``, and ``state``
        (JSON-ready counters). Raises :class:`NonFiniteStep`, writing nothing, when a frame or
        the memory is not finite."""
        memory, extra = check_finite(frames, opt, tap)
        positions = np.array([a.positions for a in frames], dtype=float)
        cells = np.array([a.cell.array for a in frames], dtype=float)
        self._commit(state, positions, cells, memory, extra, [_frame_results(a) for a in frames])

    def forget_memory(self) -> None:
        """Keep the saved frame, drop the optimiser memory (the next resume starts a fresh
        optimiser there): rewritten atomically."""
        if self.state is None:
            return
        self._commit(self.state, self.positions, self.cells, None, {}, self.results)

    def _commit(self, state, positions, cells, memory, extra, results) -> None:
        arrays: dict[str, np.ndarray] = {}
        meta = {"fingerprint": self.fingerprint, "state": state,
                "memory": _pack(memory, arrays), "extra": _pack(extra, arrays),
                "results": _pack(results, arrays)}
        fd, tmp = tempfile.mkstemp(prefix=f".{CHECKPOINT_FILE}.", dir=self.dir)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, meta=np.array(json.dumps(meta, default=_json_scalar)),
                         positions=positions,
                         cells=cells, **arrays)
            os.replace(tmp, self.file)  # the commit: the old step or this one, never a mix
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        # references, not copies: the tap and optimizer_state already handed over copies of
        # their own, which nothing changes afterwards (a BFGS Hessian is 3N×3N floats)
        self.state, self.positions, self.cells = state, positions, cells
        self.memory, self.extra, self.results = memory, extra, results
