"""Accuracy of the ML potentials for surface and interface energetics, measured against GPAW
(PBE) on the same small cells and against published PBE numbers.

Run by hand:  .venv/bin/python bench/accuracy.py [--calcs sevennet chgnet gpaw]
              [--out bench/results/accuracy-vm.md] [--json bench/results/accuracy-vm.json]

Per calculator (each with its own relaxed bulk Li and LiF):
  γ Li(100), γ Li(110) (5 atomic layers), γ LiF(100) (4 layers): slabs relaxed to 0.03 eV/Å;
  a small Li(110)/LiF(100) cell (16.2 Å², 3 Li + 2 LiF layers, 14 atoms; small enough for
  GPAW on 2 cores, strained 11 %: a test cell, not a production interface), one geometry for
  all calculators (relaxed once with SevenNet), then single points of the interface and of its
  two rigid parts: W_adh(ideal) and γ_int = γ_A + γ_B − W_adh with the parts' surface
  energies against each calculator's own bulk.
Prints a Markdown table: value per calculator and the deviation from GPAW in %, and the wall
time per calculator. ``--calcs gpaw gpaw:mode=lcao cp2k`` measures GPAW LCAO (dzp) and CP2K
against GPAW plane waves on the same cells.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

from interfacemodel.analysis.energetics import interface_energy, surface_energy, work_of_adhesion
from interfacemodel.analysis.interface_geometry import cleave
from interfacemodel.calculators import get_calculator
from interfacemodel.calculators.site import worker_env
from interfacemodel.models.interfaces import build_interfaces
from interfacemodel.models.slabs import make_slabs
from interfacemodel.procedures.interfaces import bulk_reference
from interfacemodel.records import to_dict
from interfacemodel.run.relax import relax, single_point

SURFACES = (("Li", "100", 5), ("Li", "110", 5), ("LiF", "100", 4))


def interface_geometry():
    """Li(110)/LiF(100), the smallest coincidence cell (16.2 Å², 11 % strain on Li: chosen so
    GPAW can do it on 2 cores, NOT a production interface), 3 Li + 2 LiF layers, relaxed once
    with SevenNet (0.05 eV/Å): the geometry every calculator evaluates."""
    model = build_interfaces("Li", "LiF", "110", "100", match=0, film_layers=3,
                             substrate_layers=2, fix_substrate_layers=1, gap_A=2.3,
                             max_area_A2=45, max_length_tol=0.2, max_angle_tol=0.2,
                             max_area_ratio_tol=0.4)[0]
    relaxed, rec = relax(model.atoms, get_calculator("sevennet"), fmax=0.05)
    if not rec.converged:
        raise RuntimeError("shared interface geometry did not converge")
    return relaxed, model


def eos_bulk_reference(phase: str, calc):
    """For a calculator without stress (GPAW LCAO): the lattice of a cubic crystal with
    atoms on symmetry-fixed sites (bcc Li, rock-salt LiF) from ASE's EquationOfState over
    ±3 % in a, and the energy there: the same minimum a cell relaxation finds."""
    import numpy as np
    from ase.eos import EquationOfState

    from interfacemodel.analysis.energetics import BulkReference
    from interfacemodel.structures import load_bulk

    atoms = load_bulk(phase, as_atoms=True)
    cell0 = atoms.cell.array.copy()
    volumes, energies = [], []
    for s in np.linspace(0.97, 1.03, 7):
        trial = atoms.copy()
        trial.set_cell(cell0 * s, scale_atoms=True)
        volumes.append(trial.get_volume())
        energies.append(single_point(trial, calc, phase).energy_eV)
    v0, _, _ = EquationOfState(volumes, energies).fit()
    best = atoms.copy()
    best.set_cell(cell0 * (v0 / atoms.get_volume()) ** (1 / 3), scale_atoms=True)
    rec = single_point(best, calc, phase)
    return best, BulkReference.from_energy(best, rec.energy_eV, rec.calculator, True)


def measure(spec: str, geometry, log) -> dict:
    calc = get_calculator(spec)
    out: dict = {"calculator": spec}
    t0 = time.perf_counter()
    refs = {}
    bulks = {}
    for phase in ("Li", "LiF"):
        if getattr(calc, "im_no_stress", None):  # GPAW LCAO: no stress, the lattice by EOS
            bulks[phase], refs[phase] = eos_bulk_reference(phase, calc)
        else:
            bulks[phase], refs[phase], rec = bulk_reference(phase, calc, fmax=0.01)
        log(f"{spec}: bulk {phase} a = {bulks[phase].cell.cellpar()[0]:.4f} Å "
            f"({time.perf_counter() - t0:.0f} s)")
    for phase, miller, layers in SURFACES:
        slab = make_slabs(bulks[phase], miller, layers=layers, vacuum_A=12.0)[0]
        _, rec = relax(slab.atoms, calc, fmax=0.03, steps=100, optimizer="BFGS",
                       progress=lambda step, f, tag=f"{phase}({miller})": log(
                           f"{spec}:   {tag} step {step} fmax {f:.3f} "
                           f"({time.perf_counter() - t0:.0f} s)"))
        g = surface_energy(rec, refs[phase], allow_unconverged=True)
        out[f"gamma_{phase}({miller})_J_per_m2"] = g.gamma_J_per_m2
        out[f"gamma_{phase}({miller})_converged"] = g.converged
        log(f"{spec}: γ {phase}({miller}) = {g.gamma_J_per_m2:.3f} J/m² "
            f"({time.perf_counter() - t0:.0f} s)")
    film, sub = cleave(geometry)
    rec_ab = single_point(geometry, calc, "Li/LiF")
    log(f"{spec}:   interface single point done ({time.perf_counter() - t0:.0f} s)")
    rec_a, rec_b = single_point(film, calc, "Li part"), single_point(sub, calc, "LiF part")
    w = work_of_adhesion(rec_ab, rec_a, rec_b)
    mu = {"Li": refs["Li"].energy_per_fu_eV}
    gi = interface_energy(w, surface_energy(rec_a, refs["Li"], mu),
                          surface_energy(rec_b, refs["LiF"], mu))
    out["w_adh_ideal_J_per_m2"] = w.w_adh_J_per_m2
    out["gamma_int_ideal_J_per_m2"] = gi.gamma_int_J_per_m2
    out["wall_time_s"] = time.perf_counter() - t0
    log(f"{spec}: W_adh {w.w_adh_J_per_m2:.3f}, γ_int {gi.gamma_int_J_per_m2:.3f} J/m² "
        f"({out['wall_time_s']:.0f} s)")
    return out


ROWS = [("γ Li(100)", "gamma_Li(100)_J_per_m2"), ("γ Li(110)", "gamma_Li(110)_J_per_m2"),
        ("γ LiF(100)", "gamma_LiF(100)_J_per_m2"),
        ("W_adh ideal Li(110)/LiF(100)", "w_adh_ideal_J_per_m2"),
        ("γ_int ideal Li(110)/LiF(100)", "gamma_int_ideal_J_per_m2")]


def table(results: list[dict]) -> str:
    ref = next((r for r in results if r["calculator"].startswith("gpaw")), None)
    head = "| quantity (J/m²) | " + " | ".join(r["calculator"] for r in results) + " |"
    lines = [head, "|---" * (len(results) + 1) + "|"]
    for name, key in ROWS:
        cells = []
        for r in results:
            v = r[key]
            cell = f"{v:.3f}"
            if ref is not None and r is not ref and abs(ref[key]) > 1e-6:
                cell += f" ({100 * (v - ref[key]) / abs(ref[key]):+.0f} %)"
            cells.append(cell)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("| wall time (s) | " + " | ".join(f"{r['wall_time_s']:.0f}" for r in results)
                 + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--calcs", nargs="+", default=["sevennet", "chgnet", "gpaw"])
    p.add_argument("--out", help="write the Markdown table here")
    p.add_argument("--json", help="write the raw numbers here")
    p.add_argument("--reuse", help="a --json file of an earlier run on this machine: its rows "
                                   "for calculators named in --calcs are taken, not recomputed "
                                   "(e.g. the 24-minute GPAW plane-wave row)")
    p.add_argument("--cp2k-cmd", default="env OMP_NUM_THREADS=1 mpirun -np 2 cp2k_shell.psmp",
                   help="the CP2K shell command (a worker's cp2k_cmd) for --calcs cp2k...")
    args = p.parse_args(argv)
    reused = {}
    if args.reuse:
        with open(args.reuse) as fh:
            reused = {r["calculator"]: r for r in json.load(fh)}

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    geometry, model = interface_geometry()
    log(f"shared interface: {len(geometry)} atoms, area {model.area_A2:.1f} Å², "
        f"strain on Li {100 * model.match.max_abs_strain:.2f} %")
    cmd = args.cp2k_cmd
    if os.geteuid() == 0 and "mpirun" in cmd and "--allow-run-as-root" not in cmd:
        cmd = cmd.replace("mpirun", "mpirun --allow-run-as-root", 1)  # OpenMPI refuses root
    with worker_env({"cp2k_cmd": cmd}):
        results = [reused.get(spec) or measure(spec, geometry, log) for spec in args.calcs]
    text = (f"machine: {platform.machine()}, {os.cpu_count()} cores; deviations from GPAW "
            f"in parentheses\n\n" + table(results))
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
