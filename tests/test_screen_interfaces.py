"""The solute screen at the Li/coating interfaces (issue 19, item 4), on the EMT analogue
cu-ag (a Cu(100) film on Ag(100): Cu plays Li, Ag the coating): one solute's interface
segregation energy against a plain-ASE computation on the same relaxed interface cell, θ and
Δγ_int against the formulas written out here, the record (old records load), the rendering,
the flow's jobs, the campaign spec's ``systems`` key and the campaign flow."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms
from ase.optimize import BFGS

from checks import assert_one_line, planes_top_first
from interfacemodel.analysis.screen_assembly import assemble_screen, interface_layer_formers
from interfacemodel.analysis.solute_screen import SoluteScreen
from interfacemodel.calculators import get_calculator
from interfacemodel.errors import UserInputError
from interfacemodel.models.systems import build_system
from interfacemodel.procedures.interfaces import bulk_reference
from interfacemodel.procedures.solute_screen import interface_segregation, surface_segregation
from interfacemodel.records import to_dict
from interfacemodel.report.solute_screen import interface_rows, plot_screen, screen_markdown

KB_EV = 8.617333262e-5  # eV/K, CODATA 2018 (typed here; ASE's 2014 value is 3.4e-7 apart)
EV_A2_TO_J_M2 = 16.0218  # 1 eV/Å² in J/m² (DESIGN.md §5)


def _film_planes(atoms, tol=0.3):
    """Indices of each Cu film plane (interface_side 0), top (largest z) first."""
    film = np.flatnonzero((np.asarray(atoms.arrays["interface_side"]) == 0)
                          & (np.asarray(atoms.get_chemical_symbols()) == "Cu"))
    return planes_top_first(atoms, film, tol)


@pytest.fixture(scope="module")
def cu_ag_interface():
    """The cu-ag slab model (3 Ag planes at the bottom fixed as built), relaxed briefly with
    ASE's BFGS: the 'relaxed interface model' a campaign's interface job hands on."""
    atoms = build_system("cu-ag")[0].atoms.copy()
    assert isinstance(atoms.constraints[0], FixAtoms)
    atoms.calc = EMT()
    BFGS(atoms, logfile=None).run(fmax=0.05, steps=200)
    atoms.calc = None
    return atoms


@pytest.fixture(scope="module")
def ag_at_cu_ag(cu_ag_interface):
    return interface_segregation(cu_ag_interface, "Ag", get_calculator("emt"), host="Cu",
                                 system="cu-ag", fmax=0.01)


def _by_hand(atoms, index, fmax=0.01):
    work = atoms.copy()  # FixAtoms copied with it: the same atoms held
    work[int(index)].symbol = "Ag"
    work.calc = EMT()
    BFGS(work, logfile=None).run(fmax=fmax, steps=1000)
    return work.get_potential_energy()


def _solute_index(relaxed):
    """The index of the Ag atom of the film in a relaxed site cell."""
    side = np.asarray(relaxed.arrays["interface_side"])
    return int(np.flatnonzero((side == 0) & (np.asarray(relaxed.get_chemical_symbols())
                                             == "Ag"))[0])


def test_interface_segregation_equals_plain_ase(cu_ag_interface, ag_at_cu_ag):
    """E(Ag in the Cu plane touching Ag) − E(Ag in the middle Cu plane) of the same relaxed
    cell: the screen against BFGS by hand with the same FixAtoms."""
    res = ag_at_cu_ag
    planes = _film_planes(cu_ag_interface)
    assert len(planes) == 4 and res.n_layers == 4
    assert res.supercell == [1, 1]  # the cell's images are already 5.78 Å apart
    assert res.image_distance_A >= 5.0 and res.natoms == len(cu_ag_interface)
    assert res.n_fixed == 8 and all(r.n_fixed == 8 for r in res.records.values())
    # which atom the package replaced: in the lowest film plane, and in the middle plane
    i_int = _solute_index(res.geometries["L-1"])
    i_mid = _solute_index(res.geometries["middle"])
    assert i_int in planes[-1]
    middle = min(range(1, 3), key=lambda k: (abs(k - 1.5), k))  # the central free plane
    assert res.middle_layer == middle and i_mid in planes[middle]
    e_hand = _by_hand(cu_ag_interface, i_int) - _by_hand(cu_ag_interface, i_mid)
    assert res.converged
    assert res.E_seg_eV == pytest.approx(e_hand, abs=0.005)
    # A_site: the cell area per Cu atom of the touching plane
    area = np.linalg.norm(np.cross(cu_ag_interface.cell[0], cu_ag_interface.cell[1]))
    assert res.A_site_A2 == pytest.approx(area / len(planes[-1]), rel=1e-9)
    assert (res.system, res.coating, res.host) == ("cu-ag", "Ag", "Cu")


@pytest.fixture(scope="module")
def screen(ag_at_cu_ag):
    cu, _, _ = bulk_reference("Cu", get_calculator("emt"))
    site = surface_segregation(cu, "100", "Ag", get_calculator("emt"), "Cu", layers=3)
    return assemble_screen([site], {}, T_K=300.0, bulk_fractions=(0.001, 0.01),
                           interfaces=[ag_at_cu_ag])


def test_coverage_and_delta_gamma_int_by_hand(screen, ag_at_cu_ag):
    """θ (McLean) and Δγ_int = (kT/A_site) ln(1 − θ) of the interface row, written out."""
    e = screen.interface_entry("Ag", "cu-ag")
    assert e.E_seg_eV == ag_at_cu_ag.E_seg_eV and e.A_site_A2 == ag_at_cu_ag.A_site_A2
    T = 300.0
    for x, theta, dg in zip(screen.bulk_fractions, e.coverage, e.delta_gamma_int_J_per_m2,
                            strict=True):
        k = x / (1 - x) * math.exp(-e.E_seg_eV / (KB_EV * T))
        assert theta == pytest.approx(k / (1 + k), rel=1e-4, abs=1e-15)
        assert dg == pytest.approx(KB_EV * T / e.A_site_A2 * math.log(1 - k / (1 + k))
                                   * EV_A2_TO_J_M2, rel=1e-4, abs=1e-12)
        assert dg <= 0
    r = math.exp(e.E_seg_eV / (KB_EV * T))
    assert e.x_half_coverage == pytest.approx(r / (1 + r), rel=1e-4)
    # the interface layer formers: the same criterion, by hand
    by_hand = {(i.solute, i.system) for i in screen.interfaces if i.coverage[1] >= 0.5}
    assert {(d["solute"], d["system"]) for d in screen.interface_layer_formers} == by_hand
    strict = interface_layer_formers(screen, threshold=0.999)
    assert {(d["solute"], d["system"]) for d in strict} == \
        {(i.solute, i.system) for i in screen.interfaces if i.coverage[1] >= 0.999}


def test_record_round_trip_old_records_and_rendering(screen):
    data = json.loads(json.dumps(to_dict(screen)))
    again = SoluteScreen.from_dict(data)
    assert again.interfaces == screen.interfaces
    assert again.interface_sites[0].records["L-1"].energy_eV == \
        screen.interface_sites[0].records["L-1"].energy_eV
    # a record written before interfaces were screened still loads, with none
    for key in ("interfaces", "interface_sites", "interface_layer_formers"):
        data.pop(key)
    old = SoluteScreen.from_dict(data)
    assert old.interfaces == [] and old.interface_layer_formers == [] and old.systems == []
    assert "Segregation to the Cu/coating interfaces" not in screen_markdown(old)
    text = screen_markdown(screen)
    assert "To the Cu/Ag interface of cu-ag:" in text and "Δγ_int @ 1 at.% (J/m²)" in text
    assert "**Interface layer formers**" in text
    header, rows = interface_rows(screen, "cu-ag")
    assert header[:2] == ["solute", "E_seg (eV)"] and rows[0][0] == "Ag"
    assert rows[0][1] == f"{screen.interfaces[0].E_seg_eV:+.3f}"
    assert interface_rows(screen)[1][0][0] == "Cu/Ag (cu-ag)"
    assert plot_screen(screen)[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_interface_input_is_one_line(cu_ag_interface):
    calc = get_calculator("emt")
    plain = cu_ag_interface.copy()
    del plain.arrays["interface_side"]
    cases = [((plain, "Ag", calc, "Cu"), "not an interface model"),
             ((cu_ag_interface, "Ag", calc, "Li"), "not the host Li"),
             ((cu_ag_interface, "Cu", calc, "Cu"), "is the host"),
             ((cu_ag_interface, "Xx", calc, "Cu"), "'Xx'")]
    for args, word in cases:
        with pytest.raises(UserInputError) as exc:
            interface_segregation(*args, system="cu-ag")
        assert_one_line(exc)
        assert word in str(exc.value)


# --- the flow -------------------------------------------------------------------------------

def test_flow_has_one_job_per_solute_and_system_and_matches_the_library(cu_ag_interface,
                                                                        ag_at_cu_ag, tmp_path):
    from interfacemodel.flows import SoluteScreenMaker, run_flow

    maker = SoluteScreenMaker(calculator="emt", layers=3, clean=False, fmax=0.01)
    flow = maker.make("Cu", solutes=["Ag"], faces=["100"],
                      interfaces={"cu-ag": cu_ag_interface})
    assert [j.name for j in flow.jobs] == ["bulk:Cu", "surface-segregation:Ag:Cu(100)",
                                           "interface-segregation:Ag:cu-ag",
                                           "solute-screen:Cu"]
    res = run_flow(flow, tmp_path, progress=lambda m: None)
    assert [(e.solute, e.system) for e in res.interfaces] == [("Ag", "cu-ag")]
    assert res.interfaces[0].E_seg_eV == pytest.approx(ag_at_cu_ag.E_seg_eV, abs=1e-6)
    # no interfaces: the join's identity is the one it had before interfaces existed
    plain = maker.jobs("Cu", ["Ag"], ["100"])
    assert plain[-1].uuid == maker.jobs("Cu", ["Ag"], ["100"], interfaces={})[-1].uuid
    assert "interfaces" not in plain[-1].function_kwargs


def test_flow_refuses_a_system_whose_film_is_not_the_host(cu_ag_interface):
    from interfacemodel.flows import SoluteScreenMaker

    for interfaces, word in (({"li-lif": cu_ag_interface}, "film is Li, not the host Cu"),
                             ({"cu-xx": cu_ag_interface}, "unknown system 'cu-xx'")):
        with pytest.raises(UserInputError) as exc:
            SoluteScreenMaker(calculator="emt").jobs("Cu", ["Ag"], ["100"],
                                                     interfaces=interfaces)
        assert_one_line(exc)
        assert word in str(exc.value)


# --- the campaign spec and the campaign flow ------------------------------------------------

IFACE = ("  - {system: cu-ag, settings: {fmax: 0.05, scan_grid: [2, 2], "
         "max_surface_terminations: 1, reactivity: false}}\n")


def _spec(tmp_path, text, calculator="emt"):
    from interfacemodel.flows.specs import load_campaign

    path = tmp_path / "c.yaml"
    path.write_text(text)
    return load_campaign(path, calculator=calculator)


def test_spec_systems_all_and_list(tmp_path):
    both = "name: s\ninterfaces:\n" + IFACE + "  - cu-au\n"
    spec = _spec(tmp_path, both + "solute_screen: {host: Cu, solutes: [Ag], faces: ['100'], "
                                  "systems: all}\n")
    assert spec.solute_screen["systems"] == ["cu-ag", "cu-au"]
    spec = _spec(tmp_path, both + "solute_screen: {host: Cu, solutes: [Ag], faces: ['100'], "
                                  "systems: [cu-au]}\n")
    assert spec.solute_screen["systems"] == ["cu-au"]
    spec = _spec(tmp_path, both + "solute_screen: {host: Cu, solutes: [Ag], faces: ['100']}\n")
    assert spec.solute_screen["systems"] == []  # default: none
    # restricting the campaign to some coatings keeps only their interfaces in the screen
    from interfacemodel.flows.spec_rows import select_coatings

    spec = _spec(tmp_path, both + "solute_screen: {host: Cu, solutes: [Ag], faces: ['100'], "
                                  "systems: all}\nreport: true\n")
    assert select_coatings(spec, ["Au"]).solute_screen["systems"] == ["cu-au"]


@pytest.mark.parametrize("systems, words", [
    ("[cu-xx]", ["'cu-xx'", "(cu-ag)"]),
    ("[cu-au]", ["'cu-au' is not one of the campaign's interfaces", "(cu-ag)"]),
    ("some", ["systems='some'", "'all'", "cu-ag"]),
    ("[cu-ag, cu-ag]", ["given twice"]),
])
def test_spec_systems_refused_in_one_line(tmp_path, systems, words):
    with pytest.raises(UserInputError) as exc:
        _spec(tmp_path, "name: s\ninterfaces:\n" + IFACE + "solute_screen: {host: Cu, "
              f"solutes: [Ag], faces: ['100'], systems: {systems}}}\n")
    assert_one_line(exc)
    for word in words:
        assert word in str(exc.value)


def test_spec_system_with_another_film_is_refused(tmp_path):
    with pytest.raises(UserInputError) as exc:
        _spec(tmp_path, "name: s\ninterfaces:\n" + IFACE + "solute_screen: {host: Li, "
              "solutes: [Mg], faces: ['110'], systems: all}\n")
    assert_one_line(exc)
    assert "'cu-ag' has a Cu film, not the host Li" in str(exc.value)


def test_campaign_flow_holds_the_interface_segregation_job(tmp_path):
    """Built only (no calculation): the screen's interface job reads the campaign's relaxed
    cu-ag interface (the interface job's output) and feeds the screen's join, which feeds
    the report."""
    from interfacemodel.flows.campaign import campaign_flow

    spec = _spec(tmp_path, "name: s\ninterfaces:\n" + IFACE + "solute_screen: {host: Cu, "
                 "solutes: [Ag], faces: ['100'], systems: all}\nreport: true\n")
    jobs = {j.name: j for j in campaign_flow(spec).jobs}
    seg = jobs["interface-segregation:Ag:cu-ag"]
    assert seg.function_kwargs["interface"].uuid == jobs["interface:cu-ag"].uuid
    join = jobs["solute-screen:Cu"]
    assert [r.uuid for r in join.function_kwargs["interfaces"]] == [seg.uuid]
    assert jobs["report:s"].function_kwargs["screen"].uuid == join.uuid


def test_emt_campaign_screens_its_own_relaxed_interface(tmp_path, monkeypatch):
    """End to end in this process (EMT, a few seconds): the campaign relaxes cu-ag, the
    screen's interface job takes that relaxed model, and the report shows its row; the
    number equals interface_segregation called here on the interface job's stored output."""
    from jobflow import JobStore
    from maggma.stores import MemoryStore

    from interfacemodel.analysis.interface_geometry import InterfaceProduct
    from interfacemodel.flows import run_flow
    from interfacemodel.flows.campaign import campaign_flow
    from interfacemodel.records import from_dict

    spec = _spec(tmp_path, "name: s\ninterfaces:\n" + IFACE + "solute_screen: {host: Cu, "
                 "solutes: [Ag], faces: ['100'], layers: 3, systems: all}\nreport: true\n")
    flow = campaign_flow(spec)
    jobs = {j.name: j for j in flow.jobs}
    store = JobStore(MemoryStore())
    monkeypatch.chdir(tmp_path)
    out = run_flow(flow, tmp_path / "run", store=store, progress=lambda m: None)
    report_dir = Path(out["report_dir"])
    report = json.loads((report_dir / "results.json").read_text())
    rows = report["solute_screen"]["interfaces"]
    assert [(r["solute"], r["system"], r["coating"]) for r in rows] == [("Ag", "cu-ag", "Ag")]
    product = store.get_output(jobs["interface:cu-ag"].uuid, load=True)
    if isinstance(product, dict):
        product = from_dict(InterfaceProduct, product)
    again = interface_segregation(product, "Ag", get_calculator("emt"), host="Cu")
    assert again.system == "cu-ag"
    assert rows[0]["E_seg_eV"] == pytest.approx(again.E_seg_eV, abs=1e-6)
    md = (report_dir / "report.md").read_text()
    assert "### Segregation to the Cu/coating interfaces" in md
    assert "To the Cu/Ag interface of cu-ag:" in md
