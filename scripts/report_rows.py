"""Dump the rows a finished campaign's report was written from, as JSON (gzip if the name
ends in .gz): the report job's inputs resolved from the campaign's state directory and turned
into :class:`~interfacemodel.report.records.CoatingResult` fields by the code that writes the
report (``flows.campaign.coating_results``), the relaxed interfaces left out; the solute
screen and its members' re-evaluations beside them. tests/data/report_rows/*.json.gz were
made this way from the example campaigns, so that the report's tests render every declared
quantity from the records a real campaign produced.

    .venv/bin/python scripts/report_rows.py runs/state tests/data/report_rows/quick.json.gz
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import inspect
import json
import sys
from pathlib import Path

from interfacemodel.flows.campaign import _record, coating_results, report_step
from interfacemodel.records import to_dict
from interfacemodel.workflows.jobs import launchpad_job_store
from interfacemodel.workflows.launchpad import embedded_launchpad


def report_inputs(state_dir: str) -> dict:
    """The keyword arguments of the state's report job, its references resolved."""
    lp = embedded_launchpad(state_dir, create=False)
    store = launchpad_job_store(lp)
    store.connect()
    reports = [lp.get_fw_by_id(i) for i in lp.get_fw_ids() if ":report:" in
               lp.get_fw_by_id(i).name]
    if len(reports) != 1:
        sys.exit(f"{state_dir}: {len(reports)} report jobs; one campaign per state expected")
    job = reports[0].tasks[0]["job"]
    job.resolve_args(store=store, inplace=True)
    bound = inspect.signature(report_step).bind(*job.function_args, **job.function_kwargs)
    return dict(bound.arguments)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("state", help="the campaign's state directory (embedded store)")
    parser.add_argument("out", help="the JSON file to write (.json or .json.gz)")
    args = parser.parse_args(argv)
    inputs = report_inputs(args.state)
    results = coating_results(inputs["rows"], inputs.get("calculator"),
                              inputs.get("functionals"), inputs.get("refine"))
    rows = []
    for r in results:
        row = {f.name: to_dict(getattr(r, f.name)) for f in dataclasses.fields(r)}
        row["relaxed_interface"] = None
        rows.append(row)
    members = {m: to_dict(_record(out)) for m, out in (inputs.get("screen_members") or {}).items()
               if m not in (inputs.get("functionals") or []) and m != inputs.get("refine")}
    data = {"campaign": {"name": inputs["campaign"], "calculator": inputs.get("calculator")},
            "rows": rows, "screen": to_dict(_record(inputs["screen"])) if inputs.get("screen")
            else None, "screen_members": members or None}
    text = json.dumps(data, sort_keys=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".gz":
        out.write_bytes(gzip.compress(text.encode(), mtime=0))
    else:
        out.write_text(text)
    print(f"{out}: {len(rows)} rows, screen {'yes' if data['screen'] else 'no'}, "
          f"{len(text) // 1024} KiB of JSON")


if __name__ == "__main__":
    main()
