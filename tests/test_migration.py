"""Vacancy migration end to end on EMT copper (fcc: z = 12, d = a/√2, f = 0.781)."""

import math

import pytest
from ase.build import bulk

from checks import assert_one_line
from interfacemodel.analysis.diffusion import K_B_EV_PER_K
from interfacemodel.analysis.migration import plot_arrhenius, plot_energy_profile
from interfacemodel.calculators import get_calculator
from interfacemodel.errors import UserInputError
from interfacemodel.flows.migration import vacancy_migration


@pytest.fixture(scope="module")
def cu_vacancy():
    cu = bulk("Cu", "fcc", a=3.59, cubic=True)
    return vacancy_migration(cu, get_calculator("emt"), species="Cu", temperatures_K=(800, 1000),
                             supercell=2, n_images=3, fmax=0.05)


def test_cu_vacancy_hop_record_is_consistent(cu_vacancy, tmp_path):
    res = cu_vacancy
    assert res.neb.converged and not res.neb.flags
    assert 0.3 < res.neb.barrier_forward_eV < 1.2  # EMT Cu vacancy migration: ~0.5-0.7 eV
    assert res.lattice.z == 12 and res.lattice.f == pytest.approx(0.781)
    assert res.lattice.d_A == pytest.approx(res.hop["length_A"], rel=1e-3)  # a/√2
    assert res.attempt_frequency_Hz and 1e11 < res.attempt_frequency_Hz < 1e14
    assert 0.5 < res.defect_formation_energy_eV < 2.0  # EMT Cu: ~1 eV
    # D(T) from the record's own pieces, by hand
    d = res.diffusivities[0]
    kT = K_B_EV_PER_K * d.T_K
    by_hand = (12 * (res.lattice.d_A * 1e-8) ** 2 / 6 * 0.781 * res.attempt_frequency_Hz
               * math.exp(-(res.neb.barrier_forward_eV + res.defect_formation_energy_eV) / kT))
    assert d.D_cm2_per_s == pytest.approx(by_hand, rel=1e-9)
    assert plot_energy_profile(res.neb, tmp_path / "neb.png").stat().st_size > 1000
    assert plot_arrhenius(res.diffusivities, tmp_path / "arr.png",
                          measured=(900.0, 1e-10, "test")).stat().st_size > 1000


def test_migration_bad_input():
    cu = bulk("Cu", "fcc", a=3.59, cubic=True)
    with pytest.raises(UserInputError, match="hop_index 5 out of range") as exc:
        vacancy_migration(cu, get_calculator("emt"), species="Cu", hop_index=5, supercell=2)
    assert_one_line(exc)
    with pytest.raises(UserInputError, match="temperatures"):
        vacancy_migration(cu, get_calculator("emt"), species="Cu", temperatures_K=(-5,))
    with pytest.raises(UserInputError, match="sites_frac gives interstitial sites") as exc:
        vacancy_migration(cu, get_calculator("emt"), species="Cu", sites_frac=[[0.5, 0, 0]])
    assert_one_line(exc)


def test_h_interstitial_hop_in_cu_formation_energy_by_hand():
    """Direct interstitial hop of H in EMT Cu: E_f = E(Cu_n + H) − E(Cu_n) − μ_H recomputed
    here from EMT single points, f = 1, z and d from the hop."""
    from ase.optimize import BFGS

    from interfacemodel.flows.migration import interstitial_migration

    cu = bulk("Cu", "fcc", a=3.59, cubic=True)
    mu_h = -1.0  # a chosen H reservoir (eV/atom): the formula is what is checked
    res = interstitial_migration(cu, get_calculator("emt"), species="H", supercell=2,
                                 n_images=3, fmax=0.05, phonons=False, li_metal_energy_eV=mu_h,
                                 temperatures_K=(600.0,))
    assert res.mechanism == "interstitial" and res.neb.converged
    assert res.lattice.f == 1.0 and res.lattice.z == res.hop["multiplicity"]
    assert res.lattice.d_A == pytest.approx(res.hop["length_A"])
    # E(perfect) by hand: the relaxed host cell of the record, repeated, EMT single point
    n_cu = res.hop["natoms"] - 1
    host = bulk("Cu", "fcc", a=3.59, cubic=True)
    host.calc = get_calculator("emt")
    from ase.filters import FrechetCellFilter

    BFGS(FrechetCellFilter(host), logfile=None).run(fmax=0.001)
    e_perfect = host.get_potential_energy() / len(host) * n_cu
    e_defect = res.neb.endpoints["initial"].energy_eV
    assert res.defect_formation_energy_eV == pytest.approx(e_defect - e_perfect - mu_h, abs=2e-3)


def test_given_defect_fraction_replaces_the_formation_energy():
    """D with a given vacancy fraction (a non-stoichiometric coating) is D(c=1) × c."""
    cu = bulk("Cu", "fcc", a=3.59, cubic=True)
    kw = {"species": "Cu", "temperatures_K": (900.0,), "supercell": 2, "n_images": 1,
          "fmax": 0.05, "phonons": False}
    given = vacancy_migration(cu, get_calculator("emt"), defect_fraction=1e-3, **kw)
    d = given.diffusivities[0]
    assert d.defect_fraction == 1e-3 and d.defect_fraction_source == "given"
    assert "given: 0.001" in given.formation_reference
    kT = K_B_EV_PER_K * 900.0
    by_hand = (12 * (given.lattice.d_A * 1e-8) ** 2 / 6 * 0.781 * 1e13
               * math.exp(-given.neb.barrier_forward_eV / kT) * 1e-3)
    assert d.D_cm2_per_s == pytest.approx(by_hand, rel=1e-9)
