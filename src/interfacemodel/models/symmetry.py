"""Space-group symmetry of a structure and the symmetry orbits of hops.

spglib (through pymatgen's ``SpacegroupAnalyzer``) on the cell as given, with ``symprec``
in Å. Operations are (fractional rotation R, site permutation) pairs: an atom at fractional
f goes to R·f + t (modulo the lattice). For slabs and interfaces only the operations that
keep every atom at its height and map +z onto +z (the 2D layer symmetry) are kept. Two
positions or hop vectors closer than :data:`LENGTH_TOL_A` (0.05 Å) are the same.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms

from ..errors import UserInputError

LENGTH_TOL_A = 0.05  # two hop vectors (or positions) closer than this are the same


def symmetry_dataset(atoms: Atoms, symprec: float):
    """spglib's symmetry dataset of ``atoms`` (through pymatgen's SpacegroupAnalyzer;
    ``symprec`` in Å): space-group number, operations, Wyckoff letters, equivalent atoms."""
    # pymatgen is imported where used, as in the other build modules: it is slow to import
    from pymatgen.core import Lattice, Structure
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    if not symprec > 0:
        raise UserInputError(f"symprec={symprec} must be > 0 (Å)")
    frac = atoms.cell.scaled_positions(atoms.positions)
    structure = Structure(Lattice(atoms.cell.array), atoms.get_chemical_symbols(), frac)
    return SpacegroupAnalyzer(structure, symprec=symprec).get_symmetry_dataset()


def symmetry_ops(
    atoms: Atoms, sites: np.ndarray, symprec: float, keep_z: bool
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Space-group operations as (fractional rotation R, site permutation) pairs.

    The permutation maps atom indices (only ``sites`` are filled, others -1) onto the atom
    at R·f + t (modulo the lattice). With ``keep_z`` only operations that keep every
    site at its height and map +z onto +z are kept (2D layer symmetry of a slab).
    """
    dataset = symmetry_dataset(atoms, symprec)
    cell = atoms.cell.array
    frac = atoms.cell.scaled_positions(atoms.positions)
    tol = max(5 * symprec, 1e-3)
    f_sites = frac[sites]
    z_sites = atoms.positions[sites, 2]
    to_cart = cell.T
    from_cart = np.linalg.inv(to_cart)
    ops = []
    for rot, trans in zip(dataset.rotations, dataset.translations, strict=True):
        new = f_sites @ rot.T + trans
        diff = new[:, None, :] - f_sites[None, :, :]
        diff -= np.rint(diff)
        dist = np.linalg.norm(diff @ cell, axis=-1)
        k = np.argmin(dist, axis=1)
        if np.any(dist[np.arange(len(sites)), k] > tol):
            continue  # cannot happen for a true symmetry of the whole structure
        if keep_z:
            r_cart = to_cart @ rot @ from_cart
            if not np.allclose(r_cart[:, 2], [0.0, 0.0, 1.0], atol=1e-3):
                continue
            if np.any(np.abs(z_sites[k] - z_sites) > tol):
                continue
        perm = np.full(len(atoms), -1, dtype=int)
        perm[sites] = sites[k]
        ops.append((rot.astype(float), perm))
    return ops


def hop_orbits(
    atoms: Atoms, starts: np.ndarray, ends: np.ndarray, vectors: np.ndarray, ops
) -> tuple[np.ndarray, list[bool], list[int]]:
    """Group hops (start atom, end atom, cartesian vector) into classes.

    A class is a symmetry orbit of hops, joined with the orbit of the reversed hops (B→A)
    when A and B are equivalent sites: the same path walked backwards between equivalent
    end points has the same barrier (e.g. F in rutile MgF2, where no space-group operation
    reverses the hop). Returns the class of every hop, per class whether the reversed hop
    belongs to it, and per class the class holding its reversed hop (-1: none, or itself).
    """
    cell = atoms.cell.array
    dfrac = vectors @ np.linalg.inv(cell)
    by_site = {int(s): np.flatnonzero(starts == s) for s in np.unique(starts)}

    def find(site: int, vec: np.ndarray) -> int:
        candidates = by_site.get(int(site))
        if candidates is None:
            return -1
        miss = np.linalg.norm(vectors[candidates] - vec, axis=1)
        k = int(np.argmin(miss))
        return int(candidates[k]) if miss[k] < LENGTH_TOL_A else -1

    orbit = np.full(len(starts), -1, dtype=int)
    reps: list[int] = []
    for h in range(len(starts)):
        if orbit[h] >= 0:
            continue
        orbit[h] = len(reps)
        for rot, perm in ops:
            if perm[starts[h]] < 0:
                continue
            k = find(perm[starts[h]], (rot @ dfrac[h]) @ cell)
            if k >= 0 and orbit[k] < 0:
                orbit[k] = len(reps)
        reps.append(h)
    # site classes: the smallest index a site is mapped onto
    site_class = {}
    for s in set(starts.tolist()) | set(ends.tolist()):
        images = [perm[s] for _, perm in ops if perm[s] >= 0]
        site_class[s] = min(images, default=s)
    partner = []
    for h in reps:
        k = find(ends[h], -vectors[h])
        partner.append(int(orbit[k]) if k >= 0 else -1)
    merged = list(range(len(reps)))
    for oid, h in enumerate(reps):
        other = partner[oid]
        if other >= 0 and other != oid and site_class[int(starts[h])] == site_class[int(ends[h])]:
            merged[max(oid, other)] = min(merged[oid], merged[other])
    compact = {old: new for new, old in enumerate(dict.fromkeys(merged))}
    orbit = np.array([compact[merged[o]] for o in orbit], dtype=int)
    n = len(compact)
    reverse_equivalent = [False] * n
    reverse_class = [-1] * n
    for oid in range(len(reps)):
        new = compact[merged[oid]]
        if partner[oid] >= 0 and compact[merged[partner[oid]]] == new:
            reverse_equivalent[new] = True
        elif partner[oid] >= 0:
            reverse_class[new] = compact[merged[partner[oid]]]
    return orbit, reverse_equivalent, reverse_class
