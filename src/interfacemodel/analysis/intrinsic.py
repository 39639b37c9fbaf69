"""Carriers of an ionic coating from its charge-neutral intrinsic disorder.

The pair energy (:mod:`interfacemodel.models.intrinsic`) sets the equilibrium fraction of
vacancies (and interstitials) per site of the mobile sublattice (mass action, ideal dilute
defects, configurational entropy only):

* Schottky (AB rock salt): n_v/N = exp(−E_S / 2 k_B T);
* Frenkel: n_v n_i = N N_i exp(−E_F / k_B T) with equal numbers, so
  n_v/N = sqrt(N_i/N) exp(−E_F / 2 k_B T), N_i/N the voids of the kind used per cation site.

The diffusivity of the species is then D = c · D*, D* the diffusivity per carrier (one
vacancy, c = 1) of the hop. Vibrational formation entropies are not included (they raise c by
a factor exp(S/2k_B), typically 1–100).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ase import Atoms

from ..errors import UserInputError
from ..models.intrinsic import pair_energy
from ..records import Record
from ..run.relax import EnergyRecord
from .diffusion import K_B_EV_PER_K
from .points import Point

#: where the carriers of a vacancy hop in an ionic host come from: its neutral pair disorder,
#: or a vacancy formed against the metal (the right reservoir for a metal or an alloy)
CARRIERS = ("intrinsic", "metal")
#: the pair that an ionic host of this reduced stoichiometry forms (cation count, anion count)
PAIR_FOR_STOICHIOMETRY = {(1, 1): "schottky", (2, 1): "frenkel"}


def pair_kind_for(host: Atoms, species: str = "Li") -> str | None:
    """'schottky' for an AB crystal of ``species``, 'frenkel' for an A2B one (antifluorite:
    Li2O, Li2S, Li2Se); None for anything else (a metal, an element, other stoichiometries)."""
    symbols = host.get_chemical_symbols()
    kinds = sorted(set(symbols))
    if species not in kinds or len(kinds) != 2:
        return None
    other = next(s for s in kinds if s != species)
    n_a, n_b = symbols.count(species), symbols.count(other)
    g = math.gcd(n_a, n_b)
    return PAIR_FOR_STOICHIOMETRY.get((n_a // g, n_b // g))


def intrinsic_fraction(kind: str, pair_energy_eV: float, T_K: float,
                       interstitial_sites_per_cation: float = 0.0) -> float:
    """Vacancy fraction per site of the mobile sublattice at ``T_K`` (see module docstring);
    at most 1."""
    if not T_K > 0:
        raise UserInputError(f"temperature {T_K} K must be > 0")
    kT = K_B_EV_PER_K * T_K
    if kind == "schottky":
        c = math.exp(-pair_energy_eV / (2 * kT))
    elif kind == "frenkel":
        if not interstitial_sites_per_cation > 0:
            raise UserInputError("a Frenkel fraction needs interstitial_sites_per_cation > 0")
        c = math.sqrt(interstitial_sites_per_cation) * math.exp(-pair_energy_eV / (2 * kT))
    else:
        raise UserInputError(f"intrinsic disorder {kind!r}; accepted: schottky, frenkel")
    return min(c, 1.0)


@dataclass
class IntrinsicDisorder(Record):
    """The pair energy of one host (eV) and how it was computed."""

    host: str
    kind: str
    species: str
    partner: str  # the anion (Schottky) or the void (Frenkel)
    pair_energy_eV: float
    separation_A: float  # vacancy to the other defect, minimum image
    natoms_perfect: int
    interstitial_sites_per_cation: float
    converged: bool
    calculator: dict[str, Any]
    defective: Atoms | None = None  # the relaxed pair cell (for a committee's single points)
    perfect: Atoms | None = None
    notes: list[str] = field(default_factory=list)
    formula_units: int = 0  # of the perfect cell
    #: the calculator's records of the relaxed pair cell ('pair') and of the perfect cell
    #: ('pair-perfect'): the points the pair energy rests on
    energies: dict[str, EnergyRecord] = field(default_factory=dict)

    def points(self) -> dict[str, Point]:
        cells = {"pair": (self.defective, True), "pair-perfect": (self.perfect, False)}
        return {key: Point(atoms, self.energies.get(key), relaxed=relaxed)
                for key, (atoms, relaxed) in cells.items() if atoms is not None}

    def pair_energy_from(self, e_defective_eV: float, e_perfect_eV: float) -> float:
        """The pair energy (eV) another calculator gives from its energies of ``defective``
        and ``perfect`` (e.g. a committee member's single points)."""
        return pair_energy(self.kind, e_defective_eV, e_perfect_eV, self.formula_units)

    def fraction(self, T_K: float) -> float:
        return intrinsic_fraction(self.kind, self.pair_energy_eV, T_K,
                                  self.interstitial_sites_per_cation)

    def describe(self) -> str:
        symbol = "E_S" if self.kind == "schottky" else "E_F"
        what = (f"V_{self.species} + V_{self.partner}" if self.kind == "schottky"
                else f"V_{self.species} + {self.species}_{self.partner}")
        return (f"intrinsic {self.kind.capitalize()} pairs ({what}), {symbol} = "
                f"{self.pair_energy_eV:.3f} eV ({self.natoms_perfect}-atom cell, defects "
                f"{self.separation_A:.1f} Å apart)")


