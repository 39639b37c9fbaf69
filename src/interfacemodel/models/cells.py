"""Atoms inside their cell: what collaborators open (CIF/POSCAR/extxyz) and what pictures show.

pymatgen's interface builder leaves atoms outside the in-plane cell (fractional a down to
-2.1 for the (111) antifluorite faces); a periodic image is the same structure, but a viewer
draws the coating beside the cell and some codes refuse such files. :func:`wrap_into_cell`
moves each atom by whole lattice vectors only — energies, forces, indices, constraints and
per-atom arrays are unchanged:

* in-plane (a, b): every atom into [0, 1);
* along c, a periodic model (no vacuum): every atom into [0, 1) as well;
* along c, a slab model (vacuum): the slab is kept whole — atoms are never wrapped across
  the vacuum, which would split the slab between the bottom and the top of the cell. A slab
  that lies whole inside the cell is left as it is; one that crosses the top or bottom (e.g.
  after a relaxation) or lies split between them is made whole and then moved rigidly along
  c to the middle of the cell.

Fractional coordinates end up in [-tol, 1 - tol) with ``tol`` = 1e-10: an atom on a cell
face stays at 0, not at 0.99999999.

:func:`perpendicular_widths` gives the distance between a cell face and its periodic image
(Å), the measure the hop builders use to size their supercells.
"""

from __future__ import annotations

import numpy as np

#: an empty stretch along c at least this long (Å) is vacuum: the model is a slab
VACUUM_MIN_A = 5.0
TOL = 1e-10


def _height_A(cell) -> float:
    """Length of the cell along the normal of the (a, b) plane (Å)."""
    ab = np.cross(cell[0], cell[1])
    return float(abs(np.dot(cell[2], ab)) / np.linalg.norm(ab))


def perpendicular_widths(cell: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """Perpendicular widths of the cell along ``axes`` (3D, or in-plane for (0, 1))."""
    if len(axes) == 3:
        vol = abs(np.linalg.det(cell))
        return np.array([vol / np.linalg.norm(np.cross(cell[(k + 1) % 3], cell[(k + 2) % 3]))
                         for k in range(3)])
    area = np.linalg.norm(np.cross(cell[0], cell[1]))
    return np.array([area / np.linalg.norm(cell[1]), area / np.linalg.norm(cell[0])])


def _mod1(f: np.ndarray) -> np.ndarray:
    """``f`` modulo 1 in [-TOL, 1 - TOL): an atom on a cell face stays at 0."""
    m = np.mod(f, 1.0)
    return np.where(m >= 1.0 - TOL, m - 1.0, m)


def _largest_gap(fz: np.ndarray) -> tuple[float, float]:
    """(length as a fraction of c, c coordinate in [-TOL, 1 - TOL) of the atom just above
    it) of the largest empty stretch of the c coordinates, taken around the periodic cell."""
    s = np.sort(_mod1(fz))
    gaps = np.diff(np.append(s, s[0] + 1.0))
    k = int(np.argmax(gaps))
    return float(gaps[k]), float(s[(k + 1) % len(s)])


def has_vacuum(atoms) -> bool:
    """Whether ``atoms`` is a slab model: ``info['kind']`` where the builder set it ('slab' /
    'periodic'), otherwise no periodicity along c or an empty stretch of at least
    :data:`VACUUM_MIN_A` along c."""
    kind = atoms.info.get("kind")
    if kind in ("slab", "periodic"):
        return kind == "slab"
    if not atoms.pbc[2]:
        return True
    if len(atoms) == 0:
        return False
    fz = atoms.cell.scaled_positions(atoms.positions)[:, 2]
    return _largest_gap(fz)[0] * _height_A(atoms.cell) >= VACUUM_MIN_A


def wrap_into_cell(atoms, vacuum: bool | None = None, copy: bool = True):
    """``atoms`` (a copy unless ``copy=False``) with every atom inside the cell, moved by whole
    lattice vectors (and, for a slab that stuck out of the cell or lay split across it, one
    rigid shift along c); see the module docstring. ``vacuum``: whether c holds vacuum (a
    slab model); ``None`` asks :func:`has_vacuum`."""
    out = atoms.copy() if copy else atoms
    if len(out) == 0 or out.cell.rank < 3:
        return out
    cell = np.asarray(out.cell)
    frac = out.cell.scaled_positions(out.positions)
    n = np.zeros_like(frac)
    n[:, :2] = np.floor(frac[:, :2] + TOL)
    rigid = 0.0
    if vacuum is None:
        vacuum = has_vacuum(out)
    fz = frac[:, 2]
    if not vacuum:
        n[:, 2] = np.floor(fz + TOL)
    else:
        # the slab whole: every atom within one c above the atom just above the vacuum; where
        # it then sticks out of the cell, moved rigidly to the middle of the cell (a slab
        # that lies whole inside the cell stays where it is)
        _, lowest = _largest_gap(fz)
        n[:, 2] = np.floor(fz - lowest + TOL)
        whole = fz - n[:, 2]
        if whole.max() >= 1.0 - TOL:
            rigid = 0.5 - 0.5 * (whole.min() + whole.max())
    out.positions = out.positions - n @ cell + rigid * cell[2]
    return out
