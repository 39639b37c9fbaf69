"""The McLean (Langmuir) segregation isotherm: the fraction of surface (or interface) sites a
solute covers in equilibrium with its bulk fraction.

    θ / (1 − θ) = x / (1 − x) · exp(−ΔE_seg / k_B T)

``ΔE_seg`` (eV) = E(solute at the surface site) − E(solute in the bulk site), the package's
segregation energy (:mod:`interfacemodel.analysis.segregation`): negative = the solute prefers
the surface, which it then covers beyond its bulk fraction; positive = it stays inside. ``x``
is the bulk solute fraction per site (at. fraction, 0 < x < 1), ``T`` in K; θ is the fraction
of the surface layer's sites holding the solute. One site kind, no solute–solute interaction
(the Langmuir assumption): the isotherm saturates at θ = 1.
"""

from __future__ import annotations

import numpy as np
from ase.units import kB

from ..errors import UserInputError


def mclean_coverage(segregation_energy_eV, bulk_fraction, T_K):
    """Equilibrium surface coverage θ (fraction of surface sites, 0..1) of a solute with
    segregation energy ``segregation_energy_eV`` (eV; < 0 segregates) at bulk fraction
    ``bulk_fraction`` (0 < x < 1) and temperature ``T_K`` (K > 0). Arguments broadcast as
    numpy arrays; a float for scalar input."""
    de = np.asarray(segregation_energy_eV, dtype=float)
    x = np.asarray(bulk_fraction, dtype=float)
    t = np.asarray(T_K, dtype=float)
    if not np.all(np.isfinite(de)):
        raise UserInputError(f"segregation_energy_eV={segregation_energy_eV!r} must be finite "
                             f"(eV)")
    if np.any(~(x > 0) | ~(x < 1)):
        raise UserInputError(f"bulk_fraction={bulk_fraction!r} must lie in (0, 1) "
                             f"(atomic fraction, e.g. 0.001 for 0.1 at.%)")
    if np.any(~(t > 0)):
        raise UserInputError(f"T_K={T_K!r} must be > 0 K")
    # θ = 1 / (1 + exp(ΔE/kT − ln(x/(1−x)))), written with logaddexp so that neither a
    # strongly segregating nor a strongly repelled solute overflows
    z = de / (kB * t) - (np.log(x) - np.log1p(-x))
    theta = np.exp(-np.logaddexp(0.0, z))
    return float(theta) if theta.ndim == 0 else theta


def bulk_fraction_for_coverage(segregation_energy_eV, coverage, T_K):
    """The bulk fraction x at which the surface coverage is ``coverage`` (0 < θ < 1): the
    inverse of :func:`mclean_coverage`."""
    de = np.asarray(segregation_energy_eV, dtype=float)
    theta = np.asarray(coverage, dtype=float)
    t = np.asarray(T_K, dtype=float)
    if np.any(~(theta > 0) | ~(theta < 1)):
        raise UserInputError(f"coverage={coverage!r} must lie in (0, 1)")
    if np.any(~(t > 0)):
        raise UserInputError(f"T_K={T_K!r} must be > 0 K")
    z = -de / (kB * t) - (np.log(theta) - np.log1p(-theta))
    x = np.exp(-np.logaddexp(0.0, z))
    return float(x) if x.ndim == 0 else x
