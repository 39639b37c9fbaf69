"""Lattice matching against pymatgen's ZSLGenerator called directly and against geometry."""

import numpy as np
import pytest
from pymatgen.analysis.interfaces import ZSLGenerator

from interfacemodel.errors import UserInputError
from interfacemodel.models.matching import enumerate_matches, in_plane_strain
from interfacemodel.structures import load_bulk

TOLS = {"max_area_A2": 120.0, "max_length_tol": 0.05, "max_angle_tol": 0.05,
        "max_area_ratio_tol": 0.09}


def test_li_li2se_matches_agree_with_direct_zsl():
    li, li2se = load_bulk("Li"), load_bulk("Li2Se")
    ours = enumerate_matches("Li", "Li2Se", (1, 1, 0), (1, 1, 0), **TOLS)
    # in-plane lattice vectors of the (110) faces of the cubic cells, written down by hand
    a_li, a_se = li.lattice.a, li2se.lattice.a
    li_vecs = np.array([[0, 0, a_li], [a_li, -a_li, 0]]) * np.array([1, 1, 1])
    li_vecs[1] = [a_li / 2, -a_li / 2, a_li / 2]  # bcc: the centred vector is primitive
    se_vecs = np.array([[0, 0, a_se], [a_se / 2, -a_se / 2, 0]])  # fcc (110) primitive cell
    zsl = ZSLGenerator(max_area=TOLS["max_area_A2"], max_length_tol=TOLS["max_length_tol"],
                       max_angle_tol=TOLS["max_angle_tol"],
                       max_area_ratio_tol=TOLS["max_area_ratio_tol"])
    direct = list(zsl(li_vecs, se_vecs))
    assert direct and ours
    # same coincidence cells: every direct match is one of ours or a supercell of one
    ours_areas = [m.film_area_A2 for m in ours]
    assert {round(a, 1) for a in ours_areas} <= {round(m.match_area, 1) for m in direct}
    for m in direct:
        assert any(abs(m.match_area / a - round(m.match_area / a)) < 1e-6 for a in ours_areas)


def test_match_geometry_and_strain():
    li, li2se = load_bulk("Li"), load_bulk("Li2Se")
    for m in enumerate_matches("Li", "Li2Se", (1, 1, 0), (1, 1, 0), **TOLS):
        f, s = np.array(m.film_sl_vectors_A), np.array(m.substrate_sl_vectors_A)
        # supercells of the primitive (110) surface cells: a^2/sqrt(2) for bcc and for fcc
        for area, a in ((m.film_area_A2, li.lattice.a), (m.substrate_area_A2, li2se.lattice.a)):
            n = area / (a**2 / np.sqrt(2))
            assert n == pytest.approx(round(n), abs=1e-6) and round(n) >= 1
        assert m.area_A2 == pytest.approx(np.linalg.norm(np.cross(*s)), rel=1e-6)  # Li strained
        assert m.film_area_A2 == pytest.approx(np.linalg.norm(np.cross(*f)), rel=1e-6)
        # strain on the film: film vector lengths stretched by the strain give the substrate's
        e = np.array(m.strain_2d)
        stretch = np.linalg.eigvalsh(2 * e + np.eye(2))
        ratio_sq = np.linalg.norm(s, axis=1) ** 2 / np.linalg.norm(f, axis=1) ** 2
        assert min(stretch) - 1e-9 <= ratio_sq.min() and ratio_sq.max() <= max(stretch) + 1e-9
        assert m.max_abs_strain <= 0.5 * ((1 + TOLS["max_length_tol"]) ** 2 - 1) + 0.02


def test_no_repeated_matches():
    ms = enumerate_matches("Li", "Li2Se", (1, 1, 0), (1, 1, 0), **TOLS)
    for i, big in enumerate(ms):
        for small in ms[:i]:
            same_strain = np.allclose(np.linalg.eigvalsh(big.strain_2d),
                                      np.linalg.eigvalsh(small.strain_2d), atol=1e-6)
            # the smallest Li/Li2Se(110) cell (1.02 % strain) must not come back as supercells
            assert not (same_strain and big.area_A2 >= small.area_A2 - 1e-6)


def test_von_mises_is_pymatgens():
    from pymatgen.analysis.elasticity.strain import Strain

    for m in enumerate_matches("Li", "Li2Se", (1, 1, 0), (1, 1, 0), **TOLS):
        full = np.zeros((3, 3))
        full[:2, :2] = m.strain_2d
        assert m.von_mises_strain == pytest.approx(Strain(full).von_mises_strain, abs=1e-12)


def test_in_plane_strain_analytic():
    base = np.array([[3.0, 0, 0], [0, 4.0, 0]])
    e = in_plane_strain(base, base * 1.02)  # isotropic 2 % stretch
    assert np.allclose(e, 0.5 * (1.02**2 - 1) * np.eye(2))
    rot = np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1.0]])
    assert np.allclose(in_plane_strain(base, base @ rot.T), 0, atol=1e-12)  # rotation: no strain


def test_no_match_says_which_tolerance_to_loosen():
    with pytest.raises(UserInputError) as exc:
        enumerate_matches("Li", "Li2Se", (1, 1, 0), (1, 1, 0), max_area_A2=60,
                          max_length_tol=0.001, max_area_ratio_tol=0.001)
    msg = str(exc.value)
    assert "loosen max_length_tol" in msg and "smallest strain" in msg and "\n" not in msg


@pytest.mark.parametrize("kwargs", [{"max_area_A2": 0}, {"max_length_tol": 1.5},
                                    {"strained": "both"}, {"film_miller": (0, 0, 0)}])
def test_bad_match_arguments(kwargs):
    args = {"film_miller": (1, 1, 0), "substrate_miller": (1, 1, 0), **kwargs}
    with pytest.raises(UserInputError):
        enumerate_matches("Li", "LiF", **args)
