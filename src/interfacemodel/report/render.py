"""Writing the report: the document blocks as Markdown and as self-contained HTML, and the
values as CSV.
"""

from __future__ import annotations

import base64
import csv
import html
import io
from typing import Any


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


# ---------------------------------------------------------------------------------------------
# CSV


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
    """One row per coating, one column per quantity (and ``<name>_spread`` beside each one a
    committee recomputed: its sample standard deviation, same unit; D and σ:
    ``<name>_spread_log10``, of log10 of the value)."""
    columns: list[tuple[str, str]] = []
    spread = {v["name"] for e in entries for v in e["values"] if v.get("spread") is not None}
    logs = {v["name"] for e in entries for v in e["values"]
            if v.get("spread_log10") is not None}
    for e in entries:
        for v in e["values"]:
            if (v["name"], v["unit"]) not in columns:
                columns.append((v["name"], v["unit"]))
                if v["name"] in spread:
                    columns.append((f"{v['name']}_spread", v["unit"]))
                if v["name"] in logs:
                    columns.append((f"{v['name']}_spread_log10", ""))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["coating", "system", "role"] + [csv_header(n, u) for n, u in columns]
               + ["not_converged"])
    for e in entries:
        vmap = {v["name"]: v for v in e["values"]}
        vmap.update({f"{v['name']}_{key}": {"value": v[key]} for v in e["values"]
                     for key in ("spread", "spread_log10") if v.get(key) is not None})
        bad = [v["name"] for v in e["values"] if v["converged"] is False]
        w.writerow([e["coating"], e["system"], e["role"]]
                   + [csv_cell(vmap[n]["value"]) if n in vmap else "" for n, _ in columns]
                   + ["; ".join(bad)])
    return buf.getvalue()
