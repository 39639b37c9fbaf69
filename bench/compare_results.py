"""Compare two comparison reports' results.json value by value.

    python bench/compare_results.py OLD/results.json NEW/results.json [--rtol 1e-9]
        [--fields value,spread,spread_log10,committee,functionals,refine] [--all]

For every (row, value name) of either file: the value and, for numbers, the committee's
spread and each calculator's value beside it (committee members, other functionals, the DFT
check). Numbers agree when |new − old| ≤ rtol·max(|old|, |new|, 1e-12); text and flags must
be equal. Prints one line per difference (missing on one side, changed), grouped by row, and
a summary; ``--all`` also lists the metadata fields (unit, source, status, converged) that
differ. Exit code 0 when every compared field agrees, 1 otherwise. Used to show that the
refactored code reproduces the committed examples (issue 30) and, on deterministic EMT
campaigns, that it reproduces the old code to 1e-9.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

NUMBER_FIELDS = ("value", "spread", "spread_log10")
MAP_FIELDS = ("committee", "functionals", "refine", "refine_model", "refine_relaxed")
META_FIELDS = ("unit", "source", "status", "converged", "warnings")


def _values(path: Path) -> dict[tuple[str, str], dict]:
    data = json.loads(path.read_text())
    return {(row["coating"], v["name"]): v for row in data["coatings"] for v in row["values"]}


def _close(a, b, rtol: float) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or not all(
            isinstance(x, (int, float)) for x in (a, b)):
        return a == b
    if math.isnan(a) and math.isnan(b):
        return True
    return abs(a - b) <= rtol * max(abs(a), abs(b), 1e-12)


def _diff(old: dict, new: dict, rtol: float, fields, meta: bool) -> list[str]:
    out = []
    for f in fields:
        if f in MAP_FIELDS:
            a, b = old.get(f) or {}, new.get(f) or {}
            for member in sorted(set(a) | set(b)):
                if member not in a or member not in b:
                    out.append(f"{f}[{member}] only in {'new' if member in b else 'old'}")
                elif not _close(a[member], b[member], rtol):
                    out.append(f"{f}[{member}] {a[member]!r} -> {b[member]!r}")
        elif f in old or f in new:
            if f not in old or f not in new:
                out.append(f"{f} only in {'new' if f in new else 'old'}")
            elif not _close(old[f], new[f], rtol):
                out.append(f"{f} {old[f]!r} -> {new[f]!r}" + (
                    f" ({new[f] - old[f]:+.3g})" if all(isinstance(x, (int, float)) and not
                                                        isinstance(x, bool)
                                                        for x in (old[f], new[f])) else ""))
    if meta:
        out += [f"{f}: {old.get(f)!r} -> {new.get(f)!r}" for f in META_FIELDS
                if old.get(f) != new.get(f)]
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("old", type=Path)
    ap.add_argument("new", type=Path)
    ap.add_argument("--rtol", type=float, default=1e-9)
    ap.add_argument("--fields", default=",".join(NUMBER_FIELDS + MAP_FIELDS))
    ap.add_argument("--all", action="store_true", help="also compare units, sources, statuses")
    args = ap.parse_args(argv)
    old, new = _values(args.old), _values(args.new)
    fields = [f for f in args.fields.split(",") if f]
    bad = 0
    same = 0
    for key in sorted(set(old) | set(new)):
        row, name = key
        if key not in old or key not in new:
            print(f"{row:14s} {name}: only in {'new' if key in new else 'old'}"
                  + (f" ({new[key]['value']!r})" if key in new else f" ({old[key]['value']!r})"))
            bad += 1
            continue
        lines = _diff(old[key], new[key], args.rtol, fields, args.all)
        for line in lines:
            print(f"{row:14s} {name}: {line}")
        bad += bool(lines)
        same += not lines
    print(f"{same} values agree (rtol {args.rtol:g}), {bad} differ or are on one side only")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
