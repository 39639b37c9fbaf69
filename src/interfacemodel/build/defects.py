"""Point defects and their hops: vacancies, interstitials, the symmetry-distinct
nearest-neighbour vacancy hops of one species in a bulk crystal, a slab and at an interface,
and the interstitial sites (void centres) and direct interstitial hops of a bulk crystal.

The hops are the end points of NEB calculations. Lengths in Å. Conventions shared by every
hop builder here:

* A hop moves one atom from site A to a neighbouring site B. ``initial`` is the supercell
  with a vacancy at B and the atom on A; ``final`` has the atom on B and the vacancy at A.
  The moving atom keeps its index (:attr:`Hop.moving_index`) and every other atom keeps its
  index and position, so initial and final can be interpolated atom by atom. The moving
  atom's final position is A + hop vector, *not* wrapped back into the cell, so a linear
  interpolation follows the short path.
* An interstitial hop (:func:`interstitial_hops`) moves an extra atom from void A to void
  B: ``initial`` is the perfect supercell plus the atom on A (the last atom), ``final`` the
  same with that atom on B; the same rules on indices and unwrapping hold.
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
    hop builder (B may be a periodic image of that atom; for bulk interstitial hops, indices
    of the void sites, see :func:`interstitial_hops`); ``moving_index`` is the index of
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
    out = _add_atom(atoms, pos, element)
    new = len(out) - 1
    _refuse_overlap(out, new, f"interstitial {element} at ({pos[0]:.3f}, {pos[1]:.3f}, "
                              f"{pos[2]:.3f}) Å")
    return out


def _add_atom(atoms: Atoms, position: np.ndarray, element: str) -> Atoms:
    """A copy of ``atoms`` with ``element`` appended at cartesian ``position`` (no checks)."""
    out = atoms.copy()
    out.append(element)
    new = len(out) - 1
    out.positions[new] = position
    out.info["interstitial_index"] = new
    out.info["interstitial_symbol"] = element
    return out


# --- symmetry ------------------------------------------------------------------------------


def symmetry_dataset(atoms: Atoms, symprec: float):
    """spglib's symmetry dataset of ``atoms`` (through pymatgen's SpacegroupAnalyzer;
    ``symprec`` in Å): space-group number, operations, Wyckoff letters, equivalent atoms."""
    from pymatgen.core import Lattice, Structure
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    if not symprec > 0:
        raise UserInputError(f"symprec={symprec} must be > 0 (Å)")
    frac = atoms.cell.scaled_positions(atoms.positions)
    structure = Structure(Lattice(atoms.cell.array), atoms.get_chemical_symbols(), frac)
    return SpacegroupAnalyzer(structure, symprec=symprec).get_symmetry_dataset()


def _symmetry_ops(
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


def _assemble(atoms, species, rep, pairs, classes, layer, *, names=None, images=None,
              mechanism="vacancy") -> list[Hop]:
    """One Hop per class: its first member (lowest start index, i.e. spglib's representative
    of the site class) with the multiplicity counted around that start site.

    ``names`` (site index -> name, for labels) and ``images`` ((start, vector, info) ->
    (initial, final, moving index)) default to the vacancy hops' atom labels and images.
    """
    i, j, vec, d = pairs
    orbit, reverse_eq, reverse_class = classes
    hops = []
    for oid in range(len(reverse_eq)):
        members = np.flatnonzero(orbit == oid)
        h = members[0]
        a, b, length = int(i[h]), int(j[h]), float(d[h])
        mult = int(np.sum(i[members] == a))
        if names is not None:
            la = lb = None
            label = f"{names[a]}->{names[b]} {length:.3f} A x{mult}"
        elif layer is None:
            la = lb = None
            label = f"{species}{a}->{species}{b} {length:.3f} A x{mult}"
        else:
            la, lb = int(layer[a]), int(layer[b])
            label = f"{species} L{la}->L{lb} {length:.3f} A x{mult} (site {a})"
        info = {"hop_label": label}
        if images is None:
            initial, final, moving = _vacancy_hop_images(atoms, rep, a, vec[h], info)
        else:
            initial, final, moving = images(a, vec[h], info)
        hops.append(Hop(initial=initial, final=final, species=species, length_A=length,
                        multiplicity=mult, moving_index=moving, from_site=a, to_site=b,
                        mechanism=mechanism, label=label, from_layer=la, to_layer=lb,
                        reverse_equivalent=bool(reverse_eq[oid])))
    labels = [hop.label for hop in hops]
    for hop in hops:  # two inequivalent hops that read the same: name their sites
        if labels.count(hop.label) > 1:
            hop.label = f"{hop.label} (sites {hop.from_site}->{hop.to_site})"
            for image in (hop.initial, hop.final):
                image.info["hop_label"] = hop.label
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


# --- bulk interstitials --------------------------------------------------------------------

_GRID_SPACING_A = 0.2  # void search grid
_SLAB_GAP_A = 6.0  # an atom-free slice this thick between lattice planes: a slab, not a bulk
_VOID_MERGE_A = 0.5  # void centres closer than this are one site (their centroid)


@dataclass
class InterstitialSite:
    """One symmetry-distinct interstitial site (void centre) of a bulk crystal.

    ``frac`` and ``position_A`` locate the representative, ``orbit_frac`` all its
    symmetry-equivalent copies in the input cell (the representative first);
    ``clearance_A`` is its distance to the nearest atom (the radius of the empty sphere);
    ``wyckoff`` the Wyckoff position in the host's space group (e.g. ``"8c"``; ``""`` if
    spglib could not assign it) and ``name`` the label used in hop labels (``"i(8c)"``).
    """

    frac: np.ndarray
    position_A: np.ndarray
    clearance_A: float
    orbit_frac: np.ndarray
    wyckoff: str
    name: str


def _check_bulk(atoms: Atoms, what: str) -> None:
    if not np.all(atoms.pbc) or abs(atoms.cell.volume) < 1e-9:
        raise UserInputError(f"{what} needs a bulk cell periodic along x, y and z; "
                             "interface_hops takes interstitial targets at an interface")
    if len(atoms) == 0:
        raise UserInputError(f"{what} needs a structure with atoms")
    frac = np.sort(atoms.cell.scaled_positions(atoms.positions) % 1.0, axis=0)
    gaps = np.vstack([np.diff(frac, axis=0), frac[:1] + 1.0 - frac[-1:]]).max(axis=0)
    widths = _widths(atoms.cell.array, (0, 1, 2)) * gaps
    k = int(np.argmax(widths))
    if widths[k] > _SLAB_GAP_A:
        raise UserInputError(
            f"{what} needs a bulk crystal: there is {widths[k]:.1f} Å of vacuum along cell "
            f"vector {k} (a slab?); interface_hops takes interstitial targets at an interface"
        )


def _min_clearance(atoms: Atoms, species: str, min_clearance_A: float | None) -> float:
    """``min_clearance_A`` checked, or its default: OVERLAP_FACTOR × (covalent radius of
    ``species`` + the smallest covalent radius of the host's elements)."""
    if min_clearance_A is None:
        host = min(covalent_radii[z] for z in set(atoms.numbers.tolist()))
        return float(OVERLAP_FACTOR * (covalent_radii[atomic_numbers[species]] + host))
    number = (int, float, np.integer, np.floating)
    if isinstance(min_clearance_A, bool) or not isinstance(min_clearance_A, number) \
            or not min_clearance_A > 0:
        raise UserInputError(f"min_clearance_A={min_clearance_A!r} must be a number > 0 (Å)")
    return float(min_clearance_A)


def _nearest_atom_tree(atoms: Atoms):
    """A KD-tree of the atoms with enough periodic images to find the nearest atom of any
    point of the cell, and the image positions (cartesian) it holds."""
    from scipy.spatial import cKDTree

    cell = atoms.cell.array
    frac = atoms.cell.scaled_positions(atoms.positions) % 1.0
    # any point lies within half the sum of the cell vectors of a lattice point
    reach = 0.5 * np.linalg.norm(cell, axis=1).sum()
    n = np.ceil(reach / _widths(cell, (0, 1, 2))).astype(int) + 1
    shifts = np.stack(np.meshgrid(*[np.arange(-k, k + 1) for k in n], indexing="ij"),
                      axis=-1).reshape(-1, 3)
    images = (frac[None, :, :] + shifts[:, None, :]).reshape(-1, 3) @ cell
    return cKDTree(images), images


def _ascent(tree, images, x: np.ndarray) -> np.ndarray | None:
    """None if ``x`` is a strict local maximum of the distance to the nearest atom, else a
    unit direction along which that distance does not decrease.

    With e_i the unit vectors from ``x`` to its nearest atoms (equidistant within 1e-3 Å),
    ``x`` is a strict maximum when the e_i surround the origin (it lies inside their convex
    hull). When the e_i span less than 3D (x on a line or in a plane of atoms, e.g. the
    window between two voids) the normal of their span ascends (second order); when the
    origin lies outside or on a facet of the hull, the facet's outward normal does.
    """
    from scipy.spatial import ConvexHull, QhullError

    d, k = tree.query(x, k=16)
    e = images[k[d <= d[0] + 1e-3]] - x
    e /= np.linalg.norm(e, axis=1)[:, None]
    _, sv, vt = np.linalg.svd(e)  # vt[-1] is normal to the span of the e_i
    if len(e) < 4 or sv[2] < 1e-6:
        return vt[-1]
    try:
        hull = ConvexHull(e)
    except QhullError:
        return vt[-1]
    facet = int(np.argmax(hull.equations[:, 3]))
    if hull.equations[facet, 3] < -1e-3:
        return None
    return -hull.equations[facet, :3]


def _refine_void(tree, images, start: np.ndarray, step: float):
    """Climb from ``start`` (cartesian) to the nearby local maximum of the distance to the
    nearest atom: maximise t subject to |x - r_i| >= t (SLSQP). SLSQP also stops on saddle
    points (the centre of a window between atoms), so the result is tested with
    :func:`_ascent` and the climb resumed 0.05 Å along the ascent direction. Returns
    (position, clearance), or None if the maximum lies more than two grid steps away
    (another grid point is closer to it) or is not reached."""
    from scipy.optimize import minimize

    x = np.asarray(start, dtype=float)
    for _ in range(6):
        clearance = float(tree.query(x)[0])
        near = images[tree.query_ball_point(x, clearance + 4 * step + 0.5)]

        def gaps(y, near=near):
            return np.linalg.norm(near - y[:3], axis=1) - y[3]

        def gaps_jac(y, near=near):
            diff = y[:3] - near
            return np.hstack([diff / np.linalg.norm(diff, axis=1)[:, None],
                              -np.ones((len(near), 1))])

        bounds = [(c - 2 * step, c + 2 * step) for c in start] + [(0.0, None)]
        res = minimize(lambda y: -y[3], np.append(x, clearance),
                       jac=lambda y: np.array([0.0, 0.0, 0.0, -1.0]), bounds=bounds,
                       method="SLSQP", options={"ftol": 1e-12, "maxiter": 200},
                       constraints=[{"type": "ineq", "fun": gaps, "jac": gaps_jac}])
        if float(tree.query(res.x[:3])[0]) >= clearance:
            x = res.x[:3]
        if np.any(np.abs(x - start) > 1.95 * step):
            return None
        direction = _ascent(tree, images, x)
        if direction is None:
            return x, float(tree.query(x)[0])
        x = x + 0.05 * direction
    return None


def _site_orbit(frac: np.ndarray, rotations, translations, cell, tol: float):
    """Symmetrise ``frac`` onto its special position (average over its site-symmetry
    operations) and return it with its orbit (distinct images in the cell, modulo 1)."""
    for _ in range(2):
        images = frac @ np.transpose(rotations, (0, 2, 1)) + translations
        diff = images - frac
        diff -= np.rint(diff)
        fixed = np.linalg.norm(diff @ cell, axis=1) < tol
        frac = (frac + diff[fixed].mean(axis=0)) % 1.0
    images = (frac @ np.transpose(rotations, (0, 2, 1)) + translations) % 1.0
    orbit = [frac]
    for f in images:
        diff = np.asarray(orbit) - f
        diff -= np.rint(diff)
        if np.linalg.norm(diff @ cell, axis=1).min() > tol:
            orbit.append(f)
    return frac, np.array(orbit)


def _wyckoff(atoms: Atoms, orbit: np.ndarray, symprec: float) -> str:
    """Wyckoff position ('8c') of a site orbit in the host's space group: spglib's letter for
    a dummy atom type placed on the orbit (which keeps the host's space group) and the
    multiplicity of the orbit in the conventional cell."""
    import spglib

    frac = np.vstack([atoms.cell.scaled_positions(atoms.positions), orbit])
    types = np.append(atoms.numbers, np.full(len(orbit), 200))
    try:
        dataset = spglib.get_symmetry_dataset((atoms.cell.array, frac, types), symprec=symprec)
    except Exception:  # noqa: BLE001 - spglib signals failure in several ways
        dataset = None
    if dataset is None:
        return ""
    ratio = abs(np.linalg.det(dataset.std_lattice)) / abs(atoms.cell.volume)
    return f"{round(len(orbit) * ratio)}{dataset.wyckoffs[len(atoms)]}"


def _merge_voids(atoms: Atoms, tree, found, rotations, translations, merge_A: float):
    """Replace every cluster of void centres (orbit members linked by distances below
    ``merge_A``) by its centroid, snapped onto its special position; repeat until no two
    sites are that close. ``found`` and the result: (frac, clearance, orbit) per orbit."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    cell = atoms.cell.array
    for _ in range(5):
        if merge_A == 0 or not found:
            return found
        frac = np.vstack([orbit for _, _, orbit in found])
        pts = Atoms(numbers=np.zeros(len(frac), dtype=int), scaled_positions=frac, cell=cell,
                    pbc=True)
        i, j = neighbor_list("ij", pts, merge_A, self_interaction=False)
        if len(i) == 0:
            return found
        graph = coo_matrix((np.ones(len(i)), (i, j)), shape=(len(frac), len(frac)))
        _, cluster = connected_components(graph, directed=False)
        merged: list[tuple[np.ndarray, float, np.ndarray]] = []
        for c in np.unique(cluster):
            members = frac[cluster == c]
            diff = members - members[0]
            diff -= np.rint(diff)
            centre = (members[0] + diff.mean(axis=0)) % 1.0
            if merged:
                other = np.vstack([orbit for _, _, orbit in merged]) - centre
                other -= np.rint(other)
                if np.linalg.norm(other @ cell, axis=1).min() < _LENGTH_TOL_A:
                    continue  # a symmetry copy of a cluster already merged
            centre, orbit = _site_orbit(centre, rotations, translations, cell, _LENGTH_TOL_A)
            merged.append((centre, float(tree.query(centre @ cell)[0]), orbit))
        found = merged
    return found


def interstitial_sites(
    atoms: Atoms,
    species: str = "Li",
    symprec: float = 1e-3,
    *,
    min_clearance_A: float | None = None,
    merge_A: float = _VOID_MERGE_A,
) -> list[InterstitialSite]:
    """Symmetry-distinct interstitial sites of a bulk crystal: the centres of its voids.

    A void centre is a local maximum of the distance to the nearest atom (the centre of a
    locally largest empty sphere; periodic images included). Found on a fractional grid of
    about 0.2 Å spacing (grid local maxima, periodic), each refined with SLSQP, then
    merged by the space group of the host (spglib, ``symprec`` Å): each site is snapped onto
    its special position by averaging over its site-symmetry operations. Void centres
    closer than ``merge_A`` (0.5 Å) to each other, e.g. a shallow void split into a few
    maxima, become one site at their centroid (snapped onto its special position; its
    clearance is that of the centroid). Sites whose clearance is below
    ``min_clearance_A`` are dropped; the default is
    :data:`OVERLAP_FACTOR` (0.7) × (covalent radius of ``species`` + the smallest covalent
    radius of the host's elements). Saddle points of the clearance (e.g. the octahedral
    site of bcc, the window between two tetrahedral sites) are not void centres and are not
    returned. Sorted by clearance, largest first.
    """
    _check_element(species, "species")
    _check_bulk(atoms, "interstitial_sites")
    if not merge_A >= 0:
        raise UserInputError(f"merge_A={merge_A} must be >= 0 (Å)")
    min_clearance_A = _min_clearance(atoms, species, min_clearance_A)
    from scipy.ndimage import maximum_filter

    dataset = symmetry_dataset(atoms, symprec)
    rotations = np.asarray(dataset.rotations, dtype=float)
    translations = np.asarray(dataset.translations, dtype=float)
    cell = atoms.cell.array
    tree, images = _nearest_atom_tree(atoms)
    n = np.maximum(4, np.ceil(np.linalg.norm(cell, axis=1) / _GRID_SPACING_A)).astype(int)
    step = float(np.max(np.linalg.norm(cell, axis=1) / n))
    grid = np.stack(np.meshgrid(*[np.arange(k) / k for k in n], indexing="ij"), axis=-1)
    clearance = tree.query(grid.reshape(-1, 3) @ cell)[0].reshape(tuple(n))
    peak = (clearance >= maximum_filter(clearance, size=3, mode="wrap")) & (
        clearance >= min_clearance_A - 2 * step)
    candidates = grid[peak]
    order = np.argsort(-clearance[peak], kind="stable")
    tol = _LENGTH_TOL_A
    found: list[tuple[np.ndarray, float, np.ndarray]] = []  # (frac, clearance, orbit)
    for f in candidates[order]:
        start = f @ cell
        known = [orbit for _, _, orbit in found]
        if known:
            diff = np.vstack(known) - f
            diff -= np.rint(diff)
            if np.linalg.norm(diff @ cell, axis=1).min() < 2 * step:
                continue  # the same void, already refined
        refined = _refine_void(tree, images, start, step)
        if refined is None:
            continue
        frac = atoms.cell.scaled_positions(refined[0][None])[0] % 1.0
        frac, orbit = _site_orbit(frac, rotations, translations, cell, tol)
        if known:
            diff = np.vstack(known) - frac
            diff -= np.rint(diff)
            if np.linalg.norm(diff @ cell, axis=1).min() < tol:
                continue
        found.append((frac, float(tree.query(frac @ cell)[0]), orbit))
    found = _merge_voids(atoms, tree, found, rotations, translations, merge_A)
    found = [site for site in found if site[1] >= min_clearance_A - 1e-9]
    found.sort(key=lambda site: (-round(site[1], 4), tuple(np.round(site[0], 4))))
    sites = []
    for frac, clear, orbit in found:
        wyckoff = _wyckoff(atoms, orbit, symprec)
        sites.append(InterstitialSite(frac=frac, position_A=frac @ cell, clearance_A=clear,
                                      orbit_frac=orbit, wyckoff=wyckoff, name=""))
    _name_sites(sites)
    return sites


def _name_sites(sites: list[InterstitialSite]) -> None:
    """Site names: ``i(8c)`` for a Wyckoff position held by one site, else ``i<k>(8c)``."""
    letters = [s.wyckoff for s in sites]
    for k, site in enumerate(sites):
        unique = site.wyckoff and letters.count(site.wyckoff) == 1
        site.name = f"i({site.wyckoff})" if unique else f"i{k}({site.wyckoff})".replace("()", "")


def given_interstitial_sites(atoms: Atoms, sites_frac, species: str = "Li",
                             symprec: float = 1e-3) -> list[InterstitialSite]:
    """Interstitial sites at given fractional coordinates of the host cell (each snapped onto
    its special position, with its symmetry orbit and Wyckoff position), for where the void
    centres of :func:`interstitial_sites` are not the energy minima of the interstitial (Li in
    rutile MgF2 sits on the octahedral 4c site of the c channel, a saddle of the clearance,
    not a void centre). A site nearer to an atom than the default clearance of
    :func:`interstitial_sites` is refused. Order as given; sites of one orbit given twice
    count once."""
    _check_element(species, "species")
    _check_bulk(atoms, "given_interstitial_sites")
    try:
        given = np.asarray(sites_frac, dtype=float).reshape(-1, 3)
    except (TypeError, ValueError):
        raise UserInputError(f"sites_frac={sites_frac!r}: give fractional coordinates, "
                             f"e.g. [[0, 0.5, 0]]") from None
    if len(given) == 0:
        raise UserInputError("sites_frac is empty: give at least one site, e.g. [[0, 0.5, 0]]")
    dataset = symmetry_dataset(atoms, symprec)
    rotations = np.asarray(dataset.rotations, dtype=float)
    translations = np.asarray(dataset.translations, dtype=float)
    cell = atoms.cell.array
    tree, _ = _nearest_atom_tree(atoms)
    limit = _min_clearance(atoms, species, None)
    sites: list[InterstitialSite] = []
    for f in given % 1.0:
        frac, orbit = _site_orbit(f, rotations, translations, cell, _LENGTH_TOL_A)
        if any(np.linalg.norm(((orbit - s.frac + 0.5) % 1.0 - 0.5) @ cell, axis=1).min()
               < _LENGTH_TOL_A for s in sites):
            continue  # a copy of a site already given
        clearance, nearest = tree.query(frac @ cell)
        if clearance < limit:
            k = int(nearest) % len(atoms)  # the tree holds periodic images atom by atom
            raise UserInputError(
                f"site {np.round(f, 4).tolist()} is {clearance:.2f} Å from a "
                f"{atoms[k].symbol} atom, less than the clearance of interstitial_sites "
                f"({limit:.2f} Å): not an interstitial site")
        sites.append(InterstitialSite(frac=frac, position_A=frac @ cell,
                                      clearance_A=float(clearance), orbit_frac=orbit,
                                      wyckoff=_wyckoff(atoms, orbit, symprec), name=""))
    _name_sites(sites)
    return sites


def _void_pairs(voids: Atoms, kind: np.ndarray, max_length_A: float | None, shell_tol: float):
    """Hops (i, j, D, d) between void sites: all up to ``max_length_A``, or else the union of
    each site's first shell among the sites of its own orbit, its first shell among all
    sites, and the reverses of those (so B → A is there when A → B is); every first shell
    reaches (1 + ``shell_tol``) × the nearest distance. A hop that passes within
    ``_VOID_MERGE_A`` of a third site is left out: it is two hops."""
    n = len(voids)
    if max_length_A is not None:
        i, j, vec, d = neighbor_list("ijDd", voids, max_length_A + 1e-6, self_interaction=False)
    else:
        near_own = np.full(n, np.inf)
        for k in np.unique(kind):
            members = np.flatnonzero(kind == k)
            a, _, _, dist = _same_species_pairs(voids[members], np.arange(len(members)), None)
            for m in np.unique(a):
                near_own[members[m]] = dist[a == m].min()
        a, _, _, dist = _same_species_pairs(voids, np.arange(n), None)
        near_all = np.full(n, np.inf)
        for m in np.unique(a):
            near_all[m] = dist[a == m].min()
        reach = np.concatenate([near_own[np.isfinite(near_own)],
                                near_all[np.isfinite(near_all)]])
        if len(reach) == 0:
            return (np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros((0, 3)),
                    np.zeros(0))
        cutoff = (1.0 + shell_tol) * reach.max() + 1e-6
        i, j, vec, d = neighbor_list("ijDd", voids, cutoff, self_interaction=False)
        lim_own = (1.0 + shell_tol) * near_own + 1e-9
        lim_all = (1.0 + shell_tol) * near_all + 1e-9
        keep = (kind[i] == kind[j]) & (d <= lim_own[i])
        keep |= (d <= lim_all[i]) | (d <= lim_all[j])
        i, j, vec, d = i[keep], j[keep], vec[keep], d[keep]
    through = np.zeros(len(i), dtype=bool)
    for h in range(len(i)):
        mid = voids.positions[i[h]] + 0.5 * vec[h]
        rel, _ = find_mic(voids.positions - mid, voids.cell.array, voids.pbc)
        t = np.clip(rel @ vec[h] / d[h] ** 2, -0.5, 0.5)
        off = np.linalg.norm(rel - t[:, None] * vec[h], axis=1)
        ends = np.minimum(np.linalg.norm(rel - 0.5 * vec[h], axis=1),
                          np.linalg.norm(rel + 0.5 * vec[h], axis=1))
        through[h] = np.any((off < _VOID_MERGE_A) & (ends > _VOID_MERGE_A))
    keep = ~through
    return i[keep], j[keep], vec[keep], d[keep]


def interstitial_hops(
    atoms: Atoms,
    species: str = "Li",
    supercell=None,
    max_length_A: float | None = None,
    symprec: float = 1e-3,
    *,
    min_width_A: float = 8.0,
    shell_tol: float = 0.1,
    min_clearance_A: float | None = None,
    sites_frac=None,
) -> list[Hop]:
    """Symmetry-distinct direct interstitial hops of a ``species`` atom in a bulk crystal.

    The interstitial sites are the void centres of :func:`interstitial_sites` (same
    ``symprec`` and ``min_clearance_A``), or, with ``sites_frac``, the given sites
    (:func:`given_interstitial_sites`), all their symmetry copies in the cell together.
    From every symmetry-distinct site A the hops go to

    * the nearest sites equivalent to A: within (1 + ``shell_tol``) × the distance to the
      nearest one (LiF: 6 tetrahedral neighbours at a/2);
    * the nearest sites of any kind, the same way, so a hop between inequivalent voids is
      built when B is among A's nearest sites (fcc: tetrahedral → octahedral at √3a/4);
      and its reverse B → A as well (a separate entry: ``reverse_equivalent`` False,
      ``reverse_label`` names the other);

    or, with ``max_length_A``, to every site up to that length. A straight path that passes
    within 0.5 Å of a third site is left out (it is two hops).

    ``initial`` is the supercell of the perfect crystal plus one ``species`` atom (the last
    atom, :attr:`Hop.moving_index`) on A; ``final`` has it moved to B (A + hop vector,
    unwrapped); all other atoms are untouched. No overlap check beyond the clearance rule:
    an interstitial may sit closer than 0.7 × covalent radii to a host atom (Li on the
    tetrahedral site of LiF: 0.68 × the Li–Li radius sum). ``from_site`` and ``to_site``
    index the sites' orbit positions concatenated in the order of
    :func:`interstitial_sites`. Multiplicity, symmetry merging and supercell rule as in
    :func:`vacancy_hops`; labels ``"i(8c)->i(8c) 2.013 A x6"`` (Wyckoff positions in the
    host's space group). Sorted by length, then start site.
    """
    _check_element(species, "species")
    _check_bulk(atoms, "interstitial_hops")
    _check_common(max_length_A, shell_tol)
    if sites_frac is not None:
        sites = given_interstitial_sites(atoms, sites_frac, species, symprec)
    else:
        min_clearance_A = _min_clearance(atoms, species, min_clearance_A)
        sites = interstitial_sites(atoms, species, symprec, min_clearance_A=min_clearance_A)
    if not sites:
        raise UserInputError(
            f"no void in this crystal is {min_clearance_A:.3f} Å (min_clearance_A) from every "
            f"atom: no interstitial site for {species}; lower min_clearance_A to accept one"
        )
    cell = atoms.cell.array
    frac = np.vstack([site.orbit_frac for site in sites])
    names = [site.name for site in sites for _ in site.orbit_frac]
    kind = np.concatenate([np.full(len(site.orbit_frac), k) for k, site in enumerate(sites)])
    voids = Atoms(numbers=np.zeros(len(frac), dtype=int), scaled_positions=frac, cell=cell,
                  pbc=True)
    i, j, vec, d = _void_pairs(voids, kind, max_length_A, shell_tol)
    if len(i) == 0:
        reach = max_length_A if max_length_A is not None else _MAX_SEARCH_A
        raise UserInputError(f"no two interstitial sites within {reach} Å: no hops to build")
    # space-group operations as permutations of the void sites; the image of a site is found
    # with a periodic KD-tree in fractional coordinates (it lies ~0 away in any metric)
    from scipy.spatial import cKDTree

    def wrap(f):
        f = f % 1.0
        return np.where(f >= 1.0, 0.0, f)

    lookup = cKDTree(wrap(frac), boxsize=1.0)
    dataset = symmetry_dataset(atoms, symprec)
    ops = []
    for rot, trans in zip(dataset.rotations, dataset.translations, strict=True):
        moved = frac @ rot.T + trans
        _, perm = lookup.query(wrap(moved))
        diff = moved - frac[perm]
        diff -= np.rint(diff)
        if np.all(np.linalg.norm(diff @ cell, axis=1) < _LENGTH_TOL_A):
            ops.append((rot.astype(float), perm))
    classes = _hop_orbits(voids, i, j, vec, ops)
    rep = _choose_supercell(atoms, supercell, (0, 1, 2), float(d.max()), min_width_A)
    sc = atoms.repeat(rep)  # the input cell's atoms come first, at their input positions

    def images(a, vector, info):
        initial = _add_atom(sc, voids.positions[a], species)
        moving = len(initial) - 1
        final = initial.copy()
        final.positions[moving] = initial.positions[moving] + vector
        for image, state in ((initial, "initial"), (final, "final")):
            image.info.update(info)
            image.info["hop_state"] = state
            image.info["supercell"] = tuple(int(k) for k in rep)
            image.info["moving_index"] = moving
        return initial, final, moving

    hops = _assemble(atoms, species, rep, (i, j, vec, d), classes, None, names=names,
                     images=images, mechanism="interstitial")
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
