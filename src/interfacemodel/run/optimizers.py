"""Optimiser choice and force-call counting shared by the relaxation drivers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ..errors import UserInputError

#: ASE optimisers accepted by name (step-wise ones: our stopping rule drives ``irun``; ASE's
#: ODE12r only has ``run`` and is left out). ``PreconLBFGS`` and ``PreconFIRE`` use the Exp
#: preconditioner (Packwood et al., J. Chem. Phys. 144, 164109 (2016)) for every cell size
OPTIMIZERS = ("BFGS", "LBFGS", "FIRE", "FIRE2", "BFGSLineSearch", "GPMin", "MDMin",
              "PreconLBFGS", "PreconFIRE")
_PRECONDITIONED = ("PreconLBFGS", "PreconFIRE")


def get_optimizer(name: str):
    """The ASE optimiser class called ``name`` (case-insensitive; one of :data:`OPTIMIZERS`)."""
    import ase.optimize
    import ase.optimize.precon

    for known in OPTIMIZERS:
        if name.lower() == known.lower():
            module = ase.optimize.precon if known.startswith("Precon") else ase.optimize
            return getattr(module, known)
    raise UserInputError(f"unknown optimizer {name!r}; accepted: {', '.join(OPTIMIZERS)}")


def optimizer_options(name: str) -> dict:
    """Keyword arguments interfacemodel passes to the optimiser besides atoms and restart:
    the Exp preconditioner for the preconditioned ones (ASE's 'auto' switches it off below 100
    atoms, which would make the benchmark compare different algorithms by cell size)."""
    if get_optimizer(name).__name__ not in _PRECONDITIONED:
        return {}
    from ase.optimize.precon import Exp

    return {"precon": Exp()}  # an instance: PreconFIRE does not accept the name


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
