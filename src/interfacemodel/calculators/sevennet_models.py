"""SevenNet's ``model=``: a pretrained model name or a checkpoint file, checked before loading.

sevenn resolves a pretrained name to a checkpoint file with ``sevenn.util.pretrained_name_to_path``:
the file in the wheel (``sevenn/pretrained_potentials/``) or in ``~/.cache/sevennet``, else a
download from GitHub (``sevenn._const.CHECKPOINT_DOWNLOAD_LINKS``). The sevenn 0.13 wheel ships
``7net-0``, ``7net-0_22may2024``, ``7net-l3i5`` and ``7net-mf-0``; ``7net-mf-ompa``,
``7net-omat`` and ``7net-omni*`` are downloaded on first use, which fails on a machine without
network. What is on this machine is asked of sevenn's own resolver with its download refused
(:func:`pretrained_models`), so the lists follow the installed sevenn, nothing is fetched and
nothing is written. An unknown name is one line listing the models that load here (and naming
those that need a download); a ``model=`` that is a path (a fine-tuned checkpoint) is loaded as
a file, and one that does not exist is one line of its own.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from ..errors import CalculatorUnavailableError, UserInputError

_RESOLVING = threading.Lock()
#: file endings of a checkpoint: a ``model=`` with one (or with a folder in it) is a path
CHECKPOINT_SUFFIXES = (".pth", ".pt", ".ckpt")


class _NeedsDownload(Exception):
    pass


def _refuse_download(path: str, url: str) -> str:
    raise _NeedsDownload(url)


def _resolve(name: str) -> tuple[str | None, str | None]:
    """(checkpoint file on this machine, None) or (None, download URL) for the pretrained model
    ``name``; ValueError when sevenn knows no such name. Never downloads."""
    from sevenn import util

    with _RESOLVING:  # sevenn's resolver, its download swapped for a refusal meanwhile
        download, util.download_checkpoint = util.download_checkpoint, _refuse_download
        try:
            return util.pretrained_name_to_path(name), None
        except _NeedsDownload as needs:
            return None, str(needs)
        finally:
            util.download_checkpoint = download


def local_checkpoint(name: str) -> str | None:
    """The checkpoint file of the pretrained model ``name`` on this machine, None when sevenn
    would download it; ValueError when sevenn knows no such name. Never downloads."""
    return _resolve(name)[0]


def pretrained_models() -> tuple[dict[str, str], list[str]]:
    """sevenn's pretrained models by where their weights are: name -> checkpoint file of those
    on this machine, and the names of those that need a download."""
    from sevenn import util

    local: dict[str, str] = {}
    remote: list[str] = []
    for name in util.get_available_pretrained_models():
        try:
            path = local_checkpoint(name)
        except (ValueError, FileNotFoundError):  # listed, but neither here nor downloadable
            continue
        if path is None:
            remote.append(name)
        else:
            local[name] = path
    return local, remote


def _modals(path: str) -> list[str]:
    """The fidelities (heads) of a multi-fidelity checkpoint; [] for a single-fidelity one."""
    from sevenn import util

    try:
        return list(util.load_checkpoint(path).config.get("_modal_map") or {})
    except Exception:  # only for the message: a checkpoint that does not read lists no heads
        return []


def accepted_models() -> str:
    """What ``model=`` accepts here, in words (one line)."""
    local, remote = pretrained_models()
    names = []
    for name, path in local.items():
        modals = _modals(path)
        names.append(f"{name} (modal={' or '.join(modals)})" if modals else name)
    text = (f"a checkpoint file path, or a pretrained model whose weights are on this machine: "
            f"{', '.join(names) or 'none'}")
    if remote:
        text += f"; {', '.join(remote)} need a download of their weights (network)"
    return text


def _looks_like_path(model: str) -> bool:
    return ("/" in model or "\\" in model or model.startswith(("~", "."))
            or model.lower().endswith(CHECKPOINT_SUFFIXES))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def load_checkpoint(model: str) -> Any:
    """sevenn's checkpoint of ``model`` (a file path or a pretrained name); a mistake is one
    line: a path that is missing or not a checkpoint, an unknown name (with the accepted
    ones), a model whose download failed."""
    from sevenn import util

    path = Path(model).expanduser()
    if path.is_file():
        try:
            checkpoint = util.load_checkpoint(str(path))
            config = checkpoint.config  # sevenn reads the file on first use: read it now
        except Exception as exc:  # the user's file: whatever torch makes of it, one line
            raise UserInputError(f"SevenNet checkpoint {model!r} cannot be loaded: "
                                 f"{_first_line(exc)}") from None
        if not isinstance(config, dict) or not config.get("chemical_species"):
            raise UserInputError(f"SevenNet checkpoint {model!r} is not a SevenNet checkpoint "
                                 f"(its config names no chemical_species)")
        return checkpoint
    if path.is_dir():
        raise UserInputError(f"SevenNet checkpoint {model!r} is a directory; give the "
                             f"checkpoint file in it (e.g. checkpoint_best.pth)")
    if _looks_like_path(model):
        raise UserInputError(f"SevenNet checkpoint file {model!r} does not exist")
    try:
        local, url = _resolve(model)
    except (ValueError, FileNotFoundError):
        raise UserInputError(f"unknown SevenNet model {model!r}; accepted: "
                             f"{accepted_models()}") from None
    if local is not None:
        return util.load_checkpoint(local)
    try:
        return util.load_checkpoint(model)  # sevenn downloads the weights
    except OSError as exc:  # no network, no permission (requests' errors are OSErrors)
        raise CalculatorUnavailableError(
            f"SevenNet model {model!r} is not on this machine and its download from {url} "
            f"failed ({type(exc).__name__}); models that load offline here: "
            f"{', '.join(pretrained_models()[0]) or 'none'}") from None
