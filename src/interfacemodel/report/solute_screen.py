"""The solute screen rendered: its tables (Markdown, CSV), the coverage figure and the files of `interfacemodel solute-screen`."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis.committee import committee_value
from ..analysis.isotherm import mclean_coverage
from ..analysis.solute_screen import INTERFACE_SCREEN_ENTRY, SCREEN_ENTRY, SoluteScreen
from ..records import to_dict, write_bytes_atomic, write_text_atomic
from .pictures import new_figure, png_bytes


def _pct(x: float) -> str:
    return f"{100 * x:g} at.%"


def _header(q, xs) -> list[str]:
    """A declared quantity's column headers: one per bulk fraction for a family."""
    if q.keys is None:
        return [q.column]
    unit = f" ({q.unit})" if q.unit else ""
    return [f"{q.column} @ {_pct(x)}{unit}" for x in xs]


def _row_cells(entry, quantities, spreads: dict[str, float] | None) -> list[str]:
    """A row's cells in the order of ``quantities`` (missing: '–'), with '± spread' where the
    committee recomputed the number."""
    cells = []
    rec = to_dict(entry)
    for q in quantities:
        got = {item["name"]: item["value"] for item in q.items(rec)}
        names = [q.name] if q.keys is None else [f"{q.name}[{k}]" for k in
                                                 range(len(rec.get("coverage") or []))]
        for name in names:
            value = got.get(name)
            text = "–" if value is None else q.format(value)
            spread = (spreads or {}).get(name)
            if value is not None and spread is not None:
                text += f" ± {spread:.{len(text.split('.', 1)[1]) if '.' in text else 3}f}"
            cells.append(text)
    return cells


def screen_spreads(screen: SoluteScreen, members: dict[str, SoluteScreen] | None
                   ) -> dict[tuple[str, str], dict[str, Any]]:
    """Per row ((solute, face) of a free face, (solute, system) of an interface) and
    declared quantity with a spread: ``{name: {'spread', 'committee'}}`` over the screen's
    calculator and its committee ``members`` (the sample standard deviation, as every
    spread of the report)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    if not members:
        return out
    main = (screen.calculator or {}).get("label") or "main"
    for attr, quantities, key in (("entries", SCREEN_ENTRY, "face"),
                                  ("interfaces", INTERFACE_SCREEN_ENTRY, "system")):
        rows = {m: {(e.solute, getattr(e, key)): e for e in getattr(r, attr)}
                for m, r in members.items()}
        for e in getattr(screen, attr):
            row = (e.solute, getattr(e, key))
            for q in quantities:
                if not q.spread:
                    continue
                values = {main: q.values(to_dict(e)).get(q.name)}
                values.update({m: q.values(to_dict(r[row])).get(q.name)
                               for m, r in rows.items() if row in r})
                cv = committee_value(main, values)
                if cv is not None and cv.n > 1:
                    out.setdefault(row, {})[q.name] = {"spread": cv.spread,
                                                       "committee": cv.members}
    return out


def screen_rows(screen: SoluteScreen, members: dict[str, SoluteScreen] | None = None
                ) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the screen's table: per solute and face the declared quantities
    (:data:`~interfacemodel.analysis.solute_screen.SCREEN_ENTRY`: E_seg, θ and Δγ at each
    bulk fraction (T_K), x at θ = 0.5, γ0), ± the committee's spread where ``members``
    (calculator -> its re-evaluated screen) recomputed them."""
    xs = screen.bulk_fractions
    header = ["solute", "face"] + [h for q in SCREEN_ENTRY for h in _header(q, xs)]
    header.append("converged")
    spreads = screen_spreads(screen, members)
    rows = []
    for e in sorted(screen.entries, key=lambda e: (screen.faces.index(e.face),
                                                   e.E_seg_eV if e.E_seg_eV is not None
                                                   else math.inf)):
        row_spreads = {k: v["spread"] for k, v in spreads.get((e.solute, e.face), {}).items()}
        rows.append([e.solute, f"{screen.host}({e.face})",
                     *_row_cells(e, SCREEN_ENTRY, row_spreads),
                     "yes" if e.converged else "NO"])
    return header, rows


def interface_rows(screen: SoluteScreen, system: str | None = None,
                   members: dict[str, SoluteScreen] | None = None
                   ) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the interface table of ``system`` (None: every system, one column
    naming it): per solute the declared quantities
    (:data:`~interfacemodel.analysis.solute_screen.INTERFACE_SCREEN_ENTRY`: E_seg to the film
    plane touching the coating (eV, < 0: segregates), θ of that plane and Δγ_int (J/m², ≤ 0:
    the interfacial energy drops) at each bulk fraction (T_K), x at θ = 0.5, A_site (Å²)),
    ± the committee's spread where ``members`` recomputed them."""
    xs = screen.bulk_fractions
    header = (["interface"] if system is None else []) + ["solute"]
    header += [h for q in INTERFACE_SCREEN_ENTRY for h in _header(q, xs)] + ["converged"]
    spreads = screen_spreads(screen, members)
    systems = screen.systems
    chosen = [e for e in screen.interfaces if system is None or e.system == system]
    rows = []
    for e in sorted(chosen, key=lambda e: (systems.index(e.system),
                                           e.E_seg_eV if e.E_seg_eV is not None
                                           else math.inf)):
        row_spreads = {k: v["spread"] for k, v in spreads.get((e.solute, e.system), {}).items()}
        rows.append(([f"{screen.host}/{e.coating} ({e.system})"] if system is None else [])
                    + [e.solute, *_row_cells(e, INTERFACE_SCREEN_ENTRY, row_spreads),
                       "yes" if e.converged else "NO"])
    return header, rows


def interface_former_text(screen: SoluteScreen, d: dict[str, Any]) -> str:
    """One interface layer former in words (E_seg, x at the threshold, Δγ_int at x_max)."""
    hi = screen.criterion["x_range"][1]
    return (f"{d['solute']} at {screen.host}/{d['coating']} ({d['system']}) (E_seg "
            f"{d['E_seg_eV']:+.2f} eV, θ = {screen.criterion['threshold']:g} at x = "
            f"{d['x_threshold']:.2g}, Δγ_int {d['delta_gamma_int_J_per_m2']:+.3f} J/m² at "
            f"{_pct(hi)})")


def screen_csv(screen: SoluteScreen) -> str:
    """The table as CSV (plain numbers, full precision; units in the header)."""
    import csv

    xs = screen.bulk_fractions
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["host", "solute", "face", "E_seg_eV", "T_K",
                *[f"theta_x{x:g}" for x in xs], *[f"delta_gamma_J_per_m2_x{x:g}" for x in xs],
                "x_half_coverage", "A_site_A2", "gamma0_J_per_m2", "converged"])
    for e in screen.entries:
        w.writerow([screen.host, e.solute, e.face, e.E_seg_eV, screen.T_K, *e.coverage,
                    *e.delta_gamma_J_per_m2, e.x_half_coverage, e.A_site_A2,
                    e.gamma0_J_per_m2, e.converged])
    return buf.getvalue()


def screen_markdown(screen: SoluteScreen, heading_level: int = 2) -> str:
    """The screen as a report section in markdown: what was computed (method, units, signs),
    the table, the layer formers and the notes."""
    h = "#" * heading_level
    calc = screen.calculator or {}
    label = calc.get("label") or calc.get("name") or "?"
    cells = ", ".join(f"{screen.host}({s.face}) {s.natoms} atoms, {s.n_layers} layers, "
                      f"{s.supercell[0]}x{s.supercell[1]} in plane"
                      for s in {s.face: s for s in screen.sites}.values())
    xs = ", ".join(_pct(x) for x in screen.bulk_fractions)
    lines = [f"{h} Solute segregation to the {screen.host} surface: self-forming layers", "",
             f"Segregation energy E_seg = E(solute in the top {screen.host} layer) − E(solute "
             f"in the middle layer) of one relaxed symmetric free slab ({cells}; calculator "
             f"{label}); E_seg < 0: the solute segregates. Coverage θ of the top layer's "
             f"sites from the McLean isotherm θ/(1−θ) = x/(1−x)·exp(−E_seg/kT) at T = "
             f"{screen.T_K:g} K and bulk fractions x = {xs}; the surface-energy change of "
             f"that layer Δγ = (kT/A_site)·ln(1−θ) (Gibbs adsorption, dilute Langmuir–McLean "
             f"layer; A_site = area per top-layer {screen.host} atom); γ0 = clean-face surface "
             f"energy. x(θ=0.5) = the bulk fraction for half a monolayer.", ""]
    header, rows = screen_rows(screen)
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines.append("")
    c = screen.criterion
    lo, hi = c["x_range"]
    if screen.layer_formers:
        names = "; ".join(
            f"{d['solute']} on {screen.host}({d['face']}) (E_seg {d['E_seg_eV']:+.2f} eV, θ = "
            f"0.5 at x = {d['x_threshold']:.2g}, Δγ {d['delta_gamma_J_per_m2']:+.3f} J/m² at "
            f"{_pct(hi)}"
            + (f", {100 * d['delta_gamma_over_gamma0']:+.0f} % of γ0" if
               d.get("delta_gamma_over_gamma0") is not None else "") + ")"
            for d in screen.layer_formers)
        lines.append(f"**Layer formers** (θ ≥ {c['threshold']:g} at {_pct(lo)}–{_pct(hi)} in "
                     f"the bulk, {c['T_K']:g} K): {names}.")
    else:
        lines.append(f"**Layer formers** (θ ≥ {c['threshold']:g} at {_pct(lo)}–{_pct(hi)} in "
                     f"the bulk, {c['T_K']:g} K): none of {', '.join(screen.solutes)}.")
    if screen.interfaces:
        lines += ["", f"{h}# Segregation to the {screen.host}/coating interfaces", "",
                  f"E_seg = E(solute in the {screen.host} plane touching the coating, L-1) − "
                  f"E(solute in the middle {screen.host} layer) of the relaxed interface model "
                  f"(its fixed atoms kept; in-plane supercell by the 5 Å image rule); E_seg < "
                  f"0: the solute segregates to the interface. θ: McLean coverage of the "
                  f"touching plane's {screen.host} sites at the same T and x; Δγ_int = "
                  f"(kT/A_site)·ln(1−θ) (J/m², ≤ 0: the interfacial energy drops), A_site = "
                  f"area per {screen.host} atom of the touching plane.", ""]
        for system in screen.systems:
            coating = next(e.coating for e in screen.interfaces if e.system == system)
            header, rows = interface_rows(screen, system)
            lines += [f"To the {screen.host}/{coating} interface of {system}:", "",
                      "| " + " | ".join(header) + " |",
                      "|" + "|".join("---" for _ in header) + "|",
                      *["| " + " | ".join(r) + " |" for r in rows], ""]
        if screen.interface_layer_formers:
            lines.append(f"**Interface layer formers** (θ ≥ {c['threshold']:g} at "
                         f"{_pct(lo)}–{_pct(hi)} in the bulk, {c['T_K']:g} K): "
                         + "; ".join(interface_former_text(screen, d)
                                     for d in screen.interface_layer_formers) + ".")
        else:
            lines.append(f"**Interface layer formers** (θ ≥ {c['threshold']:g} at "
                         f"{_pct(lo)}–{_pct(hi)} in the bulk, {c['T_K']:g} K): none.")
    if not screen.converged:
        lines += ["", "Not every relaxation converged: the rows marked NO are not final."]
    if screen.notes:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in screen.notes]
    return "\n".join(lines) + "\n"


def plot_screen(screen: SoluteScreen, path: str | Path | None = None,
                x_lim=(1e-5, 0.1), T_range=(150.0, 600.0), x_of_T: float = 0.01) -> bytes:
    """Two panels: θ against the bulk fraction x (log axis, ``x_lim``) at the screen's
    T_K for every solute and face, and θ against T at x = ``x_of_T``. PNG bytes; written to
    ``path`` (through a temporary file) when given."""
    n_lines = sum(e.E_seg_eV is not None for e in [*screen.entries, *screen.interfaces])
    legend_rows = math.ceil(n_lines / 6)
    fig = new_figure(11, 4.4 + 0.2 * legend_rows)
    ax1, ax2 = fig.subplots(1, 2)
    x = np.logspace(math.log10(x_lim[0]), math.log10(x_lim[1]), 200)
    T = np.linspace(T_range[0], T_range[1], 200)
    if len(screen.solutes) <= 10:
        cmap = [f"C{i}" for i in range(len(screen.solutes))]
    else:  # 11 and more solutes: one distinct colour each
        from matplotlib import colormaps

        cmap = [colormaps["tab20"](i % 20) for i in range(len(screen.solutes))]
    colour = dict(zip(screen.solutes, cmap, strict=True))
    styles = ["-", "--", ":", "-."]
    style = {f: styles[i % len(styles)] for i, f in enumerate(screen.faces)}
    # interfaces: thicker lines, the styles continued after the faces'
    iface_style = {sy: styles[(len(style) + i) % len(styles)]
                   for i, sy in enumerate(screen.systems)}
    for e in screen.entries:
        if e.E_seg_eV is None:
            continue
        lab = f"{e.solute} ({e.face}) {e.E_seg_eV:+.2f} eV"
        kw = {"color": colour[e.solute], "ls": style[e.face], "lw": 1.4}
        ax1.plot(x, mclean_coverage(e.E_seg_eV, x, screen.T_K), label=lab, **kw)
        ax2.plot(T, mclean_coverage(e.E_seg_eV, x_of_T, T), **kw)
    for e in screen.interfaces:
        if e.E_seg_eV is None or e.solute not in colour:
            continue
        lab = f"{e.solute} (/{e.coating}) {e.E_seg_eV:+.2f} eV"
        kw = {"color": colour[e.solute], "ls": iface_style[e.system], "lw": 2.6, "alpha": 0.8}
        ax1.plot(x, mclean_coverage(e.E_seg_eV, x, screen.T_K), label=lab, **kw)
        ax2.plot(T, mclean_coverage(e.E_seg_eV, x_of_T, T), **kw)
    lo, hi = screen.criterion["x_range"]
    ax1.axvspan(lo, hi, color="0.9", zorder=0)
    ax1.axhline(screen.criterion["threshold"], color="0.5", lw=0.8)
    ax1.set_xscale("log")
    ax1.set_xlim(*x_lim)
    ax1.set_ylim(-0.02, 1.02)
    ax1.set_xlabel("bulk solute fraction x")
    where = "surface / interface" if screen.interfaces else "surface"
    ax1.set_ylabel(f"{where} coverage θ")
    ax1.set_title(f"McLean isotherm, {screen.host} surfaces"
                  + (" and interfaces" if screen.interfaces else "")
                  + f", {screen.T_K:g} K", fontsize=10)
    ax2.axhline(screen.criterion["threshold"], color="0.5", lw=0.8)
    ax2.set_xlim(*T_range)
    ax2.set_ylim(-0.02, 1.02)
    ax2.set_xlabel("T (K)")
    ax2.set_ylabel(f"{where} coverage θ")
    ax2.set_title(f"θ(T) at x = {x_of_T:g} ({_pct(x_of_T)})", fontsize=10)
    calc = (screen.calculator or {}).get("label") or (screen.calculator or {}).get("name", "")
    fig.suptitle(f"Solute segregation screen in {screen.host} ({calc}; line style = face: "
                 + ", ".join(f"{f} {s}" for f, s in style.items())
                 + ("; thick = interface: " + ", ".join(f"{sy} {s}" for sy, s in
                                                         iface_style.items())
                    if iface_style else "") + ")", fontsize=9)
    fig.tight_layout(rect=(0, 0.2 * legend_rows / (4.4 + 0.2 * legend_rows) + 0.02, 1, 0.97))
    if n_lines:
        fig.legend(*ax1.get_legend_handles_labels(), loc="lower center", ncol=6, fontsize=7,
                   frameon=False)
    data = png_bytes(fig)
    if path is not None:
        write_bytes_atomic(data, path)
    return data


def write_screen(screen: SoluteScreen, out: str | Path) -> list[str]:
    """Write the record (solute_screen.json), the table (solute_screen.md, .csv) and the
    plot (solute_screen.png) into the directory ``out``; returns the file names."""
    import json

    out = Path(out)
    write_text_atomic(json.dumps(to_dict(screen), indent=2) + "\n", out / "solute_screen.json")
    write_text_atomic(screen_markdown(screen, 1), out / "solute_screen.md")
    write_text_atomic(screen_csv(screen), out / "solute_screen.csv")
    plot_screen(screen, out / "solute_screen.png")
    return ["solute_screen.json", "solute_screen.md", "solute_screen.csv", "solute_screen.png"]
