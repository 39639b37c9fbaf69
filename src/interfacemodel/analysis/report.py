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

import base64
import csv
import dataclasses
import html
import io
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import UserInputError
from ..records import package_versions, to_dict, write_directory_atomic
from . import experiment as exp

ROLES = ("coating", "reference")
RECORD_FIELDS = ("energetics", "bulk_migration", "interface_migration", "mg_segregation")
DEFAULT_TITLE = "Protective coatings on Li metal: computed interface physics beside experiment"
#: D and σ are reported at the record's temperature closest to this one (K)
ROOM_T_K = 300.0
MISSING = "—"
NOT_CONVERGED_MARK = "†"
WARNING_MARK = "⚑"


@dataclass
class CoatingResult:
    """The records of one coating (or reference) of the comparison; see the module docstring."""

    coating: str  # display name, e.g. 'Li2Se', 'LiF', 'Mg', 'MgF2', 'LLZO', 'Li2O', 'Li2S'
    system: str  # named system, e.g. 'li-li2se'
    role: str = "coating"  # 'coating' or 'reference'
    energetics: dict | None = None
    bulk_migration: dict | None = None
    interface_migration: dict | None = None
    mg_segregation: dict | None = None
    relaxed_interface: Any = None  # ase.Atoms (or a structure file) for the picture, optional

    def __post_init__(self):
        _check_result(self)


def _check_result(r: CoatingResult) -> None:
    if not isinstance(r.coating, str) or not r.coating.strip():
        raise UserInputError(f"coating name {r.coating!r} must be a non-empty string")
    if r.role not in ROLES:
        raise UserInputError(f"role {r.role!r} of coating {r.coating!r}; accepted: "
                             f"{', '.join(ROLES)}")
    for name in RECORD_FIELDS:
        value = getattr(r, name)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            setattr(r, name, to_dict(value))  # a record dataclass: take its dict
        elif value is not None and not isinstance(value, dict):
            raise UserInputError(f"{name} of coating {r.coating!r} must be a record dict "
                                 f"(records.to_dict) or None, not {type(value).__name__}")


# ---------------------------------------------------------------------------------------------
# source paths


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TOKEN = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


def source_path(*parts: str | int) -> str:
    """Dotted path from parts: identifiers joined by '.', ints as ``[i]``, other keys as
    ``["key"]`` (JSON-quoted)."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out


def resolve_source(root: Any, path: str) -> Any:
    """The value at ``path`` (see :func:`source_path`) under ``root``: a :class:`CoatingResult`
    (first part an attribute) or a dict. Raises KeyError when the path does not exist."""
    obj, pos = root, 0
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if m is None or m.end() == pos:
            raise KeyError(f"bad source path {path!r} at {pos}")
        name, index, quoted = m.groups()
        try:
            if index is not None:
                obj = obj[int(index)]
            else:
                key = name if name is not None else json.loads(quoted)
                obj = obj[key] if isinstance(obj, dict) else getattr(obj, key)
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise KeyError(f"{path!r} not found in the record") from exc
        pos = m.end()
    return obj


# ---------------------------------------------------------------------------------------------
# values

#: label of each quantity (name without its [key] part), as shown in tables and headers
QUANTITY_LABELS: dict[str, str] = {
    "interface_area_A2": "interface area",
    "max_strain_percent": "max |strain| of the film",
    "film_miller": "film plane",
    "coating_miller": "coating plane",
    "film_layers": "film layers",
    "coating_layers": "coating layers",
    "natoms_interface": "interface model size",
    "gamma_surface_J_per_m2": "γ free surface",
    "gamma_film_as_cut_J_per_m2": "γ film (as cut, in γ_int)",
    "gamma_coating_as_cut_J_per_m2": "γ coating (as cut, in γ_int)",
    "w_adh_ideal_J_per_m2": "W_adh ideal",
    "w_adh_relaxed_J_per_m2": "W_adh relaxed",
    "gamma_int_J_per_m2": "γ_int",
    "contact_angle_deg": "contact angle of liquid Li",
    "wetting_regime": "wetting regime",
    "gamma_lv_J_per_m2": "γ liquid Li",
    "contact_angle_T_K": "T of the contact angle",
    "reaction_meV_per_atom": "reaction energy with Li",
    "reaction_eV_per_Li": "reaction energy per Li",
    "reaction_products": "reaction products",
    "stable_against_li": "stable against Li",
    "fmax_eV_per_A": "relaxation fmax",
    "registry_points": "registry scan points",
    "calculator_energetics": "calculator (energetics)",
    "barrier_coating_eV": "Li barrier in the coating",
    "barrier_coating_backward_eV": "Li barrier in the coating (backward)",
    "attempt_frequency_coating_Hz": "attempt frequency (coating hop)",
    "D_T_K": "T of D and σ",
    "D_coating_cm2_per_s": "D",
    "sigma_coating_S_per_cm": "σ estimate",
    "natoms_coating_hop": "coating hop model size",
    "neb_images_coating": "NEB images (coating hop)",
    "calculator_coating_hop": "calculator (coating hop)",
    "barrier_interface_eV": "barrier Li film → coating",
    "barrier_interface_backward_eV": "barrier coating → Li film",
    "attempt_frequency_interface_Hz": "attempt frequency (interface hop)",
    "natoms_interface_hop": "interface hop model size",
    "neb_images_interface": "NEB images (interface hop)",
    "calculator_interface_hop": "calculator (interface hop)",
    "mg_segregation_surface_eV": "Mg segregation to the surface",
    "mg_segregation_interface_eV": "Mg segregation to the interface",
    "natoms_segregation": "segregation model size",
    "calculator_segregation": "calculator (segregation)",
}


def _base(name: str) -> str:
    return name.split("[", 1)[0]


def quantity_label(name: str) -> str:
    """Display label of a value name ('gamma_surface_J_per_m2[Li(110)-t0-Li]' -> 'γ free
    surface Li(110)-t0-Li')."""
    base = _base(name)
    label = QUANTITY_LABELS.get(base, base)
    return f"{label} {name[len(base) + 1:-1]}" if "[" in name else label


class _Collector:
    """Builds the value list of one coating from its records."""

    def __init__(self, result: CoatingResult):
        self.result = result
        self.items: list[dict[str, Any]] = []
        self.result_notes: list[str] = []

    def get(self, path: str, default: Any = None) -> Any:
        try:
            value = resolve_source(self.result, path)
        except KeyError:
            return default
        return default if value is None else value

    def add(self, name: str, path: str, unit: str, group: str, converged: bool | None,
            status: str, warnings: Sequence[str] = ()) -> dict[str, Any] | None:
        value = self.get(path)
        if value is None or isinstance(value, dict):
            return None
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, list) and not all(isinstance(v, (str, int, float)) for v in value):
            return None
        item = {"name": name, "label": quantity_label(name), "value": value, "unit": unit,
                "source": path, "converged": converged, "status": status, "group": group,
                "warnings": list(warnings)}
        self.items.append(item)
        return item


def _conv(flag: Any) -> bool | None:
    return None if flag is None else bool(flag)


def _status(converged: bool | None, detail: str = "", none_text: str = "") -> str:
    if converged is True:
        head = "converged"
    elif converged is False:
        head = "NOT converged"
    else:
        head = none_text or "convergence not recorded"
    return f"{head}; {detail}" if detail else head


def _calculator_path(c: _Collector, prefix: str) -> str | None:
    for key in ("label", "name"):
        path = f"{prefix}.calculator.{key}"
        if isinstance(c.get(path), str):
            return path
    if isinstance(c.get(f"{prefix}.calculator"), str):
        return f"{prefix}.calculator"
    return None


def _energetics_values(c: _Collector) -> None:
    e = "energetics"
    geo = "model geometry: no convergence criterion"
    c.add("interface_area_A2", f"{e}.interface.area_A2", "Å²", "interface", None,
          _status(None, none_text=geo))
    strained = c.get(f"{e}.interface.strained", "film")
    c.add("max_strain_percent", f"{e}.interface.max_abs_strain_percent", "%", "interface", None,
          _status(None, f"strain carried by the {strained}", geo))
    c.add("film_miller", f"{e}.interface.film_miller", "", "interface", None,
          _status(None, none_text=geo))
    c.add("coating_miller", f"{e}.interface.substrate_miller", "", "interface", None,
          _status(None, none_text=geo))
    c.add("film_layers", f"{e}.interface.film_layers", "layers", "model", None,
          _status(None, none_text="model size"))
    c.add("coating_layers", f"{e}.interface.substrate_layers", "layers", "model", None,
          _status(None, none_text="model size"))
    c.add("natoms_interface", f"{e}.interface.natoms", "atoms", "model", None,
          _status(None, none_text="model size"))
    for tag in sorted(c.get(f"{e}.surface_energies", {}) or {}):
        base = source_path(e, "surface_energies", tag)
        conv = _conv(c.get(f"{base}.converged"))
        mu = c.get(f"{base}.mu_limit") or ""
        stoich = c.get(f"{base}.stoichiometric")
        detail = "stoichiometric slab" if stoich else (f"μ: {mu}" if mu else "")
        c.add(f"gamma_surface_J_per_m2[{tag}]", f"{base}.gamma_J_per_m2", "J/m²", "interface",
              conv, _status(conv, detail))
    ie = f"{e}.interface_energy"
    conv_ie = _conv(c.get(f"{ie}.converged"))
    c.add("gamma_film_as_cut_J_per_m2", f"{ie}.gamma_film_J_per_m2", "J/m²", "interface",
          _conv(c.get(f"{ie}.parts.film.converged", c.get(f"{ie}.converged"))),
          _status(_conv(c.get(f"{ie}.parts.film.converged", c.get(f"{ie}.converged"))),
                  "film part relaxed alone, strained as in the interface"))
    c.add("gamma_coating_as_cut_J_per_m2", f"{ie}.gamma_substrate_J_per_m2", "J/m²",
          "interface",
          _conv(c.get(f"{ie}.parts.substrate.converged", c.get(f"{ie}.converged"))),
          _status(_conv(c.get(f"{ie}.parts.substrate.converged", c.get(f"{ie}.converged"))),
                  "coating part relaxed alone"))
    for kind in ("ideal", "relaxed"):
        conv = _conv(c.get(f"{e}.w_adh_{kind}.converged"))
        what = "rigid cleaved parts" if kind == "ideal" else "parts relaxed alone"
        c.add(f"w_adh_{kind}_J_per_m2", f"{e}.w_adh_{kind}.w_adh_J_per_m2", "J/m²", "interface",
              conv, _status(conv, what))
    if c.add("gamma_int_J_per_m2", f"{ie}.gamma_int_J_per_m2", "J/m²", "interface", conv_ie,
             _status(conv_ie, "γ_film + γ_coating − W_adh(relaxed)")) is None \
            and c.get(e) is not None:
        notes = [n for n in c.get(f"{e}.notes", []) if "γ_int" in str(n)]
        c.result_notes.append(f"γ_int not computed{': ' + notes[0] if notes else ''}")
    conv_w = _conv(c.get(f"{e}.w_adh_relaxed.converged"))
    regime = c.get(f"{e}.contact_angle.regime", "")
    extrap = c.get(f"{e}.contact_angle.extrapolated_below_melting")
    warn = ["γ_lv extrapolated below the melting point"] if extrap else []
    c.add("contact_angle_deg", f"{e}.contact_angle.theta_deg", "°", "interface", conv_w,
          _status(conv_w, f"Young–Dupré from W_adh(relaxed); {regime}".rstrip("; ")), warn)
    c.add("wetting_regime", f"{e}.contact_angle.regime", "", "interface", conv_w,
          _status(conv_w, "Young–Dupré"))
    c.add("gamma_lv_J_per_m2", f"{e}.contact_angle.gamma_lv_J_per_m2", "J/m²", "method", None,
          _status(None, none_text="input of the contact angle"))
    c.add("contact_angle_T_K", f"{e}.contact_angle.T_K", "K", "method", None,
          _status(None, none_text="setting"))
    rx = f"{e}.reaction"
    conv_r = _conv(c.get(f"{rx}.converged"))
    stable = c.get(f"{rx}.stable_against_li")
    c.add("reaction_meV_per_atom", f"{rx}.reaction_energy_meV_per_atom", "meV/atom",
          "reactivity", conv_r, _status(conv_r, "stable against Li" if stable else
                                         c.get(f"{rx}.reaction", "")))
    c.add("reaction_eV_per_Li", f"{rx}.reaction_energy_eV_per_Li", "eV/Li", "reactivity", conv_r,
          _status(conv_r, "per Li atom consumed"))
    c.add("reaction_products", f"{rx}.products", "", "reactivity", conv_r, _status(conv_r))
    c.add("stable_against_li", f"{rx}.stable_against_li", "", "reactivity", conv_r,
          _status(conv_r))
    if c.get(e) is not None and c.get(rx) is None:
        note = c.get(f"{e}.reaction_note", "")
        c.result_notes.append(f"no reaction energy{': ' + note if note else ''}")
    c.add("fmax_eV_per_A", f"{e}.settings.fmax", "eV/Å", "method", None,
          _status(None, none_text="setting"))
    c.add("registry_points", f"{e}.registry.points", "points", "method", None,
          _status(None, none_text="setting"))
    path = _calculator_path(c, e)
    if path:
        c.add("calculator_energetics", path, "", "method", None, _status(None, none_text="—"))


def _neb_warnings(c: _Collector, m: str) -> list[str]:
    warnings = [f"NEB flag: {f}" for f in c.get(f"{m}.neb.flags", []) or []]
    modes = c.get(f"{m}.saddle_imaginary_modes")
    if modes is not None and modes != 1:
        warnings.append(f"saddle has {modes} imaginary modes (1 expected)")
    return warnings


def _neb_status(c: _Collector, m: str) -> tuple[bool | None, str]:
    conv = _conv(c.get(f"{m}.neb.converged"))
    reached = c.get(f"{m}.neb.fmax_reached_eV_per_A")
    target = c.get(f"{m}.neb.fmax_target_eV_per_A")
    detail = ""
    if isinstance(reached, (int, float)) and isinstance(target, (int, float)):
        detail = f"NEB fmax {reached:.3g} {'≤' if reached <= target else '>'} {target:g} eV/Å"
    return conv, _status(conv, detail)


def _closest_room_T(diffs: list[dict]) -> int | None:
    temps = [(abs(d.get("T_K", math.inf) - ROOM_T_K), i) for i, d in enumerate(diffs)
             if isinstance(d, dict) and isinstance(d.get("T_K"), (int, float))]
    return min(temps)[1] if temps else None


def _migration_values(c: _Collector) -> None:
    m = "bulk_migration"
    if c.get(m) is not None:
        conv, status = _neb_status(c, m)
        warn = _neb_warnings(c, m)
        c.add("barrier_coating_eV", f"{m}.neb.barrier_forward_eV", "eV", "transport", conv,
              status, warn)
        if c.get(f"{m}.hop.reverse_equivalent") is False:
            c.add("barrier_coating_backward_eV", f"{m}.neb.barrier_backward_eV", "eV",
                  "transport", conv, status, warn)
        note = c.get(f"{m}.attempt_frequency_note", "")
        c.add("attempt_frequency_coating_Hz", f"{m}.attempt_frequency_Hz", "Hz", "transport",
              conv, _status(conv, note), warn)
        diffs = c.get(f"{m}.diffusivities", []) or []
        i = _closest_room_T(diffs)
        if i is not None:
            d = f"{m}.diffusivities[{i}]"
            c.add("D_T_K", f"{d}.T_K", "K", "transport", None,
                  _status(None, none_text=f"record temperature closest to {ROOM_T_K:g} K"))
            src = c.get(f"{d}.attempt_frequency_source", "")
            frac = c.get(f"{d}.defect_fraction_source", "")
            neb_detail = status.split("; ", 1)[1] if "; " in status else ""
            detail = "; ".join(x for x in (f"barrier: {neb_detail}" if neb_detail else "",
                                           f"ν: {src}" if src else "",
                                           f"defects: {frac}" if frac else "") if x)
            dwarn = warn + (["attempt frequency is the 1e13 Hz fallback"]
                            if "fallback" in str(src) else [])
            c.add("D_coating_cm2_per_s", f"{d}.D_cm2_per_s", "cm²/s", "transport", conv,
                  _status(conv, detail), dwarn)
            c.add("sigma_coating_S_per_cm", f"{d}.conductivity_S_per_cm", "S/cm", "transport",
                  conv, _status(conv, "Nernst–Einstein from D"), dwarn)
        c.add("natoms_coating_hop", f"{m}.hop.natoms", "atoms", "model", None,
              _status(None, none_text="model size"))
        c.add("neb_images_coating", f"{m}.neb.n_images", "images", "method", None,
              _status(None, none_text="setting"))
        path = _calculator_path(c, m)
        if path:
            c.add("calculator_coating_hop", path, "", "method", None, _status(None, none_text="—"))
    m = "interface_migration"
    if c.get(m) is not None:
        conv, status = _neb_status(c, m)
        warn = _neb_warnings(c, m)
        c.add("barrier_interface_eV", f"{m}.neb.barrier_forward_eV", "eV", "transport", conv,
              status, warn)
        c.add("barrier_interface_backward_eV", f"{m}.neb.barrier_backward_eV", "eV",
              "transport", conv, status, warn)
        c.add("attempt_frequency_interface_Hz", f"{m}.attempt_frequency_Hz", "Hz", "transport",
              conv, _status(conv, c.get(f"{m}.attempt_frequency_note", "")), warn)
        c.add("natoms_interface_hop", f"{m}.hop.natoms", "atoms", "model", None,
              _status(None, none_text="model size"))
        c.add("neb_images_interface", f"{m}.neb.n_images", "images", "method", None,
              _status(None, none_text="setting"))
        path = _calculator_path(c, m)
        if path:
            c.add("calculator_interface_hop", path, "", "method", None,
                  _status(None, none_text="—"))


def _segregation_values(c: _Collector) -> None:
    s = "mg_segregation"
    if c.get(s) is None:
        return
    conv = _conv(c.get(f"{s}.converged"))
    c.add("mg_segregation_surface_eV", f"{s}.surface_eV", "eV", "segregation", conv,
          _status(conv, "negative: Mg prefers the surface site"))
    c.add("mg_segregation_interface_eV", f"{s}.interface_eV", "eV", "segregation", conv,
          _status(conv, "negative: Mg prefers the interface site"))
    if isinstance(c.get(f"{s}.natoms"), (int, float)):
        c.add("natoms_segregation", f"{s}.natoms", "atoms", "model", None,
              _status(None, none_text="model size"))
    path = _calculator_path(c, s)
    if path:
        c.add("calculator_segregation", path, "", "method", None, _status(None, none_text="—"))


def _collect(result: CoatingResult) -> tuple[list[dict[str, Any]], list[str]]:
    c = _Collector(result)
    _energetics_values(c)
    _migration_values(c)
    _segregation_values(c)
    return c.items, c.result_notes


def report_values(results: Sequence[CoatingResult]) -> list[dict[str, Any]]:
    """Every number (and label) the report shows, per coating: ``{'coating', 'system', 'role',
    'values': [{'name', 'label', 'value', 'unit', 'source', 'converged', 'status', 'group',
    'warnings'}], 'notes'}``. ``source`` is the dotted path of the value in the
    :class:`CoatingResult` (:func:`resolve_source`); ``converged`` is the record's flag (None
    for geometry, settings and model sizes); quantities a coating's records lack are left out."""
    _check_results(results)
    out = []
    for r in results:
        items, notes = _collect(r)
        out.append({"coating": r.coating, "system": r.system, "role": r.role, "values": items,
                    "notes": notes})
    return out


def _check_results(results: Sequence[CoatingResult]) -> None:
    if isinstance(results, CoatingResult) or not isinstance(results, Sequence):
        raise UserInputError("results must be a list of CoatingResult")
    if not results:
        raise UserInputError("no coatings to report: results is empty")
    seen = set()
    for r in results:
        if not isinstance(r, CoatingResult):
            raise UserInputError(f"results must be CoatingResult objects, not {type(r).__name__}")
        _check_result(r)
        if r.coating in seen:
            raise UserInputError(f"coating {r.coating!r} appears twice; give each row its own "
                                 f"name")
        seen.add(r.coating)


# ---------------------------------------------------------------------------------------------
# formatting


def _sci(x: float) -> str:
    if x == 0:
        return "0"
    mantissa, exp_ = f"{x:.2e}".split("e")
    return f"{mantissa}e{int(exp_)}"


def format_number(name: str, value: Any) -> str:
    """A value as the report prints it (3 significant digits or fixed decimals by quantity)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if all(isinstance(v, int) for v in value) and _base(name).endswith("miller"):
            return "(" + "".join(str(v) for v in value) + ")"
        return " + ".join(str(v) for v in value) if value else "none"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    base = _base(name)
    if base.endswith(("_Hz", "_cm2_per_s", "_S_per_cm")):
        return _sci(value)
    if base in ("contact_angle_deg", "reaction_meV_per_atom", "interface_area_A2", "D_T_K",
                "contact_angle_T_K"):
        return f"{value:.1f}"
    if base == "max_strain_percent":
        return f"{value:.2f}"
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
        return _sci(value)
    return f"{value:.3f}"


def _marks(item: dict[str, Any]) -> str:
    marks = NOT_CONVERGED_MARK if item.get("converged") is False else ""
    return marks + (WARNING_MARK if item.get("warnings") else "")


def _cell(vmap: dict[str, dict], name: str, unit: bool = False) -> str:
    item = vmap.get(name)
    if item is None:
        return MISSING
    text = format_number(name, item["value"])
    if unit and item["unit"] and not isinstance(item["value"], (str, list, bool)):
        text += f" {item['unit']}"
    return text + _marks(item)


# ---------------------------------------------------------------------------------------------
# ranking


@dataclass(frozen=True)
class Criterion:
    """One ranking column: the value ranked, which way is better, and why."""

    name: str
    title: str
    better: str  # 'higher' or 'lower'
    why: str


CRITERIA: tuple[Criterion, ...] = (
    Criterion("w_adh_relaxed_J_per_m2", "W_adh relaxed", "higher",
              "higher work of adhesion keeps Li in contact with the coating when Li is stripped "
              "(fewer interfacial voids)"),
    Criterion("gamma_int_J_per_m2", "γ_int", "lower",
              "lower interface energy: the Li/coating interface costs less, Li spreads on the "
              "coating instead of balling up"),
    Criterion("contact_angle_deg", "contact angle", "lower",
              "lower contact angle of liquid Li (Young–Dupré): Li wets the coating"),
    Criterion("max_strain_percent", "lattice match", "lower",
              "smaller strain on the Li film: a more coherent, epitaxy-like match"),
    Criterion("reaction_meV_per_atom", "reaction with Li", "higher",
              "closer to 0 is better: 0 = thermodynamically stable against Li metal, negative "
              "= Li reduces the coating (it converts into other phases)"),
    Criterion("barrier_coating_eV", "Li barrier in coating", "lower",
              "lower in-coating migration barrier: fast Li⁺ transport through the layer"),
    Criterion("D_coating_cm2_per_s", "D near 300 K", "higher",
              "higher Li diffusivity near room temperature (defect concentration included): "
              "fast Li transport"),
    Criterion("barrier_interface_eV", "barrier Li → coating", "lower",
              "lower barrier for a Li atom to cross from the Li film into the coating"),
    Criterion("mg_segregation_surface_eV", "Mg → surface", "lower",
              "more negative: Mg prefers the surface, the thermodynamic route to a self-forming "
              "Li–Mg coating"),
    Criterion("mg_segregation_interface_eV", "Mg → interface", "lower",
              "more negative: Mg prefers the Li/coating interface (a self-forming Li–Mg "
              "interphase)"),
)


def ranking(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per criterion: the rank of every coating (role 'coating') that has the number (1 =
    best; equal values share a rank); reference rows and missing numbers get None.
    Unconverged numbers are ranked and listed in ``not_converged``."""
    out = []
    for crit in CRITERIA:
        have = {}
        for e in entries:
            item = next((v for v in e["values"] if v["name"] == crit.name), None)
            if item is not None and e["role"] == "coating" and \
                    isinstance(item["value"], (int, float)) and not isinstance(item["value"], bool):
                have[e["coating"]] = item
        sign = -1.0 if crit.better == "higher" else 1.0
        ranks = {}
        for coating, item in have.items():
            ranks[coating] = 1 + sum(sign * other["value"] < sign * item["value"]
                                     for other in have.values())
        out.append({"criterion": crit.name, "title": crit.title, "better": crit.better,
                    "why": crit.why, "ranks": {e["coating"]: ranks.get(e["coating"])
                                               for e in entries},
                    "not_converged": sorted(c for c, item in have.items()
                                            if item["converged"] is False)})
    return out


# ---------------------------------------------------------------------------------------------
# experiment beside computation


def _source_numbers(entries: list[dict]) -> dict[str, int]:
    keys: list[str] = []
    for e in entries:
        for m in exp.measurements_for(e["coating"]):
            if m.source not in keys:
                keys.append(m.source)
    return {k: i + 1 for i, k in enumerate(keys)}


def _ref(m: exp.Measurement, numbers: dict[str, int]) -> str:
    return f"[{numbers[m.source]}]"


def _comparison(m: exp.Measurement, item: dict[str, Any] | None,
                vmap: dict[str, dict]) -> str:
    """A short machine-made comparison of a computed value with an observed one."""
    if item is None:
        return "not computed here"
    v = item["value"]
    if m.compare_with == "reaction_meV_per_atom":
        products = vmap.get("reaction_products")
        stable = vmap.get("stable_against_li")
        if stable is not None and stable["value"]:
            return "computed: stable against Li"
        if products is not None:
            return f"computed: reacts to {format_number('reaction_products', products['value'])}"
        return "qualitative"
    if m.compare_with == "mg_segregation_surface_eV" and isinstance(v, (int, float)):
        return ("computed: Mg prefers the surface" if v < 0
                else "computed: Mg prefers the bulk (no surface segregation)")
    if not isinstance(v, (int, float)) or isinstance(v, bool) or m.value is None:
        return "qualitative"
    if isinstance(m.value, tuple):
        lo, hi = m.value
        where = "inside" if lo <= v <= hi else ("below" if v < lo else "above")
        return f"computed {where} the range"
    if item["unit"] in ("cm²/s", "S/cm") and v > 0 and m.value > 0:
        ratio = v / m.value
        text = f"computed/observed = {_sci(ratio)} (10^{math.log10(ratio):+.1f})"
        t = vmap.get("D_T_K")
        if m.T_K is not None and t is not None:
            text += f"; computed at {t['value']:g} K, observed at {m.T_K:g} K"
        return text
    if item["unit"] == "J/m²":
        return f"computed − literature = {v - m.value:+.3f} J/m²"
    return "—"


def _experiment_rows(entries: list[dict], numbers: dict[str, int]) -> list[dict[str, Any]]:
    rows = []
    for e in entries:
        vmap = {v["name"]: v for v in e["values"]}
        for m in exp.measurements_for(e["coating"]):
            if m.compare_with is None or m.coatings[0] != exp.experiment_key(e["coating"]):
                continue
            item = vmap.get(m.compare_with)
            rows.append({"coating": e["coating"], "computed_name": m.compare_with,
                         "computed": _cell(vmap, m.compare_with, unit=True),
                         "computed_source": item["source"] if item else None,
                         "observed": m.value_text(), "quantity": m.quantity, "kind": m.kind,
                         "conditions": m.conditions, "source": m.citation,
                         "ref": _ref(m, numbers), "measurement": m.key,
                         "comparison": _comparison(m, item, vmap)})
    return rows


def _trend_checks(entries: list[dict], ranks: list[dict]) -> list[str]:
    """Observed orderings (one quantity, one study, several of our coatings) beside the
    computed order of each criterion for the same coatings."""
    names = {exp.experiment_key(e["coating"]): e["coating"] for e in entries
             if e["role"] == "coating"}
    groups: dict[tuple[str, str], list[tuple[exp.Measurement, str]]] = {}
    for m in exp.MEASUREMENTS:
        if not isinstance(m.value, (int, float)) or m.quantity != "critical current density":
            continue
        for key in m.coatings:
            if key in names:
                groups.setdefault((m.source, m.quantity), []).append((m, names[key]))
    lines = []
    for (source, quantity), members in groups.items():
        if len(members) < 2:
            continue
        members.sort(key=lambda mc: -mc[0].value)
        observed = [c for _, c in members]
        text = (f"Observed {quantity} ({exp.SHORT[source]}, one study): "
                + " > ".join(f"{c} ({m.value_text()})" for m, c in members) + ".")
        parts = []
        for r in ranks:
            got = {c: r["ranks"].get(c) for c in observed}
            if any(k is None for k in got.values()):
                continue
            levels = sorted(set(got.values()))
            groups_ = [[c for c in observed if got[c] == k] for k in levels]
            if any(len(g) > 1 for g in groups_):
                verdict = "ties: order not resolved"
            else:
                verdict = "same order" if [g[0] for g in groups_] == observed \
                    else "different order"
            parts.append(f"{r['title']}: {' > '.join(' = '.join(g) for g in groups_)} "
                         f"({verdict})")
        text += (" Computed, best first: " + "; ".join(parts) + "."
                 if parts else " No criterion has a computed number for all of them.")
        lines.append(text)
    return lines


# ---------------------------------------------------------------------------------------------
# figures (matplotlib, Agg, no pyplot state)


def _new_figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _bar_values(entries, names):
    rows = []
    for e in entries:
        vmap = {v["name"]: v for v in e["values"]}
        if any(n in vmap for n in names):
            rows.append((e["coating"], [vmap.get(n) for n in names]))
    return rows


def _figure_adhesion(entries) -> bytes | None:
    names = ["w_adh_ideal_J_per_m2", "w_adh_relaxed_J_per_m2", "gamma_int_J_per_m2"]
    rows = _bar_values(entries, names)
    if not rows:
        return None
    import numpy as np

    fig = _new_figure(max(5.0, 1.3 * len(rows) + 2), 3.8)
    ax = fig.subplots()
    x = np.arange(len(rows))
    width = 0.26
    colours = ["tab:blue", "tab:orange", "tab:green"]
    for k, name in enumerate(names):
        for i, (_, items) in enumerate(rows):
            item = items[k]
            if item is None:
                continue
            ax.bar(x[i] + (k - 1) * width, item["value"], width, color=colours[k],
                   hatch="//" if item["converged"] is False else None,
                   edgecolor="black" if item["converged"] is False else colours[k],
                   label=quantity_label(name) if i == next(
                       j for j, (_, it) in enumerate(rows) if it[k] is not None) else None)
    ax.axhline(0, color="0.5", lw=0.8)
    ax.set_xticks(x, [c for c, _ in rows])
    ax.set_ylabel("J/m²")
    ax.set_title("W_adh and γ_int per coating (hatched: not converged)", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _png(fig)


def _figure_contact_angle(entries) -> bytes | None:
    rows = _bar_values(entries, ["contact_angle_deg", "wetting_regime"])
    rows = [(c, items) for c, items in rows if items[0] is not None]
    if not rows:
        return None
    fig = _new_figure(max(5.0, 1.0 * len(rows) + 2), 3.6)
    ax = fig.subplots()
    for i, (_, (item, regime)) in enumerate(rows):
        bad = item["converged"] is False
        ax.bar(i, item["value"], 0.6, color="tab:purple", hatch="//" if bad else None,
               edgecolor="black" if bad else "tab:purple")
        text = f"{item['value']:.1f}°" + (f"\n{regime['value']}" if regime else "")
        ax.annotate(text, (i, item["value"]), textcoords="offset points",
                    xytext=(0, 3), ha="center", fontsize=8)
    ax.axhline(90, color="tab:red", ls="--", lw=1, label="90°: wetting below")
    ax.set_xticks(range(len(rows)), [c for c, _ in rows])
    ax.set_ylim(0, 185)
    ax.set_ylabel("θ of liquid Li (°)")
    ax.set_title("Contact angle of liquid Li (hatched: not converged)", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return _png(fig)


def _figure_reaction(entries) -> bytes | None:
    rows = _bar_values(entries, ["reaction_meV_per_atom", "reaction_products"])
    rows = [(c, items) for c, items in rows if items[0] is not None]
    if not rows:
        return None
    fig = _new_figure(max(5.0, 1.0 * len(rows) + 2), 3.6)
    ax = fig.subplots()
    for i, (_, (item, products)) in enumerate(rows):
        bad = item["converged"] is False
        ax.bar(i, item["value"], 0.6, color="tab:red", hatch="//" if bad else None,
               edgecolor="black" if bad else "tab:red")
        label = ("stable" if not products or not products["value"]
                 else format_number("reaction_products", products["value"]))
        ax.annotate(f"{item['value']:.0f} meV/atom\n{label}", (i, min(item["value"], 0)),
                    textcoords="offset points", xytext=(0, -24 if item["value"] < 0 else 3),
                    ha="center", fontsize=7)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xticks(range(len(rows)), [c for c, _ in rows])
    low = min(min(items[0]["value"] for _, items in rows), 0.0)
    span = max(-low, 10.0)
    ax.set_ylim(-1.35 * span, 0.25 * span)
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.set_ylabel("reaction energy with Li (meV/atom)")
    ax.set_title("Reaction with Li metal (0 = stable; hatched: not converged)", fontsize=10)
    fig.tight_layout()
    return _png(fig)


def _figure_neb(results: Sequence[CoatingResult]) -> bytes | None:
    panels = []
    for r in results:
        for field_, what in (("bulk_migration", "in the coating"),
                             ("interface_migration", "across the interface")):
            rec = getattr(r, field_)
            neb = (rec or {}).get("neb") or {}
            x, y = neb.get("reaction_coordinate_A"), neb.get("image_energies_eV")
            if x and y and len(x) == len(y):
                panels.append((f"{r.coating}: {rec.get('species', '')} {what}", x, y, neb))
    if not panels:
        return None
    ncol = min(3, len(panels))
    nrow = math.ceil(len(panels) / ncol)
    fig = _new_figure(4.0 * ncol, 3.0 * nrow)
    axes = fig.subplots(nrow, ncol, squeeze=False)
    for ax, (title, x, y, neb) in zip(axes.flat, panels, strict=False):
        bad = neb.get("converged") is False
        ax.plot(x, y, "o-", color="tab:red" if bad else "tab:blue")
        ax.axhline(0, color="0.7", lw=0.8)
        barrier = neb.get("barrier_forward_eV")
        if isinstance(barrier, (int, float)):
            i = neb.get("saddle_index", max(range(len(y)), key=lambda k: y[k]))
            ax.annotate(f"{barrier:.3f} eV", (x[i], y[i]), textcoords="offset points",
                        xytext=(0, 5), ha="center", fontsize=8)
        ax.margins(y=0.2)
        ax.set_title(title + (" (NOT converged)" if bad else ""), fontsize=9)
        ax.set_xlabel("reaction coordinate (Å)", fontsize=8)
        ax.set_ylabel("E − E(initial) (eV)", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    fig.tight_layout()
    return _png(fig)


def _figure_arrhenius(results: Sequence[CoatingResult]) -> bytes | None:
    lines = []
    for r in results:
        diffs = (r.bulk_migration or {}).get("diffusivities") or []
        pts = sorted((d["T_K"], d["D_cm2_per_s"]) for d in diffs
                     if isinstance(d, dict) and isinstance(d.get("T_K"), (int, float))
                     and isinstance(d.get("D_cm2_per_s"), (int, float)) and d["D_cm2_per_s"] > 0)
        if pts:
            conv = ((r.bulk_migration or {}).get("neb") or {}).get("converged")
            lines.append((r.coating, pts, conv is False))
    if not lines:
        return None
    import numpy as np

    fig = _new_figure(8.0, 4.2)
    ax = fig.subplots()
    for coating, pts, bad in lines:
        T = np.array([p[0] for p in pts])
        D = np.array([p[1] for p in pts])
        ax.plot(1000.0 / T, np.log10(D), "o--" if bad else "o-",
                label=coating + (" (NOT converged)" if bad else ""))
    markers = iter(["*", "P", "X", "D"])
    for m in exp.DIFFUSIVITIES:
        if m.T_K is not None and isinstance(m.value, float) and "Li" in m.coatings:
            measured = m.kind == "measured"
            ax.plot([1000.0 / m.T_K], [math.log10(m.value)], next(markers, "*"),
                    ms=14 if measured else 7, zorder=5 if measured else 4, color="black",
                    mfc="gold" if measured else "white",
                    label=f"Li self-diffusion, {m.conditions} ({exp.SHORT[m.source]})")
    ax.set_xlabel("1000 / T (1/K)")
    ax.set_ylabel("log10 D (cm²/s)")
    ax.set_title("Arrhenius plot: computed diffusivity of the hopping species", fontsize=10)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return _png(fig)


def _load_atoms(obj):
    if obj is None:
        return None
    if isinstance(obj, (str, Path)):
        from ase.io import read

        path = Path(obj)
        if not path.is_file():
            raise UserInputError(f"relaxed interface file {str(path)!r} not found")
        return read(path)
    return obj


def _figure_interface(coating: str, atoms) -> bytes:
    from ase.data import chemical_symbols
    from ase.data.colors import jmol_colors
    from ase.visualize.plot import plot_atoms
    from matplotlib.patches import Patch

    fig = _new_figure(7.0, 4.5)
    ax = fig.subplots()
    colours = [jmol_colors[z] for z in atoms.numbers]
    plot_atoms(atoms, ax, rotation="-90x", colors=colours, radii=0.9)
    present = sorted(set(int(z) for z in atoms.numbers))
    handles = [Patch(facecolor=jmol_colors[z], edgecolor="black", label=chemical_symbols[z])
               for z in present]
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=9)
    ax.set_axis_off()
    formula = atoms.get_chemical_formula()
    ax.set_title(f"{coating}: relaxed interface, side view ({formula}, {len(atoms)} atoms)",
                 fontsize=10)
    fig.tight_layout()
    return _png(fig)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "coating"


def make_figures(results: Sequence[CoatingResult], entries: list[dict]
                 ) -> list[tuple[str, str, bytes]]:
    """(file name, caption, PNG bytes) of every figure there is data for."""
    figs = []
    for name, caption, make in (
            ("adhesion.png", "Work of adhesion (ideal: rigid cleaved parts; relaxed: parts "
             "relaxed alone) and interface energy γ_int per coating.",
             lambda: _figure_adhesion(entries)),
            ("contact_angle.png", "Contact angle of liquid Li from W_adh(relaxed) (Young–Dupré); "
             "below 90° liquid Li wets the coating.", lambda: _figure_contact_angle(entries)),
            ("reaction.png", "Reaction energy of Li metal with each coating (phase diagram with "
             "the same calculator) and the products.", lambda: _figure_reaction(entries)),
            ("neb_profiles.png", "NEB energy profiles: energy along the hop relative to the "
             "relaxed initial state, one panel per barrier.", lambda: _figure_neb(results)),
            ("arrhenius.png", "Arrhenius plot of the computed diffusivities (log10 D against "
             "1000/T) with the Li self-diffusion at 25 °C of Yan et al. 2020 (black markers).", lambda: _figure_arrhenius(results))):
        png = make()
        if png is not None:
            figs.append((name, caption, png))
    used = set()
    for r in results:
        atoms = _load_atoms(r.relaxed_interface)
        if atoms is None or len(atoms) == 0:
            continue
        name = f"interface_{_slug(r.coating)}.png"
        while name in used:
            name = name.replace(".png", "-2.png")
        used.add(name)
        figs.append((name, f"{r.coating} ({r.system}): relaxed interface, side view, atoms "
                     f"coloured by element (Jmol colours).", _figure_interface(r.coating, atoms)))
    return figs


# ---------------------------------------------------------------------------------------------
# the document: blocks rendered to Markdown and to HTML


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _to_markdown(blocks: list[tuple]) -> str:
    out: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind == "h":
            out.append(f"{'#' * block[1]} {block[2]}\n")
        elif kind == "p":
            out.append(f"{block[1]}\n")
        elif kind == "ul":
            out.append("\n".join(f"- {item}" for item in block[1]) + "\n")
        elif kind == "table":
            headers, rows = block[1], block[2]
            lines = ["| " + " | ".join(_md_cell(h) for h in headers) + " |",
                     "|" + "---|" * len(headers)]
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
            out.append("\n".join(lines) + "\n")
        elif kind == "img":
            out.append(f"![{block[2]}](figures/{block[1]})\n\n*{block[2]}*\n")
        elif kind == "details":
            out.append(f"**{block[1]}**\n")
            out.append(_to_markdown(block[2]))
    return "\n".join(out)


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1200px;
padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:2px solid #446;padding-bottom:.2em}h2{border-bottom:1px solid #ccd;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.88em}
th,td{border:1px solid #bbc;padding:.25em .5em;vertical-align:top}
th{background:#eef0f6;text-align:left}tr:nth-child(even) td{background:#f8f8fb}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #dde}
figcaption{font-size:.85em;color:#555}details{margin:.5em 0}summary{cursor:pointer;font-weight:600}
.note{font-size:.88em;color:#555}
"""


def _to_html(blocks: list[tuple], title: str, figures: dict[str, bytes]) -> str:
    esc = html.escape

    def render(blocks) -> list[str]:
        out = []
        for block in blocks:
            kind = block[0]
            if kind == "h":
                out.append(f"<h{block[1]}>{esc(block[2])}</h{block[1]}>")
            elif kind == "p":
                out.append(f"<p>{esc(block[1])}</p>")
            elif kind == "ul":
                out.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in block[1]) + "</ul>")
            elif kind == "table":
                head = "".join(f"<th>{esc(str(h))}</th>" for h in block[1])
                body = "".join("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in row)
                               + "</tr>" for row in block[2])
                out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            elif kind == "img":
                data = base64.b64encode(figures[block[1]]).decode("ascii")
                out.append(f'<figure><img alt="{esc(block[2])}" '
                           f'src="data:image/png;base64,{data}"><figcaption>{esc(block[2])}'
                           f"</figcaption></figure>")
            elif kind == "details":
                out.append(f"<details><summary>{esc(block[1])}</summary>"
                           + "\n".join(render(block[2])) + "</details>")
        return out

    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            + "\n".join(render(blocks)) + "\n</body>\n</html>\n")


def _vmaps(entries):
    return {e["coating"]: {v["name"]: v for v in e["values"]} for e in entries}


def _table(entries, columns: list[tuple[str, str]], vmaps) -> tuple | None:
    """A table of (name, header) columns, rows only for coatings with one of them."""
    rows = []
    for e in entries:
        vmap = vmaps[e["coating"]]
        if not any(name in vmap for name, _ in columns):
            continue
        role = "" if e["role"] == "coating" else " (ref.)"
        rows.append([e["coating"] + role] + [_cell(vmap, name) for name, _ in columns])
    if not rows:
        return None
    return ("table", ["coating"] + [h for _, h in columns], rows)


def _surface_table(entries, vmaps) -> tuple | None:
    rows = []
    for e in entries:
        for name, item in vmaps[e["coating"]].items():
            if _base(name) == "gamma_surface_J_per_m2":
                rows.append([e["coating"], name[len("gamma_surface_J_per_m2") + 1:-1],
                             _cell(vmaps[e["coating"]], name), item["status"]])
    return ("table", ["coating", "surface (hkl, termination)", "γ (J/m²)", "status"], rows) \
        if rows else None


def _params_text(calc: Any) -> str:
    if isinstance(calc, str):
        return calc
    if not isinstance(calc, dict):
        return MISSING
    label = calc.get("label") or calc.get("name") or "?"
    parts = [f"name {calc['name']}" if calc.get("name") else "",
             f"model {calc['model']}" if calc.get("model") else ""]
    params = calc.get("parameters") or {}
    kp = {k: v for k, v in params.items()
          if ("kpt" in k.lower() or "kpoint" in k.lower()) and v not in (None, "", {})}
    if params:
        parts.append("parameters: " + ", ".join(f"{k}={v!r}" if isinstance(v, str) else
                                                f"{k}={v}" for k, v in params.items()))
    if kp:
        parts.append("k-points: " + ", ".join(f"{k}={v}" for k, v in kp.items()))
    if calc.get("package_version"):
        parts.append(f"package version {calc['package_version']}")
    detail = "; ".join(p for p in parts if p)
    return f"{label} ({detail})" if detail else label


def _g(x: Any) -> str:
    """A float from a record quoted to 4 significant digits (other values as they are)."""
    return f"{x:.4g}" if isinstance(x, float) else str(x)


def _unique(values) -> list:
    out = []
    for v in values:
        if v is not None and v not in out:
            out.append(v)
    return out


def _method_energetics(e: dict) -> list[str]:
    items = [f"calculator: {_params_text(e.get('calculator'))}"]
    i = e.get("interface") or {}
    if i:
        fm = "".join(map(str, i.get("film_miller") or []))
        sm = "".join(map(str, i.get("substrate_miller") or []))
        items.append(
            f"interface model {i.get('label', '?')}: {i.get('kind', '?')}, film {i.get('film')} "
            f"({fm}) {i.get('film_layers')} layers on coating {i.get('substrate')} ({sm}) "
            f"{i.get('substrate_layers')} layers, {i.get('natoms')} atoms, area "
            f"{i.get('area_A2', float('nan')):.1f} Å², gap {i.get('gap_A')} Å, vacuum "
            f"{i.get('vacuum_A')} Å, strain on the {i.get('strained', 'film')} (max "
            f"{i.get('max_abs_strain_percent', float('nan')):.2f} %), "
            f"{len(i.get('fixed_indices') or [])} atoms fixed")
    s = e.get("settings") or {}
    if s:
        items.append(f"settings: fmax {s.get('fmax')} eV/Å (bulk {s.get('bulk_fmax')} eV/Å), "
                     f"at most {s.get('steps')} steps, optimizer {s.get('optimizer')}, "
                     f"registry grid {s.get('scan_grid') or 'none (no scan)'}, contact angle at "
                     f"{s.get('T_K')} K")
    reg = e.get("registry")
    if reg:
        items.append(f"registry scan: grid {reg.get('grid')}, {reg.get('points')} points "
                     f"evaluated, best in-plane shift {reg.get('best_shift_frac')} (fractional), "
                     f"gap {reg.get('best_gap_A')} Å")
    recs = e.get("records") or {}
    if recs:
        targets = _unique(r.get("fmax_target_eV_per_A") for r in recs.values())
        opts = _unique(r.get("optimizer") for r in recs.values())
        sizes = _unique(r.get("natoms") for r in recs.values())
        bad = [k for k, r in recs.items() if r.get("converged") is False]
        items.append(f"{len(recs)} relaxations/single points: fmax targets {targets} eV/Å, "
                     f"optimizers {opts}, model sizes {sizes} atoms; "
                     + (f"NOT converged: {', '.join(bad)}" if bad else "all converged"))
    ie = e.get("interface_energy") or {}
    if ie.get("mu_limit"):
        items.append(f"chemical potentials: {ie['mu_limit']}")
    ca = e.get("contact_angle") or {}
    if ca:
        items.append(f"contact angle: Young–Dupré, γ_lv = {ca.get('gamma_lv_J_per_m2')} J/m² at "
                     f"{ca.get('T_K')} K"
                     + (" (extrapolated below the melting point)"
                        if ca.get("extrapolated_below_melting") else ""))
    rx = e.get("reaction")
    if rx:
        phases = ", ".join(rx.get("phases_eV_per_atom") or {})
        items.append(f"reaction with Li: pymatgen phase diagram of {phases} "
                     f"(calculator {_params_text(rx.get('calculator'))})")
    elif e.get("reaction_note"):
        items.append(f"reaction with Li: {e['reaction_note']}")
    items += [f"note: {n}" for n in e.get("notes") or []]
    return items


def _method_migration(m: dict) -> list[str]:
    hop = m.get("hop") or {}
    neb = m.get("neb") or {}
    items = [f"calculator: {_params_text(m.get('calculator'))}",
             f"hop {hop.get('label', '?')}: {m.get('mechanism')} of {m.get('species')} in "
             f"{m.get('host')}, {hop.get('natoms')} atoms"
             + (f", sites {hop['wyckoff_sites']}" if hop.get("wyckoff_sites") else "")]
    if neb:
        ends = neb.get("endpoints") or {}
        end_fmax = _unique(r.get("fmax_target_eV_per_A") for r in ends.values()
                           if isinstance(r, dict))
        items.append(
            f"NEB: {neb.get('n_images')} images, climbing image {neb.get('climb')}, "
            f"{neb.get('method')} tangent, spring {neb.get('spring_eV_per_A2')} eV/Å², "
            f"optimizer {neb.get('optimizer')}, fmax target {neb.get('fmax_target_eV_per_A')} "
            f"eV/Å (reached {_g(neb.get('fmax_reached_eV_per_A'))}), {neb.get('steps')} steps, "
            + ("converged" if neb.get("converged") else "NOT converged")
            + (f"; end points relaxed to fmax {end_fmax} eV/Å" if end_fmax else ""))
        notes = m.get("notes") or []
        for flag in neb.get("flags") or []:
            if flag not in notes:
                items.append(f"NEB flag: {flag}")
    items.append(f"attempt frequency (phonon method): {m.get('attempt_frequency_note', MISSING)}"
                 + (f"; saddle imaginary modes: {m['saddle_imaginary_modes']}"
                    if m.get("saddle_imaginary_modes") is not None else ""))
    lat = m.get("lattice")
    if lat:
        items.append(f"D geometry: {lat.get('name')} (z = {lat.get('z')}, d = "
                     f"{_g(lat.get('d_A'))} Å, f = {lat.get('f')}: {lat.get('source')})")
    if m.get("formation_reference"):
        items.append(f"defect formation: {m['formation_reference']}")
    temps = [d.get("T_K") for d in m.get("diffusivities") or [] if isinstance(d, dict)]
    if temps:
        items.append(f"temperatures: {temps} K")
    lit = m.get("literature_barrier")
    if lit:
        items.append(f"literature barrier {lit.get('range_eV')} eV ({lit.get('source')}): "
                     f"computed {lit.get('computed_is')}")
    items += [f"note: {n}" for n in m.get("notes") or []]
    return items


def _method_segregation(s: dict) -> list[str]:
    items = [f"calculator: {_params_text(s.get('calculator'))}"]
    shown = ("surface_eV", "interface_eV", "calculator")
    for k, v in s.items():
        if k not in shown and isinstance(v, (str, int, float, bool)):
            items.append(f"{k}: {v}")
    return items


def _campaign_lines(campaign: dict | None) -> list[str]:
    if not campaign:
        return []
    return [f"{k}: {v}" for k, v in campaign.items()
            if isinstance(v, (str, int, float, bool)) and v != ""]


def _build_document(results, entries, ranks, exp_rows, trends, figures, title, campaign,
                    numbers) -> list[tuple]:
    vmaps = _vmaps(entries)
    B: list[tuple] = [("h", 1, title)]
    B.append(("p", "Computed descriptors of Li/coating interfaces set side by side, next to what "
              "experiments observed. Every number comes from the records listed in results.json "
              f"(value, unit, record path, convergence status). {NOT_CONVERGED_MARK} = the record "
              f"says NOT converged; {WARNING_MARK} = a warning (NEB flag, saddle not first "
              f"order, fallback attempt frequency; see the value table); {MISSING} = not computed."))
    lines = _campaign_lines(campaign)
    if lines:
        B += [("h", 2, "Campaign"), ("ul", lines)]

    B.append(("h", 2, "Ranking"))
    B.append(("p", "Rank 1 = best among the coatings (reference rows are shown, not ranked); "
              "only numbers that exist are ranked; no combined score is formed, the criteria "
              "are not commensurate. The criterion of each column:"))
    B.append(("ul", [f"{r['title']}: {r['better']} is better — {r['why']}" for r in ranks]))
    active = [r for r in ranks if any(e["coating"] in r["ranks"] and r["criterion"] in
                                      vmaps[e["coating"]] for e in entries)]
    rows = []
    for e in entries:
        vmap = vmaps[e["coating"]]
        row = [e["coating"] + ("" if e["role"] == "coating" else " (ref.)")]
        for r in active:
            text = _cell(vmap, r["criterion"])
            rank = r["ranks"].get(e["coating"])
            if r["criterion"] == "D_coating_cm2_per_s" and "D_T_K" in vmap:
                text += f" at {format_number('D_T_K', vmap['D_T_K']['value'])} K"
            if text == MISSING:
                row.append(MISSING)
            else:
                row.append(f"#{rank} ({text})" if rank is not None else f"ref. ({text})")
        heads = [m for m in exp.measurements_for(e["coating"]) if m.headline]
        row.append("; ".join(f"{m.quantity}: {m.value_text()} {_ref(m, numbers)}"
                             for m in heads) or MISSING)
        rows.append(row)
    B.append(("table", ["coating"] + [r["title"] for r in active] + ["observed (experiment)"],
              rows))
    if trends:
        B += [("h", 3, "Computed trend beside the observed one"), ("ul", trends)]

    B.append(("h", 2, "Interface energetics"))
    t = _table(entries, [("interface_area_A2", "area (Å²)"),
                         ("max_strain_percent", "max strain of film (%)"),
                         ("film_miller", "film plane"), ("coating_miller", "coating plane"),
                         ("w_adh_ideal_J_per_m2", "W_adh ideal (J/m²)"),
                         ("w_adh_relaxed_J_per_m2", "W_adh relaxed (J/m²)"),
                         ("gamma_film_as_cut_J_per_m2", "γ film as cut (J/m²)"),
                         ("gamma_coating_as_cut_J_per_m2", "γ coating as cut (J/m²)"),
                         ("gamma_int_J_per_m2", "γ_int (J/m²)"),
                         ("contact_angle_deg", "contact angle (°)"),
                         ("wetting_regime", "regime")], vmaps)
    B.append(t if t else ("p", "No interface energetics in these records."))
    st = _surface_table(entries, vmaps)
    if st:
        B += [("h", 3, "Free-surface energies used"), st]

    B.append(("h", 2, "Reactivity with Li metal"))
    t = _table(entries, [("reaction_meV_per_atom", "E_rxn (meV/atom)"),
                         ("reaction_eV_per_Li", "E_rxn (eV/Li)"),
                         ("reaction_products", "products"),
                         ("stable_against_li", "stable against Li")], vmaps)
    B.append(t if t else ("p", "No reaction energies in these records."))

    B.append(("h", 2, "Li transport"))
    t = _table(entries, [("barrier_coating_eV", "barrier in coating (eV)"),
                         ("barrier_coating_backward_eV", "backward (eV)"),
                         ("attempt_frequency_coating_Hz", "ν* (Hz)"),
                         ("D_T_K", "T (K)"), ("D_coating_cm2_per_s", "D (cm²/s)"),
                         ("sigma_coating_S_per_cm", "σ (S/cm)"),
                         ("barrier_interface_eV", "barrier Li → coating (eV)"),
                         ("barrier_interface_backward_eV", "barrier coating → Li (eV)")], vmaps)
    B.append(t if t else ("p", "No migration records."))

    t = _table(entries, [("mg_segregation_surface_eV", "Mg to surface (eV)"),
                         ("mg_segregation_interface_eV", "Mg to interface (eV)")], vmaps)
    if t:
        B += [("h", 2, "Mg segregation"),
              ("p", "Energy of moving one Mg atom from the Li bulk to the site; negative = Mg "
               "prefers that site."), t]

    B.append(("h", 2, "Models and calculators"))
    t = _table(entries, [("calculator_energetics", "energetics"),
                         ("natoms_interface", "interface (atoms)"),
                         ("calculator_coating_hop", "coating hop"),
                         ("natoms_coating_hop", "coating hop (atoms)"),
                         ("calculator_interface_hop", "interface hop"),
                         ("natoms_interface_hop", "interface hop (atoms)"),
                         ("calculator_segregation", "segregation"),
                         ("natoms_segregation", "segregation (atoms)")], vmaps)
    if t:
        B.append(t)

    B.append(("h", 2, "Figures"))
    for name, caption, _ in figures:
        B.append(("img", name, caption))

    B.append(("h", 2, "Experiment beside computation"))
    B.append(("p", "Measurements on real cells and literature numbers, transcribed from the "
              "project's experimental context; they are not targets for the calculations. "
              "Conditions differ from study to study (cell, electrolyte, thickness), so "
              "compare trends, not absolute values."))
    if exp_rows:
        B.append(("table", ["coating", "computed", "observed", "quantity", "kind", "conditions",
                            "comparison", "source"],
                  [[r["coating"], r["computed"], r["observed"], r["quantity"], r["kind"],
                    r["conditions"], r["comparison"], r["ref"]] for r in exp_rows]))
    for e in entries:
        ms = exp.measurements_for(e["coating"])
        if not ms:
            continue
        B.append(("details", f"All transcribed observations: {e['coating']}", [(
            "table", ["quantity", "value", "conditions", "observation", "kind", "source"],
            [[m.quantity, m.value_text(), m.conditions, m.observation, m.kind,
              _ref(m, numbers) + (f" ({m.cited})" if m.cited else "")] for m in ms])]))
    B.append(("h", 3, "What a good coating needs (reviews)"))
    B.append(("ul", [f"{text} ({'; '.join(exp.SHORT[s] for s in src)})"
                     for text, src in exp.DESIGN_CRITERIA]))
    if numbers:
        B += [("h", 3, "Sources"), ("ul", [f"[{n}] {exp.SOURCES[k]}" for k, n in
                                           numbers.items()])]

    B.append(("h", 2, "How these were computed"))
    B.append(("p", "Quoted from the records: calculator and its parameters, model sizes, force "
              "targets, optimizers, registry scan, NEB set-up and the attempt-frequency (phonon) "
              "method."))
    for r, e in zip(results, entries, strict=True):
        sub: list[tuple] = []
        if r.energetics:
            sub += [("h", 4, "Interface energetics"), ("ul", _method_energetics(r.energetics))]
        if r.bulk_migration:
            sub += [("h", 4, "Migration in the coating"),
                    ("ul", _method_migration(r.bulk_migration))]
        if r.interface_migration:
            sub += [("h", 4, "Migration across the interface"),
                    ("ul", _method_migration(r.interface_migration))]
        if r.mg_segregation:
            sub += [("h", 4, "Mg segregation"), ("ul", _method_segregation(r.mg_segregation))]
        if e["notes"]:
            sub += [("h", 4, "Notes"), ("ul", e["notes"])]
        if sub:
            B += [("h", 3, f"{r.coating} ({r.system}, {r.role})")] + sub

    B.append(("h", 2, "Every value with its status"))
    for e in entries:
        if not e["values"]:
            continue
        B.append(("details", f"{e['coating']}: {len(e['values'])} values", [(
            "table", ["quantity", "value", "unit", "status", "source (record path)"],
            [[v["label"], format_number(v["name"], v["value"]) + _marks(v), v["unit"],
              v["status"] + "".join(f"; {WARNING_MARK} {w}" for w in v["warnings"]),
              v["source"]] for v in e["values"]])]))
    return B


# ---------------------------------------------------------------------------------------------
# CSV / JSON


def csv_cell(value: Any) -> str:
    """A value as results.csv writes it: floats by repr (exact), bools true/false, lists
    joined by '; ' ('none' when empty), None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return "; ".join(str(v) for v in value) if value else "none"
    return str(value)


def csv_header(name: str, unit: str) -> str:
    """Column header of a quantity: the name with its unit, 'w_adh_relaxed_J_per_m2 (J/m²)'."""
    return f"{name} ({unit})" if unit else name


def _csv_text(entries: list[dict]) -> str:
    columns: list[tuple[str, str]] = []
    for e in entries:
        for v in e["values"]:
            if (v["name"], v["unit"]) not in columns:
                columns.append((v["name"], v["unit"]))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["coating", "system", "role"] + [csv_header(n, u) for n, u in columns]
               + ["not_converged"])
    for e in entries:
        vmap = {v["name"]: v for v in e["values"]}
        bad = [v["name"] for v in e["values"] if v["converged"] is False]
        w.writerow([e["coating"], e["system"], e["role"]]
                   + [csv_cell(vmap[n]["value"]) if n in vmap else "" for n, _ in columns]
                   + ["; ".join(bad)])
    return buf.getvalue()


def write_report(results: Sequence[CoatingResult], out_dir: str | Path, title: str = DEFAULT_TITLE,
                 campaign: dict | None = None, overwrite: bool = False) -> dict[str, Path]:
    """Write the comparison report of ``results`` into the new directory ``out_dir``:
    report.md, report.html (self-contained), results.json, results.csv and figures/*.png.

    ``campaign``: what produced the records (name, calculator, ...; JSON-compatible), shown in
    the report and stored in results.json. An existing ``out_dir`` is replaced only with
    ``overwrite``; the directory is written atomically. Returns {relative path: final path}.
    """
    _check_results(results)
    if campaign is not None and not isinstance(campaign, dict):
        raise UserInputError(f"campaign must be a dict or None, not {type(campaign).__name__}")
    out = Path(out_dir)
    if out.exists() and not overwrite:
        raise UserInputError(f"output directory {str(out)!r} exists; pass overwrite=True "
                             f"(--overwrite) to replace it")
    entries = report_values(results)
    ranks = ranking(entries)
    numbers = _source_numbers(entries)
    exp_rows = _experiment_rows(entries, numbers)
    trends = _trend_checks(entries, ranks)
    written: list[str] = []

    def write(tmp: Path) -> None:
        figures = make_figures(results, entries)
        (tmp / "figures").mkdir()
        for name, _, png in figures:
            (tmp / "figures" / name).write_bytes(png)
            written.append(f"figures/{name}")
        blocks = _build_document(results, entries, ranks, exp_rows, trends, figures, title,
                                 campaign, numbers)
        (tmp / "report.md").write_text(_to_markdown(blocks), encoding="utf-8")
        (tmp / "report.html").write_text(
            _to_html(blocks, title, {n: png for n, _, png in figures}), encoding="utf-8")
        data = {
            "title": title,
            "generated_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "campaign": to_dict(campaign) if campaign is not None else None,
            "coatings": entries,
            "ranking": ranks,
            "experiment_beside_computation": exp_rows,
            "trend_checks": trends,
            "experiment": {e["coating"]: [m.to_dict() for m in exp.measurements_for(e["coating"])]
                           for e in entries},
            "sources": {str(n): exp.SOURCES[k] for k, n in numbers.items()},
            "figures": [{"file": f"figures/{n}", "caption": c} for n, c, _ in figures],
            "marks": {NOT_CONVERGED_MARK: "not converged", WARNING_MARK: "warning",
                      MISSING: "not computed"},
            "versions": package_versions(),
        }
        (tmp / "results.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
        (tmp / "results.csv").write_text(_csv_text(entries), encoding="utf-8")
        written[:0] = ["report.md", "report.html", "results.json", "results.csv"]

    write_directory_atomic(out, write, overwrite=overwrite)
    return {rel: out / rel for rel in written}


__all__ = ["CoatingResult", "Criterion", "CRITERIA", "ROLES", "csv_cell", "csv_header",
           "format_number", "make_figures", "quantity_label", "ranking", "report_values",
           "resolve_source", "source_path", "write_report"]
