"""Tracer diffusivity from molecular dynamics: mean-squared displacement and its fit error.

Works on any list of unwrapped positions (ASE MD does not wrap atoms back into the cell, so
``atoms.positions`` along a trajectory are continuous), including pure-Li cells without the
framework ions that pymatgen-analysis-diffusion's ``DiffusionAnalyzer`` needs to remove drift:
here the drift is the mean displacement of all atoms, subtracted at every frame.
D = slope / (2 d) of MSD(τ) (all time origins) over the fitted window (d = 3 dimensions);
its error is the spread of the slopes of independent time blocks (standard error of the mean).
Units: Å, fs in; D in cm²/s out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import UserInputError

A2_PER_FS_TO_CM2_PER_S = 1e-16 / 1e-15  # Å²/fs -> cm²/s


@dataclass
class MSDResult:
    species: str
    n_atoms: int
    times_fs: list[float]
    msd_A2: list[float]
    D_cm2_per_s: float
    D_error_cm2_per_s: float  # standard error over time blocks
    fit_start_fs: float
    n_blocks: int
    drift_removed: bool


def _windowed_msd(positions: np.ndarray) -> np.ndarray:
    """MSD(τ) averaged over every time origin, per atom (frames × atoms), by the FFT
    algorithm of Calandrini et al. (nMoldyn): MSD(m) = S1(m) − 2 S2(m) with S2 the
    position autocorrelation."""
    n = len(positions)
    sq = np.square(positions).sum(axis=2)  # frames × atoms
    sq = np.vstack([sq, np.zeros((1, sq.shape[1]))])
    f = np.fft.rfft(positions, n=2 * n, axis=0)
    s2 = np.fft.irfft(f * f.conj(), axis=0)[:n].sum(axis=2) / (n - np.arange(n))[:, None]
    s1 = np.empty((n, positions.shape[1]))
    q = 2 * sq[:n].sum(axis=0)
    for m in range(n):
        q = q - sq[m - 1] - sq[n - m]
        s1[m] = q / (n - m)
    return s1 - 2 * s2


def msd_diffusivity(positions, timestep_fs: float, mask=None, species: str = "",
                    fit_from: float = 0.2, n_blocks: int = 4,
                    remove_drift: bool = True, drift_mask=None) -> MSDResult:
    """Tracer D from unwrapped ``positions`` (frames × atoms × 3, Å) sampled every
    ``timestep_fs``. ``mask`` picks the diffusing atoms (default all); the drift is the mean
    displacement of the ``drift_mask`` atoms (default all: the centre of mass of a one-element
    cell; give the framework ions to match pymatgen's DiffusionAnalyzer). MSD(τ) is averaged
    over all time origins for lags up to half the run; the first ``fit_from`` fraction of
    those lags is left out of the fit (ballistic regime).
    The error comes from ``n_blocks`` consecutive blocks of the run, each fitted alone."""
    pos = np.asarray(positions, dtype=float)
    if pos.ndim != 3 or pos.shape[2] != 3 or len(pos) < 8:
        raise UserInputError("positions must be frames x atoms x 3 with at least 8 frames")
    if not timestep_fs > 0 or not 0 <= fit_from < 0.9 or n_blocks < 2:
        raise UserInputError(f"timestep_fs={timestep_fs} > 0, 0 <= fit_from={fit_from} < 0.9 "
                             f"and n_blocks={n_blocks} >= 2 are required")
    sel = np.ones(pos.shape[1], bool) if mask is None else np.asarray(mask, bool)
    if not sel.any():
        raise UserInputError(f"no atoms of species {species!r} to follow")
    ref = np.ones(pos.shape[1], bool) if drift_mask is None else np.asarray(drift_mask, bool)
    if remove_drift and (ref.shape != sel.shape or not ref.any()):
        raise UserInputError("drift_mask must select at least one atom, one entry per atom")

    def fit(block: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        disp = block - block[0]
        if remove_drift:
            disp = disp - disp[:, ref].mean(axis=1, keepdims=True)
        lags = len(block) // 2  # longer lags have too few time origins
        msd = _windowed_msd(disp[:, sel])[:lags].mean(axis=1)
        t = np.arange(lags) * timestep_fs
        start = int(fit_from * lags)
        slope = np.polyfit(t[start:], msd[start:], 1)[0]
        return slope / 6.0 * A2_PER_FS_TO_CM2_PER_S, t, msd

    size = len(pos) // n_blocks
    if size < 16:
        raise UserInputError(f"{len(pos)} frames are too few for {n_blocks} blocks of >= 16")
    D, t, msd = fit(pos)
    blocks = [fit(pos[k * size:(k + 1) * size])[0] for k in range(n_blocks)]
    err = float(np.std(blocks, ddof=1) / np.sqrt(n_blocks))
    return MSDResult(species=species, n_atoms=int(sel.sum()), times_fs=t.tolist(),
                     msd_A2=msd.tolist(), D_cm2_per_s=float(D), D_error_cm2_per_s=err,
                     fit_start_fs=float(t[int(fit_from * len(t))]), n_blocks=n_blocks,
                     drift_removed=remove_drift)
