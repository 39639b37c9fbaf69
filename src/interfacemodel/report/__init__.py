"""The coating comparison report: computed physics of several Li/coating systems side by side,
next to what experiments observed.

Input: one :class:`CoatingResult` per coating (or reference), holding the records of the
library as plain dicts (:func:`interfacemodel.records.to_dict` of
:class:`~interfacemodel.analysis.interface_energetics.InterfaceEnergetics` and
:class:`~interfacemodel.analysis.migration.MigrationResult`; a Mg segregation dict with
``surface_eV``, ``interface_eV``, ``converged``, ``natoms``, ``calculator``), optionally the
relaxed interface (``ase.Atoms`` or a structure file) for a picture.

* :func:`report_values`: every number the report shows, per coating, with its unit, the dotted
  path of the record field it came from (``'energetics.w_adh_relaxed.w_adh_J_per_m2'``,
  ``'bulk_migration.diffusivities[1].D_cm2_per_s'``, ``'energetics.surface_energies["Li(110)-
  t0-Li"].gamma_J_per_m2'``; :func:`resolve_source` follows one) and its convergence status;
* :func:`write_report`: ``report.md``, ``report.html`` (self-contained: figures as base64 PNG
  data URIs), ``results.json`` (the values, ranking, experiment entries and campaign info),
  ``results.csv`` (one row per coating, one column per quantity, units in the headers) and
  ``figures/*.png``, written atomically.

Experimental context: :mod:`interfacemodel.analysis.experiment`. Library layer: no FireWorks.
"""

from __future__ import annotations

from ..analysis.migration import ROOM_T_K as ROOM_T_K
from ..analysis.quantities import resolve_source, source_path
from .criteria import CRITERIA, Criterion, ranking
from .figures import make_figures
from .formatting import MISSING as MISSING
from .formatting import NOT_CONVERGED_MARK as NOT_CONVERGED_MARK
from .formatting import WARNING_MARK as WARNING_MARK
from .formatting import format_number, quantity_label
from .records import RECORD_FIELDS as RECORD_FIELDS
from .records import ROLES, CoatingResult
from .render import csv_cell, csv_header
from .values import report_values
from .writer import DEFAULT_TITLE as DEFAULT_TITLE
from .writer import write_report

__all__ = ["CoatingResult", "Criterion", "CRITERIA", "ROLES", "csv_cell", "csv_header",
           "format_number", "make_figures", "quantity_label", "ranking", "report_values",
           "resolve_source", "source_path", "write_report"]
