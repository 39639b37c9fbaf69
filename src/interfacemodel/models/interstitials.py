"""Interstitial sites of a bulk crystal: the centres of its voids (found by a grid search,
an SLSQP climb and a merge of nearby maxima) or sites given by fractional coordinates, each
with its symmetry orbit and Wyckoff position.

Lengths in Å; ``frac`` coordinates are fractional in the input cell, modulo 1. A void
centre is a local maximum of the distance to the nearest atom (periodic images included);
its clearance is that distance. The crystal must be a bulk: periodic along x, y and z with
no vacuum slice (a slab is refused). The hops between these sites are built by
:func:`~interfacemodel.models.bulk_hops.interstitial_hops`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers, covalent_radii
from ase.neighborlist import neighbor_list
from scipy.ndimage import maximum_filter
from scipy.optimize import minimize
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import ConvexHull, QhullError, cKDTree

from ..errors import UserInputError
from .cells import perpendicular_widths
from .point_defects import OVERLAP_FACTOR, check_element
from .symmetry import LENGTH_TOL_A, symmetry_dataset

_GRID_SPACING_A = 0.2  # void search grid
_SLAB_GAP_A = 6.0  # an atom-free slice this thick between lattice planes: a slab, not a bulk
VOID_MERGE_A = 0.5  # void centres closer than this are one site (their centroid)


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


def check_bulk(atoms: Atoms, what: str) -> None:
    if not np.all(atoms.pbc) or abs(atoms.cell.volume) < 1e-9:
        raise UserInputError(f"{what} needs a bulk cell periodic along x, y and z; "
                             "interface_hops takes interstitial targets at an interface")
    if len(atoms) == 0:
        raise UserInputError(f"{what} needs a structure with atoms")
    frac = np.sort(atoms.cell.scaled_positions(atoms.positions) % 1.0, axis=0)
    gaps = np.vstack([np.diff(frac, axis=0), frac[:1] + 1.0 - frac[-1:]]).max(axis=0)
    widths = perpendicular_widths(atoms.cell.array, (0, 1, 2)) * gaps
    k = int(np.argmax(widths))
    if widths[k] > _SLAB_GAP_A:
        raise UserInputError(
            f"{what} needs a bulk crystal: there is {widths[k]:.1f} Å of vacuum along cell "
            f"vector {k} (a slab?); interface_hops takes interstitial targets at an interface"
        )


def min_clearance(atoms: Atoms, species: str, min_clearance_A: float | None) -> float:
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
    cell = atoms.cell.array
    frac = atoms.cell.scaled_positions(atoms.positions) % 1.0
    # any point lies within half the sum of the cell vectors of a lattice point
    reach = 0.5 * np.linalg.norm(cell, axis=1).sum()
    n = np.ceil(reach / perpendicular_widths(cell, (0, 1, 2))).astype(int) + 1
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
    import spglib  # comes with pymatgen, not a declared dependency: imported where used

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
                if np.linalg.norm(other @ cell, axis=1).min() < LENGTH_TOL_A:
                    continue  # a symmetry copy of a cluster already merged
            centre, orbit = _site_orbit(centre, rotations, translations, cell, LENGTH_TOL_A)
            merged.append((centre, float(tree.query(centre @ cell)[0]), orbit))
        found = merged
    return found


def interstitial_sites(
    atoms: Atoms,
    species: str = "Li",
    symprec: float = 1e-3,
    *,
    min_clearance_A: float | None = None,
    merge_A: float = VOID_MERGE_A,
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
    :data:`~interfacemodel.models.point_defects.OVERLAP_FACTOR` (0.7) × (covalent radius of
    ``species`` + the smallest covalent radius of the host's elements). Saddle points of the
    clearance (e.g. the octahedral site of bcc, the window between two tetrahedral sites)
    are not void centres and are not returned. Sorted by clearance, largest first.
    """
    check_element(species, "species")
    check_bulk(atoms, "interstitial_sites")
    if not merge_A >= 0:
        raise UserInputError(f"merge_A={merge_A} must be >= 0 (Å)")
    min_clearance_A = min_clearance(atoms, species, min_clearance_A)

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
    tol = LENGTH_TOL_A
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
    check_element(species, "species")
    check_bulk(atoms, "given_interstitial_sites")
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
    limit = min_clearance(atoms, species, None)
    sites: list[InterstitialSite] = []
    for f in given % 1.0:
        frac, orbit = _site_orbit(f, rotations, translations, cell, LENGTH_TOL_A)
        if any(np.linalg.norm(((orbit - s.frac + 0.5) % 1.0 - 0.5) @ cell, axis=1).min()
               < LENGTH_TOL_A for s in sites):
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
