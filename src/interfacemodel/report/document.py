"""The report document as blocks (headings, paragraphs, lists, tables, figures, details),
rendered to Markdown and HTML by :mod:`.render`.
"""

from __future__ import annotations

import math

from ..analysis import experiment as exp
from ..analysis.committee import SPREAD_DEFINITION
from ..analysis.comparison import QUANTITIES, columns
from ..analysis.quantities import base_name
from .comparison import _ref
from .formatting import MISSING, NOT_CONVERGED_MARK, WARNING_MARK, _cell, _marks, format_number
from .methods import _campaign_lines, _method_energetics, _method_migration, _method_segregation
from .reading import reading_lines
from .solute_screen import interface_former_text, interface_rows, screen_rows
from .values import on_log10, value_map


def _vmaps(entries):
    return {e["coating"]: value_map(e) for e in entries}


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


def _family_table(entries, vmaps, table: str, header: list[str], cell) -> tuple | None:
    """A table of the family quantities declared for ``table`` (one row per key: a surface,
    a hull phase): ``cell(coating, name, item, key)`` -> the row's cells after the coating."""
    families = [q for q in QUANTITIES.values() if q.table == table and q.keys is not None]
    rows = []
    for e in entries:
        for q in families:
            for name, item in vmaps[e["coating"]].items():
                if base_name(name) == q.name and "[" in name:
                    rows.append([e["coating"], *cell(e["coating"], name, item,
                                                     name[len(q.name) + 1:-1])])
    return ("table", ["coating", *header], rows) if rows else None


def _columns(entries, vmaps, table: str) -> tuple | None:
    """The report section ``table``'s table: one column per quantity declared for it."""
    return _table(entries, columns(table), vmaps)


def _build_document(results, entries, ranks, exp_rows, trends, figures, title, campaign,
                    numbers, screen=None, screen_members=None) -> list[tuple]:
    vmaps = _vmaps(entries)
    B: list[tuple] = [("h", 1, title)]
    B.append(("p", "Computed descriptors of Li/coating interfaces set side by side, next to what "
              "experiments observed. Every number comes from the records listed in results.json "
              f"(value, unit, record path, convergence status). {NOT_CONVERGED_MARK} = the record "
              f"says NOT converged; {WARNING_MARK} = a warning (NEB flag, saddle not first "
              f"order, fallback attempt frequency; see the value table); {MISSING} = not computed."))
    for name, caption, _ in figures:
        if name == "ranking.png":  # the report opens with the ranked numbers
            B.append(("img", name, caption))
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
            elif e["coating"] in r.get("not_ranked", []):
                row.append(f"not ranked ({text}: no barrier between the end points)")
            else:
                row.append(f"#{rank} ({text})" if rank is not None else f"ref. ({text})")
        heads = [m for m in exp.measurements_for(e["coating"]) if m.headline]
        row.append("; ".join(f"{m.quantity}: {m.value_text()} {_ref(m, numbers)}"
                             for m in heads) or MISSING)
        rows.append(row)
    B.append(("table", ["coating"] + [r["title"] for r in active] + ["observed (experiment)"],
              rows))
    committee = sorted({m for e in entries for v in e["values"] for m in v.get("committee", {})})
    if committee:
        close = [f"{r['title']}: " + "; ".join(f"{a} and {b}" for a, b in r["not_separated"])
                 for r in active if r.get("not_separated")]
        B.append(("p", f"Value ± spread: the {SPREAD_DEFINITION} ({', '.join(committee)}). "
                  + ("Not separated by the spread (their difference is within the two spreads "
                     "in quadrature), so the ranking does not order them:" if close else
                     "Every ranked pair is separated by more than its spreads.")))
        if close:
            B.append(("ul", close))
    others = sorted({m for e in entries for v in e["values"] for m in v.get("functionals", {})})
    if others:
        B.append(("p", f"Another functional at the same geometries ({', '.join(others)}; single "
                  f"points, not in the spread): the ranked numbers of the campaign's "
                  f"calculator → this one's."))
        shown = [r for r in active if any(
            (vmaps[e["coating"]].get(r["criterion"]) or {}).get("functionals")
            for e in entries)]
        head = ["coating"] + [f"{r['title']}: {m}" for r in shown for m in others]
        body = []
        for e in entries:
            vmap = vmaps[e["coating"]]
            row = [e["coating"]]
            for r in shown:
                item = vmap.get(r["criterion"])
                for m in others:
                    got = (item or {}).get("functionals", {}).get(m)
                    row.append(MISSING if got is None else
                               f"{format_number(r['criterion'], item['value'])} → "
                               f"{format_number(r['criterion'], got)}")
            body.append(row)
        B.append(("table", head, body))
    B += _refine_blocks(entries, active, vmaps, results)
    if trends:
        B += [("h", 3, "Computed trend beside the observed one"), ("ul", trends)]
    B += _reading_blocks(results, entries, vmaps)

    B.append(("h", 2, "Interface energetics"))
    t = _columns(entries, vmaps, "interface")
    B.append(t if t else ("p", "No interface energetics in these records."))
    st = _family_table(entries, vmaps, "surfaces", ["surface (hkl, termination)", "γ (J/m²)",
                                                   "status"],
                       lambda c, name, item, key: [key, _cell(vmaps[c], name), item["status"]])
    if st:
        B += [("h", 3, "Free-surface energies used"), st]

    B.append(("h", 2, "Reactivity with Li metal"))
    t = _columns(entries, vmaps, "reactivity")
    B.append(t if t else ("p", "No reaction energies in these records."))

    B.append(("h", 2, "Li transport"))
    t = _columns(entries, vmaps, "transport")
    B.append(t if t else ("p", "No migration records."))
    t = _columns(entries, vmaps, "solute hops")
    if t:
        B += [("h", 3, "Solute hops"),
              ("p", "A foreign atom's own hop (e.g. Mg exchanging with a vacancy in Li), not "
               "Li transport: how fast the coating's element spreads into the anode."), t]

    t = _columns(entries, vmaps, "segregation")
    if t:
        B += [("h", 2, "Mg segregation"),
              ("p", "Energy of moving one Mg atom from the Li bulk to the site; negative = Mg "
               "prefers that site."), t]

    t = _columns(entries, vmaps, "solubility")
    if t:
        B += [("h", 2, "Solubility in Li"),
              ("p", "One atom of the metal M in a bcc Li supercell (positions relaxed). ΔH_sol: "
               "from M metal; ΔE_sol: from the Li–M phase in equilibrium with Li on the "
               "calculator's hull (what a coating of M becomes on Li), so x_sol = "
               "exp(−ΔE_sol/k_B T) is the dilute solubility limit (configurational entropy "
               "only); soluble = x_sol(300 K) ≥ 1 at.% or ΔE_sol ≤ 0. ± : the committee's "
               "single points at the main model's relaxed cells (dilute cell and hull "
               "crystals), where the campaign has a committee."), t]
        hull = _family_table(
            entries, vmaps, "hull", ["phase", "E_f (eV/atom)", "hull"],
            lambda c, name, item, key: [key, f"{item['value']:+.3f}",
                                        item["status"].split("; ", 1)[-1]
                                        .replace("Li–M hull; ", "")])
        if hull:
            B += [("h", 3, "Li–M convex hulls"),
                  ("p", "Formation energies per atom from the elements (the campaign's "
                   "calculator, pymatgen PhaseDiagram); the phase at Li is the Li-richest "
                   "hull phase."), hull]

    if screen is not None:
        B += _screen_blocks(screen, screen_members)

    B.append(("h", 2, "Models and calculators"))
    t = _columns(entries, vmaps, "models")
    if t:
        B.append(t)

    B.append(("h", 2, "Figures"))
    for name, caption, _ in figures:
        if name != "ranking.png":
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
        if r.solute_migration:
            sub += [("h", 4, "Solute hop"), ("ul", _method_migration(r.solute_migration))]
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


def _screen_blocks(screen, members=None) -> list[tuple]:
    """The solute screen's section: method, table, the layer formers; and, where the screen
    has them, the table of each Li/coating interface and the interface layer formers."""
    header, rows = screen_rows(screen, members)
    c = screen.criterion
    lo, hi = c["x_range"]
    calc = (screen.calculator or {}).get("label") or (screen.calculator or {}).get("name")
    out = [("h", 2, f"Solute screen: self-forming layers on {screen.host}"),
           ("p", f"Segregation energy E_seg = E(solute in the top {screen.host} layer) − "
            f"E(solute in the middle layer) of one relaxed free slab per face ({calc}; "
            f"negative: the solute segregates). Coverage θ from the McLean isotherm "
            f"θ/(1−θ) = x/(1−x)·exp(−E_seg/k_B T) at {screen.T_K:g} K; Δγ = (k_B T/A_site)·"
            f"ln(1−θ), the surface-energy change of that dilute layer (Gibbs adsorption; "
            f"where |Δγ| exceeds the clean face's γ0 the dilute formula is out of range). "
            + ("The same solutes at the Li/coating interfaces follow the free faces. "
               if screen.interfaces else
               "Free surfaces only: the same solute at the Li/coating interfaces is not "
               "screened. ")
            + (f"± : the {SPREAD_DEFINITION} ({', '.join(members)})."
               if members else "One calculator: no committee spread.")),
           ("table", header, rows)]
    if screen.layer_formers:
        out.append(("p", f"Layer formers (θ ≥ {c['threshold']:g} at {100 * lo:g}–{100 * hi:g} "
                    f"at.% in the bulk, {c['T_K']:g} K):"))
        out.append(("ul", [f"{d['solute']} on {screen.host}({d['face']}): E_seg "
                           f"{d['E_seg_eV']:+.2f} eV, θ = 0.5 at x = {d['x_threshold']:.2g}, "
                           f"Δγ {d['delta_gamma_J_per_m2']:+.3f} J/m² at {100 * hi:g} at.%"
                           for d in screen.layer_formers]))
    else:
        out.append(("p", f"No solute forms a layer (θ ≥ {c['threshold']:g}) at "
                    f"{100 * lo:g}–{100 * hi:g} at.% and {c['T_K']:g} K."))
    if screen.interfaces:
        h = screen.host
        out += [("h", 3, f"Segregation to the {h}/coating interfaces"),
                ("p", f"E_seg = E(solute in the {h} plane touching the coating) − E(solute in "
                 f"the middle {h} layer) of each system's relaxed interface model (eV; its "
                 f"fixed atoms kept, in-plane supercell by the 5 Å image rule; negative: the "
                 f"solute segregates to the interface). θ: McLean coverage of the touching "
                 f"plane's {h} sites at {screen.T_K:g} K; Δγ_int = (k_B T/A_site)·ln(1−θ), "
                 f"the interfacial-energy change of that dilute layer (J/m², ≤ 0: it drops; "
                 f"A_site = area per {h} atom of the touching plane).")]
        for system in screen.systems:
            coating = next(e.coating for e in screen.interfaces if e.system == system)
            ih, irows = interface_rows(screen, system, members)
            out += [("p", f"To the {h}/{coating} interface of {system}:"),
                    ("table", ih, irows)]
        if screen.interface_layer_formers:
            out.append(("p", f"Interface layer formers (θ ≥ {c['threshold']:g} at "
                        f"{100 * lo:g}–{100 * hi:g} at.% in the bulk, {c['T_K']:g} K):"))
            out.append(("ul", [interface_former_text(screen, d)
                               for d in screen.interface_layer_formers]))
        else:
            out.append(("p", f"No solute forms a layer at an interface (θ ≥ "
                        f"{c['threshold']:g}) at {100 * lo:g}–{100 * hi:g} at.% and "
                        f"{c['T_K']:g} K."))
    out.append(("p", "The isotherm assumes the solute is dissolved at that bulk fraction: "
                "read it beside the solubility (a solute with a low solubility limit in Li "
                "forms a second phase before the layer)."))
    return out


def _reading_blocks(results, entries, vmaps) -> list[tuple]:
    """What each row's interface numbers say, in words made from them (:mod:`.reading`)."""
    energetics = {r.coating: r.energetics for r in results}
    blocks = []
    for e in entries:
        lines = reading_lines(e["coating"], vmaps[e["coating"]], energetics.get(e["coating"]))
        if lines:
            role = "" if e["role"] == "coating" else " (reference)"
            blocks += [("h", 3, f"{e['coating']}{role}"), ("ul", lines)]
    if not blocks:
        return []
    return [("h", 2, "What the interface numbers say"),
            ("p", "Sentences made from the numbers above: binding against the committee's "
                  "spread, the sign of γ_int, the relaxation's starting gaps, literature values "
                  "beside.")] + blocks


def _force_lines(results) -> list[str]:
    """A line per coating on the DFT check's forces at the ML geometries of its model and
    its short relaxation (:attr:`CoatingResult.refine_forces`)."""
    names = {"interface/relaxed": "interface", "parts/film-relaxed": "film part",
             "parts/substrate-relaxed": "coating part"}
    lines = []
    for r in results:
        got = getattr(r, "refine_forces", None)
        if not got:
            continue
        at = ", ".join(f"{names.get(k, k)} {f:.2f}" for k, f in got["at_ml_geometry"].items())
        text = f"{r.coating}: {at} eV/Å"
        relaxed = got.get("relaxation") or {}
        if relaxed:
            text += "; relaxed: " + ", ".join(
                f"{names.get(k, k)} → {v['fmax_after_eV_per_A']:.2f} eV/Å in {v['steps']} "
                f"steps ({'converged' if v['converged'] else 'NOT converged'}, ΔE "
                f"{v['energy_change_eV']:+.3f} eV)" for k, v in relaxed.items())
        else:
            text += "; none above the threshold: no relaxation"
        lines.append(text)
    return lines


def _checked_values(item: dict, calc: str | None, dft: str) -> tuple[float, float] | None:
    """(the value of ``calc`` (None: the campaign's calculator), the DFT check's) compared
    like for like: on the check's own model where it has one, else at the campaign's
    geometry; None where either is missing."""
    got = (item or {}).get("refine", {}).get(dft)
    if got is None:
        return None
    model = item.get("refine_model")
    if model:
        mine = model.get(calc if calc is not None else item.get("refine_model_main"))
    else:
        mine = item["value"] if calc is None else item.get("committee", {}).get(calc)
    if not isinstance(mine, (int, float)) or isinstance(mine, bool):
        return None
    return float(mine), float(got)


def _deviation(name: str, mine: float, got: float) -> float | None:
    if on_log10(name):
        return math.log10(mine) - math.log10(got) if mine > 0 and got > 0 else None
    return mine - got


def _refine_blocks(entries, active, vmaps, results=()) -> list[tuple]:
    """The DFT check: per ranked number the campaign's value ± spread, the refine
    calculator's (at the same geometries, or on the check's own smaller model, where the
    campaign's calculator is evaluated too) and their difference, and its value after its
    short relaxation where it made one; in words where they differ by more than the spread;
    its largest forces at the ML geometries; and each calculator's mean deviation from it."""
    refs = sorted({m for e in entries for v in e["values"] for m in v.get("refine", {})})
    if not refs:
        return []
    dft = refs[0]
    active = [r for r in active if any(dft in (vmaps[e["coating"]].get(r["criterion"]) or {})
                                       .get("refine", {}) for e in entries)]
    blocks: list[tuple] = [("h", 3, f"DFT check: {dft}")]
    rows, words = [], []
    for e in entries:
        vmap = vmaps[e["coating"]]
        if not any(_checked_values(vmap.get(r["criterion"]), None, dft) for r in active):
            continue  # a row the check did not compute (e.g. a reference)
        row = [e["coating"]]
        for r in active:
            name, item = r["criterion"], vmap.get(r["criterion"])
            pair = _checked_values(item, None, dft)
            diff = None if pair is None else _deviation(name, *pair)
            if diff is None:
                row.append(MISSING)
                continue
            mine, got = pair
            spread = item.get("spread_log10") if on_log10(name) else item.get("spread")
            diff_text = f"Δlog10 {diff:+.2f}" if on_log10(name) else \
                f"Δ {format_number(name, diff)}"
            where = f"check model ({item['refine_model_atoms']} atoms): " \
                f"{format_number(name, mine)}, " if item.get("refine_model") else ""
            after = (item.get("refine_relaxed") or {}).get(dft)
            after_text = "" if after is None else \
                f"; after the short DFT relaxation {format_number(name, after)}"
            row.append(f"{_cell(vmap, name)}; {where}DFT {format_number(name, got)} "
                       f"({diff_text}){after_text}")
            if spread is not None and abs(diff) > spread:
                words.append(f"{r['title']} of {e['coating']}: the campaign's calculator and "
                             f"{dft} differ by more than the committee's spread "
                             f"({format_number(name, mine)} against {format_number(name, got)}"
                             f"{' on the check model' if where else ''}; spread "
                             f"{'log10 ' if on_log10(name) else ''}"
                             f"{spread:.2g})")
        rows.append(row)
    blocks.append(("p", "Each cell: the campaign's value (± the committee's spread); where the "
                   "DFT check has a smaller model of its own, the campaign's calculator on that "
                   "model; the DFT value at the same geometry (Δ = ML − DFT)."))
    blocks.append(("table", ["coating"] + [r["title"] for r in active], rows))
    if words:
        blocks.append(("ul", words))
    forces = _force_lines(results)
    if forces:
        blocks.append(("p", f"{dft}'s largest force on a free atom at the ML geometries of "
                       f"its models (the campaign's calculator left every one below its "
                       f"fmax), and its short relaxation where that force was above the "
                       f"threshold (the table's values after it are of that relaxation, "
                       f"converged or not):"))
        blocks.append(("ul", forces))
    dev_rows = []
    calcs = sorted({m for e in entries for v in e["values"] for m in v.get("committee", {})})
    for calc in calcs or [None]:
        row = [calc or "campaign calculator"]
        for r in active:
            devs = []
            for e in entries:
                item = vmaps[e["coating"]].get(r["criterion"])
                pair = _checked_values(item, calc, dft)
                dev = None if pair is None else _deviation(r["criterion"], *pair)
                if dev is not None:
                    devs.append(abs(dev))
            mean = sum(devs) / len(devs) if devs else None
            row.append(MISSING if mean is None else f"log10 {mean:.2f}"
                       if on_log10(r["criterion"]) else format_number(r["criterion"], mean))
        dev_rows.append(row)
    blocks.append(("p", f"Mean |value − {dft}| over the coatings, per calculator, like for like "
                   f"(D, σ, c: of log10):"))
    blocks.append(("table", ["calculator"] + [r["title"] for r in active], dev_rows))
    return blocks
