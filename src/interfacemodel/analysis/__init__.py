"""Pure analysis: functions of energies, structures and records — no calculator is called here
(the code that takes one is :mod:`interfacemodel.procedures`; rendering is
:mod:`interfacemodel.report`)."""

from .bulk import BulkResult, lattice_parameters

__all__ = ["BulkResult", "lattice_parameters"]
