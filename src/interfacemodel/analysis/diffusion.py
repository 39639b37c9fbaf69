"""Diffusivity from a migration barrier (harmonic transition-state theory), DESIGN.md §5.

Γ = ν* exp(−E_m / k_B T) is the rate of one hop; D = z d² Γ f × c_defect / (2 n) for a
lattice of dimension n (3: bulk, D = (1/6) z d² Γ f c; 2: a surface, D = (1/4) z d² Γ f c)
with z equivalent hops of length d, correlation factor f and the site fraction c_defect of
the defect that carries the mechanism (vacancies: c_v = exp(−E_f / k_B T) from a formation
energy, or given). Ionic conductivity from Nernst–Einstein:
σ = n q² D / (k_B T). Units: eV, Å, K in; D in cm²/s, σ in S/cm out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..errors import UserInputError

K_B_EV_PER_K = 8.617333262e-5
E_CHARGE_C = 1.602176634e-19
FALLBACK_ATTEMPT_FREQUENCY_HZ = 1.0e13


@dataclass(frozen=True)
class Lattice:
    """Geometry of one diffusion mechanism: z equivalent hops of length ``d_A`` (Å),
    correlation factor f, walk in ``dimensions`` (3: bulk; 2: a surface, D = z d² Γ f c / 4)."""

    name: str
    z: int
    d_A: float
    f: float
    source: str = ""
    dimensions: int = 3

    def __post_init__(self):
        if self.dimensions not in (1, 2, 3):
            raise UserInputError(f"lattice dimensions={self.dimensions} must be 1, 2 or 3")


def bcc_vacancy(a_A: float) -> Lattice:
    """bcc, vacancy mechanism: z = 8 nearest-neighbour hops of d = √3 a / 2, f = 0.727
    (Compaan & Haven 1956; DESIGN.md §5)."""
    if not a_A > 0:
        raise UserInputError(f"lattice constant {a_A} Å must be > 0")
    return Lattice("bcc vacancy", 8, math.sqrt(3) * a_A / 2, 0.727, "Compaan & Haven 1956")


def surface_lattice(z: int, d_A: float, name: str = "surface hop",
                    source: str = "") -> Lattice:
    """Two-dimensional walk of uncorrelated hops (f = 1): ``z`` equivalent hops of length
    ``d_A`` (Å) from every site, D = z d² Γ / 4 (× c). E.g. an adatom between the hollow sites
    of an fcc(100) surface: z = 4, d = a/√2."""
    if not int(z) >= 1 or not d_A > 0:
        raise UserInputError(f"surface lattice z={z} must be >= 1 and d={d_A} Å > 0")
    return Lattice(name, int(z), float(d_A), 1.0,
                   source or "2-D walk of uncorrelated hops: f = 1", dimensions=2)


@dataclass
class Diffusivity:
    T_K: float
    hop_rate_per_s: float  # Γ
    D_cm2_per_s: float
    attempt_frequency_Hz: float
    attempt_frequency_source: str  # 'vineyard' or 'fallback 1e13 Hz'
    barrier_eV: float
    defect_fraction: float
    defect_fraction_source: str  # 'formation energy E_f = ... eV' or 'given'
    lattice: Lattice
    conductivity_S_per_cm: float | None = None
    carrier_density_per_cm3: float | None = None
    notes: list[str] = field(default_factory=list)


def hop_rate(barrier_eV: float, T_K: float, attempt_frequency_Hz: float) -> float:
    """Γ = ν* exp(−E_m / k_B T) (1/s)."""
    if not T_K > 0:
        raise UserInputError(f"temperature {T_K} K must be > 0")
    if not attempt_frequency_Hz > 0:
        raise UserInputError(f"attempt frequency {attempt_frequency_Hz} Hz must be > 0")
    if barrier_eV < 0:
        raise UserInputError(f"barrier {barrier_eV} eV is negative: the initial state is not a "
                             f"minimum of the path")
    return attempt_frequency_Hz * math.exp(-barrier_eV / (K_B_EV_PER_K * T_K))


def check_defect_fraction(defect_fraction: float | None) -> float | None:
    """A given defect fraction c, in (0, 1] (None: none given), else one line."""
    if defect_fraction is not None and not 0 < defect_fraction <= 1:
        raise UserInputError(f"defect_fraction={defect_fraction} must be in (0, 1]")
    return defect_fraction


def diffusivity(
    barrier_eV: float,
    T_K: float,
    lattice: Lattice,
    attempt_frequency_Hz: float | None = None,
    formation_energy_eV: float | None = None,
    defect_fraction: float | None = None,
    carrier_density_per_cm3: float | None = None,
    charge_e: int = 1,
) -> Diffusivity:
    """D(T) = z d² Γ f × c_defect / (2 n) in cm²/s, n = ``lattice.dimensions`` (3: 1/6).

    ``attempt_frequency_Hz``: the Vineyard prefactor; None uses 10¹³ Hz, marked as a
    fallback in the record. The defect fraction is exp(−E_f/k_B T) from
    ``formation_energy_eV``, or ``defect_fraction`` as given (e.g. a non-stoichiometric
    coating), or 1 when neither is given (the diffusivity of the defect itself).
    ``carrier_density_per_cm3`` adds the Nernst–Einstein conductivity σ = n q² D/(k_B T).
    """
    if formation_energy_eV is not None and defect_fraction is not None:
        raise UserInputError("give formation_energy_eV or defect_fraction, not both")
    notes = []
    if attempt_frequency_Hz is None:
        nu, nu_source = FALLBACK_ATTEMPT_FREQUENCY_HZ, "fallback 1e13 Hz"
        notes.append("attempt frequency not computed: 1e13 Hz assumed")
    else:
        nu, nu_source = attempt_frequency_Hz, "vineyard"
    rate = hop_rate(barrier_eV, T_K, nu)
    if formation_energy_eV is not None:
        c = math.exp(-formation_energy_eV / (K_B_EV_PER_K * T_K))
        c_source = f"formation energy E_f = {formation_energy_eV:.4f} eV"
    elif defect_fraction is not None:
        c, c_source = check_defect_fraction(defect_fraction), "given"
    else:
        c, c_source = 1.0, "defect diffusivity (c = 1)"
    d_cm = lattice.d_A * 1e-8
    D = lattice.z * d_cm**2 * rate * lattice.f * c / (2 * lattice.dimensions)
    sigma = None
    if carrier_density_per_cm3 is not None:
        if not carrier_density_per_cm3 > 0:
            raise UserInputError(f"carrier density {carrier_density_per_cm3} /cm³ must be > 0")
        # σ = n q² D / (k_B T): with q in C, D in cm²/s, k_B T in J -> S/cm
        kT_J = K_B_EV_PER_K * T_K * E_CHARGE_C
        sigma = carrier_density_per_cm3 * (charge_e * E_CHARGE_C) ** 2 * D / kT_J
    return Diffusivity(T_K=T_K, hop_rate_per_s=rate, D_cm2_per_s=D, attempt_frequency_Hz=nu,
                       attempt_frequency_source=nu_source, barrier_eV=barrier_eV,
                       defect_fraction=c, defect_fraction_source=c_source, lattice=lattice,
                       conductivity_S_per_cm=sigma,
                       carrier_density_per_cm3=carrier_density_per_cm3, notes=notes)


def arrhenius_fit(T_K, D_cm2_per_s) -> tuple[float, float]:
    """Least-squares line through ln D vs 1/T: (activation energy eV, prefactor D0 cm²/s)."""
    import numpy as np

    T = np.asarray(T_K, dtype=float)
    D = np.asarray(D_cm2_per_s, dtype=float)
    if len(T) < 2 or len(T) != len(D) or np.any(T <= 0) or np.any(D <= 0):
        raise UserInputError("an Arrhenius fit needs at least two positive (T, D) pairs")
    slope, intercept = np.polyfit(1.0 / T, np.log(D), 1)
    return float(-slope * K_B_EV_PER_K), float(math.exp(intercept))


@dataclass
class ArrheniusFit:
    """ln D = ln D0 − E_a / (k_B T), fitted to (T, D ± σ_D); errors are one standard error."""

    Ea_eV: float
    Ea_error_eV: float
    D0_cm2_per_s: float
    ln_D0_error: float
    n_points: int
    weighted: bool  # True: weights 1/σ²(ln D) with σ(ln D) = σ_D / D
    chi2_reduced: float | None  # weighted fits with > 2 points
    error_note: str


def arrhenius_fit_errors(T_K, D_cm2_per_s, D_error_cm2_per_s=None) -> ArrheniusFit:
    """Arrhenius fit with the error of E_a.

    With ``D_error_cm2_per_s`` (e.g. the MSD block errors) the fit of ln D against 1/T is
    weighted by 1/σ²(ln D), σ(ln D) = σ_D/D, and the parameter errors come from its
    covariance, scaled up by √χ²_red when the scatter exceeds the error bars (never down).
    Without errors the fit is unweighted and the errors come from the residuals (needs
    three or more points). Same line as :func:`arrhenius_fit` when the weights are equal.
    """
    import numpy as np

    T = np.asarray(T_K, dtype=float)
    D = np.asarray(D_cm2_per_s, dtype=float)
    n = len(T)
    if n < 2 or len(D) != n or np.any(T <= 0) or np.any(D <= 0):
        raise UserInputError("an Arrhenius fit needs at least two positive (T, D) pairs; "
                             f"got T={T.tolist()}, D={D.tolist()}")
    A = np.column_stack([np.ones(n), -1.0 / (K_B_EV_PER_K * T)])  # ln D = ln D0 − E_a/kT
    y = np.log(D)
    chi2_red = None
    if D_error_cm2_per_s is not None:
        err = np.asarray(D_error_cm2_per_s, dtype=float)
        if len(err) != n or np.any(~(err > 0)):
            raise UserInputError(f"D errors {err.tolist()} must be positive, one per point")
        w = (D / err) ** 2  # 1/σ²(ln D)
        cov = np.linalg.inv(A.T @ (A * w[:, None]))
        p = cov @ (A.T @ (w * y))
        if n > 2:
            chi2_red = float(np.sum(w * (y - A @ p) ** 2) / (n - 2))
            cov = cov * max(1.0, chi2_red)
            note = "weighted by the D errors; covariance scaled by max(1, χ²_red)"
        else:
            note = "weighted by the D errors (two points: errors from the D errors only)"
    else:
        p, *_ = np.linalg.lstsq(A, y, rcond=None)
        if n > 2:
            s2 = float(np.sum((y - A @ p) ** 2) / (n - 2))
            cov = s2 * np.linalg.inv(A.T @ A)
            note = "unweighted; errors from the residuals"
        else:
            cov = np.full((2, 2), np.nan)
            note = "unweighted, two points: no error estimate"
    return ArrheniusFit(Ea_eV=float(p[1]), Ea_error_eV=float(np.sqrt(cov[1, 1])),
                        D0_cm2_per_s=float(math.exp(p[0])),
                        ln_D0_error=float(np.sqrt(cov[0, 0])), n_points=n,
                        weighted=D_error_cm2_per_s is not None, chi2_reduced=chi2_red,
                        error_note=note)
