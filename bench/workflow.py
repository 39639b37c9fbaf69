"""Benchmark: what the FireWorks layer costs on the embedded store.

Run by hand:  .venv/bin/python bench/workflow.py [--n 100] [--out bench/results/workflow-vm.md]
              [--json bench/results/workflow-vm.json]

Issue 6 asks for two figures:

1. **Overhead per Firework**: a workflow of ``--n`` trivial Fireworks (a chain, each a
   FireWorks ``PyTask`` calling ``math.sqrt``), submitted and run through the package's runner
   (``workflows.runner.run``: lock, lost-run check, one launcher folder per rocket, the
   embedded store saved after every change). Wall time per Firework, and the same chain run by
   FireWorks' own ``rapidfire`` on a plain in-memory mongomock LaunchPad (no saves, nothing
   survives a crash) as the floor.
2. **Share of a real EMT campaign's wall time spent outside calculator calls**:
   ``workflows/emt_analogue.yaml`` (Cu/Ag interface energetics + Au/Al(100) barrier with
   Vineyard prefactors) submitted and run in-process. Time inside ``EMT.calculate`` and inside
   the FireTasks' ``run_task`` is accumulated; the run's wall time splits into calculator
   calls, library work around them (optimisers, builders, symmetry, phonopy), and the workflow
   machinery (FireWorks, spec passing, record writing, store saves). Target (issue 6): < 10 %
   outside calculator calls.

Each part runs in its own process (one embedded store per process).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def trivial(n: int, state: Path) -> dict:
    from fireworks import Firework, PyTask, Workflow

    from interfacemodel.workflows.runner import Project, fw_counts, run

    project = Project.locate(state)
    lp = project.launchpad(create=True)  # a new state directory
    fws = [Firework(PyTask(func="math.sqrt", args=[float(i)]), name=f"t{i}") for i in range(n)]
    links = {fws[i]: [fws[i + 1]] for i in range(n - 1)}
    t0 = time.perf_counter()
    lp.add_wf(Workflow(fws, links_dict=links, name="trivial"))
    t_add = time.perf_counter() - t0
    t0 = time.perf_counter()
    run(project, say=lambda msg: None)
    wall = time.perf_counter() - t0
    assert fw_counts(lp) == {"COMPLETED": n}, fw_counts(lp)
    return {"n": n, "submit_s": t_add, "run_s": wall, "per_fw_ms": 1e3 * wall / n,
            "store_bytes": (state / "store.json").stat().st_size}


def trivial_floor(n: int, tmp: Path) -> dict:
    """The same chain on FireWorks' plain mongomock LaunchPad (in memory, never saved)."""
    import fireworks.core.launchpad as fw_launchpad
    import mongomock
    from fireworks import Firework, FWorker, LaunchPad, PyTask, Workflow
    from fireworks.core.rocket_launcher import rapidfire
    from mongomock.gridfs import enable_gridfs_integration

    enable_gridfs_integration()
    fw_launchpad.MongoClient = mongomock.MongoClient
    lp = LaunchPad(host="localhost", name="floor", strm_lvl="ERROR")
    lp.reset("", require_password=False)
    fws = [Firework(PyTask(func="math.sqrt", args=[float(i)]), name=f"t{i}") for i in range(n)]
    links = {fws[i]: [fws[i + 1]] for i in range(n - 1)}
    lp.add_wf(Workflow(fws, links_dict=links, name="trivial"))
    import fireworks.core.rocket as fw_rocket

    fw_rocket.ROCKET_STREAM_LOGLEVEL = "ERROR"
    t0 = time.perf_counter()
    rapidfire(lp, FWorker(), m_dir=str(tmp), strm_lvl="ERROR")
    wall = time.perf_counter() - t0
    return {"n": n, "run_s": wall, "per_fw_ms": 1e3 * wall / n}


def campaign(state: Path, calc_spec: str) -> dict:
    from interfacemodel.flows import context
    from interfacemodel.workflows import jobs
    from interfacemodel.workflows.runner import Project, fw_counts, run, submit

    acc = {"calc_s": 0.0, "calc_calls": 0, "task_s": 0.0}
    make = context._calculator

    def timed_calculator(spec):
        """The workflow's calculator, its class's ``calculate`` timed (NEB images get their
        own instances of the same class)."""
        calc = make(spec)
        cls = type(calc)
        if not cls.__dict__.get("_bench_timed", False):
            calculate = cls.calculate

            def timed(self, *args, **kwargs):
                t = time.perf_counter()
                try:
                    return calculate(self, *args, **kwargs)
                finally:
                    acc["calc_s"] += time.perf_counter() - t
                    acc["calc_calls"] += 1

            cls.calculate = timed
            cls._bench_timed = True
        return calc

    context._calculator = timed_calculator
    jobs.JobTask.run_task = _timed(jobs.JobTask.run_task, acc)  # the one generic FireTask
    t0 = time.perf_counter()
    _heavy_imports()  # once per runner process; timed apart from the campaign
    t_imports = time.perf_counter() - t0
    project = Project.locate(state)
    t0 = time.perf_counter()
    make(calc_spec)  # load the model outside the timed run (SevenNet: seconds)
    added = submit(project, REPO / "workflows" / "emt_analogue.yaml", calc_spec)
    t_submit = time.perf_counter() - t0
    t0 = time.perf_counter()
    run(project, say=lambda msg: None)
    wall = time.perf_counter() - t0
    counts = fw_counts(project.launchpad())
    outside = wall - acc["calc_s"]
    return {"fireworks": added["fireworks"], "states": dict(counts), "submit_s": t_submit,
            "imports_s": t_imports, "calculator": calc_spec,
            "run_s": wall, "calculator_s": acc["calc_s"], "calculator_calls": acc["calc_calls"],
            "tasks_s": acc["task_s"], "library_outside_calculator_s": acc["task_s"] - acc["calc_s"],
            "workflow_machinery_s": wall - acc["task_s"],
            "share_outside_calculator": outside / wall,
            "share_workflow_machinery": (wall - acc["task_s"]) / wall}


def _heavy_imports() -> None:
    """What a runner process imports on its first interface or phonon task (pymatgen's
    interface and bond-valence modules read large YAML files on import: seconds)."""
    import phonopy  # noqa: F401
    import pymatgen.analysis.interfaces.coherent_interfaces  # noqa: F401
    import pymatgen.analysis.local_env  # noqa: F401
    from pymatgen.analysis.bond_valence import BVAnalyzer  # noqa: F401


def _timed(method, acc):
    def wrapper(self, fw_spec):
        t = time.perf_counter()
        try:
            return method(self, fw_spec)
        finally:
            acc["task_s"] += time.perf_counter() - t

    return wrapper


def _child(part: str, n: int, calc: str = "emt") -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, OMP_NUM_THREADS="1")
        proc = subprocess.run([sys.executable, __file__, "--part", part, "--n", str(n),
                               "--calc", calc, "--tmp", tmp], capture_output=True, text=True,
                              env=env, cwd=tmp)
        if proc.returncode:
            raise SystemExit(f"{part} failed:\n{proc.stderr[-3000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100, help="trivial Fireworks in the chain")
    ap.add_argument("--out", default=str(REPO / "bench/results/workflow-vm.md"))
    ap.add_argument("--json", default=str(REPO / "bench/results/workflow-vm.json"))
    ap.add_argument("--calcs", nargs="+", default=["emt", "sevennet"],
                    help="calculators for the analogue campaign (SevenNet covers Cu/Ag/Au/Al)")
    ap.add_argument("--part", choices=("trivial", "floor", "campaign"), help=argparse.SUPPRESS)
    ap.add_argument("--calc", default="emt", help=argparse.SUPPRESS)
    ap.add_argument("--tmp", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.part:
        tmp = Path(args.tmp)
        os.chdir(tmp)
        out = {"trivial": lambda: trivial(args.n, tmp / "state"),
               "floor": lambda: trivial_floor(args.n, tmp),
               "campaign": lambda: campaign(tmp / "state", args.calc)}[args.part]()
        print(json.dumps(out))
        return
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    res = {"machine": machine, "trivial": _child("trivial", args.n),
           "floor": _child("floor", args.n),
           "campaigns": [_child("campaign", args.n, c) for c in args.calcs]}
    Path(args.json).write_text(json.dumps(res, indent=2) + "\n")
    t, f = res["trivial"], res["floor"]
    lines = [
        "# bench/workflow.py: cost of the FireWorks layer (embedded store)", "",
        f"Machine: {machine}; `OMP_NUM_THREADS=1`. Command: `.venv/bin/python bench/workflow.py "
        f"--n {args.n} --calcs {' '.join(args.calcs)}`.", "",
        f"## {t['n']} trivial Fireworks (a chain of PyTask math.sqrt)", "",
        "| runner | run (s) | per Firework (ms) |", "|---|---|---|",
        f"| package runner (lock, lost-run check, store saved after every change) | "
        f"{t['run_s']:.2f} | {t['per_fw_ms']:.1f} |",
        f"| FireWorks rapidfire on in-memory mongomock (nothing saved; the floor) | "
        f"{f['run_s']:.2f} | {f['per_fw_ms']:.1f} |", "",
        f"Submit: {t['submit_s']:.2f} s; store after the run: {t['store_bytes'] / 1e3:.0f} kB.", "",
        "## The analogue campaign (workflows/emt_analogue.yaml: Cu/Ag energetics + Au/Al(100) "
        "barrier with Vineyard prefactors)", "",
        "| calculator | Fireworks | run (s) | calculator calls | in calls (s) | library around "
        "them (s) | workflow machinery (s) | outside calls | machinery share |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in res["campaigns"]:
        lines.append(
            f"| {c['calculator']} | {c['fireworks']} | {c['run_s']:.2f} | {c['calculator_calls']} "
            f"| {c['calculator_s']:.2f} | {c['library_outside_calculator_s']:.2f} | "
            f"{c['workflow_machinery_s']:.2f} | {100 * c['share_outside_calculator']:.1f} % | "
            f"{100 * c['share_workflow_machinery']:.1f} % |")
    lines += ["", "Target (issue 6): < 10 % of the wall time outside calculator calls. 'Library "
              "around them': optimisers, builders, lattice matching, symmetry, phonopy; "
              "'workflow machinery': FireWorks, spec passing, records, store saves. Imports a "
              "runner process pays once before its first task (pymatgen interfaces, phonopy) "
              "are timed apart: " + ", ".join(f"{c['calculator']} {c['imports_s']:.2f} s"
                                              for c in res["campaigns"]) + "."]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
