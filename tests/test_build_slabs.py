"""Slab builder against independent facts: planar densities, symmetry, vacuum, contacts."""

import numpy as np
import pytest
from pymatgen.io.ase import AseAtomsAdaptor
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

from checks import assert_no_close_contacts
from interfacemodel.errors import UserInputError
from interfacemodel.models.slabs import atomic_planes_per_unit_plane, make_slabs, parse_miller
from interfacemodel.structures import load_bulk, phase_info

A_LI = phase_info("Li").reference_lattice_A["a"]
A_LIF = phase_info("LiF").reference_lattice_A["a"]


def flips_normal(atoms) -> bool:
    """True if a space-group operation maps +z to -z (the two faces are equivalent)."""
    sga = SpacegroupAnalyzer(AseAtomsAdaptor.get_structure(atoms), symprec=0.01)
    return any(np.isclose(op.rotation_matrix[2, 2], -1) for op in
               sga.get_symmetry_operations(cartesian=True))


def test_bcc_li_110_planar_density_and_layers():
    (slab,) = make_slabs("Li", (1, 1, 0), layers=5, vacuum_A=12)
    # bcc (110): sqrt(2)/a^2 atoms per Å^2 in every atomic plane, planes a/sqrt(2) apart
    assert slab.nlayers == 5
    assert len(slab.atoms) == pytest.approx(5 * slab.area_A2 * np.sqrt(2) / A_LI**2)
    assert slab.thickness_A == pytest.approx(4 * A_LI / np.sqrt(2), abs=1e-3)
    assert slab.symmetric and slab.stoichiometric and not slab.polar


def test_bcc_100_layers_are_atomic_layers_not_unit_planes():
    # the conventional d_100 of bcc holds two atomic planes a/2 apart
    assert atomic_planes_per_unit_plane(load_bulk("Li"), (1, 0, 0)) == 2
    (slab,) = make_slabs("Li", (1, 0, 0), layers=6)
    assert slab.nlayers == 6 and slab.thickness_A == pytest.approx(5 * A_LI / 2, abs=1e-3)


def test_lif_100_is_neutral_stoichiometric_and_symmetric():
    (slab,) = make_slabs("LiF", (1, 0, 0), layers=4)
    symbols = slab.atoms.get_chemical_symbols()
    assert symbols.count("Li") == symbols.count("F")
    # rocksalt (100): one Li and one F per a^2/2 in every atomic plane
    assert len(slab.atoms) == pytest.approx(4 * 2 * slab.area_A2 / (A_LIF**2 / 2))
    assert slab.symmetric and not slab.polar and flips_normal(slab.atoms)
    assert {slab.top_layer, slab.bottom_layer} == {"LiF"}


def test_terminations_are_distinct_and_flags_match_symmetry():
    for phase, miller in [("MgF2", (1, 1, 0)), ("Li2O", (1, 1, 1)), ("Li2Se", (1, 1, 0))]:
        slabs = make_slabs(phase, miller, layers=6)
        assert len({s.termination_index for s in slabs}) == len(slabs)
        assert len({round(s.shift, 4) for s in slabs}) == len(slabs)
        for s in slabs:
            assert s.symmetric == flips_normal(s.atoms), s.label
            assert_no_close_contacts(s.atoms)
    polar = [s for s in make_slabs("Li2O", (1, 1, 1), layers=6) if s.polar]
    assert polar and all(s.top_layer != s.bottom_layer for s in polar)  # O on one side, Li other


def test_vacuum_is_exact_and_normal_is_z():
    (slab,) = make_slabs("Li", (1, 1, 0), layers=4, vacuum_A=13.5)
    cell = slab.atoms.cell
    assert np.allclose(cell[2][:2], 0) and np.allclose(cell[0][2], 0) and np.allclose(cell[1][2], 0)
    z = slab.atoms.positions[:, 2]
    assert cell[2][2] - (z.max() - z.min()) == pytest.approx(13.5, abs=1e-6)


def test_fixed_bottom_layers():
    (slab,) = make_slabs("Li", (1, 1, 0), layers=6, fix_bottom_layers=2)
    z = slab.atoms.positions[:, 2]
    fixed = slab.atoms.constraints[0].get_indices()
    assert sorted(fixed) == slab.fixed_indices
    assert len(fixed) == 2 * len(slab.atoms) // 6
    assert z[fixed].max() < np.delete(z, fixed).min()


def test_thickness_in_angstrom():
    (slab,) = make_slabs("Li", (1, 1, 0), thickness_A=10.0)
    assert slab.thickness_A + A_LI / np.sqrt(2) >= 10.0


def test_miller_parsing():
    assert parse_miller("110") == (1, 1, 0)
    assert parse_miller("1,-1,0") == (1, -1, 0)
    assert parse_miller((2, 2, 0)) == (1, 1, 0)
    assert parse_miller((0, 0, 0, 1)) == (0, 0, 1)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"miller": (0, 0, 0)}, "(0, 0, 0) is not a plane"),
        ({"miller": (1, 1)}, "must have 3"),
        ({"miller": (1, 0, 0), "vacuum_A": 0}, "vacuum_A=0 must be > 0"),
        ({"miller": (1, 0, 0), "vacuum_A": -3}, "must be > 0"),
        ({"miller": (1, 0, 0), "layers": 0}, "layers=0"),
        ({"miller": (1, 0, 0), "thickness_A": -1.0}, "thickness_A=-1.0"),
        ({"miller": (1, 0, 0), "layers": 4, "thickness_A": 5.0}, "not both"),
        ({"miller": (1, 1, 0), "layers": 4, "fix_bottom_layers": 4}, "whole"),
    ],
)
def test_bad_input(kwargs, fragment):
    with pytest.raises(UserInputError) as exc:
        make_slabs("Li", **kwargs)
    assert fragment in str(exc.value) and "\n" not in str(exc.value)


def test_disordered_bulk_refused():
    with pytest.raises(UserInputError, match="partial occupancies"):
        make_slabs(load_bulk("LLZO-cubic"), (1, 0, 0))
