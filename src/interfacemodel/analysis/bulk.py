"""Relaxed crystals: a pipeline's bulk reference (:class:`BulkProduct`) and bulk properties of
catalogue phases against their reference lattice parameters (:class:`BulkResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ase import Atoms

from ..records import Record, package_versions
from ..run.bulk import EOSRecord, RelaxRecord
from ..run.relax import point_record
from .energetics import BulkReference
from .points import Point


@dataclass
class BulkProduct(Record):
    """A relaxed bulk crystal and its energy reference (eV per formula unit): the point
    ``bulk`` of every pipeline that starts from it (a crystal relaxed with its cell, so the
    short relaxation of a checking calculator leaves it as it is)."""

    phase: str
    atoms: Atoms
    reference: BulkReference
    record: RelaxRecord
    natoms: int

    def points(self) -> dict[str, Point]:
        rec = self.record
        return {"bulk": Point(self.atoms, point_record(self.atoms, rec.calculator,
                                                       f"bulk {self.phase}", rec.energy_eV,
                                                       rec.converged))}


def lattice_parameters(atoms) -> dict[str, float]:
    """Conventional lattice parameters of a cell: a, b, c (Å) and α, β, γ (degrees)."""
    a, b, c, alpha, beta, gamma = atoms.cell.cellpar()
    return {"a": a, "b": b, "c": c, "alpha": alpha, "beta": beta, "gamma": gamma}


@dataclass
class BulkResult(Record):
    """Relaxed bulk phase next to its catalogue reference. Lengths Å, B GPa, energies eV."""

    phase: str
    formula: str
    natoms: int
    calculator: dict[str, Any]
    lattice_A: dict[str, float]  # relaxed (cell relaxation), keys as in the reference
    reference_lattice_A: dict[str, float]
    lattice_error_percent: dict[str, float]  # 100 (relaxed - reference) / reference
    reference_kind: str
    reference_source: str
    energy_per_atom_eV: float
    volume_per_atom_A3: float
    B_GPa: float | None
    converged: bool
    relax: RelaxRecord
    eos: EOSRecord | None
    versions: dict[str, str] = field(default_factory=package_versions)


