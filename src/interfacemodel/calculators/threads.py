"""The BLAS threads of a calculator that does its linear algebra through numpy (GPAW).

GPAW run serially in this process does its dense linear algebra (subspace diagonalisation,
projections) through numpy's BLAS, which by default starts one thread per core. On the
2-core development VM that made a GPAW single point of a 22-atom Li/MgF2 slab (PW 500 eV,
12 k-points) 46 % slower than one thread (351 s against 241 s), the second thread spinning
at barrier waits. :func:`limit_blas_threads` holds a calculator's BLAS to ``threads`` while
it computes (threadpoolctl), and leaves the process's other work (torch for the ML
potentials) as it was.
"""

from __future__ import annotations

from typing import Any

#: the mark a limited calculator carries (copied to its renewals, :mod:`.symmetry_bound`)
MARK = "im_blas_threads"


def limit_blas_threads(calc, threads: int | None) -> Any:
    """``calc`` with its ``calculate_property`` (GPAW 26's one door to every energy, force
    and stress) run under at most ``threads`` BLAS threads; None: as it was. Returns
    ``calc``."""
    if threads is None or not hasattr(calc, "calculate_property"):
        return calc
    from threadpoolctl import threadpool_limits

    inner = type(calc).calculate_property.__get__(calc)

    def calculate_property(atoms, prop):
        with threadpool_limits(limits=threads, user_api="blas"):
            return inner(atoms, prop)

    calc.calculate_property = calculate_property
    setattr(calc, MARK, int(threads))
    return calc
