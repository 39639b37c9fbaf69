"""``interfacemodel compare/init/submit/run/status/rerun/results/recover``: campaigns
through FireWorks.

Thin over :mod:`interfacemodel.workflows.runner`. By default the project lives in an
embedded store in ``./.interfacemodel`` (``--state DIR`` or ``$INTERFACEMODEL_STATE``);
``--launchpad FILE`` works against a MongoDB LaunchPad instead (a cluster's).
"""

from __future__ import annotations

import json
import sys

from ..errors import UserInputError
from .tables import compact


def _project(args):
    # the workflows are imported in the functions (FireWorks, numpy): --help stays fast
    from ..workflows.runner import Project

    return Project.locate(args.state, getattr(args, "launchpad", None))


def cmd_init(args) -> int:
    from ..workflows.runner import ensure_state  # lazy: FireWorks, jobflow, ASE, numpy

    config = ensure_state(_project(args))
    print(f"embedded FireWorks store ready in {config.parent}")
    print(f"plain FireWorks tools: export FW_CONFIG_FILE={config}  (then lpad get_wflows, "
          f"rlaunch rapidfire)")
    return 0


def cmd_submit(args) -> int:
    from ..workflows.runner import archived_message, submit  # lazy: FireWorks, jobflow, ASE, numpy

    out = submit(_project(args), args.spec, args.calc)
    ids = out["fw_ids"]
    if out["archived"]:
        print(archived_message(out["archived"]))
    what = "submitted" if out["added"] else "already submitted (nothing added)"
    print(f"{what} campaign {out['campaign']} with {out['calculator']}: "
          f"{out['fireworks']} Fireworks (ids {ids[0]}-{ids[-1]}); "
          f"interfaces: {', '.join(out['interfaces']) or '-'}; "
          f"barriers: {', '.join(out['barriers']) or '-'}")
    print("run them with: interfacemodel run" + (f" --state {args.state}" if args.state else ""))
    return 0


def cmd_run(args) -> int:
    from ..workflows.runner import run  # lazy: FireWorks, jobflow, ASE, numpy

    if args.max is not None and args.max < 1:
        raise UserInputError(f"--max {args.max} must be >= 1")
    counts = run(_project(args), max_launches=args.max)
    return 1 if counts.get("FIZZLED") else 0


def cmd_status(args) -> int:
    from ..workflows.runner import status  # lazy: FireWorks, jobflow, ASE, numpy

    rows = status(_project(args))
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("no workflows yet: interfacemodel submit workflows/<campaign>.yaml")
    for r in rows:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(r["counts"].items()))
        print(f"{r['workflow']}: {r['state']} ({r['fireworks']} Fireworks: {counts})")
        for f in r["fizzled"]:
            print(f"  FIZZLED fw {f['fw_id']} {f['name']}: {f['error']}")
    return 0


def cmd_rerun(args) -> int:
    from ..workflows.runner import rerun_fizzled  # lazy: FireWorks, jobflow, ASE, numpy

    if not args.fizzled:
        raise UserInputError("say what to rerun: --fizzled (lost runs are rerun by "
                             "`interfacemodel run` itself)")
    fw_ids = _fw_ids(args.fw) if args.fw is not None else None
    out = rerun_fizzled(_project(args), fresh=args.fresh, fw_ids=fw_ids)
    ids = out["rerun"]
    for path in out["dropped"]:
        print(f"checkpoints dropped: {path}")
    print(f"{len(ids)} FIZZLED Fireworks set back to READY" +
          (f": {', '.join(map(str, ids))}" if ids else "") +
          (" (from scratch)" if args.fresh and ids else ""))
    state = f" --state {args.state}" if args.state else ""
    for h in out["held"]:
        print(f"fw {h['fw_id']} {h['name']}: not rerun, it fizzled {h['times']} times with "
              f"the same error on the same input ({h['error']}); if a checkpoint carries the "
              f"failure, `interfacemodel rerun --fizzled --fresh --fw {h['fw_id']}{state}` "
              f"drops its checkpoints and reruns it from scratch")
    return 1 if out["held"] else 0


def _fw_ids(text: str) -> list[int]:
    try:
        ids = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        ids = []
    if not ids or any(i < 1 for i in ids):
        raise UserInputError(f"--fw {text!r}: expected Firework ids such as 12 or 12,15")
    return ids


def cmd_recover(args) -> int:
    from ..workflows.runner import recover  # lazy: FireWorks, jobflow, ASE, numpy

    recover(_project(args))
    return 0


def cmd_results(args) -> int:
    from ..flows.campaign import summarise  # lazy: jobflow, ASE, numpy, scipy
    from ..workflows.runner import results  # lazy: FireWorks, jobflow, ASE, numpy

    docs = results(_project(args))
    if args.json:
        json.dump(docs, sys.stdout, indent=1)
        print()
        return 0
    if not docs:
        print("no completed results yet")
    for d in docs:
        summary = summarise(d)
        text = ", ".join(f"{k}={compact(v)}" for k, v in summary.items()) if summary else \
            f"record in {d['launch_dir']}"
        print(f"fw {d['fw_id']:>4} {d['kind']:<11} {d['name']:<16} {text}")
    return 0


#: comparison presets: campaign specs shipped in the package (interfacemodel/workflows/presets/,
#: linked from the repository's workflows/); their sizes are in the files
PRESETS = {"quick": "coating_comparison_quick.yaml", "full": "coating_comparison.yaml",
           "alloys": "coating_comparison_alloys.yaml"}


def _preset_spec(name: str):
    from importlib.resources import as_file, files


    if name not in PRESETS:
        raise UserInputError(f"unknown preset {name!r}; accepted: {', '.join(PRESETS)}")
    with as_file(files("interfacemodel.workflows") / "presets" / PRESETS[name]) as path:
        if not path.is_file():
            raise UserInputError(f"preset {name!r}: {path} is missing from this installation; "
                                 f"give --spec FILE")
        return path


def cmd_compare(args) -> int:
    from ..workflows.runner import compare  # lazy: FireWorks, jobflow, ASE, numpy

    coatings = None
    if args.coatings is not None:
        coatings = [c.strip() for c in args.coatings.split(",") if c.strip()]
        if not coatings:
            raise UserInputError(f"--coatings {args.coatings!r} names no coating; give a "
                                 f"comma-separated list such as Li2Se,LiF, or leave it out "
                                 f"for all of them")
    spec = args.spec or _preset_spec(args.preset)
    out = compare(_project(args), spec, args.out, calculator=args.calc, coatings=coatings,
                  overwrite=args.overwrite, refine=args.refine)
    print(f"report: {out / 'report.html'} (also report.md, results.json, results.csv, "
          f"figures/)")
    return 0


def add_commands(sub) -> None:
    """Register the campaign commands on the main parser's subparsers."""

    def common(p, launchpad: bool = True):
        p.add_argument("--state", help="project state folder (default ./.interfacemodel or "
                                       "$INTERFACEMODEL_STATE)")
        if launchpad:
            p.add_argument("--launchpad", metavar="FILE",
                           help="a MongoDB my_launchpad.yaml instead of the embedded store")

    p = sub.add_parser("compare", help="the coating comparison: campaign, run, report")
    p.add_argument("--preset", default="quick",
                   help=f"campaign sizes: {', '.join(PRESETS)} (default quick)")
    p.add_argument("--spec", help="a campaign YAML with a 'report' section instead of a preset")
    p.add_argument("--coatings", help="comma-separated subset, e.g. Li2Se,LiF")
    p.add_argument("--calc", help="calculator spec replacing the campaign's (default sevennet)")
    p.add_argument("--refine", metavar="CALC",
                   help="a DFT calculator (e.g. gpaw) that recomputes the numbers at the "
                        "campaign's geometries, or on the spec's smaller refine_models (the "
                        "quick preset's): the check beside each ML number")
    p.add_argument("--out", default="report", help="report directory (default ./report)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    common(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("init", help="create the project state folder (embedded FireWorks store)")
    common(p, launchpad=False)
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("submit", help="add a campaign (workflows/*.yaml) as a FireWorks workflow")
    p.add_argument("spec", help="campaign YAML, e.g. workflows/coating_comparison.yaml")
    p.add_argument("--calc", help="calculator spec replacing the campaign's, e.g. emt")
    common(p)
    p.set_defaults(func=cmd_submit)

    p = sub.add_parser("run", help="run ready Fireworks in this process, with progress")
    p.add_argument("--max", type=int, help="stop after this many Fireworks")
    common(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("status", help="workflows and their Fireworks by state")
    p.add_argument("--json", action="store_true")
    common(p)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser(
        "rerun", help="set FIZZLED Fireworks back to READY",
        description="Set FIZZLED Fireworks back to READY once the cause of their failure is "
                    "fixed. A Firework that fizzled twice with the same error on the same "
                    "input is held back (rerunning it would fail again) and named, one line "
                    "each; if its checkpoints carry the failure (a poisoned checkpoint), "
                    "--fresh drops them and reruns it from scratch.")
    p.add_argument("--fizzled", action="store_true", help="every FIZZLED Firework")
    p.add_argument("--fresh", action="store_true",
                   help="also rerun Fireworks whose failure repeats, first removing the "
                        "checkpoint folder of every Firework rerun (STATE/checkpoints/<its "
                        "hash>): they start from scratch; no other checkpoint is touched")
    p.add_argument("--fw", metavar="IDS",
                   help="only these FIZZLED Fireworks (comma-separated ids, from "
                        "interfacemodel status)")
    common(p)
    p.set_defaults(func=cmd_rerun)

    p = sub.add_parser(
        "recover", help="restore a damaged embedded store and list what will rerun",
        description="Restore the newest good generation of a damaged store (store.json, "
                    "store.json.1, ...; the damaged file is kept aside), put results back "
                    "from the launch folders, set lost runs to rerun, and list every Firework "
                    "that will rerun; then `interfacemodel run` finishes the campaign.")
    common(p, launchpad=False)
    p.set_defaults(func=cmd_recover)

    p = sub.add_parser("results", help="records of the completed Fireworks")
    p.add_argument("--json", action="store_true", help="full result documents as JSON")
    common(p)
    p.set_defaults(func=cmd_results)
