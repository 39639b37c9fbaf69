"""Uncertainty from a committee of calculators that re-evaluate the same geometries.

The campaign's calculator (the *main* model) relaxes every structure; each other member of the
committee evaluates single points of those geometries (no relaxation of its own), and every
number of the comparison is recomputed from the member's energies by the pipeline's own
evaluation (:mod:`interfacemodel.flows.reevaluation`). The spread of a number is the **sample standard deviation over the committee**
(main model included, n − 1 in the denominator): with one member, or members that agree, it is
0. It measures how much the number depends on the choice of potential *at fixed geometry*; it
says nothing about the distance from DFT (the refine stage does) and does not contain the
scatter of the relaxation itself.

Pure: the spread of given values (:func:`committee_value`) and the settings of the DFT
check's short relaxation (:class:`ShortRelaxation`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import UserInputError
from ..records import Record

#: how the spread is defined, stated in every report that shows one
SPREAD_DEFINITION = ("sample standard deviation (n − 1; for D and σ of log10 of the value) "
                     "over the committee's members, the "
                     "campaign's calculator included, each evaluating the campaign's geometries "
                     "as single points")


@dataclass
class CommitteeValue(Record):
    """One number of the comparison from every member of a committee.

    ``value``: the main model's (the campaign's calculator); ``spread``: sample standard
    deviation over ``members`` (label → value, the main model included); ``n``: members that
    gave the number."""

    value: float
    spread: float
    members: dict[str, float]
    n: int
    definition: str = SPREAD_DEFINITION


def committee_value(main: str, members: Mapping[str, float | None]) -> CommitteeValue | None:
    """The :class:`CommitteeValue` of one number: ``members`` maps a member's label to its
    value (None or non-finite: that member could not give it, left out); ``main`` names the
    campaign's calculator among them. None when the main model has no value."""
    values = {k: float(v) for k, v in members.items()
              if v is not None and math.isfinite(float(v))}
    if main not in values:
        return None
    spread = statistics.stdev(values.values()) if len(values) > 1 else 0.0
    return CommitteeValue(values[main], spread, values, len(values))


@dataclass
class ShortRelaxation(Record):
    """A short relaxation with a checking calculator (the DFT check) where its forces at the
    main model's geometry disagree with the main model's: a structure (the interface, a
    relaxed part) whose largest free-atom force from the checking calculator exceeds
    ``above_eV_per_A`` is relaxed with it for at most ``steps`` optimiser steps towards
    ``fmax_eV_per_A`` (eV/Å). The main model left every force below its own fmax, so the
    checking calculator's residual force *is* the disagreement."""

    above_eV_per_A: float = 0.2
    steps: int = 10
    fmax_eV_per_A: float = 0.05

    def __post_init__(self):
        for name in ("above_eV_per_A", "fmax_eV_per_A"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise UserInputError(f"short relaxation {name}={value!r}: a positive number "
                                     f"(eV/Å)")
        if not isinstance(self.steps, int) or isinstance(self.steps, bool) or self.steps < 1:
            raise UserInputError(f"short relaxation steps={self.steps!r}: a whole number ≥ 1")


