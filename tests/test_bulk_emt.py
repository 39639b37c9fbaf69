"""Bulk relaxation and EOS mechanics on EMT copper (fast).

Independent reference: ASE's EMT lattice constant of fcc Cu is 3.59 Å (ASE's EMT
parametrisation, Jacobsen et al. 1996; ASE tutorial 'Equation of state'), and for an fcc
crystal a = (4 V/atom)^(1/3) must hold between the two routes.
"""

import numpy as np
import pytest
from ase.build import bulk
from ase.units import GPa

from interfacemodel.calculators import get_calculator
from interfacemodel.errors import UserInputError
from interfacemodel.run import fit_eos, relax_bulk

EMT_CU_A0 = 3.59


def test_relax_bulk_finds_emt_cu_lattice_constant():
    start = bulk("Cu", "fcc", a=3.75, cubic=True)
    start.rattle(0.02, seed=1)
    relaxed, rec = relax_bulk(start, get_calculator("emt"), keep_symmetry=False)
    a = relaxed.cell.cellpar()[:3]
    assert a == pytest.approx([EMT_CU_A0] * 3, abs=0.005)
    assert rec.converged and rec.fmax_reached_eV_per_A < rec.fmax_target_eV_per_A
    assert rec.max_stress_GPa < 0.02
    assert rec.force_calls >= rec.steps > 0
    assert start.cell.cellpar()[0] == pytest.approx(3.75)  # input untouched


def test_eos_route_agrees():
    rec = fit_eos(bulk("Cu", "fcc", a=3.6, cubic=True), get_calculator("emt"))
    assert (4 * rec.v0_A3_per_atom) ** (1 / 3) == pytest.approx(EMT_CU_A0, abs=0.005)
    # independent cross-check of B: curvature of E(V) by finite differences at V0
    calc = get_calculator("emt")
    v0 = rec.v0_A3_per_atom
    h = 0.002 * v0
    energies = []
    for v in (v0 - h, v0, v0 + h):
        atoms = bulk("Cu", "fcc", a=(4 * v) ** (1 / 3))
        atoms.calc = calc
        energies.append(atoms.get_potential_energy())
    b_fd = v0 * (energies[0] - 2 * energies[1] + energies[2]) / h**2 / GPa
    assert rec.B_GPa == pytest.approx(b_fd, rel=0.03)


def test_symmetry_is_kept_and_unconverged_is_reported():
    start = bulk("Cu", "fcc", a=3.9, cubic=True)
    relaxed, rec = relax_bulk(start, get_calculator("emt"), steps=1)
    assert not rec.converged and rec.steps == 1
    cellpar = relaxed.cell.cellpar()
    assert np.allclose(cellpar[:3], cellpar[0]) and np.allclose(cellpar[3:], 90)


def test_trajectory_checkpoint_written(tmp_path):
    traj = tmp_path / "relax.traj"
    relax_bulk(bulk("Cu", "fcc", a=3.7, cubic=True), get_calculator("emt"), trajectory=traj)
    from ase.io import read

    frames = read(traj, index=":")
    assert len(frames) >= 2


@pytest.mark.parametrize("kwargs", [{"fmax": 0}, {"steps": -1}, {"optimizer": "SGD"}])
def test_bad_relax_arguments(kwargs):
    with pytest.raises(UserInputError):
        relax_bulk(bulk("Cu"), get_calculator("emt"), **kwargs)


def test_eos_refuses_too_few_points():
    with pytest.raises(UserInputError, match="at least 5"):
        fit_eos(bulk("Cu"), get_calculator("emt"), npoints=3)
