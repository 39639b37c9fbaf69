"""Issue 19, step 2's solubility column: dilute heat of solution and solution energy against
the phase in equilibrium with the host, on the EMT analogue Au in Cu (EMT has no Li), checked
against a plain-ASE computation of the same energies."""

import math

import pytest
from ase import Atoms
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.optimize import BFGS

from checks import assert_one_line, relax_cell_by_hand_emt
from interfacemodel.analysis.solubility import (
    K_B_EV,
    SolubilityResult,
    alloy_phase_set,
    evaluate_solubility,
)
from interfacemodel.errors import UserInputError
from interfacemodel.procedures.phases import crystal_energies
from interfacemodel.procedures.reevaluation import reevaluate
from interfacemodel.procedures.solubility import dilute_solubility, solubility_cells
from interfacemodel.records import from_dict, to_dict
from interfacemodel.run.bulk import relax_bulk

K_B = 8.617333262e-5  # eV/K, CODATA 2018 (typed here, not imported)


def _relaxed_by_hand(atoms: Atoms) -> Atoms:
    return relax_cell_by_hand_emt(atoms)


def _cu3au(a: float) -> Atoms:
    return Atoms("AuCu3", cell=[a] * 3, pbc=True,
                 scaled_positions=[[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]])


@pytest.fixture(scope="module")
def au_in_cu():
    structures = {"Cu": bulk("Cu", "fcc", a=3.61, cubic=True),
                  "Au": bulk("Au", "fcc", a=4.08, cubic=True), "Cu3Au": _cu3au(3.75)}
    host, _ = relax_bulk(structures["Cu"], EMT(), fmax=1e-3)
    result = dilute_solubility(host, "Au", EMT(), structures=structures, supercell=2,
                               fmax=1e-3, temperatures_K=(300.0, 600.0))
    return result, host


@pytest.fixture(scope="module")
def au_in_cu_cells(au_in_cu):
    """The same computation as its cells (the geometry step) and the record the one
    evaluation makes of them with EMT's own energies."""
    _, host = au_in_cu
    structures = {"Cu": bulk("Cu", "fcc", a=3.61, cubic=True),
                  "Au": bulk("Au", "fcc", a=4.08, cubic=True), "Cu3Au": _cu3au(3.75)}
    cells = solubility_cells(host, "Au", EMT(), structures=structures, supercell=2,
                             fmax=1e-3, temperatures_K=(300.0, 600.0))
    return cells


def test_energies_given_or_structures_relaxed_give_the_same_numbers(au_in_cu):
    result, host = au_in_cu
    structures = {"Cu": bulk("Cu", "fcc", a=3.61, cubic=True),
                  "Au": bulk("Au", "fcc", a=4.08, cubic=True), "Cu3Au": _cu3au(3.75)}
    phases = crystal_energies(structures, EMT(), fmax=1e-3)
    given = dilute_solubility(host, "Au", EMT(), phases=phases, supercell=2, fmax=1e-3)
    assert given.solution_energy_eV == pytest.approx(result.solution_energy_eV, abs=1e-6)
    # energies given: no cells kept, so nothing another calculator could re-evaluate
    assert given.geometries == {} and set(result.geometries) == {
        "perfect", "dilute", "phase:Cu", "phase:Au", "phase:Cu3Au"}


def test_a_committee_member_equals_plain_ase_single_points(au_in_cu, au_in_cu_cells):
    """A Lennard-Jones-like other model (ASE's Morse for Cu–Au, one parameter set: a crude
    but different potential) at the main model's cells, through the one re-evaluation
    (its single points there, then the solubility's own evaluation): ΔH_sol from plain
    single points; EMT's own energies there give back the main record."""
    from ase.calculators.morse import MorsePotential

    result, _ = au_in_cu
    cells = au_in_cu_cells
    other = MorsePotential(epsilon=0.3, r0=2.6, rho0=6.0)
    member = reevaluate(evaluate_solubility, {"cells": cells}, other).record
    again = reevaluate(evaluate_solubility, {"cells": cells}, EMT()).record
    assert again.heat_of_solution_eV == pytest.approx(result.heat_of_solution_eV, abs=1e-9)
    assert again.solution_energy_eV == pytest.approx(result.solution_energy_eV, abs=1e-9)
    geo = cells.structures

    def e(key):
        work = geo[key].copy()
        work.calc = MorsePotential(epsilon=0.3, r0=2.6, rho0=6.0)
        return work.get_potential_energy()

    n = len(geo["perfect"])
    mu_cu = e("perfect") / n
    mu_au = e("phase:Au") / len(geo["phase:Au"])
    dh = e("dilute") - e("perfect") + mu_cu - mu_au
    assert member.heat_of_solution_eV == pytest.approx(dh, abs=1e-9)
    assert member.heat_of_solution_eV != pytest.approx(result.heat_of_solution_eV, abs=1e-3)
    assert member.calculator["name"] != result.calculator["name"]


def test_solution_energies_equal_plain_ase(au_in_cu):
    result, host = au_in_cu
    cu = _relaxed_by_hand(bulk("Cu", "fcc", a=3.61, cubic=True))
    au = _relaxed_by_hand(bulk("Au", "fcc", a=4.08, cubic=True))
    cu3au = _relaxed_by_hand(_cu3au(3.75))
    perfect = Atoms(cu.numbers, cu.positions, cell=cu.cell, pbc=True).repeat(2)
    perfect.calc = EMT()
    e_perfect = perfect.get_potential_energy()
    dilute = perfect.copy()
    dilute[0].symbol = "Au"
    dilute.calc = EMT()
    BFGS(dilute, logfile=None).run(fmax=1e-3, steps=300)
    e_dilute = dilute.get_potential_energy()
    mu_cu = e_perfect / len(perfect)
    mu_au = au.get_potential_energy() / len(au)
    e_cu3au = cu3au.get_potential_energy()  # one formula unit AuCu3
    assert e_cu3au - 3 * mu_cu - mu_au < 0  # EMT orders Cu3Au: it is the phase at Cu
    assert result.equilibrium_phase == "Cu3Au" and result.host_per_solute_in_equilibrium == 3
    dh = e_dilute - e_perfect + mu_cu - mu_au
    de = e_dilute - e_perfect + mu_cu - (e_cu3au - 3 * mu_cu)
    assert result.heat_of_solution_eV == pytest.approx(dh, abs=2e-4)
    assert result.solution_energy_eV == pytest.approx(de, abs=2e-4)
    assert result.solution_energy_eV > result.heat_of_solution_eV  # the compound is lower
    assert result.natoms == 32 and result.solute_fraction_in_cell == pytest.approx(1 / 32)
    assert result.converged and result.calculator["name"].lower() == "emt"


def test_solubility_limit_is_the_boltzmann_factor(au_in_cu):
    result, _ = au_in_cu
    de = result.solution_energy_eV
    assert K_B_EV == pytest.approx(K_B, rel=1e-9)
    if de > 0:
        for T in (300.0, 600.0):
            assert result.solubility_fraction[f"{T:g} K"] == pytest.approx(
                math.exp(-de / (K_B * T)), rel=1e-9)
        assert result.soluble == (math.exp(-de / (K_B * 300.0)) >= 0.01)
    else:
        assert all(v is None for v in result.solubility_fraction.values()) and result.soluble


def test_record_round_trips(au_in_cu):
    result, _ = au_in_cu
    again = from_dict(SolubilityResult, to_dict(result))
    assert again.solution_energy_eV == result.solution_energy_eV
    assert [r[0] for r in result.summary_rows()][:2] == ["heat of solution ΔH_sol",
                                                         "solution energy ΔE_sol"]


def test_catalogue_phase_sets():
    assert alloy_phase_set("Bi") == ("Li", "Bi", "Li3Bi")
    assert alloy_phase_set("Mg") == ("Li", "Mg", "LiMg")
    assert alloy_phase_set("Zn") == ("Li", "Zn", "LiZn")
    assert alloy_phase_set("Ag") == ("Li", "Ag", "LiAg")  # Ag: the analogue crystal


@pytest.mark.parametrize("kwargs, word", [
    ({"solute": "Xx"}, "Xx"),
    ({"solute": "Cu"}, "host element"),
    ({"solute": "Au", "supercell": 1}, "supercell=1"),
    ({"solute": "Au", "temperatures_K": (0.0,)}, "temperatures_K"),
    ({"solute": "Au", "threshold": 2.0}, "threshold"),
])
def test_bad_input_is_one_line(kwargs, word):
    host = bulk("Cu", "fcc", a=3.6, cubic=True)
    phases = {"Cu": None, "Au": None}
    with pytest.raises(UserInputError) as exc:
        dilute_solubility(host, calc=EMT(), phases=phases, **kwargs)
    assert_one_line(exc)
    assert word in str(exc.value)


def test_a_solute_without_catalogue_compounds_is_refused():
    with pytest.raises(UserInputError) as exc:
        alloy_phase_set("Pt")
    assert_one_line(exc)
    assert "Li–Pt" in str(exc.value) and "Bi" in str(exc.value)


# --- the campaign spec's 'solubility:' and 'solute_screen:' sections --------------------------

def _spec(tmp_path, text):
    from interfacemodel.flows.specs import load_campaign

    path = tmp_path / "c.yaml"
    path.write_text(text)
    return load_campaign(path, calculator="sevennet")


def test_spec_solubility_rows_and_screen(tmp_path):
    from interfacemodel.flows.spec_rows import report_rows

    spec = _spec(tmp_path, "name: s\ninterfaces:\n  - system: li-li3bi\n"
                           "solubility: [Bi, {solute: Mg, supercell: 2, "
                           "solid_solutions: [0.25, 0.5]}]\n"
                           "solute_screen: {solutes: [Mg, Na], faces: ['110']}\n"
                           "report: true\n")
    rows = {r["coating"]: r for r in report_rows(spec)}
    assert rows["Li3Bi"]["solubility"] == "solubility:Bi"  # the row whose crystal holds Bi
    assert rows["Mg in Li"]["solubility"] == "solubility:Mg"  # no Mg row: a reference row
    assert spec.solubility[1].supercell == 2
    assert spec.solubility[1].solid_solutions == [0.25, 0.5]
    from interfacemodel.flows.campaign import campaign_flow
    from interfacemodel.flows.solubility import solid_solution_cells

    job = next(j for j in campaign_flow(spec).jobs if j.name == "solubility-cells:Mg")
    assert job.function_kwargs["solid_solutions"] == [0.25, 0.5]
    cells = solid_solution_cells("Mg", [0.25, 0.5])
    assert sorted(a.get_chemical_formula() for a in cells.values()) == ["Li12Mg4", "Li8Mg8"]
    assert spec.solute_screen == {"host": "Li", "solutes": ["Mg", "Na"], "faces": ["110"],
                                  "layers": 5, "fmax": 0.05, "systems": []}
    assert {"Na", "Mg", "Bi", "Li"} <= set(spec.elements())


@pytest.mark.parametrize("text, word", [
    ("solubility: [Pt]\n", "Li–Pt"),
    ("solubility: [{solute: Bi, supercell: 1}]\n", "supercell"),
    ("solubility: [Bi, Bi]\n", "listed twice"),
    ("solubility: [{solute: Bi, colour: red}]\n", "colour"),
    ("solute_screen: {solutes: [Li]}\n", "is the host"),
    ("solubility: [{solute: Bi, solid_solutions: [0.25]}]\n", "not Bi"),
    ("solubility: [{solute: Mg, solid_solutions: [0.9]}]\n", "(0, 0.7]"),
    ("solute_screen: {faces: ['000']}\n", "000"),
    ("solute_screen: {layers: 2}\n", "layers=2"),
])
def test_spec_sections_refuse_bad_input_in_one_line(tmp_path, text, word):
    with pytest.raises(UserInputError) as exc:
        _spec(tmp_path, "name: s\n" + text)
    assert_one_line(exc)
    assert word in str(exc.value)


def test_report_shows_solubility_beside_the_observation(tmp_path):
    """The report's solubility values, section and the comparison with the overpotential rule
    (record numbers made up here: this checks the rendering, not the physics)."""
    from interfacemodel.report import CoatingResult, write_report

    record = {"solute": "Ag", "host": "Li", "heat_of_solution_eV": -0.2,
              "solution_energy_eV": 0.05, "equilibrium_phase": "LiAg",
              "equilibrium_formula": "LiAg", "solubility_fraction": {"300 K": 0.1443},
              "soluble": True, "soluble_threshold_fraction": 0.01, "natoms": 54,
              "converged": True, "hull_stable": ["Ag", "LiAg", "Li"],
              "hull_formation_energy_eV_per_atom": {"Ag": 0.0, "Li": 0.0, "LiAg": -0.1,
                                                    "LiAg-B32": -0.05},
              "hull_e_above_hull_meV_per_atom": {"Ag": 0.0, "Li": 0.0, "LiAg": 0.0,
                                                 "LiAg-B32": 50.0}}
    paths = write_report([CoatingResult("LiAg", "li-liag", solubility=record)], tmp_path / "r")
    text = paths["report.md"].read_text()
    assert "## Solubility in Li" in text and "| LiAg | LiAg | -0.200 | 0.050 |" in text
    assert "computed: soluble, x_sol = 1.44e-1; agrees with 'soluble'" in text
    assert "| LiAg | LiAg | -0.100 | on the hull |" in text
    assert "| LiAg | LiAg-B32 | -0.050 | 50.0 meV/atom above the hull |" in text


# --- an alloy host is a metal: its vacancy is neutral, no σ ------------------------------------

def test_an_intermetallic_host_is_not_treated_as_ionic():
    """The Li vacancy in Li3Bi is a metal's vacancy (no charged-defect model, no Nernst–
    Einstein σ); LiF, Li2Se and the Zintl compound Li3Sb keep the ionic treatment. EMT
    analogue: a Cu vacancy in L1_2 Cu3Au."""
    from interfacemodel.procedures.hops import _all_metals, prepare_bulk_hop

    assert _all_metals("Li3Bi") and _all_metals("LiZn") and _all_metals("LiMg")
    assert not any(_all_metals(f) for f in ("LiF", "Li2Se", "Li3Sb", "MgF2"))
    crystal, _ = relax_bulk(_cu3au(3.75), EMT(), fmax=1e-3)
    case = prepare_bulk_hop(crystal, EMT(), species="Cu", supercell=2)
    assert case.ionic is False and case.carrier_density_per_cm3 is None
    assert case.host == "Cu3Au" and case.defect == "vacancy"
