"""Bulk reference crystals shipped with the package (see :mod:`.catalogue`)."""

from .catalogue import BulkPhase, bulk_phases, catalogue_dir, load_bulk, phase_info

__all__ = ["BulkPhase", "bulk_phases", "catalogue_dir", "load_bulk", "phase_info"]
