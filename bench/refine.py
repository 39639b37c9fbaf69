"""The ML-vs-DFT deviation table of a refined comparison: every calculator's numbers on the DFT
check's own models (and at the campaign's crystals for the reaction) against the DFT values.

Run by hand, on the report of a refined comparison:
    interfacemodel compare --preset quick --refine gpaw --out runs/q-refine | tee refine.log
    .venv/bin/python bench/refine.py runs/q-refine/results.json [--out F.md]

Per coating and quantity: the DFT value (and after the check's short DFT relaxation, where
its forces at the ML geometry made one), then per calculator its value and the deviation
(value − DFT, and in % of the DFT value where that is not near zero); hop barriers at the
campaign's end points and saddle. The check model's size
is the interface's atom count in the check's own model. The cost per coating of the check
(Fireworks seconds) comes from `bench/committee.py` on the run's log.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

QUANTITIES = ("w_adh_ideal_J_per_m2", "w_adh_relaxed_J_per_m2", "gamma_film_as_cut_J_per_m2",
              "gamma_coating_as_cut_J_per_m2", "gamma_int_J_per_m2", "contact_angle_deg",
              "reaction_meV_per_atom")


def _own(item: dict) -> dict[str, float]:
    """Every calculator's value that the DFT value is compared with, like for like."""
    return item.get("refine_model") or item.get("committee") or \
        {"campaign calculator": item["value"]}


def rows(results: dict) -> tuple[list[str], list[list[str]]]:
    """(the calculators, one row per coating and quantity)."""
    checked = [(coating, item) for coating in results["coatings"] for item in coating["values"]
               if item.get("refine") and (item["name"] in QUANTITIES
                                          or item["name"].startswith("barrier_"))]
    calcs: list[str] = []
    for _, item in checked:
        for c in _own(item):
            if c not in calcs:
                calcs.append(c)
    table = []
    for coating, item in checked:
        dft_name, dft = next(iter(item["refine"].items()))
        own = _own(item)
        where = f"check model, {item['refine_model_atoms']} atoms" \
            if item.get("refine_model") else "campaign geometry"
        cells = []
        for c in calcs:
            v = own.get(c)
            if v is None:
                cells.append("—")
                continue
            pct = f" ({100 * (v - dft) / abs(dft):+.0f} %)" if abs(dft) > 1e-3 else ""
            cells.append(f"{v:.3f} ({v - dft:+.3f}){pct}")
        relaxed = (item.get("refine_relaxed") or {}).get(dft_name)
        table.append([coating["coating"], item["label"], where, f"{dft:.3f}",
                      "—" if relaxed is None else f"{relaxed:.3f}", *cells])
        table[-1].append(dft_name)
    return calcs, table


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("results", help="results.json of a refined comparison")
    p.add_argument("--out", help="write the Markdown table here")
    args = p.parse_args(argv)
    calcs, table = rows(json.loads(Path(args.results).read_text()))
    head = ["coating", "quantity", "where", "DFT", "DFT, short relaxation", *calcs,
            "DFT calculator"]
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    width = len(head)
    lines += ["| " + " | ".join(r + ["—"] * (width - len(r))) + " |" for r in table]
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
