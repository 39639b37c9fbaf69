"""Migration as four steps (prepare -> NEB -> prefactors -> D(T)) that round-trip through
JSON: an Au adatom on Al(100) from given end points (barrier against a plain ASE NEB, D
against the 2-D random walk by hand), and EMT Cu bulk hops run step by step through JSON
against the one-call :func:`~interfacemodel.flows.migration.bulk_migration` (the flow, run
in this process: identical records)."""

import json
import math

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.io.jsonio import decode, encode

from checks import assert_one_line, au_on_al100_endpoints, plain_ase_au_on_al100_barrier
from interfacemodel.analysis.diffusion import K_B_EV_PER_K, surface_lattice
from interfacemodel.analysis.hop_rates import finish_migration
from interfacemodel.analysis.migration import HopCase, MigrationResult, Prefactors
from interfacemodel.calculators import get_calculator
from interfacemodel.errors import UserInputError
from interfacemodel.flows.migration import bulk_migration
from interfacemodel.procedures.hops import prepare_bulk_hop, prepare_endpoint_hop
from interfacemodel.procedures.migration import band_states, hop_band, hop_prefactors
from interfacemodel.records import to_dict
from interfacemodel.run.neb import NEBRecord

TEMPS = (300.0, 600.0)


def _json(doc):
    return json.loads(json.dumps(doc))


def _without_wall_time(doc):
    if isinstance(doc, dict):
        return {k: _without_wall_time(v) for k, v in doc.items() if k != "wall_time_s"}
    if isinstance(doc, list):
        return [_without_wall_time(v) for v in doc]
    return doc


@pytest.fixture(scope="module")
def au_hop():
    initial, final = au_on_al100_endpoints()
    d = initial.cell[0, 0] / 2  # hollow to hollow on the 2x2 fcc(100) cell: a/√2
    case = prepare_endpoint_hop(initial, final, label="Au hollow → hollow",
                                lattice=surface_lattice(4, d, name="Au on Al(100) hollows"),
                                reverse_equivalent=True)
    images, neb = hop_band(case, EMT(), n_images=3, fmax=0.02)
    states = band_states(images, neb)
    pre = hop_prefactors(case, *states, neb, EMT())
    res = finish_migration(case, neb, pre, EMT(), temperatures_K=TEMPS, wall_time_s=1.0)
    return case, states, neb, pre, res


def test_adatom_hop_from_given_end_points(au_hop):
    case, states, neb, pre, res = au_hop
    initial, _ = au_on_al100_endpoints()
    assert case.moving_index == len(initial) - 1 and case.species == "Au"  # the adatom
    assert case.hop["length_A"] == pytest.approx(initial.cell[0, 0] / 2, abs=1e-9)
    assert not case.notes  # the lattice's d is the end points' hop length
    assert neb.converged and not neb.flags and neb.n_images == 3
    assert neb.barrier_forward_eV == pytest.approx(plain_ase_au_on_al100_barrier(), abs=0.01)
    # the three states: relaxed minima and the saddle, energies held without a calculator
    e0, es, e1 = (s.get_potential_energy() for s in states)
    assert es - e0 == pytest.approx(neb.barrier_forward_eV, abs=1e-9)
    assert e1 - e0 == pytest.approx(neb.reaction_energy_eV, abs=1e-9)
    assert all(s.constraints for s in states)  # FixAtoms kept
    # symmetric hop: one Vineyard prefactor, a first-order saddle
    assert pre.saddle_imaginary_modes == 1 and pre.nu_backward_Hz is None and not pre.notes
    assert pre.nu_note.startswith("Vineyard, full cell") and 1e11 < pre.nu_Hz < 1e14
    # D of the adatom = Γ d² z / 4 (2-D random walk, c = 1), by hand
    assert res.defect_formation_energy_eV is None and res.lattice.dimensions == 2
    assert res.mechanism == "hop (given end points)" and res.wall_time_s >= 1.0
    for d, T in zip(res.diffusivities, TEMPS, strict=True):
        gamma = pre.nu_Hz * math.exp(-neb.barrier_forward_eV / (K_B_EV_PER_K * T))
        assert d.D_cm2_per_s == pytest.approx(gamma * (case.hop["length_A"] * 1e-8) ** 2 * 4 / 4,
                                              rel=1e-9)
        assert d.defect_fraction == 1.0 and d.conductivity_S_per_cm is None
    assert res.hop_rates[0]["forward_per_s"] == pytest.approx(res.diffusivities[0].hop_rate_per_s)


def test_steps_round_trip_through_json(au_hop):
    """Case, the three states, NEB record and prefactors through json.dumps/loads: the
    same prefactors from the stored states, the same record from finish_migration."""
    case, states, neb, pre, res = au_hop
    case2 = HopCase.from_doc(_json(case.to_doc()))
    for a, b in ((case.initial, case2.initial), (case.final, case2.final)):
        assert np.array_equal(a.positions, b.positions) and np.array_equal(a.cell, b.cell)
        assert np.array_equal(a.numbers, b.numbers) and np.array_equal(a.get_tags(), b.get_tags())
        assert [c.todict() for c in a.constraints] == [c.todict() for c in b.constraints]
    assert case2.to_doc() == case.to_doc() and case2.lattice == case.lattice
    neb2 = NEBRecord.from_dict(_json(to_dict(neb)))
    assert neb2 == neb
    states2 = [decode(json.dumps(json.loads(encode(s)))) for s in states]
    pre2 = hop_prefactors(case2, *states2, neb2, EMT())
    assert pre2 == pre
    pre3 = Prefactors.from_doc(_json(pre.to_doc()))
    assert pre3 == pre
    res2 = finish_migration(case2, neb2, pre3, _json(res.calculator), temperatures_K=TEMPS)
    assert _without_wall_time(res2.to_doc()) == _without_wall_time(res.to_doc())
    back = MigrationResult.from_doc(_json(res.to_doc()))
    assert back.to_doc() == res.to_doc() and back.neb == neb and back.lattice == res.lattice


BULK_CASES = {
    "Cu vacancy": {"species": "Cu", "phonons": True},
    "Ag–vacancy exchange": {"species": "Cu", "solute": "Ag", "phonons": False},
    "H interstitial": {"species": "H", "mechanism": "interstitial", "phonons": True,
                       "li_metal_energy_eV": -1.0},
}


@pytest.mark.parametrize("name", list(BULK_CASES))
def test_bulk_steps_through_json_equal_the_one_call(name):
    kw = dict(BULK_CASES[name])
    phonons = kw.pop("phonons")
    cu = bulk("Cu", "fcc", a=3.59, cubic=True)
    calc = get_calculator("emt")
    one = bulk_migration(cu, calc, temperatures_K=TEMPS, supercell=2, n_images=1, fmax=0.05,
                         phonons=phonons, **kw)
    case = HopCase.from_doc(_json(prepare_bulk_hop(cu, calc, supercell=2, **kw).to_doc()))
    images, neb = hop_band(case, calc, n_images=1, fmax=0.05)
    neb = NEBRecord.from_dict(_json(to_dict(neb)))
    states = [decode(encode(s)) for s in band_states(images, neb)]
    pre = Prefactors.from_doc(_json(hop_prefactors(case, *states, neb, calc,
                                                   phonons=phonons).to_doc()))
    steps = finish_migration(HopCase.from_doc(_json(case.to_doc())), neb, pre, calc,
                             temperatures_K=TEMPS)
    assert _without_wall_time(steps.to_doc()) == _without_wall_time(one.to_doc())
    if name == "Ag–vacancy exchange":
        assert one.species == "Ag" and one.mechanism == "solute–vacancy exchange"


def test_bad_endpoint_input():
    initial, final = au_on_al100_endpoints()
    for args, kwargs, fragment in (
            ((initial, final[:-1]), {}, "same atoms in the same order"),
            ((initial, initial.copy()), {}, "does not move"),
            ((initial, final), {"moving_index": 99}, "moving_index 99 out of range"),
            ((initial, final), {"defect_fraction": 0.0}, "defect_fraction=0.0")):
        with pytest.raises(UserInputError, match=fragment) as exc:
            prepare_endpoint_hop(*args, **kwargs)
        assert_one_line(exc)
    doc = prepare_endpoint_hop(initial, final).to_doc()
    with pytest.raises(UserInputError, match="hop kind 'slab'"):
        HopCase.from_doc({**doc, "kind": "slab"})
    case = prepare_endpoint_hop(initial, final, lattice=surface_lattice(4, 1.0))
    assert "differs from the end points'" in case.notes[0]  # d = 1 Å against the 2.86 Å hop


def test_bulk_hop_on_a_given_relaxed_host_equals_relaxing_it_here():
    """A campaign hands the hop its bulk step's relaxed host: the same case as relaxing here."""
    from interfacemodel.procedures.interfaces import bulk_reference
    from interfacemodel.run.relax import point_record

    cu = bulk("Cu", "fcc", a=3.59, cubic=True)
    calc = get_calculator("emt")
    here = prepare_bulk_hop(cu, calc, species="Cu", supercell=2)
    atoms, ref, rec = bulk_reference(cu, calc)
    energy = point_record(atoms, rec.calculator, "host", rec.energy_eV, rec.converged)
    given = prepare_bulk_hop(cu, calc, species="Cu", supercell=2,
                             host_reference=(atoms, ref, energy))
    assert _json(given.to_doc()) == _json(here.to_doc())
    assert set(given.points()) == {"host"}  # the crystal E_f rests on, for other calculators
    with pytest.raises(UserInputError, match="host_reference is Cu, not the host 'Ag'") as exc:
        prepare_bulk_hop("Ag", calc, species="Ag", host_reference=(atoms, ref))
    assert_one_line(exc)


def test_interface_hop_of_a_homo_interface_is_the_bulk_vacancy_hop():
    """Cu labelled film (lower half) and coating (upper half) of a periodic cubic 2x2x2 cell:
    the film → coating vacancy hop is the bulk nearest-neighbour hop, in the same 32-atom
    cell as :func:`bulk_migration`'s supercell=2 (barrier within 2 meV; EMT)."""
    from interfacemodel.procedures.hops import interface_hop_case

    calc = get_calculator("emt")
    cu = bulk("Cu", "fcc", a=3.59, cubic=True)
    host = bulk_migration(cu, calc, species="Cu", supercell=2, n_images=3, fmax=0.05,
                          phonons=False)
    assert host.neb.converged
    a = prepare_bulk_hop(cu, calc, species="Cu", supercell=2).initial.cell.lengths()[0] / 2
    homo = bulk("Cu", "fcc", a=a, cubic=True).repeat(2)
    homo.arrays["interface_side"] = (homo.positions[:, 2] > a - 0.1).astype(int)
    case = interface_hop_case(homo, "cu-cu", species="Cu", supercell=(1, 1, 1),
                              model_note="periodic Cu split in two")
    assert case.kind == "interface" and len(case.initial) == 31
    assert case.hop["length_A"] == pytest.approx(a / math.sqrt(2), rel=1e-6)
    _, neb = hop_band(case, calc, n_images=3, fmax=0.05)
    assert neb.converged
    assert neb.barrier_forward_eV == pytest.approx(host.neb.barrier_forward_eV, abs=2e-3)
    assert "periodic Cu split in two" in case.notes[0]
    bare = homo.copy()
    del bare.arrays["interface_side"]
    with pytest.raises(UserInputError, match="no 'interface_side' array") as exc:
        interface_hop_case(bare, "cu-cu", species="Cu")
    assert_one_line(exc)


def test_the_partial_hessians_neighbourhood_is_a_setting(au_hop, monkeypatch):
    """``phonon_cutoff_A``: the partial Hessian displaces the hopping atom and its neighbours
    within the cutoff — here the Au adatom alone (no neighbour within 2 Å) against its shell
    at the default 3.5 Å (the cell taken as too large for its full-cell modes); from the
    spec, through the maker to the prefactor job."""
    from interfacemodel.flows.migration import MigrationMaker
    from interfacemodel.flows.specs import barrier_entry
    from interfacemodel.procedures import migration
    from interfacemodel.run.phonons import neighbourhood

    monkeypatch.setattr(migration, "FULL_CELL_MAX_ATOMS", 0)
    case, states, neb, _, _ = au_hop
    pre = hop_prefactors(case, *states, neb, EMT())
    alone = hop_prefactors(case, *states, neb, EMT(), phonon_cutoff_A=2.0)
    shell = neighbourhood(states[0], case.moving_index, 3.5)
    assert len(shell) > 1
    assert f"partial Hessian of {len(shell)} atoms" in pre.nu_note
    assert "partial Hessian of 1 atoms" in alone.nu_note and alone.nu_Hz != pre.nu_Hz
    entry = barrier_entry({"name": "a", "host": "Li", "phonon_cutoff_A": 2.5}, "hop")
    assert entry.phonon_cutoff_A == 2.5
    jobs = MigrationMaker(calculator="emt", phonon_cutoff_A=2.5).jobs("a", host="Ag",
                                                                       species="Ag")
    kwargs = next(j for j in jobs if j.name == "prefactors:a").function_kwargs
    assert kwargs["phonon_cutoff_A"] == 2.5
    plain = MigrationMaker(calculator="emt").jobs("a", host="Ag", species="Ag")
    assert "phonon_cutoff_A" not in next(j for j in plain
                                         if j.name == "prefactors:a").function_kwargs
    with pytest.raises(UserInputError, match="phonon_cutoff_A"):
        barrier_entry({"name": "a", "host": "Li", "phonon_cutoff_A": -1}, "hop")
