"""Batched energies and forces for the ML potentials: many structures per model call.

>>> ev = BatchEvaluator("sevennet")                       # or BatchEvaluator(existing_calc)
>>> results = ev.evaluate([li_bulk, lif_bulk, slab], stress=True)
>>> results[2]["energy_eV"], results[2]["forces_eV_per_A"].shape, results[2]["stress_eV_per_A3"]

Each result: ``energy_eV`` (float), ``forces_eV_per_A`` ((n, 3) array, the calculator's raw
forces, constraints not applied) and, when asked, ``stress_eV_per_A3`` (Voigt 6, ASE order
and sign); :func:`ase_results` turns one into an ASE calculator's ``results``.

Backends (:mod:`.graphs`): SevenNet and CHGNet. The network is the one cached by
:mod:`.backends` (or the one inside the calculator you pass): it is never built twice, and
the results are those of the ASE calculator, structure by structure (same graphs, same
float32 model; the tests check batched against one-at-a-time). The evaluator runs on the
calculator's device (CPU or CUDA). Memory: the structures are packed into chunks within an
atom budget (:data:`~.chunking.DEFAULT_MAX_ATOMS` = 5000) and an edge budget (default: one
structure per model call on CPU, half the free GPU memory at ~0.12 MB (SevenNet) or ~0.22 MB
(CHGNet) per edge on CUDA); a chunk that runs out of CUDA memory is halved (:mod:`.chunking`).

Built on it: :mod:`.batched_images` (one calculator per NEB image, one batched call for all
images that changed), :mod:`interfacemodel.run.lockstep` (independent relaxations advanced
together) and :mod:`.batch_choice` (the drivers' ``batch='auto'`` rule).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from ase import Atoms

from ..errors import UserInputError
from .chunking import (
    DEFAULT_MAX_ATOMS,
    default_max_edges,
    plan_chunks,
    positive_int_or_none,
    run_chunk,
)
from .graphs import ACCEPTED, SUPPORTED, batch_backend
from .registry import CalcSpec, parse_calc_spec


def ase_results(res: dict[str, Any]) -> dict[str, Any]:
    """One result of :meth:`BatchEvaluator.evaluate` as an ASE calculator's ``results`` (energy,
    free_energy, forces, and stress when it was computed)."""
    out = {"energy": res["energy_eV"], "free_energy": res["energy_eV"],
           "forces": res["forces_eV_per_A"]}
    if "stress_eV_per_A3" in res:
        out["stress"] = res["stress_eV_per_A3"]
    return out


def structure_list(atoms_list, what: str) -> list:
    """``atoms_list`` as a list of ase.Atoms, or one line naming what is wrong (a single Atoms,
    not a sequence, an item that is not an Atoms); ``what``: the function, for the message."""
    if isinstance(atoms_list, Atoms):
        raise UserInputError(f"{what}() takes a list of ase.Atoms, got one Atoms; pass [atoms]")
    try:
        items = list(atoms_list)
    except TypeError:
        raise UserInputError(f"{what}() takes a list of ase.Atoms, got "
                             f"{type(atoms_list).__name__}") from None
    for i, atoms in enumerate(items):
        if not isinstance(atoms, Atoms):
            raise UserInputError(f"item {i} of the structure list is a {type(atoms).__name__}; "
                                 f"accepted: ase.Atoms")
    return items


class BatchEvaluator:
    """Energies, forces (and stresses) of many structures in as few model calls as the memory
    budget allows.

    ``calculator``: a spec string (``'sevennet'``, ``'sevennet:device=cuda'``, ``'chgnet'``),
    a :class:`CalcSpec`, or an existing ``SevenNetCalculator`` / ``CHGNetCalculator`` (e.g. from
    :func:`~interfacemodel.calculators.get_calculator`), whose model is reused. ``device``
    overrides the spec's device option ('auto': CUDA when torch sees a GPU); with a calculator
    instance the calculator's device is used. ``max_atoms`` / ``max_edges``: the chunk budget
    (:mod:`.chunking`; ``None`` for ``max_edges`` picks the device default).

    Counters: ``model_calls`` (batched forward passes so far), ``structures_evaluated``;
    ``last_chunks`` holds the index chunks of the last :meth:`evaluate`.
    """

    def __init__(self, calculator: Any = "sevennet", *, max_atoms: int | None = DEFAULT_MAX_ATOMS,
                 max_edges: int | None = None, device: str | None = None):
        self.max_atoms = positive_int_or_none(max_atoms, "max_atoms")
        self._max_edges = positive_int_or_none(max_edges, "max_edges")
        if isinstance(calculator, (str, CalcSpec)):
            spec = parse_calc_spec(calculator, **({} if device is None else {"device": device}))
            if spec.name not in SUPPORTED:
                raise UserInputError(f"batched evaluation does not support calculator "
                                     f"{spec.name!r}; accepted: {ACCEPTED}")
            from . import get_calculator  # the package imports this module: import at use

            calculator = get_calculator(spec)
        elif device is not None:
            raise UserInputError(f"device={device!r} applies to a calculator spec; the given "
                                 f"{type(calculator).__name__} already has its device")
        self.calculator = calculator
        self._backend = batch_backend(calculator)
        self.name = self._backend.name
        self.model_calls = 0
        self.structures_evaluated = 0
        self.last_chunks: list[list[int]] = []
        self._lock = threading.Lock()

    @property
    def device(self) -> str:
        return str(self._backend.device)

    @property
    def max_edges(self) -> int:
        """The edge budget per chunk: as given, else the device default (:mod:`.chunking`)."""
        if self._max_edges is not None:
            return self._max_edges
        return default_max_edges(self.device, self.name)

    def provenance(self) -> dict[str, Any]:
        """:func:`~interfacemodel.calculators.calculator_provenance` of the calculator used."""
        from . import calculator_provenance  # the package imports this module: import at use

        return calculator_provenance(self.calculator)

    def _validate(self, atoms_list) -> list:
        items = structure_list(atoms_list, "evaluate")
        for i, a in enumerate(items):
            if len(a) == 0:
                raise UserInputError(f"item {i} of the structure list has no atoms")
        self._backend.check(items)
        return items

    def evaluate(self, atoms_list: Sequence, stress: bool = False) -> list[dict[str, Any]]:
        """Results for each structure, in input order: ``{'energy_eV': float,
        'forces_eV_per_A': (n, 3) array, 'stress_eV_per_A3': Voigt 6 array}`` (stress only
        when asked; ASE order xx yy zz yz xz xy and sign, as ``atoms.get_stress()``).
        Forces are the calculator's raw forces: constraints are not applied."""
        items = self._validate(atoms_list)
        if not items:
            self.last_chunks = []
            return []
        with self._lock:  # one model at a time: the shared network is not re-entrant-safe
            built = [self._backend.graph(a) for a in items]
            chunks = plan_chunks([len(a) for a in items], [ne for _, ne in built],
                                 self.max_atoms, self.max_edges)
            results: list[dict[str, Any] | None] = [None] * len(items)
            done: list[list[int]] = []
            try:
                for chunk in chunks:
                    run_chunk(self._backend.run, chunk, [built[i][0] for i in chunk],
                              bool(stress), results, done, lambda: self.max_edges)
            finally:
                self.model_calls += len(done)
            self.last_chunks = done
            self.structures_evaluated += len(items)
        return results  # type: ignore[return-value]


__all__ = ["BatchEvaluator", "ase_results", "structure_list"]
