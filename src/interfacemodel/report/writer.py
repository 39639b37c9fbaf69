""":func:`write_report`: the report directory (Markdown, HTML, JSON, CSV, figures), atomically."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..analysis import experiment as exp
from ..errors import UserInputError
from ..records import package_versions, to_dict, write_directory_atomic
from .comparison import _experiment_rows, _source_numbers
from .criteria import _trend_checks, ranking
from .document import _build_document
from .figures import make_figures
from .formatting import MISSING, NOT_CONVERGED_MARK, WARNING_MARK
from .records import CoatingResult, _check_results
from .render import _csv_text, _to_html, _to_markdown
from .solute_screen import plot_screen, screen_spreads
from .values import report_values

DEFAULT_TITLE = "Protective coatings on Li metal: computed interface physics beside experiment"


def write_report(results: Sequence[CoatingResult], out_dir: str | Path, title: str = DEFAULT_TITLE,
                 campaign: dict | None = None, overwrite: bool = False,
                 screen: Any = None, screen_members: dict[str, Any] | None = None
                 ) -> dict[str, Path]:
    """Write the comparison report of ``results`` into the new directory ``out_dir``:
    report.md, report.html (self-contained), results.json, results.csv and figures/*.png.

    ``campaign``: what produced the records (name, calculator, ...; JSON-compatible), shown in
    the report and stored in results.json. ``screen``: a solute screen
    (:class:`~interfacemodel.analysis.solute_screen.SoluteScreen`) reported in a section of
    its own, with the committee's spread of its numbers where ``screen_members`` (member ->
    its re-evaluated screen) are given. An existing ``out_dir`` is replaced only with
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
        figures = make_figures(results, entries, ranks)
        if screen is not None:
            figures.append(("solute_screen.png", "Surface coverage θ of the solute screen "
                            "(McLean isotherm) against the bulk fraction at the screen's "
                            "temperature, and against T at 1 at.%"
                            + (" (thick lines: at the Li/coating interfaces)."
                               if getattr(screen, "interfaces", None) else "."),
                            plot_screen(screen)))
        (tmp / "figures").mkdir()
        for name, _, png in figures:
            (tmp / "figures" / name).write_bytes(png)
            written.append(f"figures/{name}")
        blocks = _build_document(results, entries, ranks, exp_rows, trends, figures, title,
                                 campaign, numbers, screen, screen_members)
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
            "solute_screen": None if screen is None else {
                k: to_dict(getattr(screen, k)) for k in (
                    "host", "faces", "solutes", "T_K", "bulk_fractions", "entries",
                    "layer_formers", "criterion", "definitions", "converged", "calculator",
                    "notes", "interfaces", "interface_layer_formers")} | {
                "committee": {f"{row[0]}:{row[1]}": spreads for row, spreads in
                              screen_spreads(screen, screen_members).items()}},
            "versions": package_versions(),
        }
        (tmp / "results.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
        (tmp / "results.csv").write_text(_csv_text(entries), encoding="utf-8")
        written[:0] = ["report.md", "report.html", "results.json", "results.csv"]

    write_directory_atomic(out, write, overwrite=overwrite)
    return {rel: out / rel for rel in written}
