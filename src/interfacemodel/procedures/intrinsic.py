"""The charge-neutral intrinsic disorder of an ionic host, computed: the Schottky or Frenkel pair cell of the relaxed crystal relaxed with a calculator, and its pair energy (:class:`~interfacemodel.analysis.intrinsic.IntrinsicDisorder`)."""

from __future__ import annotations

from ase import Atoms

from ..analysis.intrinsic import IntrinsicDisorder, pair_kind_for
from ..errors import UserInputError
from ..models.intrinsic import DefectPairCell, intrinsic_pair
from ..run.relax import relax, single_point


def intrinsic_disorder(host: Atoms, calc, kind: str | None = None, species: str = "Li",
                       supercell=2, fmax: float = 0.05, steps: int = 300,
                       name: str | None = None) -> IntrinsicDisorder:
    """Relax the pair cell of ``host`` (positions, the cell of the relaxed ``host`` kept) and
    return its pair energy against the perfect supercell's single point. ``kind``: 'schottky'
    or 'frenkel' (None: :func:`pair_kind_for`)."""
    kind = kind or pair_kind_for(host, species)
    if kind is None:
        raise UserInputError(f"{host.get_chemical_formula()}: no intrinsic pair for {species} "
                             f"(an AB or A2B ionic crystal is needed)")
    cell: DefectPairCell = intrinsic_pair(host, kind, supercell, species)
    perfect = single_point(cell.perfect, calc, f"{kind}:perfect")
    relaxed, rec = relax(cell.defective, calc, fmax=fmax, steps=steps, label=f"{kind}:pair")
    notes = [] if rec.converged else [f"pair cell not relaxed to {fmax} eV/Å in {steps} steps"]
    return IntrinsicDisorder(
        host=name or host.get_chemical_formula(mode="reduce"), kind=kind, species=species,
        partner=cell.partner, pair_energy_eV=cell.pair_energy(rec.energy_eV, perfect.energy_eV),
        separation_A=cell.separation_A, natoms_perfect=len(cell.perfect),
        interstitial_sites_per_cation=cell.interstitial_sites_per_cation,
        converged=bool(rec.converged), calculator=rec.calculator, defective=relaxed,
        perfect=cell.perfect, notes=notes, formula_units=cell.formula_units,
        energies={"pair": rec, "pair-perfect": perfect})
