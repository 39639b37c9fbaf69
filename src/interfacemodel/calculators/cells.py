"""Cell geometry the DFT backends share: whether a cell is a slab model (a vacuum gap along
z) and how wide that gap is. Lengths in Å."""

from __future__ import annotations

import numpy as np

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
