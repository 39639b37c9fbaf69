"""The EMT comparison (workflows/emt_comparison.yaml) SIGKILLed at many instants, in real
processes, and resumed each time on the same state until it finishes (issue 15).

Kill points are hooks counted within each process, so every resumed process is killed again
further on and each chain of kills walks through the whole campaign: at the n-th EMT
calculation (anywhere: scans, bulk relaxations, slabs, segregation sites, NEB images), right
after the n-th optimiser memory dump (the instant of the old L-BFGS failure), right after
the n-th dump of an NEB optimiser, just before and just after the n-th checkpoint commit,
and just before and just after the n-th rename of the embedded store. Every chain must end
with the uninterrupted run's results.json (1e-9 relative) and with no more real EMT
calculations than the uninterrupted run plus one per kill; and after every kill, every
Firework the store on disk holds as COMPLETED has its job's output in that store (issue 16:
the outputs live in the store's ``outputs`` collection and are saved with the states).
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # seven chains of killed processes: about 3 min on 2 cores

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "workflows" / "emt_comparison.yaml"

HOOKS = """
    import atexit, json, os, signal
    from ase.calculators.emt import EMT
    from interfacemodel.run import checkpoint
    EV = {"calls": 0, "dump": 0, "neb-dump": 0, "ckpt": 0, "store": 0}
    KIND, AT = os.environ["IM_KILL_KIND"], int(os.environ["IM_KILL_AT"])

    def write():
        with open(os.environ["IM_TEST_EVENTS"], "w") as fh:
            json.dump(EV, fh)

    atexit.register(write)

    def event(name, when=None):
        EV[name] += 1 if when != "after" else 0
        if KIND == (name if when is None else f"{name}-{when}") and EV[name] == AT:
            write()
            os.kill(os.getpid(), signal.SIGKILL)

    _calculate = EMT.calculate
    def calculate(self, *a, **k):
        event("calls")
        return _calculate(self, *a, **k)
    EMT.calculate = calculate

    _dump = checkpoint._MemoryTap.dump
    def dump(self, *a, **k):
        _dump(self, *a, **k)
        if type(getattr(self.owner, "atoms", None)).__name__ in ("NEB", "DyNEB"):
            event("neb-dump")
        event("dump")
    checkpoint._MemoryTap.dump = dump

    _replace = os.replace
    def replace(src, dst):
        name = {"checkpoint.npz": "ckpt", "store.json": "store"}.get(os.path.basename(str(dst)))
        if name:
            event(name, "before")
        _replace(src, dst)
        if name:
            event(name, "after")
    os.replace = replace
"""


def _compare(state, out, events, kind="", at=0):
    code = textwrap.dedent(HOOKS) + \
        "\nimport sys\nfrom interfacemodel.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    env = dict(os.environ, OMP_NUM_THREADS="1", IM_TEST_EVENTS=str(events),
               IM_KILL_KIND=kind, IM_KILL_AT=str(at))
    env.pop("MONGOMOCK_SERVERSTORE_FILE", None)
    proc = subprocess.run([sys.executable, "-c", code, "compare", "--spec", str(SPEC),
                           "--state", str(state), "--out", str(out), "--overwrite"],
                          env=env, capture_output=True, text=True, timeout=600)
    return proc, json.loads(Path(events).read_text())


def _outputs_missing(state) -> list[str]:
    """COMPLETED Fireworks of the store on disk whose job output is not in it (read as plain
    JSON): the outputs must be as durable as the Fireworks' states."""
    store = Path(state) / "store.json"
    if not store.exists():
        return []
    db = json.loads(store.read_text())["interfacemodel"]
    have = {doc["uuid"] for _, doc in db.get("outputs", {}).get("documents", [])}
    return [fw["name"] for _, fw in db["fireworks"]["documents"]
            if fw["state"] == "COMPLETED" and fw["spec"]["_im_hash"] not in have]


def _values(out) -> list:
    rows = json.loads((Path(out) / "results.json").read_text())["coatings"]
    return [(row["coating"], v["source"], v["value"]) for row in rows for v in row["values"]]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("whole")
    proc, events = _compare(tmp / "state", tmp / "out", tmp / "events.json")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return _values(tmp / "out"), events


#: (kill point, n-th event in each process): chosen so that each chain is killed several
#: times between its first Firework and its report
CHAINS = [("calls", 30), ("dump", 25), ("neb-dump", 3), ("ckpt-before", 40),
          ("ckpt-after", 45), ("store-before", 12), ("store-after", 14)]


@pytest.fixture(scope="module")
def chains(tmp_path_factory):
    out, missing = {}, {}
    for kind, at in CHAINS:
        tmp = tmp_path_factory.mktemp(kind)
        kills, calls = 0, 0
        while True:
            proc, events = _compare(tmp / "state", tmp / "out", tmp / "events.json", kind, at)
            calls += events["calls"]
            missing[f"{kind} after kill {kills}"] = _outputs_missing(tmp / "state")
            if proc.returncode == 0:
                break
            assert proc.returncode == -9, proc.stdout[-3000:] + proc.stderr[-3000:]
            kills += 1
            assert kills < 60, f"{kind}:{at} does not finish"
        out[kind] = (kills, calls, _values(tmp / "out"))
    out["outputs missing"] = missing
    return out


def test_no_kill_leaves_a_completed_firework_without_its_job_output(chains):
    missing = chains["outputs missing"]
    assert len(missing) > 20  # every process of every chain was looked at
    assert not any(missing.values()), {k: v for k, v in missing.items() if v}


def test_at_least_twenty_kills_spread_over_the_campaign(chains):
    kills = {kind: chains[kind][0] for kind, _ in CHAINS}
    print("kills per chain:", kills,
          "calculations:", {k: chains[k][1] for k in kills})
    assert sum(kills.values()) >= 20, kills
    assert all(k >= 1 for k in kills.values()), kills


@pytest.mark.parametrize("kind", [kind for kind, _ in CHAINS])
def test_every_killed_campaign_finishes_with_the_uninterrupted_numbers(chains, uninterrupted,
                                                                      kind):
    whole, _ = uninterrupted
    kills, _, values = chains[kind]
    assert len(values) == len(whole) and len(whole) > 30
    for (coating, source, a), (coating_b, source_b, b) in zip(whole, values, strict=True):
        assert (coating, source) == (coating_b, source_b)
        if isinstance(a, float) and isinstance(b, float):
            assert b == pytest.approx(a, rel=1e-9, abs=1e-12), (kind, kills, coating, source)
        else:
            assert a == b, (kind, kills, coating, source)


@pytest.mark.parametrize("kind", [kind for kind, _ in CHAINS])
def test_killed_and_resumed_calculations_are_at_most_one_more_per_kill(chains, uninterrupted,
                                                                      kind):
    """Real EMT calculations summed over every process of the chain: what was computed
    before a kill is never computed again (relaxation and NEB checkpoints, the calculation
    journal of every other step); what is lost is the calculation in flight."""
    _, whole_events = uninterrupted
    kills, calls, _ = chains[kind]
    assert calls <= whole_events["calls"] + kills, (kind, kills, calls, whole_events)
