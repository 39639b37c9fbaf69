"""Labels and number formatting of the report's values, and the marks of the tables."""

from __future__ import annotations

from typing import Any

from ..analysis.comparison import QUANTITIES
from ..analysis.quantities import base_name, format_value

MISSING = "—"
NOT_CONVERGED_MARK = "†"
WARNING_MARK = "⚑"


def _base(name: str) -> str:
    return base_name(name)


def quantity_label(name: str) -> str:
    """Display label of a value name from its declaration ('gamma_surface_J_per_m2[Li(110)-
    t0-Li]' -> 'γ free surface Li(110)-t0-Li'); an undeclared name is shown as it is."""
    q = QUANTITIES.get(base_name(name))
    return name if q is None else q.display(name)


def format_number(name: str, value: Any) -> str:
    """A value as the report prints it: its declaration's format (3 decimals, or fixed
    decimals, or scientific, by quantity)."""
    q = QUANTITIES.get(base_name(name))
    return format_value("auto" if q is None else q.fmt, value)


def format_spread(value_text: str, name: str, spread: float) -> str:
    """A spread printed to the decimals of its value (``value_text`` as
    :func:`format_number` wrote it): 1.215 ± 0.024, 0.616 ± 0.000; in scientific notation
    when the value is."""
    if "e" in value_text or "." not in value_text:
        return format_number(name, spread)
    return f"{spread:.{len(value_text.split('.', 1)[1])}f}"


def _marks(item: dict[str, Any]) -> str:
    marks = NOT_CONVERGED_MARK if item.get("converged") is False else ""
    return marks + (WARNING_MARK if item.get("warnings") else "")


def _cell(vmap: dict[str, dict], name: str, unit: bool = False) -> str:
    item = vmap.get(name)
    if item is None:
        return MISSING
    text = format_number(name, item["value"])
    if item.get("spread") is not None:  # the committee's spread, same digits as the value
        text += f" ± {format_spread(text, name, item['spread'])}"
    elif item.get("spread_log10") is not None:
        text += f" (log10 ± {item['spread_log10']:.2f})"
    if unit and item["unit"] and not isinstance(item["value"], (str, list, bool)):
        text += f" {item['unit']}"
    return text + _marks(item)
