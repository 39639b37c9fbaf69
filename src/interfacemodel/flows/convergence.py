"""A DFT user's first run: the ideal work of adhesion against one calculator setting.

``interfacemodel converge li-lif --calc gpaw --vary ecut_eV=400,600,800`` (or ``kpt_density``,
``cutoff_Ry``, ``encut_eV``, ``ecutwfc_Ry`` …): for each value, three single points of the
built interface model — the interface and its two cleaved parts in the same cell, at the
catalogue crystals' geometry, no relaxation — give

    W_adh(ideal) = (E_film + E_coating − E_interface) / A      (J/m², slab model, one interface)

so the table shows how far each setting is from the finest one. Errors that do not cancel
between the three cells (basis-set incompleteness, k-point sampling of the in-plane Brillouin
zone) show here; a setting is converged for this system when every finer value is within the
tolerance of the finest. The geometry is the same at every value, so the table measures the
setting alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..analysis.energetics import work_of_adhesion
from ..analysis.interface_energetics import EnergeticsSettings
from ..analysis.interface_geometry import cleave
from ..calculators import calculator_provenance, get_calculator, parse_calc_spec, provenance_label
from ..errors import UserInputError
from ..models.systems import system_elements
from ..procedures.interfaces import place_interface
from ..records import Record
from ..run.relax import single_point


@dataclass
class SettingConvergence(Record):
    """W_adh(ideal) (J/m²) of ``system`` for each value of calculator option ``option``."""

    system: str
    calculator: str  # the base spec (the varied option at its default)
    option: str
    tolerance_J_per_m2: float
    values: list[Any] = field(default_factory=list)
    w_adh_J_per_m2: list[float] = field(default_factory=list)
    wall_time_s: list[float] = field(default_factory=list)
    n_atoms: int = 0
    area_A2: float = 0.0

    @property
    def deviations_J_per_m2(self) -> list[float]:
        """W_adh at each value minus W_adh at the last (finest) value."""
        return [w - self.w_adh_J_per_m2[-1] for w in self.w_adh_J_per_m2]

    @property
    def converged_value(self) -> Any | None:
        """The smallest value from which every value is within the tolerance of the finest
        (None when only the finest is)."""
        dev = self.deviations_J_per_m2
        for i in range(len(dev) - 1):
            if all(abs(d) < self.tolerance_J_per_m2 for d in dev[i:]):
                return self.values[i]
        return None

    def rows(self) -> list[list[str]]:
        return [[str(v), f"{w:.4f}", f"{d:+.4f}", f"{t:.0f}"]
                for v, w, d, t in zip(self.values, self.w_adh_J_per_m2,
                                      self.deviations_J_per_m2, self.wall_time_s, strict=True)]


def parse_values(text: str) -> tuple[str, list[str]]:
    """``KEY=v1,v2,...`` -> (key, [v1, v2, ...]); at least two values."""
    key, sep, rest = text.partition("=")
    values = [v.strip() for v in rest.split(",") if v.strip()]
    if not sep or not key.strip() or len(values) < 2:
        raise UserInputError(f"--vary {text!r}: expected OPTION=v1,v2[,...] with at least two "
                             f"values, e.g. ecut_eV=400,600,800")
    return key.strip(), values


def setting_convergence(system: str, calculator: str, option: str, values: Sequence[Any],
                        tolerance_J_per_m2: float = 0.01,
                        settings: EnergeticsSettings | None = None,
                        workdir: str | Path | None = None,
                        progress: Callable[[str], None] | None = None) -> SettingConvergence:
    """W_adh(ideal) of the first model of ``system`` for each value of the calculator option
    ``option`` (ordered coarse to fine; the last is the reference). ``settings``: the
    builder's (layers, vacuum, orientation); ``workdir``: where program-running calculators
    (CP2K, VASP, QE) keep their files, one folder per value and cell."""
    if not tolerance_J_per_m2 > 0:
        raise UserInputError(f"tolerance={tolerance_J_per_m2}: must be > 0 J/m²")
    base = parse_calc_spec(calculator)
    if option not in base.backend.option_map:
        raise UserInputError(f"calculator {base.name!r} has no option {option!r}; accepted: "
                             f"{', '.join(base.backend.option_map)}")
    specs = [parse_calc_spec(base, **{option: v}) for v in values]  # checks every value first
    # the catalogue crystals, no registry scan: the same geometry at every value
    settings = replace(settings or EnergeticsSettings(), kind="slab", scan_grid=None)
    model, _ = place_interface(system, None, settings, film_bulk=None, substrate_bulk=None,
                               fix_substrate_layers=0)  # single points: nothing to hold
    interface = model.atoms
    film, coating = cleave(interface)
    result = SettingConvergence(system=system, calculator=calculator, option=option,
                                tolerance_J_per_m2=tolerance_J_per_m2,
                                n_atoms=len(interface))
    root = Path(workdir or "converge") / system
    for value, spec in zip(values, specs, strict=True):
        calc = get_calculator(spec, atoms=system_elements(system))
        if progress:
            progress(f"{option}={value}: {provenance_label(calculator_provenance(calc))}, "
                     f"3 single points ({len(interface)} atoms)")
        start = time.perf_counter()
        records = []
        for label, atoms in (("interface", interface), ("film", film), ("coating", coating)):
            if getattr(calc, "uses_directory", False):
                calc.directory = str(root / f"{option}={value}" / label)
            records.append(single_point(atoms, calc, label=label))
        if hasattr(calc, "close"):
            calc.close()  # a program's shell (CP2K) ends with its value
        w = work_of_adhesion(*records, n_interfaces=1, kind="ideal")
        result.values.append(spec.options[option])
        result.w_adh_J_per_m2.append(w.w_adh_J_per_m2)
        result.wall_time_s.append(time.perf_counter() - start)
        result.area_A2 = w.area_A2
    return result
