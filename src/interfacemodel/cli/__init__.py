"""Command-line interface: ``interfacemodel <command> ...`` (thin over the library).

User mistakes (unknown names, bad options, existing output files) give one line on stderr
and exit code 2, never a traceback.

The commands live in one module per group: :mod:`.calculations` (bulk, energetics,
calculators), :mod:`.structures` (build, match, catalogue), :mod:`.migration` (barrier,
diffusivity), :mod:`.campaign` (compare and the FireWorks campaign commands); what they
print is in :mod:`.tables`, the checks of option values in :mod:`.options`.

The command modules import the library inside the command functions (each such import
marked ``# lazy:`` with what it would load), so ``interfacemodel --help`` and a one-line
bad-input exit do not load ASE, numpy, scipy, jobflow or FireWorks.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from .. import __version__
from ..errors import CalculatorUnavailableError, UserInputError
from . import calculations, campaign, migration, screen, structures
from .options import EXIT_USAGE, Parser
from .tables import err


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="interfacemodel", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"interfacemodel {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    calculations.add_bulk(sub)
    structures.add_build(sub)
    structures.add_match(sub)
    calculations.add_energetics(sub)
    migration.add_barrier(sub)
    migration.add_diffusivity(sub)
    calculations.add_converge(sub)
    screen.add_solute_screen(sub)
    calculations.add_calculators(sub)
    structures.add_catalogue(sub)
    campaign.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (UserInputError, CalculatorUnavailableError) as exc:
        err(f"interfacemodel {args.command}: error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err("interrupted")
        return 130
