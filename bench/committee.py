"""Cost of the committee and of the DFT check per coating, from the progress log of a
comparison run.

Run by hand:
    interfacemodel compare --preset quick --out runs/q --state runs/q-state | tee q.log
    .venv/bin/python bench/committee.py q.log [--out bench/results/committee-vm.md]

Every progress line ``[i/N] <campaign>:<job> (fw K): COMPLETED in X s`` is one Firework. A
committee job is named ``committee:<system or hop>:<member>`` (its single points) or ends in
``[<member>]`` (a member's own bulk relaxations and reaction); everything else is the main
model's pipeline. The DFT check's own models (``... [check model]``): their relaxation by
the main model is a column of its own, their single points are the members'. The table gives, per system or hop, the main pipeline's seconds and each
member's, and the totals (wall time of the Fireworks, which run one after the other).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

CHECK_TAG = " [check model]"  # interfacemodel.flows.campaign.CHECK_TAG
LINE = re.compile(r"^\[\d+/\d+\] [^:]+:(?P<job>.+?) \(fw \d+\): COMPLETED in (?P<s>[\d.]+) s")


def costs(text: str):
    """(main seconds by job, member seconds by (target, member))."""
    main: dict[str, float] = defaultdict(float)
    members: dict[tuple[str, str], float] = defaultdict(float)
    for line in text.splitlines():
        m = LINE.match(line.strip())
        if not m:
            continue
        job, seconds = m["job"], float(m["s"])
        if job.startswith("committee:"):
            _, target, member = job.split(":", 2)
            members[(target, member)] += seconds
        elif job.endswith(CHECK_TAG):  # the DFT check's own model, relaxed by the main model
            kind, target = job[:-len(CHECK_TAG)].split(":", 1)
            members[(f"{target}{CHECK_TAG}", "its relaxation (main model)")] += seconds
        elif job.endswith("]") and " [" in job:
            name, member = job[:-1].split(" [", 1)
            members[(name, member)] += seconds
        else:
            main[job] += seconds
    return main, members


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("log", help="the stdout of `interfacemodel compare`")
    p.add_argument("--out", help="write the Markdown table here")
    args = p.parse_args(argv)
    main_s, member_s = costs(Path(args.log).read_text(errors="replace"))
    names = sorted({m for _, m in member_s})
    targets = sorted({t for t, _ in member_s})
    lines = ["| committee job target | " + " | ".join(names) + " |",
             "|---" * (len(names) + 1) + "|"]
    for t in targets:
        lines.append(f"| {t} | " + " | ".join(f"{member_s.get((t, m), 0.0):.1f}" for m in names)
                     + " |")
    lines.append("| **all (s)** | " + " | ".join(
        f"**{sum(v for (_, mm), v in member_s.items() if mm == m):.1f}**" for m in names) + " |")
    total_main = sum(main_s.values())
    total_members = sum(member_s.values())
    text = ("\n".join(lines) + f"\n\nmain pipeline: {total_main:.0f} s of Fireworks; committee: "
            f"{total_members:.0f} s ({100 * total_members / max(total_main, 1e-9):.0f} % on top)")
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
