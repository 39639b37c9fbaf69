"""Experiment beside computation: the table rows setting each observed value next to the
computed one, and the numbering of the sources.
"""

from __future__ import annotations

import math
from typing import Any

from ..analysis import experiment as exp
from ..analysis.quantities import sci as _sci
from .formatting import _cell, format_number
from .values import value_map


def _source_numbers(entries: list[dict]) -> dict[str, int]:
    keys: list[str] = []
    for e in entries:
        for m in exp.measurements_for(e["coating"]):
            if m.source not in keys:
                keys.append(m.source)
    return {k: i + 1 for i, k in enumerate(keys)}


def _ref(m: exp.Measurement, numbers: dict[str, int]) -> str:
    return f"[{numbers[m.source]}]"


def _comparison(m: exp.Measurement, item: dict[str, Any] | None,
                vmap: dict[str, dict]) -> str:
    """A short machine-made comparison of a computed value with an observed one."""
    if item is None:
        return "not computed here"
    v = item["value"]
    if m.compare_with == "reaction_meV_per_atom":
        products = vmap.get("reaction_products")
        stable = vmap.get("stable_against_li")
        if stable is not None and stable["value"]:
            return "computed: stable against Li"
        if products is not None:
            return f"computed: reacts to {format_number('reaction_products', products['value'])}"
        return "qualitative"
    if m.compare_with == "mg_segregation_surface_eV" and isinstance(v, (int, float)):
        return ("computed: Mg prefers the surface" if v < 0
                else "computed: Mg prefers the bulk (no surface segregation)")
    if m.compare_with == "soluble_in_li" and isinstance(v, bool):
        x = vmap.get("solubility_fraction_300K")
        limit = "" if x is None else f", x_sol = {_sci(x['value'])}"
        said = "soluble" if m.expects else "insoluble"
        verdict = "agrees" if m.expects is None or v == m.expects else "disagrees"
        return (f"computed: {'soluble' if v else 'insoluble'}{limit}; {verdict} with "
                f"'{said}'")
    if not isinstance(v, (int, float)) or isinstance(v, bool) or m.value is None:
        return "qualitative"
    if isinstance(m.value, tuple):
        lo, hi = m.value
        where = "inside" if lo <= v <= hi else ("below" if v < lo else "above")
        if item["unit"] in ("cm²/s", "S/cm") and v > 0 and lo > 0:
            mid = math.sqrt(lo * hi)  # the range's middle on the log axis
            ratio = v / mid
            gitt = ("; GITT measures D̃ = D·Θ, Θ the thermodynamic factor (≫ 1 in a "
                    "line compound)") if "GITT" in m.conditions else ""
            return (f"computed {where} the range; computed/observed = {_sci(ratio)} "
                    f"(10^{math.log10(ratio):+.1f}, against the range's geometric middle "
                    f"{_sci(mid)}){gitt}")
        return f"computed {where} the range"
    if item["unit"] in ("cm²/s", "S/cm") and v > 0 and m.value > 0:
        ratio = v / m.value
        text = f"computed/observed = {_sci(ratio)} (10^{math.log10(ratio):+.1f})"
        t = vmap.get("D_T_K")
        if m.T_K is not None and t is not None:
            text += f"; computed at {t['value']:g} K, observed at {m.T_K:g} K"
        return text
    if item["unit"] == "J/m²":
        return f"computed − literature = {v - m.value:+.3f} J/m²"
    return "—"


def _experiment_rows(entries: list[dict], numbers: dict[str, int]) -> list[dict[str, Any]]:
    rows = []
    for e in entries:
        vmap = value_map(e)
        for m in exp.measurements_for(e["coating"]):
            if m.compare_with is None or m.coatings[0] != exp.experiment_key(e["coating"]):
                continue
            item = vmap.get(m.compare_with)
            rows.append({"coating": e["coating"], "computed_name": m.compare_with,
                         "computed": _cell(vmap, m.compare_with, unit=True),
                         "computed_source": item["source"] if item else None,
                         "observed": m.value_text(), "quantity": m.quantity, "kind": m.kind,
                         "conditions": m.conditions, "source": m.citation,
                         "ref": _ref(m, numbers), "measurement": m.key,
                         "comparison": _comparison(m, item, vmap)})
    return rows
