"""Point defects: a vacancy (an atom removed) or an interstitial (an atom added), and the
small checks the defect and hop builders share (element symbols, atom indices, the sites of
one species, atoms fixed by ``FixAtoms``, overlapping atoms).

Positions in Å (cartesian) unless said fractional. Two atoms overlap when they are closer
than :data:`OVERLAP_FACTOR` (0.7) × the sum of their covalent radii
(``ase.data.covalent_radii``), periodic images included. The builders return copies; the
input structure is never changed.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.constraints import FixAtoms
from ase.data import atomic_numbers, covalent_radii

from ..errors import UserInputError

#: An atom closer than this fraction of the sum of covalent radii to another one overlaps it.
OVERLAP_FACTOR = 0.7


def check_element(element: str, what: str = "element") -> str:
    if not isinstance(element, str) or element not in atomic_numbers or element == "X":
        raise UserInputError(f"{what}={element!r} is not a chemical element symbol (e.g. 'Li')")
    return element


def _check_index(atoms: Atoms, index, what: str = "index") -> int:
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise UserInputError(f"{what}={index!r} must be an integer atom index")
    if not 0 <= index < len(atoms):
        raise UserInputError(
            f"{what}={index} out of range for {len(atoms)} atoms (0..{len(atoms) - 1})"
        )
    return int(index)


def species_indices(atoms: Atoms, species: str) -> np.ndarray:
    check_element(species, "species")
    sites = np.flatnonzero(np.asarray(atoms.get_chemical_symbols()) == species)
    if len(sites) == 0:
        present = ", ".join(sorted(set(atoms.get_chemical_symbols()))) or "none"
        raise UserInputError(f"species={species!r} not in the structure (elements: {present})")
    return sites


def fixed_indices(atoms: Atoms) -> set[int]:
    fixed: set[int] = set()
    for c in atoms.constraints:
        if isinstance(c, FixAtoms):
            fixed.update(int(i) for i in c.index)
    return fixed


def _closest_contact(atoms: Atoms, index: int) -> tuple[int, float, float] | None:
    """(other index, distance, OVERLAP_FACTOR × covalent-radius sum) of the worst overlap of
    atom ``index`` with any other atom, or None when there is no overlap."""
    others = [k for k in range(len(atoms)) if k != index]
    if not others:
        return None
    d = atoms.get_distances(index, others, mic=bool(atoms.pbc.any()))
    z = atoms.numbers
    limit = OVERLAP_FACTOR * (covalent_radii[z[index]] + covalent_radii[z[others]])
    ratio = d / limit
    k = int(np.argmin(ratio))
    if ratio[k] >= 1.0:
        return None
    return others[k], float(d[k]), float(limit[k])


def refuse_overlap(atoms: Atoms, index: int, what: str) -> None:
    """One-line UserInputError if atom ``index`` overlaps another atom (see OVERLAP_FACTOR)."""
    clash = _closest_contact(atoms, index)
    if clash is not None:
        k, dist, limit = clash
        raise UserInputError(
            f"{what} is {dist:.3f} Å from atom {k} ({atoms[k].symbol}), closer than "
            f"{OVERLAP_FACTOR} × covalent radii = {limit:.3f} Å; choose another site"
        )


def make_vacancy(atoms: Atoms, index: int) -> Atoms:
    """A copy of ``atoms`` without atom ``index`` (0-based); constraints follow the atoms.

    ``info`` records ``vacancy_index``, ``vacancy_symbol`` and ``vacancy_position_A``.
    """
    index = _check_index(atoms, index)
    out = atoms.copy()
    out.info["vacancy_index"] = index
    out.info["vacancy_symbol"] = atoms[index].symbol
    out.info["vacancy_position_A"] = atoms.positions[index].tolist()
    del out[index]
    return out


def make_interstitial(
    atoms: Atoms, position, element: str, coords: str = "cartesian"
) -> Atoms:
    """A copy of ``atoms`` with an ``element`` atom added (as the last atom) at ``position``.

    ``coords`` says how ``position`` is given: ``"cartesian"`` (Å) or ``"fractional"`` (of
    the cell). A site closer than :data:`OVERLAP_FACTOR` (0.7) × the sum of covalent radii
    (``ase.data.covalent_radii``) to any atom, periodic images included, is refused.
    ``info`` records ``interstitial_index`` and ``interstitial_symbol``.
    """
    check_element(element)
    pos = np.asarray(position, dtype=float)
    if pos.shape != (3,) or not np.all(np.isfinite(pos)):
        raise UserInputError(f"position={position!r} must be three finite numbers")
    if coords == "fractional":
        if abs(atoms.cell.volume) < 1e-9:
            raise UserInputError("fractional coordinates need a cell; give cartesian Å instead")
        pos = pos @ atoms.cell.array
    elif coords != "cartesian":
        raise UserInputError(f"coords={coords!r} must be 'cartesian' or 'fractional'")
    out = add_atom(atoms, pos, element)
    new = len(out) - 1
    refuse_overlap(out, new, f"interstitial {element} at ({pos[0]:.3f}, {pos[1]:.3f}, "
                              f"{pos[2]:.3f}) Å")
    return out


def add_atom(atoms: Atoms, position: np.ndarray, element: str) -> Atoms:
    """A copy of ``atoms`` with ``element`` appended at cartesian ``position`` (no checks)."""
    out = atoms.copy()
    out.append(element)
    new = len(out) - 1
    out.positions[new] = position
    out.info["interstitial_index"] = new
    out.info["interstitial_symbol"] = element
    return out
