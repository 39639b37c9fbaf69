"""Cell geometry the DFT backends share: whether a cell is a slab model (a vacuum gap along
z), how wide that gap is, its k-point grid and whether it gets a dipole correction. Lengths
in Å."""

from __future__ import annotations

import numpy as np
from ase.calculators.calculator import kptdensity2monkhorstpack

#: vacuum along z (Å) from which a cell is a slab model (1 k-point along z, and a surface
#: dipole correction where the backend's option is ``auto``)
SLAB_VACUUM_A = 5.0


def vacuum_along_z(atoms) -> float:
    """The largest empty gap (Å) between the a-b planes of the atoms, periodic images
    included."""
    frac = np.sort(atoms.get_scaled_positions(wrap=True)[:, 2])
    gaps = np.diff(np.concatenate([frac, frac[:1] + 1.0]))
    if not len(frac):
        return 0.0
    cell = atoms.cell.array
    height = abs(np.linalg.det(cell)) / np.linalg.norm(np.cross(cell[0], cell[1]))
    return float(gaps.max() * height)  # across the a-b planes, also for a tilted c


def is_slab_model(atoms) -> bool:
    """At least :data:`SLAB_VACUUM_A` of vacuum along z."""
    return vacuum_along_z(atoms) >= SLAB_VACUUM_A


def kpoint_grid(atoms, density: float) -> tuple[int, int, int]:
    """Grid at ``density`` k-points per Å⁻¹ of reciprocal length (ASE's
    ``kptdensity2monkhorstpack``, odd), 1 along z of a slab model."""
    grid = [int(k) for k in kptdensity2monkhorstpack(atoms, density, even=False)]
    if is_slab_model(atoms):
        grid[2] = 1
    return (grid[0], grid[1], grid[2])


def uses_dipole_correction(atoms, setting: str) -> bool:
    """A backend's ``dipole_correction`` option: ``auto`` (a slab model), ``on`` or ``off``."""
    return is_slab_model(atoms) if setting == "auto" else setting == "on"
