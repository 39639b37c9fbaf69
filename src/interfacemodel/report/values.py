"""Every number the report shows, read from the records through their quantity declarations
(:mod:`interfacemodel.analysis.comparison`), with its unit, source path, convergence status
and, where the committee, another functional or the DFT check recomputed it, their values and
the committee's spread (:func:`report_values`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..analysis.committee import committee_value
from ..analysis.comparison import QUANTITIES, row_items
from ..analysis.quantities import base_name, is_number
from .records import RECORD_FIELDS, CoatingResult, _check_results


class ValueMap(dict):
    """One row's report items by value name. Looking up a name that no quantity declares
    is a programming error (a place of the report naming an undeclared quantity): KeyError
    naming it, whether the row has the value or not."""

    @staticmethod
    def _declared(name: Any) -> Any:
        if not isinstance(name, str) or base_name(name) not in QUANTITIES:
            raise KeyError(f"{name!r} is not a declared quantity "
                           f"(interfacemodel.analysis.comparison.QUANTITIES)")
        return name

    def __getitem__(self, name):
        return super().__getitem__(self._declared(name))

    def get(self, name, default=None):
        return super().get(self._declared(name), default)

    def __contains__(self, name) -> bool:
        return super().__contains__(self._declared(name))


def value_map(entry: dict[str, Any]) -> ValueMap:
    """A row's items (an entry of :func:`report_values`) by value name."""
    return ValueMap((v["name"], v) for v in entry["values"])


def on_log10(name: str) -> bool:
    """Whether the quantity ``name`` spans decades (D, σ, the carrier fraction, x_sol): its
    spread, its deviations and its axis are taken on log10 (its declaration's ``log``)."""
    q = QUANTITIES.get(base_name(name))
    return q is not None and q.log


def _beside(result: CoatingResult, item: dict[str, Any]) -> None:
    """``functionals``, ``refine``, ``refine_model``, ``refine_relaxed`` (calculator ->
    value) where a calculator of another functional, the DFT check, or the DFT check on a
    model of its own recomputed the number; ``refine_model_atoms`` its model's size and
    ``refine_model_main`` the campaign calculator's label among them."""
    value = item["value"]
    if not is_number(value):
        return
    for group in ("functionals", "refine", "refine_model", "refine_relaxed"):
        other = {m: v[item["name"]] for m, v in (getattr(result, group) or {}).items()
                 if item["name"] in v}
        if other:
            item[group] = other
    if "refine_model" in item:
        atoms = result.refine_model_atoms
        item["refine_model_atoms"] = atoms.get(item["name"]) if isinstance(atoms, dict) \
            else atoms
        item["refine_model_main"] = result.committee_main


def _spread(result: CoatingResult, item: dict[str, Any]) -> None:
    """``spread`` (sample standard deviation over the committee; D, σ, c: ``spread_log10``,
    of log10) and ``committee`` (member -> value) of a number the members recomputed."""
    committee, value = result.committee, item["value"]
    if not committee or not is_number(value):
        return
    members = {m: v[item["name"]] for m, v in committee.items() if item["name"] in v}
    if not members:
        return
    main = result.committee_main or "main"
    if on_log10(item["name"]):
        logs = {m: math.log10(v) if v > 0 else None for m, v in members.items()}
        cv = committee_value(main, {main: math.log10(value) if value > 0 else None, **logs})
        if cv is not None:
            item["spread_log10"] = cv.spread
            item["committee"] = {main: float(value), **members}
        return
    cv = committee_value(main, {main: float(value), **members})
    if cv is not None:
        item["spread"] = cv.spread
        item["committee"] = cv.members


def report_values(results: Sequence[CoatingResult]) -> list[dict[str, Any]]:
    """Every number (and label) the report shows, per coating: ``{'coating', 'system', 'role',
    'values': [{'name', 'label', 'value', 'unit', 'source', 'converged', 'status', 'group',
    'warnings'[, 'spread' or 'spread_log10', 'committee', 'functionals', 'refine', ...]}],
    'notes'}``, one item per declared quantity the row's records hold
    (:data:`~interfacemodel.analysis.comparison.ROW_RECORDS`). ``source`` is the dotted path
    of the value in the :class:`CoatingResult` (:func:`resolve_source`); ``converged`` the
    record's flag (None for geometry, settings and model sizes); ``spread``: see
    :data:`~interfacemodel.analysis.committee.SPREAD_DEFINITION`."""
    _check_results(results)
    out = []
    for r in results:
        items, notes = row_items({f: getattr(r, f) for f in RECORD_FIELDS},
                                 {"committee": bool(r.committee)})
        for item in items:
            _beside(r, item)
            _spread(r, item)
        out.append({"coating": r.coating, "system": r.system, "role": r.role, "values": items,
                    "notes": notes})
    return out
