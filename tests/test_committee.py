"""The committee's spread (analysis.committee) and the one re-evaluation every member goes
through (procedures.reevaluation.reevaluate): a member's numbers at the main model's geometries
against plain-ASE single points of the same cells, the spread against the sample standard
deviation by hand, and zero for one model repeated. EMT on the Cu/Ag analogue; the second
member is ASE's EMT with ASAP's cutoff convention (a different parametrisation)."""

import math
import statistics

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.emt import EMT

from interfacemodel.analysis.bulk import BulkProduct
from interfacemodel.analysis.committee import ShortRelaxation, committee_value
from interfacemodel.analysis.comparison import member_values
from interfacemodel.analysis.hop_rates import evaluate_migration
from interfacemodel.analysis.interface_energetics import EnergeticsSettings, evaluate_energetics
from interfacemodel.analysis.interface_geometry import InterfaceProduct, cleave
from interfacemodel.analysis.migration import NEBProduct
from interfacemodel.calculators import calculator_provenance
from interfacemodel.errors import UserInputError
from interfacemodel.models.systems import build_system
from interfacemodel.procedures.interfaces import adhesion_parts, bulk_reference
from interfacemodel.procedures.reevaluation import reevaluate
from interfacemodel.records import to_dict
from interfacemodel.run.relax import point_record, relax
from interfacemodel.units import EV_PER_A2_TO_J_PER_M2

PROV = calculator_provenance(EMT())  # the main model's records, as its steps write them
SETTINGS = EnergeticsSettings(fmax=0.1, steps=30, surface_slabs=False, reactivity=False)


def _bulk(phase: str) -> BulkProduct:
    atoms, ref, rec = bulk_reference(phase, EMT())
    return BulkProduct(phase, atoms, ref, rec, len(atoms))


def _inputs(interface, parts_relaxed, film, substrate, model):
    """The energetics join's inputs around an interface and its relaxed parts (their
    records are EMT's: the main model's)."""
    film_c, sub_c = cleave(interface)
    records = {}
    structures = {"film-cleaved": film_c, "substrate-cleaved": sub_c,
                  "film-relaxed": parts_relaxed["film"],
                  "substrate-relaxed": parts_relaxed["substrate"]}
    for key, atoms in structures.items():
        records[key] = point_record(atoms, PROV, key,
                                    _energy(atoms, EMT()))
    from interfacemodel.analysis.interface_geometry import AdhesionParts

    product = InterfaceProduct("cu-ag", model.metadata(), None, interface,
                               point_record(interface, PROV,
                                            "interface", _energy(interface, EMT())),
                               1, list(model.film_miller), list(model.substrate_miller),
                               model.film_layers, model.substrate_layers)
    return {"system": "cu-ag", "settings": SETTINGS, "interface": product, "film": film,
            "substrate": substrate, "parts": AdhesionParts(structures, records)}


@pytest.fixture(scope="module")
def geometries():
    """A Cu(100)/Ag(100) model relaxed a little with EMT, its parts relaxed alone, and the
    bulk Cu and Ag of the pipeline's bulk step: the 'main model's geometries', as the
    energetics join's inputs."""
    film, substrate = _bulk("Cu"), _bulk("Ag")
    model = build_system("cu-ag", film_layers=2, substrate_layers=3, fix_substrate_layers=1,
                         film_bulk=film.atoms, substrate_bulk=substrate.atoms)[0]
    relaxed, rec = relax(model.atoms, EMT(), fmax=0.1, steps=30)
    parts = adhesion_parts(relaxed, rec, EMT(), SETTINGS)
    inputs = _inputs(relaxed, {"film": parts.structures["film-relaxed"],
                               "substrate": parts.structures["substrate-relaxed"]},
                     film, substrate, model)
    return {"inputs": inputs, "model": model, "interface": relaxed,
            "parts": {"film": parts.structures["film-relaxed"],
                      "substrate": parts.structures["substrate-relaxed"]},
            "film_bulk": film.atoms, "substrate_bulk": substrate.atoms,
            "film": film, "substrate": substrate}


def _energy(atoms, calc):
    atoms = atoms.copy()
    atoms.calc = calc
    return atoms.get_potential_energy()


def _plain(g, calc):
    """W_adh (ideal, relaxed) and γ of the relaxed parts from plain ASE single points."""
    area = np.linalg.norm(np.cross(*g["interface"].cell[:2]))
    e_ab = _energy(g["interface"], calc)
    film, sub = cleave(g["interface"])
    per_atom = {name: _energy(g[f"{name}_bulk"], calc) / len(g[f"{name}_bulk"])
                for name in ("film", "substrate")}
    e_f, e_s = _energy(g["parts"]["film"], calc), _energy(g["parts"]["substrate"], calc)
    return {
        "w_adh_ideal_J_per_m2": (_energy(film, calc) + _energy(sub, calc) - e_ab) / area
        * EV_PER_A2_TO_J_PER_M2,
        "w_adh_relaxed_J_per_m2": (e_f + e_s - e_ab) / area * EV_PER_A2_TO_J_PER_M2,
        "gamma_film_as_cut_J_per_m2": (e_f - len(g["parts"]["film"]) * per_atom["film"])
        / (2 * area) * EV_PER_A2_TO_J_PER_M2,
        "gamma_coating_as_cut_J_per_m2": (e_s - len(g["parts"]["substrate"])
                                          * per_atom["substrate"]) / (2 * area)
        * EV_PER_A2_TO_J_PER_M2,
    }


def _member(g, calc, **kwargs):
    return reevaluate(evaluate_energetics, g["inputs"], calc, **kwargs)


def _values(record):
    return member_values({"energetics": to_dict(record)})


@pytest.mark.parametrize("asap", [False, True])
def test_a_members_numbers_equal_plain_ase_single_points(geometries, asap):
    got = _values(_member(geometries, EMT(asap_cutoff=asap)).record)
    want = _plain(geometries, EMT(asap_cutoff=asap))
    for name, value in want.items():
        assert got[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name
    gi = got["gamma_film_as_cut_J_per_m2"] + got["gamma_coating_as_cut_J_per_m2"] \
        - got["w_adh_relaxed_J_per_m2"]
    assert got["gamma_int_J_per_m2"] == pytest.approx(gi, rel=1e-9)
    assert 0 <= got["contact_angle_deg"] <= 180


def test_the_main_model_and_a_member_get_the_same_record_from_the_same_evaluation(geometries):
    """The main model's record (its own energies at the points) equals EMT's re-evaluation
    of the same structures: one evaluation, whichever energies."""
    from interfacemodel.analysis.points import energies_of, points_of

    g = geometries
    main = evaluate_energetics(energies_of(points_of(g["inputs"])), PROV,
                               **g["inputs"])
    again = _member(g, EMT()).record
    assert type(main) is type(again)
    assert _values(main) == pytest.approx(_values(again), rel=1e-12)


def test_the_spread_is_the_sample_standard_deviation_over_the_members(geometries):
    a = _values(_member(geometries, EMT()).record)
    b = _values(_member(geometries, EMT(asap_cutoff=True)).record)
    assert a["w_adh_ideal_J_per_m2"] != pytest.approx(b["w_adh_ideal_J_per_m2"], rel=1e-3)
    for name in a:
        cv = committee_value("emt", {"emt": a[name], "emt-asap": b[name]})
        by_hand = abs(a[name] - b[name]) / math.sqrt(2)  # stdev of two values, n − 1
        assert cv.value == a[name] and cv.n == 2
        assert cv.spread == pytest.approx(by_hand, rel=1e-12, abs=1e-15), name
    three = committee_value("x", {"x": 1.0, "y": 2.0, "z": 4.0, "bad": float("nan"), "no": None})
    assert three.spread == pytest.approx(statistics.stdev([1.0, 2.0, 4.0]))
    assert set(three.members) == {"x", "y", "z"}
    assert committee_value("absent", {"x": 1.0}) is None


def test_one_model_repeated_has_zero_spread(geometries):
    """Two separate EMT objects evaluating the same geometries: every spread is exactly 0."""
    a = _values(_member(geometries, EMT()).record)
    b = _values(_member(geometries, EMT()).record)
    assert len(a) >= 6
    for name in a:
        assert committee_value("one", {"one": a[name], "again": b[name]}).spread == 0.0


def _max_free_force(atoms, calc):
    atoms = atoms.copy()
    atoms.calc = calc
    return float(np.linalg.norm(atoms.get_forces(), axis=1).max())


RELAXED_POINTS = {"interface/relaxed": "interface", "parts/film-relaxed": "film",
                  "parts/substrate-relaxed": "substrate"}


def test_no_short_relaxation_where_the_members_forces_stay_below_the_threshold(geometries):
    """The checking member's largest free-atom force on each relaxed structure is that of
    plain ASE; below the threshold nothing is relaxed and the numbers are the single
    points'."""
    calc = EMT(asap_cutoff=True)
    got = _member(geometries, calc, short=ShortRelaxation(above_eV_per_A=50.0))
    want = {"interface": geometries["interface"], **geometries["parts"]}
    assert set(got.forces_eV_per_A) == set(RELAXED_POINTS)
    for point, key in RELAXED_POINTS.items():
        assert got.forces_eV_per_A[point] == pytest.approx(
            _max_free_force(want[key], calc), rel=1e-9), key
    assert got.relaxed_record is None and got.relaxation is None
    assert _values(got.record) == _values(_member(geometries, calc).record)


def test_a_short_relaxation_where_the_members_forces_disagree(geometries, tmp_path):
    """Forces of the other EMT parametrisation above the threshold (geometries rattled by
    0.05 Å: the members disagree by ~1 eV/Å): the structures are relaxed with it, and the
    relaxed numbers equal W_adh from ASE's own BFGS relaxations of the same three structures
    with the same calculator (to the optimisers' tolerance), far from the single points'."""
    from ase.optimize import BFGS

    calc = EMT(asap_cutoff=True)
    shaken = {}
    for seed, (key, atoms) in enumerate({"interface": geometries["interface"],
                                         **geometries["parts"]}.items()):
        shaken[key] = atoms.copy()
        shaken[key].rattle(0.05, seed=seed)
    short = ShortRelaxation(above_eV_per_A=0.2, steps=300, fmax_eV_per_A=0.005)
    g = geometries
    inputs = _inputs(shaken["interface"], {"film": shaken["film"],
                                           "substrate": shaken["substrate"]},
                     g["film"], g["substrate"], g["model"])
    got = reevaluate(evaluate_energetics, inputs, calc, short=short, workdir=tmp_path)
    assert set(got.relaxation) == set(RELAXED_POINTS)
    assert all(r["converged"] and r["fmax_after_eV_per_A"] <= 0.005
               for r in got.relaxation.values())
    energies = {}
    for key, atoms in shaken.items():
        work = atoms.copy()
        work.calc = EMT(asap_cutoff=True)
        BFGS(work, logfile=None).run(fmax=0.005, steps=300)
        energies[key] = work.get_potential_energy()
    area = np.linalg.norm(np.cross(*geometries["interface"].cell[:2]))
    w = (energies["film"] + energies["substrate"] - energies["interface"]) / area \
        * EV_PER_A2_TO_J_PER_M2
    relaxed = _values(got.relaxed_record)
    assert relaxed["w_adh_relaxed_J_per_m2"] == pytest.approx(w, abs=2e-3)
    assert abs(_values(got.record)["w_adh_relaxed_J_per_m2"] - w) > 0.01  # it mattered
    # the single points at the main geometries are kept beside, as without the relaxation
    assert _values(got.record) == _values(reevaluate(evaluate_energetics, inputs, calc).record)
    assert any("relaxed with" in n for n in got.notes)
    with pytest.raises(UserInputError, match="steps=0"):
        ShortRelaxation(steps=0)


@pytest.fixture(scope="module")
def ag_vacancy_hop():
    """A vacancy hop in EMT Ag (2×2×2 conventional cells, 3 images): the main model's hop,
    band states and prefactors (1e13 Hz fallback: no phonons)."""
    from ase.filters import FrechetCellFilter
    from ase.optimize import BFGS

    from interfacemodel.analysis.energetics import BulkReference
    from interfacemodel.procedures.hops import prepare_bulk_hop
    from interfacemodel.procedures.migration import band_states, hop_band, hop_prefactors

    crystal = bulk("Ag", "fcc", a=4.08, cubic=True)
    crystal.calc = EMT()
    BFGS(FrechetCellFilter(crystal), logfile=None).run(fmax=1e-4)
    crystal = crystal.copy()
    ref = BulkReference.from_energy(crystal, _energy(crystal, EMT()), {"name": "emt",
                                                                        "label": "emt"})
    energy = point_record(crystal, PROV, "host",
                          _energy(crystal, EMT()))
    case = prepare_bulk_hop(crystal, EMT(), species="Ag", supercell=2,
                            host_reference=(crystal, ref, energy))
    images, neb = hop_band(case, EMT(), n_images=3, fmax=0.05)
    states = band_states(images, neb)
    pre = hop_prefactors(case, *states, neb, EMT(), phonons=False)
    return {"case": case, "neb": neb, "states": states, "prefactors": pre, "crystal": crystal,
            "inputs": {"name": "ag-vacancy", "hop": case, "band": NEBProduct(neb, *states),
                       "prefactors": pre, "temperatures_K": [300.0]}}


def test_a_members_hop_equals_plain_ase_single_points(ag_vacancy_hop):
    """Barriers and E_f of a Morse pair potential at EMT's end points and saddle, against
    plain ASE energies of the same cells; D follows from them with the main model's ν."""
    from ase.calculators.morse import MorsePotential

    from interfacemodel.analysis.diffusion import diffusivity

    h = ag_vacancy_hop
    other = MorsePotential(epsilon=0.35, r0=2.89, rho0=6.0)  # a different model of Ag
    initial, saddle, final = h["states"]
    rec = reevaluate(evaluate_migration, h["inputs"], other).record
    e_i, e_s, e_f = (_energy(a, other) for a in (initial, saddle, final))
    assert rec.neb.barrier_forward_eV == pytest.approx(e_s - e_i, abs=1e-10)
    assert rec.neb.barrier_backward_eV == pytest.approx(e_s - e_f, abs=1e-10)
    per_atom = _energy(h["crystal"], other) / len(h["crystal"])
    n_perfect = len(initial) + 1
    assert rec.defect_formation_energy_eV == pytest.approx(e_i - n_perfect * per_atom + per_atom,
                                                           abs=1e-9)
    assert e_i != pytest.approx(_energy(initial, EMT()), abs=1e-3)  # really another model
    d = diffusivity(e_s - e_i, 300.0, h["case"].lattice,
                    attempt_frequency_Hz=h["prefactors"].nu_Hz,
                    formation_energy_eV=rec.defect_formation_energy_eV)
    assert rec.diffusivities[0].D_cm2_per_s == pytest.approx(d.D_cm2_per_s, rel=1e-9)


def test_another_functional_is_reported_beside_not_in_the_spread(tmp_path):
    """A calculator listed under ``functionals`` gives its number beside the value; the spread
    is the committee's alone (by hand), and the report shows a table of both."""
    from interfacemodel.report import CoatingResult, report_values, write_report

    energetics = {"w_adh_relaxed": {"w_adh_J_per_m2": 1.0, "converged": True},
                  "interface_energy": {"gamma_int_J_per_m2": 0.5, "converged": True}}
    result = CoatingResult("X", "x", energetics=energetics, committee_main="a",
                           committee={"b": {"w_adh_relaxed_J_per_m2": 1.2}},
                           functionals={"r2scan": {"w_adh_relaxed_J_per_m2": 2.0,
                                                   "gamma_int_J_per_m2": 0.1}})
    values = {v["name"]: v for v in report_values([result])[0]["values"]}
    w = values["w_adh_relaxed_J_per_m2"]
    assert w["spread"] == pytest.approx(statistics.stdev([1.0, 1.2]))
    assert w["functionals"] == {"r2scan": 2.0} and "r2scan" not in w["committee"]
    g = values["gamma_int_J_per_m2"]
    assert "spread" not in g and g["functionals"] == {"r2scan": 0.1}
    write_report([result], tmp_path / "rep")
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "Another functional at the same geometries (r2scan" in md
    assert "1.000 → 2.000" in md and "0.500 → 0.100" in md


def test_the_refine_check_stands_beside_each_number_and_says_where_it_disagrees(tmp_path):
    """The refine calculator's values (the DFT check) are reported beside, not in the spread;
    the report states in words where the campaign's value and the check differ by more than
    the spread, and each calculator's mean deviation from the check."""
    from interfacemodel.report import CoatingResult, report_values, write_report

    def result(name, w, w_b, w_dft):
        return CoatingResult(name, name.lower(), energetics={
            "w_adh_relaxed": {"w_adh_J_per_m2": w, "converged": True}}, committee_main="a",
            committee={"b": {"w_adh_relaxed_J_per_m2": w_b}},
            refine={"dft": {"w_adh_relaxed_J_per_m2": w_dft}})

    results = [result("X", 1.0, 1.1, 1.05), result("Y", 0.5, 0.52, 0.9)]
    values = {v["name"]: v for v in report_values(results)[1]["values"]}
    w = values["w_adh_relaxed_J_per_m2"]
    assert w["refine"] == {"dft": 0.9} and set(w["committee"]) == {"a", "b"}
    write_report(results, tmp_path / "rep")
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "### DFT check: dft" in md
    # Y: |0.5 − 0.9| = 0.4 > spread 0.014; X: |1.0 − 1.05| = 0.05 < spread 0.071
    assert "W_adh relaxed of Y: the campaign's calculator and dft differ" in md
    assert "W_adh relaxed of X:" not in md
    # mean deviations: main (0.05 + 0.4)/2 = 0.225, member b (0.05 + 0.38)/2 = 0.215
    assert "| a | 0.225 |" in md and "| b | 0.215 |" in md


def test_a_check_model_of_its_own_is_compared_like_for_like(tmp_path):
    """Where the DFT check ran on a smaller model of its own, the difference is taken between
    the campaign calculator's value on that model and DFT's, not with the campaign's model."""
    from interfacemodel.report import CoatingResult, write_report

    def result(name, w, w_b, w_dft, on_model):
        return CoatingResult(name, name.lower(), energetics={
            "w_adh_relaxed": {"w_adh_J_per_m2": w, "converged": True}}, committee_main="a",
            committee={"b": {"w_adh_relaxed_J_per_m2": w_b}},
            refine={"dft": {"w_adh_relaxed_J_per_m2": w_dft}},
            refine_model={m: {"w_adh_relaxed_J_per_m2": v} for m, v in on_model.items()},
            refine_model_atoms=12)

    # X: 0.72 − 0.70 on the check model is within the spread 0.071 (1.0 − 0.7 would not be)
    # Y: 0.45 − 0.90 is not
    results = [result("X", 1.0, 1.1, 0.7, {"a": 0.72, "b": 0.8}),
               result("Y", 0.5, 0.52, 0.9, {"a": 0.45, "b": 0.47}),
               CoatingResult("Z", "z", energetics={  # not checked: no row in the DFT table
                   "w_adh_relaxed": {"w_adh_J_per_m2": 0.3, "converged": True}})]
    write_report(results, tmp_path / "rep")
    md = (tmp_path / "rep" / "report.md").read_text()
    check = md.split("### DFT check: dft")[1].split("Mean |value")[0]
    assert "| X |" in check and "| Z |" not in check
    assert "check model (12 atoms): 0.720, DFT 0.700" in md
    assert "W_adh relaxed of X:" not in md
    assert "W_adh relaxed of Y: the campaign's calculator and dft differ" in md
    # mean deviations on the check model: a (0.02 + 0.45)/2, b (0.10 + 0.43)/2
    assert "| a | 0.235 |" in md and "| b | 0.265 |" in md


def test_the_short_dft_relaxation_stands_beside_the_check(tmp_path):
    """The DFT check's value after its short relaxation and its forces at the ML geometry
    are written beside the check's single point (report.md and results.json)."""
    import json

    from interfacemodel.report import CoatingResult, write_report

    forces = {"at_ml_geometry": {"interface/relaxed": 0.41, "parts/film-relaxed": 0.03,
                                 "parts/substrate-relaxed": 0.12},
              "relaxation": {"interface/relaxed": {"steps": 6, "converged": False,
                                           "fmax_before_eV_per_A": 0.41,
                                           "fmax_after_eV_per_A": 0.09,
                                           "energy_change_eV": -0.052}}}
    results = [CoatingResult("X", "x", energetics={
        "w_adh_relaxed": {"w_adh_J_per_m2": 1.0, "converged": True}}, committee_main="a",
        committee={"b": {"w_adh_relaxed_J_per_m2": 1.1}},
        refine={"dft": {"w_adh_relaxed_J_per_m2": 0.7}},
        refine_model={"a": {"w_adh_relaxed_J_per_m2": 0.72}}, refine_model_atoms=12,
        refine_relaxed={"dft": {"w_adh_relaxed_J_per_m2": 0.65}}, refine_forces=forces)]
    write_report(results, tmp_path / "rep")
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "DFT 0.700 (Δ 0.020); after the short DFT relaxation 0.650" in md
    assert ("X: interface 0.41, film part 0.03, coating part 0.12 eV/Å; relaxed: interface → "
            "0.09 eV/Å in 6 steps (NOT converged, ΔE -0.052 eV)") in md
    values = json.loads((tmp_path / "rep" / "results.json").read_text())
    item = next(v for c in values["coatings"] for v in c["values"]
                if v["name"] == "w_adh_relaxed_J_per_m2")
    assert item["refine_relaxed"] == {"dft": 0.65}


@pytest.mark.gpaw
def test_a_dft_calculator_takes_a_structure_that_breaks_an_earlier_ones_symmetry():
    """GPAW binds its symmetry to the first structure it computes and refuses a later one with
    the same atoms that breaks it (what made the hop check of the quick preset fizzle at the
    saddle); a single point or a relaxation then goes on with a new calculator of the same
    parameters, which the old object forwards to, and gives the energy of a fresh GPAW."""
    from gpaw.new.symmetry import SymmetryBrokenError

    from interfacemodel.calculators import current_calculator, get_calculator
    from interfacemodel.run.relax import single_point

    spec = "gpaw:ecut_eV=200,kpts=2x2x2,occupations=fermi-dirac"
    perfect = bulk("Li", "bcc", a=3.44, cubic=True)
    moved = perfect.copy()
    moved.positions[1] += (0.15, 0.05, 0.0)  # the "saddle": fewer symmetries than "initial"
    e_moved_fresh = _energy(moved, get_calculator(spec))

    plain = get_calculator(spec)
    _energy(perfect, plain)
    with pytest.raises(SymmetryBrokenError):
        _energy(moved, plain)

    calc = get_calculator(spec)
    e_perfect = single_point(perfect, calc, "initial").energy_eV
    rec = single_point(moved, calc, "saddle", forces=True)
    renewed = current_calculator(calc)
    assert renewed is not calc and renewed.params.todict() == calc.params.todict()
    assert renewed.interfacemodel_spec == calc.interfacemodel_spec
    assert e_perfect == pytest.approx(_energy(perfect, get_calculator(spec)), abs=1e-4)
    assert rec.energy_eV == pytest.approx(e_moved_fresh, abs=1e-4) and rec.energy_eV > e_perfect
    assert rec.fmax_reached_eV_per_A > 0.1  # the moved atom is pushed back

    calc = get_calculator(spec)  # a relaxation started on a refused structure
    single_point(perfect, calc, "initial")
    _, rec = relax(moved, calc, steps=0)
    assert rec.energy_eV == pytest.approx(e_moved_fresh, abs=1e-4)
    assert current_calculator(calc) is not calc

    emt = EMT()  # a calculator without a bound symmetry is not renewed
    single_point(bulk("Cu", "fcc", a=3.6, cubic=True), emt)
    single_point(bulk("Cu", "fcc", a=3.7, cubic=True), emt)
    assert current_calculator(emt) is emt


def test_a_member_whose_end_point_lies_above_the_saddle_keeps_its_barrier_without_a_d(
        ag_vacancy_hop):
    """A member for which the main model's initial state is not a minimum (here EMT plus a
    field of 1 eV/Å pulling the hopping atom toward the final site: E(initial) > E(saddle))
    records its negative barrier, the plain-ASE difference, and no D, instead of failing."""
    from ase.calculators.calculator import Calculator, all_changes

    h = ag_vacancy_hop
    initial, saddle, final = h["states"]
    k = h["case"].moving_index
    u = final.positions[k] - initial.positions[k]
    u /= np.linalg.norm(u)

    class Tilted(Calculator):
        implemented_properties = ["energy", "forces"]

        def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
            super().calculate(atoms, properties, system_changes)
            work = self.atoms.copy()
            work.calc = EMT()
            forces = work.get_forces()
            forces[k] += 1.0 * u
            self.results = {"energy": work.get_potential_energy()
                            - 1.0 * float(np.dot(self.atoms.positions[k], u)),
                            "forces": forces}

    rec = reevaluate(evaluate_migration, h["inputs"], Tilted()).record
    e_i, e_s = (_energy(a, Tilted()) for a in (initial, saddle))
    assert rec.neb.barrier_forward_eV == pytest.approx(e_s - e_i, abs=1e-10) and e_s < e_i
    assert rec.diffusivities == [] and rec.lattice is None
    assert any("not a minimum for this calculator" in n for n in rec.notes)
