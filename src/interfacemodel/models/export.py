"""Write built structures for collaborators: CIF / POSCAR / extxyz plus a JSON sidecar each.

Every file holds every atom inside its cell (:func:`~interfacemodel.models.cells.wrap_into_cell`:
whole lattice vectors only, a slab never split across its vacuum), so all formats agree.

The whole output directory is written under a temporary name and renamed at the end, so an
error leaves nothing half-written; an existing directory is refused unless ``overwrite``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..errors import UserInputError
from ..records import (
    check_output_path,
    package_versions,
    structure_hash,
    to_dict,
    write_directory_atomic,
)
from .cells import wrap_into_cell

# user name -> (ase format, file extension)
FORMATS = {"cif": ("cif", "cif"), "poscar": ("vasp", "vasp"), "extxyz": ("extxyz", "extxyz")}


def parse_formats(text: str | Sequence[str]) -> list[str]:
    names = [f.strip().lower() for f in (text.split(",") if isinstance(text, str) else text)]
    bad = [f for f in names if f not in FORMATS]
    if bad or not names:
        raise UserInputError(f"unknown format {bad[0] if bad else text!r}; accepted: "
                             f"{', '.join(FORMATS)}")
    return names


def check_output_dir(out_dir: str | Path, overwrite: bool) -> Path:
    """Before any work: ``out_dir`` may be written — it does not exist (or ``overwrite`` and it
    is a directory) and it can be created where it is (:func:`check_output_path`)."""
    out = Path(out_dir)
    if out.exists() and not overwrite:
        raise UserInputError(f"output directory {str(out)!r} exists; pass --overwrite to replace it")
    if out.exists() and not out.is_dir():
        raise UserInputError(f"output path {str(out)!r} is a file, not a directory")
    return check_output_path(out, "output directory")


def _write_one(atoms, base: Path, formats: Iterable[str]) -> list[str]:
    from ase.io import write

    names = []
    for fmt in formats:
        ase_format, ext = FORMATS[fmt]
        path = base.with_name(f"{base.name}.{ext}")
        kwargs = {"direct": True, "sort": False} if ase_format == "vasp" else {}
        write(path, atoms, format=ase_format, **kwargs)
        names.append(path.name)
    return names


def export_structures(
    items: Sequence[tuple[str, Any, dict[str, Any]]],
    out_dir: str | Path,
    formats: Sequence[str] = ("cif", "poscar", "extxyz"),
    overwrite: bool = False,
    common: dict[str, Any] | None = None,
) -> Path:
    """Write ``(name, atoms, metadata)`` items into ``out_dir``: one file per format and a
    ``name.json`` sidecar each (metadata + ``common`` + package versions + structure hash),
    and ``index.json`` listing them all. Returns the directory."""
    out = check_output_dir(out_dir, overwrite)
    formats = parse_formats(formats)

    def write(tmp: Path) -> None:
        versions = package_versions()
        index = []
        for name, atoms, meta in items:
            atoms = wrap_into_cell(atoms)  # every format, and the hash: atoms in the cell
            files = _write_one(atoms, tmp / name, formats)
            sidecar = {**(common or {}), **to_dict(meta), "files": files,
                       "natoms": len(atoms), "structure_hash": structure_hash(atoms),
                       "interfacemodel_version": versions.get("interfacemodel"),
                       "package_versions": versions}
            (tmp / f"{name}.json").write_text(json.dumps(sidecar, indent=2) + "\n")
            index.append({"name": name, "files": [*files, f"{name}.json"],
                          "natoms": len(atoms), "formula": atoms.get_chemical_formula()})
        (tmp / "index.json").write_text(json.dumps({**(common or {}), "structures": index},
                                                   indent=2) + "\n")

    write_directory_atomic(out, write, overwrite=overwrite)
    return out
