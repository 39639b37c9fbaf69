"""MSD diffusivity on synthetic random walks of known D (an analytic reference)."""

import numpy as np
import pytest

from checks import assert_one_line
from interfacemodel.analysis.msd import msd_diffusivity
from interfacemodel.errors import UserInputError


def _walk(D_A2_per_fs, n_atoms, n_frames, dt_fs, seed=0, drift_A_per_fs=0.0):
    """Brownian walkers: each step ~ N(0, 2 D dt) per axis; optional common drift."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, np.sqrt(2 * D_A2_per_fs * dt_fs), size=(n_frames, n_atoms, 3))
    steps[0] = 0.0
    pos = np.cumsum(steps, axis=0)
    pos += drift_A_per_fs * dt_fs * np.arange(n_frames)[:, None, None] * np.array([1.0, 0, 0])
    return pos


def test_random_walk_diffusivity_is_recovered_within_its_error():
    D = 1e-3  # Å²/fs = 1e-4 cm²/s
    res = msd_diffusivity(_walk(D, 200, 2000, 1.0), timestep_fs=1.0, n_blocks=5)
    assert res.D_cm2_per_s == pytest.approx(1e-4, rel=0.05)
    assert res.D_error_cm2_per_s < 0.1 * res.D_cm2_per_s
    assert abs(res.D_cm2_per_s - 1e-4) < 4 * res.D_error_cm2_per_s


def test_pure_li_cell_drift_is_removed():
    """A whole-cell drift (no framework atoms to pin it) would add v² t² to the MSD."""
    D = 1e-3
    pos = _walk(D, 100, 2000, 1.0, seed=1, drift_A_per_fs=0.01)
    fixed = msd_diffusivity(pos, timestep_fs=1.0)
    raw = msd_diffusivity(pos, timestep_fs=1.0, remove_drift=False)
    assert fixed.D_cm2_per_s == pytest.approx(1e-4, rel=0.1)
    assert raw.D_cm2_per_s > 2 * fixed.D_cm2_per_s


def test_msd_bad_input():
    with pytest.raises(UserInputError) as exc:
        msd_diffusivity(np.zeros((3, 2, 3)), 1.0)
    assert_one_line(exc)
    with pytest.raises(UserInputError):
        msd_diffusivity(np.zeros((100, 2, 3)), 1.0, mask=[False, False])


def test_fft_windowed_msd_equals_the_direct_average_over_origins():
    from interfacemodel.analysis.msd import _windowed_msd

    pos = np.random.default_rng(3).normal(size=(40, 3, 3)).cumsum(axis=0)
    direct = np.array([[np.mean(np.sum((pos[m:, a] - pos[:40 - m, a]) ** 2, axis=1))
                        for a in range(3)] for m in range(40)])
    assert np.allclose(_windowed_msd(pos), direct, atol=1e-9)
