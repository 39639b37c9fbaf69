"""Relaxation and NEB checkpoints under faults at any instant (issue 15).

A kill can land anywhere; the only thing on disk that matters is ``checkpoint.npz``, replaced
by a rename. So every instant of a run is equivalent to one of: between two calculator calls
(between two saves), inside a save before its rename, or just after it. These tests kill
(an exception that nothing catches, like SIGKILL) at *every* calculator call and at every
save instant, resume, and require the uninterrupted run's geometry and energy (1e-9) with no
more force calls than it made. The cause of the old failure is shown with plain ASE first.
"""

import os
import shutil
import warnings

import numpy as np
import pytest
from ase.build import fcc111
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms
from ase.optimize import LBFGS

from checks import au_on_al100_endpoints
from interfacemodel.run import checkpoint as ckpt_module
from interfacemodel.run.checkpoint import CHECKPOINT_FILE, NonFiniteStep
from interfacemodel.run.neb import run_neb
from interfacemodel.run.optimizers import OPTIMIZERS
from interfacemodel.run.relax import relax


class Killed(BaseException):
    """Stands for SIGKILL: nothing in the package catches it."""


class CountingEMT(EMT):
    """EMT that counts its evaluations (class-wide, so NEB image copies add up), can be
    killed at the k-th, and can return NaN forces from the k-th on."""

    calls = 0
    kill_at: int | None = None
    nan_from: int | None = None
    nan_until: int | None = None

    def calculate(self, *args, **kwargs):
        CountingEMT.calls += 1
        if CountingEMT.kill_at is not None and CountingEMT.calls == CountingEMT.kill_at:
            raise Killed
        super().calculate(*args, **kwargs)
        n, lo, hi = CountingEMT.calls, CountingEMT.nan_from, CountingEMT.nan_until
        if lo is not None and n >= lo and (hi is None or n <= hi):
            self.results["forces"] = np.full_like(self.results["forces"], np.nan)
            self.results["energy"] = np.nan

    @classmethod
    def reset(cls, kill_at=None, nan_from=None, nan_until=None):
        cls.calls, cls.kill_at, cls.nan_from, cls.nan_until = 0, kill_at, nan_from, nan_until


@pytest.fixture
def slab():
    atoms = fcc111("Cu", (2, 2, 4), vacuum=6.0, a=3.59)
    atoms.rattle(0.08, seed=3)
    atoms.set_constraint(FixAtoms(mask=atoms.positions[:, 2] < atoms.positions[:, 2].min() + 0.5))
    return atoms


#: optimisers that evaluate once per step (the line-search, Gaussian-process and
#: preconditioned ones may evaluate several times within one step)
ONE_CALL_PER_STEP = ("BFGS", "LBFGS", "FIRE", "FIRE2", "MDMin")


def _saved_calls(directory) -> int:
    """Force calls the checkpoint in ``directory`` has saved (0 without one)."""
    import json

    path = directory / CHECKPOINT_FILE
    if not path.exists():
        return 0
    with np.load(path) as data:
        return int(json.loads(str(data["meta"]))["state"]["force_calls"])


def _assert_same_relaxation(out, rec, ref, ref_rec):
    assert rec.converged and rec.steps == ref_rec.steps
    assert np.allclose(out.positions, ref.positions, rtol=0, atol=1e-9)
    assert rec.energy_eV == pytest.approx(ref_rec.energy_eV, rel=1e-9)


def test_the_old_failure_ase_restart_written_inside_step_poisons_lbfgs(slab, tmp_path):
    """The cause, with ASE alone: L-BFGS writes its restart file inside ``step()``. Killed
    after that write and before the new frame was saved, a resume pairs the memory of step
    n+1 with the frame of step n: s = r − r0 = 0, rho = 1/(y·s) = inf, NaN positions."""
    slab.calc = EMT()
    opt = LBFGS(slab, restart=str(tmp_path / "restart.json"), logfile=None)
    steps = opt.irun(fmax=1e-4, steps=50)
    for _ in range(5):
        next(steps)  # steps 0-4 taken, the frame of step 4 saved
    frame = slab.positions.copy()
    opt.step()  # step 5 writes the restart file ... and the process dies here
    atoms = slab.copy()
    atoms.positions = frame
    atoms.calc = EMT()
    resumed = LBFGS(atoms, restart=str(tmp_path / "restart.json"), logfile=None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        resumed.step()
    assert any("divide by zero" in str(w.message) for w in caught)
    assert not np.isfinite(atoms.positions).all()


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_relaxation_killed_at_every_calculator_call_resumes_exactly(slab, tmp_path, optimizer):
    CountingEMT.reset()
    ref, ref_rec = relax(slab, CountingEMT(), fmax=0.02, steps=300, optimizer=optimizer)
    total = CountingEMT.calls
    assert ref_rec.converged and total > 5
    for k in range(1, total + 1, max(1, total // 20)):  # every call, or 20 spread over the run
        directory = tmp_path / f"k{k}"
        CountingEMT.reset(kill_at=k)
        with pytest.raises(Killed):
            relax(slab, CountingEMT(), fmax=0.02, steps=300, optimizer=optimizer,
                  checkpoint=directory)
        killed = CountingEMT.calls - 1  # the killed call computed nothing
        saved = _saved_calls(directory)
        CountingEMT.reset()
        out, rec = relax(slab, CountingEMT(), fmax=0.02, steps=300, optimizer=optimizer,
                         checkpoint=directory)
        _assert_same_relaxation(out, rec, ref, ref_rec)
        # the record counts no more than the uninterrupted run, and nothing saved is computed
        # again; what is lost is the step in flight: one call for one-call-per-step optimisers
        assert rec.force_calls <= ref_rec.force_calls, k
        assert CountingEMT.calls <= total - saved, k
        if optimizer in ONE_CALL_PER_STEP:
            assert killed + CountingEMT.calls <= total + 1, k
        shutil.rmtree(directory)


@pytest.mark.parametrize("where", ["before-rename", "after-rename"])
@pytest.mark.parametrize("optimizer", ["LBFGS:alpha=10", "BFGS", "FIRE"])
def test_relaxation_killed_inside_every_save_resumes_exactly(slab, tmp_path, monkeypatch,
                                                             optimizer, where):
    CountingEMT.reset()
    ref, ref_rec = relax(slab, CountingEMT(), fmax=0.02, steps=300, optimizer=optimizer)
    real_replace = os.replace
    for n in range(1, ref_rec.steps + 1, 3):
        directory = tmp_path / f"n{n}"
        count = {"saves": 0}

        def replace(src, dst, n=n, count=count):
            count["saves"] += 1
            if count["saves"] == n and where == "before-rename":
                raise Killed  # the new step's file is written, not yet in place
            real_replace(src, dst)
            if count["saves"] == n:
                raise Killed

        monkeypatch.setattr(ckpt_module.os, "replace", replace)
        with pytest.raises(Killed):
            relax(slab, CountingEMT(), fmax=0.02, steps=300, optimizer=optimizer,
                  checkpoint=directory)
        monkeypatch.setattr(ckpt_module.os, "replace", real_replace)
        # a temporary file left by the kill before the rename is cleaned up on resume
        out, rec = relax(slab, CountingEMT(), fmax=0.02, steps=300, optimizer=optimizer,
                         checkpoint=directory)
        _assert_same_relaxation(out, rec, ref, ref_rec)
        assert rec.force_calls <= ref_rec.force_calls
        assert [p.name for p in directory.iterdir()] == [CHECKPOINT_FILE]


def test_a_relaxation_killed_again_and_again_still_ends_where_the_whole_one_does(slab, tmp_path):
    kw = {"fmax": 0.02, "steps": 300, "optimizer": "FIRE"}  # 43 steps
    CountingEMT.reset()
    ref, ref_rec = relax(slab, CountingEMT(), **kw)
    for kill_at in (3, 4, 2, 5, 3, 7, 1):  # each resumed run killed again a few calls in
        CountingEMT.reset(kill_at=kill_at)
        with pytest.raises(Killed):
            relax(slab, CountingEMT(), checkpoint=tmp_path, **kw)
    out, rec = relax(slab, CountingEMT(), checkpoint=tmp_path, **kw)
    _assert_same_relaxation(out, rec, ref, ref_rec)
    assert rec.force_calls <= ref_rec.force_calls


def test_normal_cell_relaxation_killed_at_every_call_resumes_exactly(tmp_path):
    """The FrechetCellFilter path (σ_zz relaxed), whose strain reference is saved too."""
    from ase.build import bulk

    stack = bulk("Cu", "fcc", a=3.6, cubic=True).repeat((1, 1, 3))
    stack.set_cell(stack.cell * [1, 1, 1.03], scale_atoms=True)
    stack.rattle(0.02, seed=1)
    kw = {"fmax": 0.01, "steps": 200, "relax_normal_cell": True, "optimizer": "BFGS"}
    CountingEMT.reset()
    ref, ref_rec = relax(stack, CountingEMT(), **kw)
    total = CountingEMT.calls
    for k in range(2, total + 1, 2):
        CountingEMT.reset(kill_at=k)
        with pytest.raises(Killed):
            relax(stack, CountingEMT(), checkpoint=tmp_path / str(k), **kw)
        out, rec = relax(stack, CountingEMT(), checkpoint=tmp_path / str(k), **kw)
        _assert_same_relaxation(out, rec, ref, ref_rec)
        assert np.allclose(out.cell, ref.cell, rtol=0, atol=1e-9)


@pytest.mark.parametrize("optimizer", ["LBFGS:alpha=10", "FIRE"])
def test_neb_killed_at_every_calculator_call_resumes_exactly(tmp_path, optimizer):
    """End-point relaxations and band steps: every call of the whole NEB is a kill point."""
    initial, final = au_on_al100_endpoints()
    kw = {"n_images": 3, "fmax": 0.05, "optimizer": optimizer, "batch": False}
    CountingEMT.reset()
    _, ref = run_neb(initial, final, CountingEMT(), **kw)
    total = CountingEMT.calls
    assert ref.converged
    for k in range(1, total + 1, max(1, total // 25)):
        directory = tmp_path / f"k{k}"
        CountingEMT.reset(kill_at=k)
        with pytest.raises(Killed):
            run_neb(initial, final, CountingEMT(), checkpoint=directory, **kw)
        killed = CountingEMT.calls - 1
        CountingEMT.reset()
        _, rec = run_neb(initial, final, CountingEMT(), checkpoint=directory, **kw)
        assert rec.converged and rec.steps == ref.steps, k
        assert rec.barrier_forward_eV == pytest.approx(ref.barrier_forward_eV, rel=1e-9)
        # the energies along the band, not the positions: the hop is half the cell, so the
        # two ways round the periodic cell tie and 1e-15 Å of noise in an end point picks one
        assert rec.image_energies_eV == pytest.approx(ref.image_energies_eV, rel=1e-9, abs=1e-9)
        assert rec.force_calls <= ref.force_calls
        # really run: at most one band evaluation (3 images) or end-point step more
        assert killed + CountingEMT.calls <= total + kw["n_images"], k
        shutil.rmtree(directory)


def test_a_nan_step_is_never_saved_and_a_fresh_optimiser_continues(slab, tmp_path):
    CountingEMT.reset()
    ref, ref_rec = relax(slab, CountingEMT(), fmax=0.02, steps=300)
    CountingEMT.reset(nan_from=6, nan_until=6)  # one evaluation returns NaN
    with pytest.warns(UserWarning, match="non-finite step after step 4.*fresh optimiser"):
        out, rec = relax(slab, CountingEMT(), fmax=0.02, steps=300, checkpoint=tmp_path)
    assert rec.converged and rec.optimizer_restarts == 1
    assert rec.energy_eV == pytest.approx(ref_rec.energy_eV, abs=1e-4)  # the same minimum
    assert np.isfinite(out.positions).all()


def test_a_calculator_that_stays_nan_fails_with_the_step_named_and_a_clean_checkpoint(
        slab, tmp_path):
    CountingEMT.reset(nan_from=6)  # NaN from the 6th evaluation on
    with pytest.warns(UserWarning), pytest.raises(NonFiniteStep, match="after step 4 again"):
        relax(slab, CountingEMT(), fmax=0.02, steps=300, checkpoint=tmp_path)
    saved = ckpt_module.StepCheckpoint(tmp_path, _fingerprint(slab), "relaxation")
    assert saved.state["steps"] == 4 and np.isfinite(saved.positions).all()
    assert saved.memory is None  # the next resume starts a fresh optimiser at step 4
    CountingEMT.reset()
    _, rec = relax(slab, CountingEMT(), fmax=0.02, steps=300, checkpoint=tmp_path)
    assert rec.converged and rec.resumed_at_step == 4


def _fingerprint(atoms, optimizer="LBFGS:alpha=10"):
    from interfacemodel.calculators import calculator_provenance, provenance_label
    from interfacemodel.records import structure_hash

    return {"structure_hash": structure_hash(atoms),
            "calculator": provenance_label(calculator_provenance(CountingEMT())),
            "optimizer": optimizer, "relax_normal_cell": False, "fmax": 0.02}


def test_a_damaged_checkpoint_is_set_aside_and_the_relaxation_starts_afresh(slab, tmp_path):
    CountingEMT.reset()
    ref, ref_rec = relax(slab, CountingEMT(), fmax=0.02, steps=300)
    CountingEMT.reset(kill_at=5)
    with pytest.raises(Killed):
        relax(slab, CountingEMT(), fmax=0.02, steps=300, checkpoint=tmp_path)
    path = tmp_path / CHECKPOINT_FILE
    path.write_bytes(path.read_bytes()[:100])  # a bad copy, a full disk
    with pytest.warns(UserWarning, match="unreadable.*starts afresh"):
        out, rec = relax(slab, CountingEMT(), fmax=0.02, steps=300, checkpoint=tmp_path)
    _assert_same_relaxation(out, rec, ref, ref_rec)
    assert rec.resumed_at_step is None and (tmp_path / (CHECKPOINT_FILE + ".damaged")).exists()


def test_a_checkpoint_of_the_old_three_file_format_is_not_trusted(slab, tmp_path):
    """state.json + frames.traj + optimizer.json could disagree (the issue-15 failure):
    such a directory starts afresh and its files are removed."""
    for name in ("state.json", "frames.traj", "optimizer.json"):
        (tmp_path / name).write_text("{}")
    CountingEMT.reset()
    _, rec = relax(slab, CountingEMT(), fmax=0.02, steps=300, checkpoint=tmp_path)
    assert rec.converged and rec.resumed_at_step is None
    assert sorted(p.name for p in tmp_path.iterdir()) == [CHECKPOINT_FILE]


def test_a_finished_relaxation_resumed_costs_no_calculation(slab, tmp_path):
    CountingEMT.reset()
    _, first = relax(slab, CountingEMT(), fmax=0.02, steps=300, checkpoint=tmp_path)
    CountingEMT.reset()
    _, again = relax(slab, CountingEMT(), fmax=0.02, steps=300, checkpoint=tmp_path)
    assert CountingEMT.calls == 0 and again.energy_eV == first.energy_eV
    assert again.force_calls == first.force_calls and again.steps == first.steps
