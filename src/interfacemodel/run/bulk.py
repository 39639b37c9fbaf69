"""Bulk relaxation (cell + positions) and equation-of-state fits.

Units: energies eV, lengths Å, stresses and bulk moduli GPa in records.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ase import units

from ..calculators import calculator_provenance
from ..calculators.batch_choice import batch_evaluator
from ..calculators.evaluator import structure_list
from ..errors import UserInputError
from ..records import detach_calculator, structure_hash
from .lockstep import run_lockstep
from .optimizers import count_calculations, get_optimizer, optimizer_label, optimizer_options


@dataclass
class RelaxRecord:
    """Outcome of one relaxation. ``converged`` is False when ``steps_max`` ran out first."""

    energy_eV: float
    energy_per_atom_eV: float
    natoms: int
    fmax_target_eV_per_A: float
    stress_tol_GPa: float | None
    fmax_reached_eV_per_A: float  # largest atomic force at the end (cell DOF excluded)
    max_stress_GPa: float | None  # largest |stress component| at the end (cell relaxations)
    steps: int
    steps_max: int
    force_calls: int
    converged: bool
    wall_time_s: float
    optimizer: str
    relax_cell: bool
    keep_symmetry: bool
    calculator: dict[str, Any]
    structure_hash: str
    cell_A: list[list[float]] = field(default_factory=list)


def _attach(atoms, calc):
    atoms = atoms.copy()
    atoms.calc = calc
    return atoms


def relax_bulk(
    atoms,
    calc,
    fmax: float = 0.01,
    steps: int = 300,
    optimizer: str = "BFGS",
    relax_cell: bool = True,
    stress_tol_GPa: float = 0.01,
    keep_symmetry: bool = True,
    symprec: float = 1e-3,
    trajectory: str | Path | None = None,
    logfile: str | None = None,
):
    """Relax cell and positions of a bulk crystal; returns ``(relaxed_atoms, RelaxRecord)``.

    The cell is relaxed through ASE's ``FrechetCellFilter`` (zero external pressure). The
    relaxation stops when every atomic force is below ``fmax`` (eV/Å) *and* every stress
    component below ``stress_tol_GPa``. (ASE's own criterion on the filter's cell forces,
    virial per atom, lets a soft metal like Li stop 0.3 % away from its lattice constant.)
    ``keep_symmetry`` adds ``FixSymmetry`` so the space group found with
    ``symprec`` is kept: the relaxation cannot wander into a lower-symmetry minimum.
    The input ``atoms`` is not modified. A relaxation that runs out of ``steps`` is returned
    with ``converged=False`` — check it before using the numbers.
    """
    _check_bulk_args(fmax, steps, relax_cell, stress_tol_GPa)
    no_stress = getattr(calc, "im_no_stress", None)
    if relax_cell and no_stress:
        raise UserInputError(
            f"{no_stress} computes no stress (GPAW has it for plane waves only), so it cannot "
            f"relax a cell: relax bulk crystals with gpaw (mode=pw); lcao is for slabs and "
            f"interfaces at fixed cells")
    from ase.constraints import FixSymmetry
    from ase.filters import FrechetCellFilter

    opt_cls = get_optimizer(optimizer)
    work = _attach(atoms, calc)
    if keep_symmetry:
        work.set_constraint(FixSymmetry(work, symprec=symprec))
    target = FrechetCellFilter(work) if relax_cell else work

    def done() -> bool:
        if np.linalg.norm(work.get_forces(), axis=1).max() >= fmax:
            return False
        return not relax_cell or np.abs(work.get_stress()).max() < stress_tol_GPa * units.GPa

    start = time.perf_counter()
    with count_calculations(calc) as counter:
        opt = opt_cls(target, logfile=logfile, trajectory=str(trajectory) if trajectory else None,
                      **optimizer_options(optimizer))
        converged = False
        # our own stopping rule on atomic forces and stress; irun's fmax is never reached
        for _ in opt.irun(fmax=1e-12, steps=steps):
            if done():
                converged = True
                break
        energy = work.get_potential_energy()
        forces = work.get_forces()
        stress = work.get_stress() if relax_cell else None
    wall = time.perf_counter() - start
    work.set_constraint()  # drop FixSymmetry: the relaxed crystal is returned unconstrained
    detach_calculator(work, float(energy), forces, stress)
    n = len(work)
    record = RelaxRecord(
        energy_eV=float(energy),
        energy_per_atom_eV=float(energy) / n,
        natoms=n,
        fmax_target_eV_per_A=fmax,
        stress_tol_GPa=stress_tol_GPa if relax_cell else None,
        fmax_reached_eV_per_A=float(np.linalg.norm(forces, axis=1).max()),
        max_stress_GPa=None if stress is None else float(np.abs(stress).max() / units.GPa),
        steps=int(opt.nsteps),
        steps_max=steps,
        force_calls=counter.calls,
        converged=converged,
        wall_time_s=wall,
        optimizer=optimizer_label(optimizer),
        relax_cell=relax_cell,
        keep_symmetry=keep_symmetry,
        calculator=calculator_provenance(calc),
        structure_hash=structure_hash(work),
        cell_A=work.cell.array.tolist(),
    )
    return work, record


def relax_bulk_many(
    atoms_list,
    calc,
    fmax: float = 0.01,
    steps: int = 300,
    optimizer: str = "BFGS",
    relax_cell: bool = True,
    stress_tol_GPa: float = 0.01,
    keep_symmetry: bool = True,
    symprec: float = 1e-3,
    batch: Any = "auto",
    batch_max_edges: int | None = None,
) -> list[tuple[Any, RelaxRecord]]:
    """:func:`relax_bulk` for independent crystals (cell + positions, ``FrechetCellFilter``,
    ``FixSymmetry``), in lockstep: every optimiser step of all crystals still relaxing is one
    batched model call (stress included). Returns ``[(relaxed_atoms, RelaxRecord), ...]`` in
    input order, each what :func:`relax_bulk` returns for that crystal (same steps and force
    calls; energies to float precision); ``wall_time_s`` is that of the whole lockstep run.
    ``batch`` and ``batch_max_edges`` as in :func:`~interfacemodel.run.relax.relax_many`
    ('auto': batched for SevenNet/CHGNet, one crystal after the other otherwise).
    """
    items = structure_list(atoms_list, "relax_bulk_many")
    _check_bulk_args(fmax, steps, relax_cell, stress_tol_GPa)
    get_optimizer(optimizer)
    evaluator = batch_evaluator(calc, batch, batch_max_edges)

    def job(atoms):
        return lambda c: relax_bulk(atoms, c, fmax=fmax, steps=steps, optimizer=optimizer,
                                    relax_cell=relax_cell, stress_tol_GPa=stress_tol_GPa,
                                    keep_symmetry=keep_symmetry, symprec=symprec)

    jobs = [job(atoms) for atoms in items]
    if evaluator is None:
        return [j(calc) for j in jobs]
    return run_lockstep(jobs, evaluator, like=calc)


def _check_bulk_args(fmax, steps, relax_cell, stress_tol_GPa) -> None:
    if fmax <= 0:
        raise UserInputError(f"fmax={fmax} must be > 0 (eV/Å)")
    if relax_cell and stress_tol_GPa <= 0:
        raise UserInputError(f"stress_tol_GPa={stress_tol_GPa} must be > 0")
    if steps < 0:
        raise UserInputError(f"steps={steps} must be >= 0")


@dataclass
class EOSRecord:
    """Equation-of-state fit. Volumes and energies per atom; B in GPa."""

    eos: str
    v0_A3_per_atom: float
    e0_eV_per_atom: float
    B_GPa: float
    volume_scale_of_input: float  # V0 / V(input cell); lattice lengths scale by its cube root
    volumes_A3_per_atom: list[float]
    energies_eV_per_atom: list[float]
    relax_ions: bool
    calculator: dict[str, Any]


def fit_eos(
    atoms,
    calc,
    volume_range: float = 0.04,
    npoints: int = 5,
    eos: str = "birchmurnaghan",
    relax_ions: bool = False,
    fmax: float = 0.01,
    batch: Any = "auto",
):
    """Fit E(V) over isotropic scalings of ``atoms``' cell; returns an :class:`EOSRecord`.

    Volumes span ``V·(1 ± volume_range)`` in ``npoints`` steps, cell shape and fractional
    coordinates fixed. For crystals whose positions are fixed by symmetry (bcc, fcc, rocksalt,
    antifluorite) this is the exact EOS; with internal parameters (rutile MgF2, garnet LLZO)
    set ``relax_ions`` to relax positions at each volume (symmetry kept), otherwise B is the
    clamped-ion value and slightly too high. Uses ``ase.eos.EquationOfState``.
    ``batch`` ('auto', True, False): the strained cells evaluated (or, with ``relax_ions``,
    relaxed in lockstep) in batched model calls for SevenNet/CHGNet (see
    :func:`relax_bulk_many`); the same numbers to float precision.
    """
    if not 0 < volume_range < 0.5:
        raise UserInputError(f"volume_range={volume_range} must be in (0, 0.5)")
    if npoints < 5:
        raise UserInputError(f"npoints={npoints} too few for an EOS fit; use at least 5")
    from ase.eos import EquationOfState

    evaluator = batch_evaluator(calc, batch)
    n = len(atoms)
    cell0 = atoms.cell.array.copy()
    v_in = atoms.get_volume()
    cells = []
    for scale in np.linspace(1 - volume_range, 1 + volume_range, npoints):
        strained = atoms.copy()
        strained.set_cell(cell0 * scale ** (1 / 3), scale_atoms=True)
        cells.append(strained)
    if relax_ions:
        cells = [relaxed for relaxed, _ in relax_bulk_many(
            cells, calc, fmax=fmax, relax_cell=False, batch=evaluator or False)]
        totals = [strained.get_potential_energy() for strained in cells]
    elif evaluator is not None:
        totals = [res["energy_eV"] for res in evaluator.evaluate(cells)]
    else:
        totals = []
        for strained in cells:
            strained.calc = calc
            totals.append(strained.get_potential_energy())
    volumes = [strained.get_volume() / n for strained in cells]
    energies = [float(e) / n for e in totals]
    fit = EquationOfState(volumes, energies, eos=eos)
    try:
        v0, e0, b = fit.fit()
    except Exception as exc:  # ase raises bare errors when the data are not convex
        raise RuntimeError(f"EOS fit failed ({exc}); widen volume_range or relax first") from exc
    if not (min(volumes) <= v0 <= max(volumes)):
        raise RuntimeError(
            f"EOS minimum V0={v0:.3f} Å^3/atom lies outside the sampled volumes "
            f"[{min(volumes):.3f}, {max(volumes):.3f}]: relax the cell first or widen volume_range"
        )
    return EOSRecord(
        eos=eos,
        v0_A3_per_atom=float(v0),
        e0_eV_per_atom=float(e0),
        B_GPa=float(b / units.GPa),
        volume_scale_of_input=float(v0 * n / v_in),
        volumes_A3_per_atom=[float(v) for v in volumes],
        energies_eV_per_atom=[float(e) for e in energies],
        relax_ions=relax_ions,
        calculator=calculator_provenance(calc),
    )
