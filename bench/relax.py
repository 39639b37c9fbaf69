"""Benchmark: force calls and wall time to relax Li/coating interfaces, per ASE optimiser.

Run by hand:  .venv/bin/python bench/relax.py [--calc sevennet] [--fmax 0.05] [--out F.md]
Relaxes the first termination of the ``li-lif`` and ``li-li2se`` slab interfaces (as built:
automatic contact gap, zero shift, bottom two coating layers fixed) to ``fmax`` with BFGS,
LBFGS, FIRE and PreconLBFGS (Exp preconditioner), each from the same start, and prints a
Markdown table: steps, force calls, wall time, final energy, converged. The package default
optimiser (run/relax.py: DEFAULT_OPTIMIZER) is chosen from this table.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

from interfacemodel.calculators import get_calculator
from interfacemodel.models.systems import build_system
from interfacemodel.run.relax import relax

OPTIMIZERS = ("BFGS", "LBFGS", "FIRE", "PreconLBFGS")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--calc", default="sevennet")
    p.add_argument("--fmax", type=float, default=0.05)
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--systems", nargs="+", default=["li-lif", "li-li2se"])
    p.add_argument("--optimizers", nargs="+", default=list(OPTIMIZERS))
    p.add_argument("--out", help="also write the table to this Markdown file")
    args = p.parse_args(argv)
    import torch

    lines = [f"machine: {platform.machine()} {os.cpu_count()} cores, torch threads "
             f"{torch.get_num_threads()}, calculator {args.calc}, fmax {args.fmax} eV/Å",
             "", "| system | atoms | optimizer | steps | force calls | wall (s) | E (eV) | converged |",
             "|---|---|---|---|---|---|---|---|"]
    print("\n".join(lines), flush=True)
    for name in args.systems:
        model = build_system(name)[0]
        calc = get_calculator(args.calc, atoms=model.atoms)
        for opt in args.optimizers:
            start = time.perf_counter()
            _, rec = relax(model.atoms, calc, fmax=args.fmax, steps=args.steps, optimizer=opt)
            row = (f"| {model.label} | {rec.natoms} | {opt} | {rec.steps} | {rec.force_calls} | "
                   f"{time.perf_counter() - start:.1f} | {rec.energy_eV:.4f} | {rec.converged} |")
            lines.append(row)
            print(row, flush=True)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
