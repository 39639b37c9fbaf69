"""Carriers of ionic coatings from charge-neutral intrinsic disorder (build.intrinsic,
analysis.intrinsic): the pair cells against a construction by hand, the pair energies against
plain-ASE single points and relaxations of the same supercells with the same calculator
(SevenNet), and the carrier fraction and D = c·D* by hand."""

import math

import numpy as np
import pytest
from ase.build import bulk
from ase.geometry import find_mic
from ase.optimize import BFGS

from interfacemodel.analysis.diffusion import K_B_EV_PER_K, Lattice, diffusivity
from interfacemodel.analysis.intrinsic import intrinsic_fraction, pair_kind_for
from interfacemodel.errors import UserInputError
from interfacemodel.models.intrinsic import frenkel_pair, schottky_pair
from interfacemodel.procedures.intrinsic import intrinsic_disorder
from interfacemodel.structures import load_bulk


def test_the_pair_kind_follows_the_stoichiometry():
    assert pair_kind_for(load_bulk("LiF", as_atoms=True)) == "schottky"
    for phase in ("Li2O", "Li2S", "Li2Se"):
        assert pair_kind_for(load_bulk(phase, as_atoms=True)) == "frenkel"
    assert pair_kind_for(load_bulk("Li", as_atoms=True)) is None
    assert pair_kind_for(load_bulk("MgF2", as_atoms=True)) is None  # Li not in it
    with pytest.raises(UserInputError, match="AB crystals"):
        schottky_pair(load_bulk("Li2O", as_atoms=True))


def test_schottky_cell_removes_one_li_and_the_farthest_f():
    lif = bulk("LiF", "rocksalt", a=4.03, cubic=True)
    cell = schottky_pair(lif, 2)
    assert len(cell.perfect) == 64 and cell.formula_units == 32
    assert cell.defective.get_chemical_formula() == "F31Li31"
    # by hand: Li 0 removed; of the F sites the farthest from it (minimum image) removed
    f_sites = [i for i, s in enumerate(cell.perfect.get_chemical_symbols()) if s == "F"]
    _, d = find_mic(cell.perfect.positions[f_sites] - cell.perfect.positions[0],
                    cell.perfect.cell.array, True)
    assert cell.separation_A == pytest.approx(d.max())
    # the farthest F of the 2a cube sits at (a, a, a/2) (odd sum of half-steps): 3a/2
    assert cell.separation_A == pytest.approx(1.5 * 4.03, rel=1e-6)


def test_frenkel_cell_moves_one_li_into_the_farthest_octahedral_void():
    li2o = load_bulk("Li2O", as_atoms=True)
    cell = frenkel_pair(li2o, 2)
    assert cell.defective.get_chemical_formula() == cell.perfect.get_chemical_formula()
    assert cell.partner == "i(4b)" and cell.interstitial_sites_per_cation == pytest.approx(0.5)
    moved = cell.defective.positions[0]
    # the new site is an empty octahedral void: six O at a/2 and no atom closer
    others = np.delete(cell.defective.positions, 0, axis=0)
    _, d = find_mic(others - moved, cell.defective.cell.array, True)
    a = li2o.cell.lengths()[0]
    symbols = np.delete(np.array(cell.defective.get_chemical_symbols()), 0)
    assert sorted(d[symbols == "O"])[:6] == pytest.approx([a / 2] * 6, rel=1e-6)
    assert d.min() > 0.4 * a
    _, sep = find_mic(moved - cell.perfect.positions[0], cell.perfect.cell.array, True)
    assert float(sep) == pytest.approx(cell.separation_A)


def test_the_fraction_and_d_follow_from_the_pair_energy_by_hand():
    T = 300.0
    kT = K_B_EV_PER_K * T
    assert intrinsic_fraction("schottky", 2.0, T) == pytest.approx(math.exp(-1.0 / kT))
    assert intrinsic_fraction("frenkel", 2.0, T, 0.5) == pytest.approx(
        math.sqrt(0.5) * math.exp(-1.0 / kT))
    assert intrinsic_fraction("schottky", -1.0, T) == 1.0
    lattice = Lattice("fcc vacancy", 12, 2.85, 0.78, "test")
    c = intrinsic_fraction("schottky", 2.3, T)
    d_star = diffusivity(0.7, T, lattice, attempt_frequency_Hz=5e12).D_cm2_per_s
    d = diffusivity(0.7, T, lattice, attempt_frequency_Hz=5e12, defect_fraction=c).D_cm2_per_s
    by_hand = 12 * (2.85e-8) ** 2 * 5e12 * math.exp(-0.7 / kT) * 0.78 / 6
    assert d_star == pytest.approx(by_hand, rel=1e-12)
    assert d == pytest.approx(c * by_hand, rel=1e-12)


@pytest.mark.mlip
@pytest.mark.parametrize("phase", ["LiF", "Li2O"])
def test_pair_energy_equals_plain_ase_with_the_same_calculator(phase):
    """E_S of LiF and E_F of Li2O: the record against single points of its own relaxed cells
    (exact), and against a plain ASE BFGS relaxation of the same starting cell (within the
    scatter of two optimisers)."""
    from interfacemodel.calculators import get_calculator

    calc = get_calculator("sevennet")
    host = load_bulk(phase, as_atoms=True)
    rec = intrinsic_disorder(host, calc, fmax=0.02)
    assert rec.kind == ("schottky" if phase == "LiF" else "frenkel") and rec.converged

    def energy(atoms):
        atoms = atoms.copy()
        atoms.calc = calc
        return atoms.get_potential_energy()

    e_def, e_perf = energy(rec.defective), energy(rec.perfect)
    n = len(rec.perfect) // (2 if phase == "LiF" else 3)
    by_hand = e_def - ((n - 1) / n * e_perf if phase == "LiF" else e_perf)
    assert rec.pair_energy_eV == pytest.approx(by_hand, abs=1e-6)
    cell = (schottky_pair if phase == "LiF" else frenkel_pair)(host, 2)
    plain = cell.defective.copy()
    plain.calc = calc
    BFGS(plain, logfile=None).run(fmax=0.02, steps=300)
    plain_pair = plain.get_potential_energy() - (
        (n - 1) / n * e_perf if phase == "LiF" else e_perf)
    assert rec.pair_energy_eV == pytest.approx(plain_pair, abs=0.03)
    assert 0.3 < rec.pair_energy_eV < 4.0  # an ionic crystal's pair: eV, positive
