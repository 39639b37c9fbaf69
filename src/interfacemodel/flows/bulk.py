"""The bulk-properties pipeline: relax a catalogue crystal, fit its equation of state, set it
beside the catalogue's reference lattice (:func:`interfacemodel.procedures.bulk.bulk_properties`).

One job per crystal::

    BulkPropertiesMaker(calculator="cp2k").make("Li")     # a0, B from the EOS

runs in-process (:func:`~interfacemodel.flows.local.run_flow`) or as a Firework
(:func:`interfacemodel.workflows.constructors.flow_workflow`); the ``bulk`` command of the
CLI runs it for each phase.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jobflow import Job, Maker

from ..analysis.bulk import BulkResult
from ..calculators import check_elements
from ..procedures.bulk import bulk_properties
from ..structures import load_bulk, phase_info
from .context import finish, say, step_calculator
from .identity import step_job

DEFAULT_CALCULATOR = "sevennet"


def bulk_properties_step(phase: str, fmax: float, steps: int, optimizer: str, eos: bool,
                         calculator: str) -> BulkResult:
    """Relax ``phase`` (cell + positions, symmetry kept) and fit its EOS."""
    result = bulk_properties(phase, step_calculator(calculator), fmax=fmax, steps=steps,
                             optimizer=optimizer, eos=eos, log=say)
    finish("bulk_properties", phase, result, calculator)
    return result


@dataclass
class BulkPropertiesMaker(Maker):
    """Lattice parameters and bulk modulus of a catalogue crystal. ``fmax``: eV/Å;
    ``steps``: optimiser steps; ``eos``: fit E(V) for B (clamped ions where the crystal has no
    free Wyckoff coordinate)."""

    name: str = "bulk properties"
    calculator: Any = DEFAULT_CALCULATOR
    fmax: float = 0.01
    steps: int = 300
    optimizer: str = "BFGS"
    eos: bool = True

    def make(self, phase: str) -> Job:
        """An unknown phase or a calculator that lacks one of its elements: one line, here."""
        info = phase_info(phase)
        if isinstance(self.calculator, str):
            check_elements(self.calculator, load_bulk(info.name, as_atoms=True)
                           .get_chemical_symbols())
        return step_job(bulk_properties_step, f"bulk-properties:{info.name}", self.calculator,
                        phase=info.name, fmax=self.fmax, steps=self.steps,
                        optimizer=self.optimizer, eos=self.eos)
