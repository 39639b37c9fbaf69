"""Reactivity of a coating with Li metal: reaction energy to the most stable products.

The competing phases are relaxed with the SAME calculator as everything else and fed to
pymatgen's ``PhaseDiagram`` and ``InterfacialReactivity``. The reaction energy is the most
negative energy along the Li–coating mixing line (eV per atom of the mixture, reported in
meV/atom) and per Li atom consumed; 0 means the coating is stable against Li (no product is
lower than the two reactants). Sign: negative = the reaction releases energy.

For alloy-forming coatings (Bi, Mg, ...) :func:`alloy_hull` builds the binary Li–M convex
hull from the same kind of energies and names the phase a coating M turns into against
excess Li (the Li-richest phase on the hull).

Which phases each coating needs is in :data:`REACTION_PHASES`. A phase missing from a
phase diagram can only make a coating look *more* stable than it is; the record lists the
phases that were used.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ase import Atoms

from ..calculators import provenance_label
from ..errors import UnknownNameError, UserInputError
from ..records import NOT_SERIALISED, Record, to_dict
from ..run.relax import EnergyRecord
from ..structures import bulk_phases, phase_info
from .points import Point
from .quantities import Getter, Quantity, Rank

#: phases the phase diagram of Li + coating needs (catalogue names; F2, O2 are molecules);
#: the key itself is the coating's catalogue name
REACTION_PHASES: dict[str, tuple[str, ...]] = {
    "Li2Se": ("Li", "Se", "Li2Se"),
    "LiF": ("Li", "F2", "LiF"),
    "Mg": ("Li", "Mg", "LiMg"),
    "MgF2": ("Li", "Mg", "F2", "LiF", "LiMg", "MgF2"),
    "Li2O": ("Li", "O2", "Li2O"),
    "LLZO": ("Li", "La", "Zr", "O2", "Li2O", "La2O3", "ZrO2", "Zr3O", "LLZO"),
}


def _li_alloy_phase_sets() -> dict[str, tuple[str, ...]]:
    """Phase sets of the Li–M alloy coatings, read from the catalogue: for every catalogue
    phase holding Li and one metal M whose element crystal is in the catalogue too, Li, M and
    every catalogue Li–M phase (the Li–M hull; the coating is stable against Li when no
    Li-richer phase lies below the line joining it to Li). Catalogue additions join by
    themselves."""
    from pymatgen.core import Composition

    names = bulk_phases(competing=True, analogue=True)  # Ag, Cu, Au: element crystals
    elements = {n: tuple(sorted(el.symbol for el in Composition(phase_info(n).formula)))
                for n in names}
    pure = {els[0]: n for n, els in elements.items()
            if len(els) == 1 and phase_info(n).formula == els[0]}
    out: dict[str, tuple[str, ...]] = {}
    for name, els in elements.items():
        if len(els) != 2 or "Li" not in els or name in REACTION_PHASES:
            continue
        metal = next(e for e in els if e != "Li")
        if metal not in pure or "Li" not in pure:
            continue
        family = [n for n, e in elements.items() if e == els]
        out[name] = (pure["Li"], pure[metal], *family)
    return out


REACTION_PHASES.update(_li_alloy_phase_sets())
MOLECULES = ("F2", "O2")
MOLECULE_BOX_A = 12.0  # cubic box edge for a molecule in periodic boundary conditions
STABLE_TOL_EV_PER_ATOM = 1e-4


def coating_key(name: str) -> str:
    """Canonical key of :data:`REACTION_PHASES` for a coating name ('lif', 'Li7La3Zr2O12')."""
    folded = name.strip().lower()
    for key in REACTION_PHASES:
        if folded == key.lower():
            return key
    if folded in ("li7la3zr2o12", "llzo-tetragonal"):
        return "LLZO"
    raise UnknownNameError(f"no reaction phase set for coating {name!r}; known: "
                           f"{', '.join(REACTION_PHASES)} (Li2S lacks an elemental S reference)")


@dataclass
class PhaseEnergy:
    """Relaxed energy of one competing phase (eV per atom)."""

    name: str
    formula: str  # reduced formula
    energy_per_atom_eV: float
    natoms: int
    kind: str  # 'crystal' (cell and positions relaxed, symmetry kept) or 'molecule' (in a box)
    converged: bool
    calculator: dict[str, Any]
    relax: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReactionWithLi:
    """Li + coating → most stable products (energies from one calculator)."""

    coating: str  # reduced formula
    reaction_energy_meV_per_atom: float  # ≤ 0; per atom of the Li + coating mixture
    reaction_energy_eV_per_Li: float | None  # per Li atom consumed (None when stable)
    li_atom_fraction: float  # Li atoms / all atoms of the mixture at the minimum
    reaction: str
    products: list[str]
    stable_against_li: bool
    coating_e_above_hull_meV_per_atom: float
    phases_eV_per_atom: dict[str, float]
    converged: bool
    calculator: dict[str, Any]
    wall_time_s: float = 0.0


def _check_one_calculator(used: Iterable[PhaseEnergy], allow_unconverged: bool) -> list[str]:
    """Refuse phase energies from different calculators and, unless ``allow_unconverged``,
    unconverged relaxations; returns the names of the unconverged phases."""
    used = list(used)
    labels = {provenance_label(p.calculator) for p in used}
    if len(labels) > 1:
        raise UserInputError(f"phase energies come from different calculators "
                             f"({', '.join(sorted(labels))}); use one for all")
    bad = [p.name for p in used if not p.converged]
    if bad and not allow_unconverged:
        raise UserInputError(f"phase(s) {', '.join(bad)} not converged; relax further or pass "
                             f"allow_unconverged=True")
    return bad


def _entry(p: PhaseEnergy, entry_id: str | None = None):
    """pymatgen ``ComputedEntry`` of one reduced formula unit of ``p`` (total energy, eV)."""
    from pymatgen.core import Composition
    from pymatgen.entries.computed_entries import ComputedEntry

    comp = Composition(p.formula)
    return ComputedEntry(comp, p.energy_per_atom_eV * comp.num_atoms,
                         entry_id=p.name if entry_id is None else entry_id)


def reaction_with_li(coating: str, energies: Mapping[str, PhaseEnergy],
                     allow_unconverged: bool = False) -> ReactionWithLi:
    """Most exothermic reaction of Li metal with ``coating`` on the phase diagram of
    ``energies`` (which must hold every phase of ``REACTION_PHASES[coating]``).

    Uses ``InterfacialReactivity(coating, Li, PhaseDiagram, norm=True)``: the mixing line
    x·coating + (1−x)·Li per atom; E_min at x_min gives meV/atom; per Li consumed it is
    E_min/(1 − x_min).
    """
    from pymatgen.analysis.interface_reactions import InterfacialReactivity
    from pymatgen.analysis.phase_diagram import PhaseDiagram
    from pymatgen.core import Composition

    start = time.perf_counter()
    key = coating_key(coating)
    missing = [n for n in REACTION_PHASES[key] if n not in energies]
    if missing:
        raise UserInputError(f"reaction of Li with {key} needs the energies of "
                             f"{', '.join(missing)}")
    used = [energies[n] for n in REACTION_PHASES[key]]
    bad = _check_one_calculator(used, allow_unconverged)
    entries = [_entry(p) for p in used]
    pd = PhaseDiagram(entries)
    coating_entry = next(e for e in entries if e.entry_id == key)
    e_hull = pd.get_e_above_hull(coating_entry, allow_negative=True)
    react = InterfacialReactivity(Composition(coating_entry.composition.reduced_formula),
                                  Composition("Li"), pd, norm=True, use_hull_energy=False)
    kinks = react.get_kinks()
    _, x_min, e_min, rxn, _ = min(kinks, key=lambda k: k[2])
    stable = e_min > -STABLE_TOL_EV_PER_ATOM
    li_fraction = 1.0 - float(x_min)
    per_li = None if stable or li_fraction <= 0 else float(e_min) / li_fraction
    return ReactionWithLi(
        coating=coating_entry.composition.reduced_formula,
        reaction_energy_meV_per_atom=1000 * min(float(e_min), 0.0),
        reaction_energy_eV_per_Li=per_li, li_atom_fraction=li_fraction,
        reaction="no reaction" if stable else str(rxn),
        products=[] if stable else sorted(p.reduced_formula for p in rxn.products),
        stable_against_li=bool(stable), coating_e_above_hull_meV_per_atom=1000 * float(e_hull),
        phases_eV_per_atom={p.name: p.energy_per_atom_eV for p in used},
        converged=not bad, calculator=used[0].calculator, wall_time_s=time.perf_counter() - start,
    )


@dataclass
class ReactionPhases(Record):
    """The competing phases of a coating's reaction with Li as the geometry step relaxed
    them, by their :data:`REACTION_PHASES` name: the relaxed crystal or molecule in its box
    (``structures``), ``kinds`` 'crystal' or 'molecule', the calculator's ``records``, the
    phase's catalogue ``labels`` and reduced ``formulas``; besides the coating and Li, whose
    crystals are the pipeline's bulk references. ``key``: the coating's key (None, with
    ``note``: no reaction is computed for this coating)."""

    coating: str
    key: str | None
    structures: dict[str, Atoms] = field(default_factory=dict)
    records: dict[str, EnergyRecord] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    formulas: dict[str, str] = field(default_factory=dict)
    note: str = ""

    def points(self) -> dict[str, Point]:
        return {f"phase:{name}": Point(atoms, self.records.get(name))
                for name, atoms in self.structures.items()}


@dataclass
class ReactionProduct(Record):
    """The coating's reaction with Li metal (None: no reaction computed, ``note`` says why)."""

    reaction: ReactionWithLi | None
    note: str = ""


def _phase_from(name: str, rec, kind: str, natoms: int, formula: str) -> PhaseEnergy:
    return PhaseEnergy(name, formula, rec.energy_eV / natoms, natoms, kind, bool(rec.converged),
                       rec.calculator, to_dict(rec))


def evaluate_reaction(energies: Mapping[str, Any], calculator: dict[str, Any], *, coating: Any,
                      li: Any, phases: ReactionPhases,
                      allow_unconverged: bool = False) -> ReactionProduct:
    """The reaction of Li with the coating from one calculator's ``energies`` at the
    pipeline's points (``coating/bulk``, ``li/bulk``, ``phases/phase:<name>``): the phase
    diagram of those energies (:func:`reaction_with_li`). The campaign's calculator calls it
    with the energies of its relaxations, a committee member or the DFT check with its single
    points at the same relaxed crystals and molecules."""
    if phases.key is None:
        return ReactionProduct(None, phases.note)
    energies_by_name = {
        coating.phase: _phase_from(coating.phase, energies["coating/bulk"], "crystal",
                                   len(coating.atoms), coating.reference.formula),
        "Li": _phase_from("Li", energies["li/bulk"], "crystal", len(li.atoms), "Li")}
    for name, atoms in phases.structures.items():
        energies_by_name[name] = _phase_from(
            phases.labels[name], energies[f"phases/phase:{name}"], phases.kinds[name],
            len(atoms), phases.formulas[name])
    return ReactionProduct(reaction_with_li(phases.key, energies_by_name, allow_unconverged))


# --- binary alloy hull: Li–M ------------------------------------------------------------------


@dataclass
class AlloyHull:
    """Convex hull of a binary reservoir–M system (Li–M), energies from one calculator.

    Sign conventions (all per atom of the phase):

    - ``formation_energy_eV_per_atom`` = [E − N_res μ_res − N_M μ_M] / N, with μ the energy
      per atom of the lowest-energy pure-element phase of each element in the input;
      negative = the phase is lower in energy than the separated elements.
    - ``e_above_hull_meV_per_atom`` ≥ 0: 0 for a phase on the hull; positive = the energy per
      atom released if the phase decomposed into the hull phases of its composition.
    """

    reservoir: str  # 'Li': the element in excess (the anode metal)
    metal: str  # M, the coating element
    formation_energy_eV_per_atom: dict[str, float]  # per phase name
    e_above_hull_meV_per_atom: dict[str, float]  # per phase name
    reservoir_fraction: dict[str, float]  # N_res / N per phase name
    stable: list[str]  # phases on the hull, from M to the reservoir (reservoir fraction up)
    in_equilibrium_with_reservoir: str  # Li-richest hull phase other than the reservoir itself
    in_equilibrium_with_reservoir_formula: str  # its reduced formula
    reservoir_per_metal_in_equilibrium: float  # N_res / N_M of that phase (3 for Li3Bi; 0 for M)
    calculator: dict[str, Any] = field(default_factory=dict)  # of the PhaseEnergy inputs
    converged: bool = True  # False when unconverged relaxations were let through
    #: pymatgen PhaseDiagram of the input entries (entry_id = phase name); not serialised
    phase_diagram: Any = field(default=None, repr=False, compare=False, metadata=NOT_SERIALISED)


def _as_phase_energy(name: str, value) -> PhaseEnergy:
    """``value``: a :class:`PhaseEnergy`, or ``(structure, energy_eV)`` where structure is an
    ``ase.Atoms``, a pymatgen ``Structure``, ``Composition`` or formula string and energy_eV
    is the TOTAL energy of exactly that structure/composition."""
    import math

    from pymatgen.core import Composition

    if isinstance(value, PhaseEnergy):
        return value
    try:
        what, energy = value
        energy = float(energy)
    except (TypeError, ValueError):
        raise UserInputError(
            f"phase {name!r}: give a PhaseEnergy or (Atoms | Structure | Composition | formula, "
            f"total energy in eV), not {type(value).__name__}") from None
    if hasattr(what, "get_chemical_formula"):  # ase.Atoms
        comp = Composition(what.get_chemical_formula())
    elif hasattr(what, "composition"):  # pymatgen Structure
        comp = what.composition
    else:
        try:
            comp = Composition(what)
        except (ValueError, TypeError, KeyError):
            comp = None
    if comp is None or comp.num_atoms <= 0:
        raise UserInputError(f"phase {name!r}: cannot read a composition from {what!r}")
    if not math.isfinite(energy):
        raise UserInputError(f"phase {name!r}: energy {energy!r} eV is not finite")
    n = comp.num_atoms
    return PhaseEnergy(name, comp.reduced_formula, energy / n, int(round(n)), "given", True, {})


def alloy_hull(phases: Mapping[str, Any], reservoir: str = "Li",
               allow_unconverged: bool = False) -> AlloyHull:
    """Formation energies, convex hull and equilibrium phase of a binary reservoir–M system.

    ``phases`` maps a phase name (a formula or any label: 'Li3Bi', 'LiMg-x0.25-seed3') to
    its energy from ONE calculator: a :class:`PhaseEnergy` (from :func:`phase_energies`,
    :func:`phase_energy` or :func:`crystal_energies`), or a tuple ``(structure, energy_eV)``
    with the structure an ``ase.Atoms`` / pymatgen ``Structure`` / ``Composition`` / formula
    and energy_eV the total energy of exactly that structure or composition (eV). Several
    phases may share a composition (polymorphs, solid-solution cells): the lowest sets the
    hull, the others get their energy above it. Both pure elements must be present (the hull
    needs its end members); every phase holds only ``reservoir`` and one other element M.

    The hull is pymatgen's ``PhaseDiagram`` of ``ComputedEntry`` objects built as in
    :func:`reaction_with_li`. The phase a coating M becomes in contact with excess reservoir
    metal is the hull phase richest in the reservoir element other than the reservoir itself
    (Li3Bi for Bi against Li; M itself when no compound is on the hull). Sign conventions:
    see :class:`AlloyHull`. Refuses :class:`PhaseEnergy` inputs from different calculators
    and, unless ``allow_unconverged``, unconverged relaxations.
    """
    from pymatgen.analysis.phase_diagram import PhaseDiagram
    from pymatgen.core import Element

    try:
        res = Element(reservoir).symbol
    except ValueError:
        raise UserInputError(f"reservoir={reservoir!r} is not an element symbol") from None
    if not isinstance(phases, Mapping) or len(phases) < 2:
        raise UserInputError("alloy_hull needs a mapping {name: energy} with at least the two "
                             "pure elements")
    used = {str(name): _as_phase_energy(str(name), value) for name, value in phases.items()}
    bad = _check_one_calculator([p for p in used.values() if p.kind != "given"],
                                allow_unconverged)
    entries = {name: _entry(p, entry_id=name) for name, p in used.items()}
    elements = sorted({el.symbol for e in entries.values() for el in e.composition.elements})
    others = [el for el in elements if el != res]
    if len(others) != 1:
        raise UserInputError(
            f"alloy_hull treats a binary {res}–M system; the phases hold {', '.join(elements)}"
            + ("" if others else f" (no element besides {res})"))
    metal = others[0]
    pure = {el: [n for n, e in entries.items() if e.composition.reduced_formula == el]
            for el in (res, metal)}
    missing = [el for el, names in pure.items() if not names]
    if missing:
        raise UserInputError(f"alloy_hull needs the pure element(s) {', '.join(missing)} "
                             f"(the end members of the {res}–{metal} hull)")
    pd = PhaseDiagram(list(entries.values()))
    x_res = {n: float(e.composition.get_atomic_fraction(Element(res)))
             for n, e in entries.items()}
    form = {n: float(pd.get_form_energy_per_atom(e)) for n, e in entries.items()}
    e_hull = {n: 1000.0 * float(pd.get_e_above_hull(e)) for n, e in entries.items()}
    stable_ids = {e.entry_id for e in pd.stable_entries}
    stable = sorted((n for n in entries if n in stable_ids), key=lambda n: (x_res[n], n))
    below = [n for n in stable if x_res[n] < 1.0]
    eq = below[-1]  # the metal end member is always on the hull, so never empty
    x_eq = x_res[eq]
    return AlloyHull(
        reservoir=res, metal=metal, formation_energy_eV_per_atom=form,
        e_above_hull_meV_per_atom=e_hull, reservoir_fraction=x_res, stable=stable,
        in_equilibrium_with_reservoir=eq,
        in_equilibrium_with_reservoir_formula=entries[eq].composition.reduced_formula,
        reservoir_per_metal_in_equilibrium=x_eq / (1.0 - x_eq),
        calculator=next((p.calculator for p in used.values() if p.kind != "given"), {}),
        converged=not bad, phase_diagram=pd,
    )


# --------------------------------------------------------------------------- declarations

def _reaction_status(g: Getter) -> str:
    return "stable against Li" if g("stable_against_li") else g("reaction", "")


#: the numbers of a :class:`ReactionWithLi` record (paths relative to it)
REACTION: tuple[Quantity, ...] = (
    Quantity("reaction_meV_per_atom", "reaction energy with Li", "meV/atom",
             "reaction_energy_meV_per_atom", "reactivity", fmt=".1f", converged="converged",
             status=_reaction_status, spread=True, headline=True,
             measured="conversion of the coating on Li (XPS, XRD)",
             rank=Rank(5, "reaction with Li", "higher",
                       "closer to 0 is better: 0 = thermodynamically stable against Li metal, "
                       "negative = Li reduces the coating (it converts into other phases)"),
             table="reactivity", column="E_rxn (meV/atom)", figures=("reaction",)),
    Quantity("reaction_eV_per_Li", "reaction energy per Li", "eV/Li",
             "reaction_energy_eV_per_Li", "reactivity", converged="converged",
             status="per Li atom consumed", spread=True, table="reactivity",
             column="E_rxn (eV/Li)"),
    Quantity("reaction_products", "reaction products", "", "products", "reactivity",
             fmt="text", converged="converged", table="reactivity", column="products",
             figures=("reaction",)),
    Quantity("stable_against_li", "stable against Li", "", "stable_against_li", "reactivity",
             fmt="text", converged="converged", table="reactivity",
             column="stable against Li"),
)
