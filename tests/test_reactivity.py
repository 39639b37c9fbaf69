"""Reaction of Li with coatings: pymatgen's phase diagram against hand-balanced reactions."""

import pytest

from checks import assert_one_line
from interfacemodel.analysis.reactivity import PhaseEnergy, reaction_with_li
from interfacemodel.errors import UserInputError

CALC = {"name": "x", "label": "x"}


def _phase(name, formula, e, natoms=1, converged=True):
    return PhaseEnergy(name, formula, e, natoms, "crystal", converged, CALC)


# made-up energies per atom (eV), chosen so MgF2 + 2 Li -> 2 LiF + Mg releases energy
ENERGIES = {
    "Li": _phase("Li", "Li", -1.9), "Mg": _phase("Mg", "Mg", -1.6), "F2": _phase("F2", "F2", -1.8),
    "LiF": _phase("LiF", "LiF", -4.8), "LiMg": _phase("LiMg", "LiMg", -1.70),
    "MgF2": _phase("MgF2", "MgF2", -5.3),
}


def test_mgf2_converts_with_the_hand_balanced_energy():
    r = reaction_with_li("MgF2", ENERGIES)
    # MgF2 + 2 Li -> 2 LiF + Mg, per atom of the 5-atom mixture
    delta = (2 * 2 * -4.8 + -1.6) - (3 * -5.3 + 2 * -1.9)
    assert r.reaction_energy_meV_per_atom == pytest.approx(1000 * delta / 5, rel=1e-6)
    assert r.reaction_energy_eV_per_Li == pytest.approx(delta / 2, rel=1e-6)
    assert r.li_atom_fraction == pytest.approx(2 / 5)
    assert set(r.products) == {"LiF", "Mg"} and not r.stable_against_li


def test_mg_dissolves_when_the_alloy_is_below_the_tie_line():
    """Mg + Li -> LiMg when E(LiMg) < (E(Li) + E(Mg))/2: the coating is Mg, not LiMg."""
    r = reaction_with_li("Mg", dict(ENERGIES, LiMg=_phase("LiMg", "LiMg", -1.80)))
    assert r.coating == "Mg" and r.products == ["LiMg"]
    assert r.reaction_energy_meV_per_atom == pytest.approx(1000 * (-1.80 - (-1.9 - 1.6) / 2))
    assert r.li_atom_fraction == pytest.approx(0.5)


def test_mg_is_stable_when_the_alloy_lies_above_the_tie_line():
    r = reaction_with_li("Mg", ENERGIES)  # E(LiMg) = -1.70 > (-1.9 - 1.6)/2
    assert r.coating == "Mg" and r.stable_against_li


def test_lif_is_stable_against_li():
    r = reaction_with_li("lif", ENERGIES)
    assert r.stable_against_li and r.reaction_energy_meV_per_atom == 0.0
    assert r.products == [] and r.reaction_energy_eV_per_Li is None


def test_missing_or_mixed_or_unconverged_phases_are_refused():
    partial = {k: v for k, v in ENERGIES.items() if k != "F2"}
    with pytest.raises(UserInputError, match="needs the energies of F2") as exc:
        reaction_with_li("LiF", partial)
    assert_one_line(exc)
    mixed = dict(ENERGIES, F2=PhaseEnergy("F2", "F2", -1.8, 2, "molecule", True, {"label": "y"}))
    with pytest.raises(UserInputError, match="different calculators"):
        reaction_with_li("LiF", mixed)
    loose = dict(ENERGIES, LiF=_phase("LiF", "LiF", -4.8, converged=False))
    with pytest.raises(UserInputError, match="not converged"):
        reaction_with_li("LiF", loose)
    with pytest.raises(UserInputError, match="no reaction phase set") as exc:
        reaction_with_li("Li2S", ENERGIES)
    assert_one_line(exc)
