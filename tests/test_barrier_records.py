"""What the ``barrier``/``diffusivity`` commands take from the library: the command's options
as a campaign spec's barrier entry (one vocabulary, one set of checks), D(T) recomputed from a barrier record and the comparison with the
measured Li self-diffusion, each against the formula by hand."""

import math
from types import SimpleNamespace

import pytest

from checks import assert_one_line
from interfacemodel.analysis.diffusion import bcc_vacancy
from interfacemodel.analysis.hop_rates import (
    li_self_diffusion_point,
    measured_comparison,
    record_diffusivity,
)
from interfacemodel.cli import build_parser
from interfacemodel.cli.migration import barrier_spec_entry
from interfacemodel.errors import UserInputError
from interfacemodel.flows.spec_entries import barrier_elements
from interfacemodel.flows.specs import barrier_entry
from interfacemodel.records import to_dict

KB = 8.617333262e-5  # eV/K (CODATA 2018)
E = 1.602176634e-19  # C


def _d_bcc_vacancy(a, Em, T, nu, c):
    d_cm = math.sqrt(3) * a / 2 * 1e-8
    return 8 * d_cm**2 * nu * math.exp(-Em / (KB * T)) * 0.727 * c / 6


def _entry(*argv):
    args = build_parser().parse_args(["barrier", *argv])
    return barrier_entry(barrier_spec_entry(args), "hop")


def test_the_barrier_command_speaks_the_campaign_specs_vocabulary():
    e = _entry("vacancy", "--host", "LiF")
    assert (e.kind, e.case["host"], e.case["mechanism"], e.case["species"]) == \
        ("bulk", "LiF", "vacancy", "Li")
    assert barrier_elements(e) == {"F", "Li"}
    e = _entry("interstitial", "--host", "Li2Se")
    assert (e.kind, e.case["mechanism"], e.case.get("solute")) == ("bulk", "interstitial", None)
    e = _entry("interstitialcy", "--host", "Li2O")
    assert (e.kind, e.case["host"], e.case["mechanism"]) == ("bulk", "Li2O", "interstitialcy")
    assert barrier_elements(e) == {"Li", "O"}
    e = _entry("vacancy", "--solute", "Mg", "--T", "300", "--T", "400")
    assert (e.case["host"], e.case["solute"], e.temperatures_K) == ("Li", "Mg", [300.0, 400.0])
    assert barrier_elements(e) == {"Li", "Mg"}
    e = _entry("interface", "--system", "li-li2se", "--fmax", "0.05")
    assert (e.kind, e.case["system"], e.fmax) == ("interface", "li-li2se", 0.05)
    assert barrier_elements(e) == {"Li", "Se"}
    # the defaults are the specs' defaults
    e = _entry("vacancy")
    assert (e.n_images, e.fmax, e.phonons, e.temperatures_K) == (5, 0.03, True, [300.0])


@pytest.mark.parametrize("argv, fragment", [
    (["teleport"], "unknown hop kind 'teleport'"),
    (["knockoff"], "accepted: vacancy, interstitial, interstitialcy, interface"),
    (["interstitialcy", "--solute", "Mg"], "a solute hop is a solute–vacancy exchange"),
    (["vacancy", "--host", "Unobtainium"], "unknown bulk phase"),
    (["interface"], "an interface hop needs --system"),
    (["interface", "--system", "li-nothing"], "unknown system 'li-nothing'"),
    (["interface", "--system", "li-lif", "--defect-fraction", "0.1"], "defect_fraction"),
    (["vacancy", "--system", "li-lif"], "give exactly one of 'host'"),
    (["interstitial", "--solute", "Mg"], "a solute hop is a solute–vacancy exchange"),
    (["vacancy", "--T", "-5"], "temperatures_K=[-5.0]"),
    (["vacancy", "--images", "0"], "n_images=0"),
])
def test_the_barrier_command_refuses_what_the_specs_refuse(argv, fragment):
    with pytest.raises(UserInputError) as exc:
        _entry(*argv)
    assert_one_line(exc)
    assert fragment in str(exc.value)


def _record(a=3.44, Em=0.06, nu=4e12, Ef=0.5, first=None):
    return {"host": "Li", "species": "Li", "neb": {"barrier_forward_eV": Em},
            "lattice": to_dict(bcc_vacancy(a)), "attempt_frequency_Hz": nu,
            "defect_formation_energy_eV": Ef, "diffusivities": [] if first is None else [first]}


def test_record_diffusivity_uses_the_formation_energy_by_hand():
    d = record_diffusivity(_record())(400.0)
    c = math.exp(-0.5 / (KB * 400.0))
    assert d.D_cm2_per_s == pytest.approx(_d_bcc_vacancy(3.44, 0.06, 400.0, 4e12, c), rel=1e-12)
    assert d.conductivity_S_per_cm is None and d.T_K == 400.0


def test_record_diffusivity_keeps_a_given_fraction_and_the_carriers():
    n = 4.6e22  # /cm³
    first = {"defect_fraction_source": "given", "defect_fraction": 1e-3,
             "carrier_density_per_cm3": n}
    d = record_diffusivity(_record(first=first))(500.0)
    D = _d_bcc_vacancy(3.44, 0.06, 500.0, 4e12, 1e-3)
    assert d.D_cm2_per_s == pytest.approx(D, rel=1e-12)
    # Nernst–Einstein: σ = n e² D / (k_B T), k_B T in J
    assert d.conductivity_S_per_cm == pytest.approx(n * E**2 * D / (KB * 500.0 * E), rel=1e-12)


def test_record_diffusivity_of_an_interface_hop_and_of_other_documents():
    assert record_diffusivity({**_record(), "lattice": None}) is None
    for doc in ({}, {"neb": {}}, {**_record(), "lattice": {"z": 8}}, []):
        with pytest.raises((KeyError, TypeError, ValueError)):
            record_diffusivity(doc)


def test_measured_comparison_is_the_25_C_nmr_point_by_hand():
    assert li_self_diffusion_point("Li", "Li") == (
        298.15, 7.65e-11, "Li self-diffusion, NMR 25 °C (Yan et al. 2020)")
    res = SimpleNamespace(host="Li", species="Li", lattice=bcc_vacancy(3.44),
                          neb=SimpleNamespace(barrier_forward_eV=0.06),
                          attempt_frequency_Hz=4e12, defect_formation_energy_eV=0.5)
    m = measured_comparison(res)
    D = _d_bcc_vacancy(3.44, 0.06, 298.15, 4e12, math.exp(-0.5 / (KB * 298.15)))
    assert m["T_K"] == 298.15 and m["D_measured_cm2_per_s"] == 7.65e-11
    assert m["D_computed_cm2_per_s"] == pytest.approx(D, rel=1e-12)
    assert m["ratio_computed_over_measured"] == pytest.approx(D / 7.65e-11, rel=1e-12)
    assert measured_comparison(SimpleNamespace(**{**vars(res), "host": "LiF"})) is None
    assert measured_comparison(SimpleNamespace(**{**vars(res), "lattice": None})) is None
    assert li_self_diffusion_point("Li2Se", "Li") is None
