"""The relaxation's own scatter in W_adh and γ_int: the same interface energetics relaxed with
different ASE optimisers (each meets the same fmax), the spread of the numbers they end at.

Run by hand:  .venv/bin/python bench/relax_scatter.py [--calc sevennet]
              [--optimizers LBFGS:alpha=10 BFGS PreconLBFGS FIRE] [--out F.md]

For li-lif and li-li2se with the quick preset's settings (workflows/
coating_comparison_quick.yaml, free-surface slabs and the reaction left out), the pipeline of
:func:`interfacemodel.flows.energetics.interface_energetics` runs once per optimiser: the
registry/gap scan, the interface relaxation and the relaxations of its parts all use it. The
table gives the interface's final energy, W_adh (ideal, relaxed), γ_int and the force calls,
and per system the sample standard deviation and the range over the optimisers: the scatter a
single relaxation leaves in each number (not contained in the committee's spread, which is
taken at one fixed geometry).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import yaml

from interfacemodel.flows.energetics import interface_energetics
from interfacemodel.flows.spec_rules import energetics_settings

PRESET = Path(__file__).resolve().parents[1] / "src" / "interfacemodel" / "workflows" / \
    "presets" / "coating_comparison_quick.yaml"
OPTIMIZERS = ("LBFGS:alpha=10", "BFGS", "PreconLBFGS", "FIRE")
QUANTITIES = (("W_adh ideal", "w_adh_ideal", "w_adh_J_per_m2"),
              ("W_adh relaxed", "w_adh_relaxed", "w_adh_J_per_m2"),
              ("γ_int", "interface_energy", "gamma_int_J_per_m2"))


def quick_settings(system: str) -> dict:
    spec = yaml.safe_load(PRESET.read_text())
    entry = next(e for e in spec["interfaces"] if e["system"] == system)
    return dict(entry.get("settings") or {})


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--calc", default="sevennet")
    p.add_argument("--systems", nargs="+", default=["li-lif", "li-li2se"])
    p.add_argument("--optimizers", nargs="+", default=list(OPTIMIZERS))
    p.add_argument("--out", help="write the Markdown table here")
    args = p.parse_args(argv)
    lines = [f"machine: {platform.machine()}, {os.cpu_count()} cores; calculator {args.calc}; "
             f"quick-preset settings, one optimiser for every relaxation of the pipeline", "",
             "| system | optimiser | E interface (eV) | W_adh ideal (J/m²) | W_adh relaxed (J/m²) "
             "| γ_int (J/m²) | force calls | wall (s) |", "|---|---|---|---|---|---|---|---|"]
    spreads = []
    for system in args.systems:
        base = energetics_settings(quick_settings(system), system)
        base = replace(base, surface_slabs=False, reactivity=False)
        got = {name: [] for name, _, _ in QUANTITIES}
        for opt in args.optimizers:
            start = time.perf_counter()
            res = interface_energetics(system, args.calc, replace(base, optimizer=opt))
            wall = time.perf_counter() - start
            values = []
            for name, part, key in QUANTITIES:
                value = getattr(getattr(res, part), key, None) if getattr(res, part) else None
                got[name].append(value)
                values.append("—" if value is None else f"{value:.3f}")
            calls = sum(getattr(r, "force_calls", 0) or 0 for r in res.records.values())
            energy = max(res.records.values(), key=lambda r: r.natoms).energy_eV
            lines.append(f"| {system} | {opt} | {energy:.4f} | " + " | ".join(values)
                         + f" | {calls} | {wall:.0f} |")
            print(lines[-1], flush=True)
        for name, vals in got.items():
            vals = [v for v in vals if v is not None]
            if len(vals) > 1:
                spreads.append(f"| {system} | {name} | {statistics.stdev(vals):.3f} | "
                               f"{max(vals) - min(vals):.3f} |")
    lines += ["", "| system | quantity | stdev over the optimisers (J/m²) | range (J/m²) |",
              "|---|---|---|---|", *spreads]
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
