"""Lattice-matched interface models: slab (one interface + vacuum) and periodic (two
interfaces, no vacuum), every termination pair, from pymatgen's ``CoherentInterfaceBuilder``.

Conventions: the film (Li by default) sits on top of the substrate (the coating) and carries
the strain; z is the interface normal; ``atoms.arrays['interface_side']`` is 0 for film atoms
and 1 for substrate atoms; every atom lies inside the cell
(:func:`~interfacemodel.models.cells.wrap_into_cell`). ``gap_A`` is the distance between the substrate's top atomic plane
and the film's bottom plane. In a periodic model the film's top plane meets the substrate's
bottom plane (the second interface) at the same gap. Terminations are identified by their
index in the builder's list, never by label alone (equal labels collapse in pymatgen).
"""

from __future__ import annotations

import copy
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import UserInputError
from .cells import wrap_into_cell
from .matching import LatticeMatch, enumerate_matches
from .slabs import (
    _as_structure,
    atomic_planes_per_unit_plane,
    layer_formula,
    layer_tags,
    parse_miller,
)

KINDS = ("slab", "periodic")
CONTACT_FACTOR = 0.9  # automatic gap: closest film-substrate pair >= this x covalent-radius sum


@dataclass
class InterfaceModel:
    """One built interface. Lengths Å, area Å² (one interface), shift fractional (a, b)."""

    atoms: Any  # ase.Atoms with FixAtoms and arrays['interface_side']
    kind: str  # 'slab' or 'periodic'
    film: str
    substrate: str
    film_miller: tuple[int, int, int]
    substrate_miller: tuple[int, int, int]
    termination_index: int
    termination: tuple[str, str]  # pymatgen labels (film, substrate)
    film_interface_layer: str  # reduced composition of the film plane at the interface
    substrate_interface_layer: str  # ... and of the substrate plane at the interface
    match: LatticeMatch
    area_A2: float
    n_interfaces: int
    gap_A: float
    vacuum_A: float
    in_plane_shift_frac: tuple[float, float]
    film_layers: int
    substrate_layers: int
    fixed_indices: list[int] = field(default_factory=list)
    interface: Any = field(default=None, repr=False)  # the pymatgen Interface it came from
    fix_substrate_layers: int = 0
    fix_film_layers: int = 0

    @property
    def label(self) -> str:
        f = "".join(map(str, self.film_miller))
        s = "".join(map(str, self.substrate_miller))
        return (f"{self.film}{f}-{self.substrate}{s}-t{self.termination_index}-{self.kind}")

    def with_registry(self, shift_frac=None, gap_A: float | None = None) -> InterfaceModel:
        """The same interface with another in-plane shift of the film and/or another gap."""
        interface = copy.deepcopy(self.interface)
        shift = self.in_plane_shift_frac if shift_frac is None else tuple(shift_frac)
        gap = self.gap_A if gap_A is None else float(gap_A)
        if not gap > 0:
            raise UserInputError(f"gap_A={gap} must be > 0 Å")
        interface.gap = gap
        if self.kind == "periodic":
            interface.vacuum_over_film = gap
        interface.in_plane_offset = np.asarray(shift, dtype=float)
        return _to_model(interface, self, shift, gap)

    def metadata(self) -> dict[str, Any]:
        """JSON-ready description (the sidecar of exported files)."""
        m = self.match
        return {
            "label": self.label, "kind": self.kind, "film": self.film,
            "substrate": self.substrate, "film_miller": list(self.film_miller),
            "substrate_miller": list(self.substrate_miller),
            "termination_index": self.termination_index, "termination": list(self.termination),
            "film_interface_layer": self.film_interface_layer,
            "substrate_interface_layer": self.substrate_interface_layer,
            "area_A2": self.area_A2, "n_interfaces": self.n_interfaces,
            "strained": m.strained, "strain_2d": m.strain_2d,
            "max_abs_strain_percent": 100 * m.max_abs_strain,
            "von_mises_strain_percent": 100 * m.von_mises_strain,
            "film_area_A2": m.film_area_A2, "substrate_area_A2": m.substrate_area_A2,
            "natoms": len(self.atoms), "formula": self.atoms.get_chemical_formula(),
            "film_layers": self.film_layers, "substrate_layers": self.substrate_layers,
            "gap_A": self.gap_A, "vacuum_A": self.vacuum_A,
            "in_plane_shift_frac": list(self.in_plane_shift_frac),
            "fixed_indices": self.fixed_indices,
        }


def _to_model(interface, template: InterfaceModel | None = None, shift=(0.0, 0.0),
              gap=None, **fields) -> InterfaceModel:
    """Convert a pymatgen Interface to an InterfaceModel (atoms ordered substrate then film,
    each bottom-to-top), applying the fixed-layer rule of ``template`` or ``fields``."""
    from ase.constraints import FixAtoms
    from pymatgen.io.ase import AseAtomsAdaptor

    base = dict(template.__dict__) if template is not None else {}
    base.update(fields)
    side = np.zeros(len(interface), dtype=int)
    side[list(interface.substrate_indices)] = 1
    atoms = AseAtomsAdaptor.get_atoms(interface)
    atoms.set_constraint()
    for key in list(atoms.arrays):  # drop pymatgen site-property arrays (interface_label)
        if key not in ("numbers", "positions"):
            del atoms.arrays[key]
    z = atoms.positions[:, 2]
    order = np.lexsort((z, -side))  # substrate (1) first, then film; bottom-to-top in each
    atoms = atoms[order]
    side = side[order]
    atoms.arrays["interface_side"] = side
    z = atoms.positions[:, 2]
    sub, film = side == 1, side == 0
    sub_layers = np.full(len(atoms), -1)
    film_layers = np.full(len(atoms), -1)
    sub_layers[sub] = layer_tags(z[sub])
    film_layers[film] = layer_tags(z[film])
    symbols = atoms.get_chemical_symbols()
    fixed = np.nonzero((sub & (sub_layers < base.get("fix_substrate_layers", 0)))
                       | (film & (film_layers > film_layers.max()
                                  - base.get("fix_film_layers", 0))))[0].tolist()
    if fixed:
        atoms.set_constraint(FixAtoms(indices=fixed))
    # every atom inside the cell (pymatgen leaves some beside it in-plane): whole lattice
    # vectors only, after the order and the layers were taken, so nothing else changes
    wrap_into_cell(atoms, vacuum=base["kind"] == "slab", copy=False)
    base.update(
        atoms=atoms, interface=interface, fixed_indices=[int(i) for i in fixed],
        in_plane_shift_frac=tuple(float(x) for x in shift),
        gap_A=float(interface.gap if gap is None else gap),
        film_interface_layer=layer_formula(symbols, film & (film_layers == 0)),
        substrate_interface_layer=layer_formula(symbols, sub & (sub_layers == sub_layers.max())),
    )
    model = InterfaceModel(**base)
    atoms.info.update({"interface_label": model.label, "kind": model.kind,
                       "gap_A": model.gap_A, "in_plane_shift_frac": list(model.in_plane_shift_frac)})
    return model


def contact_gap(atoms, gap_A: float, factor: float = CONTACT_FACTOR,
                periodic: bool = False, depth_A: float = 4.0) -> float:
    """Smallest gap (Å) at which no film atom is closer to a substrate atom than ``factor`` x
    the sum of their covalent radii, for a model built at ``gap_A``. The film moves rigidly
    along z; in-plane distances use the minimum image of the 2D cell. With ``periodic`` the
    second interface (film top against the substrate bottom's image) is held to the same rule,
    its gap being equal to the first by construction."""
    from ase.data import covalent_radii
    from ase.geometry import find_mic

    side = atoms.arrays["interface_side"]
    z = atoms.positions[:, 2]
    film, sub = np.nonzero(side == 0)[0], np.nonzero(side == 1)[0]
    c = atoms.cell[2, 2]
    # (film atoms, substrate atoms, substrate z offset): the lower interface, and for a
    # periodic model the upper one against the substrate's image one cell up
    pairs = [(film[z[film] < z[film].min() + depth_A], sub[z[sub] > z[sub].max() - depth_A], 0.0)]
    if periodic:
        pairs.append((film[z[film] > z[film].max() - depth_A],
                      sub[z[sub] < z[sub].min() + depth_A], c))
    needed = 0.0
    for f_idx, s_idx, offset in pairs:
        dxy = atoms.positions[f_idx][:, None, :2] - atoms.positions[s_idx][None, :, :2]
        vec = np.concatenate([dxy, np.zeros(dxy.shape[:2] + (1,))], axis=2).reshape(-1, 3)
        _, lengths = find_mic(vec, atoms.cell, pbc=(True, True, False))
        lengths = lengths.reshape(dxy.shape[:2])
        radii = covalent_radii[atoms.numbers[f_idx]][:, None] + covalent_radii[atoms.numbers[s_idx]][None, :]
        dz_now = np.abs(z[f_idx][:, None] - (z[s_idx][None, :] + offset))  # across the gap
        required = np.sqrt(np.clip((factor * radii) ** 2 - lengths**2, 0, None))
        # the gap must grow by (required - dz_now) wherever that is positive
        needed = max(needed, float(np.max(required - dz_now)) + gap_A)
    return max(needed, 0.0)


def _bare_atoms(interface):
    """Minimal ase.Atoms (numbers, positions, cell, interface_side) of a pymatgen Interface."""
    from ase import Atoms

    atoms = Atoms(numbers=interface.atomic_numbers, positions=interface.cart_coords,
                  cell=interface.lattice.matrix, pbc=True)
    side = np.zeros(len(interface), dtype=int)
    side[list(interface.substrate_indices)] = 1
    atoms.arrays["interface_side"] = side
    return atoms


def _unit_planes(structure, miller, layers: int, what: str) -> int:
    if not isinstance(layers, (int, np.integer)) or layers <= 0:
        raise UserInputError(f"{what}={layers!r} must be a positive number of atomic layers")
    return math.ceil(layers / atomic_planes_per_unit_plane(structure, miller))


def build_interfaces(
    film,
    substrate,
    film_miller,
    substrate_miller,
    match: LatticeMatch | int = 0,
    terminations: str | int | list[int] = "all",
    kind: str = "slab",
    film_layers: int = 6,
    substrate_layers: int = 6,
    gap_A: float | None = None,
    vacuum_A: float = 15.0,
    fix_substrate_layers: int = 2,
    fix_film_layers: int = 0,
    max_area_A2: float = 200.0,
    max_length_tol: float = 0.05,
    max_angle_tol: float = 0.05,
    max_area_ratio_tol: float = 0.09,
) -> list[InterfaceModel]:
    """Interface models of ``film`` on ``substrate`` for one lattice match, per termination.

    ``match`` is a :class:`LatticeMatch` from :func:`enumerate_matches` or an index into its
    list (0 = smallest area). ``terminations``: 'all', an index or a list of indices into the
    builder's termination list. Layers are atomic layers (rounded up to whole d_hkl unit
    planes, as in :func:`make_slabs`). ``gap_A`` (Å) is the distance between the substrate's
    top plane and the film's bottom plane; by default (None) it is the smallest gap that keeps
    every film-substrate pair at >= 0.9 x the sum of covalent radii (:func:`contact_gap`), a
    starting point for :func:`~interfacemodel.models.registry.scan_registry` and relaxation.
    ``kind='slab'`` puts ``vacuum_A`` above the film and
    fixes the bottom ``fix_substrate_layers`` (and top ``fix_film_layers``); ``'periodic'``
    closes the cell at the same gap on the far side (two interfaces, no vacuum); fixing is
    then up to the caller (defaults still apply if given).
    """
    if kind not in KINDS:
        raise UserInputError(f"kind={kind!r}; accepted: {', '.join(KINDS)}")
    if gap_A is not None and not gap_A > 0:
        raise UserInputError(f"gap_A={gap_A} must be > 0 Å")
    if kind == "slab" and not vacuum_A > 0:
        raise UserInputError(f"vacuum_A={vacuum_A} must be > 0 Å")
    for name, value in (("fix_substrate_layers", fix_substrate_layers),
                        ("fix_film_layers", fix_film_layers)):
        if value < 0:
            raise UserInputError(f"{name}={value} must be >= 0")
    film_miller, substrate_miller = parse_miller(film_miller), parse_miller(substrate_miller)
    film_name, film_s = _as_structure(film)
    sub_name, sub_s = _as_structure(substrate)
    film_planes = _unit_planes(film_s, film_miller, film_layers, "film_layers")
    sub_planes = _unit_planes(sub_s, substrate_miller, substrate_layers, "substrate_layers")
    if fix_substrate_layers >= substrate_layers or fix_film_layers >= film_layers:
        raise UserInputError(
            f"cannot fix every layer: fix_substrate_layers={fix_substrate_layers} of "
            f"{substrate_layers}, fix_film_layers={fix_film_layers} of {film_layers}")
    if isinstance(match, (int, np.integer)):
        matches = enumerate_matches(film_s, sub_s, film_miller, substrate_miller,
                                    max_area_A2=max_area_A2, max_length_tol=max_length_tol,
                                    max_angle_tol=max_angle_tol,
                                    max_area_ratio_tol=max_area_ratio_tol)
        if not 0 <= match < len(matches):
            raise UserInputError(f"match index {match} out of range: {len(matches)} matches")
        match = matches[match]
    if match.strained != "film":
        raise UserInputError("interfaces strain the film; swap film and substrate instead")
    match.film, match.substrate = film_name, sub_name
    builder = _builder(film_s, sub_s, film_miller, substrate_miller, match)
    all_terms = list(builder.terminations)
    chosen = _choose_terminations(terminations, len(all_terms))
    models = []
    for t in chosen:
        start_gap = 2.0 if gap_A is None else gap_A
        interface = next(iter(builder.get_interfaces(
            all_terms[t], gap=start_gap,
            vacuum_over_film=vacuum_A if kind == "slab" else start_gap,
            film_thickness=film_planes, substrate_thickness=sub_planes, in_layers=True,
        )))
        fields = dict(
            kind=kind, film=film_name, substrate=sub_name,
            film_miller=film_miller, substrate_miller=substrate_miller, termination_index=t,
            termination=tuple(all_terms[t]), match=match, area_A2=match.area_A2,
            n_interfaces=2 if kind == "periodic" else 1,
            vacuum_A=vacuum_A if kind == "slab" else 0.0, film_layers=film_layers,
            substrate_layers=substrate_layers, fix_substrate_layers=fix_substrate_layers,
            fix_film_layers=fix_film_layers,
        )
        gap = start_gap
        if gap_A is None:
            gap = round(contact_gap(_bare_atoms(interface), start_gap,
                                    periodic=kind == "periodic"), 3)
            interface.gap = gap
            if kind == "periodic":
                interface.vacuum_over_film = gap
        models.append(_to_model(interface, None, (0.0, 0.0), gap, **fields))
    return models


def _choose_terminations(terminations, n: int) -> list[int]:
    if isinstance(terminations, str):
        if terminations != "all":
            raise UserInputError(f"terminations={terminations!r}; accepted: 'all' or indices")
        return list(range(n))
    chosen = [terminations] if isinstance(terminations, (int, np.integer)) else list(terminations)
    bad = [t for t in chosen if not 0 <= t < n]
    if bad:
        raise UserInputError(f"termination index {bad[0]} out of range: 0..{n - 1}")
    return chosen


def _same_crystal(a, b) -> bool:
    """Cheap identity test of two Structures (same cell, species and coordinates in order)."""
    return (len(a) == len(b) and a.species == b.species
            and np.allclose(a.lattice.matrix, b.lattice.matrix, atol=1e-8)
            and np.allclose(a.frac_coords, b.frac_coords, atol=1e-8))


def _builder(film_s, sub_s, film_miller, substrate_miller, match: LatticeMatch):
    """A builder restricted to ``match``: the matcher's own (terminations already computed)
    when the match came from :func:`enumerate_matches` with these faces, else a new one."""
    from pymatgen.analysis.interfaces import CoherentInterfaceBuilder, ZSLGenerator

    found = match.builder
    if (found is not None and tuple(found.film_miller) == film_miller
            and tuple(found.substrate_miller) == substrate_miller
            and _same_crystal(found.film_structure, film_s)
            and _same_crystal(found.substrate_structure, sub_s)):
        builder = copy.copy(found)  # shallow: only zsl_matches is replaced below
        builder.zsl_matches = [match.zsl_match]
        return builder
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        builder = CoherentInterfaceBuilder(
            substrate_structure=sub_s, film_structure=film_s, film_miller=film_miller,
            substrate_miller=substrate_miller, zslgen=ZSLGenerator(max_area=1.0),
            label_index=True,
        )
    builder.zsl_matches = [match.zsl_match]  # build exactly the chosen coincidence cell
    return builder
