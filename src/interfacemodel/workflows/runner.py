"""Submit, run, inspect, rerun and recover campaigns on a LaunchPad (embedded store or
MongoDB).

The CLI (``interfacemodel submit/run/status/rerun/results/recover``) is a thin layer over
these. Only ``init``, ``submit`` and ``compare`` create a state directory; the other commands
refuse one that does not exist (a typo in ``--state`` would otherwise show an empty project).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserInputError
from ..flows.context import RECORD_FILE
from ..flows.identity import is_job_uuid
from ..flows.spec_rows import select_coatings
from ..flows.specs import load_campaign
from ..records import check_output_path, write_directory_atomic
from .constructors import campaign_workflow
from .launchpad import (
    STORE_FILE,
    archive_previous_release,
    check_store,
    embedded_launchpad,
    fetch_results,
    good_generations,
    holds_previous_release,
    init_state_dir,
    mongodb_launchpad,
    previous_release_message,
    require_state,
    runner_lock,
    store_problem,
    store_result,
    write_store,
)

DEFAULT_STATE_DIR = ".interfacemodel"
STATE_ENV = "INTERFACEMODEL_STATE"
#: lost runs on a shared MongoDB LaunchPad: a launch silent this long is declared lost
#: (the embedded store has one runner at a time, so every RUNNING launch found there is lost)
MONGODB_LOST_AFTER_S = 4 * 3600


@dataclass
class Project:
    """Where the campaigns live: an embedded store in ``state`` (default), or a MongoDB
    LaunchPad (``launchpad_file``) with ``state`` holding launch and checkpoint folders."""

    state: Path
    launchpad_file: Path | None = None

    @classmethod
    def locate(cls, state: str | Path | None = None, launchpad_file: str | Path | None = None):
        state = Path(state or os.environ.get(STATE_ENV) or DEFAULT_STATE_DIR).resolve()
        return cls(state, Path(launchpad_file) if launchpad_file else None)

    @property
    def embedded(self) -> bool:
        return self.launchpad_file is None

    def launchpad(self, create: bool = False):
        """The project's LaunchPad; an embedded store is made only with ``create``
        (``submit``, ``compare``), else the state directory must exist (:meth:`require`)."""
        if self.embedded:
            return embedded_launchpad(self.state, create=create)
        return mongodb_launchpad(self.launchpad_file)

    def require(self) -> None:
        """Refuse, with one line and before anything is written, a state directory that does
        not exist or a damaged store (embedded store only: a MongoDB project's state
        directory holds launch folders only)."""
        if self.embedded:
            require_state(self.state)
            check_store(self.state)

    @property
    def checkpoints(self) -> Path:
        return self.state / "checkpoints"

    @property
    def launches(self) -> Path:
        return self.state / "launches"


def fw_counts(lp, query: dict | None = None) -> Counter:
    """Number of Fireworks per state."""
    return Counter(d["state"] for d in lp.fireworks.find(query or {}, {"state": 1}))


def submit(project: Project, spec_path: str | Path, calculator: str | None = None) -> dict:
    """Validate a campaign spec and add its workflow; returns what was added."""
    spec = load_campaign(spec_path, calculator)  # every check before anything is written
    return submit_spec(project, spec)


def archived_message(where: str) -> str:
    return (f"the store of interfacemodel 0.1 in this state directory was moved to {where}; "
            f"its campaigns are computed once more (old records: its launches/ folders)")


def submit_spec(project: Project, spec) -> dict:
    """Add the workflow of a loaded campaign spec, unless the same campaign (same Fireworks
    hashes) is already on the LaunchPad: then its Fireworks are the ones to run."""
    wf = campaign_workflow(spec, project.checkpoints)
    archived = archive_previous_release(project.state) if project.embedded else None
    lp = project.launchpad(create=True)
    if not project.embedded and holds_previous_release(lp):
        raise UserInputError(previous_release_message(f"the LaunchPad {project.launchpad_file}")
                             + "; on a MongoDB LaunchPad, reset it (lpad reset) or name a new "
                             "database instead")
    known = lp.workflows.find_one({"metadata.campaign_hash": wf.metadata["campaign_hash"]},
                                  {"nodes": 1})
    if known is not None:
        ids, added = sorted(known["nodes"]), False
    else:
        ids, added = sorted(lp.add_wf(wf).values()), True
    return {"campaign": spec.name, "calculator": spec.calculator, "fireworks": len(ids),
            "fw_ids": ids, "added": added, "interfaces": [e.system for e in spec.interfaces],
            "barriers": [b.name for b in spec.barriers],
            "archived": None if archived is None else str(archived)}


def compare(project: Project, spec_path: str | Path, out: str | Path, calculator=None,
            coatings=None, overwrite: bool = False, say: Callable[[str], None] = print,
            refine: str | None = None) -> Path:
    """Run a comparison campaign (a spec with a ``report`` section) to the end and copy its
    report to ``out``. Finished Fireworks are reused: a second call, or one after an
    interrupted run, only runs what is left. ``refine``: a DFT calculator that checks every
    number at the campaign's geometries (replaces the spec's ``refine``)."""
    import shutil

    out = Path(out)
    if out.exists() and not overwrite:
        raise UserInputError(f"output directory {str(out)!r} exists; pass --overwrite to "
                             f"replace it")
    check_output_path(out, "report directory")  # before the campaign, not after it
    spec = load_campaign(spec_path, calculator, refine)
    if spec.report is None:
        raise UserInputError(f"{spec_path}: a comparison needs a 'report' section")
    if coatings:
        spec = select_coatings(spec, coatings)
    added = submit_spec(project, spec)
    if added["archived"]:
        say(archived_message(added["archived"]))
    say(f"campaign {spec.name} with {spec.calculator}: {added['fireworks']} Fireworks "
        + ("submitted" if added["added"] else "already submitted: continuing"))
    counts = run(project, say=say, fw_ids=added["fw_ids"])
    lp = project.launchpad()
    report_fw = lp.fireworks.find_one({"fw_id": {"$in": added["fw_ids"]},
                                       "name": f"{spec.name}:report:{spec.name}"},
                                      {"state": 1, "launches": 1, "fw_id": 1})
    if report_fw is None or report_fw["state"] != "COMPLETED":
        left = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        raise UserInputError(f"the campaign did not finish ({left}); see interfacemodel status, "
                             f"fix what failed, then rerun the same command")
    doc = _from_launch_dir(lp, report_fw)
    source = Path(doc["record"]["report_dir"])
    write_directory_atomic(out, lambda tmp: shutil.copytree(source, tmp, dirs_exist_ok=True),
                           overwrite=overwrite)
    return out


def _run_one(lp, fworker, launch_root: Path) -> int | None:
    """One rocket in a new launcher folder; the fw_id it ran, or None if nothing was ready."""
    import fireworks.core.rocket as fw_rocket
    from fireworks.core.rocket_launcher import launch_rocket
    from fireworks.utilities.fw_utilities import create_datestamp_dir

    fw_rocket.ROCKET_STREAM_LOGLEVEL = "WARNING"  # our progress lines replace its INFO log

    launch_root.mkdir(parents=True, exist_ok=True)
    folder = Path(create_datestamp_dir(str(launch_root), _quiet_logger(), prefix="launcher_"))
    here = os.getcwd()
    os.chdir(folder)
    try:
        launched = launch_rocket(lp, fworker, strm_lvl="ERROR")
    finally:
        os.chdir(here)
    if not launched:
        if not any(folder.iterdir()):
            folder.rmdir()
        return None
    last = lp.launches.find_one({"launch_dir": str(folder)}, {"fw_id": 1})
    return None if last is None else last["fw_id"]


def _quiet_logger():
    import logging

    return logging.getLogger("interfacemodel.launcher")


def recover_lost_runs(project: Project, lp) -> list[int]:
    """Rerun Fireworks whose runner died (SIGKILL, walltime, power): on the embedded store
    (one runner at a time, lock held) every RUNNING Firework is such a one; on MongoDB those
    silent for :data:`MONGODB_LOST_AFTER_S`. Their reruns resume the checkpoints."""
    expiration = 0 if project.embedded else MONGODB_LOST_AFTER_S
    _, lost_fw_ids, _ = lp.detect_lostruns(expiration_secs=expiration, rerun=True)
    return sorted(lost_fw_ids)


def run(project: Project, max_launches: int | None = None,
        say: Callable[[str], None] = print, fw_ids: list[int] | None = None) -> Counter:
    """Run every ready Firework (of ``fw_ids`` only, when given) in this process, printing
    progress; returns the final count of those Fireworks per state. The embedded store takes
    one runner at a time."""
    from fireworks import FWorker

    project.require()
    lock = runner_lock(project.state) if project.embedded else _no_lock()
    with lock:
        lp = project.launchpad()
        lost = recover_lost_runs(project, lp)
        if lost:
            say(f"lost runs rerun (their runner died): Fireworks {', '.join(map(str, lost))}")
        query = {} if fw_ids is None else {"fw_id": {"$in": list(fw_ids)}}
        fworker = FWorker(name=f"interfacemodel@{os.uname().nodename}", query=query)
        n = 0
        start = time.perf_counter()
        while max_launches is None or n < max_launches:
            counts = fw_counts(lp, query)
            total = sum(counts.values())
            if not counts.get("READY"):
                break
            t0 = time.perf_counter()
            fw_id = _run_one(lp, fworker, project.launches)
            if fw_id is None:
                break
            n += 1
            fw = lp.fireworks.find_one({"fw_id": fw_id}, {"name": 1, "state": 1, "launches": 1})
            done = fw_counts(lp, query).get("COMPLETED", 0)
            say(f"[{done}/{total}] {fw['name']} (fw {fw_id}): {fw['state']} "
                f"in {time.perf_counter() - t0:.1f} s")
            if fw["state"] == "FIZZLED":
                say(f"    error: {_last_error(lp, fw)} (traceback: interfacemodel status, "
                    f"or lpad get_launches; fix the cause, then interfacemodel rerun --fizzled)")
        counts = fw_counts(lp, query)
        say(f"{n} Fireworks run in {time.perf_counter() - start:.1f} s; "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        return counts


class _no_lock:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


#: a Firework whose last failures repeat this often (same error, same input) is not rerun
#: by a plain ``rerun --fizzled``: rerunning it again would loop
REPEATS = 2


def rerun_fizzled(project: Project, fresh: bool = False, fw_ids: list[int] | None = None,
                  say: Callable[[str], None] = print) -> dict:
    """Put FIZZLED Fireworks (all, or ``fw_ids``) back to READY, after their cause was fixed.

    A Firework that fizzled :data:`REPEATS` times with the same error (last line of the
    traceback) on the same input (its spec) is held back, one line each: rerunning it would
    repeat the failure (e.g. a checkpoint that carries it). ``fresh`` reruns those too and
    first removes the checkpoint folders of every Firework it reruns
    (``<_im_checkpoints>/<_im_hash>``), so they start from scratch.

    Returns ``{"rerun": [fw_id], "held": [{fw_id, name, times, error}], "dropped":
    [checkpoint folders removed]}``."""
    project.require()
    lock = runner_lock(project.state) if project.embedded else _no_lock()
    with lock:
        lp = project.launchpad()
        query: dict = {"state": "FIZZLED"}
        if fw_ids:
            found = {d["fw_id"]: d["state"] for d in
                     lp.fireworks.find({"fw_id": {"$in": list(fw_ids)}}, {"state": 1, "fw_id": 1})}
            for fw_id in fw_ids:
                if found.get(fw_id) != "FIZZLED":
                    what = f"is {found[fw_id]}" if fw_id in found else "does not exist"
                    raise UserInputError(f"Firework {fw_id} {what}; rerun --fizzled takes "
                                         f"FIZZLED ones (interfacemodel status lists them)")
            query["fw_id"] = {"$in": list(fw_ids)}
        fws = sorted(lp.fireworks.find(query, {"fw_id": 1, "name": 1, "launches": 1,
                                               "archived_launches": 1, "spec._im_hash": 1,
                                               "spec._im_checkpoints": 1}),
                     key=lambda d: d["fw_id"])
        out: dict = {"rerun": [], "held": [], "dropped": []}
        for fw in fws:
            times, error = repeated_failure(lp, fw)
            if times >= REPEATS and not fresh:
                out["held"].append({"fw_id": fw["fw_id"], "name": fw["name"], "times": times,
                                    "error": error})
                continue
            if fresh:
                out["dropped"] += drop_checkpoints(fw)
            lp.rerun_fw(fw["fw_id"])
            out["rerun"].append(fw["fw_id"])
        return out


def repeated_failure(lp, fw) -> tuple[int, str]:
    """How many of a Firework's FIZZLED launches (current and archived) failed with the same
    error (last traceback line) on the same input (spec, from the launch folder's FW.json,
    else the Firework's ``_im_hash``) as its latest one; and that error."""
    ids = sorted(set((fw.get("launches") or []) + (fw.get("archived_launches") or [])))
    failures = []
    for launch in lp.launches.find({"launch_id": {"$in": ids}, "state": "FIZZLED"},
                                   {"launch_id": 1, "launch_dir": 1, "action": 1}):
        data = (launch.get("action") or {}).get("stored_data") or {}
        tb = str((data.get("_exception") or {}).get("_stacktrace") or "").strip().splitlines()
        if tb:  # a lost run marked FIZZLED has no traceback: not a failure of the task
            failures.append((launch["launch_id"], tb[-1].strip(),
                             _input_fingerprint(launch.get("launch_dir"), fw)))
    if not failures:
        return 0, ""
    failures.sort()
    _, error, inputs = failures[-1]
    return sum(1 for _, e, i in failures if (e, i) == (error, inputs)), error


def _input_fingerprint(launch_dir, fw) -> str:
    """What a launch ran on: its spec as written into the launch folder (FW.json: task
    parameters, the calculator, the parents' products), FireWorks' own bookkeeping left out."""
    import hashlib
    import json

    try:
        spec = json.loads((Path(launch_dir) / "FW.json").read_text())["spec"]
    except (OSError, TypeError, ValueError, KeyError):
        return str((fw.get("spec") or {}).get("_im_hash"))
    kept = {k: v for k, v in spec.items() if not k.startswith("_") or k in ("_tasks", "_im_hash")}
    text = json.dumps(kept, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def checkpoint_dir(fw) -> Path | None:
    """The checkpoint folder of a Firework (``<_im_checkpoints>/<_im_hash>``, see
    :func:`interfacemodel.flows.context.workdir`), or None if its spec names none."""
    spec = fw.get("spec") or {}
    root, key = spec.get("_im_checkpoints"), spec.get("_im_hash")
    if not root or not is_job_uuid(key):  # never a path of its own: only a uuid
        return None
    return Path(root) / key


def drop_checkpoints(fw) -> list[str]:
    """Remove a Firework's checkpoint folder (and nothing else); returns what was removed."""
    import shutil

    folder = checkpoint_dir(fw)
    if folder is None or not folder.is_dir():
        return []
    shutil.rmtree(folder)
    return [str(folder)]


def status(project: Project) -> list[dict]:
    """Per workflow: name, state counts, and the FIZZLED Fireworks with their error."""
    project.require()
    lp = project.launchpad()
    rows = []
    for wf in lp.workflows.find({}, {"name": 1, "nodes": 1, "state": 1}):
        nodes = wf["nodes"]
        counts = fw_counts(lp, {"fw_id": {"$in": nodes}})
        fizzled = []
        for fw in lp.fireworks.find({"fw_id": {"$in": nodes}, "state": "FIZZLED"},
                                    {"fw_id": 1, "name": 1, "launches": 1}):
            fizzled.append({"fw_id": fw["fw_id"], "name": fw["name"],
                            "error": _last_error(lp, fw)})
        rows.append({"workflow": wf["name"], "state": wf["state"], "fireworks": len(nodes),
                     "counts": dict(counts), "fizzled": fizzled})
    return rows


def _last_error(lp, fw) -> str:
    if not fw.get("launches"):
        return ""
    launch = lp.launches.find_one({"launch_id": fw["launches"][-1]}, {"action": 1})
    data = ((launch or {}).get("action") or {}).get("stored_data") or {}
    tb = str(data.get("_exception", {}).get("_stacktrace", "") or "").strip().splitlines()
    return tb[-1] if tb else ""


def results(project: Project) -> list[dict]:
    """Result documents of every COMPLETED Firework: from the results collection, else
    (a plain ``rlaunch`` on the embedded store, or a lost database) from the record the task
    wrote into its launch directory, which is then put back into the collection."""
    project.require()
    lp = project.launchpad()
    have = {d["key"]: d for d in fetch_results()}
    out = []
    for fw in lp.fireworks.find({"state": "COMPLETED"}, {"fw_id": 1, "spec._im_hash": 1,
                                                         "launches": 1, "name": 1}):
        key = (fw.get("spec") or {}).get("_im_hash")
        if key is None:
            continue
        doc = have.get(key)
        if doc is None:
            doc = _from_launch_dir(lp, fw)
            if doc is None:
                continue
            store_result(doc)
        out.append(dict(doc, fw_id=fw["fw_id"], fw_name=fw["name"]))
    return sorted(out, key=lambda d: d["fw_id"])


def _from_launch_dir(lp, fw) -> dict | None:
    import json

    for launch_id in reversed(fw.get("launches") or []):
        launch = lp.launches.find_one({"launch_id": launch_id}, {"launch_dir": 1, "state": 1})
        if not launch or launch.get("state") != "COMPLETED":
            continue
        path = Path(launch["launch_dir"]) / RECORD_FILE
        if path.is_file():
            return json.loads(path.read_text())
    return None


def ensure_state(project: Project) -> Path:
    """``interfacemodel init``: the state folder with its embedded store and FireWorks
    configuration files (kept if present). Returns the FW_config.yaml path."""
    if not project.embedded:
        raise UserInputError("init makes an embedded store; with --launchpad the database "
                             "is the MongoDB server's (lpad -l FILE reset to start one)")
    return init_state_dir(project.state)


def recover(project: Project, say: Callable[[str], None] = print) -> dict:
    """``interfacemodel recover``: bring a damaged embedded store back.

    1. The newest good generation (``store.json``, else ``store.json.1``, ...) becomes the
       store; a damaged ``store.json`` is kept beside it as ``store.json.damaged-<time>``.
    2. Fireworks RUNNING in it are lost runs: set to rerun (their checkpoints make it short).
    3. The launch folders are read: every COMPLETED Firework's record is put back into the
       results collection if missing; a Firework whose record.json is in a launch folder but
       which is not COMPLETED in the restored store (it finished after that generation was
       saved: FireWorks' hand-over to its children is not in the folder) will rerun, and is
       listed; records of Fireworks the store does not know (submitted after it) are counted.

    Returns ``{"restored_from", "lost", "rerun", "reregistered", "unknown"}``."""
    import shutil
    import time as _time

    if not project.embedded:
        raise UserInputError("recover restores the embedded store of a state directory; a "
                             "MongoDB LaunchPad is restored from the server's own backups")
    state = require_state(project.state)
    with runner_lock(state):
        store = state / STORE_FILE
        good = good_generations(state)
        if not good:
            raise UserInputError(f"no good generation of the store in {str(state)!r} "
                                 f"({STORE_FILE} and its earlier generations are missing or "
                                 f"damaged); restore {STORE_FILE} from a backup")
        source = good[0]
        if source == store:
            say(f"{store} is intact: nothing to restore; checking the launch folders")
        else:
            problem = store_problem(store)
            kept = ""
            if store.exists():
                stamp = _time.strftime("%Y%m%d-%H%M%S")
                aside = store.with_name(f"{STORE_FILE}.damaged-{stamp}")
                n = 1
                while aside.exists():
                    n += 1
                    aside = store.with_name(f"{STORE_FILE}.damaged-{stamp}-{n}")
                shutil.copyfile(store, aside)
                kept = f"; the damaged file is kept as {aside.name}"
            saved = _time.strftime("%Y-%m-%d %H:%M:%S",
                                   _time.localtime(source.stat().st_mtime))
            write_store(store, source.read_text(encoding="utf-8"), previous=None)
            say(f"{store} {problem}: restored from {source.name} (saved {saved}){kept}")
        lp = project.launchpad()
        lost = recover_lost_runs(project, lp)
        out = {"restored_from": str(source), "lost": lost, **_reconcile(project, lp)}
    names = {d["fw_id"]: d["name"] for d in
             lp.fireworks.find({"fw_id": {"$in": lost + out["rerun"]}}, {"fw_id": 1, "name": 1})}
    rerun = sorted(set(lost) | set(out["rerun"]))
    if out["reregistered"]:
        say(f"{out['reregistered']} results put back into the results collection from "
            f"their launch folders")
    if out["unknown"]:
        say(f"{len(out['unknown'])} records in launch folders belong to Fireworks the restored "
            f"store does not have (submitted after it): submit their campaign again "
            f"({', '.join(sorted(set(out['unknown'])))})")
    if rerun:
        say(f"{len(rerun)} Fireworks will rerun (interfacemodel run"
            f" --state {project.state}):")
        for fw_id in rerun:
            why = []
            if fw_id in lost:
                why.append("RUNNING in the restored store (a lost run)")
            if fw_id in out["rerun"]:
                why.append("completed after the restored store was saved "
                           f"(record in {out['records'][fw_id]})")
            say(f"  fw {fw_id} {names.get(fw_id, '')}: {'; '.join(why)}")
    else:
        say("no Firework needs to rerun")
    out["will_rerun"] = rerun
    return out


def _reconcile(project: Project, lp) -> dict:
    """Launch folders against the (restored) store: see :func:`recover`."""
    import json

    records: dict[str, tuple[Path, dict]] = {}
    folders = {Path(d["launch_dir"]) for d in lp.launches.find({}, {"launch_dir": 1})
               if d.get("launch_dir")}
    if project.launches.is_dir():
        folders |= set(project.launches.iterdir())
    for folder in sorted(folders):
        path = folder / RECORD_FILE
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and doc.get("key"):
            records[doc["key"]] = (folder, doc)
    have = {d["key"] for d in fetch_results()}
    known: set[str] = set()
    reregistered, rerun, where = 0, [], {}
    for fw in lp.fireworks.find({}, {"fw_id": 1, "state": 1, "launches": 1,
                                     "spec._im_hash": 1}):
        key = (fw.get("spec") or {}).get("_im_hash")
        if key is None:
            continue
        known.add(key)
        if fw["state"] == "COMPLETED":
            if key not in have:
                doc = _from_launch_dir(lp, fw) or records.get(key, (None, None))[1]
                if doc is not None:
                    store_result(doc)
                    have.add(key)
                    reregistered += 1
        elif key in records:
            if fw["state"] == "FIZZLED":  # fixed and completed after that generation
                lp.rerun_fw(fw["fw_id"])
            rerun.append(fw["fw_id"])
            where[fw["fw_id"]] = str(records[key][0])
    unknown = [f"{doc.get('kind')} {doc.get('name')}" for key, (_, doc) in records.items()
               if key not in known]
    return {"rerun": sorted(rerun), "records": where, "reregistered": reregistered,
            "unknown": unknown}
