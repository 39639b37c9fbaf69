"""A damaged embedded store, and failures that repeat (issue 15).

* Every save keeps the previous good generations beside the store (store.json.1, .2), written
  and verified before the new store is renamed into place: a kill between any two steps
  leaves a good store.
* A truncated, empty or non-JSON store gets one line naming the file and `interfacemodel
  recover` (exit 2, no traceback) from every command that opens it; `recover` restores the
  newest good generation, lists the Fireworks that will rerun, and `run` finishes the
  campaign.
* `rerun --fizzled` holds back a Firework that fizzled twice with the same error on the same
  input; `--fresh` drops exactly its checkpoint folder and reruns it.
* Commands that do not create a state directory refuse one that does not exist, creating
  nothing.
"""

import json
import os
import shutil
from pathlib import Path

import pytest

from interfacemodel.workflows import launchpad as lpmod
from interfacemodel.workflows.launchpad import generation_paths, store_problem, write_store
from test_workflows_campaign import (
    EMT_CAMPAIGN,
    _interface_campaign,
    _ok,
    _one_line_error,
    _status,
    cli,
)

REPO = Path(__file__).resolve().parents[1]
COMPARISON = REPO / "workflows" / "emt_comparison.yaml"


def _fireworks(store: Path) -> dict[str, dict]:
    """Firework documents of a store file, by name (read as plain JSON, no FireWorks)."""
    data = json.loads(store.read_text())
    docs = data["interfacemodel"]["fireworks"]["documents"]
    return {doc["name"]: doc for _, doc in docs}


def _completed(store: Path) -> set[str]:
    return {name for name, fw in _fireworks(store).items() if fw["state"] == "COMPLETED"}


# --------------------------------------------------------------------------- generations

def test_each_save_keeps_the_previous_generations(tmp_path):
    store = tmp_path / "store.json"
    store.write_text('{"gen": 0}')
    for gen in range(1, 4):
        write_store(store, json.dumps({"gen": gen}), previous=store.read_text())
    one, two = generation_paths(store)
    assert [json.loads(p.read_text())["gen"] for p in (store, one, two)] == [3, 2, 1]
    # a damaged store is not kept as a generation: the good ones stay
    store.write_text('{"gen": ')
    write_store(store, '{"gen": 4}', previous=None)
    assert [json.loads(p.read_text())["gen"] for p in (store, one, two)] == [4, 2, 1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.json", "store.json.1",
                                                          "store.json.2"]


class _Killed(BaseException):
    pass


@pytest.mark.parametrize("kill_at", range(6))
def test_a_kill_between_any_two_steps_leaves_a_good_store(tmp_path, monkeypatch, kill_at):
    """The process dies before the k-th file operation (write, fsync, rename) of a save:
    store.json is always there and parses, holding the old or the new generation."""
    store = tmp_path / "store.json"
    store.write_text('{"gen": 1}')
    write_store(store, '{"gen": 2}', previous='{"gen": 1}')
    calls = {"n": 0}

    def dying(real):
        def op(*args, **kwargs):
            if calls["n"] == kill_at:
                raise _Killed
            calls["n"] += 1
            return real(*args, **kwargs)
        return op

    monkeypatch.setattr(lpmod.os, "replace", dying(os.replace))
    monkeypatch.setattr(lpmod.os, "fsync", dying(os.fsync))
    try:
        write_store(store, '{"gen": 3}', previous=store.read_text())
    except _Killed:
        pass
    monkeypatch.undo()
    assert store_problem(store) is None
    assert json.loads(store.read_text())["gen"] in (2, 3)
    good = [p for p in generation_paths(store) if p.exists() and not store_problem(p)]
    assert good  # and a good earlier generation is there too


def test_a_failed_write_keeps_the_store(tmp_path, monkeypatch):
    """Disk full while writing the new generation: the store is untouched, no litter."""
    store = tmp_path / "store.json"
    store.write_text('{"gen": 1}')

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(lpmod.os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        write_store(store, '{"gen": 2}', previous='{"gen": 1}')
    assert store.read_text() == '{"gen": 1}'
    assert [p.name for p in tmp_path.iterdir()] == ["store.json"]


# --------------------------------------------------------------------------- damaged store

DAMAGE = {
    "truncated": lambda text: text[: len(text) // 2],
    "empty": lambda text: "",
    "not JSON": lambda text: "this is not a store\n",
}


@pytest.fixture(scope="module")
def submitted(tmp_path_factory):
    """A state directory with the small interface campaign submitted (store + generations)."""
    tmp = tmp_path_factory.mktemp("submitted")
    state = tmp / "state"
    _ok(cli("submit", _interface_campaign(tmp), "--state", state, cwd=tmp))
    return tmp, state


def _damaged_copy(submitted, tmp_path, kind) -> Path:
    _, state = submitted
    copy = tmp_path / "state"
    shutil.copytree(state, copy)
    store = copy / "store.json"
    store.write_text(DAMAGE[kind](store.read_text()))
    return copy


COMMANDS = {
    "status": lambda spec: ["status"],
    "results": lambda spec: ["results", "--json"],
    "run": lambda spec: ["run"],
    "rerun": lambda spec: ["rerun", "--fizzled"],
    "submit": lambda spec: ["submit", spec],
    "init": lambda spec: ["init"],
    "compare": lambda spec: ["compare", "--spec", COMPARISON, "--out", "report"],
}


@pytest.mark.parametrize("kind, command", [(k, "status") for k in DAMAGE] +
                         [(k, "run") for k in DAMAGE] +
                         [("truncated", c) for c in COMMANDS if c not in ("status", "run")])
def test_a_damaged_store_gets_one_line_naming_it_and_recover(submitted, tmp_path, kind,
                                                             command):
    state = _damaged_copy(submitted, tmp_path, kind)
    store = state / "store.json"
    before = store.read_bytes()
    proc = cli(*COMMANDS[command](_interface_campaign(tmp_path)), "--state", state,
               cwd=tmp_path)
    _one_line_error(proc, str(store), "interfacemodel recover --state", "store.json.1")
    assert store.read_bytes() == before  # nothing written over it
    assert not (tmp_path / "report").exists()


def test_a_deleted_store_is_not_replaced_by_an_empty_one(submitted, tmp_path):
    """store.json gone, its generations left: submit and init refuse (recover brings it
    back) instead of starting an empty store that two saves would rotate over them."""
    _, state = submitted
    copy = tmp_path / "state"
    shutil.copytree(state, copy)
    (copy / "store.json").unlink()
    for args in (["submit", _interface_campaign(tmp_path)], ["init"], ["status"]):
        _one_line_error(cli(*args, "--state", copy, cwd=tmp_path), "is missing",
                        "interfacemodel recover")
        assert not (copy / "store.json").exists()
    newest = json.loads((copy / "store.json.1").read_text())
    _ok(cli("recover", "--state", copy, cwd=tmp_path))
    assert json.loads((copy / "store.json").read_text()) == newest
    _ok(cli("submit", _interface_campaign(tmp_path), "--state", copy, cwd=tmp_path))
    assert len(_fireworks(copy / "store.json")) == 7


def test_a_read_only_command_does_not_rewrite_the_store(submitted, tmp_path):
    _, state = submitted
    store = state / "store.json"
    before = store.stat()
    _ok(cli("status", "--state", state, cwd=tmp_path))
    _ok(cli("results", "--state", state, cwd=tmp_path))
    after = store.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_recover_restores_the_last_good_generation_and_the_campaign_finishes(tmp_path):
    state = tmp_path / "state"
    store = state / "store.json"
    _ok(cli("submit", _interface_campaign(tmp_path), "--state", state, cwd=tmp_path))
    _ok(cli("run", "--max", "3", "--state", state, cwd=tmp_path))
    assert len(_completed(store)) == 3
    # 1. the store is truncated (a disk that filled up): its last good generation is back
    last_good = generation_paths(store)[0]
    completed_then = _completed(last_good)
    store.write_text(store.read_text()[:1000])
    _one_line_error(cli("status", "--state", state, cwd=tmp_path), str(store),
                    "truncated", "interfacemodel recover")
    rec = _ok(cli("recover", "--state", state, cwd=tmp_path)).stdout
    assert "restored from store.json.1" in rec, rec
    damaged = list(state.glob("store.json.damaged-*"))
    assert len(damaged) == 1 and len(damaged[0].read_text()) == 1000  # kept for inspection
    assert completed_then <= _completed(store)
    (row,) = _status(state, tmp_path)
    assert row["counts"].get("COMPLETED", 0) >= len(completed_then)
    assert "RUNNING" not in row["counts"]  # a lost run in that generation is set to rerun
    # 2. only an older generation is good (two Fireworks ago): the Fireworks completed since
    #    (their records are in the launch folders) are listed as rerunning
    older = tmp_path / "older.json"
    shutil.copyfile(store, older)
    before = _completed(store)
    _ok(cli("run", "--max", "2", "--state", state, cwd=tmp_path))
    since = _completed(store) - before
    assert len(since) == 2
    shutil.copyfile(older, generation_paths(store)[0])
    for gen in generation_paths(store)[1:]:
        gen.unlink()
    store.write_text("")
    rec = _ok(cli("recover", "--state", state, cwd=tmp_path)).stdout
    assert "is empty" in rec and "Fireworks will rerun" in rec, rec
    listed = [line for line in rec.splitlines() if line.startswith("  fw ")]
    fws = _fireworks(store)
    for name in since:
        assert any(f"fw {fws[name]['fw_id']} {name}:" in line and "completed after" in line
                   for line in listed), rec
    assert _completed(store) == before
    # 3. a run after recovery finishes the campaign
    _ok(cli("run", "--state", state, cwd=tmp_path))
    (row,) = _status(state, tmp_path)
    assert row["counts"] == {"COMPLETED": 7}
    results = json.loads(_ok(cli("results", "--json", "--state", state, cwd=tmp_path)).stdout)
    assert len(results) == 7


def test_recover_without_a_good_generation_is_one_line(tmp_path):
    state = tmp_path / "state"
    _ok(cli("init", "--state", state, cwd=tmp_path))
    (state / "store.json").write_text("{")
    _one_line_error(cli("recover", "--state", state, cwd=tmp_path), "no good generation",
                    "backup")


# --------------------------------------------------------------------------- state dir

@pytest.mark.parametrize("args", [["run"], ["status"], ["results"], ["rerun", "--fizzled"],
                                  ["recover"]])
def test_a_state_dir_that_does_not_exist_is_refused_and_not_created(tmp_path, args):
    typo = tmp_path / "typo"
    proc = cli(*args, "--state", typo, cwd=tmp_path)
    _one_line_error(proc, str(typo), "does not exist", "init", "submit", "compare")
    assert not typo.exists()
    assert not (tmp_path / ".interfacemodel").exists()
    # a directory that holds no store is not made into one
    empty = tmp_path / "empty"
    empty.mkdir()
    _one_line_error(cli(*args, "--state", empty, cwd=tmp_path), "holds no interfacemodel store")
    assert list(empty.iterdir()) == []


# --------------------------------------------------------------------------- repeated failure

POISON = """
    from interfacemodel.flows import context, migration
    _run = migration.neb_step
    def neb_step(*args, **kwargs):
        if (context.workdir() / "poison").exists():
            raise RuntimeError("the checkpoint is poisoned")
        return _run(*args, **kwargs)
    migration.neb_step = neb_step
"""


def test_a_failure_that_repeats_is_held_and_fresh_drops_its_checkpoints(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(EMT_CAMPAIGN.parent / "data", data)
    spec = tmp_path / "hop.yaml"
    spec.write_text(json.dumps({"name": "hop", "calculator": "emt", "barriers": [
        {"name": "au-al100", "initial": "data/au_al100_initial.extxyz",
         "final": "data/au_al100_final.extxyz", "n_images": 3, "fmax": 0.02,
         "phonons": False}]}))
    state = tmp_path / "state"
    _ok(cli("submit", spec, "--state", state, cwd=tmp_path))
    fws = _fireworks(state / "store.json")
    neb, hop = fws["hop:neb:au-al100"], fws["hop:hop:au-al100"]
    checkpoints = state / "checkpoints"
    poisoned = checkpoints / neb["spec"]["_im_hash"]
    poisoned.mkdir(parents=True)
    (poisoned / "poison").write_text("")
    others = [checkpoints / hop["spec"]["_im_hash"], checkpoints / "unrelated"]
    for folder in others:
        folder.mkdir()
        (folder / "kept").write_text("")

    def run():
        proc = cli("run", "--state", state, cwd=tmp_path, wrapper=POISON)
        assert proc.returncode in (0, 1), proc.stdout + proc.stderr
        return proc

    assert "FIZZLED" in run().stdout  # once
    first = _ok(cli("rerun", "--fizzled", "--state", state, cwd=tmp_path)).stdout
    assert first.startswith("1 FIZZLED Fireworks set back to READY"), first
    assert "FIZZLED" in run().stdout  # twice: same error, same input
    held = cli("rerun", "--fizzled", "--state", state, cwd=tmp_path)
    assert held.returncode == 1, held.stdout + held.stderr
    lines = held.stdout.strip().splitlines()
    assert lines[0] == "0 FIZZLED Fireworks set back to READY", held.stdout
    (line,) = lines[1:]  # one line per such Firework
    assert f"fw {neb['fw_id']} hop:neb:au-al100" in line and "fizzled 2 times" in line
    assert "the checkpoint is poisoned" in line
    assert f"interfacemodel rerun --fizzled --fresh --fw {neb['fw_id']}" in line
    (row,) = _status(state, tmp_path)
    assert row["counts"].get("FIZZLED") == 1  # not set back: no loop
    fresh = _ok(cli("rerun", "--fizzled", "--fresh", "--fw", str(neb["fw_id"]), "--state", state,
                    cwd=tmp_path)).stdout
    assert f"checkpoints dropped: {poisoned}" in fresh and "(from scratch)" in fresh, fresh
    assert not poisoned.exists()
    assert all((folder / "kept").exists() for folder in others)  # nothing else touched
    _ok(run())
    (row,) = _status(state, tmp_path)
    assert row["counts"] == {"COMPLETED": 5}


def test_rerun_of_a_firework_that_is_not_fizzled_is_one_line(tmp_path):
    state = tmp_path / "state"
    _ok(cli("submit", _interface_campaign(tmp_path), "--state", state, cwd=tmp_path))
    _one_line_error(cli("rerun", "--fizzled", "--fw", "1", "--state", state, cwd=tmp_path),
                    "Firework 1 is", "FIZZLED")
    _one_line_error(cli("rerun", "--fizzled", "--fw", "x", "--state", state, cwd=tmp_path),
                    "--fw 'x'")
