"""The report's figures (matplotlib, Agg, no pyplot state) as PNG bytes."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

from ..analysis import experiment as exp
from ..analysis.comparison import QUANTITIES
from ..errors import UserInputError
from ..models.cells import wrap_into_cell
from .formatting import format_number, quantity_label
from .pictures import new_figure, png_bytes
from .records import CoatingResult
from .values import on_log10, value_map


def _bar_values(entries, names):
    rows = []
    for e in entries:
        vmap = value_map(e)
        if any(n in vmap for n in names):
            rows.append((e["coating"], [vmap.get(n) for n in names]))
    return rows


def drawn_in(figure: str) -> list[str]:
    """The value names declared to be drawn in ``figure``, in declaration order."""
    return [q.name for q in QUANTITIES.values() if figure in q.figures]


def _figure_adhesion(entries) -> bytes | None:
    names = drawn_in("adhesion")
    rows = _bar_values(entries, names)
    if not rows:
        return None
    import numpy as np

    fig = new_figure(max(5.0, 1.3 * len(rows) + 2), 3.8)
    ax = fig.subplots()
    x = np.arange(len(rows))
    width = 0.78 / len(names)
    colours = [f"C{k}" for k in range(len(names))]
    for k, name in enumerate(names):
        for i, (_, items) in enumerate(rows):
            item = items[k]
            if item is None:
                continue
            ax.bar(x[i] + (k - (len(names) - 1) / 2) * width, item["value"], width, color=colours[k],
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
    return png_bytes(fig)


def _figure_ranked(entries, ranks) -> bytes | None:
    """One panel per ranking criterion: every coating's number (references grey), with the
    committee's spread as an error bar where there is one; D on a log axis (its bar spans
    value ×/÷ 10^spread_log10)."""
    panels = []
    for r in ranks:
        points = []
        for e in entries:
            item = next((v for v in e["values"] if v["name"] == r["criterion"]), None)
            if item is not None and isinstance(item["value"], (int, float)) \
                    and not isinstance(item["value"], bool):
                points.append((e["coating"], e["role"], item))
        if points:
            panels.append((r, points))
    if not panels:
        return None
    ncol = min(3, len(panels))
    nrow = math.ceil(len(panels) / ncol)
    fig = new_figure(4.0 * ncol, 2.8 * nrow)
    axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
    for ax, (r, points) in zip(axes, panels, strict=False):
        log = on_log10(r["criterion"])
        for i, (_, role, item) in enumerate(points):
            value, spread = item["value"], item.get("spread") or 0.0
            colour = "tab:blue" if role == "coating" else "0.6"
            if log:
                if value <= 0:
                    continue
                factor = 10 ** (item.get("spread_log10") or 0.0)
                ax.errorbar(i, value, yerr=[[value - value / factor], [value * factor - value]],
                            fmt="o", color=colour, capsize=4)
            else:
                ax.errorbar(i, value, yerr=spread, fmt="o", color=colour, capsize=4,
                            mfc="white" if item["converged"] is False else colour)
        if log:
            ax.set_yscale("log")
        ax.set_xticks(range(len(points)), [c for c, _, _ in points], fontsize=8)
        ax.set_xlim(-0.6, len(points) - 0.4)
        unit = points[0][2]["unit"]
        ax.set_title(f"{r['title']} ({unit}; {r['better']} is better)" if unit else
                     f"{r['title']} ({r['better']} is better)", fontsize=9)
        ax.tick_params(axis="y", labelsize=8)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    fig.tight_layout()
    return png_bytes(fig)


def _figure_contact_angle(entries) -> bytes | None:
    rows = _bar_values(entries, drawn_in("contact angle"))  # the angle, its regime
    rows = [(c, items) for c, items in rows if items[0] is not None]
    if not rows:
        return None
    fig = new_figure(max(5.0, 1.0 * len(rows) + 2), 3.6)
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
    return png_bytes(fig)


def _figure_reaction(entries) -> bytes | None:
    rows = _bar_values(entries, drawn_in("reaction"))  # the energy, the products
    rows = [(c, items) for c, items in rows if items[0] is not None]
    if not rows:
        return None
    fig = new_figure(max(5.0, 1.0 * len(rows) + 2), 3.6)
    ax = fig.subplots()
    for i, (_, (item, products)) in enumerate(rows):
        bad = item["converged"] is False
        ax.bar(i, item["value"], 0.6, color="tab:red", hatch="//" if bad else None,
               edgecolor="black" if bad else "tab:red")
        label = ("stable" if not products or not products["value"]
                 else format_number(products["name"], products["value"]))
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
    return png_bytes(fig)


def _figure_neb(results: Sequence[CoatingResult]) -> bytes | None:
    panels = []
    for r in results:
        for field_, what in (("bulk_migration", "in the coating"),
                             ("interface_migration", "across the interface"),
                             ("solute_migration", f"in {(r.solute_migration or {}).get('host')}")):
            rec = getattr(r, field_)
            neb = (rec or {}).get("neb") or {}
            x, y = neb.get("reaction_coordinate_A"), neb.get("image_energies_eV")
            if x and y and len(x) == len(y):
                panels.append((f"{r.coating}: {rec.get('species', '')} {what}", x, y, neb))
    if not panels:
        return None
    ncol = min(3, len(panels))
    nrow = math.ceil(len(panels) / ncol)
    fig = new_figure(4.0 * ncol, 3.0 * nrow)
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
    return png_bytes(fig)


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

    fig = new_figure(8.0, 4.2)
    ax = fig.subplots()
    colour = {}
    for coating, pts, bad in lines:
        T = np.array([p[0] for p in pts])
        D = np.array([p[1] for p in pts])
        drawn = ax.plot(1000.0 / T, np.log10(D), "o--" if bad else "o-",
                        label=coating + (" (NOT converged)" if bad else ""))
        colour[coating] = drawn[0].get_color()
    # measured alloy diffusivities (room temperature, drawn at 298 K) in their row's colour
    for m in exp.DIFFUSIVITIES:
        row = next((c for c in colour if m.coatings and exp.experiment_key(c) == m.coatings[0]),
                   None)
        if row is None or m.compare_with != "D_coating_cm2_per_s" or "Li" in m.coatings:
            continue
        lo, hi = m.value if isinstance(m.value, tuple) else (m.value, m.value)
        x = 1000.0 / (m.T_K or 298.15)
        ax.plot([x, x], [math.log10(lo), math.log10(hi)], "-", lw=5, alpha=0.6,
                color=colour[row], solid_capstyle="butt",
                label=f"{m.quantity}, measured ({m.conditions}; drawn at 298 K)")
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
    return png_bytes(fig)


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


def interface_picture_atoms(atoms):
    """The atoms an interface picture draws: a copy with every atom inside the drawn cell
    (whole lattice vectors; a slab kept whole across its vacuum), so the coating is drawn in
    the cell, not beside it (:func:`~interfacemodel.models.cells.wrap_into_cell`)."""
    return wrap_into_cell(atoms)


def _figure_interface(coating: str, atoms) -> bytes:
    from ase.data import chemical_symbols
    from ase.data.colors import jmol_colors
    from ase.visualize.plot import plot_atoms
    from matplotlib.patches import Patch

    atoms = interface_picture_atoms(atoms)
    fig = new_figure(7.0, 4.5)
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
    return png_bytes(fig)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "coating"


def make_figures(results: Sequence[CoatingResult], entries: list[dict],
                 ranks: list[dict] | None = None) -> list[tuple[str, str, bytes]]:
    """(file name, caption, PNG bytes) of every figure there is data for; the ranked numbers
    (``ranks`` of :func:`~interfacemodel.report.criteria.ranking`) first."""
    figs = []
    for name, caption, make in (
            ("ranking.png", "The ranked numbers per criterion (blue: coatings, grey: reference "
             "rows; open marker: not converged); error bars: the committee's spread where "
             "the campaign has a committee.", lambda: _figure_ranked(entries, ranks or [])),
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
