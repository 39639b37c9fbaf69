"""Figures of one hop: the NEB energy profile and the Arrhenius plot of D(T)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..analysis.diffusion import Diffusivity
from ..run.neb import NEBRecord
from .pictures import new_figure, save_png


def plot_energy_profile(neb: NEBRecord, path: str | Path, title: str = "") -> Path:
    """NEB energy profile (PNG): image energies against the reaction coordinate."""
    fig = new_figure(5, 3.5, dpi=120)
    ax = fig.subplots()
    ax.plot(neb.reaction_coordinate_A, neb.image_energies_eV, "o-", color="tab:blue")
    ax.axhline(0.0, color="0.7", lw=0.8)
    s = neb.reaction_coordinate_A[neb.saddle_index]
    ax.annotate(f"{neb.barrier_forward_eV:.3f} eV", (s, neb.barrier_forward_eV),
                textcoords="offset points", xytext=(0, 6), ha="center")
    ax.margins(y=0.15)  # room for the barrier label under the title
    ax.set_xlabel("reaction coordinate (Å)")
    ax.set_ylabel("E − E(initial) (eV)")
    ax.set_title(title or "NEB energy profile")
    fig.tight_layout()
    return save_png(fig, path)


def plot_arrhenius(diffs: list[Diffusivity], path: str | Path, title: str = "",
                   measured: tuple[float, float, str] | None = None) -> Path:
    """log10 D against 1000/T (PNG); ``measured`` = (T_K, D_cm2_per_s, label) adds a point."""
    fig = new_figure(5, 3.5, dpi=120)
    ax = fig.subplots()
    T = np.array([d.T_K for d in diffs])
    D = np.array([d.D_cm2_per_s for d in diffs])
    ax.semilogy(1000.0 / T, D, "o-", label="computed (harmonic TST)")
    if measured is not None:
        ax.semilogy([1000.0 / measured[0]], [measured[1]], "s", color="tab:red",
                    label=measured[2])
    ax.set_xlabel("1000 / T (1/K)")
    ax.set_ylabel("D (cm²/s)")
    ax.set_title(title or "Arrhenius plot")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save_png(fig, path)
