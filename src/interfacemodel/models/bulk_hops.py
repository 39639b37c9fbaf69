"""Hops in a bulk crystal: the symmetry-distinct nearest-neighbour vacancy hops of one
species (:func:`vacancy_hops`), the direct hops of an interstitial atom between void
sites (:func:`interstitial_hops`) and the interstitialcy (knock-off) hops, where the
interstitial takes a lattice atom's site and pushes that atom into the next void
(:func:`interstitialcy_hops`).

The hops are NEB end points; lengths in Å; the conventions (indices, unwrapped final
position, multiplicity, supercell rule) are those of :mod:`interfacemodel.models.hops`.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.geometry import find_mic
from ase.neighborlist import neighbor_list
from scipy.spatial import cKDTree

from ..errors import UserInputError
from .hops import (
    MAX_SEARCH_A,
    Hop,
    assemble_hops,
    check_hop_options,
    choose_supercell,
    first_shell,
    same_species_pairs,
)
from .interstitials import (
    VOID_MERGE_A,
    check_bulk,
    given_interstitial_sites,
    interstitial_sites,
    min_clearance,
)
from .point_defects import add_atom, check_element, species_indices
from .symmetry import LENGTH_TOL_A, hop_orbits, symmetry_dataset, symmetry_ops


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
    integers, or one for all axes) overrides the default repetition. Hops are sorted by
    length, then start site. Conventions (and the supercell rule):
    :mod:`interfacemodel.models.hops`.
    """
    if not np.all(atoms.pbc) or abs(atoms.cell.volume) < 1e-9:
        raise UserInputError("vacancy_hops needs a bulk cell periodic along x, y and z; "
                             "use slab_hops for slabs")
    check_hop_options(max_length_A, shell_tol)
    sites = species_indices(atoms, species)
    i, j, vec, d = same_species_pairs(atoms, sites, max_length_A)
    if max_length_A is None and len(i):
        keep = first_shell(i, d, shell_tol)
        i, j, vec, d = i[keep], j[keep], vec[keep], d[keep]
    if len(i) == 0:
        reach = max_length_A if max_length_A is not None else MAX_SEARCH_A
        raise UserInputError(f"no {species}–{species} pair within {reach} Å: no hops to build")
    ops = symmetry_ops(atoms, sites, symprec, keep_z=False)
    classes = hop_orbits(atoms, i, j, vec, ops)
    rep = choose_supercell(atoms, supercell, (0, 1, 2), float(d.max()), min_width_A)
    hops = assemble_hops(atoms, species, rep, (i, j, vec, d), classes, None)
    hops.sort(key=lambda hop: (round(hop.length_A, 4), hop.from_site))
    return hops


def _void_pairs(voids: Atoms, kind: np.ndarray, max_length_A: float | None, shell_tol: float):
    """Hops (i, j, D, d) between void sites: all up to ``max_length_A``, or else the union of
    each site's first shell among the sites of its own orbit, its first shell among all
    sites, and the reverses of those (so B → A is there when A → B is); every first shell
    reaches (1 + ``shell_tol``) × the nearest distance. A hop that passes within
    ``VOID_MERGE_A`` of a third site is left out: it is two hops."""
    n = len(voids)
    if max_length_A is not None:
        i, j, vec, d = neighbor_list("ijDd", voids, max_length_A + 1e-6, self_interaction=False)
    else:
        near_own = np.full(n, np.inf)
        for k in np.unique(kind):
            members = np.flatnonzero(kind == k)
            a, _, _, dist = same_species_pairs(voids[members], np.arange(len(members)), None)
            for m in np.unique(a):
                near_own[members[m]] = dist[a == m].min()
        a, _, _, dist = same_species_pairs(voids, np.arange(n), None)
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
        through[h] = np.any((off < VOID_MERGE_A) & (ends > VOID_MERGE_A))
    keep = ~through
    return i[keep], j[keep], vec[keep], d[keep]


def _void_sites(atoms: Atoms, species: str, symprec: float, min_clearance_A, sites_frac):
    """The interstitial sites of a hop builder: ``sites_frac`` given, else the void centres
    with at least ``min_clearance_A`` (default: that of interstitial_sites); none: one line."""
    if sites_frac is not None:
        return given_interstitial_sites(atoms, sites_frac, species, symprec)
    min_clearance_A = min_clearance(atoms, species, min_clearance_A)
    sites = interstitial_sites(atoms, species, symprec, min_clearance_A=min_clearance_A)
    if not sites:
        raise UserInputError(
            f"no void in this crystal is {min_clearance_A:.3f} Å (min_clearance_A) from every "
            f"atom: no interstitial site for {species}; lower min_clearance_A to accept one"
        )
    return sites


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

    The interstitial sites are the void centres of
    :func:`~interfacemodel.models.interstitials.interstitial_sites` (same ``symprec`` and
    ``min_clearance_A``), or, with ``sites_frac``, the given sites
    (:func:`~interfacemodel.models.interstitials.given_interstitial_sites`), all their
    symmetry copies in the cell together.
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
    atom, :attr:`~interfacemodel.models.hops.Hop.moving_index`) on A; ``final`` has it moved
    to B (A + hop vector, unwrapped); all other atoms are untouched. No overlap check beyond
    the clearance rule: an interstitial may sit closer than 0.7 × covalent radii to a host
    atom (Li on the tetrahedral site of LiF: 0.68 × the Li–Li radius sum). ``from_site`` and
    ``to_site`` index the sites' orbit positions concatenated in the order of
    :func:`~interfacemodel.models.interstitials.interstitial_sites`. Multiplicity, symmetry
    merging and supercell rule as in :func:`vacancy_hops`; labels
    ``"i(8c)->i(8c) 2.013 A x6"`` (Wyckoff positions in the host's space group). Sorted by
    length, then start site.
    """
    check_element(species, "species")
    check_bulk(atoms, "interstitial_hops")
    check_hop_options(max_length_A, shell_tol)
    sites = _void_sites(atoms, species, symprec, min_clearance_A, sites_frac)
    cell = atoms.cell.array
    frac = np.vstack([site.orbit_frac for site in sites])
    names = [site.name for site in sites for _ in site.orbit_frac]
    kind = np.concatenate([np.full(len(site.orbit_frac), k) for k, site in enumerate(sites)])
    voids = Atoms(numbers=np.zeros(len(frac), dtype=int), scaled_positions=frac, cell=cell,
                  pbc=True)
    i, j, vec, d = _void_pairs(voids, kind, max_length_A, shell_tol)
    if len(i) == 0:
        reach = max_length_A if max_length_A is not None else MAX_SEARCH_A
        raise UserInputError(f"no two interstitial sites within {reach} Å: no hops to build")
    # space-group operations as permutations of the void sites; the image of a site is found
    # with a periodic KD-tree in fractional coordinates (it lies ~0 away in any metric)
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
        if np.all(np.linalg.norm(diff @ cell, axis=1) < LENGTH_TOL_A):
            ops.append((rot.astype(float), perm))
    classes = hop_orbits(voids, i, j, vec, ops)
    rep = choose_supercell(atoms, supercell, (0, 1, 2), float(d.max()), min_width_A)
    sc = atoms.repeat(rep)  # the input cell's atoms come first, at their input positions

    def images(a, vector, info):
        initial = add_atom(sc, voids.positions[a], species)
        moving = len(initial) - 1
        final = initial.copy()
        final.positions[moving] = initial.positions[moving] + vector
        for image, state in ((initial, "initial"), (final, "final")):
            image.info.update(info)
            image.info["hop_state"] = state
            image.info["supercell"] = tuple(int(k) for k in rep)
            image.info["moving_index"] = moving
        return initial, final, moving

    hops = assemble_hops(atoms, species, rep, (i, j, vec, d), classes, None, names=names,
                     images=images, mechanism="interstitial")
    hops.sort(key=lambda hop: (round(hop.length_A, 4), hop.from_site))
    return hops


def _atom_wyckoff(atoms: Atoms, dataset) -> list[str]:
    """Wyckoff position of every atom of ``atoms`` ('8c'), multiplicities per conventional
    cell (``dataset``: its spglib symmetry dataset)."""
    ratio = abs(np.linalg.det(dataset.std_lattice)) / abs(atoms.cell.volume)
    counts: dict[int, int] = {}
    for orbit in dataset.equivalent_atoms:
        counts[int(orbit)] = counts.get(int(orbit), 0) + 1
    return [f"{round(counts[int(o)] * ratio)}{w}"
            for o, w in zip(dataset.equivalent_atoms, dataset.wyckoffs, strict=True)]


def _first_shell_vectors(probe: Atoms, centre: int, targets: np.ndarray, shell_tol: float,
                         cutoff: float):
    """(indices, vectors) of the ``targets`` atoms of ``probe`` in the first shell of
    ``centre`` (within (1 + shell_tol) × the nearest distance; periodic images counted),
    searching up to ``cutoff`` and then further, to :data:`MAX_SEARCH_A`."""
    is_target = np.zeros(len(probe), dtype=bool)
    is_target[targets] = True
    while True:
        i, j, vec, d = neighbor_list("ijDd", probe, cutoff + 1e-6, self_interaction=False)
        keep = (i == centre) & is_target[j]
        if np.any(keep) or cutoff >= MAX_SEARCH_A:
            break
        cutoff = min(1.5 * cutoff, MAX_SEARCH_A)
    j, vec, d = j[keep], vec[keep], d[keep]
    if len(d) == 0:
        return j, vec
    shell = d <= (1.0 + shell_tol) * d.min() + 1e-9
    return j[shell], vec[shell]


def interstitialcy_hops(
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
    """Symmetry-distinct interstitialcy (knock-off) hops of a ``species`` interstitial.

    The interstitial on void A pushes a lattice ``species`` atom L into a void B and takes
    L's lattice site: two atoms move, and the interstitial (the charge carrier) moves from A
    to B. The voids are those of :func:`interstitial_hops` (void centres, or ``sites_frac``).
    For every symmetry-distinct void A, L runs over A's first shell of ``species`` atoms and
    B over L's first shell of voids of A's own orbit (B ≠ A), both shells within
    (1 + ``shell_tol``) × the nearest distance. Triples (A, L, B) related by a space-group
    operation that keeps A are one hop; every symmetry-distinct choice of B is kept as its
    own hop (e.g. LiF: B at a/2, a/√2 or, collinear, √3a/2 from A). ``max_length_A`` keeps
    the hops whose displacement |B − A| is at most that.

    ``initial``: the perfect supercell plus the interstitial on A (the last atom,
    :attr:`~interfacemodel.models.hops.Hop.moving_index`); ``final``: the interstitial on L's
    position and L (:attr:`~interfacemodel.models.hops.Hop.partner_index`) on B; each of the
    two positions unwrapped for its short path (A → L and L → B), every other atom untouched,
    indices kept. ``length_A`` is |B − A|, the carrier's displacement (the d of D);
    ``multiplicity`` the number of hops out of A equivalent to this one (antifluorite: 8 Li
    around the 4b void × 3 voids beyond each = 24); ``reverse_equivalent`` is True (the end
    states are the same defect on equivalent voids). ``from_site``/``to_site``: void indices
    as in :func:`interstitial_hops`. Labels ``"i(4b)->8c->i(4b) 3.294 A x24"`` (Wyckoff
    positions of the voids and of L in the host's space group; the A–L–B angle is added
    when two distinct hops would read the same). The supercell rule of
    :mod:`interfacemodel.models.hops` with |B − A| as the hop length. Sorted by
    |B − A|, then start site, then the A–L–B angle (the most collinear first).
    """
    check_element(species, "species")
    check_bulk(atoms, "interstitialcy_hops")
    check_hop_options(max_length_A, shell_tol)
    lattice_atoms = species_indices(atoms, species)
    sites = _void_sites(atoms, species, symprec, min_clearance_A, sites_frac)
    cell = atoms.cell.array
    inv = np.linalg.inv(cell)
    dataset = symmetry_dataset(atoms, symprec)
    wyckoff = _atom_wyckoff(atoms, dataset)
    n = len(atoms)
    offsets = np.cumsum([0] + [len(site.orbit_frac) for site in sites])
    all_frac = np.vstack([site.orbit_frac for site in sites]) % 1.0
    lookup = cKDTree(np.where(all_frac >= 1.0, 0.0, all_frac), boxsize=1.0)
    found = []  # (site k, L atom, vector A->L, vector L->B, |B - A|, angle)
    for k, site in enumerate(sites):
        probe = atoms.copy()
        probe.set_constraint()
        voids = n + np.arange(len(site.orbit_frac))
        probe += Atoms(numbers=np.zeros(len(voids), dtype=int), cell=cell, pbc=True,
                       scaled_positions=site.orbit_frac)
        a_idx = n  # the orbit's representative comes first
        ls, to_l = _first_shell_vectors(probe, a_idx, lattice_atoms, shell_tol, 4.0)
        if len(ls) == 0:
            continue
        reach = (1.0 + shell_tol) * float(np.linalg.norm(to_l, axis=1).max()) + 1e-6
        triples = []
        for l_atom, v_al in zip(ls, to_l, strict=True):
            bs, to_b = _first_shell_vectors(probe, int(l_atom), voids, shell_tol, reach)
            for v_lb in to_b:
                v_ab = v_al + v_lb
                if np.linalg.norm(v_ab) < LENGTH_TOL_A:
                    continue  # back onto A
                if max_length_A is not None and np.linalg.norm(v_ab) > max_length_A + 1e-6:
                    continue
                triples.append((int(l_atom), v_al, v_lb))
        if not triples:
            continue
        # operations that keep A (modulo a lattice vector), as cartesian rotations
        f_a = site.orbit_frac[0]
        keep_a = []
        for rot, trans in zip(dataset.rotations, dataset.translations, strict=True):
            moved = rot @ f_a + trans - f_a
            moved -= np.rint(moved)
            if np.linalg.norm(moved @ cell) < LENGTH_TOL_A:
                keep_a.append(inv @ rot.T @ cell)  # row vector v -> ((R (v C⁻¹)ᵀ)ᵀ) C
        v_al = np.array([t[1] for t in triples])
        v_lb = np.array([t[2] for t in triples])
        cls = np.full(len(triples), -1, dtype=int)
        n_cls = 0
        for h in range(len(triples)):
            if cls[h] >= 0:
                continue
            cls[h] = n_cls
            for r in keep_a:
                miss = (np.linalg.norm(v_al - v_al[h] @ r, axis=1)
                        + np.linalg.norm(v_lb - v_lb[h] @ r, axis=1))
                m = int(np.argmin(miss))
                if miss[m] < LENGTH_TOL_A and cls[m] < 0:
                    cls[m] = n_cls
            n_cls += 1
        for c in range(n_cls):
            members = np.flatnonzero(cls == c)
            # representative: the member with the lowest L index, then the smallest vectors
            h = min(members, key=lambda m: (triples[m][0], tuple(np.round(v_al[m], 4)),
                                            tuple(np.round(v_lb[m], 4))))
            d_ab = float(np.linalg.norm(v_al[h] + v_lb[h]))
            cosine = float(-v_al[h] @ v_lb[h] / np.linalg.norm(v_al[h])
                           / np.linalg.norm(v_lb[h]))
            angle = float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))
            found.append((k, triples[h][0], v_al[h], v_lb[h], d_ab, angle, len(members)))
    if not found:
        reach = f" within {max_length_A} Å" if max_length_A is not None else ""
        raise UserInputError(f"no interstitialcy hop of {species}{reach}: no {species} atom "
                             f"next to a void with a second void of its kind beyond it")
    found.sort(key=lambda t: (round(t[4], 4), t[0], -round(t[5], 2)))
    rep = choose_supercell(atoms, supercell, (0, 1, 2), max(t[4] for t in found), min_width_A)
    sc = atoms.repeat(rep)  # the input cell's atoms come first, at their input positions
    hops = []
    for k, l_atom, v_al, v_lb, d_ab, _angle, mult in found:
        site = sites[k]
        a_pos = site.orbit_frac[0] @ cell
        b_frac = ((a_pos + v_al + v_lb) @ inv) % 1.0
        _, b_site = lookup.query(np.where(b_frac >= 1.0, 0.0, b_frac))
        label = f"{site.name}->{wyckoff[l_atom]}->{site.name} {d_ab:.3f} A x{mult}"
        initial = add_atom(sc, a_pos, species)
        moving = len(initial) - 1
        diff, dist = find_mic(sc.positions - (a_pos + v_al), sc.cell.array, sc.pbc)
        partner = int(np.argmin(dist))
        if dist[partner] > LENGTH_TOL_A or partner % n != l_atom % n:
            raise RuntimeError(f"no {species} atom at L in the supercell "
                               f"(closest {dist[partner]:.3f} Å)")
        final = initial.copy()
        final.positions[moving] = a_pos + v_al
        final.positions[partner] = initial.positions[partner] + v_lb
        hop = Hop(initial=initial, final=final, species=species, length_A=d_ab,
                  multiplicity=int(mult), moving_index=moving, from_site=int(offsets[k]),
                  to_site=int(b_site), mechanism="interstitialcy", label=label,
                  reverse_equivalent=True, partner_index=partner)
        hops.append(hop)
    labels = [hop.label for hop in hops]
    for hop, found_hop in zip(hops, found, strict=True):
        if labels.count(hop.label) > 1:  # two distinct hops that read the same: the angle
            hop.label = f"{hop.label} (A-L-B {found_hop[5]:.1f} deg)"
    for hop in hops:
        for image, state in ((hop.initial, "initial"), (hop.final, "final")):
            image.info.update({"hop_label": hop.label, "hop_state": state,
                               "supercell": tuple(int(x) for x in rep),
                               "moving_index": hop.moving_index,
                               "partner_index": hop.partner_index})
    return hops
