"""Campaigns through FireWorks on the embedded store, driven by the CLI in separate processes
(submit in one, run in a second, read results in a third): the EMT analogue campaign equals
the library called directly; a SIGKILLed runner loses nothing that completed and its lost
run resumes the relaxation checkpoint; identical Fireworks are not recomputed; a second
runner is refused; bad specs and a dead MongoDB LaunchPad give one line and exit code 2."""

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from interfacemodel.workflows.launchpad import runner_lock

REPO = Path(__file__).resolve().parents[1]
EMT_CAMPAIGN = REPO / "workflows" / "emt_analogue.yaml"
IFACE_SETTINGS = {"fmax": 0.05, "scan_grid": [2, 2], "max_surface_terminations": 1,
                  "reactivity": False}


def cli(*args, cwd, timeout=300, wrapper: str | None = None) -> subprocess.CompletedProcess:
    """``interfacemodel ARGS`` in a fresh process (``wrapper``: Python run before main)."""
    code = textwrap.dedent(wrapper or "") + \
        "\nimport sys\nfrom interfacemodel.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.pop("MONGOMOCK_SERVERSTORE_FILE", None)
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _ok(proc):
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def _one_line_error(proc, *fragments):
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for f in fragments:
        assert f in lines[0], lines[0]


def _interface_campaign(tmp_path, name="iface") -> Path:
    spec = tmp_path / f"{name}.yaml"
    spec.write_text(json.dumps({"name": name, "calculator": "emt",
                                "interfaces": [{"system": "cu-ag", "settings": IFACE_SETTINGS}]}))
    return spec


def _results(state, cwd) -> dict:
    docs = json.loads(_ok(cli("results", "--json", "--state", state, cwd=cwd)).stdout)
    return {(d["kind"], d["name"]): d for d in docs}


def _status(state, cwd) -> dict:
    rows = json.loads(_ok(cli("status", "--json", "--state", state, cwd=cwd)).stdout)
    return rows


@pytest.fixture(scope="module")
def library_cu_ag():
    """The cu-ag energetics with EMT from the library's steps, composed here by hand (not
    through the flow the campaign is made from)."""
    from interfacemodel.analysis.bulk import BulkProduct
    from interfacemodel.analysis.interface_energetics import EnergeticsSettings, evaluate_energetics
    from interfacemodel.analysis.interface_geometry import InterfaceProduct
    from interfacemodel.analysis.points import energies_of, points_of
    from interfacemodel.calculators import calculator_provenance, get_calculator
    from interfacemodel.procedures.interfaces import (
        adhesion_parts,
        bulk_reference,
        free_surface_slabs,
        place_interface,
        relax_interface,
    )
    from interfacemodel.records import from_dict

    calc, settings = get_calculator("emt"), from_dict(EnergeticsSettings, IFACE_SETTINGS)
    (cu, cu_ref, cu_rec), (ag, ag_ref, ag_rec) = (bulk_reference(p, calc, fmax=settings.bulk_fmax)
                                                  for p in ("Cu", "Ag"))
    model, registry = place_interface("cu-ag", calc, settings, cu, ag)
    relaxed, rec = relax_interface(model.atoms, model.label, calc, settings, None, None)
    parts = adhesion_parts(relaxed, rec, calc, settings)
    faces = ((cu, cu_ref.formula, model.film_miller, model.film_layers),
             (ag, ag_ref.formula, model.substrate_miller, model.substrate_layers))
    inputs = {"system": "cu-ag", "settings": settings,
              "interface": InterfaceProduct("cu-ag", model.metadata(), registry, relaxed, rec,
                                            model.n_interfaces, list(model.film_miller),
                                            list(model.substrate_miller), model.film_layers,
                                            model.substrate_layers),
              "film": BulkProduct("Cu", cu, cu_ref, cu_rec, len(cu)),
              "substrate": BulkProduct("Ag", ag, ag_ref, ag_rec, len(ag)), "parts": parts,
              "surfaces": free_surface_slabs(faces, calc, settings)}
    return evaluate_energetics(energies_of(points_of(inputs)), calculator_provenance(calc),
                               **inputs)


def _assert_energetics_equal(rec: dict, lib):
    assert rec["w_adh_ideal"]["w_adh_J_per_m2"] == pytest.approx(
        lib.w_adh_ideal.w_adh_J_per_m2, abs=1e-6)
    assert rec["w_adh_relaxed"]["w_adh_J_per_m2"] == pytest.approx(
        lib.w_adh_relaxed.w_adh_J_per_m2, abs=1e-6)
    assert rec["interface_energy"]["gamma_int_J_per_m2"] == pytest.approx(
        lib.interface_energy.gamma_int_J_per_m2, abs=1e-6)
    assert rec["contact_angle"]["theta_deg"] == pytest.approx(lib.contact_angle.theta_deg,
                                                              abs=1e-6)
    assert rec["surface_energies"].keys() == lib.surface_energies.keys()
    for tag, g in lib.surface_energies.items():
        assert rec["surface_energies"][tag]["gamma_J_per_m2"] == pytest.approx(
            g.gamma_J_per_m2, abs=1e-6)
    assert rec["registry"]["best_shift_frac"] == pytest.approx(lib.registry["best_shift_frac"])
    assert rec["converged"] and lib.converged


def test_emt_campaign_across_three_processes_equals_the_library(tmp_path, library_cu_ag):
    state = tmp_path / "state"
    out = _ok(cli("submit", EMT_CAMPAIGN, "--state", state, cwd=tmp_path)).stdout
    assert "submitted campaign emt-analogue with emt" in out
    run = _ok(cli("run", "--state", state, cwd=tmp_path))
    n_fw = int(out.split(": ")[1].split(" Fireworks")[0])
    assert f"[{n_fw}/{n_fw}]" in run.stdout  # progress reaches done/total
    results = _results(state, tmp_path)
    _assert_energetics_equal(results[("energetics", "cu-ag")]["record"], library_cu_ag)
    # the barrier: the same library steps called directly on the same end points
    from ase.io import read

    from interfacemodel.analysis.diffusion import surface_lattice
    from interfacemodel.analysis.hop_rates import finish_migration
    from interfacemodel.calculators import get_calculator
    from interfacemodel.procedures.hops import prepare_endpoint_hop
    from interfacemodel.procedures.migration import hop_band, hop_prefactors

    data = EMT_CAMPAIGN.parent / "data"
    ends = [read(data / f"au_al100_{k}.extxyz") for k in ("initial", "final")]
    calc = get_calculator("emt")
    case = prepare_endpoint_hop(ends[0], ends[1], label="au-al100",
                                lattice=surface_lattice(4, ends[0].cell[0, 0] / 2))
    images, neb = hop_band(case, calc, n_images=3, fmax=0.02)
    pre = hop_prefactors(case, images[0], images[neb.saddle_index], images[-1], neb, calc)
    lib = finish_migration(case, neb, pre, calc, temperatures_K=[300, 600], calc=calc)
    rec = results[("migration", "au-al100")]["record"]
    assert rec["neb"]["barrier_forward_eV"] == pytest.approx(neb.barrier_forward_eV, abs=1e-6)
    assert rec["attempt_frequency_Hz"] == pytest.approx(lib.attempt_frequency_Hz, rel=1e-6)
    assert [d["D_cm2_per_s"] for d in rec["diffusivities"]] == pytest.approx(
        [d.D_cm2_per_s for d in lib.diffusivities], rel=1e-6)
    # every record is also in its launch directory
    for doc in results.values():
        on_disk = json.loads((Path(doc["launch_dir"]) / "record.json").read_text())
        assert on_disk["key"] == doc["key"]


KILL_AT_STEP_3 = """
    import os, signal
    from interfacemodel.run import checkpoint
    _save = checkpoint.StepCheckpoint.save
    def save(self, frames, **state):
        _save(self, frames, **state)
        if self.dir.name.endswith("-slab") and state.get("steps") == 3:
            os.kill(os.getpid(), signal.SIGKILL)  # the runner dies mid-relaxation
    checkpoint.StepCheckpoint.save = save
"""


def test_killed_runner_loses_nothing_and_the_lost_run_resumes(tmp_path, library_cu_ag):
    state = tmp_path / "state"
    _ok(cli("submit", _interface_campaign(tmp_path), "--state", state, cwd=tmp_path))
    killed = cli("run", "--state", state, cwd=tmp_path, wrapper=KILL_AT_STEP_3)
    assert killed.returncode == -9, killed.stdout + killed.stderr
    (row,) = _status(state, tmp_path)
    assert row["counts"] == {"COMPLETED": 2, "RUNNING": 1, "WAITING": 4}, row
    done = _results(state, tmp_path)  # what completed before the kill, with its records
    assert {("bulk", "Cu"), ("bulk", "Ag")} <= done.keys()
    rerun = _ok(cli("run", "--state", state, cwd=tmp_path))
    assert "lost runs rerun" in rerun.stdout
    (row,) = _status(state, tmp_path)
    assert row["counts"] == {"COMPLETED": 7}
    results = _results(state, tmp_path)
    relax = results[("interface", "cu-ag")]["record"]["relax"]
    assert relax["resumed_at_step"] == 3  # continued from the checkpoint, not from scratch
    _assert_energetics_equal(results[("energetics", "cu-ag")]["record"], library_cu_ag)


def test_identical_fireworks_are_not_recomputed(tmp_path):
    state = tmp_path / "state"
    spec = _interface_campaign(tmp_path)
    _ok(cli("submit", spec, "--state", state, cwd=tmp_path))
    _ok(cli("run", "--state", state, cwd=tmp_path))
    launches = sorted((state / "launches").iterdir())
    # the same campaign again: nothing added
    again = _ok(cli("submit", spec, "--state", state, cwd=tmp_path)).stdout
    assert "already submitted (nothing added)" in again
    # another campaign holding the same interface: only its own summary Firework runs
    _ok(cli("submit", _interface_campaign(tmp_path, "other"), "--state", state, cwd=tmp_path))
    other = _ok(cli("run", "--state", state, cwd=tmp_path))
    assert "1 Fireworks run" in other.stdout and "other:summary:other" in other.stdout
    new = sorted(set((state / "launches").iterdir()) - set(launches))
    assert len(new) == 1  # the summary's launch folder; every computation was reused
    rows = _status(state, tmp_path)
    assert [r["counts"] for r in rows] == [{"COMPLETED": 7}, {"COMPLETED": 7}]


def _hop_spec(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(EMT_CAMPAIGN.parent / "data", data)
    spec = tmp_path / "hop.yaml"
    spec.write_text(json.dumps({"name": "hop", "calculator": "emt", "barriers": [
        {"name": "au-al100", "initial": "data/au_al100_initial.extxyz",
         "final": "data/au_al100_final.extxyz", "n_images": 3, "fmax": 0.02,
         "phonons": False}]}))
    return spec, data


def test_fizzled_task_keeps_its_traceback_and_reruns_after_the_fix(tmp_path):
    spec, _ = _hop_spec(tmp_path)
    state = tmp_path / "state"
    _ok(cli("submit", spec, "--state", state, cwd=tmp_path))
    checkpoints = state / "checkpoints"
    shutil.rmtree(checkpoints, ignore_errors=True)
    checkpoints.write_text("a file where the checkpoint folder belongs")  # a scratch mix-up
    failed = cli("run", "--state", state, cwd=tmp_path)
    assert failed.returncode == 1 and "FIZZLED" in failed.stdout
    (row,) = _status(state, tmp_path)
    assert row["counts"].get("FIZZLED") == 1
    assert "checkpoints" in row["fizzled"][0]["error"]
    checkpoints.unlink()
    assert "1 FIZZLED" in _ok(cli("rerun", "--fizzled", "--state", state, cwd=tmp_path)).stdout
    _ok(cli("run", "--state", state, cwd=tmp_path))
    (row,) = _status(state, tmp_path)
    assert row["counts"] == {"COMPLETED": 5}


def test_a_workflow_carries_its_input_structures_not_their_paths(tmp_path):
    spec, data = _hop_spec(tmp_path)
    state = tmp_path / "state"
    _ok(cli("submit", spec, "--state", state, cwd=tmp_path))
    shutil.rmtree(data)  # the files vanished between submission and run (a scratch purge)
    _ok(cli("run", "--state", state, cwd=tmp_path))
    (row,) = _status(state, tmp_path)
    assert row["counts"] == {"COMPLETED": 5}


PREVIOUS_RELEASE_STORE = Path(__file__).resolve().parent / "data" / "state-0.1" / "store.json"


def test_a_state_directory_of_release_0_1_is_refused_then_moved_aside_and_recomputed(tmp_path):
    spec, _ = _hop_spec(tmp_path)
    state = tmp_path / "state"
    state.mkdir()
    old = PREVIOUS_RELEASE_STORE.read_text()
    (state / "store.json").write_text(old)
    for command in (["run"], ["status"], ["results"], ["rerun", "--fizzled"]):
        _one_line_error(cli(*command, "--state", state, cwd=tmp_path), "interfacemodel 0.1",
                        "submit", "previous-release-0.1")
    assert (state / "store.json").read_text() == old  # nothing written
    out = _ok(cli("submit", spec, "--state", state, cwd=tmp_path)).stdout
    assert "moved to" in out and "computed once more" in out
    assert (state / "previous-release-0.1" / "store.json").read_text() == old
    _ok(cli("run", "--state", state, cwd=tmp_path))
    (row,) = _status(state, tmp_path)
    assert row["counts"] == {"COMPLETED": 5}


def test_a_launchpad_holding_release_0_1_fireworks_is_recognised():
    """What ``submit --launchpad`` checks on a MongoDB LaunchPad (here a mongomock database
    holding the 0.1 store's Fireworks, and one holding this release's)."""
    from types import SimpleNamespace

    import mongomock

    from interfacemodel.workflows.launchpad import holds_previous_release

    docs = json.loads(PREVIOUS_RELEASE_STORE.read_text())["interfacemodel"]["fireworks"]
    old = mongomock.MongoClient().db.fireworks
    old.insert_many([{k: v for k, v in doc.items() if k != "_id"} for _, doc in docs["documents"]])
    assert holds_previous_release(SimpleNamespace(fireworks=old))
    new = mongomock.MongoClient().db.fireworks
    new.insert_one({"fw_id": 1, "spec": {"_tasks": [
        {"_fw_name": "{{interfacemodel.workflows.jobs.JobTask}}"}]}})
    assert not holds_previous_release(SimpleNamespace(fireworks=new))


def test_a_second_runner_is_refused(tmp_path):
    state = tmp_path / "state"
    _ok(cli("init", "--state", state, cwd=tmp_path))
    with runner_lock(state):
        second = cli("run", "--state", state, cwd=tmp_path)
    _one_line_error(second, "another runner", f"pid {os.getpid()}")


@pytest.mark.parametrize("text, fragments", [
    ("name: x\ninterfaces: [system: cu-ag\n", ["not valid YAML", "line"]),
    ("interfaces:\n  - system: li-nothing\n", ["unknown system 'li-nothing'"]),
    ("calculator: vasq\ninterfaces: [cu-ag]\n", ["vasq"]),
    ("calculator: emt\ninterfaces: [li-lif]\n", ["Li"]),  # EMT has no Li
    ("interfaces: [{system: cu-ag, settings: {fmaxx: 0.1}}]\n", ["unknown key 'fmaxx'"]),
    ("barriers: [{name: b, host: LiF, mechanism: hopping}]\n", ["mechanism='hopping'"]),
    ("interfaces: [cu-ag]\ncolour: blue\n", ["unknown key 'colour'"]),
])
def test_bad_campaign_specs_get_one_line_and_exit_2(tmp_path, text, fragments):
    spec = tmp_path / "bad.yaml"
    spec.write_text(text)
    state = tmp_path / "state"
    _one_line_error(cli("submit", spec, "--state", state, cwd=tmp_path), *fragments)
    assert not (state / "store.json").exists()  # nothing was written


def test_a_launchpad_that_points_at_nothing_fails_fast(tmp_path):
    lp_file = tmp_path / "my_launchpad.yaml"
    lp_file.write_text("host: mongodb://someone:s3cret@127.0.0.1:1/fw\nname: fw\n")
    start = time.perf_counter()
    proc = cli("status", "--launchpad", lp_file, cwd=tmp_path)
    assert time.perf_counter() - start < 20
    _one_line_error(proc, "no MongoDB answered", "127.0.0.1")
    assert "s3cret" not in proc.stderr + proc.stdout  # credentials never printed
    # credentials from the environment: $VAR in the file; an unset one is named, not shown
    lp_file.write_text("host: 127.0.0.1\nport: 1\nname: fw\nusername: im\n"
                       "password: ${IM_TEST_MONGO_PASSWORD}\n")
    _one_line_error(cli("submit", EMT_CAMPAIGN, "--launchpad", lp_file, cwd=tmp_path),
                    "IM_TEST_MONGO_PASSWORD", "not set")
    os.environ["IM_TEST_MONGO_PASSWORD"] = "t0psecret"
    try:
        proc = cli("status", "--launchpad", lp_file, cwd=tmp_path)
    finally:
        del os.environ["IM_TEST_MONGO_PASSWORD"]
    _one_line_error(proc, "no MongoDB answered")
    assert "t0psecret" not in proc.stderr + proc.stdout


def test_plain_rlaunch_and_lpad_work_on_the_same_configuration(tmp_path):
    """FireWorks' own tools with FW_CONFIG_FILE: rlaunch runs one of our Fireworks, lpad
    counts it, and `interfacemodel results` takes its record from the launch directory."""
    state = tmp_path / "state"
    _ok(cli("submit", _interface_campaign(tmp_path), "--state", state, cwd=tmp_path))
    env = dict(os.environ, FW_CONFIG_FILE=str(state / "FW_config.yaml"), OMP_NUM_THREADS="1")
    env.pop("MONGOMOCK_SERVERSTORE_FILE", None)
    bin_dir = Path(sys.executable).parent
    launch = tmp_path / "plain"
    launch.mkdir()
    rl = subprocess.run([bin_dir / "rlaunch", "singleshot"], cwd=launch, env=env,
                        capture_output=True, text=True, timeout=300)
    assert rl.returncode == 0, rl.stdout + rl.stderr
    lp = subprocess.run([bin_dir / "lpad", "get_fws", "-s", "COMPLETED", "-d", "count"],
                        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert lp.returncode == 0 and lp.stdout.strip().splitlines()[-1] == "1", lp.stdout + lp.stderr
    (doc,) = _results(state, tmp_path).values()
    assert doc["kind"] == "bulk" and Path(doc["launch_dir"]) == launch  # singleshot: cwd
    assert doc["record"]["reference"]["energy_per_fu_eV"] < 0


def test_allow_unconverged_reports_flagged_numbers_instead_of_fizzling(tmp_path):
    """Relaxations cut at 3 steps: by default the adhesion step refuses the unconverged parts
    (FIZZLED, the report's join would never run); with ``allow_unconverged`` the campaign
    completes and the records say which numbers are NOT converged."""
    settings = {**IFACE_SETTINGS, "steps": 3, "surface_slabs": False}
    outcomes = {}
    for allow in (False, True):
        name = f"cut{int(allow)}"
        spec = tmp_path / f"{name}.yaml"
        spec.write_text(json.dumps({"name": name, "calculator": "emt", "interfaces": [
            {"system": "cu-ag", "settings": {**settings, "allow_unconverged": allow}}]}))
        state = tmp_path / f"state{int(allow)}"
        _ok(cli("submit", spec, "--state", state, cwd=tmp_path))
        outcomes[allow] = (cli("run", "--state", state, cwd=tmp_path), state)
    refused, state = outcomes[False]
    assert refused.returncode == 1 and "is not converged" in refused.stdout
    (row,) = _status(state, tmp_path)
    assert row["counts"].get("FIZZLED") == 1
    _ok(outcomes[True][0])
    rec = _results(outcomes[True][1], tmp_path)[("energetics", "cu-ag")]["record"]
    assert rec["w_adh_relaxed"]["converged"] is False and rec["converged"] is False
    assert rec["w_adh_relaxed"]["w_adh_J_per_m2"] > 0
