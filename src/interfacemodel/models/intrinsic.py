"""Charge-neutral intrinsic disorder of an ionic crystal, as supercells to relax.

An ionic solid makes its mobile carriers in neutral pairs, not by exchanging single atoms
with a metal reservoir:

* **Schottky pair** (rock salt, e.g. LiF): one cation and one anion vacancy,
  V_Li' + V_F• — one formula unit leaves the crystal for its surface;
  E_S = E(N − 1 formula units with both vacancies) − (N − 1)/N · E(perfect, N formula units).
* **Frenkel pair** (antifluorite, e.g. Li2O, Li2S, Li2Se): a cation moved from its site to
  an empty interstitial void, V_Li' + Li_i•; E_F = E(pair) − E(perfect).

In a supercell the two defects sit as far apart as the cell allows (the largest minimum-image
distance between the vacancy and the other defect, stated in the cell's record): the pair
energy then contains the residual attraction of the two defects at that distance, which
vanishes only for a large cell (the pair energy of a small cell is a lower bound of the
dissociated pair's). Positions in Å.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import Atoms
from ase.geometry import find_mic

from ..errors import UserInputError
from .interstitials import interstitial_sites
from .point_defects import check_element, species_indices

PAIR_KINDS = ("schottky", "frenkel")


@dataclass
class DefectPairCell:
    """A supercell with a neutral defect pair and its perfect counterpart.

    ``kind``: 'schottky' or 'frenkel'; ``species``: the cation; ``partner``: the anion
    (Schottky) or the void's Wyckoff name (Frenkel); ``separation_A``: minimum-image distance
    between the vacancy and the other defect; ``interstitial_sites_per_cation``: the number of
    voids of the chosen kind per cation site (Frenkel; 0 for Schottky), which enters the
    carrier fraction; ``formula_units``: of the perfect supercell."""

    kind: str
    species: str
    partner: str
    perfect: Atoms
    defective: Atoms
    separation_A: float
    formula_units: int
    interstitial_sites_per_cation: float = 0.0

    def pair_energy(self, e_defective_eV: float, e_perfect_eV: float) -> float:
        """E_S or E_F (eV) from the energies of the relaxed ``defective`` and ``perfect``
        cells (:func:`pair_energy`)."""
        return pair_energy(self.kind, e_defective_eV, e_perfect_eV, self.formula_units)


def pair_energy(kind: str, e_defective_eV: float, e_perfect_eV: float,
                formula_units: int) -> float:
    """Schottky E_S = E_def − (N−1)/N E_perf (N formula units in the perfect cell); Frenkel
    E_F = E_def − E_perf (eV)."""
    if kind == "schottky":
        return e_defective_eV - (formula_units - 1) / formula_units * e_perfect_eV
    return e_defective_eV - e_perfect_eV


def _reduced(atoms: Atoms) -> dict[str, int]:
    symbols = atoms.get_chemical_symbols()
    counts = {s: symbols.count(s) for s in dict.fromkeys(symbols)}
    g = np.gcd.reduce(list(counts.values()))
    return {s: n // g for s, n in counts.items()}


def _supercell(host: Atoms, supercell) -> Atoms:
    if isinstance(supercell, (int, np.integer)) and not isinstance(supercell, bool):
        supercell = (int(supercell),) * 3
    try:
        rep = tuple(int(n) for n in supercell)
    except (TypeError, ValueError):
        rep = ()
    if len(rep) != 3 or any(n < 1 for n in rep):
        raise UserInputError(f"supercell={supercell!r} must be a positive integer or three")
    return host.repeat(rep)


def _farthest(cell: Atoms, origin: np.ndarray, candidates: np.ndarray) -> tuple[int, float]:
    _, dist = find_mic(candidates - origin, cell.cell.array, cell.pbc)
    k = int(np.argmax(dist))
    return k, float(dist[k])


def schottky_pair(host: Atoms, supercell=2, cation: str = "Li") -> DefectPairCell:
    """A cation and an anion vacancy, as far apart as the ``supercell`` of ``host`` allows.
    For AB crystals (one cation per anion, e.g. rock-salt LiF); other stoichiometries take a
    Frenkel pair (or a Schottky defect of several vacancies, not built here)."""
    check_element(cation, "cation")
    formula = _reduced(host)
    if len(formula) != 2 or sorted(formula.values()) != [1, 1] or cation not in formula:
        raise UserInputError(f"a Schottky pair is built for AB crystals with {cation}: "
                             f"{host.get_chemical_formula()} is not one (use 'frenkel')")
    anion = next(s for s in formula if s != cation)
    perfect = _supercell(host, supercell)
    cations, anions = species_indices(perfect, cation), species_indices(perfect, anion)
    v_cat = int(cations[0])
    k, dist = _farthest(perfect, perfect.positions[v_cat], perfect.positions[anions])
    defective = perfect.copy()
    del defective[sorted([v_cat, int(anions[k])], reverse=True)]
    n_fu = len(perfect) // sum(formula.values())
    return DefectPairCell("schottky", cation, anion, perfect, defective, dist, n_fu)


def frenkel_pair(host: Atoms, supercell=2, species: str = "Li") -> DefectPairCell:
    """A ``species`` atom moved from its site into the largest empty void of ``host`` (e.g.
    the octahedral 4b site of antifluorite Li2O), the void as far from the vacancy as the
    ``supercell`` allows."""
    check_element(species, "species")
    species_indices(host, species)
    sites = interstitial_sites(host, species)
    if not sites:
        raise UserInputError(f"{host.get_chemical_formula()} has no void that holds an "
                             f"interstitial {species}: no Frenkel pair")
    void = sites[0]  # the largest void
    perfect = _supercell(host, supercell)
    rep = np.rint(np.diag(perfect.cell.array @ np.linalg.inv(host.cell.array))).astype(int)
    shifts = np.array([(i, j, k) for i in range(rep[0]) for j in range(rep[1])
                       for k in range(rep[2])], dtype=float)
    frac = (np.asarray(void.orbit_frac)[None, :, :] + shifts[:, None, :]).reshape(-1, 3) / rep
    voids = frac @ perfect.cell.array
    cations = species_indices(perfect, species)
    v = int(cations[0])
    origin = perfect.positions[v].copy()
    k, dist = _farthest(perfect, origin, voids)
    defective = perfect.copy()
    defective.positions[v] = voids[k]
    formula = _reduced(host)
    n_fu = len(perfect) // sum(formula.values())
    per_cation = len(void.orbit_frac) / len(species_indices(host, species))
    return DefectPairCell("frenkel", species, void.name, perfect, defective, dist, n_fu,
                          per_cation)


def intrinsic_pair(host: Atoms, kind: str, supercell=2, species: str = "Li") -> DefectPairCell:
    """:func:`schottky_pair` or :func:`frenkel_pair` by ``kind``."""
    if kind == "schottky":
        return schottky_pair(host, supercell, species)
    if kind == "frenkel":
        return frenkel_pair(host, supercell, species)
    raise UserInputError(f"intrinsic disorder {kind!r}; accepted: {', '.join(PAIR_KINDS)}")
