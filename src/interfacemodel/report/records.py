"""The input of the report: :class:`CoatingResult` (one coating's records) and its checks."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..analysis.comparison import ROW_RECORDS
from ..errors import UserInputError
from ..records import to_dict

ROLES = ("coating", "reference")
#: the record fields of a row (:data:`~interfacemodel.analysis.comparison.ROW_RECORDS`)
RECORD_FIELDS = tuple(ROW_RECORDS)


@dataclass
class CoatingResult:
    """The records of one coating (or reference) of the comparison; see the module docstring."""

    coating: str  # display name, e.g. 'Li2Se', 'LiF', 'Mg', 'MgF2', 'LLZO', 'Li2O', 'Li2S'
    system: str  # named system, e.g. 'li-li2se'
    role: str = "coating"  # 'coating' or 'reference'
    energetics: dict | None = None
    bulk_migration: dict | None = None
    interface_migration: dict | None = None
    solute_migration: dict | None = None  # a foreign atom's hop (e.g. Mg in Li), not Li's
    mg_segregation: dict | None = None
    #: a metal's solubility in Li (analysis.solubility.SolubilityResult)
    solubility: dict | None = None
    relaxed_interface: Any = None  # ase.Atoms (or a structure file) for the picture, optional
    #: member label -> {value name -> value}: the committee's numbers at this coating's
    #: geometries (analysis.committee); ``committee_main`` labels the records' calculator
    committee: dict[str, dict[str, float]] | None = None
    committee_main: str | None = None
    #: the same for calculators of another functional, reported beside (not in the spread)
    functionals: dict[str, dict[str, float]] | None = None
    #: the same for the DFT check (the refine calculator), reported beside
    refine: dict[str, dict[str, float]] | None = None
    #: where the DFT check has a model of its own (smaller than the campaign's): every other
    #: calculator's numbers on it (calculator label -> {value name -> value}; the campaign's
    #: calculator under ``committee_main``), the like-for-like comparison with ``refine``;
    #: ``refine_model_atoms``: that model's size (atoms; per value name where the models
    #: differ, e.g. the interface's and a hop cell of its own)
    refine_model: dict[str, dict[str, float]] | None = None
    refine_model_atoms: int | dict[str, int] | None = None
    #: the DFT check's numbers on its model after its short relaxation (calculator label ->
    #: {value name -> value}), where its forces at the ML geometry exceeded the threshold
    refine_relaxed: dict[str, dict[str, float]] | None = None
    #: the DFT check's largest free-atom forces at the ML geometries of its model
    #: ({'at_ml_geometry': {structure: eV/Å}, 'relaxation': {structure: {'steps',
    #: 'converged', 'fmax_before_eV_per_A', 'fmax_after_eV_per_A', 'energy_change_eV'}}})
    refine_forces: dict[str, Any] | None = None

    def __post_init__(self):
        _check_result(self)


def _check_result(r: CoatingResult) -> None:
    if not isinstance(r.coating, str) or not r.coating.strip():
        raise UserInputError(f"coating name {r.coating!r} must be a non-empty string")
    if r.role not in ROLES:
        raise UserInputError(f"role {r.role!r} of coating {r.coating!r}; accepted: "
                             f"{', '.join(ROLES)}")
    for name in RECORD_FIELDS:
        value = getattr(r, name)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            setattr(r, name, to_dict(value))  # a record dataclass: take its dict
        elif value is not None and not isinstance(value, dict):
            raise UserInputError(f"{name} of coating {r.coating!r} must be a record dict "
                                 f"(records.to_dict) or None, not {type(value).__name__}")


def _check_results(results: Sequence[CoatingResult]) -> None:
    if isinstance(results, CoatingResult) or not isinstance(results, Sequence):
        raise UserInputError("results must be a list of CoatingResult")
    if not results:
        raise UserInputError("no coatings to report: results is empty")
    seen = set()
    for r in results:
        if not isinstance(r, CoatingResult):
            raise UserInputError(f"results must be CoatingResult objects, not {type(r).__name__}")
        _check_result(r)
        if r.coating in seen:
            raise UserInputError(f"coating {r.coating!r} appears twice; give each row its own "
                                 f"name")
        seen.add(r.coating)
