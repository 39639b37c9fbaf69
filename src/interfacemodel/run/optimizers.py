"""Optimiser choice and force-call counting shared by the relaxation drivers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ..errors import UserInputError

OPTIMIZERS = ("BFGS", "LBFGS", "FIRE", "BFGSLineSearch", "GPMin", "MDMin")


def get_optimizer(name: str):
    """The ASE optimiser class called ``name`` (case-insensitive; one of :data:`OPTIMIZERS`)."""
    import ase.optimize

    for known in OPTIMIZERS:
        if name.lower() == known.lower():
            return getattr(ase.optimize, known)
    raise UserInputError(f"unknown optimizer {name!r}; accepted: {', '.join(OPTIMIZERS)}")


class CallCounter:
    """Counts the calculator's real evaluations (``calculate`` calls, cache hits excluded)."""

    def __init__(self) -> None:
        self.calls = 0


@contextlib.contextmanager
def count_calculations(calc) -> Iterator[CallCounter]:
    """Context manager wrapping ``calc.calculate`` to count evaluations."""
    counter = CallCounter()
    original = calc.calculate

    def counting(*args, **kwargs):
        counter.calls += 1
        return original(*args, **kwargs)

    calc.calculate = counting
    try:
        yield counter
    finally:
        del calc.calculate  # drop the instance attribute: the class method shows through again
