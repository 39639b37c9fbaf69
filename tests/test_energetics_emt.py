"""Surface energy, work of adhesion and interface energy on EMT copper, against independent
plain-ASE computations and the analytic identities W_adh(A/A perfect stacking) = 2γ and
W_adh(slab) = W_adh(periodic) per interface."""

import numpy as np
import pytest
from ase.build import bulk, fcc100, fcc110, fcc111
from ase.calculators.emt import EMT
from ase.filters import FrechetCellFilter
from ase.optimize import BFGS

from checks import assert_one_line
from interfacemodel.analysis.energetics import (
    BulkReference,
    interface_energy,
    surface_energy,
    work_of_adhesion,
)
from interfacemodel.analysis.interface_geometry import cleave
from interfacemodel.calculators import get_calculator
from interfacemodel.errors import UserInputError
from interfacemodel.models.slabs import make_slabs
from interfacemodel.run.relax import relax, single_point
from interfacemodel.units import EV_PER_A2_TO_J_PER_M2


@pytest.fixture(scope="module")
def cu():
    """EMT Cu: relaxed lattice constant, energy per atom, the package's bulk reference."""
    atoms = bulk("Cu", "fcc", a=3.6, cubic=True)
    atoms.calc = EMT()
    BFGS(FrechetCellFilter(atoms), logfile=None).run(fmax=1e-5)
    a0 = float(atoms.cell[0, 0])
    e_atom = atoms.get_potential_energy() / len(atoms)
    calc = get_calculator("emt")
    ref = BulkReference.from_energy(atoms, e_atom * len(atoms), {"name": "emt", "label": "emt"})
    return {"a0": a0, "e_atom": e_atom, "ref": ref, "calc": calc,
            "conventional": bulk("Cu", "fcc", a=a0, cubic=True)}


def _plain_ase_gamma(builder, nlayers, a0, e_atom):
    slab = builder("Cu", (1, 1, nlayers), a=a0, vacuum=8.0)
    slab.calc = EMT()
    BFGS(slab, logfile=None).run(fmax=1e-3)
    area = np.linalg.norm(np.cross(slab.cell[0], slab.cell[1]))
    return (slab.get_potential_energy() - len(slab) * e_atom) / (2 * area) * EV_PER_A2_TO_J_PER_M2


@pytest.mark.parametrize("miller, builder", [("100", fcc100), ("110", fcc110), ("111", fcc111)])
def test_cu_surface_energies_match_plain_ase(cu, miller, builder):
    model = make_slabs(cu["conventional"], miller, layers=9, vacuum_A=16.0)[0]
    _, rec = relax(model.atoms, cu["calc"], fmax=1e-3, optimizer="BFGS")
    gamma = surface_energy(rec, cu["ref"])
    assert gamma.stoichiometric and gamma.converged
    reference = _plain_ase_gamma(builder, model.nlayers, cu["a0"], cu["e_atom"])
    assert gamma.gamma_J_per_m2 == pytest.approx(reference, rel=0.01)
    assert 0.5 < gamma.gamma_J_per_m2 < 2.0  # EMT Cu: ~1.2-1.5 J/m²


def _cu111_stack(a0, nlayers, vacuum):
    """A perfect fcc(111) stack; the upper half is the 'film' (interface_side 0)."""
    stack = fcc111("Cu", (2, 2, nlayers), a=a0, vacuum=vacuum, periodic=vacuum is None)
    z = stack.positions[:, 2]
    stack.arrays["interface_side"] = (z < np.median(z)).astype(int)  # lower half: substrate
    return stack


def test_ideal_adhesion_of_perfect_stacking_is_twice_gamma(cu):
    """Rigidly cleaving a perfect crystal: W_adh(ideal) = 2 γ(111, unrelaxed)."""
    stack = _cu111_stack(cu["a0"], 12, vacuum=8.0)
    film, sub = cleave(stack)
    w = work_of_adhesion(single_point(stack, cu["calc"], "stack"),
                         single_point(film, cu["calc"], "film"),
                         single_point(sub, cu["calc"], "sub"), n_interfaces=1)
    half = fcc111("Cu", (2, 2, 6), a=cu["a0"], vacuum=8.0)  # plain ASE, unrelaxed
    half.calc = EMT()
    area = np.linalg.norm(np.cross(half.cell[0], half.cell[1]))
    gamma = (half.get_potential_energy() - len(half) * cu["e_atom"]) / (2 * area)
    assert w.w_adh_J_per_m2 == pytest.approx(2 * gamma * EV_PER_A2_TO_J_PER_M2, rel=0.01)


def test_slab_and_periodic_models_give_the_same_adhesion_per_interface(cu):
    """The periodic cell has two interfaces: its energy difference is twice the slab's."""
    calc = cu["calc"]
    results = {}
    for kind, vacuum in (("slab", 8.0), ("periodic", None)):
        stack = _cu111_stack(cu["a0"], 12, vacuum)
        film, sub = cleave(stack)
        n_int = 1 if kind == "slab" else 2
        recs = [single_point(x, calc, f"{kind}-{i}") for i, x in enumerate((stack, film, sub))]
        results[kind] = work_of_adhesion(*recs, n_interfaces=n_int)
    s, p = results["slab"], results["periodic"]
    raw = lambda w: w.film_energy_eV + w.substrate_energy_eV - w.interface_energy_eV  # noqa: E731
    assert raw(s) == pytest.approx(raw(p) / 2, rel=0.01)
    assert s.w_adh_J_per_m2 == pytest.approx(p.w_adh_J_per_m2, rel=0.01)


def test_relaxed_adhesion_and_interface_energy_of_a_grain_free_stack(cu):
    """Relaxed parts lower W_adh; γ_int of a perfect stacking (no interface at all) is 0."""
    calc = cu["calc"]
    stack, stack_rec = relax(_cu111_stack(cu["a0"], 12, vacuum=8.0), calc, fmax=1e-3,
                             optimizer="BFGS", label="stack")
    film, sub = cleave(stack)
    rec_f = relax(film, calc, fmax=1e-3, optimizer="BFGS", label="film")[1]
    rec_s = relax(sub, calc, fmax=1e-3, optimizer="BFGS", label="sub")[1]
    w_ideal = work_of_adhesion(stack_rec, single_point(film, calc, "f0"),
                               single_point(sub, calc, "s0"))
    w_rel = work_of_adhesion(stack_rec, rec_f, rec_s, kind="relaxed")
    assert 0 < w_rel.w_adh_J_per_m2 <= w_ideal.w_adh_J_per_m2
    gint = interface_energy(w_rel, surface_energy(rec_f, cu["ref"]), surface_energy(rec_s, cu["ref"]))
    # γ_int = (E_stack − N μ)/A − γ_A − γ_B: the stack's two relaxed outer faces against the
    # parts' four relaxed faces, all (111): zero up to the finite thickness of the parts
    assert abs(gint.gamma_int_J_per_m2) < 0.005 < w_rel.w_adh_J_per_m2


def test_off_stoichiometric_slab_needs_chemical_potentials():
    """γ of a Li-rich LiF-like slab from made-up energies, against the formula by hand."""
    ref = BulkReference("LiF", -10.0, {"label": "x"})
    rec = single_point_like(counts={"Li": 5, "F": 4}, energy=-41.0, area=10.0)
    with pytest.raises(UserInputError, match="off the LiF stoichiometry") as exc:
        surface_energy(rec, ref)
    assert_one_line(exc)
    mu_li = -2.0
    g = surface_energy(rec, ref, {"Li": mu_li}, mu_limit="Li-rich")
    mu_f = -10.0 - mu_li
    expected = (-41.0 - 5 * mu_li - 4 * mu_f) / (2 * 10.0) * EV_PER_A2_TO_J_PER_M2
    assert g.gamma_J_per_m2 == pytest.approx(expected)
    assert g.excess_atoms == {"Li": pytest.approx(1.0)}
    # one more eV of μ_Li lowers γ by Γ_Li/(2A)
    assert g.gamma_at({"Li": mu_li + 1}) == pytest.approx(
        expected - 1 / 20 * EV_PER_A2_TO_J_PER_M2)


def single_point_like(counts, energy, area, converged=True, label="rec"):
    from types import SimpleNamespace

    return SimpleNamespace(label=label, energy_eV=energy, counts=counts, area_A2=area,
                           converged=converged, status="relaxed" if converged else "not-converged",
                           calculator={"label": "x"})


def test_analyzers_refuse_bad_input():
    ref = BulkReference("LiF", -10.0, {"label": "x"})
    a = single_point_like({"Li": 4, "F": 4}, -40.0, 10.0, label="A")
    b = single_point_like({"Li": 4}, -8.0, 10.5, label="B")
    c = single_point_like({"Li": 8, "F": 4}, -49.0, 10.0, label="C")
    with pytest.raises(UserInputError, match="in-plane areas differ") as exc:
        work_of_adhesion(c, b, a)
    assert_one_line(exc)
    with pytest.raises(UserInputError, match="contains Se") as exc:
        surface_energy(single_point_like({"Li": 2, "Se": 1}, -5.0, 10.0), ref)
    assert_one_line(exc)
    unconverged = single_point_like({"Li": 4, "F": 4}, -40.0, 10.0, converged=False, label="U")
    with pytest.raises(UserInputError, match="not converged.*allow_unconverged") as exc:
        surface_energy(unconverged, ref)
    assert_one_line(exc)
    g = surface_energy(unconverged, ref, allow_unconverged=True)
    assert not g.converged
    b_ok = single_point_like({"Li": 5}, -8.0, 10.0, label="B")
    with pytest.raises(UserInputError, match="do not add up") as exc:
        work_of_adhesion(c, b_ok, a)
    assert_one_line(exc)
    other = single_point_like({"Li": 4, "F": 4}, -40.0, 10.0, label="O")
    other.calculator = {"label": "y"}
    with pytest.raises(UserInputError, match="different calculators"):
        work_of_adhesion(c, other, single_point_like({"Li": 4}, -8.0, 10.0))


def test_surface_energy_convergence_with_thickness(cu):
    """EMT Cu(111) γ is flat from 3 layers on (changes of ~1e-5 J/m²): the helper stops at the
    first pair within tolerance, and its value is the thick-slab plain-ASE γ."""
    from interfacemodel.procedures.interfaces import surface_energy_convergence

    rec = surface_energy_convergence(cu["conventional"], "111", cu["calc"], layers=(3, 6, 9, 12),
                                     tolerance_J_per_m2=0.002, fmax=1e-3, optimizer="BFGS")
    assert rec.converged and rec.converged_layers == 3 and rec.layers == [3, 6]
    reference = _plain_ase_gamma(fcc111, 12, cu["a0"], cu["e_atom"])
    assert rec.value == pytest.approx(reference, rel=0.01)


def test_ternary_bulk_needs_all_but_one_chemical_potential():
    from interfacemodel.analysis.energetics import chemical_potentials

    ref = BulkReference("LiMgF3", -20.0, {"label": "x"})
    with pytest.raises(UserInputError, match="missing: Mg") as exc:
        chemical_potentials(ref, {"Li": -2.0})
    assert_one_line(exc)
    mu = chemical_potentials(ref, {"Li": -2.0, "Mg": -1.5})
    assert mu["F"] == pytest.approx((-20.0 + 2.0 + 1.5) / 3)


def test_a_registry_scan_that_ends_at_its_largest_gap_is_noted():
    """Cu on Ag: EMT binds (best gap inside the scanned range, no note); a purely repulsive
    pair potential (Lennard-Jones with σ = 4 Å, every contact inside the repulsive wall)
    puts the best gap at the largest one tried, and the record says so."""
    from ase.calculators.lj import LennardJones

    from interfacemodel.analysis.interface_energetics import EnergeticsSettings
    from interfacemodel.procedures.interfaces import place_interface

    settings = EnergeticsSettings(film_layers=3, substrate_layers=4, scan_grid=(1, 1))
    ends = {}
    for name, calc in (("emt", EMT()), ("lj", LennardJones(sigma=4.0, epsilon=0.01, rc=6.0))):
        model, registry = place_interface("cu-ag", calc, settings, "Cu", "Ag")
        ends[name] = (registry["best_gap_A"], registry["gap_range_A"], registry["notes"])
    gap, (lo, hi), notes = ends["emt"]
    assert lo < gap < hi and notes == []
    gap, (lo, hi), notes = ends["lj"]
    assert gap == hi and "repel at every gap scanned" in notes[0]


def _cu_ag_match():
    """The Cu(100)/Ag(100) model of the cu-ag system built from EMT-relaxed crystals."""
    from interfacemodel.models.systems import build_system
    from interfacemodel.procedures.interfaces import bulk_reference

    calc = get_calculator("emt")
    cu, _, _ = bulk_reference("Cu", calc)
    ag, _, _ = bulk_reference("Ag", calc)
    model = build_system("cu-ag", film_layers=3, substrate_layers=3, film_bulk=cu,
                         substrate_bulk=ag)[0]
    return cu, model, calc


def test_the_strained_film_crystal_equals_plain_ase_biaxial_strain():
    """Cu(100) on Ag(100), cube on cube: the film's in-plane strain is equibiaxial with the
    stretch sqrt(A_substrate / A_film) of the match; a conventional Cu cell stretched so in
    x and y, its c relaxed by ASE's own cell filter, gives the same energy per atom."""
    from ase.filters import UnitCellFilter

    from interfacemodel.procedures.interfaces import strained_film

    cu, model, calc = _cu_ag_match()
    strained, rec = strained_film(cu, model.match, calc)
    assert rec.converged
    stretch = np.sqrt(model.match.substrate_area_A2 / model.match.film_area_A2)
    a0 = cu.cell.lengths()[0]
    plain = bulk("Cu", "fcc", a=a0, cubic=True)
    plain.set_cell(np.diag([stretch * a0, stretch * a0, a0]), scale_atoms=True)
    plain.calc = EMT()
    BFGS(UnitCellFilter(plain, mask=[0, 0, 1, 0, 0, 0]), logfile=None).run(fmax=1e-5)
    e_bulk = _bulk_energy(cu)
    de_plain = plain.get_potential_energy() / len(plain) - e_bulk
    de = rec.energy_eV / len(strained) - e_bulk
    assert de > 0 and stretch > 1.005  # a real strain, a real cost
    assert de == pytest.approx(de_plain, rel=0.01, abs=2e-6)
    # its in-plane lattice is the one pymatgen's builder gave the film in the interface
    # model (lengths and angle of the interface cell), held through the relaxation
    a, b = strained.cell[0], strained.cell[1]
    ia, ib = model.atoms.cell[0], model.atoms.cell[1]
    assert np.linalg.norm(a) == pytest.approx(np.linalg.norm(ia), rel=1e-9)
    assert np.linalg.norm(b) == pytest.approx(np.linalg.norm(ib), rel=1e-9)
    assert a @ b == pytest.approx(ia @ ib, abs=1e-6)


def _bulk_energy(atoms):
    work = atoms.copy()
    work.calc = EMT()
    return work.get_potential_energy() / len(work)


def test_a_film_at_its_own_lattice_has_no_strain_energy():
    """The analytic limit: a 'match' whose substrate vectors are the film's own gives the
    relaxed crystal back, Δe = 0; and the strain energy enters γ_int as N_film Δe / (2A)."""
    from types import SimpleNamespace

    from interfacemodel.analysis.energetics import film_strain
    from interfacemodel.procedures.interfaces import strained_film

    cu, model, calc = _cu_ag_match()
    same = SimpleNamespace(film_sl_vectors_A=model.match.film_sl_vectors_A,
                           substrate_sl_vectors_A=model.match.film_sl_vectors_A)
    strained, rec = strained_film(cu, same, calc)
    assert rec.energy_eV / len(strained) == pytest.approx(_bulk_energy(cu), abs=1e-6)
    film = single_point(model.atoms[model.atoms.arrays["interface_side"] == 0], calc, "film")
    bulk_rec = single_point(cu, calc, "bulk")
    strained2, rec2 = strained_film(cu, model.match, calc)
    got = film_strain(rec2, bulk_rec, film, None, model.area_A2)
    de = rec2.energy_eV / len(strained2) - bulk_rec.energy_eV / len(cu)
    assert got.strain_energy_meV_per_atom == pytest.approx(1000 * de, rel=1e-12)
    assert got.in_gamma_int_J_per_m2 == pytest.approx(
        film.natoms * de / (2 * model.area_A2) * EV_PER_A2_TO_J_PER_M2, rel=1e-12)
    assert got.gamma_int_corrected_J_per_m2 is None
