"""The ranking criteria, the per-criterion ranking of the coatings and the observed trends beside
the computed orders.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..analysis import experiment as exp
from ..analysis.comparison import ranked
from ..run.neb import NO_BARRIER_FLAG


@dataclass(frozen=True)
class Criterion:
    """One ranking column: the value ranked, which way is better, and why."""

    name: str
    title: str
    better: str  # 'higher' or 'lower'
    why: str


#: the ranking's columns: every quantity declared with a :class:`~interfacemodel.analysis.\
#: quantities.Rank`, in its order
CRITERIA: tuple[Criterion, ...] = tuple(
    Criterion(q.name, q.rank.title, q.rank.better, q.rank.why) for q in ranked())


def _no_barrier(item: dict[str, Any]) -> bool:
    """The value rests on a band whose highest image is an end point: not a barrier."""
    return any(NO_BARRIER_FLAG in str(w) for w in item.get("warnings", []))


def ranking(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per criterion: the rank of every coating (role 'coating') that has the number (1 =
    best; equal values share a rank); reference rows and missing numbers get None.
    Unconverged numbers are ranked and listed in ``not_converged``; numbers that rest on a
    band with no barrier between its end points (a barrier, or the D made from it) are not
    ranked and are listed in ``not_ranked``. ``not_separated``: pairs of ranked coatings whose
    numbers differ by no more than their committee spreads combined in quadrature — the ranking does not tell them apart."""
    out = []
    for crit in CRITERIA:
        have, skipped = {}, []
        for e in entries:
            item = next((v for v in e["values"] if v["name"] == crit.name), None)
            if item is not None and e["role"] == "coating" and \
                    isinstance(item["value"], (int, float)) and not isinstance(item["value"], bool):
                if _no_barrier(item):
                    skipped.append(e["coating"])
                else:
                    have[e["coating"]] = item
        sign = -1.0 if crit.better == "higher" else 1.0
        ranks = {}
        for coating, item in have.items():
            ranks[coating] = 1 + sum(sign * other["value"] < sign * item["value"]
                                     for other in have.values())
        out.append({"criterion": crit.name, "title": crit.title, "better": crit.better,
                    "why": crit.why, "ranks": {e["coating"]: ranks.get(e["coating"])
                                               for e in entries},
                    "not_converged": sorted(c for c, item in have.items()
                                            if item["converged"] is False),
                    "not_ranked": sorted(skipped),
                    "not_separated": _not_separated(have, ranks)})
    return out


def _not_separated(have: dict[str, dict[str, Any]], ranks: dict[str, int]) -> list[list[str]]:
    """Pairs (better-ranked first) whose difference is within their spreads in quadrature;
    only numbers with a committee spread count (D: log10 D and its spread)."""
    def point(item):  # (value, spread), on log10 where the spread is
        if item.get("spread_log10") is not None and item["value"] > 0:
            return math.log10(item["value"]), item["spread_log10"]
        return (item["value"], item["spread"]) if item.get("spread") is not None else None

    points = {c: point(item) for c, item in have.items()}
    names = sorted((c for c in have if points[c] is not None), key=lambda c: (ranks[c], c))
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            (va, sa), (vb, sb) = points[a], points[b]
            if abs(va - vb) <= math.hypot(sa, sb):
                pairs.append([a, b])
    return pairs


def _trend_checks(entries: list[dict], ranks: list[dict]) -> list[str]:
    """Observed orderings (one quantity, one study, several of our coatings) beside the
    computed order of each criterion for the same coatings."""
    names = {exp.experiment_key(e["coating"]): e["coating"] for e in entries
             if e["role"] == "coating"}
    groups: dict[tuple[str, str], list[tuple[exp.Measurement, str]]] = {}
    for m in exp.MEASUREMENTS:
        if not isinstance(m.value, (int, float)) or m.quantity != "critical current density":
            continue
        for key in m.coatings:
            if key in names:
                groups.setdefault((m.source, m.quantity), []).append((m, names[key]))
    lines = []
    for (source, quantity), members in groups.items():
        if len(members) < 2:
            continue
        members.sort(key=lambda mc: -mc[0].value)
        observed = [c for _, c in members]
        text = (f"Observed {quantity} ({exp.SHORT[source]}, one study): "
                + " > ".join(f"{c} ({m.value_text()})" for m, c in members) + ".")
        parts = []
        for r in ranks:
            got = {c: r["ranks"].get(c) for c in observed}
            if any(k is None for k in got.values()):
                continue
            levels = sorted(set(got.values()))
            groups_ = [[c for c in observed if got[c] == k] for k in levels]
            if any(len(g) > 1 for g in groups_):
                verdict = "ties: order not resolved"
            else:
                verdict = "same order" if [g[0] for g in groups_] == observed \
                    else "different order"
            parts.append(f"{r['title']}: {' > '.join(' = '.join(g) for g in groups_)} "
                         f"({verdict})")
        text += (" Computed, best first: " + "; ".join(parts) + "."
                 if parts else " No criterion has a computed number for all of them.")
        lines.append(text)
    return lines
