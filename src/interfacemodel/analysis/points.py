"""What a pipeline's numbers rest on: named structures, and the energy a calculator gives at
each (:class:`Point`).

Every geometry step of a pipeline publishes the structures its numbers need through its
product's ``points()`` — the relaxed interface, its cleaved and relaxed parts, the free-surface
slabs, a NEB's end points and saddle, a relaxed segregation cell — each with the energy the
campaign's calculator found there. The pipeline's evaluation (a pure function, one per
pipeline) turns the energies at these names into its record; the main run calls it with the
campaign calculator's energies, a committee member, another functional or the DFT check with
their own single points at the same structures (:func:`points_of` gathers them from a join's
inputs), and all get the same record type. A new number that needs a new structure adds one
point to one product; every calculator then evaluates it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ase import Atoms
from monty.json import MontyDecoder

from ..records import Record, to_dict

#: separates the input a point came from and its own name: 'interface/relaxed'
SEP = "/"


@dataclass
class Point:
    """One named structure and the energy record
    (:class:`~interfacemodel.run.relax.EnergyRecord`) of the calculator that placed it there
    (None: not computed by it). ``relaxed``: positions relaxed to a force criterion, so a
    checking calculator whose forces there disagree may relax it a few steps more (the DFT
    check's short relaxation); a saddle image or a cell-relaxed crystal is not."""

    atoms: Atoms
    energy: Any = None
    relaxed: bool = False


def points_of(inputs: Mapping[str, Any]) -> dict[str, Point]:
    """Every point of a join's ``inputs`` (products with a ``points()`` method, and lists or
    dicts of them), named ``<input>/<point>`` (``<input>[<i>]/<point>``, ``<input>[<key>]/…``
    for a list or a dict)."""
    out: dict[str, Point] = {}

    def walk(prefix: str, value: Any) -> None:
        if hasattr(value, "points") and callable(value.points):
            for name, point in value.points().items():
                out[f"{prefix}{SEP}{name}"] = point
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                walk(f"{prefix}[{i}]", v)
        elif isinstance(value, Mapping):
            for k, v in value.items():
                walk(f"{prefix}[{k}]", v)

    for key, value in inputs.items():
        walk(key, value)
    return out


def energies_of(points: Mapping[str, Point]) -> dict[str, Any]:
    """The energy records of ``points`` by name (those it has)."""
    return {name: p.energy for name, p in points.items() if p.energy is not None}


@dataclass
class Reevaluation(Record):
    """A pipeline's record as another calculator gives it at the campaign's structures
    (``record``: the same type as the main pipeline's record, from the same evaluation on
    this calculator's single points). With the DFT check's short relaxation
    (:class:`~interfacemodel.analysis.committee.ShortRelaxation`): ``forces_eV_per_A`` this
    calculator's largest free-atom force at each relaxed point of the main geometry,
    ``relaxation`` per point it relaxed (steps, converged, force before and after, energy
    change) and ``relaxed_record`` the record after that relaxation (None: no point was above
    the threshold)."""

    record: Any
    calculator: dict[str, Any]
    forces_eV_per_A: dict[str, float] | None = None
    relaxation: dict[str, dict[str, Any]] | None = None
    relaxed_record: Any = None
    notes: list[str] = field(default_factory=list)

    def _payload(self) -> dict[str, Any]:
        doc = to_dict(self)
        for key in ("record", "relaxed_record"):  # typed records travel as themselves
            value = getattr(self, key)
            doc[key] = value.as_dict() if hasattr(value, "as_dict") else doc[key]
        return doc

    @classmethod
    def _rebuild(cls, data: dict[str, Any]):
        decoded = {k: MontyDecoder().process_decoded(v) if k in ("record", "relaxed_record")
                   else v for k, v in data.items()}
        return cls(**{k: v for k, v in decoded.items() if k in cls.__dataclass_fields__})
