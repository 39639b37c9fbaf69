"""The solubility pipeline, declared once: a metal M dissolved in the relaxed Li crystal, its
dilute heat of solution and its solution energy against the Li–M phase in equilibrium with Li
(:func:`interfacemodel.analysis.solubility.dilute_solubility`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jobflow import Job

from ..analysis.interface_energetics import EnergeticsSettings
from ..analysis.solubility import SolubilityResult, alloy_phase_set, dilute_solubility
from .context import finish, say, step_calculator, workdir
from .energetics import DEFAULT_CALCULATOR, BulkProduct, bulk_job
from .identity import PipelineMaker, step_job


def solubility_step(solute: str, host: BulkProduct, calculator: str, supercell: int,
                    fmax: float) -> SolubilityResult:
    """ΔH_sol, ΔE_sol (eV per solute atom) and x_sol(T) of ``solute`` in ``host``."""
    result = dilute_solubility(host.atoms, solute, step_calculator(calculator),
                               supercell=supercell, fmax=fmax, workdir=workdir(),
                               progress=say)
    finish("solubility", solute, result, calculator)
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

    def jobs(self, solute: str, host: str = "Li") -> list[Job]:
        alloy_phase_set(solute, host)  # an unknown solute fails here, before any job runs
        bulk = bulk_job(host, self.calculator, self.bulk_fmax)
        job = step_job(solubility_step, f"solubility:{solute}", self.calculator,
                       solute=solute, host=bulk.output, supercell=self.supercell,
                       fmax=self.fmax)
        return [bulk, job]
