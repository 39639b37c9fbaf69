"""GPAW LCAO (dzp) against GPAW plane waves on the same geometries: the basis-set error of
the LCAO mode offered for 50-300-atom interfaces, and the time of each mode.

Run by hand:  OMP_NUM_THREADS=1 .venv/bin/python bench/lcao.py
              [--modes gpaw gpaw:mode=lcao] [--out bench/results/lcao-vm.md]
              [--json bench/results/lcao-vm.json]

Every mode evaluates single points of the *same* structures, so the differences are the
basis alone (no relaxation path, no lattice difference mixed in):
  bulk bcc Li and rock-salt LiF at the catalogue's experimental lattices;
  ideal (unrelaxed) slabs Li(100), Li(110) (5 layers), LiF(100) (4 layers), 12 Å vacuum:
  γ_unrelaxed = (E_slab − n E_bulk) / 2A;
  the 14-atom Li(110)/LiF(100) cell of bench/accuracy.py (relaxed once with SevenNet) and its
  two rigid parts: W_adh(ideal), γ_int = γ_Li + γ_LiF − W_adh;
  and max |F_mode − F_pw| over the atoms of the slabs and the interface (what decides whether
  a relaxation in the mode ends where plane waves would).
Prints a Markdown table (value per mode, deviation from plane waves) and the wall time of each
single point.  Tolerance stated in hpc/README.md: |Δγ|, |ΔW_adh| ≤ 0.05 J/m².
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

import numpy as np

from interfacemodel.analysis.energetics import (
    BulkReference,
    interface_energy,
    surface_energy,
    work_of_adhesion,
)
from interfacemodel.analysis.interface_geometry import cleave
from interfacemodel.calculators import get_calculator
from interfacemodel.models.slabs import make_slabs
from interfacemodel.records import to_dict
from interfacemodel.run.relax import single_point
from interfacemodel.structures import load_bulk

sys.path.insert(0, os.path.dirname(__file__))
from accuracy import interface_geometry  # noqa: E402  (the shared 14-atom cell)

SURFACES = (("Li", "100", 5), ("Li", "110", 5), ("LiF", "100", 4))


def structures():
    """The geometries every mode evaluates, built once."""
    bulks = {phase: load_bulk(phase, as_atoms=True) for phase in ("Li", "LiF")}
    slabs = {f"{p}({m})": (p, make_slabs(bulks[p], m, layers=n, vacuum_A=12.0)[0].atoms)
             for p, m, n in SURFACES}
    interface, _ = interface_geometry()
    return bulks, slabs, interface


def measure(spec: str, bulks, slabs, interface, log) -> dict:
    calc = get_calculator(spec)
    out: dict = {"calculator": spec, "times_s": {}, "forces": {}}
    t_all = time.perf_counter()

    def sp(atoms, tag):
        t0 = time.perf_counter()
        rec = single_point(atoms, calc, tag)
        probe = atoms.copy()  # same positions: the converged SCF is reused, forces added
        probe.calc = calc
        out["forces"][tag] = probe.get_forces().tolist()
        out["times_s"][tag] = time.perf_counter() - t0
        log(f"{spec}: {tag} ({len(atoms)} atoms) {out['times_s'][tag]:.0f} s, "
            f"E = {rec.energy_eV:.4f} eV")
        return rec

    refs = {}
    for phase, atoms in bulks.items():
        rec = sp(atoms, f"bulk {phase}")
        refs[phase] = BulkReference.from_energy(atoms, rec.energy_eV, rec.calculator)
    for tag, (phase, atoms) in slabs.items():
        g = surface_energy(sp(atoms, tag), refs[phase])
        out[f"gamma_{tag}_J_per_m2"] = g.gamma_J_per_m2
    film, sub = cleave(interface)
    rec_ab = sp(interface, "Li/LiF")
    rec_a, rec_b = sp(film, "Li part"), sp(sub, "LiF part")
    w = work_of_adhesion(rec_ab, rec_a, rec_b)
    mu = {"Li": refs["Li"].energy_per_fu_eV}
    gi = interface_energy(w, surface_energy(rec_a, refs["Li"], mu),
                          surface_energy(rec_b, refs["LiF"], mu))
    out["w_adh_ideal_J_per_m2"] = w.w_adh_J_per_m2
    out["gamma_int_ideal_J_per_m2"] = gi.gamma_int_J_per_m2
    out["wall_time_s"] = time.perf_counter() - t_all
    return out


ROWS = [("γ Li(100) unrelaxed", "gamma_Li(100)_J_per_m2"),
        ("γ Li(110) unrelaxed", "gamma_Li(110)_J_per_m2"),
        ("γ LiF(100) unrelaxed", "gamma_LiF(100)_J_per_m2"),
        ("W_adh ideal Li(110)/LiF(100)", "w_adh_ideal_J_per_m2"),
        ("γ_int ideal Li(110)/LiF(100)", "gamma_int_ideal_J_per_m2")]


def table(results: list[dict]) -> str:
    ref = results[0]
    lines = ["| quantity | " + " | ".join(r["calculator"] for r in results) + " |",
             "|---" * (len(results) + 1) + "|"]
    for name, key in ROWS:
        cells = [f"{ref[key]:.3f}"]
        for r in results[1:]:
            cells.append(f"{r[key]:.3f} ({r[key] - ref[key]:+.3f})")
        lines.append(f"| {name} (J/m²) | " + " | ".join(cells) + " |")
    cells = ["—"]
    for r in results[1:]:
        dev = max(float(np.abs(np.subtract(r["forces"][t], ref["forces"][t])).max())
                  for t in ref["forces"])
        cells.append(f"{dev:.3f}")
    lines.append("| max \\|ΔF\\| over all atoms (eV/Å) | " + " | ".join(cells) + " |")
    for tag in ref["times_s"]:
        lines.append(f"| time {tag} (s) | "
                     + " | ".join(f"{r['times_s'][tag]:.0f}" for r in results) + " |")
    lines.append("| wall time (s) | " + " | ".join(f"{r['wall_time_s']:.0f}" for r in results)
                 + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--modes", nargs="+", default=["gpaw", "gpaw:mode=lcao"],
                   help="calculator specs; the first is the reference (plane waves)")
    p.add_argument("--out", help="write the Markdown table here")
    p.add_argument("--json", help="write the raw numbers here")
    args = p.parse_args(argv)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    bulks, slabs, interface = structures()
    results = [measure(spec, bulks, slabs, interface, log) for spec in args.modes]
    text = (f"machine: {platform.machine()}, {os.cpu_count()} cores, serial GPAW "
            f"(OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}); same geometries "
            f"for every mode; deviations from {args.modes[0]} in parentheses\n\n"
            + table(results))
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text + "\n")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(to_dict(results), fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
