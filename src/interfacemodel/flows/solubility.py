"""The solubility pipeline, declared once: a metal M dissolved in the relaxed Li crystal, its
dilute heat of solution and its solution energy against the Li–M phase in equilibrium with Li
(:func:`interfacemodel.procedures.solubility.solubility_cells`, then the pure
:func:`interfacemodel.analysis.solubility.evaluate_solubility`, which any other calculator
re-evaluates at the same cells)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jobflow import Job

from ..analysis.interface_energetics import EnergeticsSettings
from ..analysis.solubility import (
    SolubilityCells,
    SolubilityResult,
    alloy_phase_set,
    evaluate_solubility,
)
from ..errors import UserInputError
from ..models.alloys import li_mg_alloy
from ..procedures.solubility import catalogue_structures, solubility_cells
from .context import finish, say, step_calculator, workdir
from .energetics import DEFAULT_CALCULATOR, BulkProduct, bulk_job
from .identity import PipelineMaker, step_job
from .reevaluation import join_of, main_record

#: the β Li–Mg cells of the hull: bcc 2 × 2 × 2 (16 sites), special-quasirandom-like, seed 0
SOLID_SOLUTION_SUPERCELL = (2, 2, 2)


def check_solid_solutions(solute: str, fractions) -> None:
    """Solid-solution cells are built for Mg in Li only (the β phase builder
    :func:`~interfacemodel.models.alloys.li_mg_alloy`): one line otherwise."""
    if fractions and solute != "Mg":
        raise UserInputError(f"solid_solutions are built for Mg in Li (the β phase), not "
                             f"{solute}")


def solid_solution_cells(solute: str, fractions) -> dict:
    """bcc Li–M solid-solution cells at the given solute fractions (M = Mg only, see
    :func:`check_solid_solutions`), named by composition."""
    check_solid_solutions(solute, fractions)
    cells = {}
    for x in fractions:
        atoms = li_mg_alloy(float(x), SOLID_SOLUTION_SUPERCELL, method="sqs", seed=0)
        cells[f"bcc Li-Mg x={atoms.info['x_mg']:.3f} (SQS-like, {len(atoms)} sites)"] = atoms
    return cells


def solubility_cells_step(solute: str, host: BulkProduct, calculator: str, supercell: int,
                          fmax: float, solid_solutions: list[float] | None = None
                          ) -> SolubilityCells:
    """The cells of ``solute`` in ``host``: the perfect and dilute cells and the hull
    crystals relaxed; with ``solid_solutions`` (Mg fractions) bcc Li–Mg cells join the hull
    (relaxed: cell and positions), so the phase at Li may be the β solid solution."""
    structures = {**catalogue_structures(solute),
                  **solid_solution_cells(solute, solid_solutions or [])}
    cells = solubility_cells(host.atoms, solute, step_calculator(calculator),
                             structures=structures, supercell=supercell, fmax=fmax,
                             workdir=workdir(), progress=say)
    finish("solubility-cells", solute, cells, calculator)
    return cells


@join_of(evaluate_solubility)
def solubility_step(cells: SolubilityCells, calculator: str) -> SolubilityResult:
    """Join: ΔH_sol, ΔE_sol (eV per solute atom) and x_sol(T) from the campaign
    calculator's energies of the cells (:func:`~interfacemodel.analysis.solubility.\
evaluate_solubility`)."""
    result = main_record(evaluate_solubility, calculator, cells=cells)
    finish("solubility", cells.solute, result, calculator)
    return result


@dataclass
class SolubilityMaker(PipelineMaker):
    """``SolubilityMaker(calculator="sevennet").make("Bi")``: Bi in bcc Li; forces eV/Å,
    ``supercell`` repeats of Li's 2-atom cell (3: 54 atoms), ``bulk_fmax`` of the Li bulk
    step it starts from (the energetics' Li step when equal: the same job)."""

    name: str = "solubility"
    calculator: Any = DEFAULT_CALCULATOR
    fmax: float = 0.02
    supercell: int = 3
    bulk_fmax: float = EnergeticsSettings.bulk_fmax

    def jobs(self, solute: str, host: str = "Li",
             solid_solutions: list[float] | None = None) -> list[Job]:
        alloy_phase_set(solute, host)  # an unknown solute fails here, before any job runs
        check_solid_solutions(solute, solid_solutions or [])  # and a solute without cells
        bulk = bulk_job(host, self.calculator, self.bulk_fmax)
        extra = {"solid_solutions": [float(x) for x in solid_solutions]} \
            if solid_solutions else {}
        cells = step_job(solubility_cells_step, f"solubility-cells:{solute}", self.calculator,
                         solute=solute, host=bulk.output, supercell=self.supercell,
                         fmax=self.fmax, **extra)
        job = step_job(solubility_step, f"solubility:{solute}", self.calculator,
                       cells=cells.output)
        return [bulk, cells, job]
