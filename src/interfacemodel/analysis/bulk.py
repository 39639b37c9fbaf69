"""Bulk properties of catalogue phases against their reference lattice parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..records import Record, package_versions
from ..run.bulk import EOSRecord, RelaxRecord


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


