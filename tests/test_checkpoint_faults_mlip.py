"""The checkpoint fault tests of test_checkpoint_faults.py with SevenNet (issue 15): one
relaxation (called one structure at a time) and one NEB (images and end points through the
batched evaluator), killed at many calculator calls and resumed. SevenNet is float32 (one ulp
of a 28 eV total energy is 1.9e-6 eV) and torch on CPU is not bitwise reproducible from call
to call, so the resumed run is held to the uninterrupted one within 2e-5 eV (about ten ulps)
and 1e-4 Å rather than 1e-9."""

import numpy as np
import pytest

from checks import li_vacancy_endpoints
from interfacemodel.calculators.evaluator import BatchEvaluator
from interfacemodel.run.neb import run_neb
from interfacemodel.run.relax import relax

pytestmark = pytest.mark.mlip


class Killed(BaseException):
    pass


@pytest.fixture(scope="module")
def sevennet():
    from interfacemodel.calculators import get_calculator

    return get_calculator("sevennet")


@pytest.fixture
def kill_at(monkeypatch):
    """kill_at(cls, method, k): the k-th call of ``cls.method`` (counted from now) raises
    Killed; returns the counter."""

    def arm(cls, method, k):
        count = {"n": 0}
        original = getattr(cls, method)

        def wrapper(self, *args, **kwargs):
            count["n"] += 1
            if count["n"] == k:
                raise Killed
            return original(self, *args, **kwargs)

        monkeypatch.setattr(cls, method, wrapper)
        return count

    return arm


def test_sevennet_relaxation_killed_at_many_calls_resumes(sevennet, tmp_path, kill_at,
                                                           monkeypatch):
    cell, _ = li_vacancy_endpoints()
    cell.rattle(0.05, seed=2)
    cls = type(sevennet)
    original = cls.calculate
    ref, ref_rec = relax(cell, sevennet, fmax=0.02, steps=200)
    assert ref_rec.converged and ref_rec.force_calls > 6
    for k in range(2, ref_rec.force_calls, max(1, ref_rec.force_calls // 6)):
        kill_at(cls, "calculate", k)
        with pytest.raises(Killed):
            relax(cell, sevennet, fmax=0.02, steps=200, checkpoint=tmp_path / str(k))
        monkeypatch.setattr(cls, "calculate", original)
        out, rec = relax(cell, sevennet, fmax=0.02, steps=200, checkpoint=tmp_path / str(k))
        assert rec.converged and rec.resumed_at_step is not None
        assert rec.energy_eV == pytest.approx(ref_rec.energy_eV, abs=2e-5)
        assert np.abs(out.positions - ref.positions).max() < 1e-4
        assert rec.force_calls <= ref_rec.force_calls + 1


def test_sevennet_batched_neb_killed_at_many_model_calls_resumes(sevennet, tmp_path, kill_at,
                                                                 monkeypatch):
    initial, final = li_vacancy_endpoints()
    initial.rattle(0.03, seed=1)  # end points with something to relax
    final.rattle(0.03, seed=2)
    kw = {"n_images": 3, "fmax": 0.02}
    original = BatchEvaluator.evaluate
    count = kill_at(BatchEvaluator, "evaluate", 10**9)  # counts the uninterrupted run
    _, ref = run_neb(initial, final, sevennet, **kw)
    total = count["n"]
    monkeypatch.setattr(BatchEvaluator, "evaluate", original)
    assert ref.converged and ref.model_calls is not None and total > 8
    for k in range(1, total + 1, max(1, total // 8)):  # end-point and band evaluations
        kill_at(BatchEvaluator, "evaluate", k)
        with pytest.raises(Killed):
            run_neb(initial, final, sevennet, checkpoint=tmp_path / str(k), **kw)
        monkeypatch.setattr(BatchEvaluator, "evaluate", original)
        _, rec = run_neb(initial, final, sevennet, checkpoint=tmp_path / str(k), **kw)
        assert rec.converged
        assert rec.barrier_forward_eV == pytest.approx(ref.barrier_forward_eV, abs=2e-5)
        assert rec.image_energies_eV == pytest.approx(ref.image_energies_eV, abs=2e-5)
        # the saved band is served from the checkpoint, not evaluated again
        assert rec.force_calls <= ref.force_calls
