"""The coating comparison report: rows built from a real EMT campaign (the CLI in separate
processes, as ``interfacemodel compare`` will read it) and from real SevenNet migration records
(bench/results/migration-vm); every value in results.json is the record's value at its source
path, results.csv matches results.json, the HTML is self-contained and renders in headless
Chromium; bad input gives one line."""

import base64
import copy
import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from checks import assert_one_line
from interfacemodel.analysis import experiment as exp
from interfacemodel.analysis.comparison import QUANTITIES
from interfacemodel.analysis.reactivity import PhaseEnergy, reaction_with_li
from interfacemodel.errors import UserInputError
from interfacemodel.records import to_dict
from interfacemodel.report import CoatingResult, ranking, report_values, write_report

REPO = Path(__file__).resolve().parents[1]
EMT_CAMPAIGN = REPO / "workflows" / "emt_analogue.yaml"
SEVENNET = REPO / "bench" / "results" / "migration-vm"
FIGURES = {"adhesion.png", "contact_angle.png", "reaction.png", "neb_profiles.png",
           "arrhenius.png", "ranking.png", "interface_lif.png", "interface_mgf2.png"}


def _cli(*args, cwd):
    code = "import sys\nfrom interfacemodel.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.pop("MONGOMOCK_SERVERSTORE_FILE", None)
    proc = subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    """The EMT analogue campaign (Cu/Ag energetics, Au/Al(100) barrier) run by the CLI."""
    work = tmp_path_factory.mktemp("campaign")
    _cli("submit", EMT_CAMPAIGN, "--state", "rs", cwd=work)
    _cli("run", "--state", "rs", cwd=work)
    return json.loads(_cli("results", "--state", "rs", "--json", cwd=work))


def _phase(name, formula, e):
    return PhaseEnergy(name, formula, e, 1, "crystal", True, {"name": "x", "label": "x"})


# made-up phase energies (eV/atom; as in test_reactivity): MgF2 + 2 Li -> 2 LiF + Mg releases
# energy, LiF is stable; EMT has no Li, so the reaction records come from the library directly
PHASES = {"Li": _phase("Li", "Li", -1.9), "Mg": _phase("Mg", "Mg", -1.6),
          "F2": _phase("F2", "F2", -1.8), "LiF": _phase("LiF", "LiF", -4.8),
          "LiMg": _phase("LiMg", "LiMg", -1.70), "MgF2": _phase("MgF2", "MgF2", -5.3)}


@pytest.fixture(scope="module")
def rows(campaign):
    """Two rows with the EMT campaign's energetics (standing in for Li/LiF and Li/MgF2), the
    EMT barrier, Li2Se and Li rows with real SevenNet migration records."""
    by_kind = {r["kind"]: r for r in campaign}
    energetics = by_kind["energetics"]["record"]
    relaxed = Path(by_kind["interface"]["launch_dir"]) / "interface_relaxed.extxyz"
    from ase.io import read

    lif = copy.deepcopy(energetics)
    lif["reaction"] = to_dict(reaction_with_li("LiF", PHASES))
    mgf2 = copy.deepcopy(energetics)
    mgf2["reaction"] = to_dict(reaction_with_li("MgF2", PHASES))
    mgf2["w_adh_relaxed"]["converged"] = False  # an unconverged number must be marked
    sevennet = {name: json.loads((SEVENNET / f"{name}.json").read_text())
                for name in ("Li2Se", "li-li2se", "Li", "Mg-in-Li")}
    return [
        CoatingResult("LiF", "cu-ag", energetics=lif,
                      bulk_migration=by_kind["migration"]["record"],
                      relaxed_interface=read(relaxed)),
        CoatingResult("MgF2", "cu-ag", energetics=mgf2, relaxed_interface=str(relaxed),
                      solute_migration=sevennet["Mg-in-Li"],
                      mg_segregation={"surface_eV": -0.12, "interface_eV": -0.05,
                                      "converged": True, "natoms": 54,
                                      "calculator": energetics["calculator"]}),
        CoatingResult("Li2Se", "li-li2se", bulk_migration=sevennet["Li2Se"],
                      interface_migration=sevennet["li-li2se"]),
        CoatingResult("Li", "li", role="reference", bulk_migration=sevennet["Li"]),
    ]


@pytest.fixture(scope="module")
def report(rows, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "comparison"
    paths = write_report(rows, out, title="EMT + SevenNet test report",
                         campaign={"name": "emt-analogue", "calculator": "emt"})
    return out, paths


def _resolve(row, path):
    """Follow a source path ('a.b[2]["key"].c') from a CoatingResult, independently of the
    report module."""
    obj = row
    for name, index, quoted in re.findall(r'([A-Za-z_]\w*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]',
                                          path):
        if index:
            obj = obj[int(index)]
        else:
            key = name or json.loads(quoted)
            obj = obj[key] if isinstance(obj, dict) else getattr(obj, key)
    return obj


def test_all_files_are_written(report):
    out, paths = report
    figures = {p.name for p in (out / "figures").glob("*.png")}
    assert figures == FIGURES
    expected = {"report.md", "report.html", "results.json", "results.csv"} | \
        {f"figures/{f}" for f in FIGURES}
    assert set(paths) == expected
    assert all(p.is_file() and p.stat().st_size > 0 and p == out / rel
               for rel, p in paths.items())
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temp dirs left


def test_every_value_is_the_record_value_at_its_source(report, rows):
    out, _ = report
    data = json.loads((out / "results.json").read_text())
    by_name = {r.coating: r for r in rows}
    assert [e["coating"] for e in data["coatings"]] == list(by_name)
    n = 0
    for entry in data["coatings"]:
        row = by_name[entry["coating"]]
        for v in entry["values"]:
            assert set(v) >= {"name", "value", "unit", "source", "converged", "status"}
            assert v["value"] == _resolve(row, v["source"]), (entry["coating"], v)
            n += 1
    assert n > 80
    # the report's own function says the same (after the JSON round trip)
    assert json.loads(json.dumps(report_values(rows), ensure_ascii=False)) == data["coatings"]

    vals = {e["coating"]: {v["name"]: v for v in e["values"]} for e in data["coatings"]}
    lif, mgf2, li2se, li = (vals[c] for c in ("LiF", "MgF2", "Li2Se", "Li"))
    assert lif["w_adh_relaxed_J_per_m2"]["source"] == "energetics.w_adh_relaxed.w_adh_J_per_m2"
    assert lif["stable_against_li"]["value"] is True
    assert mgf2["reaction_products"]["value"] == ["LiF", "Mg"]
    assert mgf2["reaction_meV_per_atom"]["value"] < 0
    assert mgf2["w_adh_relaxed_J_per_m2"]["converged"] is False
    assert mgf2["contact_angle_deg"]["converged"] is False  # derived from it
    assert mgf2["mg_segregation_surface_eV"]["value"] == -0.12
    # a foreign atom's hop is the row's solute hop, not its Li transport
    assert mgf2["barrier_solute_eV"]["value"] == pytest.approx(0.152, abs=1e-3)
    assert mgf2["D_solute_cm2_per_s"]["source"].startswith("solute_migration.diffusivities[")
    assert "barrier_coating_eV" not in mgf2 and "sigma_solute_S_per_cm" not in mgf2
    # D at the temperature closest to 300 K (the EMT hop has 300 and 600 K)
    assert lif["D_coating_cm2_per_s"]["source"] == "bulk_migration.diffusivities[0].D_cm2_per_s"
    assert lif["D_T_K"]["value"] == 300.0
    assert li2se["barrier_coating_eV"]["value"] == pytest.approx(0.2748, abs=1e-4)
    assert li2se["barrier_interface_eV"]["warnings"]  # the NEB flag of that record
    assert li["D_coating_cm2_per_s"]["converged"] is True
    assert any(k.startswith("gamma_surface_J_per_m2[") for k in lif)
    assert "reaction_meV_per_atom" not in li2se  # what a record lacks is left out


def test_csv_matches_json(report):
    out, _ = report
    data = json.loads((out / "results.json").read_text())
    with open(out / "results.csv", newline="", encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    assert [r["coating"] for r in table] == [e["coating"] for e in data["coatings"]]
    for row, entry in zip(table, data["coatings"], strict=True):
        assert (row["system"], row["role"]) == (entry["system"], entry["role"])
        for v in entry["values"]:
            header = f"{v['name']} ({v['unit']})" if v["unit"] else v["name"]
            cell, value = row[header], v["value"]
            if isinstance(value, bool):
                assert cell == str(value).lower()
            elif isinstance(value, (int, float)):
                assert float(cell) == value
            elif isinstance(value, list):
                assert cell == ("; ".join(map(str, value)) if value else "none")
            else:
                assert cell == value
        names = {v["name"] for v in entry["values"]}
        assert {k for k, c in row.items() if c and k not in ("coating", "system", "role",
                                                              "not_converged")} == \
            {f"{v['name']} ({v['unit']})" if v["unit"] else v["name"] for v in entry["values"]}
        bad = [v["name"] for v in entry["values"] if v["converged"] is False]
        assert row["not_converged"] == "; ".join(bad) and set(bad) <= names
    units = [h for h in table[0] if "(" in h]
    assert "w_adh_relaxed_J_per_m2 (J/m²)" in units and "D_coating_cm2_per_s (cm²/s)" in units


def test_html_is_self_contained_with_one_img_per_figure(report):
    out, _ = report
    text = (out / "report.html").read_text(encoding="utf-8")
    srcs = re.findall(r'\bsrc="([^"]*)"', text)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert not re.search(r"<link\b|<script\b|\bhref=\"?(https?:|//|file:)|url\(", text)
    imgs = re.findall(r'<img\b[^>]*src="data:image/png;base64,([^"]+)"', text)
    figures = sorted((out / "figures").glob("*.png"))
    assert len(imgs) == len(figures) == text.count("<img")
    assert sorted(base64.b64decode(i) for i in imgs) == sorted(f.read_bytes() for f in figures)


def test_markdown_ranks_marks_and_sets_experiment_beside(report):
    out, _ = report
    md = (out / "report.md").read_text(encoding="utf-8")
    for fig in FIGURES:
        assert f"(figures/{fig})" in md
    assert "higher is better" in md and "lower is better" in md
    assert "1.215†" in md or re.search(r"\d†", md)  # the unconverged W_adh is marked
    assert "7.65 × 10⁻¹¹ cm² s⁻¹" in md and "Yan et al." in md  # Li self-diffusion, NMR
    assert "converts in situ to LiF + LixMg" in md and "Lim et al." in md
    assert "computed inside the range" in md  # Li2Se barrier vs 0.2–0.3 eV
    assert "How these were computed" in md and "Vineyard" in md and "registry scan" in md
    solute = md.split("### Solute hops", 1)[1].split("\n## ", 1)[0]  # its own table
    assert "| MgF2 | Mg–vacancy exchange" in solute and "| 0.152 |" in solute


def test_ranking_follows_the_criteria(report):
    out, _ = report
    data = json.loads((out / "results.json").read_text())
    ranks = {r["criterion"]: r for r in data["ranking"]}
    assert ranks["reaction_meV_per_atom"]["ranks"] == {"LiF": 1, "MgF2": 2, "Li2Se": None,
                                                       "Li": None}
    assert ranks["w_adh_relaxed_J_per_m2"]["not_converged"] == ["MgF2"]
    # reference rows are shown but not ranked; lower barrier ranks first
    assert ranks["barrier_coating_eV"]["ranks"]["Li"] is None
    assert ranks["barrier_coating_eV"]["ranks"]["Li2Se"] == 1  # 0.275 eV < 0.375 eV (EMT hop)
    assert ranking(data["coatings"]) == data["ranking"]


def test_a_band_without_a_barrier_is_not_ranked(tmp_path):
    """The SevenNet li-lif interface record: its end points relaxed into one state, the
    highest image is an end point. Its 'barrier' (0.000 eV) must not rank as the best one."""
    hop = json.loads((SEVENNET / "li-lif.json").read_text())
    fine = json.loads((SEVENNET / "Li2Se.json").read_text())
    rows = [CoatingResult("A", "a", bulk_migration=hop),
            CoatingResult("B", "b", bulk_migration=fine)]
    ranks = {r["criterion"]: r for r in ranking(report_values(rows))}
    barrier = ranks["barrier_coating_eV"]
    assert barrier["ranks"] == {"A": None, "B": 1} and barrier["not_ranked"] == ["A"]
    paths = write_report(rows, tmp_path / "r")
    md = paths["report.md"].read_text(encoding="utf-8")
    assert "| A | not ranked (1.83e-4⚑: no barrier between the end points) |" in md


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="headless Chromium not on PATH (Debian: apt-get install chromium; "
                           "scripts/setup-env.sh installs it)")
def test_html_renders_in_headless_chromium(report, tmp_path):
    import matplotlib.image as mpimg

    out, _ = report
    shot = tmp_path / "shot.png"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    f"--screenshot={shot}", "--window-size=1280,2000",
                    (out / "report.html").resolve().as_uri()],
                   capture_output=True, timeout=120, check=False)
    assert shot.is_file(), "chromium wrote no screenshot"
    img = mpimg.imread(shot)[..., :3]
    assert img.shape[:2] == (2000, 1280)
    colours = np.unique((img * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 50
    assert (img.min(axis=2) < 0.9).mean() > 0.03  # a real fraction of non-white pixels


def test_experiment_data_is_transcribed():
    li = exp.LI_SELF_DIFFUSION
    assert (li.value, li.T_K, li.source, li.conditions) == (7.65e-11, 298.15, "yan2020",
                                                            "25 °C, NMR")
    assert set(exp.EXPERIMENTS) >= {"Li2Se", "LiF", "Mg", "MgF2", "LLZO"}
    ccd = {m.coatings[0]: (m.qualifier, m.value) for m in exp.MEASUREMENTS
           if m.quantity == "critical current density"}
    assert ccd == {"LiF": ("<", 0.8), "Mg": ("<", 1.0), "MgF2": ("", 1.4)}
    lif = {m.key: m for m in exp.EXPERIMENTS["LiF"]}
    assert lif["lif-ionic-conductivity"].value == 1.7e-11
    assert lif["lif-ionic-conductivity"].value_text() == "1.7 × 10⁻¹¹ S cm⁻¹"
    assert {m.key: m.value for m in exp.EXPERIMENTS["Li2Se"]}["li2se-migration"] == (0.2, 0.3)
    for m in exp.MEASUREMENTS:
        assert m.source in exp.SOURCES and m.source in exp.SHORT
        assert m.compare_with is None or m.compare_with in QUANTITIES
        assert m.value is not None or m.observation
    assert exp.experiment_key("Li7La3Zr2O12") == "LLZO" and exp.measurements_for("Li2S") == ()


def test_partial_segregation_record_is_accepted():
    entry, = report_values([CoatingResult("Mg", "li-mg", mg_segregation={"surface_eV": -0.1})])
    assert [(v["name"], v["value"], v["converged"]) for v in entry["values"]] == \
        [("mg_segregation_surface_eV", -0.1, None)]


def test_bad_input_gives_one_line(report, rows, tmp_path):
    with pytest.raises(UserInputError, match="role 'coatingx'") as exc:
        CoatingResult("LiF", "li-lif", role="coatingx")
    assert_one_line(exc)
    out, _ = report
    with pytest.raises(UserInputError, match="exists") as exc:
        write_report(rows, out)
    assert_one_line(exc)
    with pytest.raises(UserInputError, match="twice") as exc:
        write_report([rows[3], rows[3]], tmp_path / "dup")
    assert_one_line(exc)
    with pytest.raises(UserInputError, match="record dict") as exc:
        CoatingResult("LiF", "li-lif", energetics=[1, 2])
    assert_one_line(exc)
    with pytest.raises(UserInputError, match="empty") as exc:
        write_report([], tmp_path / "none")
    assert_one_line(exc)
    assert not (tmp_path / "dup").exists() and not (tmp_path / "none").exists()
    # overwrite replaces the directory as a whole
    other = tmp_path / "again"
    write_report(rows[3:], other)
    paths = write_report(rows[2:], other, overwrite=True)
    assert "figures/neb_profiles.png" in paths and not (other / "figures" / "adhesion.png").exists()
