"""Result records: small dataclasses with units in field names, serialisable to JSON.

Every record carries the calculator provenance, the versions of the packages that produced
it and a hash of the structure it refers to (DESIGN.md §2).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

from .errors import OutputPathError, UserInputError

_VERSIONED = ("interfacemodel", "ase", "pymatgen", "phonopy", "numpy", "fireworks",
              "sevenn", "chgnet", "gpaw", "lammps", "torch")


def package_versions() -> dict[str, str]:
    """Versions of the packages that can influence a number (those installed)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in _VERSIONED:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def structure_hash(atoms, decimals: int = 4) -> str:
    """Stable 16-hex-digit hash of an ase.Atoms: numbers, cell and positions rounded to
    ``decimals`` Å, periodicity. Same structure -> same hash, across processes and machines."""
    h = hashlib.sha256()
    h.update(np.asarray(atoms.numbers, dtype=np.int64).tobytes())
    for arr in (atoms.cell.array, atoms.positions):
        rounded = np.round(np.asarray(arr, dtype=float), decimals) + 0.0  # -0.0 -> 0.0
        h.update(rounded.tobytes())
    h.update(np.asarray(atoms.pbc, dtype=np.int8).tobytes())
    return h.hexdigest()[:16]


#: dataclass field metadata marking a live object (a pymatgen builder, say) kept out of JSON
NOT_SERIALISED = {"serialise": False}


def _jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)
                if f.metadata.get("serialise", True)}
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    if _is_atoms(obj):
        return encode_atoms(obj)
    return obj


def to_dict(record: Any) -> Any:
    """A record (dataclass, possibly nested) as plain JSON-compatible Python objects."""
    return _jsonable(record)


def from_dict(cls, data: Any):
    """Rebuild a record dataclass ``cls`` from :func:`to_dict` output (nested dataclasses,
    ``X | None``, ``list[X]``, ``dict[str, X]`` and tuples follow the field annotations).
    Fields left out of JSON (``NOT_SERIALISED``) and unknown keys are dropped."""
    import typing

    def build(tp, value):
        if value is None:
            return None
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if dataclasses.is_dataclass(tp) and isinstance(value, dict):
            return from_dict(tp, value)
        if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            real = [arg for arg in args if arg is not type(None)]
            return build(real[0], value) if len(real) == 1 else value
        if origin is list and args:
            return [build(args[0], v) for v in value]
        if origin is tuple and args:
            return tuple(value)
        if origin is dict and len(args) == 2:
            return {k: build(args[1], v) for k, v in value.items()}
        if isinstance(tp, type) and _is_atoms_class(tp) and isinstance(value, dict):
            return decode_atoms(value)
        return value

    hints = typing.get_type_hints(cls)
    kwargs = {f.name: build(hints[f.name], data[f.name]) for f in dataclasses.fields(cls)
              if f.name in data and f.metadata.get("serialise", True) and f.init}
    return cls(**kwargs)


def write_json_atomic(data: Any, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write JSON to ``path`` through a temporary file and a rename: never half-written.

    Refuses an existing ``path`` unless ``overwrite``.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise UserInputError(f"output file {str(path)!r} exists; pass --overwrite to replace it")
    return write_text_atomic(json.dumps(to_dict(data), indent=2) + "\n", path)


def _reason(exc: OSError) -> str:
    return exc.strerror or " ".join(str(exc).split())


def check_output_path(path: str | os.PathLike, what: str = "output") -> Path:
    """Before any work: ``path`` (a file or directory to be made) can be created here — its
    nearest existing ancestor is a directory in which an entry can be made (probed with a
    temporary directory that is removed at once, so root on a read-only or virtual file
    system is caught too). Otherwise :class:`~interfacemodel.errors.OutputPathError`, one line
    naming the path and why. Existence and ``--overwrite`` are the caller's business."""
    path = Path(path)
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise OutputPathError(f"cannot write {what} {str(path)!r}: {str(parent)!r} is not a "
                              f"directory")
    try:
        Path(tempfile.mkdtemp(prefix=".interfacemodel-probe-", dir=parent)).rmdir()
    except OSError as exc:
        raise OutputPathError(f"cannot write {what} {str(path)!r}: nothing can be created in "
                              f"{str(parent)!r} ({_reason(exc)})") from None
    return path


def write_text_atomic(text: str, path: str | os.PathLike) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically: :func:`write_bytes_atomic`."""
    return write_bytes_atomic(text.encode("utf-8"), path)


def write_bytes_atomic(data: bytes, path: str | os.PathLike) -> Path:
    """Write ``data`` to ``path`` (replacing it) through a temporary file in the same
    directory and a rename: readers see the old file or the new one, never a part. A path
    that cannot be written raises :class:`~interfacemodel.errors.OutputPathError` naming it.
    The package's one atomic file writer (records, reports, figures)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise OutputPathError(f"cannot write {str(path)!r}: {_reason(exc)}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputPathError(f"cannot write {str(path)!r}: {_reason(exc)}") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_directory_atomic(out, write, overwrite: bool = False) -> Path:
    """Fill a temporary sibling directory with ``write(tmpdir)``, then put it in place of
    ``out`` (an existing ``out`` only with ``overwrite``; it is moved aside first and removed
    last): ``out`` is never half-written. A place where ``out`` cannot be made raises
    :class:`~interfacemodel.errors.OutputPathError` naming it (errors raised by ``write``
    itself pass unchanged)."""
    out = Path(out)
    if out.exists() and not overwrite:
        raise UserInputError(f"output directory {str(out)!r} exists; pass --overwrite to replace it")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        raise OutputPathError(f"cannot write output directory {str(out)!r}: "
                              f"{_reason(exc)}") from exc
    try:
        write(tmp)
        try:
            if out.exists():
                old = out.with_name(f".{out.name}.old")
                out.rename(old)
                tmp.rename(out)
                shutil.rmtree(old)
            else:
                tmp.rename(out)
        except OSError as exc:
            raise OutputPathError(f"cannot write output directory {str(out)!r}: "
                                  f"{_reason(exc)}") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def detach_calculator(atoms, energy: float, forces=None, stress=None):
    """Replace ``atoms.calc`` (often shared between structures, so its results may belong
    to another one) by a SinglePointCalculator holding this structure's final results."""
    from ase.calculators.singlepoint import SinglePointCalculator

    results = {"energy": energy}
    if forces is not None:
        results["forces"] = forces
    if stress is not None:
        results["stress"] = stress
    atoms.calc = SinglePointCalculator(atoms, **results)
    return atoms


# --------------------------------------------------------------------------- one Atoms codec

def _is_atoms_class(tp) -> bool:
    return issubclass(tp, Atoms)


def _is_atoms(obj) -> bool:
    return _is_atoms_class(type(obj))


def encode_atoms(atoms) -> dict[str, Any]:
    """The package's one Atoms codec, for everything that crosses a process boundary (a
    job's input or output, a record): ASE's own JSON encoding (cell, positions, constraints
    and every per-atom array, exact) and ``info``, tagged as an :class:`AtomsDocument` so
    monty and jobflow decode it too. The calculator is left out. (pymatgen's MSONAtoms has
    the same layout but drops per-atom arrays such as ``interface_side`` when decoded.)"""
    from ase.io.jsonio import encode
    from monty.json import jsanitize

    bare = atoms.copy()
    bare.info = {}
    return {"@module": __name__, "@class": "AtomsDocument", "atoms_json": encode(bare),
            "atoms_info": jsanitize(atoms.info, strict=True)}


def decode_atoms(doc):
    """A plain ``ase.Atoms`` from :func:`encode_atoms` output (or from ASE's JSON, as a
    string or parsed into a dict)."""
    from ase.io.jsonio import decode
    from monty.json import MontyDecoder

    if isinstance(doc, str):
        return decode(doc)
    if "atoms_json" not in doc:  # ASE's JSON parsed into a dict (barrier files before 0.2)
        return decode(json.dumps(doc))
    atoms = decode(doc["atoms_json"])
    atoms.info = MontyDecoder().process_decoded(doc.get("atoms_info") or {})
    return atoms


class AtomsDocument(Atoms):
    """An ``ase.Atoms`` that monty and jobflow serialise with :func:`encode_atoms` (a job's
    Atoms input travels as one: :func:`as_document`)."""

    def as_dict(self) -> dict[str, Any]:
        return encode_atoms(self)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]):
        return as_document(decode_atoms(doc))


def as_document(atoms) -> AtomsDocument:
    """A copy of ``atoms`` as an :class:`AtomsDocument` (same atoms, arrays, constraints)."""
    copy = atoms.copy()
    copy.__class__ = AtomsDocument
    return copy


class Record:
    """Mixin for a record dataclass that travels between processes (a job's output, a
    setting in a workflow): monty/jobflow serialise it with :meth:`as_dict` (its
    :func:`to_dict` plus ``@module``/``@class``) and rebuild it with :meth:`from_dict`.
    A class with its own document format overrides :meth:`_payload` / :meth:`_rebuild`."""

    def _payload(self) -> dict[str, Any]:
        return to_dict(self)

    @classmethod
    def _rebuild(cls, data: dict[str, Any]):
        return from_dict(cls, data)

    def as_dict(self) -> dict[str, Any]:
        return {"@module": type(self).__module__, "@class": type(self).__name__,
                **self._payload()}

    @classmethod
    def from_dict(cls, doc: dict[str, Any]):
        return cls._rebuild({k: v for k, v in doc.items() if not k.startswith("@")})


class DocumentRecord(Record):
    """A :class:`Record` whose class has its own document format (``to_doc`` / ``from_doc``):
    that is also the form it travels in."""

    def _payload(self) -> dict[str, Any]:
        return self.to_doc()

    @classmethod
    def _rebuild(cls, data: dict[str, Any]):
        return cls.from_doc(data)
