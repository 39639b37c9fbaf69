"""The calculation journal (run/journal.py): results come back exactly, with no calculation;
a torn last line is cut; non-finite results are not kept; a calculator journalled again
records into the new journal only; a suspended journal neither serves nor records."""

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.emt import EMT

from interfacemodel.run.journal import (
    CalculationJournal,
    journal_calculations,
    journal_suspended,
    structure_key,
)
from interfacemodel.run.optimizers import count_calculations


class CountingEMT(EMT):
    calls = 0

    def calculate(self, *args, **kwargs):
        CountingEMT.calls += 1
        super().calculate(*args, **kwargs)


def _cells(n=3):
    out = []
    for seed in range(n):
        atoms = bulk("Cu", "fcc", a=3.6, cubic=True)
        atoms.rattle(0.05, seed=seed)
        out.append(atoms)
    return out


def _evaluate(atoms, calc):
    atoms = atoms.copy()
    atoms.calc = calc
    return atoms.get_potential_energy(), atoms.get_forces(), atoms.get_stress()


def test_a_journalled_structure_comes_back_exactly_without_a_calculation(tmp_path):
    cells = _cells()
    CountingEMT.calls = 0
    first = CountingEMT()
    assert journal_calculations(first, tmp_path / "j")
    ref = [_evaluate(a, first) for a in cells]
    assert CountingEMT.calls == 3
    again = CountingEMT()  # a new process's calculator on the same file
    journal_calculations(again, tmp_path / "j")
    for atoms, (e, f, s) in zip(cells, ref, strict=True):
        e2, f2, s2 = _evaluate(atoms, again)
        assert e2 == e and np.array_equal(f2, f) and np.array_equal(s2, s)
    assert CountingEMT.calls == 3
    # EMT sets itself up on its first real calculation: a new structure after served ones
    moved = cells[0].copy()
    moved.positions[0, 0] += 0.01
    e_new, _, _ = _evaluate(moved, again)
    assert CountingEMT.calls == 4 and e_new == pytest.approx(_evaluate(moved, EMT())[0])


def test_a_torn_last_line_is_cut_and_the_rest_kept(tmp_path):
    path = tmp_path / "j"
    calc = CountingEMT()
    journal_calculations(calc, path)
    for atoms in _cells(2):
        _evaluate(atoms, calc)
    good = path.read_bytes()
    path.write_bytes(good + good.splitlines(keepends=True)[0][:57])  # killed mid-write
    journal = CalculationJournal(path)
    assert len(journal.entries) == 2 and path.read_bytes() == good


def test_non_finite_results_are_not_kept(tmp_path):
    journal = CalculationJournal(tmp_path / "j")
    journal.append("a", {"energy": np.nan, "forces": np.zeros((1, 3))})
    journal.append("b", {"energy": 1.0, "forces": np.full((1, 3), np.inf)})
    journal.append("c", {"energy": 1.0, "forces": np.zeros((1, 3))})
    assert list(CalculationJournal(tmp_path / "j").entries) == ["c"]


def test_a_calculator_journalled_again_uses_the_new_journal_only(tmp_path):
    """The workflow layer reuses one calculator for the next Firework: that Firework must
    not be served from the previous one's journal (nor record into it)."""
    atoms = _cells(1)[0]
    calc = CountingEMT()
    journal_calculations(calc, tmp_path / "a")
    _evaluate(atoms, calc)
    journal_calculations(calc, tmp_path / "b")
    calc.reset()  # ASE's own one-structure cache aside
    CountingEMT.calls = 0
    _evaluate(atoms, calc)
    assert CountingEMT.calls == 1
    assert len(CalculationJournal(tmp_path / "a").entries) == 1
    assert len(CalculationJournal(tmp_path / "b").entries) == 1


def test_a_suspended_journal_neither_serves_nor_records(tmp_path):
    atoms, other = _cells(2)
    calc = CountingEMT()
    journal_calculations(calc, tmp_path / "j")
    _evaluate(atoms, calc)
    calc.reset()  # ASE's own one-structure cache aside
    CountingEMT.calls = 0
    with journal_suspended(calc):
        _evaluate(atoms, calc)
        _evaluate(other, calc)
    assert CountingEMT.calls == 2
    key = structure_key(other, "")
    assert len(CalculationJournal(tmp_path / "j").entries) == 1 and key not in \
        CalculationJournal(tmp_path / "j").entries


def test_call_counting_inside_a_journal_keeps_the_journal(tmp_path):
    atoms = _cells(1)[0]
    calc = CountingEMT()
    journal_calculations(calc, tmp_path / "j")
    with count_calculations(calc) as counter:
        _evaluate(atoms, calc)
    assert counter.calls == 1
    calc.reset()
    CountingEMT.calls = 0
    _evaluate(atoms, calc)  # still journalled after the counter left: served
    assert CountingEMT.calls == 0


def test_a_calculator_with_its_own_cache_is_left_alone(tmp_path):
    from ase.calculators.singlepoint import SinglePointCalculator

    atoms = _cells(1)[0]
    assert not journal_calculations(SinglePointCalculator(atoms, energy=1.0), tmp_path / "j")
