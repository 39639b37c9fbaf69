"""Relaxations, EOS, NEB, phonons, MD: plain functions on ase.Atoms (no FireWorks here)."""

from .bulk import EOSRecord, RelaxRecord, fit_eos, relax_bulk
from .optimizers import OPTIMIZERS, get_optimizer

__all__ = ["OPTIMIZERS", "EOSRecord", "RelaxRecord", "fit_eos", "get_optimizer", "relax_bulk"]
