"""The dilute solubility of a metal in Li, computed: the perfect and dilute cells and the Li–M hull crystals relaxed with a calculator, the numbers made by :mod:`interfacemodel.analysis.solubility`."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.build import make_supercell

from ..analysis.points import energies_of, points_of
from ..analysis.reactivity import PhaseEnergy
from ..analysis.solubility import (
    SOLUBLE_FRACTION,
    Progress,
    SolubilityCells,
    SolubilityResult,
    _assemble,
    _check_common,
    alloy_phase_set,
    evaluate_solubility,
)
from ..calculators import calculator_provenance
from ..errors import UserInputError
from ..records import to_dict
from ..run.bulk import relax_bulk
from ..run.relax import EnergyRecord, point_record, relax, single_point
from ..structures import load_bulk


def _dilute_cell(host_bulk: Atoms, solute: str, supercell: int) -> tuple[Atoms, Atoms]:
    if not isinstance(supercell, (int, np.integer)) or isinstance(supercell, bool) \
            or supercell < 2:
        raise UserInputError(f"supercell={supercell!r}: give an integer ≥ 2 (repeats of the "
                             f"host's cell along each axis)")
    perfect = make_supercell(host_bulk, np.eye(3, dtype=int) * int(supercell))
    perfect.calc = None
    dilute = perfect.copy()
    dilute[0].symbol = solute
    return perfect, dilute


def _relax_structures(structures: Mapping[str, Atoms], calc, say: Progress,
                      fmax: float = 0.01) -> dict[str, tuple[Atoms, EnergyRecord, str]]:
    """Relax hull crystals (cell and positions, symmetry kept; forces below ``fmax`` eV/Å,
    stress below 0.01 GPa): name -> (relaxed crystal, energy record, reduced formula)."""
    from pymatgen.core import Composition  # pymatgen's formula rules, as the hull's

    out = {}
    for name, atoms in structures.items():
        say(f"relax hull phase {name} ({len(atoms)} atoms)")
        relaxed, rec = relax_bulk(atoms, calc, fmax=fmax, steps=300)
        relaxed.calc = None
        out[name] = (relaxed, point_record(relaxed, rec.calculator, f"phase:{name}",
                                           rec.energy_eV, rec.converged),
                     Composition(relaxed.get_chemical_formula()).reduced_formula)
    return out


def catalogue_structures(solute: str, host: str = "Li") -> dict[str, Atoms]:
    """The catalogue crystals of the host–solute hull (:func:`alloy_phase_set`), unrelaxed."""
    return {name: load_bulk(name, as_atoms=True) for name in alloy_phase_set(solute, host)}


def _dilute(host_bulk: Atoms, solute: str, calc, supercell: int, fmax: float, steps: int,
            temperatures_K, threshold: float, workdir, progress, allow_unconverged: bool):
    """The checked host, temperatures, the perfect supercell and its single point, the
    dilute cell relaxed and its record."""
    host_symbols = sorted(set(host_bulk.get_chemical_symbols()))
    if len(host_symbols) != 1:
        raise UserInputError(f"the host must be an element crystal, not "
                             f"{host_bulk.get_chemical_formula()}")
    host = host_symbols[0]
    temps = _check_common(solute, host, temperatures_K, threshold)
    perfect, dilute = _dilute_cell(host_bulk, solute, supercell)
    say = progress or (lambda _msg: None)
    say(f"{solute} in {host}: perfect cell ({len(perfect)} atoms), single point")
    rec_perfect = single_point(perfect, calc, label=f"{host}{len(perfect)}")
    if rec_perfect.energy_eV is None:
        raise UserInputError("the calculator returned no energy (an input-only calculator?)")
    say(f"{solute} in {host}: relax the dilute cell ({len(dilute)} atoms)")
    ckpt = None if workdir is None else Path(workdir) / f"dilute-{solute}"
    relaxed, rec = relax(dilute, calc, fmax=fmax, steps=steps, checkpoint=ckpt,
                         label=f"{host}{len(dilute) - 1}{solute}")
    if not rec.converged and not allow_unconverged:
        raise UserInputError(f"the dilute {solute}-in-{host} cell did not relax below "
                             f"{fmax} eV/Å in {steps} steps")
    relaxed.calc = None
    return host, temps, perfect, rec_perfect, relaxed, rec


def solubility_cells(host_bulk: Atoms, solute: str, calc, supercell: int = 3,
                     fmax: float = 0.02, steps: int = 300, temperatures_K=(300.0, 400.0),
                     threshold: float = SOLUBLE_FRACTION, workdir: str | Path | None = None,
                     progress: Progress | None = None, allow_unconverged: bool = False,
                     structures: Mapping[str, Atoms] | None = None) -> SolubilityCells:
    """The cells of a dilute solubility computed with ``calc``: the perfect host supercell
    (a single point), the dilute cell with one ``solute`` atom (positions relaxed) and the
    host–solute hull crystals (``structures``, default the catalogue's set, relaxed with
    their cells); the numbers from their energies are
    :func:`~interfacemodel.analysis.solubility.evaluate_solubility`'s. Arguments as
    :func:`dilute_solubility`."""
    start = time.perf_counter()
    host, temps, perfect, rec_perfect, relaxed, rec = _dilute(
        host_bulk, solute, calc, supercell, fmax, steps, temperatures_K, threshold, workdir,
        progress, allow_unconverged)
    relaxed.calc = None
    hull = _relax_structures(catalogue_structures(solute, host) if structures is None
                             else structures, calc, progress or (lambda _msg: None),
                             fmax=min(fmax, 0.01))
    return SolubilityCells(
        solute=solute, host=host, supercell=int(supercell), temperatures_K=temps,
        threshold=float(threshold),
        structures={"perfect": perfect, "dilute": relaxed,
                    **{f"phase:{n}": a for n, (a, _, _) in hull.items()}},
        records={"perfect": rec_perfect, "dilute": rec,
                 **{f"phase:{n}": r for n, (_, r, _) in hull.items()}},
        formulas={n: f for n, (_, _, f) in hull.items()},
        wall_time_s=time.perf_counter() - start)


def dilute_solubility(host_bulk: Atoms, solute: str, calc,
                      phases: Mapping[str, PhaseEnergy] | None = None, supercell: int = 3,
                      fmax: float = 0.02, steps: int = 300,
                      temperatures_K=(300.0, 400.0), threshold: float = SOLUBLE_FRACTION,
                      workdir: str | Path | None = None, progress: Progress | None = None,
                      allow_unconverged: bool = False,
                      structures: Mapping[str, Atoms] | None = None) -> SolubilityResult:
    """Dilute solution energies of one ``solute`` atom in the relaxed ``host_bulk`` crystal
    (bcc Li: its 2-atom conventional cell), and the solubility limit they give.

    The host–solute hull from the same calculator, one of: ``phases`` (name ->
    :class:`~interfacemodel.analysis.reactivity.PhaseEnergy`, energies already computed),
    ``structures`` (name -> ``ase.Atoms``: relaxed here, cell and positions, and their
    geometries kept in the record for another calculator's single points), or neither:
    the catalogue's set (:func:`catalogue_structures`) relaxed here. Both element crystals
    must be among them. The host's own entry is replaced by ``host_bulk``'s perfect
    supercell, so μ_Li is the one of the cell the solute sits in. ``supercell``: repeats of
    ``host_bulk`` along each axis (3: 54 atoms for bcc Li). Forces below ``fmax`` eV/Å;
    ``workdir``: the relaxation's checkpoint (a rerun resumes). Units and signs: module
    docstring.
    """
    if phases is not None and structures is not None:
        raise UserInputError("give the hull as phases (energies) or as structures, not both")
    if phases is None:
        cells = solubility_cells(host_bulk, solute, calc, supercell, fmax, steps,
                                 temperatures_K, threshold, workdir, progress,
                                 allow_unconverged, structures)
        return evaluate_solubility(energies_of(points_of({"cells": cells})),
                                   calculator_provenance(calc), cells=cells,
                                   allow_unconverged=allow_unconverged)
    start = time.perf_counter()
    host, temps, perfect, rec_perfect, _, rec = _dilute(
        host_bulk, solute, calc, supercell, fmax, steps, temperatures_K, threshold, workdir,
        progress, allow_unconverged)
    e_perfect = rec_perfect.energy_eV
    result = _assemble(solute, host, e_perfect, len(perfect), rec.energy_eV, dict(phases),
                       temps, threshold, rec.calculator, allow_unconverged)
    result.converged = bool(result.converged and rec.converged)
    result.supercell = int(supercell)
    result.calculator = calculator_provenance(calc)
    result.relax = to_dict(rec)
    result.wall_time_s = time.perf_counter() - start
    return result
