"""Option values checked before any work: a bad one is a user mistake, one line on stderr
and exit code :data:`EXIT_USAGE`, never a traceback."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import UserInputError

EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2 (argparse prints usage too)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def computing_spec(text: str, flag: str = "calculator"):
    """The parsed calculator spec of a command that computes here: a DFT code whose command
    the worker's env does not name (``vasp_cmd`` …), or a torch device this machine lacks
    (``sevennet:device=cuda`` without CUDA), is refused before any work."""
    # imported in the functions (ASE, numpy): --help and a bad option answer without them
    from ..calculators import check_device, parse_calc_spec
    from ..calculators.site import site_setting  # lazy, as the line above

    spec = parse_calc_spec(text)
    for key, example in spec.backend.site_keys:
        site_setting(key, spec.name, example)
    if "device" in spec.options:
        check_device(spec.options["device"], spec.name)
    return spec


def check_output_file(path, overwrite: bool, flag: str) -> None:
    """Before any work: an output FILE that exists (without --overwrite), is a directory or
    cannot be created where it is, is a user mistake (one line, exit 2, nothing written)."""
    from ..records import check_output_path  # lazy: ASE, numpy

    if Path(path).is_dir():
        raise UserInputError(f"{flag} {str(path)!r} is a directory; give a file name")
    if Path(path).exists() and not overwrite:
        raise UserInputError(f"output file {str(path)!r} exists; pass --overwrite to replace it")
    check_output_path(path, f"{flag} file")


def refuse_existing_json(args) -> None:
    """Before any work: the --json FILE can be written (:func:`check_output_file`)."""
    if args.json and args.json != "-":
        check_output_file(args.json, args.overwrite, "--json")


def add_json_output(p, what: str) -> None:
    p.add_argument("--json", nargs="?", const="-", metavar="FILE",
                   help=f"write the {what} as JSON to FILE (or stdout instead of the table)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --json FILE")


def parse_grid(text: str) -> tuple[int, int]:
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise UserInputError(f"--grid {text!r}: expected two positive integers such as 4x4")
    return int(parts[0]), int(parts[1])


def temperatures(values) -> list[float]:
    temps = values or [300.0]
    bad = [t for t in temps if not t > 0]
    if bad:
        raise UserInputError(f"--T {bad[0]} must be > 0 (K)")
    return temps
