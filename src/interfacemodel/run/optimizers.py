"""Optimiser choice and force-call counting shared by the relaxation drivers.

An optimiser is named by a spec ``NAME[:key=value,...]``: ``BFGS``, ``FIRE2``,
``BFGS:alpha=20`` (initial Hessian 20 eV/Å² instead of ASE's 70), ``PreconLBFGS``. Values are
numbers; keys are the optimiser's own keyword arguments.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterator

from ..errors import UserInputError

#: ASE optimisers accepted by name (step-wise ones: our stopping rule drives ``irun``; ASE's
#: ODE12r only has ``run`` and is left out). ``PreconLBFGS`` and ``PreconFIRE`` use the Exp
#: preconditioner (Packwood et al., J. Chem. Phys. 144, 164109 (2016)) for every cell size
OPTIMIZERS = ("BFGS", "LBFGS", "FIRE", "FIRE2", "BFGSLineSearch", "GPMin", "MDMin",
              "PreconLBFGS", "PreconFIRE")
_PRECONDITIONED = ("PreconLBFGS", "PreconFIRE")


def _split(spec: str) -> tuple[str, dict[str, float]]:
    name, _, rest = spec.partition(":")
    options: dict[str, float] = {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = item.partition("=")
        try:
            options[key.strip()] = float(value)
        except ValueError:
            raise UserInputError(f"optimizer option {item!r} in {spec!r} is not key=number") from None
        if not eq:
            raise UserInputError(f"optimizer option {item!r} in {spec!r} is not key=number")
    return name.strip(), options


def get_optimizer(spec: str):
    """The ASE optimiser class named by ``spec`` (case-insensitive; one of :data:`OPTIMIZERS`,
    options after a colon are checked against its keyword arguments)."""
    import ase.optimize
    import ase.optimize.precon

    name, options = _split(spec)
    for known in OPTIMIZERS:
        if name.lower() == known.lower():
            module = ase.optimize.precon if known.startswith("Precon") else ase.optimize
            cls = getattr(module, known)
            accepted = set(inspect.signature(cls.__init__).parameters)
            bad = sorted(set(options) - accepted)
            if bad:
                raise UserInputError(f"optimizer {known} has no option {bad[0]!r}")
            return cls
    raise UserInputError(f"unknown optimizer {name!r}; accepted: {', '.join(OPTIMIZERS)} "
                         f"(options as NAME:key=value, e.g. BFGS:alpha=20)")


def optimizer_options(spec: str) -> dict:
    """Keyword arguments for the optimiser besides atoms and restart: the spec's own options,
    and the Exp preconditioner for the preconditioned ones (ASE's 'auto' switches it off below
    100 atoms, which would make the benchmark compare different algorithms by cell size)."""
    cls = get_optimizer(spec)
    options: dict = dict(_split(spec)[1])
    if cls.__name__ in _PRECONDITIONED and "precon" not in options:
        from ase.optimize.precon import Exp

        options["precon"] = Exp()  # an instance: PreconFIRE does not accept the name
    return options


def optimizer_label(spec: str) -> str:
    """Canonical spelling of an optimiser spec, e.g. 'bfgs:alpha=20' -> 'BFGS:alpha=20'."""
    cls = get_optimizer(spec)
    options = _split(spec)[1]
    return cls.__name__ + ("" if not options else ":" + ",".join(
        f"{k}={v:g}" for k, v in options.items()))


class CallCounter:
    """Counts the calculator's real evaluations (``calculate`` calls, cache hits excluded)."""

    def __init__(self) -> None:
        self.calls = 0


@contextlib.contextmanager
def count_calculations(calc) -> Iterator[CallCounter]:
    """Context manager wrapping ``calc.calculate`` to count evaluations."""
    counter = CallCounter()
    original = calc.calculate
    wrapped = vars(calc).get("calculate")  # an instance wrapper already there (the journal's)

    def counting(*args, **kwargs):
        counter.calls += 1
        return original(*args, **kwargs)

    calc.calculate = counting
    try:
        yield counter
    finally:
        if wrapped is not None:
            calc.calculate = wrapped
        else:
            del calc.calculate  # drop the instance attribute: the class method shows through
