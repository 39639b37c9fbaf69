"""Benchmark: batched ML-potential evaluation against one structure at a time (issue 8).

Run by hand:  .venv/bin/python bench/batched.py [--device auto] [--calc sevennet]
              [--grid 8 8] [--layers 2 2] [--neb-steps 12] [--supercell N] [--n-images 5]
              [--parts registry neb] [--tag NAME] [--out-dir bench/results]

Two workloads, each run three ways with the same calculator (``--calc``, on ``--device``:
'auto' takes CUDA when torch sees a GPU, else the CPU; the script needs no change on a GPU
machine):

  registry  ``scan_registry`` of the li-lif interface (Li(110) on LiF(100), the first
            termination of ``build_system('li-lif', film_layers, substrate_layers)``), an
            ``--grid`` of in-plane shifts (8x8 = 64 candidates) and then the default 9 gaps at
            the best shift: structures per second over the whole scan.
  neb       the first (1NN) vacancy hop in bcc Li, as ``vacancy_migration`` builds it (host
            relaxed with ``bulk_reference``, ``vacancy_hops``; default supercell 53 atoms),
            end points relaxed once beforehand (fmax 0.005) and then given to ``run_neb``
            (``relax_endpoints=False``), ``--n-images`` moving images, fmax 0.01, at most
            ``--neb-steps`` optimiser steps: image force evaluations per second of band wall
            time (``NEBRecord.force_calls / wall_time_s``).

Ways: ``one-at-a-time`` (``batch=False``: an ASE calculator call per structure / one
calculator per image, the path before issue 8), ``batched, default budget`` (``batch=True``:
the evaluator's device default, on CPU one structure per model call, on CUDA half the free
GPU memory), ``batched, one call`` (``batch_max_edges`` = 10^9: every candidate set / band
in one model call). Each way is warmed up first (model loaded, first batched call made).
Results are checked against the one-at-a-time way: largest energy difference per atom,
same best registry and gap, same NEB steps and force calls.

Output: a table on stdout and ``<out-dir>/batched-<tag>.md`` and ``.json``; the tag
defaults to 'vm' on a CPU (this repository's name for the CPU VM results) and to the GPU's
name (e.g. 'nvidia-h100-80gb-hbm3') on CUDA. Machine info (cores, CPU model, torch threads,
device name and memory, versions) is written with the numbers.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ONE_CALL = 10**9  # edge budget that puts every candidate set / band in one model call
WAYS = (("one-at-a-time", False, None), ("batched, default budget", True, None),
        ("batched, one call", True, ONE_CALL))


def machine_info(device: str) -> dict:
    import torch

    info = {"platform": platform.platform(), "machine": platform.machine(),
            "python": platform.python_version(), "cores": os.cpu_count(),
            "cpu": _cpu_model(), "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "unset"), "device": device,
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    if device.startswith("cuda"):
        props = torch.cuda.get_device_properties(torch.device(device))
        info.update(device_name=props.name, device_memory_GiB=round(props.total_memory / 2**30, 1))
    else:
        info["device_name"] = "CPU"
    for package in ("sevenn", "chgnet", "ase"):
        try:
            from importlib.metadata import version

            info[package] = version(package)
        except Exception:  # noqa: BLE001 - not installed: not part of this run
            pass
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def default_tag(device: str) -> str:
    if not device.startswith("cuda"):
        return "vm"
    import torch

    name = torch.cuda.get_device_name(torch.device(device))
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def bench_registry(calc, args, log) -> dict:
    from interfacemodel.models.registry import scan_registry
    from interfacemodel.models.systems import build_system

    model = build_system("li-lif", film_layers=args.layers[0], substrate_layers=args.layers[1],
                         fix_substrate_layers=1)[0]
    grid = tuple(args.grid)
    n = len(model.atoms)
    log(f"registry: li-lif {n} atoms, grid {grid[0]}x{grid[1]} + 9 gaps")
    rows, scans = [], {}
    for way, batch, budget in WAYS:
        # warm-up: the same path on a 1x2 grid and one gap
        scan_registry(model, calc, grid=(1, 2), gaps_A=[2.5], batch=batch, batch_max_edges=budget)
        start = time.perf_counter()
        scan = scan_registry(model, calc, grid=grid, batch=batch, batch_max_edges=budget)
        wall = time.perf_counter() - start
        scans[way] = scan
        rows.append({"way": way, "structures": scan.evaluations, "model_calls": scan.model_calls,
                     "wall_s": wall, "structures_per_s": scan.evaluations / wall,
                     "best_shift_frac": list(scan.best.in_plane_shift_frac),
                     "best_gap_A": scan.best.gap_A})
        log(f"  {way}: {scan.evaluations} structures in {wall:.1f} s "
            f"({scan.evaluations / wall:.2f}/s), model calls {scan.model_calls}")
    ref = {(p.shift_frac, p.gap_A): p.energy_eV for p in scans["one-at-a-time"].points}
    for row in rows:
        got = {(p.shift_frac, p.gap_A): p.energy_eV for p in scans[row["way"]].points}
        row["same_points"] = got.keys() == ref.keys()
        row["max_dE_meV_per_atom"] = (1000 * max(abs(got[k] - ref[k]) for k in ref) / n
                                      if row["same_points"] else None)
        row["same_best"] = (row["best_shift_frac"] == rows[0]["best_shift_frac"]
                            and row["best_gap_A"] == rows[0]["best_gap_A"])
        row["speedup"] = row["structures_per_s"] / rows[0]["structures_per_s"]
    return {"system": f"li-lif (Li(110)/LiF(100)), {n} atoms", "natoms": n,
            "grid": list(grid), "candidates": len(ref), "rows": rows}


def bench_neb(calc, args, log) -> dict:
    from interfacemodel.models.bulk_hops import vacancy_hops
    from interfacemodel.procedures.interfaces import bulk_reference
    from interfacemodel.run.neb import run_neb
    from interfacemodel.run.relax import relax

    host, _, rec = bulk_reference("Li", calc)
    if not rec.converged:
        raise RuntimeError("bcc Li host did not relax")
    hop = vacancy_hops(host, species="Li", supercell=args.supercell)[0]
    n = len(hop.initial)
    fmax = 0.01
    ends = [relax(a, calc, fmax=fmax / 2)[0] for a in (hop.initial, hop.final)]
    log(f"neb: Li vacancy hop {hop.label}, {n} atoms, {args.n_images} images, "
        f"at most {args.neb_steps} steps")
    rows, records = [], {}
    for way, batch, budget in WAYS:
        kw = {"n_images": args.n_images, "fmax": fmax, "relax_endpoints": False,
              "batch": batch, "batch_max_edges": budget}
        run_neb(ends[0], ends[1], calc, steps=1, **kw)  # warm-up
        _, neb = run_neb(ends[0], ends[1], calc, steps=args.neb_steps, **kw)
        records[way] = neb
        rows.append({"way": way, "force_calls": neb.force_calls, "model_calls": neb.model_calls,
                     "steps": neb.steps, "converged": neb.converged,
                     "band_wall_s": neb.wall_time_s,
                     "evaluations_per_s": neb.force_calls / neb.wall_time_s,
                     "barrier_eV": neb.barrier_forward_eV})
        log(f"  {way}: {neb.force_calls} image evaluations in {neb.wall_time_s:.1f} s "
            f"({neb.force_calls / neb.wall_time_s:.2f}/s), {neb.steps} steps, "
            f"model calls {neb.model_calls}")
    ref = records["one-at-a-time"]
    for row in rows:
        rec = records[row["way"]]
        row["same_steps_and_calls"] = (rec.steps, rec.force_calls) == (ref.steps, ref.force_calls)
        row["max_dE_image_meV"] = 1000 * float(np.max(np.abs(
            np.subtract(rec.image_energies_eV, ref.image_energies_eV))))
        row["speedup"] = row["evaluations_per_s"] / rows[0]["evaluations_per_s"]
    return {"system": f"bcc Li vacancy hop {hop.label}, {n} atoms", "natoms": n,
            "n_images": args.n_images, "fmax": fmax, "steps_max": args.neb_steps, "rows": rows}


def markdown(result: dict) -> str:
    m = result["machine"]
    lines = ["# bench/batched.py: batched vs one-at-a-time ML-potential evaluation (issue 8)",
             "", f"calculator: {result['calculator']}; device: {m['device']} ({m['device_name']})",
             f"machine: {m['machine']}, {m['cores']} cores ({m['cpu']}), torch {m['torch']} "
             f"threads {m['torch_threads']}, OMP_NUM_THREADS={m['OMP_NUM_THREADS']}"
             + (f", GPU memory {m['device_memory_GiB']} GiB" if "device_memory_GiB" in m else ""),
             f"load average (1, 5, 15 min) at start {m['load_average_at_start']}, at end "
             f"{m['load_average_at_end']} (above the cores' count: other jobs shared the "
             f"machine, wall times are noisy); default edge budget {result['default_max_edges']}; "
             f"total wall {result['wall_time_s']:.0f} s",
             f"command: `{result['command']}`", ""]
    if "registry" in result:
        r = result["registry"]
        lines += [f"## Registry + gap scan: {r['system']}, grid {r['grid'][0]}x{r['grid'][1]} "
                  f"+ 9 gaps = {r['candidates']} structures", "",
                  "| way | model calls | wall (s) | structures/s | × one-at-a-time | "
                  "max ΔE (meV/atom) | same best shift & gap |", "|---|---|---|---|---|---|---|"]
        for row in r["rows"]:
            lines.append(f"| {row['way']} | {row['model_calls'] or row['structures']} | "
                         f"{row['wall_s']:.1f} | {row['structures_per_s']:.2f} | "
                         f"{row['speedup']:.2f} | {row['max_dE_meV_per_atom']:.4f} | "
                         f"{row['same_best']} |")
        lines.append("")
    if "neb" in result:
        r = result["neb"]
        lines += [f"## NEB band evaluations: {r['system']}, {r['n_images']} moving images, "
                  f"fmax {r['fmax']} eV/Å, at most {r['steps_max']} steps", "",
                  "| way | image evaluations | model calls | steps | band wall (s) | "
                  "evaluations/s | × one-at-a-time | barrier (eV) | converged | "
                  "max ΔE image (meV) | same steps & calls |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for row in r["rows"]:
            lines.append(f"| {row['way']} | {row['force_calls']} | "
                         f"{row['model_calls'] or row['force_calls']} | {row['steps']} | "
                         f"{row['band_wall_s']:.1f} | {row['evaluations_per_s']:.2f} | "
                         f"{row['speedup']:.2f} | {row['barrier_eV']:.4f} | {row['converged']} | "
                         f"{row['max_dE_image_meV']:.3f} | {row['same_steps_and_calls']} |")
        lines.append("")
    lines.append("One-at-a-time: model calls = structures (one calculator call each). The NEB "
                 "runs a fixed number of steps (a throughput measure; the barrier of an "
                 "unconverged band is not the hop's).")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:N")
    p.add_argument("--calc", default="sevennet", choices=["sevennet", "chgnet"])
    p.add_argument("--parts", nargs="+", default=["registry", "neb"], choices=["registry", "neb"])
    p.add_argument("--grid", nargs=2, type=int, default=[8, 8], help="registry shift grid")
    p.add_argument("--layers", nargs=2, type=int, default=[2, 2],
                   help="li-lif film (Li) and substrate (LiF) layers")
    p.add_argument("--n-images", type=int, default=5)
    p.add_argument("--neb-steps", type=int, default=12, help="optimiser step limit of the band")
    p.add_argument("--supercell", type=int, default=None,
                   help="Li vacancy supercell repetition (default: vacancy_hops' own, 53 atoms)")
    p.add_argument("--tag", default=None, help="results file name: batched-<tag>.md/.json")
    p.add_argument("--out-dir", default=str(Path(__file__).resolve().parent / "results"))
    args = p.parse_args(argv)
    if args.grid[0] * args.grid[1] < 1:
        p.error("--grid needs positive integers")
    warnings.simplefilter("ignore")

    from interfacemodel.calculators import calculator_provenance, get_calculator, resolve_device
    from interfacemodel.calculators.evaluator import BatchEvaluator
    from interfacemodel.records import to_dict, write_json_atomic, write_text_atomic

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    device = resolve_device(args.device)
    calc = get_calculator(f"{args.calc}:device={device}")
    ev = BatchEvaluator(calc)
    log(f"{args.calc} on {device}; default edge budget {ev.max_edges}")
    start = time.perf_counter()
    result = {"command": "bench/batched.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "calculator": calculator_provenance(calc), "machine": machine_info(device),
              "default_max_edges": ev.max_edges}
    result["command"] = result["command"].strip()
    if "registry" in args.parts:
        result["registry"] = bench_registry(calc, args, log)
    if "neb" in args.parts:
        result["neb"] = bench_neb(calc, args, log)
    result["wall_time_s"] = time.perf_counter() - start
    result["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["calculator"] = result["calculator"]["label"]
    text = markdown(result)
    print(text)
    tag = args.tag or default_tag(device)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(text + "\n", out / f"batched-{tag}.md")
    write_json_atomic(to_dict(result), out / f"batched-{tag}.json", overwrite=True)
    log(f"wrote {out / f'batched-{tag}.md'} and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
