"""The McLean isotherm (analysis.isotherm) against its analytic limits and the isotherm
solved by hand from its defining ratio θ/(1 − θ) = x/(1 − x)·exp(−ΔE/kT)."""

import math

import numpy as np
import pytest

from interfacemodel.analysis.isotherm import bulk_fraction_for_coverage, mclean_coverage
from interfacemodel.errors import UserInputError

KB_EV_PER_K = 8.617333262e-5  # CODATA 2018, independent of ase.units


def _by_hand(de, x, T):
    """θ from the defining ratio: r = x/(1−x)·exp(−ΔE/kT), θ = r/(1+r)."""
    r = x / (1 - x) * math.exp(-de / (KB_EV_PER_K * T))
    return r / (1 + r)


@pytest.mark.parametrize("de, x, T", [(-0.3, 1e-3, 300), (-0.1, 0.01, 300), (0.05, 0.01, 450),
                                      (-0.5, 1e-4, 300), (0.2, 0.3, 600)])
def test_coverage_equals_the_isotherm_by_hand(de, x, T):
    # rel 1e-5: ase.units' k_B (CODATA 2014) and CODATA 2018's differ by 3e-7
    assert mclean_coverage(de, x, T) == pytest.approx(_by_hand(de, x, T), rel=1e-5)


def test_limits():
    # no driving force: the surface holds the bulk fraction
    assert mclean_coverage(0.0, 0.02, 300) == pytest.approx(0.02, rel=1e-12)
    # strong segregation saturates, strong repulsion empties, without overflow
    assert mclean_coverage(-5.0, 1e-6, 300) == pytest.approx(1.0, abs=1e-12)
    assert 0.0 <= mclean_coverage(5.0, 0.5, 300) < 1e-80
    # dilute and repelled (Henry): θ ≈ x·exp(−ΔE/kT)
    x, de, T = 1e-5, 0.1, 300
    assert mclean_coverage(de, x, T) == pytest.approx(
        x * math.exp(-de / (KB_EV_PER_K * T)), rel=1e-4)
    # monotonic in x and T (segregating solute: hotter = less coverage)
    xs = np.logspace(-5, -1, 9)
    assert np.all(np.diff(mclean_coverage(-0.2, xs, 300)) > 0)
    assert mclean_coverage(-0.2, 1e-3, 300) > mclean_coverage(-0.2, 1e-3, 600)


def test_the_inverse_gives_back_the_bulk_fraction():
    xs = np.array([1e-4, 1e-3, 0.01, 0.1])
    theta = mclean_coverage(-0.15, xs, 350)
    assert bulk_fraction_for_coverage(-0.15, theta, 350) == pytest.approx(xs, rel=1e-9)


@pytest.mark.parametrize("args, message", [
    ((-0.1, 0.0, 300), "bulk_fraction=0.0 must lie in"),
    ((-0.1, 1.0, 300), "bulk_fraction=1.0 must lie in"),
    ((-0.1, 0.01, 0), "T_K=0 must be > 0 K"),
    ((float("nan"), 0.01, 300), "must be finite"),
])
def test_bad_input_is_one_line(args, message):
    with pytest.raises(UserInputError, match=message):
        mclean_coverage(*args)
    with pytest.raises(UserInputError, match="coverage=1.0 must lie in"):
        bulk_fraction_for_coverage(-0.1, 1.0, 300)
