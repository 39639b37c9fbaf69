"""Every number the report shows, extracted from the records with its unit, source path and
convergence status (:func:`report_values`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..analysis.committee import committee_value
from .formatting import quantity_label
from .records import CoatingResult, _check_results, resolve_source, source_path

#: D and σ are reported at the record's temperature closest to this one (K)
ROOM_T_K = 300.0
#: quantities whose committee spread is taken on log10 (``spread_log10``): they span decades
LOG_SPREAD = ("_cm2_per_s", "_S_per_cm")


def on_log10(name: str) -> bool:
    """Whether the quantity ``name`` spans decades (D, σ, the carrier fraction): its spread,
    its deviations and its axis are taken on log10."""
    return name.endswith(LOG_SPREAD) or name.startswith("carrier_fraction")


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
        self._add_spread(item)
        self.items.append(item)
        return item

    def _add_spread(self, item: dict[str, Any]) -> None:
        """``spread`` (sample standard deviation over the committee) and ``committee``
        (member → value) of a number the committee's members recomputed; ``functionals`` and
        ``refine`` (calculator → value) where a calculator of another functional or the DFT
        check did (``refine_relaxed``: after its short relaxation on its model);
        ``refine_model`` (calculator → value) where the DFT check computed the
        number on a model of its own: every other calculator's value on that model."""
        committee, value = self.result.committee, item["value"]
        for group in ("functionals", "refine", "refine_model", "refine_relaxed"):  # beside
            other = {m: v[item["name"]] for m, v in (getattr(self.result, group) or {}).items()
                     if item["name"] in v}
            if other and isinstance(value, (int, float)) and not isinstance(value, bool):
                item[group] = other
        if "refine_model" in item:  # the model's size; the campaign calculator's label in it
            atoms = self.result.refine_model_atoms
            item["refine_model_atoms"] = atoms.get(item["name"]) if isinstance(atoms, dict) \
                else atoms
            item["refine_model_main"] = self.result.committee_main
        if not committee or isinstance(value, bool) or not isinstance(value, (int, float)):
            return
        members = {m: v[item["name"]] for m, v in committee.items() if item["name"] in v}
        if not members:
            return
        main = self.result.committee_main or "main"
        if on_log10(item["name"]):  # spans decades: the spread of log10
            logs = {m: math.log10(v) if v > 0 else None for m, v in members.items()}
            cv = committee_value(main, {main: math.log10(value) if value > 0 else None, **logs})
            if cv is not None:
                item["spread_log10"] = cv.spread
                item["committee"] = {main: float(value), **members}
            return
        cv = committee_value(main, {main: float(value), **members})
        if cv is not None:
            item["spread"] = cv.spread
            item["committee"] = cv.members


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


def _bulk_hop_values(c: _Collector, m: str, tag: str, sigma: bool) -> None:
    """Barrier, ν*, D and σ near 300 K, model size of the bulk hop record ``m``; value names
    carry ``tag`` ('coating': the Li hop in the coating; 'solute': a foreign atom's hop)."""
    conv, status = _neb_status(c, m)
    warn = _neb_warnings(c, m)
    c.add(f"barrier_{tag}_eV", f"{m}.neb.barrier_forward_eV", "eV", "transport", conv,
          status, warn)
    if c.get(f"{m}.hop.reverse_equivalent") is False:
        c.add(f"barrier_{tag}_backward_eV", f"{m}.neb.barrier_backward_eV", "eV",
              "transport", conv, status, warn)
    note = c.get(f"{m}.attempt_frequency_note", "")
    c.add(f"attempt_frequency_{tag}_Hz", f"{m}.attempt_frequency_Hz", "Hz", "transport",
          conv, _status(conv, note), warn)
    diffs = c.get(f"{m}.diffusivities", []) or []
    i = _closest_room_T(diffs)
    if i is not None:
        d = f"{m}.diffusivities[{i}]"
        c.add("D_T_K" if tag == "coating" else f"D_{tag}_T_K", f"{d}.T_K", "K", "transport",
              None, _status(None, none_text=f"record temperature closest to {ROOM_T_K:g} K"))
        src = c.get(f"{d}.attempt_frequency_source", "")
        frac = c.get(f"{d}.defect_fraction_source", "")
        neb_detail = status.split("; ", 1)[1] if "; " in status else ""
        detail = "; ".join(x for x in (f"barrier: {neb_detail}" if neb_detail else "",
                                       f"ν: {src}" if src else "",
                                       f"defects: {frac}" if frac else "") if x)
        dwarn = warn + (["attempt frequency is the 1e13 Hz fallback"]
                        if "fallback" in str(src) else [])
        c.add(f"D_{tag}_cm2_per_s", f"{d}.D_cm2_per_s", "cm²/s", "transport", conv,
              _status(conv, detail), dwarn)
        if sigma:
            c.add(f"sigma_{tag}_S_per_cm", f"{d}.conductivity_S_per_cm", "S/cm", "transport",
                  conv, _status(conv, "Nernst–Einstein from D"), dwarn)
        if c.get(f"{m}.carrier_diffusivities[{i}]") is not None:
            c.add(f"D_star_{tag}_cm2_per_s", f"{m}.carrier_diffusivities[{i}].D_cm2_per_s",
                  "cm²/s", "transport", conv, _status(conv, "per carrier: c = 1"), dwarn)
            c.add(f"carrier_fraction_{tag}", f"{d}.defect_fraction", "", "transport", conv,
                  _status(conv, c.get(f"{m}.carriers") or frac))
    if c.get(f"{m}.intrinsic") is not None:
        conv_i = _conv(c.get(f"{m}.intrinsic.converged"))
        sep = c.get(f"{m}.intrinsic.separation_A")
        c.add(f"pair_energy_{tag}_eV", f"{m}.intrinsic.pair_energy_eV", "eV", "transport",
              conv_i, _status(conv_i, f"{c.get(f'{m}.intrinsic.kind')} pair, defects "
                                      f"{sep:.1f} Å apart" if sep else ""))
    c.add(f"natoms_{tag}_hop", f"{m}.hop.natoms", "atoms", "model", None,
          _status(None, none_text="model size"))
    c.add(f"neb_images_{tag}", f"{m}.neb.n_images", "images", "method", None,
          _status(None, none_text="setting"))
    path = _calculator_path(c, m)
    if path:
        c.add(f"calculator_{tag}_hop", path, "", "method", None, _status(None, none_text="—"))


def _migration_values(c: _Collector) -> None:
    if c.get("bulk_migration") is not None:
        _bulk_hop_values(c, "bulk_migration", "coating", sigma=True)
    if c.get("solute_migration") is not None:
        c.add("solute_hop", "solute_migration.hop.label", "", "transport", None,
              _status(None, none_text="which hop"))
        _bulk_hop_values(c, "solute_migration", "solute", sigma=False)
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


def _solubility_values(c: _Collector) -> None:
    s = "solubility"
    if c.get(s) is None:
        return
    conv = _conv(c.get(f"{s}.converged"))
    solute, n = c.get(f"{s}.solute", "M"), c.get(f"{s}.natoms")
    one = "the committee at the main model's cells" if c.result.committee else \
        "one calculator"
    c.add("heat_of_solution_eV", f"{s}.heat_of_solution_eV", "eV", "solubility", conv,
          _status(conv, f"{solute} metal → one {solute} in {n} atoms of Li; {one}"))
    eq = c.get(f"{s}.equilibrium_formula", "")
    c.add("solution_energy_eV", f"{s}.solution_energy_eV", "eV", "solubility", conv,
          _status(conv, f"from Li + {eq} (the hull phase at Li); {one}"))
    c.add("equilibrium_phase_with_li", f"{s}.equilibrium_phase", "", "solubility", conv,
          _status(conv, f"Li–M hull of the campaign's calculator ({eq})"))
    fractions = c.get(f"{s}.solubility_fraction", {}) or {}
    key = min(fractions, key=lambda k: abs(float(k.split()[0]) - ROOM_T_K), default=None)
    if key is not None:
        if fractions[key] is None:
            c.result_notes.append(f"{solute} in Li: ΔE_sol ≤ 0, no dilute solubility limit "
                                  f"(the solid solution is below the hull)")
        c.add("solubility_fraction_300K", source_path(s, "solubility_fraction", key), "",
              "solubility", conv, _status(conv, f"exp(−ΔE_sol/k_B T) at {key}"))
    c.add("soluble_in_li", f"{s}.soluble", "", "solubility", conv,
          _status(conv, f"x_sol(300 K) ≥ {c.get(f'{s}.soluble_threshold_fraction', 0.01):g}"))
    c.add("natoms_solubility", f"{s}.natoms", "atoms", "model", None,
          _status(None, none_text="model size"))
    stable = set(c.get(f"{s}.hull_stable", []) or [])
    above = c.get(f"{s}.hull_e_above_hull_meV_per_atom", {}) or {}
    for phase in sorted(c.get(f"{s}.hull_formation_energy_eV_per_atom", {}) or {}):
        where = "on the hull" if phase in stable else \
            f"{above.get(phase, float('nan')):.1f} meV/atom above the hull"
        c.add(f"formation_energy_eV_per_atom[{phase}]",
              source_path(s, "hull_formation_energy_eV_per_atom", phase), "eV/atom",
              "solubility", conv, _status(conv, f"Li–M hull; {where}"))


def _collect(result: CoatingResult) -> tuple[list[dict[str, Any]], list[str]]:
    c = _Collector(result)
    _energetics_values(c)
    _migration_values(c)
    _segregation_values(c)
    _solubility_values(c)
    return c.items, c.result_notes


def report_values(results: Sequence[CoatingResult]) -> list[dict[str, Any]]:
    """Every number (and label) the report shows, per coating: ``{'coating', 'system', 'role',
    'values': [{'name', 'label', 'value', 'unit', 'source', 'converged', 'status', 'group',
    'warnings'[, 'spread' or 'spread_log10', 'committee']}], 'notes'}``; ``spread`` (D, σ and
    c: ``spread_log10``, of log10 of the value) and ``committee`` (member → value) where the
    coating's committee recomputed the number
    (:data:`~interfacemodel.analysis.committee.SPREAD_DEFINITION`). ``source`` is the dotted
    path of the value in the :class:`CoatingResult` (:func:`resolve_source`); ``converged``
    is the record's flag (None for geometry, settings and model sizes); quantities a coating's
    records lack are left out."""
    _check_results(results)
    out = []
    for r in results:
        items, notes = _collect(r)
        out.append({"coating": r.coating, "system": r.system, "role": r.role, "values": items,
                    "notes": notes})
    return out


#: the value names a committee member's hop records give (its own barriers, E_f, D, σ);
#: the attempt frequency, temperature and model sizes are the main model's
_MEMBER_HOP_VALUE = ("barrier_", "D_", "sigma_", "carrier_fraction_", "pair_energy_",
                     "mg_segregation_", "heat_of_solution_", "solution_energy_")


def committee_migration_values(coating: str, system: str, records: dict[str, Any]
                               ) -> dict[str, float]:
    """A committee member's migration and segregation numbers by the report's value names:
    ``records`` maps a record field (``bulk_migration``, ``solute_migration``,
    ``interface_migration``, ``mg_segregation``) to the member's record of it."""
    if not records:
        return {}
    result = CoatingResult(coating, system, **records)
    items, _ = _collect(result)
    return {v["name"]: float(v["value"]) for v in items
            if v["name"].startswith(_MEMBER_HOP_VALUE) and not v["name"].endswith("_T_K")
            and isinstance(v["value"], (int, float)) and not isinstance(v["value"], bool)}
