"""Phonons with phonopy (finite displacements), and the Vineyard attempt frequency of a hop.

Frequencies in THz (phonopy's unit); imaginary modes are returned as negative numbers.

NEB images are not perfect stationary points (a band converged to fmax 0.03 eV/Å leaves
forces of that size): one-sided displacements of 0.01 Å turn such a residual force into a
force-constant error of ~3 eV/Å², i.e. spurious modes of ~10 THz for Li. Γ modes of NEB
cells are therefore taken from central (±) differences, which cancel the residual force.

For cells too large to displace every atom, :func:`local_modes` builds the partial Hessian of
the hopping atom and its neighbours (ASE ``Vibrations`` with ``indices``, central
differences): the rest of the crystal is held at its positions (no translational zero modes).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..calculators import calculator_provenance
from ..errors import UserInputError
from .optimizers import count_calculations

THZ_TO_HZ = 1.0e12


def _phonopy(atoms, supercell, symmetry: bool):
    from phonopy import Phonopy
    from phonopy.structure.atoms import PhonopyAtoms

    unit = PhonopyAtoms(symbols=atoms.get_chemical_symbols(), cell=atoms.cell.array,
                        scaled_positions=atoms.get_scaled_positions())
    # the given cell is the primitive cell: q-points refer to its reciprocal lattice
    return Phonopy(unit, supercell_matrix=np.diag(supercell), primitive_matrix=np.eye(3),
                   is_symmetry=symmetry, log_level=0)


def _frequencies(ph, q) -> np.ndarray:
    ph.run_qpoints([np.asarray(q, dtype=float)])
    return np.asarray(ph.qpoints.frequencies[0])


def force_constants(atoms, calc, supercell=(1, 1, 1), displacement_A: float = 0.01,
                    symmetry: bool = True, plusminus: bool | str = "auto"):
    """A phonopy object with force constants of ``atoms`` (its cell repeated ``supercell``)
    from finite displacements of ``displacement_A`` evaluated with ``calc``; also returns the
    number of force calls. ``plusminus``: phonopy's ``is_plusminus`` (True: central
    differences, needed where the structure carries residual forces)."""
    if not displacement_A > 0:
        raise UserInputError(f"displacement_A={displacement_A} must be > 0 (Å)")
    supercell = tuple(int(n) for n in supercell)
    if len(supercell) != 3 or min(supercell) < 1:
        raise UserInputError(f"supercell={supercell} must be three positive integers")
    from ase import Atoms

    ph = _phonopy(atoms, supercell, symmetry)
    ph.generate_displacements(distance=displacement_A, is_plusminus=plusminus)
    forces = []
    with count_calculations(calc) as counter:
        for cell in ph.supercells_with_displacements:
            displaced = Atoms(cell.symbols, cell=cell.cell, scaled_positions=cell.scaled_positions,
                              pbc=atoms.pbc)
            displaced.calc = calc
            forces.append(displaced.get_forces().copy())
    ph.forces = np.array(forces)
    ph.produce_force_constants()
    return ph, counter.calls


def phonon_frequencies_THz(atoms, calc, qpoints, supercell=(3, 3, 3),
                           displacement_A: float = 0.01) -> np.ndarray:
    """Phonon frequencies (THz, imaginary as negative) at fractional ``qpoints`` of the
    reciprocal cell of ``atoms``, which phonopy takes as the primitive cell (give the
    primitive cell for band-structure points; rows: q-points, columns: bands)."""
    ph, _ = force_constants(atoms, calc, supercell, displacement_A)
    return np.array([_frequencies(ph, q) for q in qpoints])


@dataclass
class VibrationalModes:
    """Γ-point modes of one cell (THz, imaginary as negative), the translations removed;
    or the modes of a partial Hessian (``displaced_atoms`` lists its atoms, none removed)."""

    frequencies_THz: list[float]
    n_imaginary: int
    translations_removed: int
    force_calls: int
    calculator: dict[str, Any]
    wall_time_s: float
    displaced_atoms: list[int] | None = None  # None: every atom (full cell, phonopy)


IMAGINARY_TOL_THZ = 0.05  # below this |ν| a mode is numerically zero, not imaginary


def gamma_modes(atoms, calc, displacement_A: float = 0.01) -> VibrationalModes:
    """All Γ-point modes of ``atoms`` as its own unit cell (phonopy, no symmetry: NEB images
    have little), constraints ignored: every atom is displaced, by ± ``displacement_A``
    (central differences). The three uniform translations (|ν| ≈ 0 in a bulk cell and in a
    slab alike) are removed."""
    start = time.perf_counter()
    free = atoms.copy()
    free.set_constraint()
    ph, calls = force_constants(free, calc, (1, 1, 1), displacement_A, symmetry=False,
                                plusminus=True)
    freqs = np.sort(_frequencies(ph, np.zeros(3)))
    keep = np.ones(len(freqs), bool)
    keep[np.argsort(np.abs(freqs))[:3]] = False
    freqs, removed = freqs[keep], 3
    n_imag = int(np.sum(freqs < -IMAGINARY_TOL_THZ))
    return VibrationalModes([float(f) for f in freqs], n_imag, removed, calls,
                            calculator_provenance(calc), time.perf_counter() - start)


def neighbourhood(atoms, center: int, cutoff_A: float = 3.5) -> list[int]:
    """``center`` and every atom within ``cutoff_A`` of it (minimum image), sorted."""
    from ase.neighborlist import neighbor_list

    if not cutoff_A > 0:
        raise UserInputError(f"cutoff_A={cutoff_A} must be > 0 (Å)")
    i, j = neighbor_list("ij", atoms, cutoff_A)
    return sorted({int(center), *(int(k) for k in j[i == center])})


def local_modes(atoms, calc, indices, displacement_A: float = 0.01) -> VibrationalModes:
    """Modes of the partial Hessian of the atoms ``indices`` (all others held), from ASE's
    ``Vibrations`` with central differences of ``displacement_A``; THz, imaginary negative."""
    import tempfile

    from ase import units
    from ase.vibrations import Vibrations

    if not displacement_A > 0:
        raise UserInputError(f"displacement_A={displacement_A} must be > 0 (Å)")
    indices = sorted(int(k) for k in indices)
    if not indices or min(indices) < 0 or max(indices) >= len(atoms):
        raise UserInputError(f"indices {indices} must be atoms of the {len(atoms)}-atom cell")
    start = time.perf_counter()
    work = atoms.copy()
    work.set_constraint()
    work.calc = calc
    with tempfile.TemporaryDirectory(prefix="im-vib-") as tmp, count_calculations(calc) as counter:
        vib = Vibrations(work, indices=indices, delta=displacement_A, nfree=2,
                         name=f"{tmp}/vib")
        vib.run()
        energies = vib.get_energies()  # eV, complex for imaginary modes
    # ħω (eV) -> ν (THz); imaginary modes as negative frequencies
    to_thz = 1.0 / (units._hplanck / units._e) / THZ_TO_HZ
    freqs = np.sort(np.where(np.abs(energies.imag) > np.abs(energies.real),
                             -np.abs(energies.imag), energies.real) * to_thz)
    n_imag = int(np.sum(freqs < -IMAGINARY_TOL_THZ))
    return VibrationalModes([float(f) for f in freqs], n_imag, 0, counter.calls,
                            calculator_provenance(calc), time.perf_counter() - start, indices)


#: cells up to this many atoms get the full-cell (phonopy) Γ modes in the Vineyard prefactor;
#: larger ones the partial Hessian of the hopping atom and its neighbours. In a 53-atom bcc Li
#: vacancy cell (SevenNet) the full-cell ratio came out at 6e9 Hz, set by small stiffenings of
#: the many soft collective modes between minimum and saddle, where the local ratio gives
#: ~1e12 Hz: the local picture is the robust one for soft crystals.
FULL_CELL_MAX_ATOMS = 24


@dataclass
class AttemptFrequency:
    """Vineyard prefactor ν* = Π ν_i(minimum) / Π' ν_i(saddle) (Hz), the saddle's one
    imaginary mode left out of its product."""

    nu_Hz: float
    minimum_modes: VibrationalModes
    saddle_modes: VibrationalModes
    saddle_has_one_imaginary_mode: bool
    notes: list[str] = field(default_factory=list)
    method: str = "full cell, Γ modes (phonopy, central differences)"


def vineyard_prefactor(minimum, saddle, calc, displacement_A: float = 0.01,
                       indices=None) -> AttemptFrequency:
    """ν* from the modes of the minimum and the saddle cells (same atoms, same order).

    ``indices`` None: the Γ modes of the whole cell (phonopy); else the partial Hessian of
    those atoms (the hopping atom and its neighbours, :func:`neighbourhood`) in both cells.
    A saddle without exactly one imaginary mode is reported (``notes``) and ν* is still
    formed from the real modes; a minimum with an imaginary mode is refused.
    """
    if len(minimum) != len(saddle):
        raise UserInputError("minimum and saddle must hold the same atoms")
    if indices is None:
        m = gamma_modes(minimum, calc, displacement_A)
        s = gamma_modes(saddle, calc, displacement_A)
        method = "full cell, Γ modes (phonopy, central differences)"
    else:
        m = local_modes(minimum, calc, indices, displacement_A)
        s = local_modes(saddle, calc, indices, displacement_A)
        method = (f"partial Hessian of {len(m.displaced_atoms)} atoms: the hopping atom and "
                  f"its neighbours (ASE Vibrations, central differences)")
    if m.n_imaginary:
        worst = min(m.frequencies_THz)
        raise UserInputError(f"the minimum has {m.n_imaginary} imaginary mode(s), down to "
                             f"{worst:.2f} THz: it is not a minimum of this calculator (relax "
                             f"it further or displace it along that mode)")
    notes = []
    one = s.n_imaginary == 1
    if not one:
        notes.append(f"saddle has {s.n_imaginary} imaginary modes (expected 1): the band's "
                     f"highest image is not a first-order saddle")
    real_min = np.array(m.frequencies_THz)
    real_saddle = np.array([f for f in s.frequencies_THz if f > IMAGINARY_TOL_THZ])
    # Π over 3N modes / Π over 3N−1: ratio of products, taken as a sum of logarithms
    log_nu = np.sum(np.log(real_min)) - np.sum(np.log(real_saddle))
    nu = float(np.exp(log_nu)) * THZ_TO_HZ
    if len(real_min) != len(real_saddle) + 1:
        notes.append(f"mode counts {len(real_min)} (minimum) and {len(real_saddle)} (saddle, "
                     f"real) do not differ by one: ν* is not a Vineyard ratio")
    return AttemptFrequency(nu, m, s, one, notes, method)
