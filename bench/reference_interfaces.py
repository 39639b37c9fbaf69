"""Li on Li2O and Li2S, the two references: both (111) terminations and the (110) facet, each
relaxed from several interlayer gaps with the ML potential, and the DFT check on a small cell
of each (the quick preset's refine mechanism: the ML potential relaxes the small model, ML and
DFT take single points there, DFT relaxes for a few steps where its forces disagree).

Run by hand:  .venv/bin/python bench/reference_interfaces.py [--calc sevennet]
              [--dft gpaw:ecut_eV=500,kpt_density=2.5,occupations=fermi-dirac]
              [--systems li-li2o li-li2s] [--cases "(110)" ...] [--no-dft] [--out F.md]

Cases per system: (111) termination 0 (the cation-poor, anion-terminated cut: Li metal
supplies the missing Li layer) and termination 1 (the Li-terminated, non-polar cut the quick
preset uses), and the (110) facet (stoichiometric, non-polar planes; `faces: ['110', '110']`).
The main models use the quick preset's sizes (4 Li planes on 6 coating planes for (111), 4 on
4 for (110); 2x2 registry grid; relaxed from the scan's gap and from 1.8, 2.4 and 3.0 Å, the
lowest end point kept). The check cells: 2 Li planes on 3 (111) or 2 (110) coating planes,
the smallest match within 60 Å² and 12 % strain on Li, 10 Å of vacuum; a case with no such
match is reported without its check. Every number in J/m²; W_adh > 0 binds.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

from jobflow import JobStore
from maggma.stores import MemoryStore
from monty.json import MontyDecoder

from interfacemodel.errors import UserInputError
from interfacemodel.flows.campaign import check_model_jobs
from interfacemodel.flows.energetics import InterfaceEnergeticsMaker
from interfacemodel.flows.identity import flow_of
from interfacemodel.flows.local import run_flow
from interfacemodel.flows.spec_rules import energetics_settings

CASES = (("(111) t0", {"termination": 0}, 6, 3),
         ("(111) t1", {"termination": 1}, 6, 3),
         ("(110)", {"faces": ["110", "110"]}, 4, 2))
#: the DFT check's short relaxation, as in the quick preset's refine_models
RELAX_ABOVE_EV_PER_A, RELAX_STEPS = 0.2, 2
CHECK_BUILD = {"max_area_A2": 60, "max_length_tol": 0.12, "max_strain": 0.12,
               "max_area_ratio_tol": 0.2, "vacuum_A": 10}


def case_settings(system: str, extra: dict, layers: int) -> dict:
    build = {"max_area_A2": 200} if system == "li-li2s" else {}
    return {"film_layers": 4, "substrate_layers": layers, "scan_grid": [2, 2], "fmax": 0.05,
            "max_surface_terminations": 1, "surface_slabs": False, "reactivity": False,
            "start_gaps_A": [1.8, 2.4, 3.0], "build": build or None, **extra}


def run_case(system: str, extra: dict, layers: int, check_layers: int, calc: str,
             dft: str | None, root: Path) -> dict:
    main_settings = energetics_settings(case_settings(system, extra, layers), system)
    made = InterfaceEnergeticsMaker(calculator=calc, settings=main_settings).jobs(system)
    jobs, check = list(made), None
    if dft:
        small = {**case_settings(system, extra, check_layers), "film_layers": 2,
                 "fix_substrate_layers": 1, "scan_grid": [2, 2], "start_gaps_A": None,
                 "build": CHECK_BUILD}
        energetics_settings(small, system)  # checked as a spec's would be
        extra_jobs, check = check_model_jobs(system, small, made, calc, [dft], dft,
                                               RELAX_ABOVE_EV_PER_A, RELAX_STEPS)
        jobs += extra_jobs
    store = JobStore(MemoryStore())
    run_flow(flow_of(jobs, f"{system}-reference"), checkpoints=root, store=store)

    def output(uuid):
        return MontyDecoder().process_decoded(store.get_output(uuid))

    out = {"main": output(made[-1].uuid),
           "interface": output(next(j for j in made if j.name.startswith("interface:")).uuid)}
    if check is not None:
        out["check_atoms"] = len(output(check["model"].uuid).relaxed)
        out["check"] = {m: output(ref.uuid) for m, ref in check["members"].items()}
    return out


def fmt(x) -> str:
    return "—" if x is None else f"{x:.3f}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--calc", default="sevennet")
    p.add_argument("--dft", default="gpaw:ecut_eV=500,kpt_density=2.5,occupations=fermi-dirac")
    p.add_argument("--no-dft", action="store_true", help="the ML models only")
    p.add_argument("--systems", nargs="+", default=["li-li2o", "li-li2s"])
    p.add_argument("--cases", nargs="+", choices=[c[0] for c in CASES],
                   default=[c[0] for c in CASES], help="facets and terminations to run")
    p.add_argument("--work", default="runs/reference-interfaces", help="checkpoints")
    p.add_argument("--out", help="write the Markdown tables here")
    args = p.parse_args(argv)
    dft = None if args.no_dft else args.dft
    main_rows, check_rows = [], []
    for system in args.systems:
        for label, extra, layers, check_layers in (c for c in CASES if c[0] in args.cases):
            start = time.perf_counter()
            try:
                got = run_case(system, extra, layers, check_layers, args.calc, dft,
                               Path(args.work) / system / label.replace(" ", "-"))
            except UserInputError as exc:  # e.g. no lattice match for the check cell
                print(f"{system} {label}: {exc}", file=sys.stderr)
                main_rows.append([system, label] + ["—"] * 7 + [str(exc)[:80]])
                continue
            wall = time.perf_counter() - start
            e, iface = got["main"], got["interface"]
            gi = e.interface_energy.gamma_int_J_per_m2 if e.interface_energy else None
            main_rows.append([system, label, e.interface["label"], str(len(iface.relaxed)),
                              fmt(e.w_adh_ideal.w_adh_J_per_m2),
                              fmt(e.w_adh_relaxed.w_adh_J_per_m2), fmt(gi),
                              f"{e.contact_angle.theta_deg:.0f}",
                              "; ".join(n for n in e.notes if "gap" in n)[:160] or "—",
                              f"{wall:.0f}"])
            print(" | ".join(main_rows[-1]), flush=True)
            if "check" in got:
                ml, ab = got["check"][args.calc].values, got["check"][dft]
                forces = ab.forces_eV_per_A or {}
                after = ab.relaxed_values or {}
                check_rows.append([system, label, str(got["check_atoms"]),
                                   fmt(ml.get("w_adh_relaxed_J_per_m2")),
                                   fmt(ab.values.get("w_adh_relaxed_J_per_m2")),
                                   fmt(after.get("w_adh_relaxed_J_per_m2")),
                                   fmt(ml.get("gamma_int_J_per_m2")),
                                   fmt(ab.values.get("gamma_int_J_per_m2")),
                                   fmt(after.get("gamma_int_J_per_m2")),
                                   ", ".join(f"{k} {v:.2f}" for k, v in forces.items())])
                print(" | ".join(check_rows[-1]), flush=True)
    lines = [f"machine: {platform.machine()}, {os.cpu_count()} cores; ML {args.calc}; "
             f"DFT check {dft or 'none'}", "",
             "| system | facet | model | atoms | W_adh ideal | W_adh relaxed | γ_int | θ (°) "
             "| gaps | wall (s) |", "|---" * 10 + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in main_rows]
    if check_rows:
        lines += ["", f"Check cells: {args.calc} and {dft} on the same small cell ({args.calc}-"
                  f"relaxed); 'after' = after DFT's short relaxation (≤ {RELAX_STEPS} steps, "
                  f"where its force exceeded {RELAX_ABOVE_EV_PER_A} eV/Å); forces: DFT's largest at the ML geometry (eV/Å).",
                  "", "| system | facet | atoms | W_adh relaxed ML | DFT | DFT after | γ_int ML "
                  "| DFT | DFT after | DFT forces |", "|---" * 10 + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in check_rows]
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
