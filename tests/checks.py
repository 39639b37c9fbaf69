"""Checks shared by the test modules (imported as ``checks``; pytest puts tests/ on sys.path)."""

import numpy as np
from ase.data import covalent_radii
from ase.neighborlist import neighbor_list

OVERLAP_FACTOR = 0.7


def assert_no_close_contacts(atoms, factor: float = OVERLAP_FACTOR):
    """No two atoms closer than ``factor`` × the sum of their covalent radii (periodic)."""
    i, j, d = neighbor_list("ijd", atoms, 2.0 * covalent_radii.max())
    limit = factor * (covalent_radii[atoms.numbers[i]] + covalent_radii[atoms.numbers[j]])
    assert np.all(d >= limit), f"close contact {d[d < limit].min():.2f} Å"


def assert_one_line(exc_info):
    """The exception message of a pytest.raises context is one non-empty line."""
    msg = str(exc_info.value)
    assert msg and "\n" not in msg
