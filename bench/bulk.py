"""Benchmark: wall time of one energy+forces call vs. number of atoms (bcc Li; EMT on fcc Cu).

Run by hand, not in the tests:  .venv/bin/python bench/bulk.py [--calcs sevennet,chgnet,...]
Prints a Markdown table and writes bench/results/bulk-<host>.json. Each point is the median of
``--repeats`` calls on freshly rattled positions (so no calculator cache is hit), after one
warm-up call per size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from ase.build import bulk

from interfacemodel.calculators import calculator_provenance, get_calculator

SUPERCELLS = (2, 3, 4, 5, 6, 8)  # n x n x n cubic bcc cells: 16 ... 1024 atoms


def cell_for(spec: str, n: int):
    if spec == "emt":
        return bulk("Cu", "fcc", a=3.59, cubic=True).repeat((n, n, n))[: 2 * n**3]
    return bulk("Li", "bcc", a=3.43, cubic=True).repeat((n, n, n))


def time_calls(calc, atoms, repeats: int, rng) -> float:
    atoms = atoms.copy()
    atoms.calc = calc
    base = atoms.positions.copy()
    times = []
    for i in range(repeats + 1):
        atoms.positions = base + rng.normal(0, 0.01, base.shape)
        t0 = time.perf_counter()
        atoms.get_potential_energy()
        atoms.get_forces()
        if i:  # the first call is a warm-up
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calcs", default="sevennet,chgnet,lammps:li-snap,emt")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--max-atoms", type=int, default=1024)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    results = {"machine": {"host": platform.node(), "cpu_count": os.cpu_count(),
                           "processor": platform.processor() or platform.machine(),
                           "python": sys.version.split()[0]},
               "timings": []}
    sizes = [2 * n**3 for n in SUPERCELLS if 2 * n**3 <= args.max_atoms]
    print("| calculator | " + " | ".join(f"{n} atoms" for n in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for spec in args.calcs.split(","):
        t0 = time.perf_counter()
        calc = get_calculator(spec)
        load_s = time.perf_counter() - t0
        row = []
        for n in SUPERCELLS:
            atoms = cell_for(spec, n)
            if len(atoms) > args.max_atoms:
                continue
            seconds = time_calls(calc, atoms, args.repeats, rng)
            row.append(seconds)
            results["timings"].append({"calculator": calculator_provenance(calc)["label"],
                                       "natoms": len(atoms), "seconds_per_call": seconds,
                                       "model_load_s": load_s})
        label = calculator_provenance(calc)["label"] + (" (fcc Cu)" if spec == "emt" else "")
        print(f"| {label} | " + " | ".join(f"{s * 1000:.0f} ms" if s >= 0.01 else
                                             f"{s * 1000:.1f} ms" for s in row) + " |",
              flush=True)
    out = Path(__file__).parent / "results" / f"bulk-{platform.node()}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten {out}; machine: {results['machine']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
