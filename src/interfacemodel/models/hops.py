"""The :class:`Hop` record and what every hop builder shares: neighbour pairs of one species,
the supercell choice, the NEB end-point images and the assembly of one hop per symmetry class.

The builders are :func:`~interfacemodel.models.bulk_hops.vacancy_hops`,
:func:`~interfacemodel.models.bulk_hops.interstitial_hops` and
:func:`~interfacemodel.models.bulk_hops.interstitialcy_hops` (bulk crystals),
:func:`~interfacemodel.models.surface_hops.slab_hops` and
:func:`~interfacemodel.models.surface_hops.interface_hops`. The hops are the end points of
NEB calculations. Lengths in Å. Conventions shared by every hop builder:

* A hop moves one atom from site A to a neighbouring site B. ``initial`` is the supercell
  with a vacancy at B and the atom on A; ``final`` has the atom on B and the vacancy at A.
  The moving atom keeps its index (:attr:`Hop.moving_index`) and every other atom keeps its
  index and position, so initial and final can be interpolated atom by atom. The moving
  atom's final position is A + hop vector, *not* wrapped back into the cell, so a linear
  interpolation follows the short path.
* An interstitial hop (:func:`~interfacemodel.models.bulk_hops.interstitial_hops`) moves an
  extra atom from void A to void B: ``initial`` is the perfect supercell plus the atom on A
  (the last atom), ``final`` the same with that atom on B; the same rules on indices and
  unwrapping hold.
* An interstitialcy (knock-off) hop
  (:func:`~interfacemodel.models.bulk_hops.interstitialcy_hops`) moves two atoms: the extra
  atom (``moving_index``, the last) from void A onto the site of a lattice atom L, and L
  (:attr:`Hop.partner_index`) into a void B; ``length_A`` is |B − A|, the displacement
  of the interstitial as a defect.
* Multiplicity: the number of hops out of site A that are symmetry-equivalent to this one
  (bcc vacancy hop 8, fcc 12): the z of D = (1/6) z d² Γ f.
* Layers (slabs, interfaces): atoms sorted along z, a gap larger than ``layer_tolerance_A``
  (0.3 Å) starts a new layer; layer 0 is the outermost one along +z
  (:func:`~interfacemodel.models.slabs.layers_from_top`). The surface normal must be z and
  the in-plane cell vectors must lie in the xy plane (ASE surface builders).
* Symmetry: spglib (through pymatgen's ``SpacegroupAnalyzer``) on the input cell with
  ``symprec`` (Å), see :mod:`interfacemodel.models.symmetry`. For slabs and interfaces only
  the operations that keep every atom at its height (the 2D layer symmetry) are used, so
  hops in different layers are never merged and the two faces of a symmetric slab are not
  identified.
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
from ase.geometry import find_mic
from ase.neighborlist import neighbor_list

from ..errors import UserInputError
from .cells import perpendicular_widths
from .symmetry import LENGTH_TOL_A

MAX_SEARCH_A = 16.0  # give up looking for a same-species neighbour beyond this distance


@dataclass
class Hop:
    """One vacancy (or interstitial) hop: the NEB end points and what they represent.

    ``from_site`` and ``to_site`` are indices of sites A and B in the structure given to the
    hop builder (B may be a periodic image of that atom; for bulk interstitial hops, indices
    of the void sites, see :func:`~interfacemodel.models.bulk_hops.interstitial_hops`);
    ``moving_index`` is the index of the moving atom in ``initial`` and ``final`` (the
    supercells). ``from_layer`` and
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
    #: the second moving atom of a two-atom hop (an interstitialcy: the lattice atom that the
    #: interstitial pushes into the next void); None for one-atom hops
    partner_index: int | None = None


def same_species_pairs(atoms: Atoms, sites: np.ndarray, max_length_A: float | None):
    """All pairs (i, j, D, d) of ``sites`` atoms, i != j or a periodic image, up to
    ``max_length_A``, or, without it, up to the distance where every site has a neighbour
    (at most MAX_SEARCH_A)."""
    is_site = np.zeros(len(atoms), dtype=bool)
    is_site[sites] = True
    cutoff = max_length_A if max_length_A is not None else 4.0
    while True:
        i, j, vec, d = neighbor_list("ijDd", atoms, cutoff + 1e-6, self_interaction=False)
        keep = is_site[i] & is_site[j]
        i, j, vec, d = i[keep], j[keep], vec[keep], d[keep]
        if max_length_A is not None or set(np.unique(i)) >= set(sites.tolist()):
            return i, j, vec, d
        if cutoff >= MAX_SEARCH_A:
            return i, j, vec, d
        cutoff = min(1.5 * cutoff, MAX_SEARCH_A)


def first_shell(i: np.ndarray, d: np.ndarray, shell_tol: float) -> np.ndarray:
    """Mask of pairs within (1 + shell_tol) × the nearest distance of their start atom."""
    dmin = {int(s): d[i == s].min() for s in np.unique(i)}
    limit = np.array([dmin[int(s)] for s in i]) * (1.0 + shell_tol)
    return d <= limit + 1e-9


def choose_supercell(
    atoms: Atoms, supercell, axes: tuple[int, ...], longest_A: float, min_width_A: float
) -> tuple[int, int, int]:
    if min_width_A <= 0:
        raise UserInputError(f"min_width_A={min_width_A} must be > 0 (Å)")
    widths = perpendicular_widths(atoms.cell.array, axes)
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
    if dist[k] > LENGTH_TOL_A:
        raise RuntimeError(f"no atom at {target} in the supercell (closest {dist[k]:.3f} Å)")
    return k


def vacancy_hop_images(
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


def check_hop_options(max_length_A, shell_tol):
    if max_length_A is not None and not max_length_A > 0:
        raise UserInputError(f"max_length_A={max_length_A} must be > 0 (Å)")
    if not 0 <= shell_tol < 1:
        raise UserInputError(f"shell_tol={shell_tol} must be in [0, 1)")


def assemble_hops(atoms, species, rep, pairs, classes, layer, *, names=None, images=None,
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
            initial, final, moving = vacancy_hop_images(atoms, rep, a, vec[h], info)
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
