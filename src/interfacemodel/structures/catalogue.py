"""The bulk catalogue: reference crystals with their provenance.

The CIF files and ``catalogue.json`` live in package data (``interfacemodel/structures/data/bulk``,
also reachable from the repository as ``structures/bulk``), so they work from an installed wheel.
``catalogue.json`` records for every phase its file, formula, space group, atom count of the
conventional cell, reference lattice parameters (Å) and where those numbers come from.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal, overload

from ..errors import UnknownNameError

_DATA_PACKAGE = "interfacemodel.structures"
_DATA_SUBDIR = ("data", "bulk")


@dataclass(frozen=True)
class BulkPhase:
    """Catalogue entry of one bulk phase. Lattice parameters in Å."""

    name: str
    file: str
    formula: str
    spacegroup: str
    spacegroup_number: int
    natoms: int
    reference_lattice_A: dict[str, float]
    reference_kind: str
    source: str
    ordered: bool = True
    notes: str = ""
    role: str = "system"  # 'system': builds interfaces; 'competing': phase-diagram reference only
    aliases: tuple[str, ...] = field(default_factory=tuple)


def catalogue_dir() -> Path:
    """Directory holding the catalogue's CIF files and ``catalogue.json``."""
    root = resources.files(_DATA_PACKAGE).joinpath(*_DATA_SUBDIR)
    return Path(str(root))


@lru_cache(maxsize=1)
def _load_index() -> dict[str, BulkPhase]:
    raw = json.loads((catalogue_dir() / "catalogue.json").read_text())
    phases = {}
    for name, entry in raw["phases"].items():
        entry = dict(entry)
        entry["aliases"] = tuple(entry.get("aliases", ()))
        phases[name] = BulkPhase(name=name, **entry)
    return phases


def bulk_phases(ordered_only: bool = False, competing: bool = False,
                analogue: bool = False) -> list[str]:
    """Names of the catalogue's phases, in catalogue order. Competing phases (elements and
    oxides that only serve the phase diagrams of :mod:`interfacemodel.analysis.reactivity`)
    are listed only with ``competing=True``; the metal analogues (Cu, Ag: EMT tests of the
    workflows) only with ``analogue=True``."""
    wanted = {"system"} | ({"competing"} if competing else set()) | \
        ({"analogue"} if analogue else set())
    return [n for n, p in _load_index().items()
            if (p.ordered or not ordered_only) and p.role in wanted]


def _resolve(name: str) -> BulkPhase:
    index = _load_index()
    if name in index:
        return index[name]
    folded = name.strip().lower()
    for phase in index.values():
        if folded == phase.name.lower() or folded in (a.lower() for a in phase.aliases):
            return phase
    raise UnknownNameError(
        f"unknown bulk phase {name!r}; known phases: {', '.join(index)}"
    )


def phase_info(name: str) -> BulkPhase:
    """Catalogue entry for ``name`` (case-insensitive; aliases such as 'LLZO-tetragonal' work)."""
    return _resolve(name)


@cache
def _read_structure(file: str):
    from pymatgen.core import Structure

    with warnings.catch_warnings():
        # pymatgen warns about rounding of fractional coordinates in hand-made CIFs; harmless here.
        warnings.simplefilter("ignore")
        structure = Structure.from_file(str(catalogue_dir() / file))
    structure.remove_oxidation_states()  # some CIFs carry them (MP); energies never use them
    return structure


@overload
def load_bulk(name: str, as_atoms: Literal[False] = False): ...
@overload
def load_bulk(name: str, as_atoms: Literal[True]): ...


def load_bulk(name: str, as_atoms: bool = False):
    """Load a catalogue phase as a pymatgen ``Structure`` (default) or an ASE ``Atoms``.

    The conventional cell of the CIF is returned (e.g. 2-atom bcc Li, 192-atom tetragonal LLZO).
    The ASE ``Atoms`` carries the catalogue entry in ``atoms.info['bulk_phase']``.
    A partially occupied phase (``ordered`` false, e.g. 'LLZO-cubic') loads as a Structure but
    refuses to become Atoms: order it first.
    """
    phase = _resolve(name)
    structure = _read_structure(phase.file).copy()
    if not as_atoms:
        return structure
    if not phase.ordered:
        raise UnknownNameError(
            f"bulk phase {phase.name!r} has partial occupancies and cannot become ase.Atoms; "
            f"order it first or use an ordered phase ({', '.join(bulk_phases(ordered_only=True))})"
        )
    from pymatgen.io.ase import AseAtomsAdaptor

    atoms = AseAtomsAdaptor.get_atoms(structure)
    atoms.info["bulk_phase"] = phase.name
    atoms.info["source"] = phase.source
    return atoms
