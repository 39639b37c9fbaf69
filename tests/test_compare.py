"""`interfacemodel compare` on the EMT analogue (workflows/emt_comparison.yaml: a Cu film on
Ag and on Au): the comparison's code path end to end in a few seconds. Every number of the
report equals the record it came from (read back independently through `results --json`);
an interrupted comparison, rerun, computes nothing twice (calculator calls counted); bad
input gets one line and exit code 2."""

import csv
import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from interfacemodel.analysis.comparison import QUANTITIES
from interfacemodel.analysis.quantities import base_name
from interfacemodel.report import CoatingResult, resolve_source

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "workflows" / "emt_comparison.yaml"
MEMBER = "emt:asap_cutoff=true"  # the spec's committee member
REPORT_FILES = {"report.md", "report.html", "results.json", "results.csv"}

COUNT_CALLS = """
    import atexit, json, os, signal
    from ase.calculators.emt import EMT
    CALLS = {"n": 0}
    _calculate = EMT.calculate
    def calculate(self, *a, **k):
        CALLS["n"] += 1
        return _calculate(self, *a, **k)
    EMT.calculate = calculate
    def _write():
        with open(os.environ["IM_TEST_CALLS"], "w") as fh:
            json.dump(CALLS, fh)
    atexit.register(_write)
    KILL_AFTER = int(os.environ.get("IM_TEST_KILL_AFTER", "0"))
    if KILL_AFTER:
        from interfacemodel.workflows import runner
        _run_one = runner._run_one
        DONE = {"n": 0}
        def run_one(*a, **k):
            fw_id = _run_one(*a, **k)
            DONE["n"] += fw_id is not None
            if DONE["n"] == KILL_AFTER:  # killed between two Fireworks, store saved
                _write()
                os.kill(os.getpid(), signal.SIGKILL)
            return fw_id
        runner._run_one = run_one
"""


def compare(*args, cwd, env_extra=None, wrapper=""):
    code = textwrap.dedent(wrapper) + \
        "\nimport sys\nfrom interfacemodel.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    env = dict(os.environ, OMP_NUM_THREADS="1", **(env_extra or {}))
    env.pop("MONGOMOCK_SERVERSTORE_FILE", None)
    return subprocess.run([sys.executable, "-c", code, "compare", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=600)


def _results(state, cwd):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.pop("MONGOMOCK_SERVERSTORE_FILE", None)
    proc = subprocess.run([sys.executable, "-m", "interfacemodel.cli", "results", "--json",
                           "--state", str(state)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def emt_comparison(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compare")
    proc = compare("--spec", SPEC, "--out", tmp / "report", "--state", tmp / "state", cwd=tmp)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return tmp, proc


def test_comparison_writes_every_report_file(emt_comparison):
    tmp, proc = emt_comparison
    out = tmp / "report"
    assert f"report: {out / 'report.html'}" in proc.stdout
    assert REPORT_FILES <= {p.name for p in out.iterdir()}
    figures = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert {"adhesion.png", "contact_angle.png", "neb_profiles.png", "arrhenius.png"} <= \
        set(figures)
    assert sum(name.startswith("interface_") for name in figures) == 2  # one per coating
    html = (out / "report.html").read_text()
    assert html.count("<img") == len(figures) and "data:image/png;base64," in html
    assert "[30/30]" in proc.stdout  # progress reached done/total


def test_every_reported_number_equals_its_record(emt_comparison):
    """results.json's numbers against the records read back through `interfacemodel
    results` (the results collection), not through the report's own inputs."""
    tmp, _ = emt_comparison
    docs = {(d["kind"], d["name"]): d["record"] for d in _results(tmp / "state", tmp)}
    rows = json.loads((tmp / "report" / "results.json").read_text())["coatings"]
    systems = {"Ag": "cu-ag", "Au": "cu-au"}
    checked = 0
    for row in rows:
        system = systems[row["coating"]]
        record = CoatingResult(
            row["coating"], system, row["role"],
            energetics=docs[("energetics", system)],
            bulk_migration=docs[("migration", f"{row['coating'].lower()}-vacancy")],
            mg_segregation=docs[("segregation", system)])
        for value in row["values"]:
            if isinstance(value["value"], (int, float)) and not isinstance(value["value"], bool):
                assert resolve_source(record, value["source"]) == pytest.approx(
                    value["value"], rel=1e-12), value["source"]
                checked += 1
    assert checked >= 30


def test_every_spread_equals_the_committee_records_by_hand(emt_comparison):
    """The spec's committee (EMT with ASAP's cutoff beside EMT): each spread in results.json
    and results.csv is the sample standard deviation of the main record's value and the
    member's, both read back through `interfacemodel results`."""
    tmp, _ = emt_comparison
    docs = {(d["kind"], d["name"]): d["record"] for d in _results(tmp / "state", tmp)}
    rows = json.loads((tmp / "report" / "results.json").read_text())["coatings"]
    csv_rows = {r["coating"]: r for r in csv.DictReader(
        (tmp / "report" / "results.csv").read_text().splitlines())}
    systems = {"Ag": "cu-ag", "Au": "cu-au"}
    checked = 0
    for row in rows:
        system, hop = systems[row["coating"]], f"{row['coating'].lower()}-vacancy"
        # the member's own records, read back as `results` gives them
        member_records = CoatingResult(
            row["coating"], system, row["role"],
            energetics=docs[("reevaluation", f"energetics:{system}:{MEMBER}")]["record"],
            bulk_migration=docs[("reevaluation", f"diffusivity:{hop}:{MEMBER}")]["record"],
            mg_segregation=docs[("reevaluation", f"segregation:{system}:{MEMBER}")]["record"])
        member = {}
        for value in row["values"]:
            if QUANTITIES[base_name(value["name"])].spread:
                member[value["name"]] = resolve_source(member_records, value["source"])
        for value in row["values"]:
            if member.get(value["name"]) is None:
                assert "spread" not in value and "spread_log10" not in value, value["name"]
                continue
            main, other = value["value"], member[value["name"]]
            assert value["committee"] == {"emt": main, MEMBER: other}
            if value["name"].endswith("_cm2_per_s") or value["name"].startswith("carrier_"):
                # decades: the spread of log10 D
                by_hand = abs(math.log10(main) - math.log10(other)) / 2 ** 0.5
                assert value["spread_log10"] == pytest.approx(by_hand, rel=1e-9, abs=1e-12)
                key = "spread_log10"
                column = f"{value['name']}_spread_log10"
            else:
                by_hand = abs(main - other) / 2 ** 0.5  # stdev of 2, n − 1
                assert value["spread"] == pytest.approx(by_hand, rel=1e-12, abs=1e-15)
                key = "spread"
                column = f"{value['name']}_spread ({value['unit']})"
            assert float(csv_rows[row["coating"]][column]) == value[key]
            checked += 1
    # W_adh ×2, γ of the parts ×2, γ_int, θ, barrier, c, D*, D, segregation ×2
    assert checked >= 2 * 12
    md = (tmp / "report" / "report.md").read_text()
    assert "±" in md and "sample standard deviation" in md


def test_rerun_reuses_everything_and_interrupted_runs_recompute_nothing(emt_comparison, tmp_path):
    tmp, _ = emt_comparison
    again = compare("--spec", SPEC, "--out", tmp_path / "again", "--state", tmp / "state",
                    cwd=tmp)
    assert again.returncode == 0, again.stderr
    assert "already submitted: continuing" in again.stdout and "0 Fireworks run" in again.stdout
    # an uninterrupted run, counted, then one killed after 8 Fireworks and rerun
    calls = {}
    for label, state, kill in (("whole", tmp_path / "s1", 0), ("killed", tmp_path / "s2", 8),
                               ("resumed", tmp_path / "s2", 0)):
        count = tmp_path / f"{label}.json"
        proc = compare("--spec", SPEC, "--out", tmp_path / f"out-{label}", "--state", state,
                       cwd=tmp_path, wrapper=COUNT_CALLS,
                       env_extra={"IM_TEST_CALLS": str(count), "IM_TEST_KILL_AFTER": str(kill)})
        assert proc.returncode == (-9 if kill else 0), proc.stdout + proc.stderr
        calls[label] = json.loads(count.read_text())["n"]
    assert "already submitted: continuing" in proc.stdout
    assert 0 < calls["killed"] < calls["whole"]
    assert calls["killed"] + calls["resumed"] == calls["whole"]  # nothing computed twice
    a = json.loads((tmp_path / "out-whole" / "results.json").read_text())["coatings"]
    b = json.loads((tmp_path / "out-resumed" / "results.json").read_text())["coatings"]
    assert [[v["value"] for v in r["values"]] for r in a] == \
        [[v["value"] for v in r["values"]] for r in b]


def test_bad_compare_input_is_one_line(tmp_path):
    def one_line(proc, fragment):
        assert proc.returncode == 2, proc.stdout + proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in proc.stderr

    one_line(compare("--spec", SPEC, "--coatings", "Ag,Unobtainium", "--state", tmp_path / "s",
                     "--out", tmp_path / "r", cwd=tmp_path), "unknown coating 'Unobtainium'")
    one_line(compare("--preset", "medium", "--out", tmp_path / "r", cwd=tmp_path),
             "unknown preset 'medium'")
    (tmp_path / "exists").mkdir()
    one_line(compare("--spec", SPEC, "--out", tmp_path / "exists", cwd=tmp_path),
             "exists; pass --overwrite")
    no_report = tmp_path / "plain.yaml"
    no_report.write_text("calculator: emt\ninterfaces: [cu-ag]\n")
    one_line(compare("--spec", no_report, "--out", tmp_path / "r", cwd=tmp_path),
             "needs a 'report' section")
    one_line(compare("--spec", SPEC, "--refine", "vasq", "--out", tmp_path / "r",
                     cwd=tmp_path), "vasq")
    one_line(compare("--spec", SPEC, "--refine", "emt:asap_cutoff=true", "--out",
                     tmp_path / "r", cwd=tmp_path), "committee member")
    assert not (tmp_path / "r").exists() and not (tmp_path / ".interfacemodel").exists()


@pytest.mark.parametrize("coatings", ["", ",,,", " , "])
def test_coatings_that_name_nothing_are_refused_before_anything_is_written(tmp_path, coatings):
    proc = compare("--spec", SPEC, "--coatings", coatings, "--state", tmp_path / "s",
                   "--out", tmp_path / "r", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "--coatings" in lines[0] and "names no coating" in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "s").exists() and not (tmp_path / "r").exists()
    assert not (tmp_path / ".interfacemodel").exists()
