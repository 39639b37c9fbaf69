"""The solubility pipeline, declared once: a metal M dissolved in the relaxed Li crystal, its
dilute heat of solution and its solution energy against the Li–M phase in equilibrium with Li
(:func:`interfacemodel.procedures.solubility.dilute_solubility`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jobflow import Job

from ..analysis.interface_energetics import EnergeticsSettings
from ..analysis.solubility import SolubilityResult, alloy_phase_set
from ..errors import UserInputError
from ..models.alloys import li_mg_alloy
from ..procedures.solubility import catalogue_structures, dilute_solubility, member_solubility
from .context import finish, say, step_calculator, workdir
from .energetics import DEFAULT_CALCULATOR, BulkProduct, bulk_job
from .identity import PipelineMaker, step_job

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


def solubility_step(solute: str, host: BulkProduct, calculator: str, supercell: int,
                    fmax: float, solid_solutions: list[float] | None = None
                    ) -> SolubilityResult:
    """ΔH_sol, ΔE_sol (eV per solute atom) and x_sol(T) of ``solute`` in ``host``; with
    ``solid_solutions`` (Mg fractions) bcc Li–Mg cells join the hull (relaxed: cell and
    positions), so the phase at Li may be the β solid solution."""
    calc = step_calculator(calculator)
    structures = {**catalogue_structures(solute),
                  **solid_solution_cells(solute, solid_solutions or [])}
    result = dilute_solubility(host.atoms, solute, calc, structures=structures,
                               supercell=supercell, fmax=fmax, workdir=workdir(),
                               progress=say)
    finish("solubility", solute, result, calculator)
    return result


def committee_solubility_step(solute: str, result: SolubilityResult, calculator: str
                              ) -> SolubilityResult:
    """One committee member's solubility numbers at the main model's relaxed cells."""
    say(f"committee member {calculator}: single points of the {solute}-in-Li cells and the "
        f"hull crystals")
    member = member_solubility(step_calculator(calculator), result)
    finish("committee", f"solubility:{solute}:{calculator}", member, calculator)
    return member


def committee_solubility_job(solute: str, main: list[Job], member: str) -> Job:
    """The job of one committee ``member`` for the solubility of ``solute`` (``main``: the
    jobs of :class:`SolubilityMaker`)."""
    return step_job(committee_solubility_step, f"committee:solubility-{solute}:{member}",
                    member, solute=solute, result=main[-1].output)


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
        job = step_job(solubility_step, f"solubility:{solute}", self.calculator,
                       solute=solute, host=bulk.output, supercell=self.supercell,
                       fmax=self.fmax, **extra)
        return [bulk, job]
