"""Diffusivity from a barrier: the formula by hand, analytic limits, Nernst–Einstein units."""

import math

import pytest

from checks import assert_one_line
from interfacemodel.analysis.diffusion import arrhenius_fit, bcc_vacancy, diffusivity, hop_rate
from interfacemodel.errors import UserInputError

KB = 8.617333262e-5  # eV/K (CODATA 2018)


def test_bcc_vacancy_diffusivity_by_hand():
    a, Em, Ef, T, nu = 3.44, 0.06, 0.5, 300.0, 4e12
    rec = diffusivity(Em, T, bcc_vacancy(a), attempt_frequency_Hz=nu, formation_energy_eV=Ef)
    d_cm = math.sqrt(3) * a / 2 * 1e-8
    expected = 8 * d_cm**2 * nu * math.exp(-Em / (KB * T)) * 0.727 * math.exp(-Ef / (KB * T)) / 6
    assert rec.D_cm2_per_s == pytest.approx(expected, rel=1e-12)
    assert rec.attempt_frequency_source == "vineyard" and not rec.notes


def test_zero_barrier_rate_is_the_attempt_frequency_and_fallback_is_marked():
    assert hop_rate(0.0, 300.0, 1e13) == pytest.approx(1e13)
    rec = diffusivity(0.1, 300.0, bcc_vacancy(3.5))
    assert rec.attempt_frequency_Hz == 1e13 and "fallback" in rec.attempt_frequency_source
    assert rec.notes and rec.defect_fraction == 1.0


def test_arrhenius_fit_recovers_the_barrier_plus_formation_energy():
    temps = [250.0, 300.0, 400.0, 500.0]
    lat = bcc_vacancy(3.5)
    Ds = [diffusivity(0.06, T, lat, 1e13, formation_energy_eV=0.5).D_cm2_per_s for T in temps]
    ea, d0 = arrhenius_fit(temps, Ds)
    assert ea == pytest.approx(0.56, rel=1e-9)
    assert d0 == pytest.approx(8 * (math.sqrt(3) * 3.5 / 2e8) ** 2 * 1e13 * 0.727 / 6, rel=1e-9)


def test_nernst_einstein_conductivity_units():
    """σ/D = n e²/(k_B T) = 1e22 × (1.602176634e-19 C)² / (1.380649e-23 J/K × 300 K)
    = 6.1975e4 S/cm per cm²/s (k_B in J/K, independent of the code's eV constant)."""
    rec = diffusivity(0.1, 300.0, bcc_vacancy(3.5), 1e13, carrier_density_per_cm3=1e22)
    expected = 1e22 * 1.602176634e-19**2 / (1.380649e-23 * 300.0)
    assert expected == pytest.approx(6.1975e4, rel=1e-4)
    assert rec.conductivity_S_per_cm / rec.D_cm2_per_s == pytest.approx(expected, rel=1e-8)


def test_bad_diffusion_input():
    for kwargs in ({"barrier_eV": -0.1, "T_K": 300}, {"barrier_eV": 0.1, "T_K": 0},
                   {"barrier_eV": 0.1, "T_K": 300, "defect_fraction": 2.0},
                   {"barrier_eV": 0.1, "T_K": 300, "defect_fraction": 0.1,
                    "formation_energy_eV": 0.5}):
        with pytest.raises(UserInputError) as exc:
            diffusivity(lattice=bcc_vacancy(3.5), **kwargs)
        assert_one_line(exc)
    with pytest.raises(UserInputError):
        arrhenius_fit([300.0], [1e-10])


def test_surface_lattice_is_the_2d_random_walk():
    """2-D walk: z hops of length d at rate Γ each, ⟨r²⟩ = z Γ t d² = 4 D t, so
    D = Γ d² z / 4 (f = 1, c = 1); a bulk lattice of the same z, d gives 2/3 of it (1/6)."""
    from interfacemodel.analysis.diffusion import Lattice, surface_lattice

    z, d_A, Em, T, nu = 4, 2.864, 0.4, 500.0, 3e12
    lat = surface_lattice(z, d_A, name="fcc(100) hollow sites")
    assert lat.dimensions == 2 and lat.f == 1.0 and lat.z == 4
    rec = diffusivity(Em, T, lat, attempt_frequency_Hz=nu)
    gamma = nu * math.exp(-Em / (KB * T))
    assert rec.hop_rate_per_s == pytest.approx(gamma, rel=1e-12)
    assert rec.D_cm2_per_s == pytest.approx(gamma * (d_A * 1e-8) ** 2 * z / 4, rel=1e-12)
    bulk3 = diffusivity(Em, T, Lattice("3-D", z, d_A, 1.0), attempt_frequency_Hz=nu)
    assert bulk3.D_cm2_per_s == pytest.approx(rec.D_cm2_per_s * 4 / 6, rel=1e-12)
    for bad in ({"z": 0, "d_A": 2.0}, {"z": 4, "d_A": -1.0}):
        with pytest.raises(UserInputError) as exc:
            surface_lattice(**bad)
        assert_one_line(exc)
    with pytest.raises(UserInputError, match="dimensions=4"):
        Lattice("x", 4, 2.0, 1.0, dimensions=4)
