"""LaunchPad set-up: an embedded store for laptops and CI, owned against its traps (DESIGN §6).

FireWorks' no-server mode keeps the whole database in one JSON file
(``MONGOMOCK_SERVERSTORE_FILE``, through ``mongomock_persistence``) that it reads at start and
writes only when the process exits: a killed runner loses everything it completed, and two
runners overwrite each other. Here:

* :func:`init_state_dir` makes a project state directory: ``store.json`` (holding ``{}``, as
  the store needs), ``FW_config.yaml`` (pointing at the store and the two files below),
  ``my_launchpad.yaml`` (``host`` is required and ignored; ``name`` picks the database) and
  ``my_fworker.yaml``. Plain ``lpad``/``rlaunch`` work with ``FW_CONFIG_FILE`` set to it.
* :class:`EmbeddedLaunchPad` writes the store to disk, atomically, after every call that
  changes it (workflow added, Firework checked out or completed, rerun, lost runs detected),
  so whatever completed survives a SIGKILL. It also replaces mongomock_persistence's own
  exit-time write (which truncates the file in place, and rewrites it even when nothing
  changed, over a runner's newer store) by the same save, skipped when nothing changed.
* Every save keeps the previous good generations beside the store (``store.json.1``, then
  ``.2``): the new text is written to a temporary file, flushed to disk and parsed back, the
  current store is copied to ``store.json.1`` the same way, and only then is the new store
  renamed into place, so a kill between any two steps leaves a good ``store.json``.
  :func:`check_store` turns a damaged store (empty, truncated, not JSON) into one line naming
  the file and ``interfacemodel recover``, before FireWorks reads it.
* :func:`runner_lock` lets one runner at a time use a state directory; a second one gets a
  clear message instead of silently losing work.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shlex
import tempfile
from pathlib import Path

from ..errors import UserInputError
from ..records import check_output_path, write_text_atomic

STORE_FILE = "store.json"
DATABASE_NAME = "interfacemodel"
LOCK_FILE = "runner.lock"
#: earlier good generations kept beside the store: store.json.1 (newest) .. store.json.N
GENERATIONS = 2
#: LaunchPad methods that change the database: the store is saved after each of them
_MUTATING = ("reset", "add_wf", "append_wf", "delete_wf", "delete_fws", "defuse_fw",
             "pause_fw", "resume_fw", "reignite_fw", "rerun_fw", "detect_lostruns",
             "detect_unreserved", "checkout_fw", "reserve_fw", "set_reservation_id",
             "cancel_reservation", "cancel_reservation_by_reservation_id", "complete_launch",
             "change_launch_dir", "update_spec", "defuse_wf", "pause_wf", "reignite_wf",
             "archive_wf", "mark_fizzled", "set_priority", "restore_backup_data",
             "add_offline_run", "recover_offline", "forget_offline")


def init_state_dir(state_dir: str | Path) -> Path:
    """Create (or complete) a project state directory for the embedded store; an existing
    store is kept. Returns the path of its ``FW_config.yaml``."""
    state = Path(state_dir).resolve()
    if state.exists() and not state.is_dir():
        raise UserInputError(f"state directory {str(state)!r} exists and is not a directory")
    if not state.exists():
        check_output_path(state, "state directory")
    try:
        state.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserInputError(f"cannot create the state directory {str(state)!r} "
                             f"({exc.strerror or exc})") from None
    store = state / STORE_FILE
    if store.exists() or any(p.exists() for p in generation_paths(store)):
        check_store(state)  # a store gone with its generations left: recover, not a new one
    else:
        write_text_atomic("{}", store)
    files = {
        "my_launchpad.yaml": f"host: localhost  # ignored by the embedded store\n"
                             f"name: {DATABASE_NAME}\n",
        "my_fworker.yaml": "name: interfacemodel-local\ncategory: ''\nquery: '{}'\n",
        "FW_config.yaml": f"MONGOMOCK_SERVERSTORE_FILE: {store}\n"
                          f"LAUNCHPAD_LOC: {state / 'my_launchpad.yaml'}\n"
                          f"FWORKER_LOC: {state / 'my_fworker.yaml'}\n",
    }
    for name, text in files.items():
        if not (state / name).exists():
            write_text_atomic(text, state / name)
    return state / "FW_config.yaml"


def generation_paths(store: Path) -> list[Path]:
    """The earlier generations kept beside ``store``, newest first (``store.json.1``, ...)."""
    return [store.with_name(f"{store.name}.{i}") for i in range(1, GENERATIONS + 1)]


def store_problem(path: Path) -> str | None:
    """What is wrong with a store file (``None``: it parses as a JSON object)."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return "is missing"
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if not data.strip():
        return f"is empty ({len(data)} bytes)"
    try:
        doc = json.loads(data)
    except UnicodeDecodeError:
        return "is not text"
    except json.JSONDecodeError as exc:
        if exc.pos >= len(data.rstrip()) or exc.msg.startswith("Unterminated"):
            return f"is truncated (its JSON stops at byte {len(data)})"
        return f"is not valid JSON ({exc.msg} at byte {exc.pos})"
    if not isinstance(doc, dict):
        return f"is not a store (a JSON {type(doc).__name__}, not an object)"
    return None


def good_generations(state_dir: str | Path) -> list[Path]:
    """The store files of a state directory that parse, newest first (the store itself,
    then ``store.json.1``, ...)."""
    store = Path(state_dir) / STORE_FILE
    return [p for p in [store, *generation_paths(store)] if p.is_file() and not store_problem(p)]


#: how the FireTasks of release 0.1 (one FireTask class per step, before the flow layer) are
#: named in a stored Firework: a store holding them was written by that release
PREVIOUS_RELEASE_TASKS = "{{interfacemodel.workflows.tasks."
#: where :func:`archive_previous_release` moves such a store (and its checkpoints)
PREVIOUS_RELEASE_DIR = "previous-release-0.1"


def previous_release_message(where: str) -> str:
    return (f"{where} was written by interfacemodel 0.1, whose Fireworks this release cannot "
            f"run; `interfacemodel submit` or `compare` with this state directory moves that "
            f"store aside (into {PREVIOUS_RELEASE_DIR}/) and computes the campaign once more; "
            f"the old records stay in its launches/ folders")


def holds_previous_release(lp) -> bool:
    """Whether the LaunchPad ``lp`` holds Fireworks of release 0.1."""
    pattern = "^" + PREVIOUS_RELEASE_TASKS.replace("{", r"\{").replace(".", r"\.")
    return lp.fireworks.find_one({"spec._tasks._fw_name": {"$regex": pattern}},
                                 {"fw_id": 1}) is not None


def previous_release_store(state_dir: str | Path) -> bool:
    """Whether the embedded store of ``state_dir`` (any generation) was written by 0.1."""
    store = Path(state_dir) / STORE_FILE
    return any(PREVIOUS_RELEASE_TASKS in p.read_text(encoding="utf-8", errors="replace")
               for p in [store, *generation_paths(store)] if p.is_file())


def archive_previous_release(state_dir: str | Path) -> Path | None:
    """Move a 0.1 store (with its generations and checkpoints, whose folders are keyed by
    the old identities) into ``<state>/previous-release-0.1/``; returns that folder, or None
    if the store is not one. Launch folders stay where they are."""
    state = Path(state_dir)
    if not previous_release_store(state):
        return None
    archive = state / PREVIOUS_RELEASE_DIR
    archive.mkdir(exist_ok=True)
    store = state / STORE_FILE
    for path in [*generation_paths(store), store, state / "checkpoints"]:
        if path.exists():
            os.replace(path, archive / path.name)
    _fsync_dir(state)
    return archive


def check_store(state_dir: str | Path) -> Path:
    """The store file of a state directory, or a one-line :class:`UserInputError` naming
    the file, what is wrong with it and ``interfacemodel recover``."""
    state = Path(state_dir)
    store = state / STORE_FILE
    problem = store_problem(store)
    if problem is None:
        if previous_release_store(state):
            raise UserInputError(previous_release_message(f"the store {str(store)!r}"))
        return store
    recover = f"interfacemodel recover --state {shlex.quote(str(state))}"
    older = [p for p in good_generations(state) if p != store]
    if older:
        todo = f"`{recover}` restores its newest good generation ({older[0].name}) and " \
               f"lists the Fireworks that will rerun"
    else:
        todo = f"no good earlier generation is kept beside it, so `{recover}` cannot help: " \
               f"restore {store.name} from a backup, or start a new state directory"
    raise UserInputError(f"the store {str(store)!r} {problem}; {todo}")


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a directory be synced
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_verified(target: Path, text: str) -> Path:
    """``text`` in a temporary file beside ``target``, flushed to disk and parsed back;
    returns the temporary file (the caller renames it). Raises, leaving ``target`` alone,
    if the write fails (disk full) or what is on disk does not parse."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    tmp = Path(tmp)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        problem = store_problem(tmp)
        if problem:
            raise OSError(f"the store written to {str(tmp)!r} {problem} when read back; "
                          f"{str(target)!r} was kept")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_store(path: str | Path, text: str, previous: str | None) -> None:
    """Replace the store ``path`` by ``text``, keeping ``previous`` (the good store being
    replaced; ``None``: it is damaged and not kept) as ``store.json.1`` and shifting the older
    generations down. Each step leaves a good store on disk: the new text is written and
    verified first; ``.1`` moves to ``.2`` (rename), ``previous`` becomes ``.1`` (verified
    temporary file, rename); only then does the new store replace ``path`` (rename)."""
    path = Path(path)
    new = _write_verified(path, text)
    try:
        if previous is not None:
            gens = generation_paths(path)
            for newer, older in reversed(list(zip(gens[:-1], gens[1:], strict=True))):
                if newer.exists():
                    os.replace(newer, older)
            os.replace(_write_verified(gens[0], previous), gens[0])
        os.replace(new, path)
    except BaseException:
        new.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _without_empty_collections(data: dict) -> dict:
    """The store's databases without their empty collections (mongomock makes a collection
    when it is first read; it comes back empty on its own, and a reading command leaves the
    store as it was)."""
    return {name: {c: coll for c, coll in db.items()
                   if not isinstance(coll, dict) or coll.get("documents", True)}
            for name, db in data.items()}


def _file_id(path: Path):
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def _use_store(store: Path) -> None:
    """Point FireWorks' embedded mode at ``store`` before FireWorks reads its configuration.
    mongomock_persistence takes the file from the environment when a store is created."""
    current = os.environ.get("MONGOMOCK_SERVERSTORE_FILE")
    if current and Path(current).resolve() != store:
        raise UserInputError(f"this process already uses the store {current!r}; one project "
                             f"state directory per process")
    os.environ["MONGOMOCK_SERVERSTORE_FILE"] = str(store)


def _saving(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        finally:
            self.save()

    return wrapper


def _embedded_class():
    from fireworks import LaunchPad

    class EmbeddedLaunchPad(LaunchPad):
        """A LaunchPad on the embedded store that saves it after every change."""

        #: the store's text as last read or written by this process, and that file's
        #: identity (inode, size, mtime) then: unchanged on disk means it is still ours
        _im_text: str | None = None
        _im_file = None

        def save(self) -> None:
            """Write the store (nothing if it did not change), keeping the generation it
            replaces as ``store.json.1`` (:func:`write_store`)."""
            import bson.json_util

            store = self.connection._store  # mongomock_persistence ServerStore
            path = Path(store._filename)
            text = bson.json_util.dumps(_without_empty_collections(store.to_dict()))
            if text == self._im_text and _file_id(path) == self._im_file:
                return
            write_store(path, text, self._current_good(path))
            self._im_text, self._im_file = text, _file_id(path)

        def _current_good(self, path: Path) -> str | None:
            """The good store now on disk (to keep as the previous generation), or None."""
            if self._im_text is not None and _file_id(path) == self._im_file:
                return self._im_text  # what this process last read or wrote, verified then
            if not path.is_file() or store_problem(path):
                return None  # damaged: keep the good generations instead of this one
            return path.read_text(encoding="utf-8")

        def _save_at_exit(self) -> None:
            try:
                self.save()
            except Exception as exc:  # noqa: BLE001 - at exit: say it, do not raise
                import sys

                print(f"interfacemodel: the store could not be saved at exit: {exc}",
                      file=sys.stderr)

    for name in _MUTATING:
        if hasattr(LaunchPad, name):
            setattr(EmbeddedLaunchPad, name, _saving(getattr(LaunchPad, name)))
    return EmbeddedLaunchPad


#: the LaunchPad this process works with (set by :func:`embedded_launchpad` and
#: :func:`mongodb_launchpad`): FireTasks running in-process store their results through it
_ACTIVE: dict = {"launchpad": None, "embedded": False}
RESULTS_COLLECTION = "results"
#: how long a MongoDB LaunchPad may take to answer before it is declared unreachable
MONGODB_TIMEOUT_S = 5.0


def require_state(state_dir: str | Path) -> Path:
    """A state directory that exists and holds a store, or a one-line
    :class:`UserInputError` (only ``init``, ``submit`` and ``compare`` create one)."""
    state = Path(state_dir).resolve()
    if not state.is_dir():
        what = "is not a directory" if state.exists() else "does not exist"
        raise UserInputError(f"state directory {str(state)!r} {what}; interfacemodel init, "
                             f"submit or compare create one (check --state or "
                             f"$INTERFACEMODEL_STATE)")
    store = state / STORE_FILE
    if not store.exists() and not any(p.exists() for p in generation_paths(store)):
        raise UserInputError(f"{str(state)!r} holds no interfacemodel store ({STORE_FILE}); "
                             f"interfacemodel init, submit or compare create one")
    return state


def embedded_launchpad(state_dir: str | Path, create: bool = True):
    """The :class:`EmbeddedLaunchPad` of a state directory (created if missing and
    ``create``; else :func:`require_state`); one per process (a second call returns the same
    object). A damaged store is refused with one line (:func:`check_store`)."""
    state = Path(state_dir).resolve()
    current = _ACTIVE["launchpad"]
    if current is not None and _ACTIVE["embedded"] and \
            Path(current.connection._store._filename).resolve() == state / STORE_FILE:
        return current
    if not create:
        require_state(state)
        check_store(state)
    init_state_dir(state)  # checks an existing store
    _use_store(state / STORE_FILE)
    import fireworks.core.launchpad as fw_launchpad
    from mongomock.gridfs import enable_gridfs_integration
    from mongomock_persistence import MongoClient

    # FireWorks sets up the embedded mode (its MongoClient, gridfs on mongomock) only if the
    # environment names the store when it is first imported; do it here in any case
    enable_gridfs_integration()  # idempotent: widens gridfs' isinstance checks
    text = (state / STORE_FILE).read_text(encoding="utf-8")
    with _patched(fw_launchpad, "MongoClient", MongoClient):
        lp = _embedded_class()(host="localhost", name=DATABASE_NAME, strm_lvl="WARNING")
    store = lp.connection._store
    # mongomock_persistence writes the whole store at exit, in place (a kill or a full disk
    # then leaves it truncated) and even when nothing changed (over a runner's newer store):
    # our save instead, atomic, keeping generations, and only if something changed
    finalizer = getattr(store, "_finalizer", None)
    if finalizer is not None:
        finalizer.detach()
    lp._im_text, lp._im_file = text, _file_id(state / STORE_FILE)
    import atexit

    atexit.register(lp._save_at_exit)
    if lp.fw_id_assigner.find_one({}) is None:  # a new store: FireWorks' own initialisation
        lp.reset("", require_password=False)
    _ACTIVE.update(launchpad=lp, embedded=True)
    return lp


def redact(host: str) -> str:
    """A MongoDB host or URI with any user:password@ part hidden (for messages and logs)."""
    import re

    return re.sub(r"//[^@/]*@", "//***@", str(host))


def mongodb_launchpad(launchpad_file: str | Path, timeout_s: float = MONGODB_TIMEOUT_S):
    """A FireWorks LaunchPad on a MongoDB server, from the user's ``my_launchpad.yaml``
    (credentials stay in that file or the environment; nothing here writes or prints them).
    The server must answer a ping within ``timeout_s``: a file that points at nothing fails
    with one line instead of FireWorks' 30 s hang."""
    import yaml

    path = Path(launchpad_file)
    if not path.is_file():
        raise UserInputError(f"launchpad file {str(path)!r} does not exist")
    try:
        conf = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise UserInputError(f"launchpad file {str(path)!r} is not valid YAML: "
                             f"{' '.join(str(exc).split())}") from None
    if not isinstance(conf, dict) or "host" not in conf:
        raise UserInputError(f"launchpad file {str(path)!r} names no 'host': a FireWorks "
                             f"my_launchpad.yaml needs host, port, name (see hpc/)")
    conf = {k: _from_environment(path, k, v) for k, v in conf.items()}
    from fireworks import LaunchPad
    from pymongo.errors import PyMongoError

    kwargs = dict(conf.get("mongoclient_kwargs") or {})
    kwargs.setdefault("serverSelectionTimeoutMS", int(timeout_s * 1000))
    kwargs.setdefault("connectTimeoutMS", int(timeout_s * 1000))
    conf["mongoclient_kwargs"] = kwargs
    where = f"{redact(conf['host'])}" + (f":{conf['port']}" if conf.get("port") else "")
    try:
        lp = LaunchPad.from_dict(conf)
        lp.connection.admin.command("ping")
    except PyMongoError as exc:
        raise UserInputError(f"launchpad {str(path)!r}: no MongoDB answered at {where} within "
                             f"{timeout_s:g} s ({type(exc).__name__}); check host, port, "
                             f"credentials and network") from None
    if lp.fw_id_assigner.find_one({}) is None:
        raise UserInputError(f"the database {conf.get('name', 'fireworks')!r} at {where} is not "
                             f"a FireWorks LaunchPad yet: run `lpad -l {path} reset` once")
    _ACTIVE.update(launchpad=lp, embedded=False)
    return lp


def _from_environment(path: Path, key: str, value):
    """``$VAR`` / ``${VAR}`` in a string value of the launchpad file from the environment
    (credentials need not be written into the file); an unset variable is named, its value
    never shown."""
    import re

    if not isinstance(value, str) or "$" not in value:
        return value
    missing = [m for m in re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", value)
               if m not in os.environ]
    if missing:
        raise UserInputError(f"launchpad file {str(path)!r}: {key} uses the environment "
                             f"variable {missing[0]}, which is not set")
    return os.path.expandvars(value)


def store_result(doc: dict) -> str:
    """Upsert a task's result document (keyed by ``doc['key']``) into the ``results``
    collection of the LaunchPad's database; returns where it went.

    In-process runs use the active LaunchPad (the embedded one is saved to disk at once); a
    plain ``rlaunch`` against MongoDB loads the LaunchPad of its FireWorks configuration. A
    plain ``rlaunch`` on the embedded store cannot reach the store its rocket holds: the
    record stays in the launch directory, from where ``interfacemodel results`` reads it.
    """
    lp = _ACTIVE["launchpad"]
    if lp is None:
        if os.environ.get("MONGOMOCK_SERVERSTORE_FILE"):
            return "launch directory only (plain rlaunch on the embedded store)"
        from fireworks.fw_config import LAUNCHPAD_LOC

        if not LAUNCHPAD_LOC:
            return "launch directory only (no LaunchPad configured)"
        lp = mongodb_launchpad(LAUNCHPAD_LOC)
    lp.db[RESULTS_COLLECTION].replace_one({"key": doc["key"]}, doc, upsert=True)
    if _ACTIVE["embedded"]:
        lp.save()
    return RESULTS_COLLECTION


def fetch_results(keys=None) -> list[dict]:
    """Result documents of the active LaunchPad (all, or those with the given keys)."""
    lp = _ACTIVE["launchpad"]
    if lp is None:
        return []
    query = {} if keys is None else {"key": {"$in": list(keys)}}
    return [{k: v for k, v in d.items() if k != "_id"}
            for d in lp.db[RESULTS_COLLECTION].find(query)]


@contextlib.contextmanager
def _patched(module, name, value):
    old = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, old)


@contextlib.contextmanager
def runner_lock(state_dir: str | Path):
    """Hold the state directory's runner lock; a second runner is refused with one line."""
    import fcntl

    state = Path(state_dir).resolve()
    state.mkdir(parents=True, exist_ok=True)
    path = state / LOCK_FILE
    fh = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the with-block
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            raise UserInputError(f"another runner (pid {holder}) is using {str(state)!r}; "
                                 f"wait for it to finish or stop it") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield path
    finally:
        fh.close()  # closing releases the lock
