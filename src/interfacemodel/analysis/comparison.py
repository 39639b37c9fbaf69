"""The rows of the coating comparison: which record of a row holds which declared quantities.

A row of the comparison (one coating or reference) holds up to one record of each pipeline in
:data:`ROW_RECORDS`; each record field maps to the :class:`~interfacemodel.analysis.quantities.\
Quantity` declarations of its record type (the hop records with the tag of their role). The
report, the campaign and the committee read values through :func:`row_items` and
:func:`member_values`. Pure: records in, numbers out.
"""

from __future__ import annotations

from typing import Any

from .interface_energetics import ENERGETICS, energetics_notes
from .migration import hop_quantities
from .quantities import Quantity, by_name
from .segregation import SEGREGATION
from .solubility import SOLUBILITY, solubility_notes
from .solute_screen import INTERFACE_SCREEN_ENTRY, SCREEN_ENTRY

#: record field of a row -> the quantities its record gives (declaration order = report order)
ROW_RECORDS: dict[str, tuple[Quantity, ...]] = {
    "energetics": ENERGETICS,
    "bulk_migration": hop_quantities("coating", table="transport", rank=True, models=True,
                                     sigma=True),
    "interface_migration": hop_quantities("interface", role="interface", table="transport",
                                          rank=True, models=True),
    "solute_migration": hop_quantities("solute", table="solute hops"),
    "mg_segregation": SEGREGATION,
    "solubility": SOLUBILITY,
}
#: record field -> what the report says where a record lacks a number
ROW_NOTES = {"energetics": energetics_notes, "solubility": solubility_notes}

#: the solute screen's tables: its free-face entries and its interface entries
SCREEN_RECORDS: dict[str, tuple[Quantity, ...]] = {"entries": SCREEN_ENTRY,
                                                   "interfaces": INTERFACE_SCREEN_ENTRY}

#: every declared quantity of the comparison, by name (the rows' and the screen's)
QUANTITIES: dict[str, Quantity] = by_name(
    [q for qs in ROW_RECORDS.values() for q in qs]
    + [q for qs in SCREEN_RECORDS.values() for q in qs])


def ranked() -> list[Quantity]:
    """The quantities that rank the coatings, in the ranking's column order."""
    return sorted((q for q in QUANTITIES.values() if q.rank is not None),
                  key=lambda q: q.rank.order)


def columns(table: str) -> list[tuple[str, str]]:
    """(value name, header) of every quantity shown as a column of the report section
    ``table``, in declaration order."""
    return [(q.name, q.column) for qs in ROW_RECORDS.values() for q in qs
            if q.table == table and q.keys is None]


def row_items(records: dict[str, Any], context: dict[str, Any] | None = None
              ) -> tuple[list[dict[str, Any]], list[str]]:
    """The report items of one row (``records``: record field -> record dict or None) and
    the row's notes on missing numbers."""
    items, notes = [], []
    for field, quantities in ROW_RECORDS.items():
        record = records.get(field)
        if record is None:
            continue
        for q in quantities:
            items += q.items(record, field, context)
        if field in ROW_NOTES:
            notes += ROW_NOTES[field](record)
    return items, notes


def member_values(records: dict[str, Any]) -> dict[str, float]:
    """A committee member's numbers (record field -> its record of that pipeline), by value
    name: the quantities it recomputes from its own energies (``spread``)."""
    out: dict[str, float] = {}
    for field, quantities in ROW_RECORDS.items():
        record = records.get(field)
        if record is None:
            continue
        for q in quantities:
            if q.spread:
                out.update(q.values(record))
    return out
