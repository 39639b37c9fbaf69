"""What the ``barrier``/``diffusivity`` commands take from the library: the named mechanisms
resolved into hops, D(T) recomputed from a barrier record and the comparison with the
measured Li self-diffusion, each against the formula by hand."""

import math
from types import SimpleNamespace

import pytest

from checks import assert_one_line
from interfacemodel.analysis.diffusion import bcc_vacancy
from interfacemodel.analysis.mechanisms import MECHANISMS, named_hop
from interfacemodel.analysis.migration import (
    li_self_diffusion_point,
    measured_comparison,
    record_diffusivity,
)
from interfacemodel.errors import UserInputError
from interfacemodel.records import to_dict

KB = 8.617333262e-5  # eV/K (CODATA 2018)
E = 1.602176634e-19  # C


def _d_bcc_vacancy(a, Em, T, nu, c):
    d_cm = math.sqrt(3) * a / 2 * 1e-8
    return 8 * d_cm**2 * nu * math.exp(-Em / (KB * T)) * 0.727 * c / 6


def test_named_mechanisms_resolve_to_the_library_hops():
    assert set(MECHANISMS) == {"li-vacancy", "li-interstitial", "mg-vacancy", "li-interface"}
    hop = named_hop("li-vacancy", host="lif")  # the catalogue's name, whatever the case
    assert (hop.host, hop.mechanism, hop.solute, hop.system) == ("LiF", "vacancy", None, None)
    assert sorted(set(hop.elements().get_chemical_symbols())) == ["F", "Li"]
    hop = named_hop("li-interstitial", host="Li2Se")
    assert (hop.host, hop.mechanism, hop.solute) == ("Li2Se", "interstitial", None)
    hop = named_hop("mg-vacancy")
    assert (hop.host, hop.mechanism, hop.solute) == ("Li", "vacancy", "Mg")
    assert sorted(set(hop.elements().get_chemical_symbols())) == ["Li", "Mg"]
    hop = named_hop("li-interface", system="li-li2se")
    assert (hop.system, hop.host, hop.mechanism) == ("li-li2se", None, None)
    assert sorted(set(hop.elements().get_chemical_symbols())) == ["Li", "Se"]


@pytest.mark.parametrize("kw, fragment", [
    ({"name": "li-teleport"}, "unknown mechanism 'li-teleport'"),
    ({"name": "li-vacancy", "host": "Unobtainium"}, "unknown bulk phase"),
    ({"name": "mg-vacancy", "host": "LiF"}, "mg-vacancy is built in bcc Li"),
    ({"name": "li-interface", "system": "li-mg"}, "interface hops are built for"),
    ({"name": "li-interface"}, "interface hops are built for"),
    ({"name": "li-vacancy", "system": "li-lif"}, "applies to li-interface"),
])
def test_named_hop_refuses_what_it_cannot_build(kw, fragment):
    with pytest.raises(UserInputError) as exc:
        named_hop(**kw)
    assert_one_line(exc)
    assert fragment in str(exc.value)


def test_an_interface_hop_takes_no_defect_fraction():
    with pytest.raises(UserInputError) as exc:
        named_hop("li-interface", system="li-lif").run(None, defect_fraction=0.1)
    assert_one_line(exc)
    assert "applies to bulk hops" in str(exc.value)


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
