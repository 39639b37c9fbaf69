"""Surface energy, work of adhesion and interface formation energy from energy records.

Plain functions on :class:`~interfacemodel.run.relax.EnergyRecord` (or anything with the
same attributes: ``label, energy_eV, counts, area_A2, converged, status, calculator``).
Energies eV, areas Å², results in J/m² (1 eV/Å² = 16.0218 J/m²) with eV/Å² alongside.

Sign conventions (DESIGN.md §5): γ > 0 costs energy to make the surface; W_adh > 0 means
the two parts bind (energy needed to separate them); γ_int = γ_A + γ_B − W_adh.

Every function refuses a record that is not converged (``allow_unconverged=True`` to use it
anyway, flagged in the result) and records from different calculators.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..calculators import provenance_label
from ..errors import UserInputError
from ..run.relax import element_counts
from ..units import EV_PER_A2_TO_J_PER_M2

AREA_RTOL = 1e-3  # in-plane areas of the parts of one W_adh must agree to this fraction


# ------------------------------------------------------------------------------ checks


def _calc_label(record) -> str:
    return provenance_label(record.calculator or {})


def check_records(records: Sequence[Any], allow_unconverged: bool = False) -> bool:
    """Refuse records without an energy, unconverged ones (unless allowed) and a mix of
    calculators. Returns True when every record is converged."""
    for r in records:
        if r.energy_eV is None:
            raise UserInputError(f"record {r.label!r} has no energy (status {r.status!r})")
        if not r.converged and not allow_unconverged:
            raise UserInputError(
                f"record {r.label!r} is not converged (status {r.status!r}); relax it further "
                f"or pass allow_unconverged=True to use it anyway")
    labels = {_calc_label(r) for r in records}
    if len(labels) > 1:
        raise UserInputError(f"records come from different calculators ({', '.join(sorted(labels))});"
                             f" every energy of one quantity must come from the same one")
    return all(r.converged for r in records)


def _check_same_area(records: Sequence[Any], rtol: float = AREA_RTOL) -> float:
    area = records[0].area_A2
    for r in records[1:]:
        if abs(r.area_A2 - area) > rtol * area:
            raise UserInputError(
                f"in-plane areas differ: {records[0].label!r} {area:.3f} Å² vs {r.label!r} "
                f"{r.area_A2:.3f} Å²; the parts must be cut from the same cell")
    return area


# ------------------------------------------------------------------- bulk references


@dataclass
class BulkReference:
    """Energy per formula unit of a bulk phase, the reference for its slabs (eV)."""

    formula: str  # reduced formula, e.g. 'LiF'
    energy_per_fu_eV: float
    calculator: dict[str, Any]
    converged: bool = True

    @property
    def composition(self) -> dict[str, float]:
        from pymatgen.core import Composition

        return {str(el): float(n) for el, n in Composition(self.formula).items()}

    @classmethod
    def from_energy(cls, atoms_or_counts, energy_eV: float, calculator: dict[str, Any],
                    converged: bool = True) -> BulkReference:
        """From the energy of a whole bulk cell (``ase.Atoms`` or element counts)."""
        from pymatgen.core import Composition

        counts = (atoms_or_counts if isinstance(atoms_or_counts, Mapping)
                  else element_counts(atoms_or_counts))
        comp = Composition(counts)
        formula, n_fu = comp.get_reduced_formula_and_factor()
        return cls(formula, float(energy_eV) / n_fu, calculator, converged)

    def per_atom_eV(self) -> float:
        return self.energy_per_fu_eV / sum(self.composition.values())


def li_rich_limit(li_metal: BulkReference) -> dict[str, float]:
    """Chemical potentials of the Li-rich limit: μ_Li = E(bcc Li) per atom (eV)."""
    if li_metal.composition != {"Li": 1.0}:
        raise UserInputError(f"the Li-rich limit needs bulk Li, got {li_metal.formula}")
    return {"Li": li_metal.energy_per_fu_eV}


def chemical_potentials(bulk: BulkReference, mu_eV: Mapping[str, float] | None) -> dict[str, float]:
    """μ of every element of ``bulk`` (eV/atom): those in ``mu_eV`` and the one left,
    fixed by equilibrium with the bulk, Σ_i ν_i μ_i = E_fu (ν_i atoms per formula unit)."""
    comp = bulk.composition
    given = {el: float(v) for el, v in (mu_eV or {}).items() if el in comp}
    free = [el for el in comp if el not in given]
    if len(free) == 0:
        total = sum(comp[el] * given[el] for el in comp)
        if abs(total - bulk.energy_per_fu_eV) > 1e-6:
            raise UserInputError(f"chemical potentials {given} violate equilibrium with "
                                 f"{bulk.formula}: give all but one element")
        return given
    if len(free) > 1:
        raise UserInputError(
            f"bulk {bulk.formula} has {len(comp)} elements: give chemical potentials for all "
            f"but one of them (missing: {', '.join(free[:-1])})")
    dep = free[0]
    given[dep] = (bulk.energy_per_fu_eV - sum(comp[el] * given[el] for el in given)) / comp[dep]
    return given


# ------------------------------------------------------------------- surface energy


@dataclass
class SurfaceEnergy:
    """γ of a slab with ``n_surfaces`` equivalent faces (average over the faces otherwise).

    γ = (E_slab − Σ_i N_i μ_i) / (n_surfaces · A), with Σ_i ν_i μ_i = E_fu(bulk). For an
    off-stoichiometric slab γ depends on μ: γ(μ) = γ(μ⁰) − Σ_i Γ_i (μ_i − μ_i⁰)/(n_surfaces·A)
    with the excess Γ_i = N_i − N_dep ν_i/ν_dep of each element whose μ was given (``dep``
    is the element fixed by the bulk). ``mu_eV`` records the μ used.
    """

    label: str
    gamma_J_per_m2: float
    gamma_eV_per_A2: float
    area_A2: float
    n_surfaces: int
    stoichiometric: bool
    bulk_formula: str
    mu_eV: dict[str, float]
    excess_atoms: dict[str, float]  # Γ_i per slab (both faces), elements with given μ
    slab_energy_eV: float
    converged: bool
    status: str
    calculator: dict[str, Any]
    mu_limit: str = ""

    def gamma_at(self, mu_eV: Mapping[str, float]) -> float:
        """γ (J/m²) at other chemical potentials of the elements in ``excess_atoms``."""
        shift = sum(n * (float(mu_eV.get(el, self.mu_eV[el])) - self.mu_eV[el])
                    for el, n in self.excess_atoms.items())
        return self.gamma_J_per_m2 - shift / (self.n_surfaces * self.area_A2) * EV_PER_A2_TO_J_PER_M2


def surface_energy(
    slab,
    bulk: BulkReference,
    mu_eV: Mapping[str, float] | None = None,
    n_surfaces: int = 2,
    mu_limit: str = "",
    allow_unconverged: bool = False,
) -> SurfaceEnergy:
    """Surface energy γ (J/m²) of a slab record against its bulk reference.

    γ = (E_slab − Σ_i N_i μ_i) / (n_surfaces · A). A stoichiometric slab needs no μ (Σ N_i μ_i
    = N_fu E_fu whatever μ). An off-stoichiometric one needs ``mu_eV`` for all elements but
    one, e.g. :func:`li_rich_limit` (μ_Li = E(bcc Li), the physical limit against Li metal);
    the last is fixed by the bulk. A slab with an element the bulk lacks is refused. For a
    slab whose two faces differ, γ is their average.
    """
    if n_surfaces not in (1, 2):
        raise UserInputError(f"n_surfaces={n_surfaces}; accepted: 1 or 2")
    converged = check_records([slab], allow_unconverged) and bulk.converged
    if not bulk.converged and not allow_unconverged:
        raise UserInputError(f"bulk reference {bulk.formula} is not converged; relax it first "
                             f"or pass allow_unconverged=True")
    if _calc_label(slab) != provenance_label(bulk.calculator):
        raise UserInputError(f"slab {slab.label!r} ({_calc_label(slab)}) and bulk {bulk.formula} "
                             f"({bulk.calculator.get('label')}) come from different calculators")
    comp = bulk.composition
    extra = sorted(set(slab.counts) - set(comp))
    if extra:
        raise UserInputError(f"slab {slab.label!r} contains {', '.join(extra)}, which bulk "
                             f"{bulk.formula} does not: compositions do not match")
    counts = {el: float(slab.counts.get(el, 0)) for el in comp}
    ratios = [counts[el] / comp[el] for el in comp]
    stoichiometric = max(ratios) - min(ratios) < 1e-9
    if stoichiometric:  # Σ N_i μ_i = N_fu E_fu for any μ in equilibrium with the bulk
        mu: dict[str, float] = {}
        excess: dict[str, float] = {}
        reference = ratios[0] * bulk.energy_per_fu_eV
    else:
        if not mu_eV:
            raise UserInputError(
                f"slab {slab.label!r} ({_formula(slab.counts)}) is off the {bulk.formula} "
                f"stoichiometry: give chemical potentials (e.g. li_rich_limit(E_Li))")
        mu = chemical_potentials(bulk, mu_eV)
        dep = next(el for el in comp if el not in mu_eV)
        excess = {el: counts[el] - counts[dep] * comp[el] / comp[dep] for el in comp if el != dep}
        reference = sum(counts[el] * mu[el] for el in comp)
    gamma = (slab.energy_eV - reference) / (n_surfaces * slab.area_A2)
    return SurfaceEnergy(
        label=slab.label, gamma_J_per_m2=gamma * EV_PER_A2_TO_J_PER_M2, gamma_eV_per_A2=gamma,
        area_A2=slab.area_A2, n_surfaces=n_surfaces, stoichiometric=stoichiometric,
        bulk_formula=bulk.formula, mu_eV=mu, excess_atoms=excess,
        slab_energy_eV=slab.energy_eV, converged=converged, status=slab.status,
        calculator=slab.calculator, mu_limit="" if stoichiometric else mu_limit,
    )


def _formula(counts: Mapping[str, float]) -> str:
    return "".join(f"{el}{int(n) if float(n).is_integer() else n}" for el, n in sorted(counts.items()))


# ------------------------------------------------------------------- work of adhesion


@dataclass
class WorkOfAdhesion:
    """W_adh = (E_film + E_substrate − E_interface) / (n_interfaces · A), J/m² per interface.

    ``kind`` 'ideal': film and substrate cut rigidly from the relaxed interface;
    'relaxed': each part relaxed alone (W_relaxed ≤ W_ideal).
    """

    kind: str
    w_adh_J_per_m2: float
    w_adh_eV_per_A2: float
    n_interfaces: int
    area_A2: float
    interface_energy_eV: float
    film_energy_eV: float
    substrate_energy_eV: float
    labels: dict[str, str]
    converged: bool
    calculator: dict[str, Any]


def work_of_adhesion(
    interface,
    film,
    substrate,
    n_interfaces: int = 1,
    kind: str = "ideal",
    allow_unconverged: bool = False,
) -> WorkOfAdhesion:
    """Work of adhesion per interface (J/m²) from three energy records.

    W_adh = (E_film + E_substrate − E_interface) / (n_interfaces · A): ``n_interfaces`` = 1
    for a slab model (the free surfaces are the same in the parts and the whole and cancel),
    2 for a periodic model (the parts expose two surfaces each). The three cells must have
    the same in-plane area and the parts' atoms must add up to the interface's.
    """
    if n_interfaces not in (1, 2):
        raise UserInputError(f"n_interfaces={n_interfaces}; accepted: 1 (slab) or 2 (periodic)")
    if kind not in ("ideal", "relaxed"):
        raise UserInputError(f"kind={kind!r}; accepted: 'ideal', 'relaxed'")
    records = [interface, film, substrate]
    converged = check_records(records, allow_unconverged)
    area = _check_same_area(records)
    parts: dict[str, int] = {}
    for r in (film, substrate):
        for el, n in r.counts.items():
            parts[el] = parts.get(el, 0) + int(n)
    if parts != {el: int(n) for el, n in interface.counts.items()}:
        raise UserInputError(
            f"film + substrate ({_formula(parts)}) do not add up to the interface "
            f"({_formula(interface.counts)}): compositions do not match")
    w = (film.energy_eV + substrate.energy_eV - interface.energy_eV) / (n_interfaces * area)
    return WorkOfAdhesion(
        kind=kind, w_adh_J_per_m2=w * EV_PER_A2_TO_J_PER_M2, w_adh_eV_per_A2=w,
        n_interfaces=n_interfaces, area_A2=area, interface_energy_eV=interface.energy_eV,
        film_energy_eV=film.energy_eV, substrate_energy_eV=substrate.energy_eV,
        labels={"interface": interface.label, "film": film.label, "substrate": substrate.label},
        converged=converged, calculator=interface.calculator,
    )


# ---------------------------------------------------------- interface formation energy


@dataclass
class InterfaceEnergy:
    """γ_int = γ_film + γ_substrate − W_adh (J/m²), from the parts of one interface cell.

    γ_film and γ_substrate are the surface energies of the two parts as cut from the
    interface cell (two faces each, against unstrained bulk), so the elastic energy of the
    strained film is part of γ_int. Off-stoichiometric parts make γ_int depend on μ
    (:meth:`gamma_int_at`).
    """

    gamma_int_J_per_m2: float
    gamma_film_J_per_m2: float
    gamma_substrate_J_per_m2: float
    w_adh_J_per_m2: float
    kind: str
    mu_eV: dict[str, float]
    mu_limit: str
    converged: bool
    parts: dict[str, SurfaceEnergy] = field(repr=False, default_factory=dict)

    def gamma_int_at(self, mu_eV: Mapping[str, float]) -> float:
        """γ_int (J/m²) at other chemical potentials."""
        return (self.parts["film"].gamma_at(mu_eV) + self.parts["substrate"].gamma_at(mu_eV)
                - self.w_adh_J_per_m2)


def interface_energy(w_adh: WorkOfAdhesion, gamma_film: SurfaceEnergy,
                     gamma_substrate: SurfaceEnergy) -> InterfaceEnergy:
    """Interface formation energy γ_int = γ_film + γ_substrate − W_adh (J/m²).

    The two γ must be those of the film and substrate parts of the same cell as ``w_adh``
    (two faces each, the same relaxation ``kind``): then γ_int equals
    (E_interface − Σ_i N_i μ_i)/A − γ_film − γ_substrate for a slab model and
    (E_interface − Σ_i N_i μ_i)/(2A) for a periodic one.
    """
    for g in (gamma_film, gamma_substrate):
        if abs(g.area_A2 - w_adh.area_A2) > AREA_RTOL * w_adh.area_A2:
            raise UserInputError(f"surface energy {g.label!r} is for area {g.area_A2:.3f} Å², "
                                 f"the interface for {w_adh.area_A2:.3f} Å²: not the same cell")
        if g.n_surfaces != 2:
            raise UserInputError(f"surface energy {g.label!r} counts {g.n_surfaces} face(s); "
                                 f"the cleaved parts expose two")
    mu = {**gamma_film.mu_eV, **gamma_substrate.mu_eV}
    for el in set(gamma_film.mu_eV) & set(gamma_substrate.mu_eV):
        if abs(gamma_film.mu_eV[el] - gamma_substrate.mu_eV[el]) > 1e-9:
            raise UserInputError(f"film and substrate use different μ_{el}: "
                                 f"{gamma_film.mu_eV[el]} vs {gamma_substrate.mu_eV[el]} eV")
    return InterfaceEnergy(
        gamma_int_J_per_m2=gamma_film.gamma_J_per_m2 + gamma_substrate.gamma_J_per_m2
        - w_adh.w_adh_J_per_m2,
        gamma_film_J_per_m2=gamma_film.gamma_J_per_m2,
        gamma_substrate_J_per_m2=gamma_substrate.gamma_J_per_m2,
        w_adh_J_per_m2=w_adh.w_adh_J_per_m2, kind=w_adh.kind, mu_eV=mu,
        mu_limit=gamma_film.mu_limit or gamma_substrate.mu_limit,
        converged=w_adh.converged and gamma_film.converged and gamma_substrate.converged,
        parts={"film": gamma_film, "substrate": gamma_substrate},
    )


@dataclass
class FilmStrain:
    """The elastic energy the lattice match puts into the film, and γ_int without it.

    Δe = E(film crystal at the interface's in-plane lattice, its normal relaxed)/atom −
    E(relaxed film crystal)/atom (eV/atom, ≥ 0 at a minimum of the unstrained crystal). γ of
    the film as cut is taken against the unstrained crystal over the part's two faces, so
    γ_int = γ_film + γ_coating − W_adh holds ``in_gamma_int_J_per_m2`` = N_film Δe / (2A)
    of it (N_film: atoms of the film part, A: the interface area; the film's whole elastic
    energy N_film Δe / A grows with its thickness, a property of the model, not of the
    contact); ``gamma_int_corrected_J_per_m2`` = γ_int − that: the interface energy against
    the strained crystal, what InterOptimus reports as its strain correction."""

    strain_energy_meV_per_atom: float
    strained_energy_per_atom_eV: float
    bulk_energy_per_atom_eV: float
    film_atoms: int
    area_A2: float
    in_gamma_int_J_per_m2: float
    gamma_int_corrected_J_per_m2: float | None
    converged: bool
    calculator: dict[str, Any]


def film_strain(strained, bulk, film, gamma_int: InterfaceEnergy | None,
                area_A2: float, allow_unconverged: bool = False) -> FilmStrain:
    """:class:`FilmStrain` from the energy records of the strained film crystal, the relaxed
    film crystal and the film part (its atom count), the interface's γ_int (None: not
    computed) and area ``area_A2`` (Å²); one calculator, converged (unless allowed)."""
    ok = check_records([strained, bulk, film], allow_unconverged)
    de = strained.energy_eV / strained.natoms - bulk.energy_eV / bulk.natoms
    part = film.natoms * de / (2 * area_A2) * EV_PER_A2_TO_J_PER_M2
    corrected = None if gamma_int is None else gamma_int.gamma_int_J_per_m2 - part
    return FilmStrain(
        strain_energy_meV_per_atom=1000 * de,
        strained_energy_per_atom_eV=strained.energy_eV / strained.natoms,
        bulk_energy_per_atom_eV=bulk.energy_eV / bulk.natoms, film_atoms=film.natoms,
        area_A2=area_A2, in_gamma_int_J_per_m2=part, gamma_int_corrected_J_per_m2=corrected,
        converged=ok and (gamma_int is None or gamma_int.converged),
        calculator=strained.calculator)
