"""Unit conversions used across the package (energies eV, lengths Å inside; J/m² out)."""

from ase import units as _ase_units

#: 1 eV/Å² in J/m² (= e · 10^20)
EV_PER_A2_TO_J_PER_M2 = _ase_units._e * 1e20
