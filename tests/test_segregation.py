"""Solute segregation energies (E(solute in a layer) − E(solute in the middle layer), eV) on
EMT metals: against an independent plain-ASE computation (Ag in Cu(100): Ag segregates to
the Cu surface, E_seg < 0), the named-system analyzer end to end on the Cu/Ag analogue, and
bad input."""

import json

import numpy as np
import pytest
from ase.build import fcc100
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms
from ase.optimize import BFGS

from checks import assert_one_line
from interfacemodel.analysis.segregation import SegregationResult
from interfacemodel.calculators import get_calculator
from interfacemodel.errors import UserInputError
from interfacemodel.procedures.segregation import (
    in_plane_repeat,
    mg_segregation,
    solute_segregation,
)
from interfacemodel.records import to_dict

A_CU_EMT = 3.5898  # EMT Cu lattice constant (Å)


def _cu100(layers=5):
    """3x3 Cu(100), ``layers`` thick, 7.5 Å vacuum each side (ASE tags: 1 = top layer)."""
    return fcc100("Cu", size=(3, 3, layers), a=A_CU_EMT, vacuum=7.5)


def _by_hand(slab, tag, fmax=0.01):
    """Replace one Cu of the layer tagged ``tag`` by Ag, relax with ASE BFGS; energy (eV)."""
    atoms = slab.copy()
    atoms[int(np.flatnonzero(atoms.get_tags() == tag)[0])].symbol = "Ag"
    atoms.calc = EMT()
    BFGS(atoms, logfile=None).run(fmax=fmax, steps=500)
    return atoms.get_potential_energy()


@pytest.fixture(scope="module")
def cu_ag_result():
    return mg_segregation("cu-ag", get_calculator("emt"), solute="Au")


@pytest.fixture(scope="module")
def cu_ag_cells():
    """The geometry step of the same computation: the relaxed cells of every site."""
    from interfacemodel.procedures.segregation import segregation_cells

    return segregation_cells("cu-ag", get_calculator("emt"), solute="Au")


def test_ag_in_cu100_matches_plain_ase():
    slab = _cu100()
    e_seg_hand = _by_hand(slab, 1) - _by_hand(slab, 3)  # top layer vs the middle (3rd of 5)
    recs = solute_segregation(slab, get_calculator("emt"), solute="Ag", host="Cu",
                              layers=[0], fmax=0.01)
    assert set(recs) == {"L0", "middle"}
    assert all(r.converged for r in recs.values())
    e_seg = recs["L0"].energy_eV - recs["middle"].energy_eV
    assert e_seg == pytest.approx(e_seg_hand, abs=0.005)
    assert e_seg < -0.05  # EMT: Ag segregates to the Cu surface (the literature sign)


def test_full_profile_and_fixed_layers(tmp_path):
    slab = _cu100()
    slab.set_constraint(FixAtoms(mask=slab.get_tags() == 5))  # bottom layer fixed
    calc = get_calculator("emt")
    recs = solute_segregation(slab, calc, solute="Ag", host="Cu", workdir=tmp_path)
    assert list(recs) == ["L0", "L1", "middle", "L3"]  # the fixed bottom layer is refused
    assert all(r.n_fixed == 9 for r in recs.values())
    with pytest.raises(UserInputError) as exc:
        solute_segregation(slab, calc, solute="Ag", host="Cu", layers=[-1])
    assert_one_line(exc)
    # the middle reference is never a fixed layer
    slab.set_constraint(FixAtoms(mask=slab.get_tags() >= 3))
    again = solute_segregation(slab, calc, solute="Ag", host="Cu", layers=[0], fmax=0.1)
    assert set(again) == {"L0", "middle"}
    # rerun with the same workdir resumes from the checkpoints
    resumed = solute_segregation(_cu100(), calc, solute="Ag", host="Cu", layers=[0],
                                 workdir=tmp_path / "r")
    rerun = solute_segregation(_cu100(), calc, solute="Ag", host="Cu", layers=[0],
                               workdir=tmp_path / "r")
    assert rerun["L0"].resumed_at_step is not None
    assert rerun["L0"].energy_eV == pytest.approx(resumed["L0"].energy_eV, abs=1e-6)


def test_cu_ag_analogue_end_to_end(cu_ag_result):
    res = cu_ag_result
    assert isinstance(res, SegregationResult)
    assert (res.solute, res.host, res.system) == ("Au", "Cu", "cu-ag")
    assert res.surface_eV is not None and res.interface_eV is not None
    assert res.profile_eV["middle"] == 0.0
    assert res.profile_eV["surface L0"] == res.surface_eV
    assert res.profile_eV["interface L-1"] == res.interface_eV
    assert res.converged
    assert set(res.records) == {"surface:L0", "surface:middle", "interface:L-1",
                                "interface:middle"}
    # same cell for a site and its reference: the atom counts cancel
    for what in ("surface", "interface"):
        assert res.records[f"{what}:L0" if what == "surface" else f"{what}:L-1"].counts == \
            res.records[f"{what}:middle"].counts
        assert res.records[f"{what}:middle"].natoms == res.natoms[what]
    assert res.records["interface:middle"].n_fixed > 0  # the builder's fixed coating layers
    assert res.records["surface:middle"].n_fixed == 0
    assert any("supercell 2x2" in n for n in res.notes)  # primitive Cu(100) is 2.5 Å wide
    assert "middle" in res.reference and "Å" in res.reference
    data = json.loads(json.dumps(to_dict(res)))
    assert data["records"]["surface:L0"]["energy_eV"] == res.records["surface:L0"].energy_eV
    assert "ase" in data["versions"]


def test_in_plane_repeat():
    slab = fcc100("Cu", size=(1, 1, 3), a=A_CU_EMT, vacuum=5.0)  # 2.54 Å square cell
    assert in_plane_repeat(slab) == (2, 2)
    assert in_plane_repeat(_cu100()) == (1, 1)  # 7.6 Å


@pytest.mark.parametrize("kwargs", [
    dict(system="no-such-system"),
    dict(system="cu-ag", solute="Cu"),
    dict(system="cu-ag", solute="Xx"),
    dict(system="cu-ag", film_layers=2),
    dict(system="cu-ag", host="Ag"),
    dict(system="cu-ag", surface=False, interface=False),
])
def test_bad_input_is_one_line(kwargs):
    kwargs.setdefault("solute", "Au")
    with pytest.raises(UserInputError) as exc:
        mg_segregation(calc=get_calculator("emt"), **kwargs)
    assert_one_line(exc)


def test_too_thin_film_names_the_layers():
    thin = fcc100("Cu", size=(2, 2, 2), a=A_CU_EMT, vacuum=5.0)
    with pytest.raises(UserInputError, match="2 Cu layers") as exc:
        solute_segregation(thin, EMT(), solute="Ag", host="Cu")
    assert_one_line(exc)
    with pytest.raises(UserInputError, match="2 Cu layers") as exc:
        mg_segregation("cu-ag", EMT(), solute="Au", film_layers=2)
    assert_one_line(exc)
    with pytest.raises(UserInputError) as exc:
        solute_segregation(_cu100(), EMT(), solute="Cu", host="Cu")
    assert_one_line(exc)


def test_a_committee_members_segregation_equals_plain_ase_single_points(cu_ag_result,
                                                                         cu_ag_cells):
    """A member's segregation energies: its single points of the main model's relaxed cells,
    E(site) − E(middle) of the same cell, by hand with plain ASE (the one re-evaluation: the
    segregation's own evaluation on the member's single points); the main model itself at
    its own geometries gives back its relaxed numbers (the spread of one model is zero)."""
    from ase.calculators.emt import EMT as AseEMT

    from interfacemodel.analysis.segregation import evaluate_segregation
    from interfacemodel.procedures.reevaluation import reevaluate

    def member_segregation(calc, _result):
        return reevaluate(evaluate_segregation, {"cells": cu_ag_cells}, calc).record

    res = cu_ag_result
    assert {"surface:L0", "surface:middle", "interface:L-1", "interface:middle"} \
        <= set(res.geometries)

    def energy(key, calc):
        atoms = res.geometries[key].copy()
        atoms.calc = calc
        return atoms.get_potential_energy()

    other = AseEMT(asap_cutoff=True)
    member = member_segregation(AseEMT(asap_cutoff=True), res)
    assert member.surface_eV == pytest.approx(
        energy("surface:L0", other) - energy("surface:middle", other), abs=1e-9)
    assert member.interface_eV == pytest.approx(
        energy("interface:L-1", other) - energy("interface:middle", other), abs=1e-9)
    same = member_segregation(get_calculator("emt"), res)
    assert same.surface_eV == pytest.approx(res.surface_eV, abs=1e-6)
    assert same.interface_eV == pytest.approx(res.interface_eV, abs=1e-6)
