"""The cluster templates in hpc/: what `qlaunch -r` writes and submits with the SLURM and PBS
queue adapters, and what the submitted job then does.

There is no batch system and no MongoDB server here. So a fake `sbatch`/`qsub` keeps the
submitted script and answers with a job id in the scheduler's format, the LaunchPad is the
embedded store laid out where hpc/README.md puts the cluster configuration
(``$HOME/interfacemodel-fw``, under a temporary HOME), and the "job" is the submitted script
run by bash with a bare environment: it reaches the LaunchPad only if its pre_rocket activates
the venv and exports ``FW_CONFIG_FILE``. The store is opened in subprocesses (one store per
process, set through the environment as FireWorks requires), and once per module.
"""

import inspect
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

HPC = Path(__file__).resolve().parents[1] / "hpc"
VENV_BIN = Path(sys.executable).parent
#: queue type -> (template folder, submit command, what it prints, the job id FireWorks parses)
QUEUES = {
    "SLURM": ("slurm", "sbatch", "Submitted batch job 4242", "4242"),
    "PBS": ("pbs", "qsub", "4243.pbs-server.example.org", "4243"),
}
FAKE_SUBMIT = """\
#!/bin/sh
# stands in for {cmd}: keep the script, answer like the real one
cp "$1" "$FAKE_QUEUE_DIR/{name}.script"
pwd > "$FAKE_QUEUE_DIR/{name}.cwd"
echo "{reply}"
"""
QLAUNCH = """
import json, sys, warnings
from fireworks import Firework, FWorker, ScriptTask
from fireworks.queue.queue_launcher import launch_rocket_to_queue
from fireworks.utilities.fw_serializers import load_object_from_file
from interfacemodel.workflows.launchpad import embedded_launchpad

fw_dir, runs, queues = sys.argv[1], sys.argv[2], sys.argv[3:]
lp = embedded_launchpad(fw_dir)
lp.reset("", require_password=False)
for q in queues:
    lp.add_wf(Firework(ScriptTask.from_str("echo ran > ran.txt"), name=f"hpc-{q}"))
fworker = FWorker.from_file(f"{fw_dir}/my_fworker.yaml")
out = {}
for q in queues:
    qadapter = load_object_from_file(f"{fw_dir}/{q}_qadapter.yaml")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        job_id = launch_rocket_to_queue(lp, fworker, qadapter, launcher_dir=f"{runs}/{q}",
                                        reserve=True, create_launcher_dir=True,
                                        strm_lvl="ERROR")
    out[q] = {"job_id": job_id, "warnings": [str(w.message) for w in caught]}
print(json.dumps(out))
"""


def _template_text(queue: str) -> str:
    return (HPC / QUEUES[queue][0] / "my_qadapter.yaml").read_text()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Lay out ~/interfacemodel-fw as hpc/README.md says, `qlaunch -r` one Firework per queue
    type through the fake submit commands, then run each submitted script as its job."""
    root = tmp_path_factory.mktemp("cluster")
    home = root / "home"
    fw_dir = home / "interfacemodel-fw"
    (fw_dir / "logs").mkdir(parents=True)
    shutil.copy(HPC / "my_fworker.yaml", fw_dir / "my_fworker.yaml")
    for q in QUEUES:  # the README's one substitution: /home/YOUR_USER -> $HOME
        text = _template_text(q).replace("/home/YOUR_USER", str(home))
        (fw_dir / f"{q}_qadapter.yaml").write_text(text)
    # the venv the pre_rocket activates: here, the one running the tests
    activate = home / "interfacemodel" / ".venv" / "bin" / "activate"
    activate.parent.mkdir(parents=True)
    activate.write_text(f'export VIRTUAL_ENV="{VENV_BIN.parent}"\n'
                        f'export PATH="{VENV_BIN}:$PATH"\n')
    fake_bin, queue_dir, runs = root / "bin", root / "queue", root / "runs"
    for d in (fake_bin, queue_dir, *(runs / q for q in QUEUES)):
        d.mkdir(parents=True)
    for q, (_, cmd, reply, _) in QUEUES.items():
        (fake_bin / cmd).write_text(FAKE_SUBMIT.format(cmd=cmd, name=q, reply=reply))
        (fake_bin / cmd).chmod(0o755)

    env = {k: v for k, v in os.environ.items()
           if k not in ("FW_CONFIG_FILE", "MONGOMOCK_SERVERSTORE_FILE")}
    env.update(PATH=f"{fake_bin}{os.pathsep}{env.get('PATH', '')}", FAKE_QUEUE_DIR=str(queue_dir),
               HOME=str(home))
    launch = subprocess.run([sys.executable, "-c", textwrap.dedent(QLAUNCH), str(fw_dir),
                             str(runs), *QUEUES], cwd=root, env=env, capture_output=True,
                            text=True, timeout=120)
    assert launch.returncode == 0, launch.stdout + launch.stderr
    submitted = json.loads(launch.stdout.strip().splitlines()[-1])

    jobs = {}
    for q in QUEUES:
        script = queue_dir / f"{q}.script"
        if not script.exists():
            continue
        # the job starts in HOME with what a batch system gives: no venv, no FireWorks vars
        job_env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1",
                   "LANG": "C.UTF-8"}
        jobs[q] = subprocess.run(["bash", str(script)], cwd=home, env=job_env,
                                 capture_output=True, text=True, timeout=120)
    store = json.loads((fw_dir / "store.json").read_text())
    # mongomock_persistence layout: database -> collection -> documents as [_id, document]
    states = {doc["name"]: doc["state"]
              for _, doc in store["interfacemodel"]["fireworks"]["documents"]}
    return {"home": home, "fw_dir": fw_dir, "queue_dir": queue_dir, "runs": runs,
            "submitted": submitted, "jobs": jobs, "states": states}


@pytest.mark.parametrize("queue", QUEUES)
def test_qlaunch_submits_through_the_queue_command(cluster, queue):
    _, _, _, job_id = QUEUES[queue]
    result = cluster["submitted"][queue]
    assert result["job_id"] == job_id  # the scheduler's reply was parsed
    # every key of the template is one the FireWorks template substitutes
    assert not [w for w in result["warnings"] if "not present in template" in w]
    script = cluster["queue_dir"] / f"{queue}.script"
    assert script.exists()
    launcher = Path((cluster["queue_dir"] / f"{queue}.cwd").read_text().strip())
    assert launcher.parent == cluster["runs"] / queue and launcher.name.startswith("launcher_")
    assert (launcher / "FW_submit.script").read_text() == script.read_text()


@pytest.mark.parametrize("queue", QUEUES)
def test_script_directives(cluster, queue):
    script = (cluster["queue_dir"] / f"{queue}.script").read_text()
    name = f"hpc-{queue}"  # qlaunch -r names the job after the Firework
    if queue == "SLURM":
        expected = ["#SBATCH --nodes=1", "#SBATCH --ntasks=64", "#SBATCH --time=24:00:00",
                    "#SBATCH --partition=YOUR_PARTITION", "#SBATCH --account=YOUR_ACCOUNT",
                    f"#SBATCH --job-name={name}"]
        prefix = "#SBATCH"
    else:
        expected = ["#PBS -l nodes=1:ppn=32", "#PBS -l walltime=24:00:00", "#PBS -q YOUR_QUEUE",
                    "#PBS -A YOUR_ACCOUNT", f"#PBS -N {name}"]
        prefix = "#PBS"
    lines = script.splitlines()
    for directive in expected:
        assert directive in lines, f"{directive!r} missing from\n{script}"
    assert "$$" not in script  # every template variable was filled or its line dropped
    assert not [ln for ln in lines if ln.startswith(prefix) and ln.rstrip().endswith("=")]


@pytest.mark.parametrize("queue", QUEUES)
def test_fw_config_is_exported_before_rlaunch(cluster, queue):
    lines = (cluster["queue_dir"] / f"{queue}.script").read_text().splitlines()
    fw_id = {"SLURM": 1, "PBS": 2}[queue]  # reserved in this order
    export = [i for i, ln in enumerate(lines)
              if ln.strip() == "export FW_CONFIG_FILE=$HOME/interfacemodel-fw/FW_config.yaml"]
    activate = [i for i, ln in enumerate(lines)
                if ln.strip() == "source $HOME/interfacemodel/.venv/bin/activate"]
    rlaunch = [i for i, ln in enumerate(lines) if ln.strip().startswith("rlaunch")]
    cd = [i for i, ln in enumerate(lines) if ln.startswith("cd ")]
    assert export and activate, "pre_rocket lost the venv or the FW_CONFIG_FILE export"
    assert len(rlaunch) == 1 and lines[rlaunch[0]].strip() == f"rlaunch singleshot --fw_id {fw_id}"
    assert len(cd) == 1 and max(export[0], activate[0]) < cd[0] < rlaunch[0]


@pytest.mark.parametrize("queue", QUEUES)
def test_the_job_reaches_the_launchpad_through_the_export(cluster, queue):
    job = cluster["jobs"][queue]
    assert job.returncode == 0, job.stdout + job.stderr
    launcher = Path((cluster["queue_dir"] / f"{queue}.cwd").read_text().strip())
    assert (launcher / "ran.txt").read_text().strip() == "ran"  # ran in its launch folder
    assert cluster["states"][f"hpc-{queue}"] == "COMPLETED"


def test_config_templates_are_valid_fireworks_files():
    import fireworks.fw_config as fw_config
    from fireworks import FWorker, LaunchPad

    config = yaml.safe_load((HPC / "FW_config.yaml").read_text())
    assert set(config) <= {k for k in vars(fw_config) if k.isupper()}  # FireWorks rejects others
    assert "MONGOMOCK_SERVERSTORE_FILE" not in config
    assert config["RUN_EXPIRATION_SECS"] >= 3 * config["PING_TIME_SECS"]
    for key in ("LAUNCHPAD_LOC", "FWORKER_LOC", "QUEUEADAPTER_LOC"):
        assert config[key].startswith("/home/YOUR_USER/interfacemodel-fw/")

    launchpad = yaml.safe_load((HPC / "my_launchpad.yaml").read_text())
    accepted = set(inspect.signature(LaunchPad.__init__).parameters) - {"self"}
    assert set(launchpad) <= accepted
    assert {"host", "port", "name", "username", "password"} <= set(launchpad)
    assert "uri_mode: true" in (HPC / "my_launchpad.yaml").read_text()  # the Atlas form

    fworker = FWorker.from_file(str(HPC / "my_fworker.yaml"))
    assert {"vasp_cmd", "qe_cmd"} <= set(fworker.env)


def test_dft_settings_use_the_calculator_options():
    from interfacemodel.calculators.registry import backend

    vasp = yaml.safe_load((HPC / "vasp" / "settings.yaml").read_text())
    resolved = backend("vasp").resolve_options(vasp["calculator"])  # unknown keys raise
    assert resolved["encut_eV"] == vasp["incar"]["ENCUT"] == 520
    assert vasp["incar"]["ISMEAR"] == 1 and vasp["incar"]["SIGMA"] == 0.1
    assert vasp["incar"]["LDIPOL"] is True and vasp["incar"]["IDIPOL"] == 3
    spec = (HPC / "vasp" / "POTCAR.spec").read_text().split()
    assert spec == list(vasp["potcar"].values())
    assert set(vasp["potcar"]) == {"Li", "Se", "F", "Mg", "La", "Zr", "O", "S"}
    import pymatgen.io.vasp as pmg_vasp  # the writer's POTCAR.spec comes from MPRelaxSet

    mp = yaml.safe_load((Path(pmg_vasp.__file__).parent / "MPRelaxSet.yaml").read_text())
    assert {el: mp["POTCAR"][el] for el in vasp["potcar"]} == vasp["potcar"]

    qe = yaml.safe_load((HPC / "espresso" / "settings.yaml").read_text())
    resolved = backend("espresso").resolve_options(qe["calculator"])
    sssp = qe["sssp_efficiency_1_3_0"]
    assert set(sssp) == set(vasp["potcar"])
    assert resolved["ecutwfc_Ry"] >= max(p["ecutwfc"] for p in sssp.values())
    assert resolved["ecutrho_Ry"] >= max(p["ecutrho"] for p in sssp.values())
    assert resolved["smearing_Ry"] == 0.01
    assert resolved["pseudos"] == ";".join(f"{el}={sssp[el]['file']}" for el in sorted(sssp))
