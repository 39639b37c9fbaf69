import json
import os
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
        (["bulk", "Li", "--calc", "espresso"], "espresso: no qe_cmd set"),
        (["bulk", "Li", "--fmax", "0"], "--fmax 0.0 must be > 0"),
        (["bulk", "Li", "--fmax", "abc"], "invalid float value"),
        (["frobnicate"], "invalid choice"),
        (["energetics", "li-unobtainium"], "unknown system 'li-unobtainium'"),
        (["energetics", "li-lif", "--calc", "vasp"], "vasp: no vasp_cmd set"),
        (["energetics", "li-lif", "--calc", "emt"], "cannot treat"),
        (["energetics", "li-lif", "--fmax", "0"], "fmax=0.0 must be a number > 0"),
        (["energetics", "li-lif", "--orientation", "7"], "orientation=7 must be < "),
        (["energetics", "li-lif", "--steps", "0"], "steps=0 must be"),
        (["energetics", "li-lif", "--optimizer", "Newton"], "unknown optimizer 'Newton'"),
        (["energetics", "li-lif", "--scan", "3"], "--grid '3'"),
        (["barrier", "li-teleport"], "unknown hop kind 'li-teleport'"),
        (["barrier", "knock-off", "--host", "Li2O"], "interstitialcy"),
        (["barrier", "interstitialcy", "--host", "Li2O", "--calc", "emt"], "cannot treat"),
        (["barrier", "vacancy", "--host", "Unobtainium"], "unknown bulk phase"),
        (["barrier", "vacancy", "--T", "-5"], "temperatures_K=[-5.0] must be"),
        (["barrier", "interface", "--system", "li-nothing"], "unknown system 'li-nothing'"),
        (["barrier", "interface"], "an interface hop needs --system"),
        (["barrier", "interstitial", "--solute", "Mg"], "a solute hop is a solute–vacancy"),
        (["barrier", "interstitial", "--host", "LiF", "--calc", "emt"], "cannot treat F, Li"),
        (["barrier", "vacancy", "--defect-fraction", "2"], "defect_fraction=2.0 must be"),
        (["barrier", "vacancy", "--optimizer", "SteepestGuess"], "SteepestGuess"),
        (["barrier", "vacancy", "--system", "li-lif"], "give exactly one of 'host'"),
        (["barrier", "interface", "--system", "li-lif", "--defect-fraction", "0.1"],
         "unknown key 'defect_fraction'"),
        (["diffusivity", "no/such/barrier.json"], "not found"),
    ],
)
def test_bad_input_one_line_exit_2(args, fragment, tmp_path):
    # HOME without a worker file: the DFT codes' commands are not set
    env = {k: v for k, v in os.environ.items() if k != "FW_CONFIG_FILE"}
    proc = run_cli(*args, env={**env, "HOME": str(tmp_path)})
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_cp2k_without_a_command_or_cp2k_on_path_is_one_line(tmp_path):
    """No worker file and no cp2k_shell.psmp/mpirun on PATH: no default command either."""
    env = {k: v for k, v in os.environ.items() if k != "FW_CONFIG_FILE"}
    proc = run_cli("barrier", "vacancy", "--calc", "cp2k",
                   env={**env, "HOME": str(tmp_path), "PATH": str(tmp_path)})
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "cp2k: no cp2k_cmd set (the default 'mpirun -np <cores> cp2k_shell.psmp' needs" \
        in lines[0], lines[0]


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
    assert proc.returncode == 0 and "sevennet" in proc.stdout
    assert "runs the site's program (vasp_cmd, vasp_potcar_dir in" in proc.stdout


@pytest.mark.lammps
def test_energetics_end_to_end_with_lammps(tmp_path):
    """li-mg with the Li-Mg MEAM potential (fast): the printed table, the JSON record, and
    the numbers recomputed by hand from the energies in the record."""
    out = tmp_path / "li-mg.json"
    proc = run_cli("energetics", "li-mg", "--calc", "lammps:li-mg-meam", "--film-layers", "4",
                   "--substrate-layers", "4", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    for word in ("W_adh ideal", "W_adh relaxed", "γ_int", "contact angle", "reaction with Li",
                 "lammps(li-mg-meam)", "all relaxations converged"):
        assert word in proc.stdout
    rec = json.loads(out.read_text())
    w = rec["w_adh_relaxed"]
    by_hand = (w["film_energy_eV"] + w["substrate_energy_eV"] - w["interface_energy_eV"]) \
        / w["area_A2"] * 16.02176634
    assert w["w_adh_J_per_m2"] == pytest.approx(by_hand, rel=1e-6)
    gi = rec["interface_energy"]
    assert gi["gamma_int_J_per_m2"] == pytest.approx(
        gi["gamma_film_J_per_m2"] + gi["gamma_substrate_J_per_m2"] - w["w_adh_J_per_m2"])
    theta = rec["contact_angle"]
    import math

    assert math.cos(math.radians(theta["theta_deg"])) == pytest.approx(
        max(-1, min(1, w["w_adh_J_per_m2"] / 0.441 - 1)), abs=1e-9)
    assert rec["reaction"]["coating"] == "Mg" and rec["converged"]
    assert rec["records"] and all(r["calculator"]["label"] == "lammps(li-mg-meam)"
                                  for r in rec["records"].values())
    # a second run into the same file is refused, the file left intact
    before = out.read_text()
    proc = run_cli("energetics", "li-mg", "--calc", "lammps:li-mg-meam", "--json", str(out))
    assert proc.returncode == 2 and "exists" in proc.stderr and out.read_text() == before


@pytest.mark.lammps
def test_adhesion_convergence_helper_with_lammps():
    from interfacemodel.calculators import get_calculator
    from interfacemodel.flows.energetics import adhesion_convergence

    rec = adhesion_convergence("li-mg", get_calculator("lammps:li-mg-meam"), layers=(3, 4, 5, 6),
                               tolerance_J_per_m2=0.05)
    assert rec.layers[0] == 3 and len(rec.values) >= 2 and rec.quantity == "W_adh relaxed"
    assert all(v > 0 for v in rec.values)  # Li binds to Mg at every thickness


@pytest.mark.lammps
def test_energetics_refuses_unconverged_numbers_unless_asked():
    args = ("energetics", "li-mg", "--calc", "lammps:li-mg-meam", "--film-layers", "3",
            "--substrate-layers", "3", "--steps", "1", "--no-surfaces", "--no-reactivity")
    proc = run_cli(*args)
    assert proc.returncode == 2 and "is not converged" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run_cli(*args, "--allow-unconverged")
    assert proc.returncode == 1 and "NOT CONVERGED" in proc.stdout, proc.stderr


@pytest.mark.lammps
def test_energetics_periodic_model_counts_two_interfaces(tmp_path):
    """Periodic li-mg: n_int = 2 in W_adh, the cell normal relaxed to zero σ_zz."""
    out = tmp_path / "p.json"
    proc = run_cli("energetics", "li-mg", "--calc", "lammps:li-mg-meam", "--kind", "periodic",
                   "--film-layers", "4", "--substrate-layers", "4", "--no-surfaces",
                   "--no-reactivity", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    rec = json.loads(out.read_text())
    w = rec["w_adh_relaxed"]
    assert w["n_interfaces"] == 2
    by_hand = (w["film_energy_eV"] + w["substrate_energy_eV"] - w["interface_energy_eV"]) \
        / (2 * w["area_A2"]) * 16.02176634
    assert w["w_adh_J_per_m2"] == pytest.approx(by_hand, rel=1e-6)
    interface = rec["records"][rec["interface"]["label"]]
    assert interface["relax_normal_cell"] and abs(interface["stress_zz_GPa"]) < 0.05


@pytest.mark.lammps
def test_barrier_and_diffusivity_with_lammps_snap(tmp_path):
    """bcc Li vacancy hop with the Li SNAP potential: files written, D(T) recomputed by the
    'diffusivity' command equals the record's, the measured 25 °C point is compared."""
    out = tmp_path / "b"
    proc = run_cli("barrier", "vacancy", "--host", "Li", "--calc", "lammps:li-snap",
                   "--supercell", "2", "--images", "3", "--T", "300", "--T", "400",
                   "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert {p.name for p in out.iterdir()} == {"barrier.json", "energy_profile.png",
                                               "arrhenius.png"}
    rec = json.loads((out / "barrier.json").read_text())
    assert 0.0 < rec["neb"]["barrier_forward_eV"] < 0.3 and rec["neb"]["converged"]
    assert rec["lattice"]["z"] == 8 and rec["measured_comparison"]["D_measured_cm2_per_s"] == 7.65e-11
    proc = run_cli("diffusivity", str(out / "barrier.json"), "--T", "400",
                   "--plot", str(tmp_path / "a.png"))
    assert proc.returncode == 0, proc.stderr
    d400 = rec["diffusivities"][1]["D_cm2_per_s"]
    assert f"{d400:.3e}" in proc.stdout and (tmp_path / "a.png").stat().st_size > 1000
    proc = run_cli("barrier", "vacancy", "--calc", "lammps:li-snap", "--out", str(out))
    assert proc.returncode == 2 and "exists" in proc.stderr
