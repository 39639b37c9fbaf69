import math

import numpy as np
import pytest
from ase import Atoms
from ase.build import bcc110
from ase.constraints import FixAtoms
from ase.neighborlist import neighbor_list

from checks import assert_no_close_contacts, assert_one_line
from interfacemodel.errors import UserInputError
from interfacemodel.models.alloys import li_mg_alloy, substitute_in_slab, vegard_a_A, warren_cowley

A_LI = 3.51004  # bcc Li, 25 C (Nadler & Kempter 1959)
A_LIMG = 3.42  # B2 LiMg end member of the catalogue


@pytest.mark.parametrize(
    "x, supercell, n_atoms, n_mg",
    [
        (0.0, (3, 3, 3), 54, 0),
        (0.1, (2, 2, 2), 16, 2),  # 1.6 -> 2
        (0.25, (3, 3, 3), 54, 14),  # 13.5 -> 14 (halves round up)
        (0.5, (3, 3, 3), 54, 27),
        (0.3, (4, 4, 4), 128, 38),  # 38.4 -> 38
        (0.7, (4, 4, 4), 128, 90),  # 89.6 -> 90
    ],
)
@pytest.mark.parametrize("method", ["random", "sqs"])
def test_exact_mg_count_and_reported_fraction(x, supercell, n_atoms, n_mg, method):
    atoms = li_mg_alloy(x, supercell=supercell, method=method, seed=3)
    symbols = atoms.get_chemical_symbols()
    assert len(atoms) == n_atoms
    assert symbols.count("Mg") == n_mg
    assert symbols.count("Li") == n_atoms - n_mg
    assert atoms.info["x_mg"] == pytest.approx(n_mg / n_atoms)
    assert atoms.info["n_mg"] == n_mg
    assert atoms.info["method"] == method and atoms.info["seed"] == 3


def test_vegard_lattice_parameter_and_bcc_geometry():
    assert vegard_a_A(0.0) == pytest.approx(A_LI)
    assert vegard_a_A(0.5) == pytest.approx(A_LIMG)
    assert vegard_a_A(0.25) == pytest.approx(0.5 * (A_LI + A_LIMG))
    atoms = li_mg_alloy(0.25, supercell=(3, 2, 4))
    a = atoms.info["a_A"]
    assert a == pytest.approx(0.5 * (A_LI + A_LIMG))
    np.testing.assert_allclose(atoms.cell.lengths(), [3 * a, 2 * a, 4 * a])
    np.testing.assert_allclose(atoms.cell.angles(), [90, 90, 90])
    # bcc: every site has 8 nearest neighbours at sqrt(3)a/2 and 6 next at a
    i, d = neighbor_list("id", atoms, 1.05 * a)
    near = np.bincount(i[d < 0.9 * a], minlength=len(atoms))
    second = np.bincount(i[d > 0.95 * a], minlength=len(atoms))
    assert np.all(near == 8) and np.all(second == 6)
    np.testing.assert_allclose(d[d < 0.9 * a], math.sqrt(3) / 2 * a)
    assert_no_close_contacts(atoms)


def test_given_lattice_parameter():
    atoms = li_mg_alloy(0.4, supercell=(2, 2, 2), a_A=3.45)
    np.testing.assert_allclose(atoms.cell.lengths(), [6.9, 6.9, 6.9])
    assert atoms.info["a_source"] == "given"


@pytest.mark.parametrize("method", ["random", "sqs"])
def test_seeded_reproducibility(method):
    a = li_mg_alloy(0.3, method=method, seed=7)
    b = li_mg_alloy(0.3, method=method, seed=7)
    c = li_mg_alloy(0.3, method=method, seed=8)
    assert a.get_chemical_symbols() == b.get_chemical_symbols()
    np.testing.assert_array_equal(a.positions, b.positions)
    assert a.get_chemical_symbols() != c.get_chemical_symbols()


@pytest.mark.parametrize("x", [-0.01, 0.71, 1.0, float("nan"), "half", None])
def test_x_mg_out_of_range(x):
    with pytest.raises(UserInputError, match="x_mg") as exc:
        li_mg_alloy(x)
    assert_one_line(exc)


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"method": "cluster"}, "method"),
        ({"supercell": (3, 0, 3)}, "supercell"),
        ({"supercell": (3, 3)}, "supercell"),
        ({"a_A": -3.5}, "a_A"),
    ],
)
def test_bad_options(kwargs, word):
    with pytest.raises(UserInputError, match=word) as exc:
        li_mg_alloy(0.2, **kwargs)
    assert_one_line(exc)


def _b2(a=3.42, rep=(3, 3, 3)):
    cell = Atoms("LiMg", scaled_positions=[[0, 0, 0], [0.5, 0.5, 0.5]], cell=[a] * 3, pbc=True)
    return cell.repeat(rep)


def test_warren_cowley_on_ordered_b2():
    b2 = _b2()
    # every shell-1 neighbour (body diagonal) of Mg is Li: P(Li|Mg) = 1, c_Li = 1/2
    assert warren_cowley(b2, 1) == pytest.approx(-1.0)
    # shells 2 (<100>) and 3 (<110>) join sites of the same simple-cubic sublattice
    assert warren_cowley(b2, 2) == pytest.approx(1.0)
    assert warren_cowley(b2, 3) == pytest.approx(1.0)
    # a relaxed/strained B2 still assigns the shells correctly (cell from the volume)
    strained = b2.copy()
    strained.set_cell(b2.cell.array * [1.02, 0.99, 1.0], scale_atoms=True)
    assert warren_cowley(strained, 1) == pytest.approx(-1.0)
    assert warren_cowley(strained, 2) == pytest.approx(1.0)


def test_warren_cowley_on_phase_separated_layers():
    # Mg fills the planes z/a = 0, 0.5, 1, 1.5 of a 2x2x4 cell (z periodic over 4a). A shell-1
    # neighbour lies in the plane above or below (4 each): planes 0.5 and 1 see only Mg, planes
    # 0 and 1.5 see 4 Li (planes 3.5 and 2).
    atoms = _b2(3.5, (2, 2, 4))
    atoms.set_chemical_symbols(
        ["Mg" if p[2] < 2 * 3.5 - 0.1 else "Li" for p in atoms.positions])
    n_mg = atoms.get_chemical_symbols().count("Mg")
    assert n_mg == 16
    # 8 Mg x 4 Li = 32 Li of 16 x 8 = 128 Mg bonds; c_Li = 1/2 -> alpha1 = 1 - 0.25/0.5 = 0.5
    assert warren_cowley(atoms, 1) == pytest.approx(0.5)


def test_warren_cowley_refusals():
    pure = li_mg_alloy(0.0)
    with pytest.raises(UserInputError, match="both Li and Mg") as exc:
        warren_cowley(pure, 1)
    assert_one_line(exc)
    for shell in (0, 6, 1.5):
        with pytest.raises(UserInputError, match="shell"):
            warren_cowley(_b2(), shell)


@pytest.mark.parametrize("x", [0.3, 0.5])
def test_sqs_is_closer_to_random_pair_statistics(x):
    seeds = range(5)

    def mean_abs_alpha(method):
        vals = []
        for seed in seeds:
            atoms = li_mg_alloy(x, supercell=(3, 3, 3), method=method, seed=seed)
            vals += [abs(warren_cowley(atoms, s)) for s in (1, 2)]
        return float(np.mean(vals))

    sqs, rnd = mean_abs_alpha("sqs"), mean_abs_alpha("random")
    assert sqs < rnd
    assert sqs < 0.03  # 54 sites: alpha moves in steps of a few hundredths


def test_sqs_is_fast_for_128_atoms():
    import time

    start = time.perf_counter()
    atoms = li_mg_alloy(0.4, supercell=(4, 4, 4), method="sqs", seed=1)
    assert time.perf_counter() - start < 2.0
    assert max(abs(warren_cowley(atoms, s)) for s in (1, 2, 3)) < 0.03


# --- solutes in slabs ----------------------------------------------------------------------

A = 3.51
D110 = A / math.sqrt(2)  # bcc(110) interlayer spacing


def _slab():
    return bcc110("Li", size=(2, 2, 4), a=A, vacuum=10)


@pytest.mark.parametrize("layer", [0, 1, 2, 3])
def test_substitute_in_slab_layers_counted_from_top(layer):
    slab = _slab()
    out = substitute_in_slab(slab, layer)
    mg = [k for k, s in enumerate(out.get_chemical_symbols()) if s == "Mg"]
    assert len(mg) == 1 and len(out) == len(slab)
    z_top = slab.positions[:, 2].max()
    assert z_top - out.positions[mg[0], 2] == pytest.approx(layer * D110, abs=1e-6)
    assert out.info["substituted_layer"] == layer
    assert out.info["substituted_depth_A"] == pytest.approx(layer * D110, abs=1e-6)
    np.testing.assert_array_equal(out.positions, slab.positions)
    assert slab.get_chemical_symbols().count("Mg") == 0  # input untouched


def test_substitute_in_slab_count_seed_and_constraints():
    slab = _slab()
    fixed = [a.index for a in slab if a.position[2] < slab.positions[:, 2].min() + 0.1]
    slab.set_constraint(FixAtoms(indices=fixed))
    out = substitute_in_slab(slab, 1, count=2, seed=4)
    mg = [k for k, s in enumerate(out.get_chemical_symbols()) if s == "Mg"]
    assert len(mg) == 2
    assert np.ptp(out.positions[mg, 2]) < 1e-6
    assert out.info["substituted_indices"] == mg
    assert len(out.constraints) == 1
    np.testing.assert_array_equal(out.constraints[0].index, fixed)
    again = substitute_in_slab(slab, 1, count=2, seed=4)
    assert again.get_chemical_symbols() == out.get_chemical_symbols()
    picks = {tuple(substitute_in_slab(slab, 0, seed=s).info["substituted_indices"])
             for s in range(10)}
    assert len(picks) > 1


@pytest.mark.parametrize("layer", [-1, 4, 1.5, True])
def test_substitute_in_slab_bad_layer(layer):
    with pytest.raises(UserInputError, match="layer") as exc:
        substitute_in_slab(_slab(), layer)
    assert_one_line(exc)


@pytest.mark.parametrize(
    "kwargs, word",
    [({"count": 5}, "count"), ({"count": 0}, "count"), ({"element": "Li"}, "host"),
     ({"element": "Xx"}, "element"), ({"host": "Na"}, "host")],
)
def test_substitute_in_slab_bad_options(kwargs, word):
    with pytest.raises(UserInputError, match=word) as exc:
        substitute_in_slab(_slab(), 0, **kwargs)
    assert_one_line(exc)
