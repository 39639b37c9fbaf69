"""Slab/interface relaxation engine on EMT copper: fixed layers, normal-cell relaxation,
checkpoint resume, VASP/QE relaxation inputs."""

import numpy as np
import pytest
from ase.build import bulk, fcc111
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms

from checks import assert_one_line
from interfacemodel.calculators import get_calculator
from interfacemodel.errors import UserInputError
from interfacemodel.run.relax import DEFAULT_OPTIMIZER, relax


@pytest.fixture
def rattled_slab():
    slab = fcc111("Cu", (2, 2, 5), vacuum=6.0, a=3.59)
    slab.rattle(0.05, seed=3)
    slab.set_constraint(FixAtoms(mask=slab.positions[:, 2] < slab.positions[:, 2].min() + 0.5))
    return slab


def test_relax_converges_and_keeps_fixed_layers(rattled_slab):
    start = rattled_slab.copy()
    relaxed, rec = relax(rattled_slab, get_calculator("emt"), fmax=0.01)
    fixed = rattled_slab.constraints[0].index
    assert rec.converged and rec.status == "relaxed"
    assert rec.fmax_reached_eV_per_A < 0.01 and rec.n_fixed == len(fixed) == 4
    assert np.allclose(relaxed.positions[fixed], start.positions[fixed])  # fixed really fixed
    assert not np.allclose(relaxed.positions, start.positions)
    assert np.allclose(rattled_slab.positions, start.positions)  # input untouched
    assert rec.force_calls >= rec.steps > 0 and rec.optimizer == DEFAULT_OPTIMIZER
    assert rec.area_A2 == pytest.approx(np.linalg.norm(np.cross(*rattled_slab.cell[:2])))
    assert rec.counts == {"Cu": 20}


def test_step_limit_is_reported_not_hidden(rattled_slab):
    _, rec = relax(rattled_slab, get_calculator("emt"), fmax=1e-4, steps=3, optimizer="BFGS")
    assert not rec.converged and rec.status == "not-converged" and rec.steps == 3


@pytest.mark.parametrize("optimizer", ["BFGS", "LBFGS", "FIRE", DEFAULT_OPTIMIZER])
def test_interrupted_relaxation_resumes(tmp_path, rattled_slab, optimizer):
    """Killed after N steps and restarted: same energy (1 meV), at most one extra force call."""
    calc = EMT()
    _, full = relax(rattled_slab, calc, fmax=0.01, optimizer=optimizer)

    class Killed(Exception):
        pass

    def kill_at_step_6(step, fmax_now):
        if step == 6:
            raise Killed

    with pytest.raises(Killed):
        relax(rattled_slab, calc, fmax=0.01, optimizer=optimizer, checkpoint=tmp_path,
              progress=kill_at_step_6)
    _, resumed = relax(rattled_slab, calc, fmax=0.01, optimizer=optimizer, checkpoint=tmp_path)
    assert resumed.resumed_at_step == 6 and resumed.converged
    assert resumed.energy_eV == pytest.approx(full.energy_eV, abs=1e-3)
    assert full.force_calls <= resumed.force_calls <= full.force_calls + 1


def test_checkpoint_of_another_relaxation_is_refused(tmp_path, rattled_slab):
    relax(rattled_slab, EMT(), fmax=0.05, checkpoint=tmp_path, optimizer="BFGS")
    other = rattled_slab.copy()
    other.positions[0] += 0.1
    with pytest.raises(UserInputError, match="belongs to another relaxation") as exc:
        relax(other, EMT(), fmax=0.05, checkpoint=tmp_path, optimizer="BFGS")
    assert_one_line(exc)


def test_normal_cell_relaxation_recovers_bulk_spacing():
    """A periodic Cu stack stretched 3 % along z relaxes back to the EMT lattice (σ_zz → 0),
    in-plane cell untouched; the reference is ASE's own cell relaxation of bulk Cu."""
    from ase.filters import FrechetCellFilter
    from ase.optimize import BFGS

    ref = bulk("Cu", "fcc", a=3.6, cubic=True)
    ref.calc = EMT()
    BFGS(FrechetCellFilter(ref), logfile=None).run(fmax=1e-4)
    a0 = ref.cell[0, 0]
    stack = bulk("Cu", "fcc", a=a0, cubic=True).repeat((1, 1, 3))
    stack.set_cell(stack.cell.array * [1, 1, 1.03], scale_atoms=True)
    relaxed, rec = relax(stack, EMT(), fmax=0.005, relax_normal_cell=True, stress_tol_GPa=0.005)
    assert rec.converged and abs(rec.stress_zz_GPa) < 0.005
    assert relaxed.cell[2, 2] / 3 == pytest.approx(a0, rel=1e-3)
    assert np.allclose(relaxed.cell[:2], stack.cell[:2])


def test_bad_relax_arguments_are_one_line(rattled_slab):
    for kwargs in ({"fmax": 0}, {"steps": -1}, {"optimizer": "Newton"}):
        with pytest.raises(UserInputError) as exc:
            relax(rattled_slab, EMT(), **kwargs)
        assert_one_line(exc)


