"""MD run natively in LAMMPS against the ASE path through LAMMPSlib (Li SNAP): the same
potential energy surface, the same thermostat, the same averages."""

import numpy as np
import pytest
from ase.build import bulk

from checks import assert_one_line
from interfacemodel.analysis.diffusion import K_B_EV_PER_K, bcc_vacancy
from interfacemodel.calculators import get_calculator
from interfacemodel.errors import UserInputError

pytestmark = pytest.mark.lammps


def test_native_cell_matches_lammpslib_energy_and_forces_in_a_skewed_cell():
    """A rhombohedral (primitive bcc) cell, rattled, atoms outside it: LAMMPS' rotated,
    wrapped frame must map back to the same energy and the same ASE-frame forces."""
    from interfacemodel.run.lammps_md import lammps_forces, lammps_session

    atoms = bulk("Li", "bcc", a=3.45).repeat((3, 3, 3))
    atoms.rattle(0.05, seed=2)
    atoms.positions += [7.0, -3.0, 11.0]
    ref = atoms.copy()
    ref.calc = get_calculator("lammps:li-snap")
    with lammps_session(atoms, "lammps:li-snap") as (lmp, prism):
        lmp.command("run 0")
        assert lmp.get_thermo("pe") == pytest.approx(ref.get_potential_energy(), abs=1e-9)
        forces = lammps_forces(lmp, prism)
    assert np.abs(ref.get_forces()).max() > 0.05  # the check has forces to compare
    assert np.allclose(forces, ref.get_forces(), atol=1e-9)


def test_native_and_ase_langevin_md_give_the_same_temperature_and_energy():
    """16 atoms at 300 K, 2 fs steps: 1 ps to equilibrate (10 damping times: a damping time
    in the wrong unit leaves the cell near T/2), 6 ps sampled."""
    from interfacemodel.procedures.md_diffusion import lammps_nvt_diffusivity, nvt_diffusivity

    li = bulk("Li", "bcc", a=3.506, cubic=True).repeat(2)
    kw = dict(T_K=300.0, steps=3000, equilibration_steps=500, timestep_fs=2.0,
              friction_per_fs=0.01, sample_every=10, species="Li")
    native = lammps_nvt_diffusivity(li, "li-snap", seed=3, **kw)
    ase_md = nvt_diffusivity(li, get_calculator("lammps:li-snap"), seed=3, **kw)
    assert native.engine == "lammps-langevin" and ase_md.engine == "ase-langevin"
    ref = li.copy()
    ref.calc = get_calculator("lammps:li-snap")
    e0 = ref.get_potential_energy() / len(li)
    kT = K_B_EV_PER_K * 300.0
    for rec in (native, ase_md):
        assert rec.T_mean_K == pytest.approx(300.0, rel=0.1)
        # classical crystal: <E_pot> − E_0 ≈ (3/2) k_B T per atom (Li at 300 K is anharmonic)
        assert (rec.E_pot_mean_eV / len(li) - e0) == pytest.approx(1.5 * kT, rel=0.3)
        # a perfect crystal does not diffuse: the MSD plateaus at the vibrational amplitude
        assert max(rec.msd.msd_A2) < 1.0
    # the same ensemble: <E_pot> − E_0 per atom and per k_B<T> (the sampled <T> of 16 atoms
    # over 6 ps scatters by ~10 K) agree within ~3σ of the run-to-run scatter (~0.03)
    native_e, ase_e = ((r.E_pot_mean_eV / len(li) - e0) / (K_B_EV_PER_K * r.T_mean_K)
                       for r in (native, ase_md))
    assert native_e == pytest.approx(ase_e, abs=0.1)
    assert np.mean(native.msd.msd_A2[-50:]) == pytest.approx(np.mean(ase_md.msd.msd_A2[-50:]),
                                                              rel=0.3)
    assert native.wall_time_s < ase_md.wall_time_s


def test_nose_hoover_holds_the_temperature():
    from interfacemodel.procedures.md_diffusion import lammps_nvt_diffusivity

    li = bulk("Li", "bcc", a=3.506, cubic=True).repeat(2)
    rec = lammps_nvt_diffusivity(li, "li-snap", T_K=250.0, steps=2000, equilibration_steps=500,
                                 thermostat="nose-hoover", sample_every=10)
    assert rec.engine == "lammps-nose-hoover"
    assert rec.T_mean_K == pytest.approx(250.0, rel=0.1)


def test_native_md_bad_input():
    from interfacemodel.procedures.md_diffusion import lammps_nvt_diffusivity

    li = bulk("Li", "bcc", a=3.506, cubic=True)
    with pytest.raises(UserInputError, match="native LAMMPS MD needs a LAMMPS potential") as exc:
        lammps_nvt_diffusivity(li, "emt")
    assert_one_line(exc)
    with pytest.raises(UserInputError, match="thermostat"):
        lammps_nvt_diffusivity(li, "li-snap", thermostat="berendsen")
    with pytest.raises(UserInputError, match="Mg"):
        lammps_nvt_diffusivity(bulk("Mg"), "li-snap", species="Mg")


@pytest.mark.slow
def test_vacancy_md_follows_the_neb_barrier():
    """bcc Li 3x3x3 minus one atom (c_v = 1/54): 24 ps at 300 K hop at the rate of the SNAP
    NEB barrier of the same hop with a phonon-scale prefactor; a short 325 K run takes the
    driver through its Arrhenius fit (about 60 s on one core). Runs this short carry 30-50 %
    errors on D; bench/md_crosscheck.py has the long ones."""
    from interfacemodel.flows.migration import vacancy_migration
    from interfacemodel.procedures.md_diffusion import vacancy_md_arrhenius

    mig = vacancy_migration("Li", get_calculator("lammps:li-snap"), phonons=False, fmax=0.03)
    E_m = mig.neb.barrier_forward_eV
    assert mig.neb.converged and 0.05 < E_m < 0.2  # SNAP: 0.11-0.12 eV
    md = vacancy_md_arrhenius("Li", "lammps:li-snap", temperatures_K=(300.0, 325.0),
                              supercell=3, steps=(6000, 1000), equilibration_steps=750,
                              timestep_fs=4.0, friction_per_fs=0.01, n_blocks=4, seed=4)
    assert md.n_atoms == 53 and md.vacancy_fraction == pytest.approx(1 / 54)
    assert md.engine == "lammps-langevin" and md.runs[0].calculator["label"] == "lammps(li-snap)"
    for p in md.points:
        assert p.T_mean_K == pytest.approx(p.T_K, rel=0.1)
        assert p.in_fit and p.left_lattice_ps is None and p.off_lattice_fraction < 0.2  # bcc
    # ν* implied by D(MD) = f z d² ν* exp(−E_m/kT) c_v / 6 at 300 K: phonon scale (the
    # Vineyard ν* is ~4e12 Hz); 5e11-5e13 Hz is ±60 meV of barrier at 300 K
    lat, p = bcc_vacancy(md.lattice_constant_A), md.points[0]
    nu = p.D_cm2_per_s / (lat.f * lat.z * (lat.d_A * 1e-8) ** 2 / 6 * md.vacancy_fraction
                          * np.exp(-E_m / (K_B_EV_PER_K * p.T_K)))
    assert 5e11 < nu < 5e13, (p, nu)
    # E_a at fixed c_v is the migration barrier (here with a large error: two short runs)
    assert md.fit is not None and md.fit.n_points == 2 and md.fit.Ea_error_eV > 0
    assert abs(md.fit.Ea_eV - E_m) < 3 * md.fit.Ea_error_eV, (md.fit, E_m)
