"""Vacancy migration end to end on EMT copper (fcc: z = 12, d = a/√2, f = 0.781)."""

import math

import pytest
from ase.build import bulk

from checks import assert_one_line
from interfacemodel.analysis.diffusion import K_B_EV_PER_K
from interfacemodel.calculators import get_calculator
from interfacemodel.errors import UserInputError
from interfacemodel.flows.migration import bulk_migration, vacancy_migration
from interfacemodel.report.migration_plots import plot_arrhenius, plot_energy_profile


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


# --- interstitialcy (knock-off): two moving atoms -------------------------------------------

@pytest.fixture(scope="module")
def ag_interstitialcy():
    """The self-interstitialcy of EMT Ag, step by step: octahedral interstitial A, a lattice
    atom L at a/2, L pushed into the octahedral void B at a/√2 from A (2x2x2 cells)."""
    import json

    from interfacemodel.analysis.migration import HopCase
    from interfacemodel.procedures.hops import prepare_bulk_hop
    from interfacemodel.procedures.migration import band_states, hop_band, hop_prefactors

    ag = bulk("Ag", "fcc", a=4.09, cubic=True)
    calc = get_calculator("emt")
    case = prepare_bulk_hop(ag, calc, species="Ag", mechanism="interstitialcy", supercell=2)
    case = HopCase.from_doc(json.loads(json.dumps(case.to_doc())))  # partner_index travels
    images, neb = hop_band(case, calc, n_images=3, fmax=0.05)
    states = band_states(images, neb)
    pre = hop_prefactors(case, *states, neb, calc)
    return case, images, neb, states, pre


def test_ag_interstitialcy_band_moves_both_atoms_and_the_hessian_holds_both(ag_interstitialcy):
    import numpy as np
    from ase.geometry import find_mic
    from ase.neighborlist import neighbor_list

    from interfacemodel.procedures.migration import hessian_atoms

    case, images, neb, states, pre = ag_interstitialcy
    m, p = case.moving_index, case.partner_index
    assert case.mechanism == "interstitialcy" and p is not None and m == len(case.initial) - 1
    assert case.hop["moving_indices"] == [m, p]
    a = case.initial.cell.lengths()[0] / 2  # the relaxed lattice constant (2x2x2 cells)
    assert case.hop["length_A"] == pytest.approx(a / math.sqrt(2), rel=1e-6)
    assert neb.converged and not neb.flags
    assert 0.0 < neb.barrier_forward_eV < 3.0
    assert neb.barrier_backward_eV == pytest.approx(neb.barrier_forward_eV, abs=0.01)
    # both atoms travel along the band; the rest of the crystal only relaxes around them
    disp = np.linalg.norm(find_mic(images[-1].positions - images[0].positions,
                                   images[0].cell, True)[0], axis=1)
    assert disp[m] > 1.0 and disp[p] > 1.0
    assert np.delete(disp, [m, p]).max() < 0.5 * min(disp[m], disp[p])
    # the partial Hessian's atoms, by hand: both movers and all within 3.5 Å of either
    i, j = neighbor_list("ij", states[0], 3.5)
    near_m, near_p = {int(k) for k in j[i == m]}, {int(k) for k in j[i == p]}
    by_hand = sorted({m, p} | near_m | near_p)
    assert near_p - near_m - {m}  # the partner brings neighbours the interstitial lacks
    assert hessian_atoms(case, states[0]) == by_hand
    assert pre.nu_note.startswith(f"Vineyard, partial Hessian of {len(by_hand)} atoms: the two "
                                  f"moving atoms")
    assert pre.saddle_imaginary_modes == 1 and 1e11 < pre.nu_Hz < 1e14


def test_ag_interstitialcy_record_by_hand(ag_interstitialcy):
    """E_f = E(N atoms with the interstitial) − N ε(bulk Ag) with μ = ε (an extra atom);
    D = z d² ν exp(−(E_m + E_f)/kT) / 6 with z = 24, d = a/√2, f = 1; the in-process flow
    gives the same record; the Frenkel carriers replace c, also where E_f < 0."""
    import dataclasses

    from ase.filters import FrechetCellFilter
    from ase.optimize import BFGS

    from interfacemodel.analysis.hop_rates import finish_migration
    from interfacemodel.analysis.intrinsic import IntrinsicDisorder
    from interfacemodel.flows.migration import interstitialcy_migration

    case, images, neb, states, pre = ag_interstitialcy
    calc = get_calculator("emt")
    T = 900.0
    res = finish_migration(case, neb, pre, calc, temperatures_K=(T,))
    assert res.lattice.z == 24 == res.hop["multiplicity"] and res.lattice.f == 1.0
    assert res.lattice.d_A == pytest.approx(res.hop["length_A"])
    assert "charge diffusion, tracer correlation not computed" in res.lattice.name
    host = bulk("Ag", "fcc", a=4.09, cubic=True)
    host.calc = get_calculator("emt")
    BFGS(FrechetCellFilter(host), logfile=None).run(fmax=0.001)
    eps = host.get_potential_energy() / len(host)
    n = res.hop["natoms"]
    e_f = res.neb.endpoints["initial"].energy_eV - n * eps
    assert res.defect_formation_energy_eV == pytest.approx(e_f, abs=2e-3)
    kT = K_B_EV_PER_K * T
    d_cm = res.lattice.d_A * 1e-8
    d_star = 24 * d_cm**2 * pre.nu_Hz * math.exp(-neb.barrier_forward_eV / kT) / 6
    assert res.carrier_diffusivities[0].D_cm2_per_s == pytest.approx(d_star, rel=1e-9)
    assert res.diffusivities[0].D_cm2_per_s == pytest.approx(
        d_star * math.exp(-res.defect_formation_energy_eV / kT), rel=1e-9)
    one = interstitialcy_migration(bulk("Ag", "fcc", a=4.09, cubic=True), calc, species="Ag",
                                   supercell=2, n_images=3, fmax=0.05, temperatures_K=(T,))
    assert one.neb.barrier_forward_eV == pytest.approx(neb.barrier_forward_eV, abs=1e-9)
    assert one.lattice == res.lattice and one.attempt_frequency_Hz == pytest.approx(pre.nu_Hz)
    # Frenkel carriers: c = √(N_i/N) exp(−E_F/2kT), and not c = 1 when E_f < 0 against μ
    frenkel = IntrinsicDisorder(host="Ag", kind="frenkel", species="Ag", partner="i(4b)",
                                pair_energy_eV=2.0, separation_A=6.0, natoms_perfect=32,
                                interstitial_sites_per_cation=1.0, converged=True,
                                calculator={})
    c = math.exp(-2.0 / (2 * kT))
    rich = dataclasses.replace(case, chemical_potential_eV=eps + 50.0)  # E_f < 0
    for this in (case, rich):
        pair = finish_migration(this, neb, pre, calc, temperatures_K=(T,), intrinsic=frenkel)
        assert pair.diffusivities[0].D_cm2_per_s == pytest.approx(d_star * c, rel=1e-9)
    plain = finish_migration(rich, neb, pre, calc, temperatures_K=(T,))
    assert plain.diffusivities[0].defect_fraction == 1.0  # no pairs: c = 1 for E_f < 0
    assert any("c from the host's intrinsic pairs" in note
               for note in finish_migration(rich, neb, pre, calc, temperatures_K=(T,),
                                            intrinsic=frenkel).notes)


def test_interstitial_hops_in_antifluorites_take_frenkel_carriers():
    """The flow adds the host's pair cell where it makes the hop's carriers: Frenkel pairs
    (A2B) for every bulk mechanism, Schottky pairs (AB) for vacancies only."""
    from interfacemodel.flows.migration import MigrationMaker

    def pairs(host, mechanism, carriers="intrinsic"):
        jobs = MigrationMaker(calculator="emt", carriers=carriers).jobs(
            "x", host=host, mechanism=mechanism)
        return [j.function_kwargs["kind"] for j in jobs if j.name.startswith("intrinsic:")]

    for mechanism in ("vacancy", "interstitial", "interstitialcy"):
        assert pairs("Li2O", mechanism) == ["frenkel"]
        assert pairs("Li2O", mechanism, carriers="metal") == []
    assert pairs("LiF", "vacancy") == ["schottky"]
    assert pairs("LiF", "interstitial") == pairs("LiF", "interstitialcy") == []
    with pytest.raises(UserInputError, match="mechanism='knockoff'; accepted: vacancy, "
                                             "interstitial, interstitialcy") as exc:
        bulk_migration(bulk("Cu", "fcc", a=3.59, cubic=True), get_calculator("emt"),
                       species="Cu", mechanism="knockoff")
    assert_one_line(exc)
