"""Migration barriers of every hop issue 5 names, with one calculator (by hand, not a test).

Runs the same library calls as ``interfacemodel barrier``: Li vacancy hops in bulk Li, LiF,
Li2Se, Li2O and tetragonal LLZO (the 8a → 32g hop), direct interstitial hops in bcc Li,
LiF, Li2O and Li2Se, the interstitialcy (knock-off) in Li2O and Li2Se, the Mg
solute–vacancy exchange in bcc Li,
and the Li hop from the Li film into the first coating layer of li-lif and li-li2se. Each
case's record goes to ``<out>/<case>.json`` as soon as it finishes, and a rerun skips the
cases already there, so the campaign can be stopped and continued. The summary table is
written to ``bench/results/migration-<tag>.md``.

    OMP_NUM_THREADS=1 python bench/migration.py --calc sevennet --out runs/migration
    python bench/migration.py --only Li2Se LLZO     # a subset
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

CASES = {
    "Li": {"kind": "vacancy", "host": "Li"},
    "LiF": {"kind": "vacancy", "host": "LiF"},
    "Li2Se": {"kind": "vacancy", "host": "Li2Se"},
    "Li2O": {"kind": "vacancy", "host": "Li2O"},
    "LLZO": {"kind": "vacancy", "host": "LLZO", "fmax": 0.05},
    "Mg-in-Li": {"kind": "vacancy", "host": "Li", "solute": "Mg"},
    "Li-interstitial": {"kind": "interstitial", "host": "Li"},
    "LiF-interstitial": {"kind": "interstitial", "host": "LiF"},
    "Li2O-interstitial": {"kind": "interstitial", "host": "Li2O"},
    "Li2Se-interstitial": {"kind": "interstitial", "host": "Li2Se"},
    "Li2O-interstitialcy": {"kind": "interstitialcy", "host": "Li2O"},
    "Li2Se-interstitialcy": {"kind": "interstitialcy", "host": "Li2Se"},
    "li-lif": {"kind": "interface", "system": "li-lif"},
    "li-li2se": {"kind": "interface", "system": "li-li2se"},
}


def run_case(name: str, calc, temps, out: Path) -> dict:
    from interfacemodel.flows.migration import bulk_migration, interface_migration
    from interfacemodel.records import to_dict, write_json_atomic

    case = CASES[name]
    t0 = time.perf_counter()

    def say(msg: str) -> None:
        print(f"  [{name} {time.perf_counter() - t0:7.1f} s] {msg}", flush=True)

    if case["kind"] in ("vacancy", "interstitial", "interstitialcy"):
        res = bulk_migration(case["host"], calc, species="Li", mechanism=case["kind"],
                             solute=case.get("solute"), temperatures_K=temps,
                             fmax=case.get("fmax", 0.03), workdir=out / f"{name}.work",
                             progress=say)
    else:
        res = interface_migration(case["system"], calc, temperatures_K=temps,
                                  workdir=out / f"{name}.work", progress=say)
    data = to_dict(res)
    write_json_atomic(data, out / f"{name}.json")
    return data


#: notes of a record that the table repeats (path and saddle problems)
WARNINGS = ("energy jumps", "end point", "saddle has", "not formed", "not a Vineyard",
            "not converged", "inequivalent", "< 0 against")


def _fmt(value, spec: str, missing: str = "-") -> str:
    return missing if value is None else format(value, spec)


def row(name: str, d: dict) -> str:
    neb = d["neb"]
    D = d["diffusivities"][0]["D_cm2_per_s"] if d["diffusivities"] else None
    lit = d.get("literature_barrier") if d["mechanism"] == "vacancy" else None
    lit_text = "" if not lit else \
        f"{lit['range_eV'][0]}–{lit['range_eV'][1]} ({lit['computed_is']})"
    cells = [
        name, f"{d['hop']['label']} {d['hop'].get('wyckoff_sites') or ''}", d["hop"]["natoms"],
        f"{neb['barrier_forward_eV']:.3f}", f"{neb['barrier_backward_eV']:.3f}",
        "yes" if neb["converged"] else "NO", neb["optimizer"],
        _fmt(d["saddle_imaginary_modes"], "d"),
        _fmt(d["attempt_frequency_Hz"], ".2e", "fallback 1e13"),
        _fmt(d.get("defect_formation_energy_eV", d.get("vacancy_formation_energy_eV")), ".3f"),
        _fmt(D, ".2e"),
        f"{d['hop_rates'][0]['forward_per_s']:.2e}", lit_text, f"{d['wall_time_s']:.0f}",
        "; ".join(n for n in d["notes"] if any(k in n for k in WARNINGS)) or "",
    ]
    return "| " + " | ".join(str(c) for c in cells) + " |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calc", default="sevennet")
    ap.add_argument("--out", default="runs/migration")
    ap.add_argument("--only", nargs="*", choices=list(CASES), help="cases to run")
    ap.add_argument("--T", type=float, default=300.0, help="temperature of the table, K")
    ap.add_argument("--tag", default="vm", help="results file suffix")
    ap.add_argument("--notes", help="a Markdown file whose text goes under the table's header")
    args = ap.parse_args()

    import torch

    from interfacemodel.calculators import get_calculator

    torch.set_num_threads(1)
    calc = get_calculator(args.calc)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    records = {}
    for name in args.only or CASES:
        path = out / f"{name}.json"
        if path.exists():
            records[name] = json.loads(path.read_text())
            print(f"{name}: done before, read {path}")
            continue
        print(f"{name}: running", flush=True)
        try:
            records[name] = run_case(name, calc, [args.T], out)
        except Exception as exc:  # report and go on with the other cases
            print(f"{name}: FAILED: {type(exc).__name__}: {exc}", flush=True)
    lines = [
        f"# Migration barriers, {args.calc}, T = {args.T:g} K",
        "",
        f"Machine: {platform.machine()}, 2 cores, 24 GB, no GPU; torch threads 1. Command: "
        f"`OMP_NUM_THREADS=1 python bench/migration.py --calc {args.calc} --out {args.out}`.",
        "Vacancy hops: D includes the vacancy fraction from the computed E_f (Li-rich limit); "
        "interface hops: film → coating rate only. Barriers in eV.",
        *([f"Records: `{args.out}/<case>.json`."] if args.notes is None else
          ["", Path(args.notes).read_text().strip()]),
        "",
        "| case | hop | atoms | E_fwd | E_back | NEB conv. | NEB optimiser | saddle imag. modes "
        "| ν* (Hz) | E_f (eV) | D (cm²/s) | rate fwd (1/s) | literature (eV) | wall (s) "
        "| warnings |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *[row(name, d) for name, d in records.items()],
        "",
    ]
    results = Path(__file__).parent / "results" / f"migration-{args.tag}.md"
    results.write_text("\n".join(lines))
    print("\n".join(lines))
    print(f"wrote {results}")


if __name__ == "__main__":
    main()
