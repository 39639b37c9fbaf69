"""Diffusivities from molecular dynamics with a calculator (ASE or LAMMPS): NVT runs of a crystal with one vacancy, their mean-squared displacement and the Arrhenius fit (the analysis of the trajectories: :mod:`interfacemodel.analysis.md_diffusion`)."""

from __future__ import annotations

import time

import numpy as np

from ..analysis.diffusion import arrhenius_fit_errors
from ..analysis.md_diffusion import MDArrheniusRecord, MDPoint, MDRecord, _species_mask, md_record
from ..calculators import CalcSpec, calculator_provenance, get_calculator, parse_calc_spec
from ..errors import UserInputError
from ..models.point_defects import make_vacancy
from ..run.lammps_md import check_lammps_md_args, lammps_nvt_md
from ..run.lattice_watch import OFF_LATTICE_A, OFF_LATTICE_FLAG, off_lattice_fraction
from ..run.md import check_md_steps, nvt_md
from ..structures import load_bulk
from .interfaces import bulk_reference


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
    """Langevin NVT at ``T_K`` (:func:`~interfacemodel.run.md.nvt_md`): ``equilibration_steps``
    discarded, then ``steps`` sampled every ``sample_every``; tracer D of ``species`` from the
    MSD with its block error (:func:`md_record`).
    For the LAMMPS potentials :func:`lammps_nvt_diffusivity` runs the same dynamics inside
    LAMMPS, about twice as fast."""
    check_md_steps(T_K, timestep_fs, steps, sample_every)
    _species_mask(atoms.get_chemical_symbols(), species, atoms.get_chemical_formula())
    traj = nvt_md(atoms, calc, T_K, steps=steps, equilibration_steps=equilibration_steps,
                  timestep_fs=timestep_fs, friction_per_fs=friction_per_fs,
                  sample_every=sample_every, seed=seed, progress=progress)
    return md_record(traj, species=species, fit_from=fit_from, n_blocks=n_blocks,
                     watch_lattice=watch_lattice)


def lammps_nvt_diffusivity(
    atoms,
    potential="li-snap",
    T_K: float = 300.0,
    steps: int = 20000,
    equilibration_steps: int = 2000,
    timestep_fs: float = 2.0,
    friction_per_fs: float = 0.01,
    thermostat: str = "langevin",
    sample_every: int = 10,
    species: str = "Li",
    seed: int = 1,
    fit_from: float = 0.2,
    n_blocks: int = 4,
    watch_lattice: bool = True,
    progress=None,
) -> MDRecord:
    """NVT MD of ``atoms`` inside LAMMPS at ``T_K``
    (:func:`~interfacemodel.run.lammps_md.lammps_nvt_md`: ``potential``, ``thermostat``):
    ``equilibration_steps`` discarded, then ``steps`` sampled every ``sample_every``; tracer D
    of ``species`` from the MSD with its block error (``n_blocks``), the first ``fit_from`` of
    the lags left out of the fit; with ``watch_lattice`` only the part of the run still on the
    starting lattice (:func:`crystal_msd`). In a perfect crystal below melting nothing
    diffuses: put a vacancy in (see :func:`vacancy_md_arrhenius`).
    """
    check_lammps_md_args(float(T_K), float(timestep_fs), float(friction_per_fs), steps,
                         equilibration_steps, sample_every, thermostat)
    _species_mask(atoms.get_chemical_symbols(), species, atoms.get_chemical_formula())
    traj = lammps_nvt_md(atoms, potential, T_K=T_K, steps=steps,
                         equilibration_steps=equilibration_steps, timestep_fs=timestep_fs,
                         friction_per_fs=friction_per_fs, thermostat=thermostat,
                         sample_every=sample_every, seed=seed, progress=progress)
    return md_record(traj, species=species, fit_from=fit_from, n_blocks=n_blocks,
                     watch_lattice=watch_lattice)


def _is_lammps(calc) -> bool:
    if isinstance(calc, (str, CalcSpec)):
        return parse_calc_spec(calc).name == "lammps"
    spec = getattr(calc, "interfacemodel_spec", None)
    return spec is not None and spec.name == "lammps"


def vacancy_md_arrhenius(
    host="Li",
    calc="lammps:li-snap",
    temperatures_K=(300.0, 350.0, 400.0, 450.0),
    supercell=3,
    species: str = "Li",
    steps=20000,
    equilibration_steps: int = 2000,
    timestep_fs: float = 2.0,
    friction_per_fs: float = 0.01,
    sample_every: int = 10,
    thermostat: str = "langevin",
    native: bool = True,
    relax: bool = True,
    seed: int = 1,
    fit_from: float = 0.2,
    n_blocks: int = 8,
    progress=None,
) -> MDArrheniusRecord:
    """Tracer D(T) of ``species`` in ``host`` with one vacancy, and its Arrhenius fit.

    ``host``: catalogue name or conventional-cell ase.Atoms, relaxed with ``calc`` first
    (``relax``); ``supercell``: repeats (int or three ints). ``calc``: a spec string
    ('lammps:li-snap'), CalcSpec or calculator. LAMMPS potentials run natively in LAMMPS
    (``native``), anything else through ASE Langevin (``thermostat`` must be 'langevin').
    ``steps``: production steps, one number or one per temperature (give the low
    temperatures more: fewer hops). Seeds are ``seed + i`` for the i-th temperature.

    The vacancy fraction c_v = 1/n_sites is fixed, so the fitted E_a is the migration
    barrier E_m, to compare with the NEB barrier (not E_m + E_f; see the module docstring).
    """
    start = time.perf_counter()
    temps = [float(t) for t in temperatures_K]
    if not temps or min(temps) <= 0:
        raise UserInputError(f"temperatures {temps} must be positive (K)")
    step_list = [int(s) for s in (steps if np.ndim(steps) else [steps] * len(temps))]
    if len(step_list) != len(temps):
        raise UserInputError(f"{len(step_list)} step counts for {len(temps)} temperatures")
    use_lammps = native and _is_lammps(calc)
    if not use_lammps and thermostat != "langevin":
        raise UserInputError(f"thermostat {thermostat!r} needs native LAMMPS MD; the ASE path "
                             f"is Langevin")
    calc_obj = get_calculator(calc) if isinstance(calc, (str, CalcSpec)) else calc
    say = progress or (lambda msg: None)
    if relax:
        say("relax host")
        host_atoms, ref, _ = bulk_reference(host, calc_obj)
        host_name = ref.formula
    else:
        host_atoms = load_bulk(host, as_atoms=True) if isinstance(host, str) else host.copy()
        host_name = host_atoms.get_chemical_formula()
    host_atoms.calc = None
    host_atoms.set_constraint()
    rep = [int(supercell)] * 3 if np.ndim(supercell) == 0 else [int(r) for r in supercell]
    perfect = host_atoms.repeat(rep)
    is_species = np.asarray(perfect.get_chemical_symbols()) == species
    if not is_species.any():
        raise UserInputError(f"no {species} in {host_name}")
    n_sites = int(is_species.sum())
    cell = make_vacancy(perfect, int(np.flatnonzero(is_species)[0]))
    c_v = 1.0 / n_sites
    notes = [f"one {species} vacancy in {n_sites} {species} sites: c_v = {c_v:.5f}",
             "volume fixed at the 0 K lattice constant of the calculator (no thermal expansion)"
             if relax else "volume as given (not relaxed with the calculator)"]
    points, runs = [], []
    for i, (T, n_steps) in enumerate(zip(temps, step_list, strict=True)):
        say(f"MD {T:g} K: {n_steps} steps of {timestep_fs:g} fs, {len(cell)} atoms")
        if use_lammps:
            rec = lammps_nvt_diffusivity(
                cell, calc_obj, T_K=T, steps=n_steps, equilibration_steps=equilibration_steps,
                timestep_fs=timestep_fs, friction_per_fs=friction_per_fs,
                thermostat=thermostat, sample_every=sample_every, species=species,
                seed=seed + i, fit_from=fit_from, n_blocks=n_blocks)
        else:
            rec = nvt_diffusivity(
                cell, calc_obj, T_K=T, steps=n_steps, equilibration_steps=equilibration_steps,
                timestep_fs=timestep_fs, friction_per_fs=friction_per_fs,
                sample_every=sample_every, species=species, seed=seed + i,
                fit_from=fit_from, n_blocks=n_blocks)
        off = off_lattice_fraction(rec.late_mean_positions_A, perfect.positions, perfect.cell)
        production_ps = n_steps * timestep_fs / 1000.0
        history = rec.lattice_history or []
        left = history[-1][0] if history and history[-1][1] > OFF_LATTICE_FLAG else None
        cut = rec.production_used_ps is not None and rec.production_used_ps < production_ps
        notes += [f"{T:g} K: {n}" for n in rec.notes]
        if left is None and off > OFF_LATTICE_FLAG:
            notes.append(f"{T:g} K: {off:.0%} of the atoms are off the lattice at the end "
                         f"(0.5-ps mean positions > {OFF_LATTICE_A} Å from a site): the cell "
                         f"melted or transformed; this D is not vacancy diffusion in the crystal")
        crystal = (cut if left is not None else off <= OFF_LATTICE_FLAG)
        points.append(MDPoint(T_K=T, T_mean_K=rec.T_mean_K, D_cm2_per_s=rec.msd.D_cm2_per_s,
                              D_error_cm2_per_s=rec.msd.D_error_cm2_per_s,
                              E_pot_mean_eV=rec.E_pot_mean_eV, off_lattice_fraction=off,
                              production_ps=production_ps,
                              production_used_ps=rec.production_used_ps or production_ps,
                              left_lattice_ps=left,
                              in_fit=bool(crystal and rec.msd.D_cm2_per_s > 0
                                          and rec.msd.D_error_cm2_per_s > 0),
                              wall_time_s=rec.wall_time_s))
        runs.append(rec)
    usable = [p for p in points if p.in_fit]
    if len(usable) < len(points):
        notes.append("left out of the fit (not the crystal, or D or its error not > 0): "
                     + ", ".join(f"{p.T_K:g} K" for p in points if not p.in_fit))
    fit = None
    if len(usable) >= 2:
        fit = arrhenius_fit_errors([p.T_K for p in usable], [p.D_cm2_per_s for p in usable],
                                   [p.D_error_cm2_per_s for p in usable])
    else:
        notes.append("fewer than two usable temperatures: no Arrhenius fit")
    return MDArrheniusRecord(
        host=host_name, species=species, supercell=rep, n_sites=n_sites, n_atoms=len(cell),
        vacancy_fraction=c_v, lattice_constant_A=float(host_atoms.cell.cellpar()[0]),
        engine=runs[0].engine, timestep_fs=float(timestep_fs),
        friction_per_fs=float(friction_per_fs), sample_every=int(sample_every),
        points=points, fit=fit, runs=runs, calculator=calculator_provenance(calc_obj),
        wall_time_s=time.perf_counter() - start, notes=notes)
