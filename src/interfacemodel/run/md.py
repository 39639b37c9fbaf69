"""NVT molecular dynamics (ASE Langevin) for a tracer-diffusivity cross-check of NEB barriers.

Positions are sampled unwrapped (ASE does not wrap atoms during MD), so the mean-squared
displacement is taken directly (:func:`~interfacemodel.analysis.msd.msd_diffusivity`).
Units: K, fs, Å; D in cm²/s.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from ase import units

from ..analysis.msd import MSDResult, msd_diffusivity
from ..calculators import calculator_provenance
from ..errors import UserInputError


@dataclass
class MDRecord:
    T_target_K: float
    T_mean_K: float  # over the production part
    steps_equilibration: int
    steps_production: int
    timestep_fs: float
    friction_per_fs: float
    msd: MSDResult
    wall_time_s: float
    calculator: dict[str, Any]
    seed: int


def nvt_diffusivity(
    atoms,
    calc,
    T_K: float,
    steps: int = 20000,
    equilibration_steps: int = 2000,
    timestep_fs: float = 2.0,
    friction_per_fs: float = 0.01,
    sample_every: int = 10,
    species: str = "Li",
    seed: int = 1,
    progress=None,
) -> MDRecord:
    """Langevin NVT at ``T_K``: ``equilibration_steps`` discarded, then ``steps`` sampled every
    ``sample_every``; tracer D of ``species`` from the MSD with its block error."""
    from ase.md.langevin import Langevin
    from ase.md.velocitydistribution import Stationary, thermalize_momenta

    if not T_K > 0 or not timestep_fs > 0 or steps < 16 * sample_every or sample_every < 1:
        raise UserInputError(f"T_K={T_K} > 0, timestep_fs={timestep_fs} > 0 and steps={steps} "
                             f">= 16 x sample_every={sample_every} are required")
    mask = np.asarray(atoms.get_chemical_symbols()) == species
    if not mask.any():
        raise UserInputError(f"no {species} atoms to follow in {atoms.get_chemical_formula()}")
    from ase.constraints import FixCom

    work = atoms.copy()
    work.set_constraint([*work.constraints, FixCom()])  # ASE's advice over Langevin(fixcm=True)
    work.calc = calc
    rng = np.random.default_rng(seed)
    thermalize_momenta(work, temperature_K=T_K, rng=rng)
    Stationary(work)
    dyn = Langevin(work, timestep_fs * units.fs, temperature_K=T_K,
                   friction=friction_per_fs / units.fs, rng=rng, fixcm=False)
    start = time.perf_counter()
    dyn.run(equilibration_steps)
    frames, temps = [], []
    for k in range(steps // sample_every):
        dyn.run(sample_every)
        frames.append(work.positions.copy())
        temps.append(work.get_temperature())
        if progress:
            progress(k + 1, steps // sample_every)
    msd = msd_diffusivity(np.array(frames), timestep_fs * sample_every, mask=mask,
                          species=species)
    return MDRecord(T_target_K=T_K, T_mean_K=float(np.mean(temps)),
                    steps_equilibration=equilibration_steps, steps_production=steps,
                    timestep_fs=timestep_fs, friction_per_fs=friction_per_fs, msd=msd,
                    wall_time_s=time.perf_counter() - start,
                    calculator=calculator_provenance(calc), seed=seed)
