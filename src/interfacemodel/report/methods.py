"""The "How these were computed" lines quoted from the records: calculators, settings, models."""

from __future__ import annotations

from typing import Any

from .formatting import MISSING


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
