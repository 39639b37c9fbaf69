"""The geometry an interface's energetics rests on, as its steps publish it: the relaxed
interface (:class:`InterfaceProduct`), its parts cleaved and relaxed alone
(:class:`AdhesionParts`), the free-surface slabs (:class:`SurfacesProduct`), each with the
energies the campaign's calculator found there and their named points
(:mod:`~interfacemodel.analysis.points`), which any other calculator re-evaluates. Pure data,
and the rule that cuts an interface into its parts (:func:`cleave`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ase import Atoms

from ..errors import UserInputError
from ..records import Record
from ..run.relax import EnergyRecord
from .points import Point

#: the name prefix of a free-surface slab's point: 'slab:<tag>' (tag: 'Li(110)-t0-Li')
SLAB_POINT = "slab:"
#: ... and as the energetics' evaluation sees it, under the input ``surfaces``
SLAB = f"surfaces/{SLAB_POINT}"


@dataclass
class InterfaceProduct(Record):
    """The relaxed interface model and what its analysis needs (Å, eV)."""

    system: str
    metadata: dict[str, Any]
    registry: dict[str, Any] | None
    relaxed: Atoms
    record: EnergyRecord
    n_interfaces: int
    film_miller: list[int]
    substrate_miller: list[int]
    film_layers: int
    substrate_layers: int
    tag: str = ""  # a second model of the same system (e.g. the DFT check's): its name tag
    #: the film crystal at the interface's in-plane lattice, its normal relaxed (the film's
    #: strain energy; None in products made before it was computed)
    film_strained: Atoms | None = None
    film_strained_record: EnergyRecord | None = None

    def points(self) -> dict[str, Point]:
        points = {"relaxed": Point(self.relaxed, self.record, relaxed=True)}
        if self.film_strained is not None:
            points["film-strained"] = Point(self.film_strained, self.film_strained_record)
        return points


#: the parts of a cleaved interface, as named points: rigid (as cut) and relaxed alone
PARTS = ("film-cleaved", "substrate-cleaved", "film-relaxed", "substrate-relaxed")


@dataclass
class AdhesionParts(Record):
    """The relaxed interface cleaved: its film and coating as cut (single points, for
    W_adh ideal) and each relaxed alone (for W_adh relaxed and γ of the parts), keyed by
    :data:`PARTS`; ``records``: the campaign calculator's energy records there."""

    structures: dict[str, Atoms]
    records: dict[str, EnergyRecord]

    def points(self) -> dict[str, Point]:
        return {key: Point(self.structures[key], self.records.get(key),
                           relaxed=key.endswith("-relaxed"))
                for key in PARTS if key in self.structures}


@dataclass
class SurfacesProduct(Record):
    """The relaxed symmetric slabs of the interface's two faces (by tag, e.g.
    'Li(110)-t0-Li') and the campaign calculator's records there; ``notes``: what could not
    be made."""

    records: dict[str, EnergyRecord] = field(default_factory=dict)
    slabs: dict[str, Atoms] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def points(self) -> dict[str, Point]:
        return {f"{SLAB_POINT}{tag}": Point(slab, self.records.get(tag), relaxed=True)
                for tag, slab in self.slabs.items()}


def cleave(atoms) -> tuple[Any, Any]:
    """(film, substrate) parts of an interface ``atoms`` (by ``arrays['interface_side']``),
    each in the same cell, constraints kept."""
    if "interface_side" not in atoms.arrays:
        raise UserInputError("atoms carry no 'interface_side' array: not an interface model")
    side = atoms.arrays["interface_side"]
    return atoms[side == 0], atoms[side == 1]
