"""The drivers on the batched path (calculators.batch_choice, run.lockstep) against the same
drivers one structure at a time: the NEB (bcc Li vacancy hop, 15 atoms), the registry and
gap scan (the smallest li-lif interface), lockstep relaxations (relax_many, relax_bulk_many,
competing phases, EOS); the 'auto' rule; the lockstep barrier itself with a stand-in
evaluator (no model). The SevenNet tests force real multi-structure batches on CPU with an
edge budget (the CPU default is one structure per model call)."""

import threading

import numpy as np
import pytest
from ase.calculators.emt import EMT

from checks import assert_one_line, au_on_al100_endpoints, li_vacancy_endpoints
from interfacemodel.calculators.batch_choice import batch_evaluator, supports_batching
from interfacemodel.calculators.evaluator import BatchEvaluator
from interfacemodel.errors import UserInputError
from interfacemodel.records import to_dict
from interfacemodel.run.lockstep import run_lockstep
from interfacemodel.run.neb import NEBRecord, run_neb
from interfacemodel.run.relax import relax, relax_many

E_TOL = 1e-3  # eV/atom
BIG = 10**6  # edge budget: everything in one model call


@pytest.fixture(scope="module")
def sevennet():
    from interfacemodel.calculators import get_calculator

    return get_calculator("sevennet")


NEB_KW = {"n_images": 3, "fmax": 0.01, "interpolation": "linear"}  # 10 steps with SevenNet


# ---------------------------------------------------------------------------------------------
# NEB


@pytest.mark.mlip
def test_batched_neb_converges_like_the_unbatched(sevennet):
    initial, final = li_vacancy_endpoints()
    plain_images, plain = run_neb(initial, final, sevennet, batch=False, **NEB_KW)
    images, rec = run_neb(initial, final, sevennet, batch=True, batch_max_edges=BIG, **NEB_KW)
    assert plain.converged and rec.converged and plain.steps >= 5
    assert rec.barrier_forward_eV == pytest.approx(plain.barrier_forward_eV, abs=1e-3)
    assert np.allclose(rec.image_energies_eV, plain.image_energies_eV, atol=1e-3)
    assert rec.steps == plain.steps and rec.force_calls == plain.force_calls
    # one model call per band evaluation (all 3 moving images), image evaluations as before
    assert plain.model_calls is None
    assert rec.model_calls == rec.steps + 1 and rec.force_calls == 3 * rec.model_calls
    assert type(images[2].calc).__name__ == "BatchedImageCalculator"
    # the end points were relaxed in lockstep: same steps and energies as one by one
    for name in ("initial", "final"):
        assert rec.endpoints[name].steps == plain.endpoints[name].steps
        assert rec.endpoints[name].force_calls == plain.endpoints[name].force_calls
        assert rec.endpoints[name].energy_eV == pytest.approx(plain.endpoints[name].energy_eV,
                                                              abs=1e-3)
    assert rec.calculator == plain.calculator
    assert NEBRecord.from_dict(to_dict(rec)).model_calls == rec.model_calls


@pytest.mark.mlip
def test_batched_neb_resumes_an_unbatched_checkpoint(sevennet, tmp_path):
    """A band checkpointed unbatched and resumed batched (the fingerprint ignores the
    evaluation path): same barrier and steps as one uninterrupted batched run; the model
    calls of the unbatched part count one per image evaluation."""
    initial, final = li_vacancy_endpoints()
    _, full = run_neb(initial, final, sevennet, batch=True, batch_max_edges=BIG, **NEB_KW)
    _, part = run_neb(initial, final, sevennet, batch=False, steps=4,
                      checkpoint=tmp_path / "b", **NEB_KW)
    assert not part.converged and part.model_calls is None
    _, resumed = run_neb(initial, final, sevennet, batch=True, batch_max_edges=BIG,
                         checkpoint=tmp_path / "b", **NEB_KW)
    assert resumed.resumed_at_step == 4 and resumed.converged
    assert resumed.steps == full.steps
    assert resumed.barrier_forward_eV == pytest.approx(full.barrier_forward_eV, abs=1e-3)
    assert full.force_calls <= resumed.force_calls <= full.force_calls + 3  # one per image
    new_band_evaluations = (resumed.force_calls - part.force_calls) // 3
    assert resumed.model_calls == part.force_calls + new_band_evaluations


def test_neb_auto_uses_per_image_calculators_for_emt():
    initial, final = au_on_al100_endpoints()
    kw = {"n_images": 3, "fmax": 0.05, "optimizer": "FIRE"}
    images, auto = run_neb(initial, final, EMT(), **kw)
    _, off = run_neb(initial, final, EMT(), batch=False, **kw)
    assert all(isinstance(image.calc, EMT) for image in images[1:-1])
    assert len({id(image.calc) for image in images[1:-1]}) == 3
    assert auto.model_calls is None and auto.force_calls == off.force_calls
    assert auto.barrier_forward_eV == off.barrier_forward_eV


def test_old_neb_record_without_model_calls_reads():
    initial, final = au_on_al100_endpoints()
    _, rec = run_neb(initial, final, EMT(), n_images=3, fmax=0.05, optimizer="FIRE")
    old = to_dict(rec)
    del old["model_calls"]
    back = NEBRecord.from_dict(old)
    assert back.model_calls is None and back.force_calls == rec.force_calls


def _cu_homo_interface():
    from pymatgen.core import Lattice, Structure

    from interfacemodel.models.interfaces import build_interfaces

    cu = Structure(Lattice.cubic(3.5898), ["Cu"] * 4,
                   [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]])
    (m,) = build_interfaces(cu, cu, (1, 0, 0), (1, 0, 0), kind="periodic", film_layers=2,
                            substrate_layers=2, fix_substrate_layers=0, max_area_A2=20)
    return m


@pytest.mark.parametrize("call", ["neb", "registry", "relax_many"])
def test_batch_true_with_emt_is_one_line(call):
    from interfacemodel.models.registry import scan_registry

    initial, final = au_on_al100_endpoints()
    with pytest.raises(UserInputError, match=r"batch=True needs a SevenNet or CHGNet "
                                             r"calculator, got EMT \(ase.calculators.emt\)") as exc:
        if call == "neb":
            run_neb(initial, final, EMT(), batch=True)
        elif call == "registry":
            scan_registry(_cu_homo_interface(), EMT(), batch=True)
        else:
            relax_many([initial], EMT(), batch=True)
    assert_one_line(exc)


def test_bad_batch_values_are_one_line():
    initial, final = au_on_al100_endpoints()
    with pytest.raises(UserInputError, match="batch='yes'; accepted: 'auto'") as exc:
        run_neb(initial, final, EMT(), batch="yes")
    assert_one_line(exc)
    with pytest.raises(UserInputError, match="takes a list of ase.Atoms") as exc:
        relax_many(initial, EMT())
    assert_one_line(exc)
    with pytest.raises(UserInputError, match="2 labels for 1 structures") as exc:
        relax_many([initial], EMT(), labels=["a", "b"])
    assert_one_line(exc)
    assert batch_evaluator(EMT(), "auto") is None and batch_evaluator(EMT(), False) is None
    assert not supports_batching(EMT()) and not supports_batching("lammps:li-snap")
    assert supports_batching("sevennet") and supports_batching("chgnet:device=cpu")


# ---------------------------------------------------------------------------------------------
# registry and gap scan


@pytest.mark.mlip
def test_registry_scan_batched_equals_unbatched(sevennet):
    from interfacemodel.models.registry import scan_registry
    from interfacemodel.models.systems import build_system

    model = build_system("li-lif", film_layers=2, substrate_layers=2, fix_substrate_layers=1)[0]
    kw = {"grid": (3, 3), "gaps_A": [2.0, 2.5, 3.0]}
    plain = scan_registry(model, sevennet, batch=False, **kw)
    # ~1,640 edges per structure: about four structures per model call
    batched = scan_registry(model, sevennet, batch=True, batch_max_edges=7000, **kw)
    assert plain.model_calls is None and batched.evaluations == plain.evaluations == 12
    assert 2 < batched.model_calls < 12  # real batches, shifts and gaps in separate calls
    assert batched.best.in_plane_shift_frac == pytest.approx(plain.best.in_plane_shift_frac)
    assert batched.best.gap_A == plain.best.gap_A
    assert batched.points[0].shift_frac == plain.points[0].shift_frac
    ref = {(p.shift_frac, p.gap_A): p.energy_eV for p in plain.points}
    got = {(p.shift_frac, p.gap_A): p.energy_eV for p in batched.points}
    assert got.keys() == ref.keys()
    n = len(model.atoms)
    assert max(abs(got[k] - ref[k]) for k in ref) / n < E_TOL


def test_registry_scan_auto_with_emt_is_unbatched():
    from interfacemodel.models.registry import scan_registry

    scan = scan_registry(_cu_homo_interface(), EMT(), grid=(2, 2), gaps_A=[1.7, 1.8])
    assert scan.model_calls is None and scan.evaluations == 6


# ---------------------------------------------------------------------------------------------
# lockstep relaxations


def _rattled(names, amplitude=0.05):
    from interfacemodel.structures import load_bulk

    out = []
    for i, name in enumerate(names):
        atoms = load_bulk(name, as_atoms=True)
        atoms.rattle(amplitude, seed=i)
        out.append(atoms)
    return out


@pytest.mark.mlip
def test_relax_many_equals_relax_one_by_one(sevennet):
    structures = _rattled(["Li", "LiF", "Li2Se"])
    structures[0] = structures[0].repeat((2, 1, 1))
    structures[0].rattle(0.05, seed=7)
    # positions and the cell normal (σ_zz from the batched stress), default L-BFGS
    kw = {"fmax": 0.02, "relax_normal_cell": True}
    ref = [relax(a, sevennet, label=f"s{i}", **kw) for i, a in enumerate(structures)]
    ev = BatchEvaluator(sevennet, max_edges=BIG)
    out = relax_many(structures, sevennet, labels=["s0", "s1", "s2"], batch=ev, **kw)
    for (a, r), (b, q) in zip(ref, out, strict=True):
        assert q.converged and q.label == r.label and q.status == r.status
        assert (q.steps, q.force_calls) == (r.steps, r.force_calls)
        assert abs(q.energy_eV - r.energy_eV) / len(a) < E_TOL
        assert q.stress_zz_GPa == pytest.approx(r.stress_zz_GPa, abs=1e-3)
        assert np.abs(b.positions - a.positions).max() < 1e-3
        assert np.abs(b.cell.array - a.cell.array).max() < 1e-3
        assert q.calculator == r.calculator and q.optimizer == r.optimizer
    # one model call per round; a round holds every structure still relaxing
    assert ev.model_calls == max(r.force_calls for _, r in ref)
    assert ev.structures_evaluated == sum(r.force_calls for _, r in ref)


@pytest.mark.mlip
def test_bulk_cell_relaxations_and_phases_in_lockstep(sevennet):
    """Cell relaxations (FrechetCellFilter + FixSymmetry, stress from the batch), the competing
    phases of Li + LiF (F2 a molecule in a box) and an EOS: batched == one by one."""
    from interfacemodel.procedures.phases import phase_energies
    from interfacemodel.run.bulk import fit_eos, relax_bulk, relax_bulk_many

    structures = _rattled(["Li", "LiF"], amplitude=0.0)
    structures[1].set_cell(structures[1].cell * 1.02, scale_atoms=True)
    ref = [relax_bulk(a, sevennet) for a in structures]
    out = relax_bulk_many(structures, sevennet, batch=True, batch_max_edges=BIG)
    for (a, r), (b, q) in zip(ref, out, strict=True):
        assert q.converged and (q.steps, q.force_calls) == (r.steps, r.force_calls)
        assert abs(q.energy_per_atom_eV - r.energy_per_atom_eV) < E_TOL
        assert np.abs(b.cell.array - a.cell.array).max() < 1e-3

    plain = phase_energies(["Li", "F2", "LiF"], sevennet, batch=False)
    seen = []
    batched = phase_energies(["Li", "F2", "LiF"], sevennet, batch=True, batch_max_edges=BIG,
                             progress=lambda name, i, n: seen.append(name))
    assert seen == ["Li", "F2", "LiF"] and list(batched) == ["Li", "F2", "LiF"]
    for name in plain:
        p, b = plain[name], batched[name]
        assert (b.kind, b.converged, b.formula) == (p.kind, p.converged, p.formula)
        assert abs(b.energy_per_atom_eV - p.energy_per_atom_eV) < E_TOL
        assert b.relax["steps"] == p.relax["steps"] and b.calculator == p.calculator

    li = ref[0][0]
    eos_plain = fit_eos(li, sevennet, batch=False)
    eos_batched = fit_eos(li, sevennet, batch=BatchEvaluator(sevennet, max_edges=BIG))
    assert np.allclose(eos_batched.energies_eV_per_atom, eos_plain.energies_eV_per_atom,
                       atol=E_TOL)
    assert eos_batched.B_GPa == pytest.approx(eos_plain.B_GPa, rel=1e-3)


def test_relax_many_auto_with_emt_relaxes_one_by_one():
    initial, final = au_on_al100_endpoints()
    out = relax_many([initial, final], EMT(), fmax=0.05, labels=["i", "f"])
    ref = [relax(a, EMT(), fmax=0.05, label=lab) for a, lab in ((initial, "i"), (final, "f"))]
    for (a, r), (b, q) in zip(ref, out, strict=True):
        assert (q.steps, q.force_calls, q.energy_eV, q.label) == (
            r.steps, r.force_calls, r.energy_eV, r.label)
        assert np.array_equal(a.positions, b.positions)


@pytest.mark.mlip
def test_relax_many_checkpoints_resume(sevennet, tmp_path):
    """Lockstep relaxations cut short and rerun with the same checkpoint directories resume
    each from its own last step and end as one uninterrupted relax()."""
    structures = _rattled(["LiF", "Li2Se"])
    dirs = [tmp_path / "a", tmp_path / "b"]
    full = [relax(a, sevennet, fmax=0.02)[1] for a in structures]
    part = relax_many(structures, sevennet, fmax=0.02, steps=2, checkpoints=dirs, batch=True)
    assert [r.steps for _, r in part] == [2, 2] and not any(r.converged for _, r in part)
    out = relax_many(structures, sevennet, fmax=0.02, checkpoints=dirs, batch=True)
    for f, (_, r) in zip(full, out, strict=True):
        assert r.resumed_at_step == 2 and r.converged and r.steps == f.steps
        assert abs(r.energy_eV - f.energy_eV) / r.natoms < E_TOL
    with pytest.raises(UserInputError, match="share a checkpoint directory") as exc:
        relax_many(structures, sevennet, checkpoints=[dirs[0], dirs[0]])
    assert_one_line(exc)


# ---------------------------------------------------------------------------------------------
# the lockstep barrier, with a stand-in evaluator (EMT one structure at a time)


class _EMTEvaluator:
    """Duck-types BatchEvaluator.evaluate with EMT; records each batch's size and thread."""

    calculator = EMT()

    def __init__(self):
        self.batches: list[int] = []
        self.threads: set[str] = set()

    def evaluate(self, atoms_list, stress=False):
        self.batches.append(len(atoms_list))
        self.threads.add(threading.current_thread().name)
        out = []
        for atoms in atoms_list:
            a = atoms.copy()
            a.calc = EMT()
            res = {"energy_eV": a.get_potential_energy(),
                   "forces_eV_per_A": a.get_forces(apply_constraint=False)}
            if stress:
                res["stress_eV_per_A3"] = a.get_stress()
            out.append(res)
        return out


def test_lockstep_rounds_shrink_as_relaxations_converge():
    initial, final = au_on_al100_endpoints()
    third = initial.copy()
    third.rattle(0.02, seed=3)
    structures = [initial, final, third]
    ref = [relax(a, EMT(), fmax=0.05, optimizer="BFGS") for a in structures]
    ev = _EMTEvaluator()
    stats = {}
    out = run_lockstep([lambda c, a=a: relax(a, c, fmax=0.05, optimizer="BFGS")
                        for a in structures], ev, stats=stats)
    calls = sorted((r.force_calls for _, r in ref), reverse=True)
    assert len(ev.batches) == stats["batches"] == calls[0]
    # round k evaluates every relaxation that needs its k-th evaluation
    assert ev.batches == [sum(c > k for c in calls) for k in range(calls[0])]
    assert stats["evaluations"] == sum(calls)
    assert ev.threads == {threading.current_thread().name}  # the model runs in the caller
    for (a, r), (b, q) in zip(ref, out, strict=True):
        assert (q.steps, q.force_calls) == (r.steps, r.force_calls)
        assert q.energy_eV == pytest.approx(r.energy_eV, abs=1e-9)
        assert np.allclose(a.positions, b.positions, atol=1e-9)


def test_lockstep_job_that_fails_does_not_block_the_others():
    initial, final = au_on_al100_endpoints()

    def failing(calc):
        a = initial.copy()
        a.calc = calc
        a.get_potential_energy()
        raise ValueError("job 1 failed")

    jobs = [lambda c: relax(initial, c, fmax=0.05), failing, lambda c: relax(final, c, fmax=0.05)]
    with pytest.raises(ValueError, match="job 1 failed"):
        run_lockstep(jobs, _EMTEvaluator())
    # an evaluation error fails the jobs of that round with it
    bad = _EMTEvaluator()
    bad.evaluate = lambda atoms_list, stress=False: (_ for _ in ()).throw(RuntimeError("model"))
    with pytest.raises(RuntimeError, match="model"):
        run_lockstep([lambda c: relax(initial, c)], bad)
    assert run_lockstep([], _EMTEvaluator()) == []


@pytest.mark.mlip
def test_bulk_references_in_lockstep_equal_one_by_one(sevennet):
    """The bulk references of an interface (film and coating crystals) relaxed together, in
    one batched model call per step: the references one bulk_reference at a time."""
    from interfacemodel.procedures.interfaces import bulk_reference, bulk_references

    together = bulk_references(["Li", "Li2Se"], sevennet, batch=True, batch_max_edges=BIG)
    for phase, (atoms, ref, rec) in zip(["Li", "Li2Se"], together, strict=True):
        atoms1, ref1, rec1 = bulk_reference(phase, sevennet)
        assert ref.formula == ref1.formula and rec.converged
        assert (rec.steps, rec.force_calls) == (rec1.steps, rec1.force_calls)
        assert abs(ref.energy_per_fu_eV - ref1.energy_per_fu_eV) < E_TOL * len(atoms)
        assert np.abs(atoms.cell.array - atoms1.cell.array).max() < 1e-3
