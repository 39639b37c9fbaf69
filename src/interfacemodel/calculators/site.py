"""Where a DFT code runs: the site's commands and data folders, from the worker's configuration.

One convention for every code that runs as a program (CP2K here; VASP and Quantum ESPRESSO on
clusters): the ``env`` of the FireWorks worker file ``my_fworker.yaml`` ::

    name: my-cluster
    category: ''
    query: '{}'
    env:
      cp2k_cmd: srun cp2k_shell.psmp          # the CP2K shell (ASE talks to it on stdin)
      cp2k_data_dir: /apps/cp2k/2023.1/data   # BASIS_MOLOPT, GTH_POTENTIALS
      vasp_cmd: srun vasp_std
      qe_cmd: srun pw.x

A key nobody set takes the machine's default where the code registers one
(:func:`register_default`): CP2K's is ``mpirun -np <cores> cp2k_shell.psmp`` when both programs
are on PATH (what ``scripts/setup-env.sh`` installs from Debian), so ``--calc cp2k`` runs on a
laptop without a worker file; a worker's ``cp2k_cmd`` replaces it.

A Firework sees it as ``fw_spec["_fw_env"]`` (FireWorks puts the running worker's ``env``
there); the workflow layer hands it to :func:`worker_env` around the step. Outside FireWorks
(``run_flow``, the CLI's ``energetics`` and ``barrier``) the same file is read: the
``FWORKER_LOC`` of ``$FW_CONFIG_FILE``, else ``~/interfacemodel-fw/my_fworker.yaml`` (the
layout of ``hpc/README.md``). A command or folder a calculation needs, that nobody set and that has
no default here, is one line naming the key and that file, before any program starts.

Commands and folders are where a calculation runs, not what it computes: they are not part of
a calculator's identity (a campaign's content hashes do not change between machines).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from ..errors import CalculatorUnavailableError

_ENV: ContextVar[Mapping[str, Any] | None] = ContextVar("interfacemodel_worker_env",
                                                        default=None)
DEFAULT_WORKER_FILE = Path("~/interfacemodel-fw/my_fworker.yaml")
#: key -> (a function giving the machine's default value or None, what that default needs)
_DEFAULTS: dict[str, tuple[Callable[[], str | None], str]] = {}


def register_default(key: str, find: Callable[[], str | None], needs: str) -> None:
    """``find()`` gives ``key``'s value where no worker sets it (None: no default on this
    machine, then the refusal quotes ``needs``, e.g. "the default ... needs X on PATH")."""
    _DEFAULTS[key] = (find, needs)


@contextlib.contextmanager
def worker_env(env: Mapping[str, Any] | None) -> Iterator[None]:
    """Steps run inside this block take site settings from ``env`` (a worker's ``env``);
    ``None`` or empty: from the worker file (:func:`worker_file`)."""
    token = _ENV.set(dict(env) if env else None)
    try:
        yield
    finally:
        _ENV.reset(token)


def worker_file() -> Path:
    """The worker file read outside FireWorks: ``FWORKER_LOC`` of ``$FW_CONFIG_FILE`` (relative
    to that file, as FireWorks reads it), else ``~/interfacemodel-fw/my_fworker.yaml``."""
    config = os.environ.get("FW_CONFIG_FILE")
    if config and Path(config).is_file():
        import yaml

        loc = (yaml.safe_load(Path(config).read_text()) or {}).get("FWORKER_LOC")
        if loc:
            path = Path(loc).expanduser()
            return path if path.is_absolute() else Path(config).parent / path
    return DEFAULT_WORKER_FILE.expanduser()


def _file_env() -> tuple[dict[str, Any], Path]:
    path = worker_file()
    if not path.is_file():
        return {}, path
    import yaml

    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise CalculatorUnavailableError(f"worker file {path} is not valid YAML: {exc}") from None
    env = doc.get("env") or {}
    if not isinstance(env, dict):
        raise CalculatorUnavailableError(f"worker file {path}: env must be a mapping, "
                                         f"got {type(env).__name__}")
    return env, path


def site_env() -> dict[str, Any]:
    """The site settings in force: the running worker's ``env``, else the worker file's."""
    env = _ENV.get()
    return dict(env) if env is not None else _file_env()[0]


def site_setting(key: str, code: str, example: str, default: str | None = None) -> str:
    """The value of ``key`` (e.g. ``cp2k_cmd``) for ``code``; when unset, ``default``, else the
    machine's default (:func:`register_default`), else one line naming the key, where to set
    it and an example."""
    env = _ENV.get()
    where = "the env of the worker running this Firework (my_fworker.yaml)"
    if env is None:
        env, path = _file_env()
        where = f"the env of the worker file {path}" + ("" if path.is_file() else
                                                        " (no such file)")
    value = env.get(key)
    if value not in (None, ""):
        return str(value)
    if default is not None:
        return default
    find, needs = _DEFAULTS.get(key, (None, ""))
    found = find() if find is not None else None
    if found:
        return found
    raise CalculatorUnavailableError(
        f"{code}: no {key} set" + (f" ({needs})" if needs else "") + f"; set it in {where}, "
        f"e.g. env: {{{key}: '{example}'}} (hpc/README.md, 'DFT codes')")


def set_aside(path: Path) -> None:
    """Rename ``path`` (a program's output of an earlier, e.g. killed, run) to the first free
    ``<path>.N``, if it exists."""
    if path.exists():
        n = 1
        while path.with_name(f"{path.name}.{n}").exists():
            n += 1
        path.rename(path.with_name(f"{path.name}.{n}"))
