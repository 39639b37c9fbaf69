"""Bulk properties of a catalogue crystal with one calculator: relaxation (cell and positions) and the equation of state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..analysis.bulk import BulkResult, lattice_parameters
from ..calculators import calculator_provenance, check_elements, get_calculator
from ..run.bulk import fit_eos, relax_bulk
from ..structures import load_bulk, phase_info


def bulk_properties(
    phase: str,
    calc: str | Any = "sevennet",
    fmax: float = 0.01,
    steps: int = 300,
    optimizer: str = "BFGS",
    eos: bool = True,
    eos_relax_ions: bool | None = None,
    log: Callable[[str], None] | None = None,
) -> BulkResult:
    """Relax catalogue ``phase`` (cell + positions, symmetry kept), fit its EOS and compare
    the lattice parameters with the catalogue's reference values.

    ``calc`` is a calculator spec string or an ASE calculator from ``get_calculator``.
    ``eos_relax_ions`` defaults to True for phases with free Wyckoff coordinates (MgF2,
    LLZO) and False otherwise, where the clamped-ion EOS is already exact.
    """
    info = phase_info(phase)
    atoms = load_bulk(info.name, as_atoms=True)
    if isinstance(calc, str):
        calc = get_calculator(calc, atoms=atoms)
    else:
        spec = getattr(calc, "interfacemodel_spec", None)
        if spec is not None:
            check_elements(spec, atoms.get_chemical_symbols())
    say = log or (lambda msg: None)
    say(f"relaxing {info.name} ({len(atoms)} atoms) with {calculator_provenance(calc)['label']}")
    relaxed, relax = relax_bulk(atoms, calc, fmax=fmax, steps=steps, optimizer=optimizer)
    eos_record = None
    if eos:
        if eos_relax_ions is None:
            eos_relax_ions = _has_free_coordinates(relaxed)
        say(f"EOS of {info.name} ({'relaxed' if eos_relax_ions else 'clamped'} ions)")
        eos_record = fit_eos(relaxed, calc, relax_ions=eos_relax_ions, fmax=fmax)
    lattice = lattice_parameters(relaxed)
    ref = info.reference_lattice_A
    return BulkResult(
        phase=info.name,
        formula=info.formula,
        natoms=len(relaxed),
        calculator=calculator_provenance(calc),
        lattice_A={k: float(lattice[k]) for k in ref},
        reference_lattice_A=dict(ref),
        lattice_error_percent={k: float(100 * (lattice[k] - v) / v) for k, v in ref.items()},
        reference_kind=info.reference_kind,
        reference_source=info.source,
        energy_per_atom_eV=relax.energy_per_atom_eV,
        volume_per_atom_A3=float(relaxed.get_volume() / len(relaxed)),
        B_GPa=None if eos_record is None else eos_record.B_GPa,
        converged=relax.converged,
        relax=relax,
        eos=eos_record,
    )


def _has_free_coordinates(atoms, symprec: float = 1e-3) -> bool:
    """True if some atom sits on a Wyckoff position with a free parameter.

    A random displacement is symmetrised by ASE's ``FixSymmetry``; whatever survives, after
    removing a rigid translation, is motion along free Wyckoff coordinates.
    """
    from ase.constraints import FixSymmetry

    work = atoms.copy()
    constraint = FixSymmetry(work, symprec=symprec)
    rng = np.random.default_rng(0)
    new = work.positions + 0.01 * rng.standard_normal(work.positions.shape)
    constraint.adjust_positions(work, new)
    disp = new - work.positions
    disp -= disp.mean(axis=0)
    return bool(np.abs(disp).max() > 1e-6)
