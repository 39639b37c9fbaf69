"""Benchmark: force calls to converge an NEB, ASE's default setup against the package's.

Run by hand:  .venv/bin/python bench/neb.py [--systems au-al100 li-vacancy] [--fmax 0.03]
              [--n-images 5] [--supercell 2] [--ase-methods aseneb improvedtangent]
              [--package-variants optimizer=BFGS 'interpolation=linear;climb=False']
              [--out bench/results/neb-vm.md] [--json bench/results/neb-vm.json]

Issue 5: the package's NEB defaults (run/neb.py: IDPP interpolation, improved tangent,
climbing image, FIRE) should need at most half the force calls of ASE's default setup
(``ase.mep.NEB(images)``: linear interpolation, 'aseneb' tangent, no climbing image, spring
0.1 eV/Å², optimised with ``ase.optimize.BFGS``) for the same barrier (±5 meV). 'aseneb' is
ASE's former default tangent, set here by name; ASE 3.29 defaults to 'improvedtangent'
(``--ase-methods`` runs either or both).

Systems:
  au-al100    the ASE tutorial hop, an Au adatom on Al(100) (2x2x3, bottom two layers fixed;
              tests/checks.py), EMT;
  li-vacancy  the first (shortest, 1NN) vacancy hop in bcc Li: host relaxed with
              ``bulk_reference`` (fmax 0.01), hop from ``vacancy_hops`` (default supercell,
              53 atoms; ``--supercell 2``: 15 atoms), as ``vacancy_migration`` builds it;
              SevenNet (``--calc``).

Both setups start from the same end points, relaxed the same way: the call ``run_neb`` makes
(``relax(atoms, calc, fmax=fmax/2)``, the package's default optimiser); the ASE side runs
that call itself and the JSON records the largest position difference from the package's. Force
calls are counted as ``run_neb`` counts them (``count_calculations`` on every moving image's
calculator, one calculator per image from ``image_calculators``): band evaluations only, end-
point relaxations excluded; those are listed separately and are the same on both sides.
Optimiser steps are counted the same way too (the last index of ``irun``). The barrier is
the highest image above the initial state; a no-climb band's highest image is not the
saddle, so the cubic fit through the images' energies and tangential forces (ASE's
``NEBTools.get_barrier(fit=True)``) is listed as well. ``--package-variants`` adds
diagnostic rows: run_neb with some defaults changed (which of them makes the difference).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from interfacemodel.calculators import calculator_provenance, provenance_label
from interfacemodel.records import to_dict
from interfacemodel.run.neb import image_calculators, run_neb
from interfacemodel.run.optimizers import count_calculations
from interfacemodel.run.relax import relax

TARGET_RATIO = 0.5
TARGET_BARRIER_TOL_EV = 0.005


def au_al100(args):
    """(label, initial, final, calc) of the ASE tutorial hop, EMT."""
    from ase.calculators.emt import EMT

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from checks import au_on_al100_endpoints

    initial, final = au_on_al100_endpoints()
    return "Au on Al(100), EMT", initial, final, EMT()


def li_vacancy(args):
    """(label, initial, final, calc) of the 1NN vacancy hop in bcc Li, as vacancy_migration
    builds it (relaxed host, first hop of vacancy_hops)."""
    from interfacemodel.calculators import get_calculator
    from interfacemodel.models.bulk_hops import vacancy_hops
    from interfacemodel.procedures.interfaces import bulk_reference

    calc = get_calculator(args.calc)
    host, _, rec = bulk_reference("Li", calc)
    if not rec.converged:
        raise RuntimeError("bcc Li host did not relax")
    hop = vacancy_hops(host, species="Li", supercell=args.supercell)[0]
    name = provenance_label(calculator_provenance(calc))
    label = f"Li vacancy hop {hop.label} ({len(hop.initial)} atoms), {name}"
    return label, hop.initial, hop.final, calc


SYSTEMS = {"au-al100": au_al100, "li-vacancy": li_vacancy}


def _barriers(images) -> tuple[float, float, int]:
    """(highest image above the initial state, cubic-fit maximum, index of the highest)."""
    from ase.mep import NEBTools

    e = np.array([image.get_potential_energy() for image in images])
    rel = e - e[0]
    fit, _ = NEBTools(images).get_barrier(fit=True)
    return float(rel.max()), float(fit), int(np.argmax(rel))


def parse_variant(text: str) -> dict:
    """'optimizer=BFGS;climb=False' -> run_neb keyword arguments (diagnostic rows): items
    split on ';', each at its first '=' (so 'optimizer=LBFGS:alpha=10' is one item);
    True/False become booleans, numbers floats, the rest stays text."""
    out: dict = {}
    for item in filter(None, (p.strip() for p in text.split(";"))):
        key, _, value = item.partition("=")
        if value in ("True", "False"):
            out[key.strip()] = value == "True"
            continue
        try:
            out[key.strip()] = float(value)
        except ValueError:
            out[key.strip()] = value
    return out


def package_run(initial, final, calc, args, variant: str = "") -> dict:
    """run_neb with every package default but n_images, fmax and steps (and, for a
    diagnostic row, the keyword arguments of ``variant``, e.g. 'optimizer=BFGS')."""
    overrides = parse_variant(variant)
    start = time.perf_counter()
    images, rec = run_neb(initial, final, calc, n_images=args.n_images, fmax=args.fmax,
                          steps=args.steps, **overrides)
    total = time.perf_counter() - start
    _, fit, _ = _barriers(images)
    interpolation = overrides.get("interpolation", "idpp")
    head = f"package, {variant} (diagnostic)" if variant else "package"
    return {
        "setup": (f"{head}: {rec.method}, climb={rec.climb}, {interpolation}, {rec.optimizer}, "
                  f"k={rec.spring_eV_per_A2}"),
        "variant": overrides,
        "force_calls": rec.force_calls, "steps": rec.steps, "converged": rec.converged,
        "fmax_reached": rec.fmax_reached_eV_per_A, "barrier_eV": rec.barrier_forward_eV,
        "barrier_fit_eV": fit, "saddle_index": rec.saddle_index,
        "image_energies_eV": rec.image_energies_eV,
        "endpoint_force_calls": sum(r.force_calls for r in rec.endpoints.values()),
        "band_wall_s": rec.wall_time_s, "total_wall_s": total, "flags": rec.flags,
        "_images": images,
    }


def ase_default_run(initial, final, calc, args, method: str) -> dict:
    """ASE's default NEB: ``NEB(images, method=method)`` (no climb, k=0.1), linear
    interpolation with ASE's default arguments, BFGS with its defaults; end points relaxed as
    run_neb does. ``method``: 'aseneb' (ASE's former default, the issue's baseline) or
    'improvedtangent' (the default since ASE 3.29, which warns when none is named)."""
    from ase.mep import NEB
    from ase.optimize import BFGS

    start = time.perf_counter()
    ends, endpoint_calls = [], 0
    for name, atoms in (("initial", initial), ("final", final)):
        relaxed, rec = relax(atoms, calc, fmax=args.fmax / 2, label=name)
        if not rec.converged:
            raise RuntimeError(f"{name} state did not relax")
        ends.append(relaxed)
        endpoint_calls += rec.force_calls
    n = args.n_images
    images = [ends[0]] + [ends[0].copy() for _ in range(n)] + [ends[1]]
    calcs = image_calculators(calc, n)
    for image, image_calc in zip(images[1:-1], calcs, strict=True):
        image.calc = image_calc
    neb = NEB(images, method=method)
    neb.interpolate()
    band_start = time.perf_counter()
    converged, step = False, 0
    with contextlib.ExitStack() as stack:
        counters = [stack.enter_context(count_calculations(c)) for c in dict.fromkeys(calcs)]
        opt = BFGS(neb, logfile=None)
        for i, done in enumerate(opt.irun(fmax=args.fmax, steps=args.steps)):
            step, converged = i, bool(done)
        residual = float(neb.get_residual())
        calls = sum(c.calls for c in counters)
    band_wall = time.perf_counter() - band_start
    barrier, fit, saddle = _barriers(images)
    e = np.array([image.get_potential_energy() for image in images])
    return {
        "setup": f"ASE: {neb.method}, climb={neb.climb}, linear, BFGS, k={neb.k[0]}",
        "force_calls": calls, "steps": step, "converged": bool(converged),
        "fmax_reached": residual, "barrier_eV": barrier, "barrier_fit_eV": fit,
        "saddle_index": saddle, "image_energies_eV": [float(x) for x in e - e[0]],
        "endpoint_force_calls": endpoint_calls, "band_wall_s": band_wall,
        "total_wall_s": time.perf_counter() - start, "flags": [], "_images": images,
    }


def compare(name: str, args, log) -> dict:
    label, initial, final, calc = SYSTEMS[name](args)
    rows = []
    for method in args.ase_methods:
        log(f"{label}: ASE NEB ({method}, no climb, linear, BFGS) ...")
        rows.append(ase_default_run(initial, final, calc, args, method))
        _log_row(rows[-1], log)
    log(f"{label}: package NEB ...")
    pkg = package_run(initial, final, calc, args)
    _log_row(pkg, log)
    pkg_images = pkg.pop("_images")
    variants = []
    for variant in args.package_variants:
        log(f"{label}: package NEB with {variant} (diagnostic) ...")
        variants.append(package_run(initial, final, calc, args, variant))
        variants[-1].pop("_images")
        _log_row(variants[-1], log)
    comparisons = []
    for row in rows:
        images = row.pop("_images")
        end_dev = max(float(np.abs(a.positions - p.positions).max())
                      for a, p in ((images[0], pkg_images[0]), (images[-1], pkg_images[-1])))
        ratio = pkg["force_calls"] / row["force_calls"]
        diff = pkg["barrier_eV"] - row["barrier_eV"]
        same = abs(diff) <= TARGET_BARRIER_TOL_EV
        comparisons.append({
            "against": row["setup"], "ratio_force_calls": ratio, "barrier_difference_eV": diff,
            "barrier_fit_difference_eV": pkg["barrier_fit_eV"] - row["barrier_fit_eV"],
            "same_barrier": same,
            "target_met": bool(ratio <= TARGET_RATIO and same and pkg["converged"]
                               and row["converged"]),
            "endpoint_max_position_difference_A": end_dev})
    return {"system": name, "label": label, "natoms": len(initial),
            "n_images": args.n_images, "fmax_eV_per_A": args.fmax, "rows": rows + [pkg] + variants,
            "comparisons": comparisons}


def _log_row(row, log):
    log(f"  {row['force_calls']} force calls, {row['steps']} steps, barrier "
        f"{row['barrier_eV']:.4f} eV, converged {row['converged']}, {row['band_wall_s']:.1f} s")


def table(results: list[dict]) -> str:
    lines = ["| system | setup | force calls | optimiser steps | barrier (eV) | "
             "barrier, cubic fit (eV) | converged | fmax reached (eV/Å) | band wall (s) | "
             "end-point force calls |", "|---" * 10 + "|"]
    for res in results:
        for row in res["rows"]:
            lines.append(
                f"| {res['label']} | {row['setup']} | {row['force_calls']} | {row['steps']} | "
                f"{row['barrier_eV']:.4f} | {row['barrier_fit_eV']:.4f} | {row['converged']} | "
                f"{row['fmax_reached']:.4f} | {row['band_wall_s']:.1f} | "
                f"{row['endpoint_force_calls']} |")
    lines += ["", "| system | package against | force calls package/ASE | "
              "barrier package − ASE (meV) | fit barrier package − ASE (meV) | "
              "same barrier (±5 meV) | target met |", "|---" * 7 + "|"]
    for res in results:
        for c in res["comparisons"]:
            lines.append(
                f"| {res['label']} | {c['against']} | {c['ratio_force_calls']:.2f} | "
                f"{1000 * c['barrier_difference_eV']:+.1f} | "
                f"{1000 * c['barrier_fit_difference_eV']:+.1f} | {c['same_barrier']} | "
                f"{c['target_met']} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--systems", nargs="+", default=list(SYSTEMS), choices=list(SYSTEMS))
    p.add_argument("--calc", default="sevennet", help="calculator of li-vacancy")
    p.add_argument("--fmax", type=float, default=0.03)
    p.add_argument("--n-images", type=int, default=5, help="intermediate images")
    p.add_argument("--ase-methods", nargs="+", default=["aseneb"],
                   choices=["aseneb", "improvedtangent"],
                   help="tangent(s) of the ASE baseline; 'aseneb' is the issue's")
    p.add_argument("--package-variants", nargs="*", default=[], metavar="KEY=VALUE[;...]",
                   help="diagnostic rows: run_neb with these keyword arguments changed, e.g. "
                        "optimizer=BFGS 'interpolation=linear;climb=False' (not in the "
                        "package/ASE comparison)")
    p.add_argument("--steps", type=int, default=500, help="optimiser step limit, both setups")
    p.add_argument("--supercell", type=int, default=None,
                   help="li-vacancy supercell repetition (default: vacancy_hops' own)")
    p.add_argument("--out", help="write the Markdown table here")
    p.add_argument("--json", help="write the raw numbers here")
    args = p.parse_args(argv)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    start = time.perf_counter()
    results = [compare(name, args, log) for name in args.systems]
    threads = "n/a"
    if "torch" in sys.modules:
        threads = sys.modules["torch"].get_num_threads()
    machine = (f"machine: {platform.machine()}, {os.cpu_count()} cores, torch threads "
               f"{threads}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    command = "bench/neb.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = (f"{machine}\ncommand: `{command.strip()}`\nfmax {args.fmax} eV/Å, "
            f"{args.n_images} intermediate images, step limit {args.steps}; force calls: "
            f"band evaluations only (end-point relaxations, identical on both sides, in the "
            f"last column); target: package/ASE ≤ {TARGET_RATIO} with the barrier within "
            f"±{1000 * TARGET_BARRIER_TOL_EV:.0f} meV\n\n" + table(results))
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text + "\n")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(to_dict({"machine": machine, "command": command.strip(),
                               "wall_time_s": time.perf_counter() - start,
                               "results": results}), fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
