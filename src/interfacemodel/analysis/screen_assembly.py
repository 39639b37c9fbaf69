"""The solute screen's numbers from its sites' energies: the McLean coverages and the
Langmuir–McLean surface-energy change of each solute and face (and interface), the
layer formers, assembled into the :class:`~interfacemodel.analysis.solute_screen.\
SoluteScreen` record (:func:`assemble_screen`), and the screen's one evaluation from any
calculator's energies at its cells (:func:`evaluate_screen`)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from ase.units import kB

from ..errors import UserInputError
from ..units import EV_PER_A2_TO_J_PER_M2
from .isotherm import bulk_fraction_for_coverage, mclean_coverage
from .solute_screen import (
    DEFAULT_BULK_FRACTIONS,
    DEFAULT_T_K,
    DEFINITIONS,
    LAYER_THRESHOLD,
    CleanSurface,
    InterfaceScreenEntry,
    InterfaceSegregation,
    ScreenEntry,
    SoluteScreen,
    SurfaceSegregation,
    _check_numbers,
)


def delta_gamma_J_per_m2(coverage, A_site_A2: float, T_K: float):
    """Δγ = (k_B T / A_site) ln(1 − θ) in J/m² (≤ 0; see the module docstring for the
    derivation). θ broadcasts; a float for scalar input."""
    theta = np.asarray(coverage, dtype=float)
    if np.any(~(theta >= 0) | ~(theta < 1)):
        raise UserInputError(f"coverage={coverage!r} must lie in [0, 1)")
    if not A_site_A2 > 0:
        raise UserInputError(f"A_site_A2={A_site_A2!r} must be > 0 (Å²)")
    if not T_K > 0:
        raise UserInputError(f"T_K={T_K!r} must be > 0 (K)")
    out = kB * T_K / A_site_A2 * np.log1p(-theta) * EV_PER_A2_TO_J_PER_M2
    return float(out) if out.ndim == 0 else out


def _delta_gamma_from_energy(e_seg, x, A_site, T_K) -> float:
    """Δγ from E_seg directly, exact where θ rounds to 1: ln(1 − θ) = −log(1 + K x/(1−x))."""
    z = e_seg / (kB * T_K) - (math.log(x) - math.log1p(-x))  # θ = 1/(1+e^z)
    log_one_minus_theta = -float(np.logaddexp(0.0, -z))
    return kB * T_K / A_site * log_one_minus_theta * EV_PER_A2_TO_J_PER_M2


def _entry(site: SurfaceSegregation, gamma0, xs, T_K) -> ScreenEntry:
    e = site.E_seg_eV
    if e is None:
        return ScreenEntry(site.solute, site.face, None, [None] * len(xs), [None] * len(xs),
                           None, site.A_site_A2, gamma0, site.converged)
    return ScreenEntry(
        solute=site.solute, face=site.face, E_seg_eV=e,
        coverage=[mclean_coverage(e, x, T_K) for x in xs],
        delta_gamma_J_per_m2=[_delta_gamma_from_energy(e, x, site.A_site_A2, T_K) for x in xs],
        x_half_coverage=bulk_fraction_for_coverage(e, 0.5, T_K),
        A_site_A2=site.A_site_A2, gamma0_J_per_m2=gamma0, converged=site.converged)


def _interface_entry(site: InterfaceSegregation, xs, T_K) -> InterfaceScreenEntry:
    e = site.E_seg_eV
    if e is None:
        return InterfaceScreenEntry(site.solute, site.system, site.coating, None,
                                    [None] * len(xs), [None] * len(xs), None, site.A_site_A2,
                                    site.converged)
    return InterfaceScreenEntry(
        solute=site.solute, system=site.system, coating=site.coating, E_seg_eV=e,
        coverage=[mclean_coverage(e, x, T_K) for x in xs],
        delta_gamma_int_J_per_m2=[_delta_gamma_from_energy(e, x, site.A_site_A2, T_K)
                                  for x in xs],
        x_half_coverage=bulk_fraction_for_coverage(e, 0.5, T_K), A_site_A2=site.A_site_A2,
        converged=site.converged)


def _criterion(threshold, x_range, T_K) -> tuple[float, float]:
    if not 0 < threshold < 1:
        raise UserInputError(f"threshold={threshold!r} must lie in (0, 1) (a coverage)")
    lo, hi = _check_numbers(T_K, x_range) if len(tuple(x_range)) == 2 else (None, None)
    if lo is None or not lo < hi:
        raise UserInputError(f"x_range={tuple(x_range)!r} must be two bulk fractions "
                             f"0 < x_min < x_max < 1")
    return lo, hi


def _former(e_seg, a_site, lo, hi, threshold, T_K) -> dict[str, Any] | None:
    """The criterion's numbers of one site (None: θ(x_max) < threshold)."""
    th_hi = mclean_coverage(e_seg, hi, T_K)
    if th_hi < threshold:
        return None
    th_lo = mclean_coverage(e_seg, lo, T_K)
    return {"E_seg_eV": e_seg,
            "x_threshold": bulk_fraction_for_coverage(e_seg, threshold, T_K),
            "theta_at_x_min": th_lo, "theta_at_x_max": th_hi,
            "already_at_x_min": th_lo >= threshold,
            "delta_gamma": _delta_gamma_from_energy(e_seg, hi, a_site, T_K)}


def interface_layer_formers(screen: SoluteScreen, threshold: float = LAYER_THRESHOLD,
                            x_range=(0.001, 0.01),
                            T_K: float = DEFAULT_T_K) -> list[dict[str, Any]]:
    """The (solute, system) pairs of ``screen.interfaces`` whose McLean coverage of the film
    plane touching the coating reaches ``threshold`` at a bulk fraction within ``x_range``
    at ``T_K`` (the criterion of :func:`layer_formers`). Each: solute, system, coating,
    E_seg_eV, x_threshold, theta_at_x_min, theta_at_x_max, already_at_x_min,
    delta_gamma_int_J_per_m2 at x_max, converged. Sorted by E_seg."""
    lo, hi = _criterion(threshold, x_range, T_K)
    out = []
    for e in screen.interfaces:
        d = None if e.E_seg_eV is None else _former(e.E_seg_eV, e.A_site_A2, lo, hi,
                                                     threshold, T_K)
        if d is None:
            continue
        dg = d.pop("delta_gamma")
        out.append({"solute": e.solute, "system": e.system, "coating": e.coating, **d,
                    "delta_gamma_int_J_per_m2": dg, "converged": e.converged})
    return sorted(out, key=lambda d: d["E_seg_eV"])


def layer_formers(screen: SoluteScreen, threshold: float = LAYER_THRESHOLD,
                  x_range=(0.001, 0.01), T_K: float = DEFAULT_T_K) -> list[dict[str, Any]]:
    """The (solute, face) pairs of ``screen`` whose McLean coverage reaches ``threshold``
    at a bulk fraction within ``x_range`` (atomic fractions) at ``T_K``: θ(x_max) ≥
    threshold (θ grows with x). Each: solute, face, E_seg_eV, x_threshold (the bulk
    fraction where θ = threshold), theta_at_x_min, theta_at_x_max, delta_gamma_J_per_m2 at
    x_max (and its fraction of γ0 where known), already_at_x_min. Sorted by E_seg."""
    lo, hi = _criterion(threshold, x_range, T_K)
    out = []
    for e in screen.entries:
        if e.E_seg_eV is None:
            continue
        th_hi = mclean_coverage(e.E_seg_eV, hi, T_K)
        if th_hi < threshold:
            continue
        th_lo = mclean_coverage(e.E_seg_eV, lo, T_K)
        dg = _delta_gamma_from_energy(e.E_seg_eV, hi, e.A_site_A2, T_K)
        out.append({
            "solute": e.solute, "face": e.face, "E_seg_eV": e.E_seg_eV,
            "x_threshold": bulk_fraction_for_coverage(e.E_seg_eV, threshold, T_K),
            "theta_at_x_min": th_lo, "theta_at_x_max": th_hi, "already_at_x_min":
            th_lo >= threshold, "delta_gamma_J_per_m2": dg,
            "delta_gamma_over_gamma0": (dg / e.gamma0_J_per_m2
                                        if e.gamma0_J_per_m2 else None),
            "converged": e.converged})
    return sorted(out, key=lambda d: d["E_seg_eV"])


def assemble_screen(sites: Sequence[SurfaceSegregation], clean: dict[str, CleanSurface] | None,
                    T_K: float = DEFAULT_T_K, bulk_fractions=DEFAULT_BULK_FRACTIONS,
                    threshold: float = LAYER_THRESHOLD, x_range=(0.001, 0.01),
                    calculator: dict | None = None, notes: Iterable[str] = (),
                    wall_time_s: float = 0.0,
                    interfaces: Sequence[InterfaceSegregation] = ()) -> SoluteScreen:
    """The :class:`SoluteScreen` record of computed ``sites`` (and clean faces, by face
    label; and ``interfaces``, the solutes at Li/coating interfaces): the isotherm numbers
    at ``T_K`` and each of ``bulk_fractions``, the layer formers (of faces and of
    interfaces) by (``threshold``, ``x_range``, ``T_K``)."""
    xs = _check_numbers(T_K, bulk_fractions)
    if not sites:
        raise UserInputError("no sites to assemble")
    clean = dict(clean or {})
    interfaces = list(interfaces or ())
    hosts = sorted({s.host for s in [*sites, *interfaces]})
    if len(hosts) != 1:
        raise UserInputError(f"sites of several hosts ({', '.join(hosts)}): one screen per host")
    solutes = list(dict.fromkeys(s.solute for s in sites))
    faces = list(dict.fromkeys(s.face for s in sites))
    entries = [_entry(s, clean[s.face].gamma0_J_per_m2 if s.face in clean else None, xs, T_K)
               for s in sites]
    all_notes = list(notes)
    for s in [*sites, *interfaces]:
        all_notes.extend(n for n in s.notes if n not in all_notes)
    all_notes.append("the isotherm assumes the solute is dissolved at x: a solute whose "
                     "solubility in the host is below x forms a second phase instead (not "
                     "checked here); one site kind per face, no solute-solute interaction")
    over = [f"{e.solute}({e.face}) {-d / e.gamma0_J_per_m2:.1f}×γ0 at x = {x:g}"
            for e in entries if e.gamma0_J_per_m2
            for x, d in zip(xs, e.delta_gamma_J_per_m2, strict=True)
            if d is not None and -d > e.gamma0_J_per_m2]
    if over:
        all_notes.append("|Δγ| exceeds the clean face's γ0 for " + ", ".join(over) + ": the "
                         "dilute Langmuir–McLean layer is outside its range there (a surface "
                         "energy cannot turn negative; the solute forms a surface phase or a "
                         "second phase instead): read it as 'γ drops to near zero'")
    converged = all(s.converged for s in [*sites, *interfaces]) and \
        all(c.converged for c in clean.values())
    screen = SoluteScreen(
        host=hosts[0], faces=faces, solutes=solutes, T_K=float(T_K), bulk_fractions=xs,
        entries=entries, layer_formers=[],
        criterion={"threshold": threshold, "x_range": [float(v) for v in x_range],
                   "T_K": float(T_K)},
        sites=list(sites), clean=clean, definitions=dict(DEFINITIONS), converged=converged,
        calculator=calculator or sites[0].calculator, notes=all_notes,
        wall_time_s=float(wall_time_s or sum(s.wall_time_s for s in [*sites, *interfaces])),
        interfaces=[_interface_entry(s, xs, T_K) for s in interfaces],
        interface_sites=interfaces)
    screen.layer_formers = layer_formers(screen, threshold, x_range, T_K)
    screen.interface_layer_formers = interface_layer_formers(screen, threshold, x_range, T_K)
    return screen


def _site_at(site, prefix: str, top: str, energies: Mapping[str, Any], calculator):
    """A site record at another calculator's energies of its two cells (``top``: the
    segregation layer's key, 'L0' or 'L-1')."""
    recs = {key: energies[f"{prefix}/{key}"] for key in (top, "middle")
            if f"{prefix}/{key}" in energies}
    e_top, e_mid = (getattr(recs.get(k), "energy_eV", None) for k in (top, "middle"))
    e_seg = None if e_top is None or e_mid is None else float(e_top - e_mid)
    return dataclasses.replace(site, E_seg_eV=e_seg, records=recs, calculator=calculator,
                               converged=all(r.converged for r in recs.values()))


def evaluate_screen(energies: Mapping[str, Any], calculator: dict[str, Any], *,
                    sites: Sequence[SurfaceSegregation], clean: dict[str, CleanSurface],
                    T_K: float, bulk_fractions, interfaces: Sequence[InterfaceSegregation] = (),
                    allow_unconverged: bool = False) -> SoluteScreen:
    """The :class:`SoluteScreen` from one calculator's ``energies`` at the screen's points
    (``sites[i]/L0``, ``sites[i]/middle``; ``clean[<face>]/slab`` and ``/bulk``;
    ``interfaces[i]/L-1``, ``interfaces[i]/middle``): each E_seg = E(top) − E(middle) of
    its cell, γ0 = (E_slab − N μ)/(2A) of each clean face, then the isotherm numbers and
    layer formers (:func:`assemble_screen`). The campaign's calculator calls it with the
    energies of its relaxations, another calculator with its single points there."""
    at_sites = [_site_at(s, f"sites[{i}]", "L0", energies, calculator)
                for i, s in enumerate(sites)]
    at_interfaces = [_site_at(s, f"interfaces[{i}]", "L-1", energies, calculator)
                     for i, s in enumerate(interfaces or ())]
    at_clean = {}
    for face, c in (clean or {}).items():
        slab, bulk = energies.get(f"clean[{face}]/slab"), energies.get(f"clean[{face}]/bulk")
        if c.slab is None or slab is None or bulk is None:
            at_clean[face] = c  # no points to evaluate: as computed
            continue
        mu = bulk.energy_eV / bulk.natoms
        gamma = None if slab.energy_eV is None else float(
            (slab.energy_eV - c.natoms * mu) / (2 * c.area_A2) * EV_PER_A2_TO_J_PER_M2)
        at_clean[face] = dataclasses.replace(c, gamma0_J_per_m2=gamma, mu_host_eV=mu,
                                             converged=bool(slab.converged), record=slab,
                                             bulk_record=bulk)
    return assemble_screen(at_sites, at_clean, T_K, bulk_fractions, calculator=calculator,
                           interfaces=at_interfaces)
