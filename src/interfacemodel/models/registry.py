"""Registry (in-plane shift) and interlayer-distance scans of an interface with a calculator.

Single points only: the scan ranks starting structures for relaxation. Shifts are sampled on
a grid over the substrate's primitive surface cell: a shift by a substrate lattice vector
maps the interface onto itself (translate everything back), so that cell holds every
distinct registry. Energies are compared per interface area:
ΔE/(n_interfaces·A) in J/m² (1 eV/Å² = 16.0218 J/m²).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..calculators import calculator_provenance, check_elements, evaluated
from ..calculators.batch_choice import batch_evaluator
from ..errors import UserInputError
from ..units import EV_PER_A2_TO_J_PER_M2
from .interfaces import InterfaceModel

#: energies within this fraction of |E| of the lowest are ties (about 4 float32 rounding steps
#: of the total energy; 8e-5 eV at -168 eV): the first point in scan order wins, so that
#: symmetry-equivalent registries are not ranked by rounding noise, which differs between
#: batched and one-at-a-time evaluation and between devices (li-lif, 42 atoms: equivalent
#: shifts 1.5e-5 eV apart, the next distinct registry 2.6e-4 eV higher)
TIE_REL = 5e-7


@dataclass
class RegistryPoint:
    shift_frac: tuple[float, float]  # fractional (a, b) of the interface cell
    shift_A: tuple[float, float]  # Cartesian in-plane shift of the film
    gap_A: float
    energy_eV: float
    relative_energy_J_per_m2: float = 0.0  # above the lowest point, per interface area (the
    # best point is the lowest, or the first in scan order within TIE_REL of it)


@dataclass
class RegistryScan:
    """Ranked single points (the best first, then by energy) and the best structure."""

    points: list[RegistryPoint]
    best: InterfaceModel
    calculator: dict[str, Any]
    grid: tuple[int, int]
    gaps_A: list[float]
    wall_time_s: float
    evaluations: int = field(default=0)
    #: batched model calls (None: one calculator call per point, the unbatched path)
    model_calls: int | None = None

    def table(self, top: int = 10) -> str:
        rows = [f"{'shift (frac a, b)':>20}  {'gap (Å)':>7}  {'E (eV)':>12}  {'ΔE (J/m²)':>9}"]
        for p in self.points[:top]:
            rows.append(f"({p.shift_frac[0]:6.3f}, {p.shift_frac[1]:6.3f})    {p.gap_A:7.3f}  "
                        f"{p.energy_eV:12.4f}  {p.relative_energy_J_per_m2:9.4f}")
        return "\n".join(rows)


def registry_shifts(model: InterfaceModel, grid: tuple[int, int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(fractional, Cartesian) in-plane shifts on a ``grid`` over the substrate primitive
    surface cell, expressed in the interface cell."""
    n1, n2 = grid
    if n1 < 1 or n2 < 1:
        raise UserInputError(f"registry grid {grid} must be positive integers")
    # primitive substrate vectors as fractions of the supercell vectors (the interface's a, b);
    # both live in the matcher's frame, which need not be the interface's Cartesian frame
    zsl = model.match.zsl_match
    prim = np.asarray(zsl.substrate_vectors, dtype=float)
    sl = np.asarray(zsl.substrate_sl_vectors, dtype=float)
    prim_frac = np.linalg.lstsq(sl.T, prim.T, rcond=None)[0].T  # rows: prim vectors in (a, b)
    cell2d = model.atoms.cell.array[:2, :2]
    shifts = []
    for i in range(n1):
        for j in range(n2):
            frac = np.mod((i / n1) * prim_frac[0] + (j / n2) * prim_frac[1], 1.0)
            frac[np.isclose(frac, 1.0)] = 0.0
            shifts.append((frac, frac @ cell2d))
    return shifts


def _energy(model: InterfaceModel, calc) -> float:
    # a registry shift breaks the symmetry of the one before it: GPAW is renewed there
    return float(evaluated(model.atoms.copy(), calc, lambda atoms: atoms.get_potential_energy()))


def _first_lowest(points: list[RegistryPoint]) -> RegistryPoint:
    """The first point in scan order whose energy ties with the lowest (:data:`TIE_REL`)."""
    e_min = min(p.energy_eV for p in points)
    return next(p for p in points if p.energy_eV <= e_min + TIE_REL * abs(e_min))


def _energies(trials: list[InterfaceModel], calc, evaluator, progress, done: int,
              total: int) -> list[float]:
    """Energies of the trial structures: one batched evaluation, or one call each."""
    if evaluator is not None:
        results = evaluator.evaluate([trial.atoms for trial in trials])
        if progress:
            for k in range(len(trials)):
                progress(done + k + 1, total)
        return [float(res["energy_eV"]) for res in results]
    energies = []
    for k, trial in enumerate(trials):
        energies.append(_energy(trial, calc))
        if progress:
            progress(done + k + 1, total)
    return energies


def scan_registry(
    model: InterfaceModel,
    calc,
    grid: tuple[int, int] = (4, 4),
    gaps_A: Sequence[float] | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch: Any = "auto",
    batch_max_edges: int | None = None,
) -> RegistryScan:
    """Scan the in-plane shift on ``grid`` at the model's gap, then the gap at the best shift.

    ``gaps_A`` defaults to 1.5-3.5 Å in 0.25 Å steps. Every element is checked against the
    calculator first. Returns all points ranked by energy and the best structure (same
    termination, fixed layers and kind as ``model``). Energies that tie with the lowest
    within :data:`TIE_REL` (symmetry-equivalent registries) go to the first in scan order.

    ``batch``: 'auto' (default) evaluates all shift candidates in one batched evaluation and
    then all gap candidates in another when ``calc`` is a SevenNet or CHGNet calculator
    (:class:`~interfacemodel.calculators.evaluator.BatchEvaluator`; ``batch_max_edges`` is its
    memory budget, default the device's, one structure per model call on CPU), and one
    calculator call per point otherwise; True insists (an error for other calculators),
    False never batches, a BatchEvaluator is used as given. Same energies to float precision.
    """
    evaluator = batch_evaluator(calc, batch, batch_max_edges)
    spec = getattr(calc, "interfacemodel_spec", None)
    if spec is not None:
        check_elements(spec, model.atoms.get_chemical_symbols())
    gaps = list(np.arange(1.5, 3.51, 0.25) if gaps_A is None else gaps_A)
    if not gaps or min(gaps) <= 0:
        raise UserInputError(f"gaps_A={gaps} must be positive distances in Å")
    shifts = registry_shifts(model, grid)
    base_calls = evaluator.model_calls if evaluator is not None else 0
    total = len(shifts) + len(gaps)
    start = time.perf_counter()
    trials = [model.with_registry(frac, model.gap_A) for frac, _ in shifts]
    energies = _energies(trials, calc, evaluator, progress, 0, total)
    points = [RegistryPoint(tuple(map(float, frac)), tuple(map(float, cart)), model.gap_A, e)
              for (frac, cart), e in zip(shifts, energies, strict=True)]
    best_shift = _first_lowest(points)
    trials = [model.with_registry(best_shift.shift_frac, gap) for gap in gaps]
    energies = _energies(trials, calc, evaluator, progress, len(shifts), total)
    points += [RegistryPoint(best_shift.shift_frac, best_shift.shift_A, float(gap), e)
               for gap, e in zip(gaps, energies, strict=True)]
    done = total
    best_point = _first_lowest(points)
    points.sort(key=lambda p: (p is not best_point, p.energy_eV))
    e0 = min(p.energy_eV for p in points)
    per_area = model.n_interfaces * model.area_A2
    for p in points:
        p.relative_energy_J_per_m2 = (p.energy_eV - e0) / per_area * EV_PER_A2_TO_J_PER_M2
    best = model.with_registry(points[0].shift_frac, points[0].gap_A)
    return RegistryScan(points=points, best=best, calculator=calculator_provenance(calc),
                        grid=tuple(grid), gaps_A=[float(g) for g in gaps],
                        wall_time_s=time.perf_counter() - start, evaluations=done,
                        model_calls=(evaluator.model_calls - base_calls
                                     if evaluator is not None else None))
