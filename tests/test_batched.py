"""Batched ML-potential evaluation (interfacemodel.calculators.evaluator) against the same
ASE calculators called one structure at a time: a mixed list of bcc Li, rocksalt LiF,
antifluorite Li2Se (catalogue cells) and a small Li(100)/LiF(100) interface, one chunk and
many chunks; the per-image NEB calculators; and the errors for bad input."""

import numpy as np
import pytest
from ase import Atoms
from ase.calculators.emt import EMT

from checks import assert_one_line, li_vacancy_endpoints
from interfacemodel.calculators.batched_images import BatchedImages
from interfacemodel.calculators.chunking import CPU_MAX_EDGES, plan_chunks
from interfacemodel.calculators.evaluator import BatchEvaluator
from interfacemodel.errors import UnknownNameError, UnsupportedElementsError, UserInputError

E_TOL = 1e-3  # eV/atom
F_TOL = 1e-3  # eV/Å
S_TOL = 1e-5  # eV/Å³ (0.0016 GPa)


@pytest.fixture(scope="module")
def mixed():
    """bcc Li (2 atoms), LiF (8), Li2Se (12) and the smallest li-lif interface (42), rattled
    so that forces and stresses are not zero by symmetry."""
    from interfacemodel.models.systems import build_system
    from interfacemodel.structures import load_bulk

    structures = [load_bulk(name, as_atoms=True) for name in ("Li", "LiF", "Li2Se")]
    interface = build_system("li-lif", film_layers=2, substrate_layers=2,
                             fix_substrate_layers=1)[0].atoms
    assert len(interface) < 80
    structures.append(interface)
    for i, atoms in enumerate(structures):
        atoms.rattle(0.03, seed=i)
    return structures


def _one_at_a_time(calc, structures):
    out = []
    for atoms in structures:
        a = atoms.copy()
        a.calc = calc
        out.append((a.get_potential_energy(), a.get_forces(apply_constraint=False),
                    a.get_stress()))
    return out


def _assert_agree(results, reference, structures, e_tol=E_TOL, f_tol=F_TOL, s_tol=S_TOL):
    assert len(results) == len(reference)
    for res, (e, f, s), atoms in zip(results, reference, structures, strict=True):
        assert set(res) == {"energy_eV", "forces_eV_per_A", "stress_eV_per_A3"}
        assert isinstance(res["energy_eV"], float)
        assert abs(res["energy_eV"] - e) / len(atoms) < e_tol
        assert res["forces_eV_per_A"].shape == (len(atoms), 3)
        assert np.abs(res["forces_eV_per_A"] - f).max() < f_tol
        assert res["stress_eV_per_A3"].shape == (6,)
        assert np.abs(res["stress_eV_per_A3"] - s).max() < s_tol


# ---------------------------------------------------------------------------------------------
# chunking rule (no model)


def test_plan_chunks_packs_in_order_within_both_budgets():
    atoms, edges = [2, 8, 12, 42], [100, 600, 400, 1600]
    assert plan_chunks(atoms, edges, None, None) == [[0, 1, 2, 3]]
    assert plan_chunks(atoms, edges, None, 1100) == [[0, 1, 2], [3]]
    assert plan_chunks(atoms, edges, 20, None) == [[0, 1], [2], [3]]
    assert plan_chunks(atoms, edges, 20, 650) == [[0], [1], [2], [3]]
    # a structure over the budget on its own is evaluated alone, not dropped
    assert plan_chunks(atoms, edges, None, 1) == [[0], [1], [2], [3]]
    assert plan_chunks([], [], 10, 10) == []


# ---------------------------------------------------------------------------------------------
# bad input: no model is loaded for these


@pytest.mark.parametrize("spec", ["emt", "lammps:li-snap", "gpaw"])
def test_unsupported_spec_is_one_line_naming_it(spec):
    with pytest.raises(UserInputError) as exc:
        BatchEvaluator(spec)
    assert_one_line(exc)
    assert repr(spec.split(":")[0]) in str(exc.value)
    assert "sevennet" in str(exc.value) and "chgnet" in str(exc.value)


def test_unsupported_calculator_instance_is_named():
    with pytest.raises(UserInputError) as exc:
        BatchEvaluator(EMT())
    assert_one_line(exc)
    assert "EMT" in str(exc.value) and "SevenNetCalculator" in str(exc.value)


def test_unknown_calculator_name():
    with pytest.raises(UnknownNameError, match="'nonsense'"):
        BatchEvaluator("nonsense")


@pytest.mark.parametrize("key, value", [("max_edges", 0), ("max_atoms", -5), ("max_edges", 2.5),
                                        ("max_atoms", "100")])
def test_bad_budget(key, value):
    with pytest.raises(UserInputError) as exc:
        BatchEvaluator("sevennet", **{key: value})
    assert_one_line(exc)
    assert key in str(exc.value)


# ---------------------------------------------------------------------------------------------
# SevenNet

@pytest.fixture(scope="module")
def sevennet():
    from interfacemodel.calculators import get_calculator

    return get_calculator("sevennet")


@pytest.mark.mlip
def test_sevennet_batch_matches_one_at_a_time(sevennet, mixed):
    reference = _one_at_a_time(sevennet, mixed)
    ev = BatchEvaluator(sevennet, max_edges=10**6)
    results = ev.evaluate(mixed, stress=True)
    assert ev.model_calls == 1 and ev.last_chunks == [[0, 1, 2, 3]]
    _assert_agree(results, reference, mixed)
    # the calculator's shared network is left in single-structure mode and still agrees
    assert sevennet.model.is_batch_data is False
    assert _one_at_a_time(sevennet, mixed[:1])[0][0] == pytest.approx(reference[0][0], abs=1e-6)


@pytest.mark.mlip
def test_sevennet_tiny_budget_gives_the_one_chunk_results(sevennet, mixed):
    whole = BatchEvaluator(sevennet, max_edges=10**6).evaluate(mixed, stress=True)
    ev = BatchEvaluator(sevennet, max_edges=1000, max_atoms=30)
    chunked = ev.evaluate(mixed, stress=True)
    assert ev.model_calls == len(ev.last_chunks) >= 3
    assert sorted(i for c in ev.last_chunks for i in c) == [0, 1, 2, 3]
    ref = [(r["energy_eV"], r["forces_eV_per_A"], r["stress_eV_per_A3"]) for r in whole]
    _assert_agree(chunked, ref, mixed, e_tol=1e-5, f_tol=1e-4, s_tol=1e-6)


@pytest.mark.mlip
def test_sevennet_from_spec_reuses_the_cached_network(sevennet, mixed):
    ev = BatchEvaluator("sevennet:device=auto")
    assert ev.calculator.model is sevennet.model  # built once per process and device
    assert ev.device == "cpu" or ev.device.startswith("cuda")
    assert ev.max_edges == CPU_MAX_EDGES or ev.device.startswith("cuda")
    assert ev.provenance()["name"] == "sevennet"
    res = ev.evaluate(mixed[:3])  # default budget; no stress asked, none returned
    assert ev.model_calls == len(ev.last_chunks)
    assert all(set(r) == {"energy_eV", "forces_eV_per_A"} for r in res)
    assert ev.evaluate([]) == []


@pytest.mark.mlip
def test_sevennet_bad_structures(sevennet, mixed):
    ev = BatchEvaluator(sevennet)
    with pytest.raises(UserInputError, match="pass \\[atoms\\]"):
        ev.evaluate(mixed[0])
    with pytest.raises(UserInputError, match="item 1 .* str; accepted: ase.Atoms"):
        ev.evaluate([mixed[0], "LiF.cif"])
    with pytest.raises(UserInputError, match="item 0 .* no atoms"):
        ev.evaluate([Atoms()])
    with pytest.raises(UnsupportedElementsError, match="Og") as exc:
        ev.evaluate([Atoms("Og", cell=[6, 6, 6], pbc=True)])
    assert_one_line(exc)
    with pytest.raises(UserInputError, match="device='cpu' applies to a calculator spec"):
        BatchEvaluator(sevennet, device="cpu")


# ---------------------------------------------------------------------------------------------
# CHGNet


@pytest.mark.mlip
def test_chgnet_batch_matches_one_at_a_time(mixed):
    pytest.importorskip("chgnet")
    from interfacemodel.calculators import get_calculator

    calc = get_calculator("chgnet")
    reference = _one_at_a_time(calc, mixed)
    ev = BatchEvaluator(calc, max_edges=10**6)
    _assert_agree(ev.evaluate(mixed, stress=True), reference, mixed)
    assert ev.model_calls == 1
    chunked = BatchEvaluator("chgnet", max_edges=1000)
    _assert_agree(chunked.evaluate(mixed, stress=True), reference, mixed)
    assert chunked.model_calls >= 3


# ---------------------------------------------------------------------------------------------
# per-image calculators for an NEB


def _vacancy_band(n_images=3):
    """15-atom bcc Li with a vacancy; the neighbour hopping into it, linear path."""
    from ase.mep import NEB

    cell, final = li_vacancy_endpoints()
    images = [cell] + [cell.copy() for _ in range(n_images)] + [final]
    NEB(images, method="improvedtangent").interpolate()
    return images


@pytest.mark.mlip
def test_batched_images_evaluate_the_changed_images_in_one_call(sevennet):
    images = _vacancy_band()
    group = BatchedImages(images, BatchEvaluator(sevennet, max_edges=10**6))
    assert len({id(image.calc) for image in images}) == len(images)
    reference = _one_at_a_time(sevennet, images)

    f2 = images[2].get_forces()  # triggers one batch: every image, end points included
    assert group.batches == 1 and group.evaluations == len(images)
    assert group.evaluator.model_calls == 1
    for image, (e, f, _) in zip(images, reference, strict=True):  # the rest from the cache
        assert image.get_potential_energy() == pytest.approx(e, abs=1e-4)
        assert np.abs(image.get_forces() - f).max() < F_TOL
    assert np.abs(f2 - reference[2][1]).max() < F_TOL
    assert group.batches == 1

    images[1].positions[0] += 0.05  # one image moves: only it is re-evaluated
    images[3].get_forces()
    assert group.batches == 1
    e1 = images[1].get_potential_energy()
    assert group.batches == 2 and group.evaluations == len(images) + 1
    moved = images[1].copy()
    moved.calc = sevennet
    assert e1 == pytest.approx(moved.get_potential_energy(), abs=1e-4)

    stress = images[1].get_stress()  # stress asked later: computed for that image
    assert np.abs(stress - moved.get_stress()).max() < S_TOL


@pytest.mark.mlip
@pytest.mark.parametrize("parallel", [False, True])
def test_neb_forces_with_batched_images_match_separate_calculators(sevennet, parallel):
    """ASE's NEB (serial loop, or threads with parallel=True) on batched image calculators:
    the band forces equal those of one calculator per image, from one batch per band
    evaluation, and a few FIRE steps run."""
    from ase.mep import NEB
    from ase.optimize import FIRE

    from interfacemodel.calculators import get_calculator

    images = _vacancy_band()
    plain = [image.copy() for image in images]
    for image in plain:
        image.calc = get_calculator("sevennet")
    group = BatchedImages(images, sevennet, max_edges=10**6)
    neb = NEB(images, climb=True, method="improvedtangent", parallel=parallel)
    ref = NEB(plain, climb=True, method="improvedtangent")
    assert np.abs(neb.get_forces() - ref.get_forces()).max() < F_TOL
    assert group.batches == 1
    FIRE(neb, logfile=None).run(fmax=0.01, steps=3)
    assert group.batches == 1 + 3  # one batch per band evaluation
    assert group.evaluations == len(images) + 3 * (len(images) - 2)  # end points once


@pytest.mark.mlip
def test_out_of_memory_halves_the_chunk(sevennet, mixed, monkeypatch):
    """A chunk that runs out of (GPU) memory is split in halves and retried, down to one
    structure; simulated here by a backend that refuses more than one structure per call."""
    import torch

    ev = BatchEvaluator(sevennet, max_edges=10**6)
    run = ev._backend.run

    def small_only(graphs, stress):
        if len(graphs) > 1:
            raise torch.OutOfMemoryError("simulated")
        return run(graphs, stress)

    monkeypatch.setattr(ev._backend, "run", small_only)
    with pytest.warns(RuntimeWarning, match="out of memory on a chunk of 4 structures"):
        results = ev.evaluate(mixed, stress=True)
    assert ev.last_chunks == [[0], [1], [2], [3]] and ev.model_calls == 4
    whole = BatchEvaluator(sevennet, max_edges=10**6).evaluate(mixed, stress=True)
    ref = [(r["energy_eV"], r["forces_eV_per_A"], r["stress_eV_per_A3"]) for r in whole]
    _assert_agree(results, ref, mixed, e_tol=1e-5, f_tol=1e-4, s_tol=1e-6)
