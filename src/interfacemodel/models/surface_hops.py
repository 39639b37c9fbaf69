"""Hops at a surface or an interface: the distinct vacancy hops of one species in a slab,
labelled by the layers they join (:func:`slab_hops`), and the hops of an atom from a Li
film's interface layer into a coating's first layer (:func:`interface_hops`).

The surface normal is z and the in-plane cell vectors lie in the xy plane (ASE surface
builders); layers are counted from the top (0 = outermost along +z,
:func:`~interfacemodel.models.slabs.layers_from_top`); the cell is repeated in-plane only.
The hops are NEB end points; lengths in Å; the other conventions are those of
:mod:`interfacemodel.models.hops`.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.geometry import find_mic

from ..errors import UserInputError
from .hops import (
    MAX_SEARCH_A,
    Hop,
    assemble_hops,
    check_hop_options,
    choose_supercell,
    first_shell,
    same_species_pairs,
    vacancy_hop_images,
)
from .point_defects import fixed_indices, refuse_overlap, species_indices
from .slabs import LAYER_TOLERANCE_A, layers_from_top
from .symmetry import hop_orbits, symmetry_ops


def _check_slab_cell(atoms: Atoms, what: str):
    cell = atoms.cell.array
    if abs(atoms.cell.volume) < 1e-9:
        raise UserInputError(f"the {what} needs a 3D cell (vacuum included along z)")
    if abs(cell[0, 2]) > 1e-6 or abs(cell[1, 2]) > 1e-6:
        raise UserInputError(
            f"the {what}'s cell vectors a and b must lie in the xy plane (surface normal z)"
        )


def _layer_of(layers: list[np.ndarray], n: int) -> np.ndarray:
    out = np.full(n, -1, dtype=int)
    for k, members in enumerate(layers):
        out[members] = k
    return out


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
    taken from each site's first shell (as in
    :func:`~interfacemodel.models.bulk_hops.vacancy_hops`) or up to ``max_length_A``; only
    hops whose both layers are ≤ ``max_layer`` (default: all) and whose sites are not fixed
    by ``FixAtoms`` are built.

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
    check_hop_options(max_length_A, shell_tol)
    _check_slab_cell(slab, "slab")
    sites = species_indices(slab, species)
    layers = layers_from_top(slab, sites, layer_tolerance_A)
    layer = _layer_of(layers, len(slab))
    i, j, vec, d = same_species_pairs(slab, sites, max_length_A)
    if max_length_A is None and len(i):
        keep = first_shell(i, d, shell_tol)
        i, j, vec, d = i[keep], j[keep], vec[keep], d[keep]
    fixed = fixed_indices(slab)
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
        ops = symmetry_ops(slab, sites, symprec, keep_z=True)
        classes = hop_orbits(slab, i, j, vec, ops)
    else:
        keys = [(int(layer[a]), int(layer[b]), round(float(x), 2))
                for a, b, x in zip(i, j, d, strict=True)]
        ids = {k: n for n, k in enumerate(dict.fromkeys(keys))}
        orbit = np.array([ids[k] for k in keys], dtype=int)
        reverse_eq = [k[0] == k[1] for k in ids]
        reverse_class = [ids.get((k[1], k[0], k[2]), -1) if k[0] != k[1] else -1 for k in ids]
        classes = (orbit, reverse_eq, reverse_class)
    rep = choose_supercell(slab, supercell, (0, 1), float(d.max()), min_width_A)
    hops = assemble_hops(slab, species, rep, (i, j, vec, d), classes, layer)
    hops.sort(key=lambda hop: (hop.from_layer, hop.to_layer, round(hop.length_A, 4),
                               hop.from_site))
    return hops


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

    Two mechanisms, both with the conventions of :mod:`interfacemodel.models.hops` (same
    atoms, same order, one moved):

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

    The cell is repeated in-plane to the width rule of :mod:`interfacemodel.models.hops`.
    ``from_layer``/``to_layer`` are None; the label says film → coating.
    """
    check_hop_options(max_length_A, shell_tol)
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
    sites = species_indices(interface, species)
    above = interface.positions[coating, 2].mean() > interface.positions[film, 2].mean()
    film_layers = layers_from_top(interface, film, layer_tolerance_A)
    coat_layers = layers_from_top(interface, coating, layer_tolerance_A)
    film_layer = film_layers[0] if above else film_layers[-1]
    coat_layer = coat_layers[-1] if above else coat_layers[0]
    starts = np.intersect1d(film_layer, sites)
    if len(starts) == 0:
        raise UserInputError(f"the film's interface layer has no {species} atoms")
    if target_positions_A is not None:
        return _interface_interstitial_hops(interface, species, starts, target_positions_A,
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
    i, j, vec, d = same_species_pairs(interface, np.union1d(starts, dests), max_length_A)
    keep = is_start[i] & is_dest[j]
    i, j, vec, d = i[keep], j[keep], vec[keep], d[keep]
    if max_length_A is None and len(i):
        # first shell seen from each destination: its nearest film atoms
        keep = first_shell(j, d, shell_tol)
        i, j, vec, d = i[keep], j[keep], vec[keep], d[keep]
    if len(i) == 0:
        reach = max_length_A if max_length_A is not None else MAX_SEARCH_A
        raise UserInputError(f"no film {species} atom within {reach} Å of a coating "
                             f"{species} site")
    ops = symmetry_ops(interface, sites, symprec, keep_z=True)
    orbit, _, _ = hop_orbits(interface, i, j, vec, ops)
    rep = choose_supercell(interface, supercell, (0, 1), float(d.max()), min_width_A)
    hops = []
    for oid in range(int(orbit.max()) + 1):
        members = np.flatnonzero(orbit == oid)
        h = members[0]
        a, b, length = int(i[h]), int(j[h]), float(d[h])
        mult = int(np.sum(i[members] == a))
        label = f"{species} film{a}->coating{b} {length:.3f} A x{mult}"
        initial, final, moving = vacancy_hop_images(
            interface, rep, a, vec[h], {"hop_label": label})
        hops.append(Hop(initial=initial, final=final, species=species, length_A=length,
                        multiplicity=mult, moving_index=moving, from_site=a, to_site=b,
                        mechanism="vacancy", label=label, reverse_equivalent=False))
    hops.sort(key=lambda hop: (round(hop.length_A, 4), hop.from_site))
    return hops


def _interface_interstitial_hops(interface, species, starts, targets, max_length_A, supercell,
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
    rep = choose_supercell(interface, supercell, (0, 1), max(c[2] for c in chosen),
                            min_width_A)
    hops = []
    for t, (a, vector, length) in enumerate(chosen):
        label = f"{species} film{a}->target{t} {length:.3f} A (interstitial)"
        initial = interface.repeat(rep)
        final = initial.copy()
        final.positions[a] += vector
        refuse_overlap(final, a, f"target {t}")
        for image, state in ((initial, "initial"), (final, "final")):
            image.info.update({"hop_label": label, "hop_state": state,
                               "supercell": tuple(int(n) for n in rep), "moving_index": a})
        hops.append(Hop(initial=initial, final=final, species=species, length_A=length,
                        multiplicity=1, moving_index=a, from_site=a, to_site=None,
                        mechanism="interstitial", label=label, reverse_equivalent=False))
    return hops
