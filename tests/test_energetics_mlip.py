"""Surface energies, work of adhesion, wetting and reactivity with SevenNet, each against an
independent plain-ASE computation of the same cells with the same calculator (small cells:
a few seconds each)."""

import numpy as np
import pytest
from ase.build import bcc100, bcc110, bulk
from ase.filters import FrechetCellFilter
from ase.optimize import BFGS, LBFGS

from interfacemodel.units import EV_PER_A2_TO_J_PER_M2

pytestmark = pytest.mark.mlip


@pytest.fixture(scope="module")
def calc():
    from interfacemodel.calculators import get_calculator

    return get_calculator("sevennet")


@pytest.fixture(scope="module")
def plain_li(calc):
    """bcc Li relaxed by plain ASE (FrechetCellFilter + BFGS): a0 and E per atom."""
    atoms = bulk("Li", "bcc", a=3.43, cubic=True)
    atoms.calc = calc
    BFGS(FrechetCellFilter(atoms), logfile=None).run(fmax=1e-4)
    return float(atoms.cell[0, 0]), atoms.get_potential_energy() / len(atoms)


@pytest.mark.parametrize("miller, builder", [("100", bcc100), ("110", bcc110)])
def test_li_surface_energy_matches_plain_ase(calc, plain_li, miller, builder):
    from interfacemodel.analysis.energetics import surface_energy
    from interfacemodel.models.slabs import make_slabs
    from interfacemodel.procedures.interfaces import bulk_reference
    from interfacemodel.run.relax import relax

    li_bulk, ref, _ = bulk_reference("Li", calc)  # the package's own bulk route
    model = make_slabs(li_bulk, miller, layers=7, vacuum_A=16.0)[0]
    _, rec = relax(model.atoms, calc, fmax=0.005, optimizer="BFGS")
    gamma = surface_energy(rec, ref).gamma_J_per_m2

    a0, e_atom = plain_li
    slab = builder("Li", (1, 1, model.nlayers), a=a0, vacuum=8.0)
    slab.calc = calc
    BFGS(slab, logfile=None).run(fmax=0.005)
    area = np.linalg.norm(np.cross(slab.cell[0], slab.cell[1]))
    plain = (slab.get_potential_energy() - len(slab) * e_atom) / (2 * area) * EV_PER_A2_TO_J_PER_M2
    assert gamma == pytest.approx(plain, rel=0.01)
    assert 0.2 < gamma < 0.6


def test_lif100_surface_energy_positive(calc):
    from interfacemodel.analysis.energetics import surface_energy
    from interfacemodel.models.slabs import make_slabs
    from interfacemodel.procedures.interfaces import bulk_reference
    from interfacemodel.run.relax import relax

    lif, ref, _ = bulk_reference("LiF", calc)
    model = make_slabs(lif, "100", layers=4)[0]
    _, rec = relax(model.atoms, calc, fmax=0.02)
    gamma = surface_energy(rec, ref)
    assert gamma.stoichiometric and gamma.gamma_J_per_m2 > 0.05


def test_li_lif_adhesion_matches_plain_ase_and_gives_a_contact_angle(calc):
    """W_adh(ideal) of a small relaxed Li(100)/LiF(100): the package (relax, cleave, single
    points, work_of_adhesion) against plain ASE (LBFGS, boolean masks, the formula by hand)."""
    from interfacemodel.analysis.energetics import work_of_adhesion
    from interfacemodel.analysis.interface_geometry import cleave
    from interfacemodel.analysis.wetting import young_dupre
    from interfacemodel.models.systems import build_system
    from interfacemodel.run.relax import relax, single_point

    model = build_system("li-lif", film_layers=2, substrate_layers=2, fix_substrate_layers=1)[0]
    relaxed, rec = relax(model.atoms, calc, fmax=0.05, optimizer="LBFGS:alpha=10")
    film, sub = cleave(relaxed)
    w = work_of_adhesion(rec, single_point(film, calc, "A"), single_point(sub, calc, "B"))

    plain_ab = model.atoms.copy()  # FixAtoms on the bottom LiF layer comes along
    plain_ab.calc = calc
    LBFGS(plain_ab, alpha=10, logfile=None).run(fmax=0.05, steps=500)
    side = model.atoms.arrays["interface_side"]
    energies = []
    for mask in (np.ones(len(side), bool), side == 0, side == 1):
        part = plain_ab[mask]
        part.calc = calc
        energies.append(part.get_potential_energy())
    area = np.linalg.norm(np.cross(plain_ab.cell[0], plain_ab.cell[1]))
    plain = (energies[1] + energies[2] - energies[0]) / area * EV_PER_A2_TO_J_PER_M2
    assert w.w_adh_J_per_m2 == pytest.approx(plain, rel=0.01)
    assert w.w_adh_J_per_m2 > 0  # relaxed Li binds to LiF
    angle = young_dupre(w.w_adh_J_per_m2)
    assert 0 <= angle.theta_deg <= 180
    print(f"Li/LiF(100) ideal W_adh {w.w_adh_J_per_m2:.3f} J/m², contact angle "
          f"{angle.theta_deg:.1f}° ({angle.regime})")


def test_reactivity_li2se_lif_stable_mgf2_converts(calc):
    from interfacemodel.analysis.reactivity import REACTION_PHASES, reaction_with_li
    from interfacemodel.procedures.phases import phase_energies

    names = {n for k in ("Li2Se", "LiF", "MgF2") for n in REACTION_PHASES[k]}
    energies = phase_energies(sorted(names), calc)
    assert reaction_with_li("Li2Se", energies).stable_against_li
    assert reaction_with_li("LiF", energies).stable_against_li
    mgf2 = reaction_with_li("MgF2", energies)
    assert not mgf2.stable_against_li and set(mgf2.products) == {"LiF", "Mg"}
    assert mgf2.li_atom_fraction == pytest.approx(0.4)  # MgF2 + 2 Li
