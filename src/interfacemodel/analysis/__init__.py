"""Analyzers: plain functions on energies, structures and records (no FireWorks here)."""

from .bulk import BulkResult, bulk_properties, lattice_parameters

__all__ = ["BulkResult", "bulk_properties", "lattice_parameters"]
