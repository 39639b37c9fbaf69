"""The flow layer: each pipeline declared once, as jobflow makers whose ``make()`` returns a
:class:`jobflow.Flow` — run in-process with :func:`run_flow`, or turned into a FireWorks
workflow by :mod:`interfacemodel.workflows`. Nothing here imports FireWorks.

* :class:`BulkPropertiesMaker` — a catalogue crystal's lattice and bulk modulus (EOS);
* :class:`BulkReferenceMaker` — a relaxed catalogue crystal and its energy reference;
* :class:`InterfaceEnergeticsMaker` — bulk → interface → adhesion + free surfaces
  (+ reaction with Li) → energetics;
* :class:`MigrationMaker` — hop → NEB → prefactors → D(T);
* :class:`SegregationMaker` — a solute's segregation energies in a system's film;
* :class:`SoluteScreenMaker` — solutes' segregation to a host's free faces, the McLean
  coverage and surface-energy reduction they give (self-forming layers);
* :func:`campaign_flow` — a campaign spec (YAML) as one flow, joined in the report.
"""

from .bulk import BulkPropertiesMaker
from .campaign import campaign_flow
from .energetics import BulkReferenceMaker, InterfaceEnergeticsMaker
from .local import run_flow
from .migration import MigrationMaker
from .segregation import SegregationMaker
from .solute_screen import SoluteScreenMaker

__all__ = ["BulkPropertiesMaker", "BulkReferenceMaker", "InterfaceEnergeticsMaker", "MigrationMaker",
           "SegregationMaker", "SoluteScreenMaker", "campaign_flow", "run_flow"]
