"""NEB runner on the ASE tutorial system (Au adatom hopping on Al(100), EMT), against a
plain ASE NEB of the same system set up independently here."""

import numpy as np
import pytest
from ase.calculators.emt import EMT
from ase.optimize import BFGS

from checks import assert_one_line, au_on_al100_endpoints, plain_ase_au_on_al100_barrier
from interfacemodel.errors import UserInputError
from interfacemodel.run.neb import path_flags, run_neb


def test_au_on_al100_barrier_matches_plain_ase(tmp_path):
    initial, final = au_on_al100_endpoints()
    images, rec = run_neb(initial, final, EMT(), n_images=3, fmax=0.02, endpoint_fmax=0.01,
                          optimizer="FIRE")
    assert rec.converged and rec.fmax_reached_eV_per_A < 0.02 and not rec.flags
    assert rec.barrier_forward_eV == pytest.approx(plain_ase_au_on_al100_barrier(), abs=0.01)
    assert rec.reaction_energy_eV == pytest.approx(0.0, abs=1e-3)  # symmetric hop
    assert rec.barrier_backward_eV == pytest.approx(rec.barrier_forward_eV, abs=1e-3)
    assert rec.saddle_index == 2 and len(rec.image_energies_eV) == 5
    # path length over all atoms: at least the adatom's straight hop, a little more (the
    # path bends over the bridge site and the surface atoms move)
    hop = initial.cell[0, 0] / 2
    assert hop <= rec.reaction_coordinate_A[-1] < 1.2 * hop
    assert np.allclose(images[2].positions[:4], images[0].positions[:4])  # fixed atoms stay


def test_given_relaxed_end_points_are_used_as_they_are():
    """relax_endpoints=False with end points relaxed by plain ASE and one shared EMT: the same
    barrier as the package's own end-point relaxation."""
    initial, final = au_on_al100_endpoints()
    for atoms in (initial, final):
        atoms.calc = EMT()
        BFGS(atoms, logfile=None).run(fmax=0.005)
    _, given = run_neb(initial, final, EMT(), n_images=3, fmax=0.02, relax_endpoints=False)
    _, own = run_neb(initial, final, EMT(), n_images=3, fmax=0.02, endpoint_fmax=0.005)
    assert given.converged and not given.endpoints
    assert given.barrier_forward_eV == pytest.approx(own.barrier_forward_eV, abs=2e-3)


def test_interrupted_neb_resumes(tmp_path):
    initial, final = au_on_al100_endpoints()
    _, full = run_neb(initial, final, EMT(), n_images=3, fmax=0.02, optimizer="FIRE",
                      checkpoint=tmp_path / "a")
    _, part = run_neb(initial, final, EMT(), n_images=3, fmax=0.02, optimizer="FIRE",
                      steps=10, checkpoint=tmp_path / "b")
    assert not part.converged
    _, resumed = run_neb(initial, final, EMT(), n_images=3, fmax=0.02, optimizer="FIRE",
                         checkpoint=tmp_path / "b")
    assert resumed.resumed_at_step == 10 and resumed.converged
    assert resumed.barrier_forward_eV == pytest.approx(full.barrier_forward_eV, abs=1e-3)
    assert full.force_calls <= resumed.force_calls <= full.force_calls + 3  # one per image


def test_end_points_that_relax_into_one_state_are_flagged():
    """The Au adatom put 0.2 Å off the hollow site in the 'final' state relaxes back to it."""
    initial, _ = au_on_al100_endpoints()
    nudged = initial.copy()
    nudged.positions[-1, 0] += 0.2
    _, rec = run_neb(initial, nudged, EMT(), n_images=3, fmax=0.05)
    assert any("relaxed into one state" in f for f in rec.flags)
    # the band is evaluated once (3 images), not optimised; its 'barrier' is the noise of
    # the end points' relaxation
    assert rec.converged and rec.steps == 0 and rec.force_calls == 3
    assert abs(rec.barrier_forward_eV) < 1e-3


def test_path_flags():
    assert path_flags([0.0, 0.1, 0.3, 0.1, 0.0], 2) == []
    assert "end point" in path_flags([0.0, -0.1, -0.2, -0.3, -0.4], 0)[0]
    assert "jumps" in path_flags([0.0, 0.02, 0.5, 0.03, 0.0], 2)[0]


def test_bad_neb_input():
    initial, final = au_on_al100_endpoints()
    with pytest.raises(UserInputError, match="same atoms") as exc:
        run_neb(initial, final[:-1], EMT())
    assert_one_line(exc)
    with pytest.raises(UserInputError, match="method"):
        run_neb(initial, final, EMT(), method="tangent")
    swapped = final.copy()
    swapped.numbers[[0, -1]] = swapped.numbers[[-1, 0]]  # same atoms, different order
    with pytest.raises(UserInputError, match="atom 0 is Al in one, Au in the other") as exc:
        run_neb(initial, swapped, EMT())
    assert_one_line(exc)
    with pytest.raises(UserInputError, match="n_images=0 must be >= 1") as exc:
        run_neb(initial, final, EMT(), n_images=0)
    assert_one_line(exc)
    # as built, the adatom sits 1.7 Å above the hollow: forces far above fmax
    with pytest.raises(UserInputError, match="initial state is not a minimum") as exc:
        run_neb(initial, final, EMT(), relax_endpoints=False)
    assert_one_line(exc)
