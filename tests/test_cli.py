import json
import subprocess
import sys

import pytest


def run_cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "interfacemodel.cli", *args],
                          capture_output=True, text=True, **kw)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["bulk", "Unobtainium", "--calc", "emt"], "unknown bulk phase 'Unobtainium'"),
        (["bulk", "Li", "--calc", "nosuch"], "unknown calculator 'nosuch'"),
        (["bulk", "Li", "--calc", "emt"], "cannot treat Li"),
        (["bulk", "Li", "--calc", "gpaw:ecut_eV"], "malformed calculator option"),
        (["bulk", "Li", "--calc", "gpaw:ecut=3"], "has no option 'ecut'"),
        (["bulk", "Li", "--calc", "vasp"], "only writes inputs"),
        (["bulk", "Li", "--fmax", "0"], "--fmax 0.0 must be > 0"),
        (["bulk", "Li", "--fmax", "abc"], "invalid float value"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_one_line_exit_2(args, fragment):
    proc = run_cli(*args)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.lammps
def test_bulk_table_and_json(tmp_path):
    out = tmp_path / "bulk.json"
    proc = run_cli("bulk", "Li", "--calc", "lammps:li-snap", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "lammps(li-snap)" in proc.stdout and "a=3.5100" in proc.stdout
    (rec,) = json.loads(out.read_text())
    assert rec["phase"] == "Li" and rec["calculator"]["model"] == "li-snap"
    assert rec["B_GPa"] > 0 and rec["relax"]["converged"]
    # refusing to overwrite leaves the existing file intact
    before = out.read_text()
    proc = run_cli("bulk", "Li", "--calc", "lammps:li-snap", "--json", str(out))
    assert proc.returncode == 2 and "exists" in proc.stderr and out.read_text() == before


def test_catalogue_and_calculators_listings():
    proc = run_cli("catalogue")
    assert proc.returncode == 0 and "Awaka" in proc.stdout and "LLZO-cubic" in proc.stdout
    proc = run_cli("calculators")
    assert proc.returncode == 0 and "sevennet" in proc.stdout and "writes inputs only" in proc.stdout
