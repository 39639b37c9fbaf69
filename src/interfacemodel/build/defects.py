"""Point defects and vacancy hops: vacancies, interstitials, and the symmetry-distinct
nearest-neighbour hops of one species in a bulk crystal, a slab and at an interface.

The hops are the end points of NEB calculations. Lengths in Å. Conventions shared by every
hop builder here:

* A hop moves one atom from site A to a neighbouring site B. ``initial`` is the supercell
  with a vacancy at B and the atom on A; ``final`` has the atom on B and the vacancy at A.
  The moving atom keeps its index (:attr:`Hop.moving_index`) and every other atom keeps its
  index and position, so initial and final can be interpolated atom by atom. The moving
  atom's final position is A + hop vector, *not* wrapped back into the cell, so a linear
  interpolation follows the short path.
* Multiplicity: the number of hops out of site A that are symmetry-equivalent to this one
  (bcc vacancy hop 8, fcc 12): the z of D = (1/6) z d² Γ f.
* Layers (slabs, interfaces): atoms sorted along z, a gap larger than ``layer_tolerance_A``
  (0.3 Å) starts a new layer; layer 0 is the outermost one along +z. The surface normal
  must be z and the in-plane cell vectors must lie in the xy plane (ASE surface builders).
* Symmetry: spglib (through pymatgen's ``SpacegroupAnalyzer``) on the input cell with
  ``symprec`` (Å). For slabs and interfaces only the operations that keep every atom at its
  height (the 2D layer symmetry) are used, so hops in different layers are never merged and
  the two faces of a symmetric slab are not identified.
* Supercells: the input cell is repeated until every perpendicular width (the distance
  between a cell face and its periodic image; in-plane only for slabs and interfaces) is at
  least ``min_width_A`` (8 Å) and at least twice the longest hop, so the vacancy and its
  periodic images are more than two hop lengths apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from ase import Atoms
from ase.constraints import FixAtoms
from ase.data import atomic_numbers, covalent_radii
from ase.geometry import find_mic
from ase.neighborlist import neighbor_list

from ..errors import UserInputError
from .slabs import LAYER_TOLERANCE_A, layer_tags

#: An atom closer than this fraction of the sum of covalent radii to another one overlaps it.
OVERLAP_FACTOR = 0.7

_LENGTH_TOL_A = 0.05  # two hop vectors (or positions) closer than this are the same
_MAX_SEARCH_A = 16.0  # give up looking for a same-species neighbour beyond this distance


@dataclass
class Hop:
    """One vacancy (or interstitial) hop: the NEB end points and what they represent.

    ``from_site`` and ``to_site`` are indices of sites A and B in the structure given to the
    hop builder (B may be a periodic image of that atom); ``moving_index`` is the index of
    the moving atom in ``initial`` and ``final`` (the supercells). ``from_layer`` and
    ``to_layer`` are layer numbers counted from the top (slabs only, else None).
    ``reverse_equivalent`` is True when the hop B→A belongs to this entry (A and B are
    equivalent sites, so the barrier is the same both ways); when False, B→A is the same
    NEB path walked backwards from an inequivalent site, and ``reverse_label`` names the
    entry that holds it (None when B→A was not asked for, e.g. outside B's first shell).
    """

    initial: Atoms
    final: Atoms
    species: str
    length_A: float
    multiplicity: int
    moving_index: int
    from_site: int
    to_site: int | None
    mechanism: str = "vacancy"
    label: str = ""
    from_layer: int | None = None
    to_layer: int | None = None
    reverse_equivalent: bool = True
    reverse_label: str | None = None


# --- small checks --------------------------------------------------------------------------


def _check_element(element: str, what: str = "element") -> str:
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


def _species_indices(atoms: Atoms, species: str) -> np.ndarray:
    _check_element(species, "species")
    sites = np.flatnonzero(np.asarray(atoms.get_chemical_symbols()) == species)
    if len(sites) == 0:
        present = ", ".join(sorted(set(atoms.get_chemical_symbols()))) or "none"
        raise UserInputError(f"species={species!r} not in the structure (elements: {present})")
    return sites


def _fixed_indices(atoms: Atoms) -> set[int]:
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


def _refuse_overlap(atoms: Atoms, index: int, what: str) -> None:
    """One-line UserInputError if atom ``index`` overlaps another atom (see OVERLAP_FACTOR)."""
    clash = _closest_contact(atoms, index)
    if clash is not None:
        k, dist, limit = clash
        raise UserInputError(
            f"{what} is {dist:.3f} Å from atom {k} ({atoms[k].symbol}), closer than "
            f"{OVERLAP_FACTOR} × covalent radii = {limit:.3f} Å; choose another site"
        )


# --- layers --------------------------------------------------------------------------------


def layers_from_top(
    atoms: Atoms, indices=None, tolerance_A: float = LAYER_TOLERANCE_A
) -> list[np.ndarray]:
    """Atomic layers along z, outermost (largest z) first; each an array of atom indices.

    Atoms (all, or ``indices``) are grouped by :func:`interfacemodel.build.slabs.layer_tags`
    (a gap larger than ``tolerance_A`` Å between consecutive heights starts a new layer); the
    slab must not be wrapped across the cell boundary in z.
    """
    if tolerance_A <= 0:
        raise UserInputError(f"layer tolerance {tolerance_A} must be > 0 (Å)")
    idx = np.arange(len(atoms)) if indices is None else np.asarray(indices, dtype=int)
    if len(idx) == 0:
        return []
    tags = layer_tags(atoms.positions[idx, 2], tolerance_A)
    return [np.sort(idx[tags == t]) for t in range(int(tags.max()), -1, -1)]


def _layer_of(layers: list[np.ndarray], n: int) -> np.ndarray:
    out = np.full(n, -1, dtype=int)
    for k, members in enumerate(layers):
        out[members] = k
    return out


# --- vacancy and interstitial --------------------------------------------------------------


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
    _check_element(element)
    pos = np.asarray(position, dtype=float)
    if pos.shape != (3,) or not np.all(np.isfinite(pos)):
        raise UserInputError(f"position={position!r} must be three finite numbers")
    if coords == "fractional":
        if abs(atoms.cell.volume) < 1e-9:
            raise UserInputError("fractional coordinates need a cell; give cartesian Å instead")
        pos = pos @ atoms.cell.array
    elif coords != "cartesian":
        raise UserInputError(f"coords={coords!r} must be 'cartesian' or 'fractional'")
    out = atoms.copy()
    out.append(element)
    new = len(out) - 1
    out.positions[new] = pos
    _refuse_overlap(out, new, f"interstitial {element} at ({pos[0]:.3f}, {pos[1]:.3f}, "
                              f"{pos[2]:.3f}) Å")
    out.info["interstitial_index"] = new
    out.info["interstitial_symbol"] = element
    return out


# --- symmetry ------------------------------------------------------------------------------


def _symmetry_ops(
    atoms: Atoms, sites: np.ndarray, symprec: float, keep_z: bool
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Space-group operations as (fractional rotation R, site permutation) pairs.

    The permutation maps atom indices (only ``sites`` are filled, others -1) onto the atom
    at R·f + t (modulo the lattice). With ``keep_z`` only operations that keep every
    site at its height and map +z onto +z are kept (2D layer symmetry of a slab).
    """
    from pymatgen.core import Lattice, Structure
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    if symprec <= 0:
        raise UserInputError(f"symprec={symprec} must be > 0 (Å)")
    cell = atoms.cell.array
    frac = atoms.cell.scaled_positions(atoms.positions)
    structure = Structure(Lattice(cell), atoms.get_chemical_symbols(), frac)
    dataset = SpacegroupAnalyzer(structure, symprec=symprec).get_symmetry_dataset()
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


def _hop_orbits(
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
        return int(candidates[k]) if miss[k] < _LENGTH_TOL_A else -1

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


# --- neighbours and supercells -------------------------------------------------------------


def _same_species_pairs(atoms: Atoms, sites: np.ndarray, max_length_A: float | None):
    """All pairs (i, j, D, d) of ``sites`` atoms, i != j or a periodic image, up to
    ``max_length_A``, or, without it, up to the distance where every site has a neighbour
    (at most _MAX_SEARCH_A)."""
    is_site = np.zeros(len(atoms), dtype=bool)
    is_site[sites] = True
    cutoff = max_length_A if max_length_A is not None else 4.0
    while True:
        i, j, vec, d = neighbor_list("ijDd", atoms, cutoff + 1e-6, self_interaction=False)
        keep = is_site[i] & is_site[j]
        i, j, vec, d = i[keep], j[keep], vec[keep], d[keep]
        if max_length_A is not None or set(np.unique(i)) >= set(sites.tolist()):
            return i, j, vec, d
        if cutoff >= _MAX_SEARCH_A:
            return i, j, vec, d
        cutoff = min(1.5 * cutoff, _MAX_SEARCH_A)


def _first_shell(i: np.ndarray, d: np.ndarray, shell_tol: float) -> np.ndarray:
    """Mask of pairs within (1 + shell_tol) × the nearest distance of their start atom."""
    dmin = {int(s): d[i == s].min() for s in np.unique(i)}
    limit = np.array([dmin[int(s)] for s in i]) * (1.0 + shell_tol)
    return d <= limit + 1e-9


def _widths(cell: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """Perpendicular widths of the cell along ``axes`` (3D, or in-plane for (0, 1))."""
    if len(axes) == 3:
        vol = abs(np.linalg.det(cell))
        return np.array([vol / np.linalg.norm(np.cross(cell[(k + 1) % 3], cell[(k + 2) % 3]))
                         for k in range(3)])
    area = np.linalg.norm(np.cross(cell[0], cell[1]))
    return np.array([area / np.linalg.norm(cell[1]), area / np.linalg.norm(cell[0])])


def _choose_supercell(
    atoms: Atoms, supercell, axes: tuple[int, ...], longest_A: float, min_width_A: float
) -> tuple[int, int, int]:
    if min_width_A <= 0:
        raise UserInputError(f"min_width_A={min_width_A} must be > 0 (Å)")
    widths = _widths(atoms.cell.array, axes)
    need = max(min_width_A, 2.0 * longest_A)
    if supercell is None:
        rep = [1, 1, 1]
        for k, w in zip(axes, widths, strict=True):
            rep[k] = max(1, math.ceil(need / w - 1e-9))
        return tuple(rep)
    if isinstance(supercell, (int, np.integer)) and not isinstance(supercell, bool):
        supercell = (supercell,) * 3 if len(axes) == 3 else (supercell, supercell, 1)
    try:
        rep = tuple(int(n) for n in supercell)
        ok = len(rep) == 3 and all(n >= 1 for n in rep) and all(
            float(n) == r for n, r in zip(supercell, rep, strict=True))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise UserInputError(f"supercell={supercell!r} must be three positive integers")
    if len(axes) == 2 and rep[2] != 1:
        raise UserInputError(f"supercell={supercell!r}: a slab is repeated in-plane only (n3 = 1)")
    for k, w in zip(axes, widths, strict=True):
        if rep[k] * w < 2.0 * longest_A - 1e-6:
            raise UserInputError(
                f"supercell={rep} is {rep[k] * w:.2f} Å wide along axis {k}, less than twice "
                f"the hop length ({longest_A:.2f} Å): the vacancy would meet its image"
            )
    return rep


def _locate(sc: Atoms, target: np.ndarray) -> int:
    diff, dist = find_mic(sc.positions - target, sc.cell.array, sc.pbc)
    k = int(np.argmin(dist))
    if dist[k] > _LENGTH_TOL_A:
        raise RuntimeError(f"no atom at {target} in the supercell (closest {dist[k]:.3f} Å)")
    return k


def _vacancy_hop_images(
    atoms: Atoms, rep, start: int, vector: np.ndarray, info: dict
) -> tuple[Atoms, Atoms, int]:
    """initial (vacancy at B, atom on A), final (atom on B, vacancy at A), moving index."""
    sc = atoms.repeat(rep)  # atoms 0..N-1 of the supercell are the input cell's atoms
    b = _locate(sc, sc.positions[start] + vector)
    if b == start:
        raise RuntimeError("hop onto its own site: the supercell is too small")
    initial = sc.copy()
    del initial[b]
    moving = start if start < b else start - 1
    final = initial.copy()
    final.positions[moving] = initial.positions[moving] + vector
    for image, state in ((initial, "initial"), (final, "final")):
        image.info.update(info)
        image.info["hop_state"] = state
        image.info["supercell"] = tuple(int(n) for n in rep)
        image.info["moving_index"] = moving
    return initial, final, moving


def _check_common(max_length_A, shell_tol):
    if max_length_A is not None and not max_length_A > 0:
        raise UserInputError(f"max_length_A={max_length_A} must be > 0 (Å)")
    if not 0 <= shell_tol < 1:
        raise UserInputError(f"shell_tol={shell_tol} must be in [0, 1)")


def _check_slab_cell(atoms: Atoms, what: str):
    cell = atoms.cell.array
    if abs(atoms.cell.volume) < 1e-9:
        raise UserInputError(f"the {what} needs a 3D cell (vacuum included along z)")
    if abs(cell[0, 2]) > 1e-6 or abs(cell[1, 2]) > 1e-6:
        raise UserInputError(
            f"the {what}'s cell vectors a and b must lie in the xy plane (surface normal z)"
        )


def _assemble(atoms, species, rep, pairs, classes, layer) -> list[Hop]:
    """One Hop per class: its first member (lowest start index, i.e. spglib's representative
    of the site class) with the multiplicity counted around that start site."""
    i, j, vec, d = pairs
    orbit, reverse_eq, reverse_class = classes
    hops = []
    for oid in range(len(reverse_eq)):
        members = np.flatnonzero(orbit == oid)
        h = members[0]
        a, b, length = int(i[h]), int(j[h]), float(d[h])
        mult = int(np.sum(i[members] == a))
        if layer is None:
            la = lb = None
            label = f"{species}{a}->{species}{b} {length:.3f} A x{mult}"
        else:
            la, lb = int(layer[a]), int(layer[b])
            label = f"{species} L{la}->L{lb} {length:.3f} A x{mult} (site {a})"
        initial, final, moving = _vacancy_hop_images(atoms, rep, a, vec[h], {"hop_label": label})
        hops.append(Hop(initial=initial, final=final, species=species, length_A=length,
                        multiplicity=mult, moving_index=moving, from_site=a, to_site=b,
                        mechanism="vacancy", label=label, from_layer=la, to_layer=lb,
                        reverse_equivalent=bool(reverse_eq[oid])))
    for oid, hop in enumerate(hops):
        if reverse_class[oid] >= 0:
            hop.reverse_label = hops[reverse_class[oid]].label
    return hops


# --- bulk ----------------------------------------------------------------------------------


def vacancy_hops(
    atoms: Atoms,
    species: str = "Li",
    supercell=None,
    max_length_A: float | None = None,
    symprec: float = 1e-3,
    *,
    min_width_A: float = 8.0,
    shell_tol: float = 0.1,
) -> list[Hop]:
    """Symmetry-distinct vacancy hops of ``species`` in a periodic bulk crystal.

    For every symmetry-inequivalent site A of ``species`` the hops to sites B of the same
    species are taken from A's first neighbour shell (distances up to (1 + ``shell_tol``) ×
    A's nearest same-species distance) or, with ``max_length_A``, from all neighbours up to
    that length. Hops related by a space-group operation of the crystal (spglib, ``symprec``
    in Å) are one entry; its ``multiplicity`` counts them around A. ``supercell`` (three
    integers, or one for all axes) overrides the default repetition (see the module
    docstring). Hops are sorted by length, then start site. Conventions: module docstring.
    """
    if not np.all(atoms.pbc) or abs(atoms.cell.volume) < 1e-9:
        raise UserInputError("vacancy_hops needs a bulk cell periodic along x, y and z; "
                             "use slab_hops for slabs")
    _check_common(max_length_A, shell_tol)
    sites = _species_indices(atoms, species)
    i, j, vec, d = _same_species_pairs(atoms, sites, max_length_A)
    if max_length_A is None and len(i):
        keep = _first_shell(i, d, shell_tol)
        i, j, vec, d = i[keep], j[keep], vec[keep], d[keep]
    if len(i) == 0:
        reach = max_length_A if max_length_A is not None else _MAX_SEARCH_A
        raise UserInputError(f"no {species}–{species} pair within {reach} Å: no hops to build")
    ops = _symmetry_ops(atoms, sites, symprec, keep_z=False)
    classes = _hop_orbits(atoms, i, j, vec, ops)
    rep = _choose_supercell(atoms, supercell, (0, 1, 2), float(d.max()), min_width_A)
    hops = _assemble(atoms, species, rep, (i, j, vec, d), classes, None)
    hops.sort(key=lambda hop: (round(hop.length_A, 4), hop.from_site))
    return hops


# --- slabs ---------------------------------------------------------------------------------


def slab_hops(
    slab: Atoms,
    species: str = "Li",
    *,
    max_length_A: float | None = None,
    max_layer: int | None = None,
    supercell=None,
    min_width_A: float = 8.0,
    layer_tolerance_A: float = LAYER_TOLERANCE_A,
    dedupe: str = "symmetry",
    symprec: float = 1e-3,
    shell_tol: float = 0.1,
) -> list[Hop]:
    """Distinct vacancy hops of ``species`` in a slab, labelled by the layers they join.

    Layers are those of the ``species`` atoms, counted from the top (0 = outermost along
    +z, found by clustering z within ``layer_tolerance_A``); ``from_layer`` → ``to_layer`` tells a
    hop within the top layer (0 → 0) from one into the subsurface (0 → 1) and so on. Hops are
    taken from each site's first shell (as in :func:`vacancy_hops`) or up to
    ``max_length_A``; only hops whose both layers are ≤ ``max_layer`` (default: all) and
    whose sites are not fixed by ``FixAtoms`` are built.

    De-duplication (``dedupe``): ``"symmetry"`` (default) merges hops related by the slab's
    2D layer symmetry (spglib operations that keep every atom at its height), so two
    inequivalent hops between the same layers stay separate; ``"layers"`` merges all hops
    with the same (from_layer, to_layer, length rounded to 0.01 Å), for slabs whose
    symmetry is broken (relaxed, decorated). The multiplicity counts the merged hops out of
    the representative start site. The slab is repeated in-plane only.
    """
    if dedupe not in ("symmetry", "layers"):
        raise UserInputError(f"dedupe={dedupe!r} must be 'symmetry' or 'layers'")
    if max_layer is not None and (isinstance(max_layer, bool)
                                  or not isinstance(max_layer, (int, np.integer))
                                  or max_layer < 0):
        raise UserInputError(f"max_layer={max_layer!r} must be an integer >= 0")
    _check_common(max_length_A, shell_tol)
    _check_slab_cell(slab, "slab")
    sites = _species_indices(slab, species)
    layers = layers_from_top(slab, sites, layer_tolerance_A)
    layer = _layer_of(layers, len(slab))
    i, j, vec, d = _same_species_pairs(slab, sites, max_length_A)
    if max_length_A is None and len(i):
        keep = _first_shell(i, d, shell_tol)
        i, j, vec, d = i[keep], j[keep], vec[keep], d[keep]
    fixed = _fixed_indices(slab)
    is_fixed = np.zeros(len(slab), dtype=bool)
    is_fixed[list(fixed)] = True
    keep = ~is_fixed[i] & ~is_fixed[j]
    if max_layer is not None:
        keep &= (layer[i] <= max_layer) & (layer[j] <= max_layer)
    i, j, vec, d = i[keep], j[keep], vec[keep], d[keep]
    if len(i) == 0:
        raise UserInputError(
            f"no {species}–{species} hop left in the slab (fixed atoms and max_layer="
            f"{max_layer} excluded, max_length_A={max_length_A})"
        )
    if dedupe == "symmetry":
        ops = _symmetry_ops(slab, sites, symprec, keep_z=True)
        classes = _hop_orbits(slab, i, j, vec, ops)
    else:
        keys = [(int(layer[a]), int(layer[b]), round(float(x), 2))
                for a, b, x in zip(i, j, d, strict=True)]
        ids = {k: n for n, k in enumerate(dict.fromkeys(keys))}
        orbit = np.array([ids[k] for k in keys], dtype=int)
        reverse_eq = [k[0] == k[1] for k in ids]
        reverse_class = [ids.get((k[1], k[0], k[2]), -1) if k[0] != k[1] else -1 for k in ids]
        classes = (orbit, reverse_eq, reverse_class)
    rep = _choose_supercell(slab, supercell, (0, 1), float(d.max()), min_width_A)
    hops = _assemble(slab, species, rep, (i, j, vec, d), classes, layer)
    hops.sort(key=lambda hop: (hop.from_layer, hop.to_layer, round(hop.length_A, 4),
                               hop.from_site))
    return hops


# --- interfaces ----------------------------------------------------------------------------


def interface_hops(
    interface: Atoms,
    species: str = "Li",
    *,
    z_split_A: float | None = None,
    target_positions_A=None,
    max_length_A: float | None = None,
    supercell=None,
    min_width_A: float = 8.0,
    layer_tolerance_A: float = LAYER_TOLERANCE_A,
    symprec: float = 1e-3,
    shell_tol: float = 0.1,
) -> list[Hop]:
    """Hops of a ``species`` atom from the Li film's last layer into the first coating layer.

    Which atom belongs where: ``interface.arrays['interface_side']`` (0 = Li film,
    1 = coating) if present, otherwise ``z_split_A``: atoms below it are the film, the rest
    the coating. The coating is taken to lie on the side of larger mean z (else below); the
    film's *interface layer* is its layer nearest the coating and the coating's *first
    layer* its layer nearest the film (layers: z clustered within ``layer_tolerance_A``). In a
    periodic cell with two interfaces this is the interface inside the cell, not the one
    across the z boundary.

    Two mechanisms, both with the module's conventions (same atoms, same order, one moved):

    * ``target_positions_A`` None (vacancy): the destinations are the ``species`` sites of
      the coating's first layer. For each, the hops come from the nearest film-interface
      atoms (within (1 + ``shell_tol``) × its nearest distance) or all within
      ``max_length_A``. ``initial``: vacancy on the coating site, the atom in the film;
      ``final``: the atom on the coating site, the vacancy in the film. Hops related by the
      interface's 2D layer symmetry are merged (an incommensurate or relaxed interface has
      little: expect most hops to be distinct).
    * ``target_positions_A`` given (cartesian Å, e.g. interstitial sites you found in the
      coating's first layer; nothing here searches for them): for each target the nearest
      film-interface atom moves there. ``initial`` is the perfect interface, ``final`` has
      the atom on the target and a vacancy in the film (a Frenkel pair across the
      interface); no symmetry merging, multiplicity 1, ``to_site`` None. A target closer
      than 0.7 × covalent radii to another atom is refused.

    The cell is repeated in-plane to the module's width rule. ``from_layer``/``to_layer``
    are None; the label says film → coating.
    """
    _check_common(max_length_A, shell_tol)
    _check_slab_cell(interface, "interface")
    n = len(interface)
    if "interface_side" in interface.arrays:
        if z_split_A is not None:
            raise UserInputError("give either atoms.arrays['interface_side'] or z_split_A, "
                                 "not both")
        side = np.asarray(interface.arrays["interface_side"]).astype(int)
        if not set(np.unique(side).tolist()) <= {0, 1}:
            raise UserInputError("atoms.arrays['interface_side'] must hold 0 (Li film) or "
                                 "1 (coating) for every atom")
    elif z_split_A is not None:
        side = (interface.positions[:, 2] >= z_split_A).astype(int)
    else:
        raise UserInputError("interface_hops needs atoms.arrays['interface_side'] "
                             "(0 = Li film, 1 = coating) or z_split_A")
    film, coating = np.flatnonzero(side == 0), np.flatnonzero(side == 1)
    if len(film) == 0 or len(coating) == 0:
        raise UserInputError(f"the split leaves {len(film)} film and {len(coating)} coating "
                             "atoms; both sides need atoms")
    sites = _species_indices(interface, species)
    above = interface.positions[coating, 2].mean() > interface.positions[film, 2].mean()
    film_layers = layers_from_top(interface, film, layer_tolerance_A)
    coat_layers = layers_from_top(interface, coating, layer_tolerance_A)
    film_layer = film_layers[0] if above else film_layers[-1]
    coat_layer = coat_layers[-1] if above else coat_layers[0]
    starts = np.intersect1d(film_layer, sites)
    if len(starts) == 0:
        raise UserInputError(f"the film's interface layer has no {species} atoms")
    if target_positions_A is not None:
        return _interstitial_hops(interface, species, starts, target_positions_A,
                                  max_length_A, supercell, min_width_A)
    dests = np.intersect1d(coat_layer, sites)
    if len(dests) == 0:
        z = interface.positions[coat_layer, 2].mean()
        raise UserInputError(
            f"the coating's first layer (z = {z:.2f} Å) has no {species} sites for a vacancy "
            "hop; pass target_positions_A (interstitial sites) instead"
        )
    is_start = np.zeros(n, dtype=bool)
    is_start[starts] = True
    is_dest = np.zeros(n, dtype=bool)
    is_dest[dests] = True
    i, j, vec, d = _same_species_pairs(interface, np.union1d(starts, dests), max_length_A)
    keep = is_start[i] & is_dest[j]
    i, j, vec, d = i[keep], j[keep], vec[keep], d[keep]
    if max_length_A is None and len(i):
        # first shell seen from each destination: its nearest film atoms
        keep = _first_shell(j, d, shell_tol)
        i, j, vec, d = i[keep], j[keep], vec[keep], d[keep]
    if len(i) == 0:
        reach = max_length_A if max_length_A is not None else _MAX_SEARCH_A
        raise UserInputError(f"no film {species} atom within {reach} Å of a coating "
                             f"{species} site")
    ops = _symmetry_ops(interface, sites, symprec, keep_z=True)
    orbit, _, _ = _hop_orbits(interface, i, j, vec, ops)
    rep = _choose_supercell(interface, supercell, (0, 1), float(d.max()), min_width_A)
    hops = []
    for oid in range(int(orbit.max()) + 1):
        members = np.flatnonzero(orbit == oid)
        h = members[0]
        a, b, length = int(i[h]), int(j[h]), float(d[h])
        mult = int(np.sum(i[members] == a))
        label = f"{species} film{a}->coating{b} {length:.3f} A x{mult}"
        initial, final, moving = _vacancy_hop_images(
            interface, rep, a, vec[h], {"hop_label": label})
        hops.append(Hop(initial=initial, final=final, species=species, length_A=length,
                        multiplicity=mult, moving_index=moving, from_site=a, to_site=b,
                        mechanism="vacancy", label=label, reverse_equivalent=False))
    hops.sort(key=lambda hop: (round(hop.length_A, 4), hop.from_site))
    return hops


def _interstitial_hops(interface, species, starts, targets, max_length_A, supercell,
                       min_width_A) -> list[Hop]:
    targets = np.asarray(targets, dtype=float)
    if targets.ndim == 1:
        targets = targets[None, :]
    if targets.ndim != 2 or targets.shape[1] != 3 or not np.all(np.isfinite(targets)):
        raise UserInputError("target_positions_A must be cartesian positions, shape (n, 3)")
    chosen = []
    for t, target in enumerate(targets):
        vecs, dist = find_mic(target - interface.positions[starts], interface.cell.array,
                              interface.pbc)
        k = int(np.argmin(dist))
        if max_length_A is not None and dist[k] > max_length_A:
            raise UserInputError(f"target {t} is {dist[k]:.2f} Å from the nearest film "
                                 f"{species} atom, beyond max_length_A={max_length_A}")
        chosen.append((int(starts[k]), vecs[k], float(dist[k])))
    rep = _choose_supercell(interface, supercell, (0, 1), max(c[2] for c in chosen),
                            min_width_A)
    hops = []
    for t, (a, vector, length) in enumerate(chosen):
        label = f"{species} film{a}->target{t} {length:.3f} A (interstitial)"
        initial = interface.repeat(rep)
        final = initial.copy()
        final.positions[a] += vector
        _refuse_overlap(final, a, f"target {t}")
        for image, state in ((initial, "initial"), (final, "final")):
            image.info.update({"hop_label": label, "hop_state": state,
                               "supercell": tuple(int(n) for n in rep), "moving_index": a})
        hops.append(Hop(initial=initial, final=final, species=species, length_A=length,
                        multiplicity=1, moving_index=a, from_site=a, to_site=None,
                        mechanism="interstitial", label=label, reverse_equivalent=False))
    return hops
