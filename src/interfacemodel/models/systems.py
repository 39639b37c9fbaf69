"""Named Li/coating systems: recipes with default orientations and sizes (DESIGN.md §4).

Each recipe picks, per orientation, the smallest-area lattice match whose largest principal
strain on Li is at most ``max_strain`` (else the least-strained match within ``max_area_A2``),
and builds every termination. Defaults keep models under ~300 atoms for the ML potential;
every parameter can be overridden.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..errors import UnknownNameError, UserInputError
from ..structures import load_bulk, phase_info
from .interfaces import InterfaceModel, build_interfaces
from .matching import LatticeMatch, enumerate_matches


@dataclass(frozen=True)
class SystemRecipe:
    name: str
    substrate: str  # catalogue phase of the coating
    orientations: tuple[tuple[str, str], ...]  # (Li face, coating face) Miller strings
    description: str
    film: str = "Li"
    film_layers: int = 6
    substrate_layers: int = 6
    max_area_A2: float = 120.0
    max_strain: float = 0.04
    #: the ZSL length tolerance of the search (a build's ``max_length_tol`` overrides it)
    max_length_tol: float = 0.05
    li_rich_first: bool = False  # order terminations by Li fraction of the coating's top plane
    notes: str = ""
    analogue: bool = False  # a metal analogue for EMT tests, not a Li/coating system


SYSTEMS: dict[str, SystemRecipe] = {
    r.name: r
    for r in (
        SystemRecipe("li-li2se", "Li2Se", (("110", "110"),),
                     "Li(110) || Li2Se(110): epitaxy seen in CVD growth, Li2Se(220) || Li(110)"),
        SystemRecipe("li-lif", "LiF", (("100", "100"), ("110", "100")),
                     "Li(100) and Li(110) on LiF(100), the stable LiF face"),
        SystemRecipe("li-mg", "Mg", (("110", "001"),),
                     "Li(110) || Mg(0001); Mg in Li: see build.alloys.li_mg_alloy",
                     max_strain=0.05),
        SystemRecipe("li-mgf2", "MgF2", (("110", "110"),),
                     "Li(110) || MgF2(110): conversion coating (MgF2 + 2Li -> 2LiF + Mg)"),
        SystemRecipe("li-llzo", "LLZO", (("100", "100"),),
                     "Li(100) || tetragonal LLZO(100), Li-rich termination first",
                     substrate_layers=20, max_area_A2=200.0, li_rich_first=True,
                     notes="one LLZO(100) unit plane is ~20 atomic planes (192 atoms): "
                           "models are ~270 atoms, near the ML-potential comfort limit"),
        SystemRecipe("li-li2o", "Li2O", (("110", "111"),),
                     "Li(110) || Li2O(111), the lowest-energy antifluorite face (reference)"),
        SystemRecipe("li-li2s", "Li2S", (("110", "111"),),
                     "Li(110) || Li2S(111), the lowest-energy antifluorite face (reference)"),
        # Li-rich alloys (what a metal coating M becomes on Li): D0_3, NaTl (B32) and B2 are
        # superstructures of bcc, so the cube-on-cube faces match Li's; the areas and strains
        # are those of the SevenNet-relaxed crystals (Li a = 3.43 Å)
        SystemRecipe("li-li3bi", "Li3Bi", (("110", "110"),),
                     "Li(110) || Li3Bi(110): cube on cube (D0_3 = 2 × 2 × 2 bcc), 2 % strain",
                     max_area_A2=80.0),
        SystemRecipe("li-lizn", "LiZn", (("110", "110"),),
                     "Li(110) || LiZn(110): cube on cube (NaTl = 2 × 2 × 2 bcc); the length "
                     "tolerance 7 % lets the catalogue's estimated lattice match too",
                     max_area_A2=80.0, max_strain=0.045, max_length_tol=0.07),
        SystemRecipe("li-lial", "LiAl", (("100", "100"),),
                     "Li(100) || LiAl(100) on a 101 Å² coincidence cell (cube on cube strains "
                     "Li by 7 %)", max_area_A2=110.0),
        SystemRecipe("li-liin", "LiIn", (("110", "110"),),
                     "Li(110) || LiIn(110): cube on cube (NaTl = 2 × 2 × 2 bcc), 1 % strain",
                     max_area_A2=80.0),
        SystemRecipe("li-liag", "LiAg", (("100", "100"),),
                     "Li(100) || LiAg(100) (B2 = bcc ordered; cube on cube strains Li by 7 %)",
                     max_area_A2=80.0),
    )
}


#: EMT metal analogues of a Li/coating pair (EMT has no Li): the same builders, relaxations
#: and analyzers on Cu, Ag and Au, for the workflow tests. Cu(100) on Ag(100): a 33 Å² match
#: with 1.2 % strain on Cu (EMT lattice constants); Cu(100) on Au(100) likewise.
ANALOGUE_SYSTEMS: dict[str, SystemRecipe] = {
    r.name: r
    for r in (
        SystemRecipe("cu-ag", "Ag", (("100", "100"),),
                     "EMT analogue: Cu(100) film on Ag(100) (Cu plays Li, Ag the coating)",
                     film="Cu", film_layers=3, substrate_layers=3, max_area_A2=60.0,
                     analogue=True),
        SystemRecipe("cu-au", "Au", (("100", "100"),),
                     "EMT analogue: Cu(100) film on Au(100) (a second 'coating' on Cu)",
                     film="Cu", film_layers=3, substrate_layers=3, max_area_A2=60.0,
                     analogue=True),
    )
}


def system_recipe(name: str) -> SystemRecipe:
    """The recipe of a named system (or of an EMT analogue, see :data:`ANALOGUE_SYSTEMS`)."""
    key = name.strip().lower()
    known = {**SYSTEMS, **ANALOGUE_SYSTEMS}
    if key not in known:
        raise UnknownNameError(f"unknown system {name!r}; known: {', '.join(SYSTEMS)} "
                               f"(EMT analogues: {', '.join(ANALOGUE_SYSTEMS)})")
    return known[key]


def choose_match(matches: list[LatticeMatch], max_strain: float) -> LatticeMatch:
    """Smallest area with strain <= ``max_strain``; otherwise the least-strained match."""
    within = [m for m in matches if m.max_abs_strain <= max_strain]
    if within:
        return min(within, key=lambda m: (m.area_A2, m.max_abs_strain))
    return min(matches, key=lambda m: (m.max_abs_strain, m.area_A2))


def build_system(name: str, kind: str = "slab", **overrides: Any) -> list[InterfaceModel]:
    """Build every orientation and termination of a named system.

    Overrides: ``film_layers``, ``substrate_layers``, ``max_area_A2``, ``max_strain``,
    ``orientations`` (list of (Li face, coating face)), ``film_bulk`` / ``substrate_bulk``
    (a Structure or Atoms replacing the catalogue crystal, e.g. relaxed with the calculator
    that will compute the energies, so neither part carries a spurious strain), and any keyword of
    :func:`~interfacemodel.models.interfaces.build_interfaces` (``gap_A``, ``vacuum_A``,
    ``fix_substrate_layers``, ``terminations``, tolerances).
    """
    recipe = system_recipe(name)
    recipe_keys = {"film_layers", "substrate_layers", "max_area_A2", "max_strain", "orientations"}
    recipe = replace(recipe, **{k: (tuple(tuple(o) for o in v) if k == "orientations" else v)
                                for k, v in overrides.items() if k in recipe_keys})
    if not 0 < recipe.max_strain < 1:
        raise UserInputError(f"max_strain={recipe.max_strain} must be in (0, 1)")
    film = tidy_crystal(overrides.pop("film_bulk", None))
    substrate = tidy_crystal(overrides.pop("substrate_bulk", None))
    film = recipe.film if film is None else film
    substrate = recipe.substrate if substrate is None else substrate
    build_kw = {k: v for k, v in overrides.items() if k not in recipe_keys}
    tol_keys = ("max_length_tol", "max_angle_tol", "max_area_ratio_tol")
    tolerances = {k: build_kw.pop(k) for k in tol_keys if k in build_kw}
    tolerances.setdefault("max_length_tol", recipe.max_length_tol)
    models: list[InterfaceModel] = []
    for film_miller, sub_miller in recipe.orientations:
        matches = enumerate_matches(film, substrate, film_miller, sub_miller,
                                    max_area_A2=recipe.max_area_A2, **tolerances)
        match = choose_match(matches, recipe.max_strain)
        built = build_interfaces(film, substrate, film_miller, sub_miller,
                                 match=match, kind=kind, film_layers=recipe.film_layers,
                                 substrate_layers=recipe.substrate_layers, **build_kw)
        if recipe.li_rich_first:
            built.sort(key=lambda m: -_li_fraction(m.substrate_interface_layer))
        models.extend(built)
    return models


def tidy_crystal(crystal, decimals: int = 5):
    """A relaxed ase.Atoms crystal with its cell (Å) and fractional coordinates rounded to
    ``decimals`` places (other inputs are returned as they are).

    Relaxations keep the symmetry only to ~1e-7 Å, and pymatgen's coincidence-lattice search
    is not stable against that noise: two relaxations of Li2O that differ by 2e-7 Å gave a
    75 Å² match and no match at all on Li(110)/Li2O(111); rounded, both give the 47 Å² match
    of the exact crystal."""
    from ase import Atoms

    if not isinstance(crystal, Atoms):
        return crystal
    import numpy as np

    out = crystal.copy()
    scaled = np.round(crystal.get_scaled_positions(wrap=True), decimals) % 1.0
    out.set_cell(np.round(crystal.cell.array, decimals) + 0.0, scale_atoms=False)
    out.set_scaled_positions(scaled)
    return out


def _li_fraction(formula: str) -> float:
    from pymatgen.core import Composition

    return Composition(formula).get_atomic_fraction("Li")


def system_elements(name: str) -> list[str]:
    """Elements of a named system's crystals (for calculator checks before any work)."""
    recipe = system_recipe(name)
    return sorted(set(load_bulk(recipe.film).symbol_set) | set(load_bulk(recipe.substrate).symbol_set))


def source_crystals(recipe: SystemRecipe) -> dict[str, str]:
    """Catalogue sources of the crystals a system is built from."""
    return {p: phase_info(p).source for p in (recipe.film, recipe.substrate)}
