"""Calculators that bind their symmetry to the first structure they compute (GPAW 26).

GPAW keeps the symmetry of the structure a calculator object first computed (k-point
reduction, symmetrised forces) and moves on to a structure with the same atoms and cell by
moving them; one that breaks that symmetry — a NEB saddle after its end point, another
registry shift or segregation site, a Frenkel pair after the perfect cell — raises
``SymmetryBrokenError`` and leaves the calculator half-moved. :func:`evaluated` renews such a
calculator with the same parameters and computes again; the old object forwards to the new
one (:func:`current_calculator`), so a caller keeps one calculator object throughout.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from .threads import MARK, limit_blas_threads


def binds_symmetry(calc) -> bool:
    """Whether ``calc`` binds its symmetry to the first structure it computes (GPAW 26's
    calculator: k-point reduction and symmetrised forces kept while atoms move)."""
    return type(calc).__module__.startswith("gpaw.new")


def renewed_after_symmetry_break(calc, exc: BaseException):
    """A new calculator with ``calc``'s parameters (``calc.new()``, this package's spec and
    ``im_*`` marks copied) if ``exc`` is GPAW refusing a structure for its symmetry, else
    None; ``calc`` forwards to it from now on (:func:`current_calculator`)."""
    module = sys.modules.get("gpaw.new.symmetry")
    if module is None or not isinstance(exc, module.SymmetryBrokenError):
        return None
    calc = current_calculator(calc)
    fresh = calc.new()
    for key, value in vars(calc).items():
        if (key.startswith("im_") and key != "im_renewed") or key == "interfacemodel_spec":
            setattr(fresh, key, value)
    limit_blas_threads(fresh, getattr(fresh, MARK, None))  # its BLAS threads as before
    calc.im_renewed = fresh
    return fresh


def current_calculator(calc):
    """The calculator that stands for ``calc`` now: its latest renewal
    (:func:`renewed_after_symmetry_break`), else ``calc`` itself."""
    while True:
        try:
            renewed = vars(calc).get("im_renewed")
        except TypeError:  # no instance dict
            return calc
        if renewed is None:
            return calc
        calc = renewed


def evaluated(atoms, calc, compute: Callable[[Any], Any]):
    """``compute(atoms)`` with ``atoms.calc`` = ``calc``'s current calculator, renewed and
    computed again where it refuses ``atoms`` for an earlier structure's symmetry. Returns
    what ``compute`` returns; ``atoms.calc`` is the calculator that computed it."""
    atoms.calc = current_calculator(calc)
    try:
        return compute(atoms)
    except Exception as exc:
        fresh = renewed_after_symmetry_break(atoms.calc, exc)
        if fresh is None:
            raise
        atoms.calc = fresh
        return compute(atoms)
