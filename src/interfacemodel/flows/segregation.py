"""The segregation pipeline, declared once: a solute in the film of a named system, to the
free film surface and to the interface, built from the relaxed crystals of the bulk steps
(:func:`interfacemodel.procedures.segregation.segregation_cells`), then the segregation
energies from their energies (:func:`interfacemodel.analysis.segregation.\
evaluate_segregation`, the evaluation any other calculator re-evaluates)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jobflow import Job

from ..analysis.interface_energetics import EnergeticsSettings
from ..analysis.segregation import SegregationCells, SegregationResult, evaluate_segregation
from ..models.systems import system_recipe
from ..procedures.segregation import segregation_cells
from .context import finish, say, step_calculator, workdir
from .energetics import DEFAULT_CALCULATOR, BulkProduct, bulk_job
from .identity import PipelineMaker, step_job
from .reevaluation import join_of, main_record


def segregation_cells_step(system: str, solute: str, fmax: float, film: BulkProduct,
                           substrate: BulkProduct, calculator: str,
                           film_layers: int | None = None) -> SegregationCells:
    """The relaxed cells of ``solute`` at the free film surface and at the interface."""
    recipe = system_recipe(system)
    cells = segregation_cells(recipe.name, step_calculator(calculator), solute=solute,
                              film_layers=film_layers, fmax=fmax, workdir=workdir(),
                              progress=say, film_bulk=film.atoms, substrate_bulk=substrate.atoms)
    finish("segregation-cells", recipe.name, cells, calculator,
           {key.replace(":", "_"): atoms for key, atoms in cells.structures.items()})
    return cells


@join_of(evaluate_segregation)
def segregation_step(cells: SegregationCells, calculator: str) -> SegregationResult:
    """Join: segregation energies (eV, negative: the solute prefers the site) from the
    campaign calculator's energies of the relaxed cells
    (:func:`~interfacemodel.analysis.segregation.evaluate_segregation`)."""
    result = main_record(evaluate_segregation, calculator, cells=cells)
    finish("segregation", cells.system, result, calculator)
    return result


@dataclass
class SegregationMaker(PipelineMaker):
    """``SegregationMaker(calculator="sevennet").make("li-mg", solute="Mg")``; forces eV/Å,
    ``bulk_fmax`` of the bulk steps it starts from (those of the system's energetics, when
    equal: the same jobs)."""

    name: str = "segregation"
    calculator: Any = DEFAULT_CALCULATOR  # a spec, or an object for run_flow in this process
    fmax: float = 0.05
    film_layers: int | None = None
    bulk_fmax: float = EnergeticsSettings.bulk_fmax

    def jobs(self, system: str, solute: str = "Mg") -> list[Job]:
        recipe = system_recipe(system)
        bulk = {phase: bulk_job(phase, self.calculator, self.bulk_fmax)
                for phase in (recipe.film, recipe.substrate)}
        cells = step_job(segregation_cells_step, f"segregation-cells:{recipe.name}",
                         self.calculator, system=recipe.name, solute=solute, fmax=self.fmax,
                         film_layers=self.film_layers, film=bulk[recipe.film].output,
                         substrate=bulk[recipe.substrate].output)
        job = step_job(segregation_step, f"segregation:{recipe.name}", self.calculator,
                       cells=cells.output)
        return [bulk[recipe.film], bulk[recipe.substrate], cells, job]
