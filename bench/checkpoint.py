"""Benchmark: what the atomic checkpoint and the calculation journal cost per step.

Run by hand:  .venv/bin/python bench/checkpoint.py [--steps 30] [--out F.md]
Relaxes rattled fcc Cu slabs of 32, 256 and 864 atoms with EMT (milliseconds per call, so the
bookkeeping shows) for a fixed number of steps with L-BFGS (the default) and BFGS (a dense
3N×3N Hessian in every checkpoint): without a checkpoint, with one, and with one plus a
calculation journal on the calculator (which a checkpointed relaxation suspends). Prints a
Markdown table: ms per step for each, checkpoint file size, and the time of one save.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from ase.build import fcc111
from ase.calculators.emt import EMT

from interfacemodel.run.journal import journal_calculations
from interfacemodel.run.relax import relax

SIZES = ((2, 2, 8), (4, 4, 16), (6, 6, 24))
OPTIMIZERS = ("LBFGS:alpha=10", "BFGS")


def _slab(size):
    slab = fcc111("Cu", size, vacuum=6.0, a=3.59)
    slab.rattle(0.05, seed=1)
    return slab


def _time(slab, optimizer, steps, checkpoint=None, journal=None) -> tuple[float, int]:
    calc = EMT()
    if journal is not None:
        journal_calculations(calc, journal)
    start = time.perf_counter()
    _, rec = relax(slab, calc, fmax=1e-6, steps=steps, optimizer=optimizer,
                   checkpoint=checkpoint)
    return (time.perf_counter() - start) / max(rec.steps, 1) * 1e3, rec.steps


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--out", help="also write the table to this Markdown file")
    args = p.parse_args(argv)
    rows = ["| atoms | optimiser | ms/step, no checkpoint | with checkpoint | checkpoint + "
            "journal | checkpoint.npz (MB) |", "|---|---|---|---|---|---|"]
    for size in SIZES:
        slab = _slab(size)
        for optimizer in OPTIMIZERS:
            with tempfile.TemporaryDirectory() as tmp:
                plain, _ = _time(slab, optimizer, args.steps)
                ckpt, _ = _time(slab, optimizer, args.steps, Path(tmp) / "a")
                both, _ = _time(slab, optimizer, args.steps, Path(tmp) / "b",
                                Path(tmp) / "journal")
                size_mb = (Path(tmp) / "a" / "checkpoint.npz").stat().st_size / 1e6
            rows.append(f"| {len(slab)} | {optimizer} | {plain:.1f} | {ckpt:.1f} | {both:.1f} "
                        f"| {size_mb:.2f} |")
            print(rows[-1], flush=True)
    head = (f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{sys.version.split()[0]}; EMT, {args.steps} steps per run, OMP threads "
            f"{os.environ.get('OMP_NUM_THREADS', 'default')}\n\n")
    text = head + "\n".join(rows) + "\n"
    if args.out:
        Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
