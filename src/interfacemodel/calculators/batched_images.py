"""NEB images on one batched evaluator: one ASE calculator per image, one model call for all
images that changed.

:class:`BatchedImages` gives every image its own small ASE calculator
(:class:`BatchedImageCalculator`) that shares one :class:`~.evaluator.BatchEvaluator`: the
first image asked for a result evaluates every image whose structure changed since its last
evaluation in one batched call (on the evaluator's device, within its memory budget, see
:mod:`.chunking`), and stores each image's results (eV, eV/Å, eV/Å³) in that image's
calculator, where ASE's ordinary caching serves them. :meth:`BatchedImages.serve` takes saved
results instead (a band resumed from a checkpoint).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from ase.calculators.calculator import Calculator, all_changes

from ..errors import UserInputError
from .evaluator import BatchEvaluator, ase_results


class BatchedImageCalculator(Calculator):
    """The calculator of one image of a :class:`BatchedImages` group. Asked for a result of a
    changed structure, it has the group evaluate, in one batched call, this image and every
    other image of the group whose structure changed since its last evaluation; each gets its
    results (and a copy of its structure) stored, so ASE's own cache serves the next
    ``get_forces``/``get_potential_energy`` of those images without a call."""

    implemented_properties = ("energy", "free_energy", "forces", "stress")

    def __init__(self, group: BatchedImages, index: int):
        super().__init__()
        self.group = group
        self.index = index
        self._batched_cache: tuple[Any, dict[str, Any]] | None = None

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        self.group._compute(self, "stress" in properties)


class BatchedImages:
    """Attach to ``images`` (a list of ase.Atoms, e.g. an NEB band) calculators that share
    one :class:`BatchEvaluator`, so all images that changed are evaluated in one model call.

    Why one calculator per image (rather than one shared calculator): ASE's ``NEB`` asks each
    image in turn (``images[i].get_forces()``) and refuses a shared calculator unless told
    otherwise; a per-image calculator keeps ASE's caching and constraint handling as they
    are. The first image asked after the band moved triggers the batch; the rest are served
    from results stored in their calculators. An image is *stale* when its positions, cell,
    numbers or pbc differ from those at its last evaluation (ASE's ``check_state``), or when
    it was never evaluated; only stale images are sent to the model (unchanged end points are
    evaluated once). Thread-safe (ASE's ``NEB(parallel=True)`` on one process uses threads).
    ``calculator`` is anything :class:`BatchEvaluator` accepts, or an evaluator itself.

    Counters: ``batches`` (batched evaluations triggered; each may be several model calls if
    the budget splits it), ``evaluations`` (image evaluations in total, the equivalent of the
    one-at-a-time force calls). Per-image ``calc.calculate`` is called only on the triggering
    image, so count force calls with these counters, not by wrapping ``calculate``.
    """

    def __init__(self, images: Sequence, calculator: Any = "sevennet", **evaluator_options):
        if isinstance(calculator, BatchEvaluator):
            if evaluator_options:
                raise UserInputError(f"options {sorted(evaluator_options)} apply when a "
                                     f"calculator spec is given, not a BatchEvaluator")
            self.evaluator = calculator
        else:
            self.evaluator = BatchEvaluator(calculator, **evaluator_options)
        self.images = list(images)
        self.evaluator._validate(self.images)
        self.calculators = [BatchedImageCalculator(self, i) for i in range(len(self.images))]
        for image, calc in zip(self.images, self.calculators, strict=True):
            image.calc = calc
        self.batches = 0
        self.evaluations = 0
        self._lock = threading.Lock()

    def serve(self, results: Sequence[dict[str, Any] | None]) -> None:
        """Take saved ``results`` (one dict or None per image) as the images' results at
        their current structures: a band resumed from a checkpoint is not evaluated again."""
        for calc, image, res in zip(self.calculators, self.images, results, strict=True):
            if res and "forces" in res:
                calc.atoms = image.copy()
                calc.results = dict(res)
                calc._batched_cache = (calc.atoms, dict(res))

    def _stale(self, calc) -> bool:
        image = self.images[calc.index]
        if image.calc is not calc:  # the user gave this image another calculator
            return False
        return calc.atoms is None or "energy" not in calc.results or bool(calc.check_state(image))

    def _compute(self, requester, stress: bool) -> None:
        with self._lock:
            # the requester's structure is calc.atoms (ASE copied it just now); another thread
            # may have evaluated it while this one waited
            cached = requester._batched_cache
            if cached is not None and not requester.check_state(cached[0]) and (
                    not stress or "stress" in cached[1]):
                requester.results = dict(cached[1])
                return
            todo = [requester] + [c for c in self.calculators
                                  if c is not requester and self._stale(c)]
            structures = [requester.atoms] + [self.images[c.index] for c in todo[1:]]
            results = self.evaluator.evaluate(structures, stress=stress)
            self.batches += 1
            self.evaluations += len(todo)
            for calc, atoms, res in zip(todo, structures, results, strict=True):
                calc.atoms = atoms.copy()
                calc.results = ase_results(res)
                calc._batched_cache = (calc.atoms, dict(calc.results))


def attach_batched_calculators(images: Sequence, calculator: Any = "sevennet",
                               **evaluator_options) -> BatchedImages:
    """Give every image in ``images`` a calculator of one :class:`BatchedImages` group and
    return the group (see there). For an NEB pass the whole band (end points included: they
    are evaluated in the first batch and then only when they move) or only the moving
    images."""
    return BatchedImages(images, calculator, **evaluator_options)


__all__ = ["BatchedImageCalculator", "BatchedImages", "attach_batched_calculators"]
