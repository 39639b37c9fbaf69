"""Tracer diffusivity of given trajectories against pymatgen-analysis-diffusion, the pure-Li
case it cannot take, and the error-weighted Arrhenius fit (synthetic data, no MD)."""

import math
import warnings

import numpy as np
import pytest

from checks import assert_one_line
from interfacemodel.analysis.diffusion import K_B_EV_PER_K, arrhenius_fit, arrhenius_fit_errors
from interfacemodel.analysis.md_diffusion import tracer_diffusivity
from interfacemodel.errors import UserInputError

D_A2_PER_FS = 1e-3  # = 1e-4 cm²/s
DT_FS = 10.0  # between frames


def _trajectory(n_li=64, n_framework=32, n_frames=1000, seed=0, L=12.0):
    """Brownian Li of known D among vibrating framework O; the whole cell drifts (0.5 Å/ps
    along x, 0.25 along y), as an MD cell without momentum control would; wrapped frames."""
    from pymatgen.core import Lattice, Structure

    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, math.sqrt(2 * D_A2_PER_FS * DT_FS), (n_frames, n_li, 3))
    steps[0] = 0.0
    li = rng.random((n_li, 3)) * L + np.cumsum(steps, axis=0)
    fw = rng.random((n_framework, 3)) * L + rng.normal(0, 0.1, (n_frames, n_framework, 3))
    drift = 0.005 * DT_FS * np.arange(n_frames)[:, None, None] * np.array([1.0, 0.5, 0.0])
    pos = np.concatenate([li, fw], axis=1) + drift
    species = ["Li"] * n_li + ["O"] * n_framework
    return [Structure(Lattice.cubic(L), species, p, coords_are_cartesian=True) for p in pos]


def test_msd_path_agrees_with_pymatgen_diffusion_analyzer_with_a_framework():
    pytest.importorskip("pymatgen.analysis.diffusion.analyzer")
    rec = tracer_diffusivity(_trajectory(), DT_FS, species="Li", temperature_K=300.0)
    assert rec.method == "pymatgen DiffusionAnalyzer" and rec.n_framework == 32
    # two estimators of one known D: pymatgen's windowed, variance-weighted fit and ours
    assert rec.D_pymatgen_cm2_per_s == pytest.approx(1e-4, rel=0.08)
    assert rec.D_msd_cm2_per_s == pytest.approx(1e-4, rel=0.08)
    assert abs(rec.D_msd_cm2_per_s - rec.D_pymatgen_cm2_per_s) < 3 * rec.D_msd_error_cm2_per_s
    assert rec.D_msd_cm2_per_s == pytest.approx(rec.D_pymatgen_cm2_per_s, rel=0.05)


def test_pure_li_cell_uses_the_msd_path_and_says_why():
    from pymatgen.core import Structure

    frames = [Structure(s.lattice, ["Li"] * 64, s.frac_coords[:64]) for s in _trajectory(seed=1)]
    try:
        from pymatgen.analysis.diffusion.analyzer import DiffusionAnalyzer
    except ImportError:
        pass
    else:  # the limitation handled here: no framework ions -> empty drift average -> error
        with pytest.raises(ValueError), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numpy: mean of an empty slice
            DiffusionAnalyzer.from_structures(frames, "Li", 300.0, DT_FS, 1)
    rec = tracer_diffusivity(frames, DT_FS, species="Li")
    assert rec.method == "interfacemodel msd_diffusivity" and rec.n_framework == 0
    assert rec.D_pymatgen_cm2_per_s is None
    assert any("no framework ions" in n and "centre of mass" in n for n in rec.notes)
    # the cell drift (0.5 Å/ps) would add ~(v t)² to the MSD; the centre of mass takes it out
    assert rec.D_cm2_per_s == pytest.approx(1e-4, rel=0.1)


def test_tracer_diffusivity_bad_input():
    frames = _trajectory(n_frames=20)
    with pytest.raises(UserInputError, match="no Na atoms") as exc:
        tracer_diffusivity(frames, DT_FS, species="Na")
    assert_one_line(exc)
    with pytest.raises(UserInputError, match="at least 8"):
        tracer_diffusivity(frames[:5], DT_FS)


def test_weighted_arrhenius_fit_recovers_energy_and_error():
    Ea, D0 = 0.12, 3e-4
    T = np.array([300.0, 350.0, 400.0, 450.0])
    exact = D0 * np.exp(-Ea / (K_B_EV_PER_K * T))
    fit = arrhenius_fit_errors(T, exact, 0.1 * exact)
    assert fit.Ea_eV == pytest.approx(Ea, rel=1e-9) and fit.D0_cm2_per_s == pytest.approx(D0)
    # 10 % on each D: σ(E_a) = 0.1 / sqrt(Σ (x − x̄)²) with x = 1/kT
    x = 1 / (K_B_EV_PER_K * T)
    assert fit.Ea_error_eV == pytest.approx(0.1 / np.sqrt(np.sum((x - x.mean()) ** 2)))
    assert fit.chi2_reduced == pytest.approx(0.0, abs=1e-12)
    # equal weights: the same line as the plain fit; unweighted errors from the residuals
    noisy = exact * np.exp(np.random.default_rng(0).normal(0, 0.1, 4))
    assert arrhenius_fit_errors(T, noisy, 0.1 * noisy).Ea_eV == pytest.approx(
        arrhenius_fit(T, noisy)[0])
    plain = arrhenius_fit_errors(T, noisy)
    assert not plain.weighted and 0 < plain.Ea_error_eV < 0.1
    # scatter well beyond the error bars scales the error up by √χ²_red
    tight = arrhenius_fit_errors(T, noisy, 0.01 * noisy)
    assert tight.chi2_reduced > 1
    assert tight.Ea_error_eV == pytest.approx(plain.Ea_error_eV, rel=1e-6)


def test_arrhenius_fit_errors_bad_input():
    with pytest.raises(UserInputError, match="two positive") as exc:
        arrhenius_fit_errors([300.0], [1e-6])
    assert_one_line(exc)
    with pytest.raises(UserInputError, match="errors"):
        arrhenius_fit_errors([300.0, 400.0], [1e-6, 2e-6], [1e-7, 0.0])


def test_lattice_watch_cuts_the_run_where_the_crystal_is_lost():
    """bcc sites vibrating by 0.2 Å for 60 ps, then 40 % of the atoms shifted by 1.2 Å (a
    transformed cell): the watch stops at the first check after 60 ps and keeps the frames
    up to the last check before it."""
    from ase.build import bulk

    from interfacemodel.run.lattice_watch import lattice_watch

    li = bulk("Li", "bcc", a=3.5, cubic=True).repeat(3)
    rng = np.random.default_rng(0)
    n, dt_fs = 1000, 100.0  # 100 ps
    frames = li.positions + rng.normal(0, 0.2, (n, len(li), 3))
    frames[600:, :22] += [1.2, 0.0, 0.0]
    history, keep = lattice_watch(frames, li.positions, li.cell, dt_fs)
    assert history[-1][1] == pytest.approx(22 / 54) and history[-1][0] > 60.0
    assert all(frac == 0.0 for _, frac in history[:-1])
    assert 550 <= keep <= 600 and keep * dt_fs / 1000 == pytest.approx(history[-2][0])
    assert lattice_watch(frames[:600], li.positions, li.cell, dt_fs)[1] is None
