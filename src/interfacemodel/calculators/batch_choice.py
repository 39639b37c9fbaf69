"""The drivers' ``batch`` argument: when to evaluate many structures per model call.

The drivers (``run_neb``, ``scan_registry``, ``relax_many``, ``relax_bulk_many``, ``fit_eos``,
``phase_energies``) take ``batch='auto'``: :func:`batch_evaluator` gives an evaluator for
SevenNet and CHGNet calculators and None (the one-at-a-time path) for any other; ``True``
insists, ``False`` never batches, a :class:`~.evaluator.BatchEvaluator` is used as given.
``batch_max_edges``: the evaluator's edge budget (None: the device default of
:mod:`.chunking`, one structure per model call on CPU, half the free memory on CUDA).
"""

from __future__ import annotations

from typing import Any

from ..errors import UserInputError
from .chunking import DEFAULT_MAX_ATOMS
from .evaluator import BatchEvaluator
from .graphs import SUPPORTED, batch_backend
from .registry import CalcSpec, parse_calc_spec

BATCH_CHOICES = "'auto' (batched for SevenNet/CHGNet, one at a time otherwise), True, False or a BatchEvaluator"


def supports_batching(calc) -> bool:
    """Whether :class:`BatchEvaluator` can evaluate with ``calc`` (an ASE calculator, spec
    string or CalcSpec): SevenNet and CHGNet calculators."""
    if isinstance(calc, BatchEvaluator):
        return True
    if isinstance(calc, (str, CalcSpec)):
        try:
            return parse_calc_spec(calc).name in SUPPORTED
        except UserInputError:
            return False
    try:
        batch_backend(calc)
    except UserInputError:
        return False
    return True


def batch_evaluator(calc, batch: Any = "auto", max_edges: int | None = None,
                    max_atoms: int | None = DEFAULT_MAX_ATOMS) -> BatchEvaluator | None:
    """The evaluator a driver should use for ``calc`` under the rule ``batch``, or None for
    the one-at-a-time path.

    ``batch='auto'``: an evaluator when ``calc`` is a SevenNet or CHGNet calculator, None for
    any other (EMT, LAMMPS, GPAW, ...). ``True``: an evaluator, and a one-line
    :class:`UserInputError` naming ``calc`` when it is not supported. ``False``: None. A
    :class:`BatchEvaluator` is used as it is (its own budget and counters). ``max_edges`` /
    ``max_atoms``: the evaluator's budget (``max_edges=None``: the device default, which is
    one structure per model call on CPU).
    """
    if isinstance(batch, BatchEvaluator):
        if max_edges is not None:
            raise UserInputError(f"batch_max_edges={max_edges!r} applies when batch is 'auto' or "
                                 f"True; the given BatchEvaluator has its own budget")
        return batch
    if batch is False or batch is None:
        return None
    if batch == "auto" and not isinstance(batch, bool):
        if not supports_batching(calc):
            return None
    elif batch is not True:
        raise UserInputError(f"batch={batch!r}; accepted: {BATCH_CHOICES}")
    elif not supports_batching(calc):
        what = (repr(str(calc)) if isinstance(calc, (str, CalcSpec))
                else f"{type(calc).__name__} ({type(calc).__module__})")
        raise UserInputError(f"batch=True needs a SevenNet or CHGNet calculator, got {what}; "
                             f"use batch='auto' or False for other calculators")
    return BatchEvaluator(calc, max_edges=max_edges, max_atoms=max_atoms)


__all__ = ["BATCH_CHOICES", "batch_evaluator", "supports_batching"]
