"""Is an MD cell still the crystal it started as? Time-averaged positions against lattice sites.

A run-layer watchdog over unwrapped MD positions (:mod:`~interfacemodel.run.md`,
:mod:`~interfacemodel.run.lammps_md`): averaged over ~0.5 ps the vibrations are gone, and an
average far from every site means the cell melted or transformed. The MSD analysis
(:func:`~interfacemodel.analysis.md_diffusion.crystal_msd`) keeps only the frames before that.
Units: Å, fs; times in the history in ps.
"""

from __future__ import annotations

import numpy as np
from ase.geometry import get_distances

#: a time-averaged position further than this from every lattice site is off-lattice (Å);
#: bcc Li with SNAP at 300-400 K: 90 % of the 0.5-ps averages lie within 0.3 Å of a site
OFF_LATTICE_A = 0.7
#: more than this fraction off-lattice: the cell melted or transformed
OFF_LATTICE_FLAG = 0.2


def off_lattice_fraction(positions, sites, cell) -> float:
    """Fraction of ``positions`` (time-averaged, so vibrations are out) further than
    :data:`OFF_LATTICE_A` (minimum image) from every one of ``sites``: ~0 for the crystal
    (an atom caught mid-hop, one next to a vacancy), large for a melted cell or another
    structure."""
    _, dist = get_distances(np.asarray(positions, float), np.asarray(sites, float),
                            cell=cell, pbc=True)
    return float(np.mean(dist.min(axis=1) > OFF_LATTICE_A))


def lattice_watch(frames, sites, cell, sample_interval_fs: float, n_checks: int = 20,
                  window_fs: float = 500.0) -> tuple[list[list[float]], int | None]:
    """Does an MD run stay on its crystal ``sites``? ``n_checks`` evenly spaced checks of
    :func:`off_lattice_fraction` on positions averaged over ``window_fs``. Returns the
    history ``[[t_ps, fraction], ...]`` and the number of frames before the last check that
    passed ahead of the first failed one (None when no check fails): the frames that are
    still the crystal."""
    frames = np.asarray(frames, float)
    n = len(frames)
    width = max(1, min(n // 4, round(window_fs / sample_interval_fs)))
    ends = sorted({int(round(e)) for e in np.linspace(width, n, max(1, n_checks))})
    history, last_ok = [], 0
    for end in ends:
        frac = off_lattice_fraction(frames[end - width:end].mean(axis=0), sites, cell)
        history.append([end * sample_interval_fs / 1000.0, frac])
        if frac > OFF_LATTICE_FLAG:
            return history, last_ok
        last_ok = end
    return history, None


def late_mean_positions(frames, sample_interval_fs: float, window_fs: float = 500.0) -> list:
    """Mean of the last ``window_fs`` of unwrapped ``frames`` (at most a quarter of them)."""
    n = max(1, min(len(frames) // 4, round(window_fs / sample_interval_fs)))
    return np.mean(np.asarray(frames[-n:]), axis=0).tolist()
