"""Wetting: Young–Dupré contact angle of liquid Li on a coating, and film wetting.

Young–Dupré: W_adh = γ_lv (1 + cos θ), so cos θ = W_adh/γ_lv − 1; θ < 90° wets. Liquid-Li
surface tension γ_lv(T) = 0.441 − 0.00015 (T − 453.65 K) J/m² (DESIGN.md §5; 453.65 K is the
melting point). W_adh ≥ 2 γ_lv means complete wetting (spreading, θ = 0); W_adh ≤ 0 means
no adhesion (θ = 180°).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import UserInputError

LI_MELTING_K = 453.65


def liquid_li_surface_tension(T_K: float = LI_MELTING_K) -> float:
    """γ_lv of liquid Li (J/m²) at ``T_K``; below the melting point the line is extrapolated."""
    if not T_K > 0:
        raise UserInputError(f"temperature {T_K} K must be > 0")
    return 0.441 - 0.00015 * (T_K - LI_MELTING_K)


@dataclass
class ContactAngle:
    theta_deg: float
    cos_theta: float  # W_adh/γ_lv − 1 before clipping to [−1, 1]
    w_adh_J_per_m2: float
    gamma_lv_J_per_m2: float
    T_K: float
    regime: str  # 'complete wetting', 'wetting', 'non-wetting', 'no adhesion'
    wets: bool  # θ < 90°
    extrapolated_below_melting: bool
    #: spreading coefficient S = γ_sv − γ_sl − γ_lv = W_adh − 2 γ_lv (J/m²): ≥ 0, liquid Li
    #: spreads over the coating (complete wetting); < 0, it stops at θ (None: older records)
    spreading_J_per_m2: float | None = None


def young_dupre(w_adh_J_per_m2: float, T_K: float = LI_MELTING_K,
                gamma_lv_J_per_m2: float | None = None) -> ContactAngle:
    """Contact angle θ (degrees) of liquid Li on a coating with work of adhesion W_adh (J/m²).

    cos θ = W_adh/γ_lv − 1, γ_lv from :func:`liquid_li_surface_tension` at ``T_K`` unless
    given. cos θ outside [−1, 1] is reported as it is and θ clipped to 0° or 180°.
    """
    gamma = liquid_li_surface_tension(T_K) if gamma_lv_J_per_m2 is None else gamma_lv_J_per_m2
    if not gamma > 0:
        raise UserInputError(f"liquid surface tension {gamma} J/m² must be > 0")
    cos_t = w_adh_J_per_m2 / gamma - 1.0
    theta = math.degrees(math.acos(max(-1.0, min(1.0, cos_t))))
    if cos_t >= 1:
        regime = "complete wetting"
    elif cos_t <= -1:
        regime = "no adhesion"
    else:
        regime = "wetting" if theta < 90 else "non-wetting"
    return ContactAngle(theta_deg=theta, cos_theta=cos_t, w_adh_J_per_m2=w_adh_J_per_m2,
                        gamma_lv_J_per_m2=gamma, T_K=T_K, regime=regime, wets=theta < 90,
                        extrapolated_below_melting=gamma_lv_J_per_m2 is None and T_K < LI_MELTING_K,
                        spreading_J_per_m2=w_adh_J_per_m2 - 2.0 * gamma)


@dataclass
class FilmWetting:
    """Does a β film spread between α and γ? S = γ_αγ − (γ_αβ + γ_βγ) > 0: it does."""

    spreading_coefficient_J_per_m2: float
    wets: bool
    gamma_alpha_beta_J_per_m2: float
    gamma_beta_gamma_J_per_m2: float
    gamma_alpha_gamma_J_per_m2: float


def film_wetting(gamma_alpha_beta: float, gamma_beta_gamma: float,
                 gamma_alpha_gamma: float) -> FilmWetting:
    """Film-wetting criterion (J/m²): a β layer wets the α/γ interface when
    γ_αβ + γ_βγ < γ_αγ (e.g. α = Li, β = coating, γ = electrolyte or vacuum)."""
    s = gamma_alpha_gamma - (gamma_alpha_beta + gamma_beta_gamma)
    return FilmWetting(spreading_coefficient_J_per_m2=s, wets=s > 0,
                       gamma_alpha_beta_J_per_m2=gamma_alpha_beta,
                       gamma_beta_gamma_J_per_m2=gamma_beta_gamma,
                       gamma_alpha_gamma_J_per_m2=gamma_alpha_gamma)
