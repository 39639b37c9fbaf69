"""MD diffusivity at several temperatures and its Arrhenius energy: the cross-check of NEB.

:func:`vacancy_md_arrhenius` puts one vacancy into a supercell of a crystal (a perfect crystal
below melting shows no diffusion on MD time scales; bcc Li melts at 453.65 K), runs NVT MD at
each temperature (natively in LAMMPS for ``lammps:<potential>``, else ASE Langevin with the
calculator; one temperature: :func:`lammps_nvt_diffusivity`, :func:`nvt_diffusivity`), takes
the tracer D ± its block error from the MSD, and fits ln D against 1/T
weighted by those errors. A lattice watch (:func:`crystal_msd`) keeps a
run that melts or transforms (bcc Li with the SNAP potential at fixed volume does so at
375-400 K within tens of ps) to its crystal part, and a run it cannot cut out of the fit.

Physics: the vacancy fraction c_v = 1/(sites of the species) is fixed by the cell, so the
MD tracer diffusivity is D = f (1/6) z d² Γ c_v with Γ = ν* exp(−E_m/k_BT): its Arrhenius
energy is the *migration* barrier E_m of the NEB (``result.neb.barrier_forward_eV`` of
:func:`~interfacemodel.analysis.migration.vacancy_migration`), not the self-diffusion energy
E_m + E_f of a crystal in equilibrium (where c_v = exp(−E_f/k_BT)). The harmonic-TST D of
the NEB at the same c_v is :func:`~interfacemodel.analysis.diffusion.diffusivity` with
``defect_fraction=c_v``. The cell is held at the 0 K lattice constant of the calculator
(thermal expansion left out) and the vacancy interacts with its periodic images.

:func:`tracer_diffusivity` analyses a given trajectory: pymatgen-analysis-diffusion's
``DiffusionAnalyzer`` when framework ions exist; for a pure-Li cell (no framework ions) that
analyser takes the drift as the mean of an empty set (NaN) and then raises ValueError (zero-size
array, pymatgen-analysis-diffusion 2026.9.23), so the MSD path of
:mod:`~interfacemodel.analysis.msd` (drift = centre of mass) is used and the record says so.
Units: K, fs, Å, eV; D in cm²/s.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ase import Atoms

from ..errors import UserInputError
from ..records import package_versions
from ..run.lattice_watch import OFF_LATTICE_A, late_mean_positions, lattice_watch
from ..run.md import MDTrajectory
from .diffusion import ArrheniusFit
from .msd import MSDResult, msd_diffusivity

COMPARE_WITH = ("MD at a fixed vacancy fraction: E_a(MD) compares with the NEB migration "
                "barrier E_m, not E_m + E_f; D(MD) with f (1/6) z d² ν* exp(−E_m/kT) c_v")


@dataclass
class MDPoint:
    T_K: float  # thermostat target
    T_mean_K: float
    D_cm2_per_s: float
    D_error_cm2_per_s: float
    E_pot_mean_eV: float | None
    off_lattice_fraction: float  # of the 0.5-ps mean positions at the end (melting check)
    production_ps: float
    production_used_ps: float  # the part still on the bcc lattice (MSD taken from it)
    left_lattice_ps: float | None  # when the cell melted or transformed (None: never)
    in_fit: bool
    wall_time_s: float


@dataclass
class MDArrheniusRecord:
    host: str
    species: str
    supercell: list[int]
    n_sites: int  # sites of the species in the perfect supercell
    n_atoms: int  # atoms simulated (one vacancy)
    vacancy_fraction: float  # c_v = 1 / n_sites
    lattice_constant_A: float
    engine: str
    timestep_fs: float
    friction_per_fs: float
    sample_every: int
    points: list[MDPoint]
    fit: ArrheniusFit | None
    runs: list[Any]  # MDRecord per temperature (MSD curves, seeds, calculator)
    calculator: dict[str, Any]
    wall_time_s: float
    compare_with: str = COMPARE_WITH
    notes: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=package_versions)


# ---------------------------------------------------------------------------------------------
# one temperature: an NVT run (run.md / run.lammps_md) and the tracer D of its trajectory


@dataclass
class MDRecord:
    T_target_K: float
    T_mean_K: float  # over the production part
    steps_equilibration: int
    steps_production: int
    timestep_fs: float
    friction_per_fs: float
    msd: MSDResult
    wall_time_s: float  # the run and its analysis
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


def _species_mask(symbols, species: str, formula: str) -> np.ndarray:
    mask = np.asarray(symbols) == species
    if not mask.any():
        raise UserInputError(f"no {species} atoms to follow in {formula}")
    return mask


def crystal_msd(frames, sites, cell, sample_interval_fs: float, mask, species: str,
                fit_from: float, n_blocks: int,
                watch_lattice: bool) -> tuple[MSDResult, dict[str, Any]]:
    """MSD of the part of the run (unwrapped ``frames``) that is still the starting crystal
    (``sites`` in ``cell``): with ``watch_lattice``, 20 checks of the 0.5-ps mean positions
    against the starting positions (:func:`~interfacemodel.run.lattice_watch.lattice_watch`);
    when the cell melts or transforms, only the frames before it enter the MSD (if >= 16 per
    block remain) and a note says so. Returns the MSD and the MDRecord fields it fills."""
    frames = np.asarray(frames)
    history, keep, notes = None, len(frames), []
    if watch_lattice:
        history, cut = lattice_watch(frames, sites, cell, sample_interval_fs)
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


def md_record(traj: MDTrajectory, species: str = "Li", fit_from: float = 0.2,
              n_blocks: int = 4, watch_lattice: bool = True) -> MDRecord:
    """Tracer D of ``species`` in an NVT run (:func:`~interfacemodel.run.md.nvt_md`,
    :func:`~interfacemodel.run.lammps_md.lammps_nvt_md`) from the MSD with its block error
    (``fit_from``, ``n_blocks``: see :func:`~interfacemodel.analysis.msd.msd_diffusivity`;
    ``watch_lattice``: see :func:`crystal_msd`), with the run's averages and provenance."""
    start = time.perf_counter()
    formula = Atoms(traj.symbols).get_chemical_formula()
    mask = _species_mask(traj.symbols, species, formula)
    msd, watched = crystal_msd(traj.frames, traj.initial_positions, traj.cell,
                               traj.sample_interval_fs, mask, species, fit_from, n_blocks,
                               watch_lattice)
    return MDRecord(T_target_K=traj.T_target_K, T_mean_K=float(np.mean(traj.temperatures_K)),
                    steps_equilibration=traj.steps_equilibration,
                    steps_production=traj.steps_production, timestep_fs=traj.timestep_fs,
                    friction_per_fs=traj.friction_per_fs, msd=msd,
                    wall_time_s=traj.wall_time_s + time.perf_counter() - start,
                    calculator=traj.calculator, seed=traj.seed, engine=traj.engine,
                    E_pot_mean_eV=float(np.mean(traj.potential_energies_eV)), **watched)


# ---------------------------------------------------------------------------------------------
# a given trajectory: pymatgen-analysis-diffusion where it applies, our MSD where it does not


@dataclass
class TracerDiffusivity:
    species: str
    method: str  # 'pymatgen DiffusionAnalyzer' or 'interfacemodel msd_diffusivity'
    D_cm2_per_s: float
    D_error_cm2_per_s: float
    n_species: int
    n_framework: int
    D_msd_cm2_per_s: float  # our MSD path, always (drift from the framework if any)
    D_msd_error_cm2_per_s: float
    D_pymatgen_cm2_per_s: float | None = None
    D_pymatgen_std_cm2_per_s: float | None = None
    notes: list[str] = field(default_factory=list)


def _unwrap(frac: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Cartesian unwrapped positions from fractional ones, minimum image between frames
    (each atom must move less than half a cell per sample)."""
    step = np.diff(frac, axis=0)
    step -= np.round(step)
    f = np.concatenate([frac[:1], frac[:1] + np.cumsum(step, axis=0)])
    return np.einsum("fai,fij->faj", f, cells)


def tracer_diffusivity(trajectory, timestep_fs: float, species: str = "Li",
                       temperature_K: float = 300.0, use_pymatgen: bool = True,
                       smoothed="max", fit_from: float = 0.2,
                       n_blocks: int = 4) -> TracerDiffusivity:
    """Tracer D of ``species`` from ``trajectory`` (pymatgen Structures or ase.Atoms, frames
    ``timestep_fs`` apart; wrapped or not).

    With framework ions (atoms not of ``species``) and pymatgen-analysis-diffusion installed,
    D is ``DiffusionAnalyzer.from_structures(..., smoothed=smoothed)`` (drift from the
    framework) and its standard deviation. A pure-``species`` cell has no framework:
    DiffusionAnalyzer's drift is the mean of an empty set (NaN) and it raises, so D comes from
    :func:`~interfacemodel.analysis.msd.msd_diffusivity` with the centre of mass as the drift
    reference, and the record notes why. Our MSD value is always given beside it.
    """
    from pymatgen.core import Structure
    from pymatgen.io.ase import AseAtomsAdaptor

    frames = list(trajectory)
    if len(frames) < 8:
        raise UserInputError(f"{len(frames)} frames: at least 8 are needed")
    if not timestep_fs > 0:
        raise UserInputError(f"timestep_fs={timestep_fs} must be > 0")
    structures = [f if isinstance(f, Structure) else AseAtomsAdaptor.get_structure(f)
                  for f in frames]
    symbols = [site.specie.symbol for site in structures[0]]
    if any([s.specie.symbol for s in st] != symbols for st in structures):
        raise UserInputError("the frames do not hold the same atoms in the same order")
    is_species = np.asarray(symbols) == species
    if not is_species.any():
        raise UserInputError(f"no {species} atoms in {structures[0].composition.reduced_formula}")
    frac = np.array([s.frac_coords for s in structures])
    cells = np.array([s.lattice.matrix for s in structures])
    pos = _unwrap(frac, cells)
    framework = ~is_species
    ours = msd_diffusivity(pos, timestep_fs, mask=is_species, species=species,
                           fit_from=fit_from, n_blocks=n_blocks,
                           drift_mask=framework if framework.any() else None)
    rec = TracerDiffusivity(
        species=species, method="interfacemodel msd_diffusivity",
        D_cm2_per_s=ours.D_cm2_per_s, D_error_cm2_per_s=ours.D_error_cm2_per_s,
        n_species=int(is_species.sum()), n_framework=int(framework.sum()),
        D_msd_cm2_per_s=ours.D_cm2_per_s, D_msd_error_cm2_per_s=ours.D_error_cm2_per_s)
    if not framework.any():
        rec.notes.append(f"no framework ions (pure {species}): pymatgen's DiffusionAnalyzer "
                         f"removes drift with the mean framework displacement, an empty mean "
                         f"(NaN) here, and fails; D from msd_diffusivity with the centre of "
                         f"mass as the drift reference")
        return rec
    if not use_pymatgen:
        rec.notes.append("pymatgen DiffusionAnalyzer not asked for")
        return rec
    try:
        from pymatgen.analysis.diffusion.analyzer import DiffusionAnalyzer
    except ImportError:
        rec.notes.append("pymatgen-analysis-diffusion not installed: D from msd_diffusivity "
                         "(drift from the framework ions)")
        return rec
    da = DiffusionAnalyzer.from_structures(structures, species, temperature_K,
                                           time_step=timestep_fs, step_skip=1,
                                           smoothed=smoothed)
    rec.method = "pymatgen DiffusionAnalyzer"
    rec.D_cm2_per_s = rec.D_pymatgen_cm2_per_s = float(da.diffusivity)
    rec.D_error_cm2_per_s = rec.D_pymatgen_std_cm2_per_s = float(da.diffusivity_std_dev)
    rec.notes.append(f"DiffusionAnalyzer(smoothed={smoothed!r}); its error is the least-squares "
                     f"slope error, ours the spread of {n_blocks} time blocks")
    return rec
