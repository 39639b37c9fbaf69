"""NVT molecular dynamics (ASE Langevin): the run, its sampled trajectory and provenance.

Positions are sampled unwrapped (ASE does not wrap atoms during MD), so the mean-squared
displacement can be taken directly from :attr:`MDTrajectory.frames`. The tracer diffusivity
of a run is analysis: :func:`~interfacemodel.procedures.md_diffusion.nvt_diffusivity` runs
:func:`nvt_md` and fits D (:mod:`~interfacemodel.analysis.msd`), with the lattice watch of
:mod:`~interfacemodel.run.lattice_watch`. Units: K, fs, Å, eV.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from ase import units

from ..calculators import calculator_provenance
from ..errors import UserInputError


@dataclass
class MDTrajectory:
    """An NVT run: ``steps_production`` steps sampled every ``sample_every`` after
    ``steps_equilibration`` discarded ones."""

    frames: np.ndarray  # samples x atoms x 3, unwrapped positions in the ASE frame (Å)
    temperatures_K: np.ndarray  # per sample
    potential_energies_eV: np.ndarray  # of the cell, per sample
    symbols: list[str]
    cell: np.ndarray  # 3 x 3 (Å), fixed (NVT)
    initial_positions: np.ndarray  # the positions the run started from (Å)
    T_target_K: float
    steps_equilibration: int
    steps_production: int
    timestep_fs: float
    friction_per_fs: float
    sample_every: int
    wall_time_s: float
    calculator: dict[str, Any]
    seed: int
    engine: str = "ase-langevin"  # or 'lammps-langevin' / 'lammps-nose-hoover' (run.lammps_md)

    @property
    def sample_interval_fs(self) -> float:
        return self.timestep_fs * self.sample_every


def check_md_steps(T_K, timestep_fs, steps, sample_every) -> None:
    """The run must be hot, move forward in time and give >= 16 samples (the MSD fit of
    :func:`~interfacemodel.analysis.msd.msd_diffusivity` needs them)."""
    if not T_K > 0 or not timestep_fs > 0 or steps < 16 * sample_every or sample_every < 1:
        raise UserInputError(f"T_K={T_K} > 0, timestep_fs={timestep_fs} > 0 and steps={steps} "
                             f">= 16 x sample_every={sample_every} are required")


def nvt_md(
    atoms,
    calc,
    T_K: float,
    steps: int = 20000,
    equilibration_steps: int = 2000,
    timestep_fs: float = 2.0,
    friction_per_fs: float = 0.01,
    sample_every: int = 10,
    seed: int = 1,
    progress=None,
) -> MDTrajectory:
    """Langevin NVT of ``atoms`` with ``calc`` at ``T_K``: ``equilibration_steps`` discarded,
    then ``steps`` sampled every ``sample_every`` (positions, temperature, potential energy).
    The centre of mass is held (FixCom). ``atoms`` is not changed.
    For the LAMMPS potentials :func:`~interfacemodel.run.lammps_md.lammps_nvt_md` runs the
    same dynamics inside LAMMPS, about twice as fast."""
    from ase.constraints import FixCom
    from ase.md.langevin import Langevin
    from ase.md.velocitydistribution import Stationary, thermalize_momenta

    check_md_steps(T_K, timestep_fs, steps, sample_every)
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
    frames, temps, epots = [], [], []
    for k in range(steps // sample_every):
        dyn.run(sample_every)
        frames.append(work.positions.copy())
        temps.append(work.get_temperature())
        epots.append(work.get_potential_energy())  # cached from the last force call
        if progress:
            progress(k + 1, steps // sample_every)
    return MDTrajectory(frames=np.asarray(frames), temperatures_K=np.asarray(temps),
                        potential_energies_eV=np.asarray(epots),
                        symbols=atoms.get_chemical_symbols(), cell=np.array(atoms.cell),
                        initial_positions=atoms.positions.copy(), T_target_K=T_K,
                        steps_equilibration=equilibration_steps, steps_production=steps,
                        timestep_fs=timestep_fs, friction_per_fs=friction_per_fs,
                        sample_every=sample_every, wall_time_s=time.perf_counter() - start,
                        calculator=calculator_provenance(calc), seed=seed)
