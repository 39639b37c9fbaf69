"""The embedded LaunchPad: state directory, saves that survive SIGKILL, one runner at a time,
plain `lpad` on the same configuration. Each process that opens a store runs as a subprocess
(one store per process, set through the environment as FireWorks requires)."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from checks import assert_one_line
from interfacemodel.errors import UserInputError
from interfacemodel.workflows.launchpad import init_state_dir, runner_lock


def _python(code: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_state_dir_files_and_the_store_is_kept(tmp_path):
    config = init_state_dir(tmp_path / "state")
    state = config.parent
    assert {p.name for p in state.iterdir()} >= {"store.json", "FW_config.yaml",
                                                 "my_launchpad.yaml", "my_fworker.yaml"}
    assert json.loads((state / "store.json").read_text()) == {}
    (state / "store.json").write_text('{"kept": {}}')
    init_state_dir(state)  # a second init completes, never resets
    assert json.loads((state / "store.json").read_text()) == {"kept": {}}
    (tmp_path / "file").write_text("")
    with pytest.raises(UserInputError, match="not a directory") as exc:
        init_state_dir(tmp_path / "file")
    assert_one_line(exc)


def test_completed_firework_survives_sigkill_and_plain_lpad_reads_it(tmp_path):
    state = tmp_path / "state"
    run = _python(f"""
        import os, signal
        from fireworks import Firework, FWorker, ScriptTask, Workflow
        from fireworks.core.rocket_launcher import launch_rocket
        from interfacemodel.workflows.launchpad import embedded_launchpad
        lp = embedded_launchpad({str(state)!r})
        lp.reset("", require_password=False)
        a = Firework(ScriptTask.from_str("echo a"), name="a", fw_id=1)
        b = Firework(ScriptTask.from_str("echo b"), name="b", fw_id=2)
        lp.add_wf(Workflow([a, b], {{a: [b]}}))
        launch_rocket(lp, FWorker(), strm_lvl="ERROR")  # completes "a" only
        os.kill(os.getpid(), signal.SIGKILL)  # no exit handler runs
        """, tmp_path)
    assert run.returncode == -9, run.stderr
    read = _python(f"""
        from interfacemodel.workflows.launchpad import embedded_launchpad
        lp = embedded_launchpad({str(state)!r})
        print({{fw["name"]: fw["state"] for fw in lp.fireworks.find({{}}, {{"name": 1, "state": 1}})}})
        """, tmp_path)
    assert read.returncode == 0, read.stderr
    assert "'a': 'COMPLETED'" in read.stdout and "'b': 'READY'" in read.stdout
    env = {**os.environ, "FW_CONFIG_FILE": str(state / "FW_config.yaml")}
    env.pop("MONGOMOCK_SERVERSTORE_FILE", None)
    lpad = subprocess.run([os.path.join(os.path.dirname(sys.executable), "lpad"), "get_fws",
                           "-s", "COMPLETED", "-d", "ids"], cwd=state, env=env,
                          capture_output=True, text=True, timeout=120)
    assert lpad.returncode == 0, lpad.stderr
    assert lpad.stdout.strip() == "1"


def test_second_runner_is_refused(tmp_path):
    with runner_lock(tmp_path):
        with pytest.raises(UserInputError, match=f"another runner \\(pid {os.getpid()}\\)") as exc:
            with runner_lock(tmp_path):
                pass
        assert_one_line(exc)
    with runner_lock(tmp_path):  # released: free again
        pass
