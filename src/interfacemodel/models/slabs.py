"""Slabs of any catalogue phase: all distinct terminations, thickness, vacuum, fixed layers.

Built with pymatgen's ``SlabGenerator`` (terminations = distinct shifts of the cleavage
plane); the returned ``ase.Atoms`` has its surface normal along +z, an orthogonal c axis,
exactly ``vacuum_A`` of vacuum between periodic images, and ASE ``FixAtoms`` on the bottom
layers when asked. Each model is flagged: symmetric (top and bottom surfaces equivalent by a
symmetry operation), stoichiometric (bulk composition), polar (Tasker type III: a dipole
normal to the surface, from guessed formal oxidation states).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ase import Atoms

from ..errors import UserInputError
from ..structures import load_bulk, phase_info

LAYER_TOLERANCE_A = 0.3  # atoms within this height belong to one atomic layer


@dataclass
class SlabModel:
    """One slab termination. Lengths Å, area Å²; ``atoms`` carries the FixAtoms constraint."""

    atoms: Any  # ase.Atoms
    phase: str
    miller: tuple[int, int, int]
    termination_index: int  # position in the list of distinct terminations (unique)
    top_layer: str  # reduced composition of the outermost layer, e.g. 'Se' or 'LiF'
    bottom_layer: str
    shift: float  # pymatgen's fractional cleavage shift that defines the termination
    symmetric: bool
    stoichiometric: bool
    polar: bool  # Tasker III
    nlayers: int
    thickness_A: float  # distance between the outermost atom planes
    vacuum_A: float
    area_A2: float
    fixed_indices: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        hkl = "".join(str(i) for i in self.miller)
        return f"{self.phase}({hkl})-t{self.termination_index}-{self.top_layer}"

    @property
    def tasker(self) -> str:
        return "III (polar)" if self.polar else "I/II (non-polar)"


def parse_miller(miller) -> tuple[int, int, int]:
    """Accept (h, k, l), 'hkl' digits, 'h,k,l' or a four-index hexagonal (h, k, i, l)."""
    if isinstance(miller, str):
        text = miller.replace("(", "").replace(")", "").strip()
        parts = text.replace(",", " ").split() if ("," in text or " " in text) else list(text)
        try:
            miller = [int(p) for p in parts]
        except ValueError:
            raise UserInputError(f"Miller index {miller!r} is not a list of integers") from None
    miller = tuple(int(i) for i in miller)
    if len(miller) == 4:
        h, k, i, l_ = miller
        if h + k + i != 0:
            raise UserInputError(f"four-index Miller {miller} needs h + k + i = 0")
        miller = (h, k, l_)
    if len(miller) != 3:
        raise UserInputError(f"Miller index {miller} must have 3 (or 4 hexagonal) integers")
    if miller == (0, 0, 0):
        raise UserInputError("Miller index (0, 0, 0) is not a plane; give e.g. (1, 1, 0)")
    g = math.gcd(*miller)
    return tuple(i // g for i in miller)  # type: ignore[return-value]


def _as_structure(bulk):
    from pymatgen.core import Structure
    from pymatgen.io.ase import AseAtomsAdaptor

    if isinstance(bulk, str):
        return phase_info(bulk).name, load_bulk(bulk)
    if isinstance(bulk, Structure):
        return bulk.composition.reduced_formula, bulk.copy()
    bare = bulk.copy()  # no calculator: its results may belong to another structure
    bare.calc = None
    return bulk.get_chemical_formula(mode="reduce"), AseAtomsAdaptor.get_structure(bare)


def layer_tags(z, tolerance_A: float = LAYER_TOLERANCE_A) -> np.ndarray:
    """Atomic-layer index of each height in ``z`` (Å), 0 = lowest: heights are sorted and a
    gap larger than ``tolerance_A`` starts a new layer (single linkage). The structure must
    not be wrapped across the cell in z."""
    z = np.asarray(z, dtype=float)
    if len(z) == 0:
        return np.zeros(0, dtype=int)
    order = np.argsort(z, kind="stable")
    tags = np.empty(len(z), dtype=int)
    tags[order] = np.concatenate([[0], np.cumsum(np.diff(z[order]) > tolerance_A)])
    return tags


def atomic_layers(atoms, tolerance_A: float = LAYER_TOLERANCE_A) -> np.ndarray:
    """Layer index of every atom along z, 0 = lowest (see :func:`layer_tags`)."""
    return layer_tags(atoms.positions[:, 2], tolerance_A)


def layers_from_top(
    atoms: Atoms, indices=None, tolerance_A: float = LAYER_TOLERANCE_A
) -> list[np.ndarray]:
    """Atomic layers along z, outermost (largest z) first; each an array of atom indices.

    Atoms (all, or ``indices``) are grouped by :func:`layer_tags`
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


def atomic_planes_per_unit_plane(structure, miller, tolerance_A: float = LAYER_TOLERANCE_A) -> int:
    """Number of distinct atomic planes within one d_hkl of the bulk (e.g. 2 for bcc (100)
    in the conventional cell, 1 for bcc (110)). Heights along the plane normal are
    (h x + k y + l z mod 1) · d_hkl; heights closer than ``tolerance_A`` are one plane."""
    d = structure.lattice.d_hkl(miller)
    t = np.mod(structure.frac_coords @ np.asarray(miller, dtype=float), 1.0) * d
    t = np.sort(t)
    gaps = np.diff(np.concatenate([t, [t[0] + d]]))  # periodic: last plane to first + d
    return max(1, int(np.sum(gaps > tolerance_A)))


def layer_formula(symbols, mask) -> str:
    """Reduced formula of the atoms selected by boolean ``mask`` (e.g. one atomic layer)."""
    from pymatgen.core import Composition

    return Composition("".join(np.asarray(symbols)[np.asarray(mask)])).reduced_formula


def make_slabs(
    bulk,
    miller,
    layers: int | None = None,
    thickness_A: float | None = None,
    vacuum_A: float = 15.0,
    fix_bottom_layers: int = 0,
    symmetrize: bool = False,
    tol: float = 0.1,
) -> list[SlabModel]:
    """All distinct terminations of the ``miller`` surface of ``bulk``.

    ``bulk``: catalogue name, pymatgen Structure or ase.Atoms (conventional cell: Miller
    indices refer to it). Thickness is either ``layers`` — at least that many atomic layers,
    rounded up to whole d_hkl unit planes so every termination keeps the bulk stacking (bcc
    Li(100): 2 atomic layers per conventional d_100) — or ``thickness_A`` (minimum slab
    thickness, Å); default 6 layers. ``vacuum_A`` is the exact
    gap between periodic images. ``fix_bottom_layers`` atomic layers (counted from the bottom)
    get ``FixAtoms``. ``symmetrize`` asks pymatgen to remove surface atoms until the two faces
    are equivalent (may break stoichiometry; flagged).
    """
    miller = parse_miller(miller)
    if layers is not None and thickness_A is not None:
        raise UserInputError("give either layers or thickness_A, not both")
    if layers is None and thickness_A is None:
        layers = 6
    if layers is not None and layers <= 0:
        raise UserInputError(f"layers={layers} must be a positive integer")
    if thickness_A is not None and not thickness_A > 0:
        raise UserInputError(f"thickness_A={thickness_A} must be > 0 Å")
    if not vacuum_A > 0:
        raise UserInputError(f"vacuum_A={vacuum_A} must be > 0 Å")
    if fix_bottom_layers < 0:
        raise UserInputError(f"fix_bottom_layers={fix_bottom_layers} must be >= 0")
    from pymatgen.core.surface import SlabGenerator
    from pymatgen.io.ase import AseAtomsAdaptor

    name, structure = _as_structure(bulk)
    if not structure.is_ordered:
        raise UserInputError(f"bulk {name!r} has partial occupancies; order it before cutting slabs")
    decorated = structure.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        decorated.add_oxidation_state_by_guess()  # for the polarity test only
    d_hkl = structure.lattice.d_hkl(miller)
    if layers is not None:
        size = math.ceil(layers / atomic_planes_per_unit_plane(structure, miller))
    else:
        size = thickness_A
    gen = SlabGenerator(
        decorated, miller, min_slab_size=size,
        # with in_unit_planes the vacuum is in planes too; it is reset to vacuum_A below
        min_vacuum_size=math.ceil(vacuum_A / d_hkl) if layers is not None else vacuum_A,
        in_unit_planes=layers is not None, center_slab=True, primitive=True,
        lll_reduce=True, reorient_lattice=True,
    )
    slabs = gen.get_slabs(symmetrize=symmetrize, tol=tol)
    if not slabs:
        raise UserInputError(f"pymatgen found no slab for {name}{miller}; check the Miller index")
    bulk_formula = structure.composition.reduced_formula
    models = []
    for index, slab in enumerate(slabs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            polar = bool(slab.is_polar())
            symmetric = bool(slab.is_symmetric())
            ortho = slab.get_orthogonal_c_slab()
        ortho.remove_oxidation_states()
        atoms = AseAtomsAdaptor.get_atoms(ortho)
        atoms.center(vacuum=vacuum_A / 2, axis=2)
        atoms.pbc = True
        order = np.argsort(atoms.positions[:, 2], kind="stable")
        atoms = atoms[order]  # bottom-to-top order: layer counting and fixing stay readable
        layer_of = atomic_layers(atoms)
        nlayers = int(layer_of.max()) + 1
        if fix_bottom_layers >= nlayers:
            raise UserInputError(
                f"fix_bottom_layers={fix_bottom_layers} would fix the whole {nlayers}-layer slab"
            )
        fixed = [int(i) for i in np.nonzero(layer_of < fix_bottom_layers)[0]]
        if fixed:
            from ase.constraints import FixAtoms

            atoms.set_constraint(FixAtoms(indices=fixed))
        z = atoms.positions[:, 2]
        composition = ortho.composition
        model = SlabModel(
            atoms=atoms,
            phase=name,
            miller=miller,
            termination_index=index,
            top_layer=layer_formula(atoms.get_chemical_symbols(), layer_of == nlayers - 1),
            bottom_layer=layer_formula(atoms.get_chemical_symbols(), layer_of == 0),
            shift=float(slab.shift),
            symmetric=symmetric,
            stoichiometric=composition.reduced_formula == bulk_formula
            and _is_multiple(composition, structure.composition),
            polar=polar,
            nlayers=nlayers,
            thickness_A=float(z.max() - z.min()),
            vacuum_A=float(vacuum_A),
            area_A2=float(np.linalg.norm(np.cross(atoms.cell[0], atoms.cell[1]))),
            fixed_indices=fixed,
        )
        atoms.info.update({"slab_label": model.label, "miller": list(miller),
                           "termination_index": index, "bulk_phase": name})
        models.append(model)
    return models


def _is_multiple(part, whole) -> bool:
    ratios = {el: part[el] / whole[el] for el in whole}
    values = list(ratios.values())
    return set(part.elements) == set(whole.elements) and np.allclose(values, values[0])
