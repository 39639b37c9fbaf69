"""The report's words on the interface numbers (analysis.report.reading): each sentence follows
from the numbers by the stated rule, and says nothing where the rule does not apply."""

import pytest

from interfacemodel.report.reading import (
    beside_literature,
    binding,
    negative_interface_energy,
    reading_lines,
    starts,
)


def _vmap(**values):
    """value name -> (value, spread) as the report's value items."""
    return {name: {"name": name, "value": v, "spread": s, "unit": "J/m²"}
            for name, (v, s) in values.items()}


@pytest.mark.parametrize("w, spread, words", [
    (0.78, 0.06, "above zero by more than the committee's spread"),
    (0.12, 0.09, "above zero by more than the committee's spread"),
    (0.05, 0.09, "not beyond the committee's spread"),
    (0.05, 0.05, "not beyond the committee's spread"),  # W − s = 0: not beyond
    (-0.04, 0.02, "Li does not bind here"),
    (0.0, None, "Li does not bind here"),
    (0.3, None, "Li binds to the coating: W_adh relaxed 0.300 J/m²."),
])
def test_binding_against_zero_and_the_spread(w, spread, words):
    assert words in binding(_vmap(w_adh_relaxed_J_per_m2=(w, spread)))


def test_a_negative_interface_energy_is_read_as_more_than_adhesion():
    assert negative_interface_energy(_vmap(gamma_int_J_per_m2=(0.66, 0.17))) is None
    line = negative_interface_energy(_vmap(gamma_int_J_per_m2=(-1.9, 0.3)))
    assert "< 0" in line and "polar" in line and "spread reaches zero" not in line
    assert "spread reaches zero" in negative_interface_energy(
        _vmap(gamma_int_J_per_m2=(-0.1, 0.2)))


def test_the_starting_gaps_say_what_the_scans_optimum_alone_would_have_kept():
    registry = {"starts": [
        {"gap_A": 3.25, "energy_eV": -183.5657, "converged": True, "kept": False},
        {"gap_A": 1.8, "energy_eV": -184.0012, "converged": True, "kept": True}]}
    line = starts({"registry": registry})
    assert "2 starting gaps (3.25, 1.80 Å" in line and "1.80 Å ended lowest" in line
    assert "0.436 eV below the relaxation from the scan's optimum" in line
    first, second = registry["starts"]
    first["energy_eV"], second["energy_eV"] = second["energy_eV"], first["energy_eV"]
    first["kept"], second["kept"] = True, False
    line = starts({"registry": registry})
    assert "3.25 Å ended lowest, the others up to 0.436 eV higher." in line
    second["energy_eV"], second["converged"] = -185.0, False  # lower but not converged
    assert "3.25 Å was kept, the lowest of the converged starts" in starts({"registry": registry})
    assert starts({"registry": {"starts": registry["starts"][:1]}}) is None
    assert starts(None) is None


def test_the_interface_energy_beside_the_literature_value():
    """Li2O's γ_int beside the DFT value the experimental context transcribes (+0.23 J/m²)."""
    from interfacemodel.analysis import experiment as exp

    lit = next(m for m in exp.measurements_for("Li2O") if m.compare_with == "gamma_int_J_per_m2")
    (line,) = beside_literature("Li2O", _vmap(gamma_int_J_per_m2=(0.657, 0.167)))
    assert f"against {lit.value_text()}" in line and "the same sign" in line
    assert f"differ by {0.657 - lit.value:.3f} J/m², more than the committee's spread" in line
    (line,) = beside_literature("Li2O", _vmap(gamma_int_J_per_m2=(-0.2, 0.5)))
    assert "the opposite sign" in line and "less than the committee's spread" in line
    assert beside_literature("Li2O", {}) == []
    assert reading_lines("Mg", {}) == []
