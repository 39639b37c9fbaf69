"""A calculation journal: every result a calculator computes, appended to a file as it is
made, so that a step rerun after a kill gets what was already computed back instead of
computing it again.

Checkpoints (:mod:`.checkpoint`) make relaxations and NEBs resume; the journal covers the
rest of a step's calculator work — registry and gap scans, single points of cleaved slabs,
bulk relaxations and equations of state, finite displacements, NEB images within one band
evaluation — and a step that completed but whose completion was never recorded (killed
before the store was saved). Each line is one calculation: a key (SHA-256 of the calculator's
label and the structure: numbers, positions, cell, pbc, initial magnetic moments and charges,
as exact bytes) and the results (energy, forces, stress; float64, base64). A kill mid-write
leaves a torn last line, which is dropped (and the file cut back) when the journal is opened.

Only calculators that use ASE's standard cache (``Calculator.get_property``) are journalled.
Relaxations with a checkpoint suspend the journal (their steps are in the checkpoint; the
journal would hold every step a second time).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ..calculators import calculator_provenance, provenance_label

JOURNAL_FILE = "calculations.journal"
_KEYS = ("energy", "free_energy", "forces", "stress")


def _encode(value):
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return float(array)
    return {"shape": list(array.shape),
            "b64": base64.b64encode(np.ascontiguousarray(array).tobytes()).decode()}


def _decode(value):
    if isinstance(value, dict):
        data = np.frombuffer(base64.b64decode(value["b64"]), dtype=float)
        return data.reshape(value["shape"]).copy()
    return float(value)


def structure_key(atoms, label: str) -> str:
    """SHA-256 of ``label`` and the structure as exact bytes."""
    h = hashlib.sha256(label.encode())
    for array in (atoms.numbers.astype(np.int64), atoms.positions.astype(float),
                  atoms.cell.array.astype(float), atoms.pbc.astype(np.int8),
                  atoms.get_initial_magnetic_moments().astype(float),
                  atoms.get_initial_charges().astype(float)):
        h.update(np.ascontiguousarray(array).tobytes())
        h.update(b"|")
    return h.hexdigest()


class CalculationJournal:
    """The journal file at ``path``: ``get(key)`` and ``append(key, results)``."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.entries: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        good = 0
        if self.path.exists():
            data = self.path.read_bytes()
            for line in data.splitlines(keepends=True):
                if not line.endswith(b"\n"):
                    break  # torn by a kill mid-write
                try:
                    entry = json.loads(line)
                    self.entries[entry["k"]] = entry["r"]
                except (ValueError, KeyError, TypeError):
                    break
                good += len(line)
            if good < len(data):
                with open(self.path, "r+b") as fh:
                    fh.truncate(good)
        self.suspended = 0

    def get(self, key: str) -> dict[str, Any] | None:
        entry = self.entries.get(key)
        return None if entry is None else {k: _decode(v) for k, v in entry.items()}

    def append(self, key: str, results: dict[str, Any]) -> None:
        kept = {k: results[k] for k in _KEYS if k in results}
        if not kept or not all(np.isfinite(np.asarray(v, dtype=float)).all()
                               for v in kept.values()):
            return  # nothing to keep, or a non-finite result: never replayed on a rerun
        encoded = {k: _encode(v) for k, v in kept.items()}
        line = json.dumps({"k": key, "r": encoded}) + "\n"
        with self._lock:
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(line)
            self.entries[key] = encoded


def journal_calculations(calc, path: str | Path) -> bool:
    """Journal ``calc``'s calculations in the file ``path`` (created if missing): a structure
    already in it gets its results from there, no calculation. Returns whether ``calc`` is
    journalled (False for calculators with their own caching, whose results then are
    computed as usual). The journal stays with ``calc`` (``calc.interfacemodel_journal``);
    calculators built from it by :func:`~interfacemodel.run.neb.image_calculators` share it.
    """
    from ase.calculators.calculator import Calculator, all_changes

    if not isinstance(calc, Calculator) or type(calc).get_property is not Calculator.get_property:
        return False
    journal = path if isinstance(path, CalculationJournal) else CalculationJournal(path)
    # one wrapper per calculator, reading the journal attached now: a calculator reused by
    # the next step (the workflow layer caches them) records into that step's journal only
    calc.interfacemodel_journal = journal
    if vars(calc).get("_interfacemodel_journalled"):
        return True
    label = provenance_label(calculator_provenance(calc))
    inner = calc.calculate

    def calculate(atoms=None, properties=("energy",), system_changes=all_changes):
        current = calc.interfacemodel_journal
        if current is None:  # detached (detach_journal): a plain calculation
            inner(atoms, properties, system_changes)
            return
        structure = atoms if atoms is not None else calc.atoms
        key = None if current.suspended else structure_key(structure, label)
        saved = None if key is None else current.get(key)
        if saved is not None and all(p in saved for p in properties):
            calc.results = saved
            # not cached as this structure: the next request asks again (a calculator that
            # sets itself up on its first real calculation, as EMT does, then still does)
            calc.atoms = None
            return
        inner(atoms, properties, system_changes)
        if key is not None:
            current.append(key, calc.results)

    calc.calculate = calculate
    calc._interfacemodel_journalled = True
    return True


def detach_journal(calc) -> None:
    """``calc`` stops journalling (its journal's folder may be gone); a later
    :func:`journal_calculations` attaches a journal again."""
    if vars(calc).get("_interfacemodel_journalled"):
        calc.interfacemodel_journal = None


@contextlib.contextmanager
def journal_suspended(calc):
    """Within the block, ``calc``'s journal (if any) neither serves nor records."""
    journal = getattr(calc, "interfacemodel_journal", None)
    if journal is None:
        yield
        return
    journal.suspended += 1
    try:
        yield
    finally:
        journal.suspended -= 1


__all__ = ["JOURNAL_FILE", "CalculationJournal", "detach_journal", "journal_calculations",
           "journal_suspended", "structure_key"]
