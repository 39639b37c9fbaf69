"""Analyzers: plain functions on energies, structures and records (no FireWorks here)."""

__all__ = ["BulkResult", "bulk_properties", "lattice_parameters"]


def __getattr__(name: str):
    # imported on first use: `interfacemodel.analysis.mechanisms` (read by the command line's
    # --help) should not pull in ASE and numpy through this package
    if name in __all__:
        from . import bulk

        return getattr(bulk, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
