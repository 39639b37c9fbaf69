"""NVT molecular dynamics (ASE Langevin) for a tracer-diffusivity cross-check of NEB barriers.

Positions are sampled unwrapped (ASE does not wrap atoms during MD), so the mean-squared
displacement is taken directly (:func:`~interfacemodel.analysis.msd.msd_diffusivity`).
Units: K, fs, Å; D in cm²/s.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
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
    engine: str = "ase-langevin"  # or 'lammps-langevin' / 'lammps-nose-hoover' (run.lammps_md)
    E_pot_mean_eV: float | None = None  # mean potential energy of the cell, production part
    # unwrapped positions averaged over the last ~0.5 ps (vibrations averaged out): compared
    # with the lattice sites, they tell a crystal from a melted or transformed cell
    late_mean_positions_A: list | None = None
    # [[t_ps, off-lattice fraction], ...] against the starting positions (watch_lattice)
    lattice_history: list | None = None
    production_used_ps: float | None = None  # the crystal part the MSD was taken from
    notes: list[str] = field(default_factory=list)


def late_mean_positions(frames, sample_interval_fs: float, window_fs: float = 500.0) -> list:
    """Mean of the last ``window_fs`` of unwrapped ``frames`` (at most a quarter of them)."""
    n = max(1, min(len(frames) // 4, round(window_fs / sample_interval_fs)))
    return np.mean(np.asarray(frames[-n:]), axis=0).tolist()


def crystal_msd(frames, atoms, sample_interval_fs: float, mask, species: str, fit_from: float,
                n_blocks: int, watch_lattice: bool) -> tuple[MSDResult, dict[str, Any]]:
    """MSD of the part of the run that is still the starting crystal: with
    ``watch_lattice``, 20 checks of the 0.5-ps mean positions against the starting
    positions (:func:`~interfacemodel.analysis.msd.lattice_watch`); when the cell melts or
    transforms, only the frames before it enter the MSD (if >= 16 per block remain) and a
    note says so. Returns the MSD and the MDRecord fields it fills."""
    from ..analysis.msd import OFF_LATTICE_A, lattice_watch

    frames = np.asarray(frames)
    history, keep, notes = None, len(frames), []
    if watch_lattice:
        history, cut = lattice_watch(frames, atoms.positions, atoms.cell, sample_interval_fs)
        if cut is not None:
            t_off = history[-1][0]
            if cut >= 16 * n_blocks:
                keep = cut
                notes.append(f"left the starting lattice by {t_off:.1f} ps ({history[-1][1]:.0%}"
                             f" of the 0.5-ps mean positions > {OFF_LATTICE_A} Å from a site): "
                             f"MSD from the first {cut * sample_interval_fs / 1000:.1f} ps only")
            else:
                notes.append(f"left the starting lattice by {t_off:.1f} ps, too early to cut: "
                             f"this D is not diffusion in the starting crystal")
    msd = msd_diffusivity(frames[:keep], sample_interval_fs, mask=mask, species=species,
                          fit_from=fit_from, n_blocks=n_blocks)
    return msd, {"lattice_history": history, "notes": notes,
                 "production_used_ps": keep * sample_interval_fs / 1000.0,
                 "late_mean_positions_A": late_mean_positions(frames, sample_interval_fs)}


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
    fit_from: float = 0.2,
    n_blocks: int = 4,
    watch_lattice: bool = True,
) -> MDRecord:
    """Langevin NVT at ``T_K``: ``equilibration_steps`` discarded, then ``steps`` sampled every
    ``sample_every``; tracer D of ``species`` from the MSD with its block error
    (``fit_from``, ``n_blocks``: see :func:`~interfacemodel.analysis.msd.msd_diffusivity`;
    ``watch_lattice``: see :func:`crystal_msd`).
    For the LAMMPS potentials :func:`~interfacemodel.run.lammps_md.lammps_nvt_diffusivity`
    runs the same dynamics inside LAMMPS, about twice as fast."""
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
    frames, temps, epots = [], [], []
    for k in range(steps // sample_every):
        dyn.run(sample_every)
        frames.append(work.positions.copy())
        temps.append(work.get_temperature())
        epots.append(work.get_potential_energy())  # cached from the last force call
        if progress:
            progress(k + 1, steps // sample_every)
    msd, watched = crystal_msd(frames, atoms, timestep_fs * sample_every, mask, species,
                               fit_from, n_blocks, watch_lattice)
    return MDRecord(T_target_K=T_K, T_mean_K=float(np.mean(temps)),
                    steps_equilibration=equilibration_steps, steps_production=steps,
                    timestep_fs=timestep_fs, friction_per_fs=friction_per_fs, msd=msd,
                    wall_time_s=time.perf_counter() - start,
                    calculator=calculator_provenance(calc), seed=seed,
                    E_pot_mean_eV=float(np.mean(epots)), **watched)
