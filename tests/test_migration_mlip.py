"""Vacancy migration with SevenNet against plain ASE set up independently here: bcc Li
vacancy hop (barrier within 0.03 eV of a plain-ASE NEB on the same cell, one imaginary mode
at the saddle), and the Mg solute–vacancy exchange in Li."""

import numpy as np
import pytest
from ase.build import bulk
from ase.mep import NEB
from ase.optimize import BFGS, FIRE

from interfacemodel.flows.migration import vacancy_migration

pytestmark = pytest.mark.mlip


@pytest.fixture(scope="module")
def sevennet():
    from interfacemodel.calculators import get_calculator

    return get_calculator("sevennet")


def _plain_ase_vacancy_barrier(a_A: float, calc_factory) -> float:
    """2x2x2 conventional bcc Li, atom 0 removed, its nearest neighbour hops into the hole;
    climbing-image NEB (improved tangent), 3 images, linear interpolation, FIRE."""
    cell = bulk("Li", "bcc", a=a_A, cubic=True).repeat(2)
    vacancy = cell.positions[0].copy()
    del cell[0]
    d = np.linalg.norm(cell.positions - vacancy, axis=1)
    mover = int(np.argmin(d))  # a body-centre neighbour, √3a/2 away
    initial, final = cell.copy(), cell.copy()
    final.positions[mover] = vacancy
    for atoms in (initial, final):
        atoms.calc = calc_factory()
        BFGS(atoms, logfile=None).run(fmax=0.005)
    images = [initial] + [initial.copy() for _ in range(3)] + [final]
    for image in images[1:-1]:
        image.calc = calc_factory()
    neb = NEB(images, climb=True, method="improvedtangent")
    neb.interpolate()
    FIRE(neb, logfile=None).run(fmax=0.02, steps=400)
    energies = [image.get_potential_energy() for image in images]
    return max(energies) - energies[0]


@pytest.mark.slow  # ~1 min on 2 cores: two NEBs and 360 phonon force calls
def test_bcc_li_vacancy_barrier_matches_plain_ase_and_saddle_is_first_order(sevennet):
    from interfacemodel.calculators import get_calculator

    res = vacancy_migration("Li", sevennet, species="Li", temperatures_K=(298.15,),
                            supercell=2, n_images=3, fmax=0.02)
    assert res.hop["natoms"] == 15 and res.neb.converged and not res.neb.flags
    a = res.lattice.d_A * 2 / np.sqrt(3)  # the relaxed lattice constant the hop was built on
    plain = _plain_ase_vacancy_barrier(a, lambda: get_calculator("sevennet"))
    print(f"SevenNet bcc Li vacancy (15 atoms): package {res.neb.barrier_forward_eV:.4f} eV, "
          f"plain ASE {plain:.4f} eV; saddle imaginary modes {res.saddle_imaginary_modes}; "
          f"ν* {res.attempt_frequency_Hz:.3e} Hz")
    assert res.neb.barrier_forward_eV == pytest.approx(plain, abs=0.03)
    # the relaxed vacancy is a minimum (no spurious imaginary mode) and the saddle is first order
    assert res.attempt_frequency_note.startswith("Vineyard")
    assert res.saddle_imaginary_modes == 1
    assert 1e11 < res.attempt_frequency_Hz < 1e14


def test_mg_solute_vacancy_exchange_in_li(sevennet):
    res = vacancy_migration("Li", sevennet, species="Li", solute="Mg", temperatures_K=(300.0,),
                            supercell=2, n_images=3, fmax=0.03, phonons=False)
    assert res.species == "Mg" and res.mechanism == "solute–vacancy exchange"
    assert res.neb.converged
    # symmetric exchange: forward and backward barriers agree, reaction energy ~0
    assert res.neb.reaction_energy_eV == pytest.approx(0.0, abs=0.01)
    assert 0.0 < res.neb.barrier_forward_eV < 1.0
    assert res.lattice.f == 1.0 and res.attempt_frequency_Hz is None
    assert "fallback" in res.diffusivities[0].attempt_frequency_source
    print(f"SevenNet Mg–vacancy exchange in Li (15 atoms): {res.neb.barrier_forward_eV:.3f} eV, "
          f"E_f(vacancy next to Mg) {res.defect_formation_energy_eV:.3f} eV")
