"""Convergence of a quantity (γ, W_adh, ...) with slab thickness.

:func:`converge_with_thickness` evaluates a quantity at increasing layer counts and stops
when two successive values differ by less than a tolerance, so a number can be shown to be
converged instead of asserted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..errors import UserInputError


@dataclass
class ConvergenceRecord:
    quantity: str
    unit: str
    tolerance: float
    layers: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    converged: bool = False
    converged_layers: int | None = None  # smallest thickness whose value changed < tolerance
    last_change: float | None = None

    @property
    def value(self) -> float:
        """The value at the converged thickness (the last one computed otherwise)."""
        if self.converged_layers is not None:
            return self.values[self.layers.index(self.converged_layers)]
        return self.values[-1]

    def table(self) -> str:
        rows = [f"{'layers':>6}  {self.quantity + ' (' + self.unit + ')':>20}  {'change':>9}"]
        for i, (n, v) in enumerate(zip(self.layers, self.values, strict=True)):
            change = "" if i == 0 else f"{v - self.values[i - 1]:+9.4f}"
            rows.append(f"{n:6d}  {v:20.4f}  {change:>9}")
        return "\n".join(rows)


def converge_with_thickness(
    compute: Callable[[int], float],
    layers: Iterable[int],
    tolerance: float,
    quantity: str = "value",
    unit: str = "J/m²",
    progress: Callable[[int, float], None] | None = None,
) -> ConvergenceRecord:
    """Evaluate ``compute(n)`` for n in ``layers`` (increasing) until |v_n − v_prev| <
    ``tolerance``; the record says whether and at which thickness that happened."""
    layers = list(layers)
    if len(layers) < 2:
        raise UserInputError(f"layers={layers}: a convergence test needs at least two thicknesses")
    if any(b <= a for a, b in zip(layers, layers[1:], strict=False)):
        raise UserInputError(f"layers={layers} must increase")
    if not tolerance > 0:
        raise UserInputError(f"tolerance={tolerance} must be > 0")
    rec = ConvergenceRecord(quantity=quantity, unit=unit, tolerance=tolerance)
    for n in layers:
        value = float(compute(n))
        rec.layers.append(n)
        rec.values.append(value)
        if progress:
            progress(n, value)
        if len(rec.values) > 1:
            rec.last_change = rec.values[-1] - rec.values[-2]
            if abs(rec.last_change) < tolerance:
                rec.converged, rec.converged_layers = True, rec.layers[-2]
                break
    return rec
