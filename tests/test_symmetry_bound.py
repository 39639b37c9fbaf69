"""A calculator bound to the symmetry of its first structure (GPAW 26) through the package's
calculation paths: a stand-in that refuses as GPAW does, so every path is checked in
milliseconds; the real GPAW case is tests/test_committee.py
(test_a_dft_calculator_takes_a_structure_that_breaks_an_earlier_ones_symmetry)."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import bulk
from ase.calculators.emt import EMT
from pymatgen.core import Lattice, Structure

gpaw_symmetry = pytest.importorskip("gpaw.new.symmetry")

from interfacemodel.calculators import current_calculator  # noqa: E402
from interfacemodel.models.interfaces import build_interfaces  # noqa: E402
from interfacemodel.models.registry import scan_registry  # noqa: E402
from interfacemodel.run.relax import relax, single_point  # noqa: E402


class Bound(EMT):
    """EMT that, like GPAW, keeps the first structure it computed and refuses another one of
    the same atoms and cell (here: any other positions); ``new()`` gives a fresh one."""

    made = 0

    def __init__(self):
        super().__init__()
        Bound.made += 1
        self.first = None

    def calculate(self, atoms=None, properties=("energy",), system_changes=()):
        if self.first is None:
            self.first = atoms.copy()
        elif (len(atoms) == len(self.first) and np.allclose(atoms.cell, self.first.cell)
              and not np.allclose(atoms.positions, self.first.positions)):
            raise gpaw_symmetry.SymmetryBrokenError
        super().calculate(atoms, properties, system_changes)

    def new(self):
        return Bound()


def _emt(atoms):
    atoms = atoms.copy()
    atoms.calc = EMT()
    return atoms.get_potential_energy()


def test_single_points_and_relaxations_go_on_with_a_renewed_calculator():
    perfect = bulk("Cu", "fcc", a=3.6, cubic=True)
    moved = perfect.copy()
    moved.positions[0] += (0.1, 0.0, 0.05)
    calc = Bound()
    assert single_point(perfect, calc).energy_eV == pytest.approx(_emt(perfect))
    assert single_point(moved, calc).energy_eV == pytest.approx(_emt(moved))
    second = current_calculator(calc)
    assert second is not calc and isinstance(second, Bound)
    # the relaxation of the structure the renewed calculator holds goes on with it
    _, rec = relax(moved, calc, fmax=0.01, steps=0)
    assert current_calculator(calc) is second and rec.energy_eV == pytest.approx(_emt(moved))
    with pytest.raises(ZeroDivisionError):  # any other failure is not swallowed
        single_point(perfect, type("Broken", (EMT,), {
            "calculate": lambda self, *a, **k: 1 / 0})())


def test_a_registry_scan_goes_on_with_a_renewed_calculator():
    a = 3.5898
    cu = Structure(Lattice.cubic(a), ["Cu"] * 4,
                   [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]])
    (m,) = build_interfaces(cu, cu, (1, 0, 0), (1, 0, 0), kind="periodic", film_layers=4,
                            substrate_layers=4, fix_substrate_layers=0, max_area_A2=20)
    before = Bound.made
    bound, plain = scan_registry(m, Bound(), grid=(2, 2)), scan_registry(m, EMT(), grid=(2, 2))
    # the scan's own calculator and one renewal for each of the 3 later shifts (the gaps
    # change the cell, which GPAW follows without refusing, nor does the stand-in)
    assert Bound.made - before == 4
    assert [p.energy_eV for p in bound.points] == pytest.approx(
        [p.energy_eV for p in plain.points], abs=1e-9)


def _blas_threads() -> int:
    from threadpoolctl import threadpool_info

    return max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")


class Counting(Bound):
    """The stand-in with GPAW 26's one door to its results, ``calculate_property``, which
    records the BLAS threads it ran under."""

    seen: list[int] = []

    def calculate_property(self, atoms, prop):
        Counting.seen.append(_blas_threads())
        return self.get_property(prop, atoms)

    def get_potential_energy(self, atoms=None, force_consistent=False):
        return self.calculate_property(atoms, "energy")

    def new(self):
        return Counting()


def test_gpaw_computes_under_one_blas_thread_and_its_renewals_too():
    """``blas_threads`` (GPAW's default 1): the calculator's work runs under that many BLAS
    threads, the process's other work under numpy's own count, and a renewal after a
    symmetry break keeps the limit."""
    from threadpoolctl import threadpool_limits

    from interfacemodel.calculators import get_calculator
    from interfacemodel.calculators.threads import MARK, limit_blas_threads

    assert getattr(get_calculator("gpaw"), MARK) == 1
    assert not hasattr(get_calculator("gpaw:blas_threads=0"), MARK)
    with threadpool_limits(limits=2, user_api="blas"):  # the VM's default: one per core
        calc = limit_blas_threads(Counting(), 1)
        perfect = bulk("Cu", "fcc", a=3.6, cubic=True)
        moved = perfect.copy()
        moved.positions[0] += (0.1, 0.0, 0.05)
        Counting.seen.clear()
        assert single_point(perfect, calc).energy_eV == pytest.approx(_emt(perfect))
        assert single_point(moved, calc).energy_eV == pytest.approx(_emt(moved))
        assert current_calculator(calc) is not calc  # renewed, and limited as before
        assert Counting.seen and set(Counting.seen) == {1}
        assert _blas_threads() == 2  # outside the calculator: as it was
