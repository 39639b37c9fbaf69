"""The solute screen (segregation to free faces, McLean coverage, Δγ) on EMT Cu with Ag, Au,
Ni: one segregation energy against a plain-ASE computation, the known signs (Ag segregates
to Cu surfaces, Ni does not), the isotherm numbers against the formulas by hand, the flow,
the CLI's files, and bad input."""

import csv
import json
import math

import pytest
from ase.calculators.emt import EMT
from ase.optimize import BFGS

from checks import assert_one_line, planes_top_first
from interfacemodel.analysis.screen_assembly import delta_gamma_J_per_m2, layer_formers
from interfacemodel.analysis.solute_screen import SoluteScreen, check_screen_inputs
from interfacemodel.calculators import get_calculator
from interfacemodel.cli import main
from interfacemodel.errors import UserInputError
from interfacemodel.procedures.interfaces import bulk_reference
from interfacemodel.procedures.solute_screen import face_cell, solute_screen, surface_segregation
from interfacemodel.records import to_dict
from interfacemodel.report.solute_screen import screen_csv, screen_markdown

KB_EV = 8.617333262e-5  # Boltzmann constant, eV/K (CODATA 2018; ASE uses 2014:
#                         3.4e-7 apart, so θ agrees to ~|E/kT| x 3.4e-7: rel=1e-4)
EV_A2_TO_J_M2 = 16.0218  # 1 eV/Å² in J/m² (DESIGN.md §5)


@pytest.fixture(scope="module")
def cu_bulk():
    atoms, _, _ = bulk_reference("Cu", get_calculator("emt"))
    return atoms


@pytest.fixture(scope="module")
def screen(cu_bulk):
    return solute_screen(cu_bulk, ["Ag", "Au", "Ni"], ["100", "110"], get_calculator("emt"),
                         layers=3)


def _layers_top_first(atoms, tol=0.3):
    return planes_top_first(atoms, tol=tol)


def _by_hand(slab, index, fmax=0.01):
    atoms = slab.copy()
    atoms.set_constraint()
    atoms[int(index)].symbol = "Ag"
    atoms.calc = EMT()
    BFGS(atoms, logfile=None).run(fmax=fmax, steps=1000)
    return atoms.get_potential_energy()


def test_ag_on_cu100_matches_plain_ase(cu_bulk):
    """E_seg of Ag on Cu(100): the screen against the same cell substituted and relaxed with
    ASE's BFGS by hand (top plane vs the middle plane of the 6-plane slab)."""
    cell = face_cell(cu_bulk, "100", "Cu", layers=5)
    planes = _layers_top_first(cell.atoms)
    assert len(planes) == 6  # 5 rounded up to whole fcc(100) unit planes
    middle = min(range(1, 5), key=lambda k: (abs(k - 2.5), k))  # the central free plane
    e_hand = (_by_hand(cell.atoms, min(planes[0]))
              - _by_hand(cell.atoms, min(planes[middle])))
    res = surface_segregation(cu_bulk, "100", "Ag", get_calculator("emt"), "Cu", layers=5,
                              fmax=0.01)
    assert res.converged and res.middle_layer == middle
    assert res.E_seg_eV == pytest.approx(e_hand, abs=0.005)
    assert res.E_seg_eV < -0.05
    # the image rule: a solute at least 5 Å from its periodic images
    assert res.image_distance_A >= 5.0


def test_ag_on_fcc110_matches_ase_build(cu_bulk):
    """Independent cell: ase.build.fcc110 at the EMT lattice constant, 2x2 in plane (images
    5.1 and 7.2 Å apart), 6 planes; the screen's own cell differs only by its in-plane
    shape, so the two agree to within the finite-size spread."""
    from ase.build import fcc110

    a = cu_bulk.cell.lengths()[0]
    slab = fcc110("Cu", size=(2, 2, 6), a=a, vacuum=7.5)
    planes = _layers_top_first(slab)
    e_hand = _by_hand(slab, planes[0][0]) - _by_hand(slab, planes[2][0])
    res = surface_segregation(cu_bulk, "110", "Ag", get_calculator("emt"), "Cu", layers=5,
                              fmax=0.01)
    assert res.n_layers == 6 and res.middle_layer == 2
    assert res.E_seg_eV == pytest.approx(e_hand, abs=0.03)


def test_signs_ag_segregates_ni_does_not(screen):
    """EMT and experiment agree: Ag (and Au) segregate to Cu surfaces, Ni stays inside."""
    for face in ("100", "110"):
        assert screen.entry("Ag", face).E_seg_eV < -0.1
        assert screen.entry("Au", face).E_seg_eV < 0
        assert screen.entry("Ni", face).E_seg_eV > 0.05
    assert screen.converged
    formers = {(d["solute"], d["face"]) for d in screen.layer_formers}
    assert {("Ag", "100"), ("Ag", "110")} <= formers
    assert not any(s == "Ni" for s, _ in formers)
    # θ ≥ 0.5 at x = 1 at.% (the top of the range), 300 K: the criterion, by hand
    assert formers == {(e.solute, e.face) for e in screen.entries if e.coverage[1] >= 0.5}


def test_isotherm_numbers_by_hand(screen):
    """θ, Δγ and x(θ = 0.5) of the record against the McLean isotherm and Δγ = (kT/A)
    ln(1−θ) written out here; A_site = the top plane's area per atom of the cell."""
    T = screen.T_K
    assert screen.bulk_fractions == [0.001, 0.01] and T == 300.0
    for e, site in zip(screen.entries, screen.sites, strict=True):
        assert (e.solute, e.face) == (site.solute, site.face)
        assert e.E_seg_eV == pytest.approx(site.records["L0"].energy_eV
                                           - site.records["middle"].energy_eV, abs=1e-12)
        fcc_a = 3.59  # EMT Cu; A_site: fcc(100) a²/2, fcc(110) a²/√2 (one atom per plane cell)
        expected_area = fcc_a ** 2 / 2 if e.face == "100" else fcc_a ** 2 / math.sqrt(2)
        assert e.A_site_A2 == pytest.approx(expected_area, rel=0.01)
        for x, theta, dg in zip(screen.bulk_fractions, e.coverage, e.delta_gamma_J_per_m2,
                                strict=True):
            k = x / (1 - x) * math.exp(-e.E_seg_eV / (KB_EV * T))
            assert theta == pytest.approx(k / (1 + k), rel=1e-4, abs=1e-15)
            dg_hand = KB_EV * T / e.A_site_A2 * math.log(1 - k / (1 + k)) * EV_A2_TO_J_M2
            assert dg == pytest.approx(dg_hand, rel=1e-4, abs=1e-12)
            assert dg <= 0
        # x at half coverage: θ/(1−θ) = 1 ⇒ x/(1−x) = exp(E_seg/kT)
        r = math.exp(e.E_seg_eV / (KB_EV * T))
        assert e.x_half_coverage == pytest.approx(r / (1 + r), rel=1e-4)
    assert delta_gamma_J_per_m2(0.5, 10.0, 300.0) == pytest.approx(
        KB_EV * 300 / 10 * math.log(0.5) * EV_A2_TO_J_M2, rel=1e-4)
    # the layer formers at another criterion, by hand
    strict = layer_formers(screen, threshold=0.999, x_range=(0.001, 0.01), T_K=300.0)
    by_hand = {(e.solute, e.face) for e in screen.entries if e.coverage[1] >= 0.999}
    assert {(d["solute"], d["face"]) for d in strict} == by_hand
    # the clean faces: γ0 = (E_slab − N μ)/(2A) against the record's own numbers
    for c in screen.clean.values():
        assert c.gamma0_J_per_m2 == pytest.approx(
            (c.record.energy_eV - c.natoms * c.mu_host_eV) / (2 * c.area_A2) * EV_A2_TO_J_M2,
            rel=1e-4)
        assert 0.5 < c.gamma0_J_per_m2 < 2.0


def test_record_round_trip_and_rendering(screen):
    data = json.loads(json.dumps(to_dict(screen)))
    again = SoluteScreen.from_dict(data)
    assert again.entries == screen.entries
    assert again.sites[0].records["L0"].energy_eV == screen.sites[0].records["L0"].energy_eV
    assert set(data["definitions"]) >= {"E_seg_eV", "coverage", "delta_gamma_J_per_m2"}
    text = screen_markdown(screen)
    assert text.startswith("## Solute segregation to the Cu surface")
    assert "Layer formers" in text and "Ag on Cu(100)" in text and "| Ni | Cu(110) |" in text
    rows = list(csv.DictReader(screen_csv(screen).splitlines()))
    assert len(rows) == 6 and float(rows[0]["theta_x0.001"]) == screen.entries[0].coverage[0]


def test_flow_resumes_and_matches_the_library(cu_bulk, tmp_path):
    from interfacemodel.flows import SoluteScreenMaker, run_flow

    maker = SoluteScreenMaker(calculator="emt", layers=3, clean=False)
    flow = maker.make("Cu", solutes=["Ag"], faces=["100"])
    assert [j.name for j in flow.jobs] == ["bulk:Cu", "surface-segregation:Ag:Cu(100)",
                                           "solute-screen:Cu"]
    res = run_flow(flow, tmp_path, progress=lambda m: None)
    assert isinstance(res, SoluteScreen) and res.clean == {}
    again = run_flow(maker.make("Cu", solutes=["Ag"], faces=["100"]), tmp_path,
                     progress=lambda m: None)
    assert again.sites[0].records["L0"].resumed_at_step is not None  # from the checkpoints
    assert again.entries[0].E_seg_eV == pytest.approx(res.entries[0].E_seg_eV, abs=1e-9)


@pytest.mark.parametrize("kwargs, match", [
    (dict(solutes=["Ag", "Xx"]), "'Xx'"),
    (dict(solutes=["Cu"]), "host"),
    (dict(solutes=["Ag", "Ag"]), "twice"),
    (dict(solutes=[]), "no solutes"),
    (dict(faces=["000"]), "'000'"),
    (dict(faces=["1x0"]), "'1x0'"),
    (dict(solutes=["Li"]), "cannot treat Li"),
    (dict(layers=2), "layers"),
    (dict(T_K=-1.0), "T_K"),
    (dict(bulk_fractions=[0.0]), "bulk_fractions"),
])
def test_bad_input_is_one_line(cu_bulk, kwargs, match):
    args = dict(solutes=["Ag"], faces=["100"], calc=get_calculator("emt"))
    args.update(kwargs)
    with pytest.raises(UserInputError, match=match) as exc:
        solute_screen(cu_bulk, **args)
    assert_one_line(exc)


def test_check_inputs_parses_strings():
    assert check_screen_inputs("Cu", "Ag, Au", "100,110", "emt") == (["Ag", "Au"],
                                                                     ["100", "110"])
    assert check_screen_inputs("Cu", ["Ag"], ["1,1,0"])[1] == ["110"]


def test_cli_writes_its_files(tmp_path, capsys):
    out = tmp_path / "screen"
    rc = main(["solute-screen", "--calculator", "emt", "--host", "Cu", "--solutes", "Ag,Ni",
               "--faces", "100", "--layers", "3", "--out", str(out)])
    assert rc == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "solute_screen.csv", "solute_screen.json", "solute_screen.md", "solute_screen.png"]
    data = json.loads((out / "solute_screen.json").read_text())
    assert data["kind"] == "solute-screen" and data["host"] == "Cu"
    assert [(e["solute"], e["face"]) for e in data["entries"]] == [("Ag", "100"), ("Ni", "100")]
    assert (out / "solute_screen.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "layer formers" in capsys.readouterr().out
    # an existing --out without --overwrite: one line, exit 2
    assert main(["solute-screen", "--calc", "emt", "--host", "Cu", "--solutes", "Ag",
                 "--faces", "100", "--out", str(out)]) == 2


@pytest.mark.parametrize("args, names", [
    (["--solutes", "Ag,Xx"], "'Xx'"),
    (["--solutes", "Ag,Li"], "cannot treat Li"),
    (["--faces", "100,000"], "'000'"),
    (["--host", "Foo"], "'Foo'"),
    (["--calculator", "nope"], "'nope'"),
    (["--layers", "2"], "--layers 2"),
])
def test_cli_bad_input_one_line_nothing_written(tmp_path, capsys, args, names):
    out = tmp_path / "screen"
    base = ["solute-screen", "--calc", "emt", "--host", "Cu", "--solutes", "Ag",
            "--faces", "100", "--out", str(out)]
    assert main(base + args) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and names in err and err.startswith("interfacemodel solute-screen")
    assert not out.exists() and list(tmp_path.iterdir()) == []
