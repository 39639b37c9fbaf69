"""Solubility of a metal M in Li: dilute solution energies and the solubility limit they give.

Two energies per solute atom (eV), both from one calculator, one M atom substituted for one
host atom of an ``n × n × n`` supercell of the relaxed host crystal (positions relaxed, cell
kept: the dilute limit)::

    ΔH_sol = E(Li_{N−1} M) − E(Li_N) + μ_Li − μ_M(element)
    ΔE_sol = E(Li_{N−1} M) − E(Li_N) + μ_Li − μ_M(eq)

``E(Li_N)`` is the perfect supercell (same cell, a single point), μ_Li its energy per atom.
``μ_M(element)`` is the energy per atom of the element crystal of M: ΔH_sol is the dilute heat
of solution of pure M in Li (negative: dissolving M releases energy). ``μ_M(eq)`` is the
chemical potential of M when Li metal coexists with the Li–M phase it is in equilibrium with
on the calculator's Li–M convex hull (:func:`~interfacemodel.analysis.reactivity.alloy_hull`):
μ_M(eq) = E(Li_x M per M) − x μ_Li for that phase Li_x M (x = 0 when no compound is on the
hull). ΔE_sol is the energy to take one M out of that phase into the Li host, so the dilute
solubility limit (ideal configurational entropy of the solute, no vibrational entropy) is

    x_sol(T) = exp(−ΔE_sol / k_B T)   for ΔE_sol > 0,

and a negative ΔE_sol means the dilute solid solution lies below the hull: M dissolves (no
dilute limit; the solid solution is the equilibrium state at this dilution). ``soluble`` is
the computed column of the comparison: x_sol(300 K) ≥ ``SOLUBLE_FRACTION`` (1 at.%).

Library layer: plain functions on ase objects, no FireWorks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ase import Atoms

from ..errors import UserInputError
from ..models.point_defects import check_element
from ..records import Record, package_versions, to_dict
from ..run.relax import EnergyRecord
from ..structures import phase_info
from .points import Point
from .quantities import Getter, Quantity, source_path
from .reactivity import REACTION_PHASES, AlloyHull, PhaseEnergy, alloy_hull

#: x_sol(300 K) at or above this bulk atomic fraction counts as soluble (1 at.%)
SOLUBLE_FRACTION = 0.01
#: Boltzmann constant (eV/K)
K_B_EV = 8.617333262e-5
#: room temperature of the computed column (K)
ROOM_T_K = 300.0

Progress = Callable[[str], None]


@dataclass
class SolubilityResult(Record):
    """Dilute solution energies of ``solute`` in ``host`` (eV per solute atom) and the
    solubility limit they give; see the module docstring for the definitions and signs."""

    solute: str
    host: str
    heat_of_solution_eV: float  # ΔH_sol: against the element crystal of M
    solution_energy_eV: float  # ΔE_sol: against the phase in equilibrium with Li
    equilibrium_phase: str  # catalogue name of the hull phase in equilibrium with the host
    equilibrium_formula: str
    host_per_solute_in_equilibrium: float  # x of Li_x M (0: the element itself)
    solubility_fraction: dict[str, float | None]  # 'T K' -> x_sol (None: ΔE_sol ≤ 0)
    soluble: bool  # x_sol(300 K) ≥ SOLUBLE_FRACTION, or ΔE_sol ≤ 0
    soluble_threshold_fraction: float
    solute_fraction_in_cell: float  # 1/N of the dilute cell
    natoms: int
    supercell: int
    hull_formation_energy_eV_per_atom: dict[str, float]
    hull_e_above_hull_meV_per_atom: dict[str, float]
    hull_stable: list[str]
    converged: bool
    calculator: dict[str, Any]
    relax: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    wall_time_s: float = 0.0
    versions: dict[str, str] = field(default_factory=package_versions)
    #: relaxed cells for the committee: 'perfect', 'dilute' and 'phase:<name>' (hull crystals)
    geometries: dict[str, Atoms] = field(default_factory=dict)

    def summary_rows(self) -> list[tuple[str, str, str]]:
        x = self.solubility_fraction.get(f"{ROOM_T_K:g} K")
        limit = "no dilute limit (ΔE_sol ≤ 0)" if x is None else f"{x:.2e}"
        return [
            ("heat of solution ΔH_sol", f"{self.heat_of_solution_eV:+.3f} eV",
             f"one {self.solute} in {self.natoms} atoms, against {self.solute} metal"),
            ("solution energy ΔE_sol", f"{self.solution_energy_eV:+.3f} eV",
             f"against {self.host} + {self.equilibrium_formula} (the hull phase at Li)"),
            (f"solubility limit at {ROOM_T_K:g} K", limit,
             "soluble" if self.soluble else "insoluble"),
        ]


def alloy_phase_set(solute: str, host: str = "Li") -> tuple[str, ...]:
    """Catalogue names of the host–solute hull: the two element crystals and every catalogue
    phase of only these two elements (a set of :data:`~interfacemodel.analysis.reactivity.
    REACTION_PHASES`)."""
    from pymatgen.core import Composition

    def elements(name: str) -> set[str]:
        if name in ("F2", "O2"):
            return {name[0]}
        return {el.symbol for el in Composition(phase_info(name).formula)}

    binaries = [names for names in REACTION_PHASES.values()
                if len(names) >= 2 and names[0] == host
                and all(elements(n) <= {host, names[1]} for n in names)]
    for names in binaries:
        if names[1] == solute:
            return names
    known = sorted({names[1] for names in binaries})
    raise UserInputError(f"no {host}–{solute} phase set in the catalogue (its element crystal "
                         f"and {host}–{solute} phases); known solutes: {', '.join(known)}")


def _check_common(solute, host, temperatures_K, threshold) -> list[float]:
    check_element(solute, "solute")
    if solute == host:
        raise UserInputError(f"solute {solute!r} is the host element")
    temps = [float(t) for t in temperatures_K]
    if not temps or any(not math.isfinite(t) or t <= 0 for t in temps):
        raise UserInputError(f"temperatures_K={list(temperatures_K)!r}: give temperatures > 0 K")
    if not 0 < threshold < 1:
        raise UserInputError(f"threshold={threshold!r}: a bulk atomic fraction in (0, 1)")
    return temps


def _assemble(solute: str, host: str, e_perfect: float, n_perfect: int, e_dilute: float,
              phases: dict[str, PhaseEnergy], temps: list[float], threshold: float,
              calculator: dict[str, Any], allow_unconverged: bool) -> SolubilityResult:
    """ΔH_sol, ΔE_sol, the hull and x_sol(T) from the energies (module docstring)."""
    mu_host = e_perfect / n_perfect
    pure = {p.formula: n for n, p in phases.items()}
    missing = [el for el in (host, solute) if el not in pure]
    if missing:
        raise UserInputError(f"the {host}–{solute} hull needs the element crystal(s) "
                             f"{', '.join(missing)} among the phases")
    host_name = pure[host]
    phases[host_name] = PhaseEnergy(host_name, host, mu_host, n_perfect, "crystal", True,
                                    calculator)
    hull: AlloyHull = alloy_hull(phases, reservoir=host, allow_unconverged=allow_unconverged)
    element = pure[solute]
    mu_element = phases[element].energy_per_atom_eV
    eq = hull.in_equilibrium_with_reservoir
    x_eq = hull.reservoir_per_metal_in_equilibrium
    e_eq_per_m = phases[eq].energy_per_atom_eV * (1.0 + x_eq)  # one formula unit Li_x M
    mu_eq = e_eq_per_m - x_eq * mu_host
    base = e_dilute - e_perfect + mu_host
    dh = base - mu_element
    de = base - mu_eq
    limits = {f"{t:g} K": (None if de <= 0 else math.exp(-de / (K_B_EV * t))) for t in temps}
    room = math.exp(-de / (K_B_EV * ROOM_T_K)) if de > 0 else None
    soluble = room is None or room >= threshold
    natoms = n_perfect
    notes = [f"dilute limit: one {solute} per {natoms} atoms "
             f"({100.0 / natoms:.2f} at.%), positions relaxed in the host's relaxed "
             f"cell; x_sol = exp(−ΔE_sol/k_B T) with the solute's configurational entropy "
             f"only (no vibrational entropy, no solute–solute interaction)"]
    if eq == element:
        notes.append(f"no {host}–{solute} compound on this calculator's hull: the solute's "
                     f"reference is {solute} metal (ΔE_sol = ΔH_sol)")
    return SolubilityResult(
        solute=solute, host=host, heat_of_solution_eV=float(dh), solution_energy_eV=float(de),
        equilibrium_phase=eq, equilibrium_formula=hull.in_equilibrium_with_reservoir_formula,
        host_per_solute_in_equilibrium=float(x_eq), solubility_fraction=limits,
        soluble=bool(soluble), soluble_threshold_fraction=float(threshold),
        solute_fraction_in_cell=1.0 / natoms, natoms=natoms, supercell=0,
        hull_formation_energy_eV_per_atom=hull.formation_energy_eV_per_atom,
        hull_e_above_hull_meV_per_atom=hull.e_above_hull_meV_per_atom,
        hull_stable=list(hull.stable), converged=bool(hull.converged),
        calculator=calculator, notes=notes)


@dataclass
class SolubilityCells(Record):
    """The cells a dilute solubility rests on, by point name: 'perfect' (the host
    supercell), 'dilute' (one solute atom in it, positions relaxed), 'phase:<name>' (the
    host–solute hull crystals, relaxed with their cells); the calculator's ``records``
    there, the hull phases' reduced ``formulas``, and the settings of the numbers."""

    solute: str
    host: str
    supercell: int
    temperatures_K: list[float]
    threshold: float
    structures: dict[str, Atoms]
    records: dict[str, EnergyRecord]
    formulas: dict[str, str]
    wall_time_s: float = 0.0

    def points(self) -> dict[str, Point]:
        return {key: Point(atoms, self.records.get(key), relaxed=key == "dilute")
                for key, atoms in self.structures.items()}


def evaluate_solubility(energies: Mapping[str, Any], calculator: dict[str, Any], *,
                        cells: SolubilityCells,
                        allow_unconverged: bool = False) -> SolubilityResult:
    """The :class:`SolubilityResult` from one calculator's ``energies`` at the cells'
    points (``cells/perfect``, ``cells/dilute``, ``cells/phase:<name>``): ΔH_sol, its hull
    and the phase at Li, ΔE_sol and x_sol(T) (:func:`_assemble`). The campaign's calculator
    calls it with the energies of its relaxations, another calculator with its single
    points at the same cells (its own hull, so its phase at Li, may differ)."""
    perfect, dilute = energies["cells/perfect"], energies["cells/dilute"]
    phases = {}
    for name, formula in cells.formulas.items():
        rec = energies[f"cells/phase:{name}"]
        phases[name] = PhaseEnergy(name, formula, rec.energy_eV / rec.natoms, rec.natoms,
                                   "crystal", bool(rec.converged), rec.calculator, to_dict(rec))
    result = _assemble(cells.solute, cells.host, perfect.energy_eV, perfect.natoms,
                       dilute.energy_eV, phases, list(cells.temperatures_K), cells.threshold,
                       calculator, allow_unconverged)
    result.converged = bool(result.converged and dilute.converged)
    result.supercell = cells.supercell
    result.relax = to_dict(dilute)
    result.geometries = dict(cells.structures)
    result.wall_time_s = cells.wall_time_s
    return result


# --------------------------------------------------------------------------- declarations

def _computed_by(g: Getter) -> str:
    return "the committee at the main model's cells" if g.context.get("committee") else \
        "one calculator"


def _room_key(g: Getter) -> str | None:
    """The key ('300 K') of the record's solubility limit closest to :data:`ROOM_T_K`."""
    fractions = g("solubility_fraction", {}) or {}
    return min(fractions, key=lambda k: abs(float(k.split()[0]) - ROOM_T_K), default=None)


def _hull_status(g: Getter, phase: str) -> str:
    if phase in set(g("hull_stable", []) or []):
        where = "on the hull"
    else:
        above = g("hull_e_above_hull_meV_per_atom", {}) or {}
        where = f"{above.get(phase, float('nan')):.1f} meV/atom above the hull"
    return f"Li–M hull; {where}"


#: the numbers of a :class:`SolubilityResult` (paths relative to it)
SOLUBILITY: tuple[Quantity, ...] = (
    Quantity("equilibrium_phase_with_li", "phase in equilibrium with Li", "",
             "equilibrium_phase", "solubility", fmt="text", converged="converged",
             status=lambda g: f"Li–M hull of the campaign's calculator "
                              f"({g('equilibrium_formula', '')})",
             table="solubility", column="phase at Li"),
    Quantity("heat_of_solution_eV", "heat of solution in Li (dilute, from the metal)", "eV",
             "heat_of_solution_eV", "solubility", converged="converged",
             status=lambda g: f"{g('solute', 'M')} metal → one {g('solute', 'M')} in "
                              f"{g('natoms')} atoms of Li; {_computed_by(g)}",
             spread=True, table="solubility", column="ΔH_sol (eV)"),
    Quantity("solution_energy_eV", "solution energy in Li (from the phase at Li)", "eV",
             "solution_energy_eV", "solubility", converged="converged",
             status=lambda g: f"from Li + {g('equilibrium_formula', '')} (the hull phase at "
                              f"Li); {_computed_by(g)}",
             spread=True, table="solubility", column="ΔE_sol (eV)"),
    Quantity("solubility_fraction_300K", "solubility limit in Li near 300 K", "",
             lambda g: None if _room_key(g) is None else
             source_path("solubility_fraction", _room_key(g)),
             "solubility", fmt="sci", log=True, converged="converged",
             status=lambda g: f"exp(−ΔE_sol/k_B T) at {_room_key(g)}", spread=True,
             table="solubility", column="x_sol near 300 K"),
    Quantity("soluble_in_li", "soluble in Li (≥ 1 at.% at 300 K)", "", "soluble",
             "solubility", fmt="text", converged="converged",
             status=lambda g: f"x_sol(300 K) ≥ {g('soluble_threshold_fraction', 0.01):g}",
             measured="overpotential of Li plating on the metal (the solubility rule)",
             table="solubility", column="soluble"),
    Quantity("natoms_solubility", "solubility model size", "atoms", "natoms", "model",
             none_text="model size"),
    Quantity("formation_energy_eV_per_atom", "formation energy", "eV/atom",
             lambda g, phase: source_path("hull_formation_energy_eV_per_atom", phase),
             "solubility", keys=lambda g: sorted(g("hull_formation_energy_eV_per_atom", {})
                                                 or {}),
             converged="converged", status=_hull_status, table="hull",
             column="E_f (eV/atom)"),
)


def solubility_notes(record: dict) -> list[str]:
    """What the report says where a :class:`SolubilityResult` has no solubility limit."""
    g = Getter(record)
    key = _room_key(g)
    if key is not None and (g("solubility_fraction", {}) or {}).get(key) is None:
        solute = g("solute", "M")
        return [f"{solute} in Li: ΔE_sol ≤ 0, no dilute solubility limit (the solid solution "
                f"is below the hull)"]
    return []
