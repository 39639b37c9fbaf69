"""Phonons and the Vineyard prefactor: phonopy through the package against ASE's own finite
differences (EMT) and against a direct phonopy run (SevenNet, bcc Li at H and N)."""

import numpy as np
import pytest
from ase.calculators.emt import EMT
from ase.vibrations import Vibrations

from checks import au_on_al100_endpoints
from interfacemodel.run.neb import run_neb
from interfacemodel.run.phonons import (
    gamma_modes,
    local_modes,
    neighbourhood,
    phonon_frequencies_THz,
    vineyard_prefactor,
)

CM1_TO_THZ = 0.0299792458


@pytest.fixture(scope="module")
def au_al_band():
    initial, final = au_on_al100_endpoints()
    images, rec = run_neb(initial, final, EMT(), n_images=3, fmax=0.01, endpoint_fmax=0.005)
    assert rec.converged
    return images, rec


def _ase_modes_THz(atoms, tmp_path):
    """Γ modes of every atom from ASE's Vibrations (central differences), sorted, THz,
    imaginary as negative; the three lowest |ν| (translations) dropped."""
    work = atoms.copy()
    work.set_constraint()
    work.calc = EMT()
    vib = Vibrations(work, name=str(tmp_path / "vib"), delta=0.01, nfree=2)
    vib.run()
    f = vib.get_frequencies()
    real = np.where(np.abs(f.imag) > np.abs(f.real), -np.abs(f.imag), f.real) * CM1_TO_THZ
    real = np.sort(real)
    keep = np.ones(len(real), bool)
    keep[np.argsort(np.abs(real))[:3]] = False
    return real[keep]


def test_saddle_modes_match_ase_vibrations(au_al_band, tmp_path):
    images, rec = au_al_band
    saddle = images[rec.saddle_index]
    modes = gamma_modes(saddle, EMT())
    assert modes.n_imaginary == 1 and modes.translations_removed == 3
    ours = np.array(modes.frequencies_THz)
    ase = _ase_modes_THz(saddle, tmp_path)
    big = np.abs(ase) > 0.5  # compare the modes away from numerical noise
    assert np.allclose(ours[big], ase[big], rtol=0.01)


def test_vineyard_prefactor_of_au_on_al(au_al_band):
    images, rec = au_al_band
    nu = vineyard_prefactor(images[0], images[rec.saddle_index], EMT())
    assert nu.saddle_has_one_imaginary_mode and not nu.notes
    assert 1e11 < nu.nu_Hz < 1e14  # a few THz: the Au–Al vibration scale
    print(f"Au/Al(100) hop: Vineyard ν* = {nu.nu_Hz:.3e} Hz, barrier {rec.barrier_forward_eV:.3f} eV")


def test_partial_hessian_of_every_atom_equals_the_full_cell_modes(au_al_band):
    """ASE Vibrations over all atoms (the partial-Hessian path) against phonopy's Γ modes."""
    images, rec = au_al_band
    saddle = images[rec.saddle_index]
    full = np.array(gamma_modes(saddle, EMT()).frequencies_THz)
    every = local_modes(saddle, EMT(), range(len(saddle)))
    assert every.n_imaginary == 1 and every.displaced_atoms == list(range(len(saddle)))
    local = np.array(every.frequencies_THz)
    local = np.delete(local, np.argsort(np.abs(local))[:3])  # its three translations
    big = np.abs(full) > 0.5
    assert np.allclose(local[big], full[big], rtol=0.01)


def test_local_vineyard_prefactor_of_au_on_al(au_al_band):
    """The Au adatom and its neighbours: one imaginary mode at the saddle, ν* of the order of
    the full-cell value (the local Hessian leaves out the collective modes)."""
    images, rec = au_al_band
    saddle = images[rec.saddle_index]
    au = len(saddle) - 1
    shell = neighbourhood(images[0], au, 3.5)
    assert shell[-1] == au and len(shell) == 5  # Au over a hollow: 4 Al neighbours
    local = vineyard_prefactor(images[0], saddle, EMT(), indices=shell)
    full = vineyard_prefactor(images[0], saddle, EMT())
    assert local.saddle_has_one_imaginary_mode and "partial Hessian of 5 atoms" in local.method
    assert 0.2 < local.nu_Hz / full.nu_Hz < 5.0
    print(f"Au/Al(100): ν* local {local.nu_Hz:.3e} Hz, full cell {full.nu_Hz:.3e} Hz")


@pytest.mark.mlip
def test_bcc_li_phonons_at_h_and_n_match_direct_phonopy():
    from ase import Atoms
    from ase.build import bulk
    from phonopy import Phonopy
    from phonopy.structure.atoms import PhonopyAtoms

    from interfacemodel.calculators import get_calculator

    calc = get_calculator("sevennet")
    li = bulk("Li", "bcc", a=3.428)  # primitive cell, one atom
    special = li.cell.bandpath().special_points  # ASE's H and N in this cell's reciprocal basis
    qpoints = [special["H"], special["N"]]
    ours = phonon_frequencies_THz(li, calc, qpoints, supercell=(4, 4, 4))

    unit = PhonopyAtoms(symbols=["Li"], cell=li.cell.array, scaled_positions=[[0, 0, 0]])
    ph = Phonopy(unit, supercell_matrix=np.diag([4, 4, 4]), primitive_matrix=np.eye(3))
    ph.generate_displacements(distance=0.01)
    forces = []
    for sc in ph.supercells_with_displacements:
        atoms = Atoms(sc.symbols, cell=sc.cell, scaled_positions=sc.scaled_positions, pbc=True)
        atoms.calc = calc
        forces.append(atoms.get_forces())
    ph.forces = forces
    ph.produce_force_constants()
    ph.run_qpoints(qpoints)
    direct = ph.qpoints.frequencies
    assert np.allclose(ours, direct, rtol=0.01)
    assert np.all(ours > 1.0)  # H and N of bcc Li: every band real, several THz
    print(f"bcc Li (SevenNet): H {np.round(ours[0], 2)} THz, N {np.round(ours[1], 2)} THz")
