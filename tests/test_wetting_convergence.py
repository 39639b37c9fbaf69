"""Young–Dupré wetting, film wetting and the thickness-convergence helper: analytic limits."""

import math

import pytest

from checks import assert_one_line
from interfacemodel.analysis.convergence import converge_with_thickness
from interfacemodel.analysis.wetting import film_wetting, liquid_li_surface_tension, young_dupre
from interfacemodel.errors import UserInputError


def test_liquid_li_surface_tension_line():
    assert liquid_li_surface_tension(453.65) == pytest.approx(0.441)
    assert liquid_li_surface_tension(553.65) == pytest.approx(0.441 - 0.015)


@pytest.mark.parametrize("w_over_gamma, theta, regime", [
    (1.0, 90.0, "non-wetting"), (2.0, 0.0, "complete wetting"), (3.0, 0.0, "complete wetting"),
    (0.0, 180.0, "no adhesion"), (1.5, 60.0, "wetting"), (0.5, 120.0, "non-wetting"),
])
def test_young_dupre_limits(w_over_gamma, theta, regime):
    gamma = liquid_li_surface_tension(500.0)
    angle = young_dupre(w_over_gamma * gamma, T_K=500.0)
    assert angle.theta_deg == pytest.approx(theta, abs=1e-9)
    assert angle.regime == regime and angle.wets == (theta < 90)
    assert angle.cos_theta == pytest.approx(w_over_gamma - 1)
    assert not angle.extrapolated_below_melting


def test_young_dupre_flags_extrapolation_and_bad_input():
    assert young_dupre(0.5, T_K=300).extrapolated_below_melting
    with pytest.raises(UserInputError) as exc:
        young_dupre(0.5, T_K=-1)
    assert_one_line(exc)


@pytest.mark.parametrize("w", [0.0, 0.2, 0.441, 0.7, 0.882, 1.3])
def test_spreading_coefficient_is_young_s_balance(w):
    """S = W_adh − 2γ_lv, by Young's equation γ_lv (cos θ − 1) wherever θ is defined (the
    same balance read two ways), ≥ 0 exactly where Young–Dupré says complete wetting."""
    gamma = liquid_li_surface_tension(500.0)
    angle = young_dupre(w, T_K=500.0)
    assert angle.spreading_J_per_m2 == pytest.approx(w - 2 * gamma, abs=1e-15)
    if angle.regime not in ("complete wetting", "no adhesion"):
        cos_t = math.cos(math.radians(angle.theta_deg))
        assert angle.spreading_J_per_m2 == pytest.approx(gamma * (cos_t - 1), abs=1e-12)
    assert (angle.spreading_J_per_m2 >= 0) == (angle.regime == "complete wetting")


def test_film_wetting_criterion():
    assert film_wetting(0.2, 0.3, 0.6).wets
    res = film_wetting(0.4, 0.3, 0.6)
    assert not res.wets and res.spreading_coefficient_J_per_m2 == pytest.approx(-0.1)


def test_convergence_stops_at_tolerance():
    """γ(n) = 0.5 + 0.2 e^{−n}: changes 0.2(e^{−n} − e^{−n−1}) fall below 0.01 from n = 3 → 4."""
    calls = []

    def gamma(n):
        calls.append(n)
        return 0.5 + 0.2 * math.exp(-n)

    rec = converge_with_thickness(gamma, range(1, 10), tolerance=0.01, quantity="γ")
    assert rec.converged and rec.converged_layers == 3 and calls == [1, 2, 3, 4]
    assert rec.value == pytest.approx(gamma(3))
    assert "γ" in rec.table()
    rec = converge_with_thickness(gamma, [1, 2], tolerance=1e-6)
    assert not rec.converged and rec.converged_layers is None


def test_convergence_bad_input():
    for layers, tol in (([3], 0.1), ([3, 2], 0.1), ([1, 2], 0.0)):
        with pytest.raises(UserInputError) as exc:
            converge_with_thickness(lambda n: 1.0, layers, tol)
        assert_one_line(exc)
