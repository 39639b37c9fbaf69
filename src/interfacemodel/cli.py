"""Command-line interface: ``interfacemodel <command> ...`` (thin over the library).

User mistakes (unknown names, bad options, existing output files) give one line on stderr
and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from . import __version__
from .errors import CalculatorUnavailableError, UserInputError

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2 (argparse prints usage too)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------- bulk


def _fmt(value, spec: str = ".3f") -> str:
    return "-" if value is None else format(value, spec)


def _bulk_row(res) -> list[str]:
    keys = list(res.reference_lattice_A)
    calc = res.lattice_A
    ref = res.reference_lattice_A
    return [
        res.phase,
        res.calculator["label"],
        " ".join(f"{k}={calc[k]:.4f}" for k in keys),
        " ".join(f"{k}={ref[k]:.4f}" for k in keys),
        " ".join(f"{res.lattice_error_percent[k]:+.2f}" for k in keys),
        _fmt(res.B_GPa, ".1f"),
        f"{res.energy_per_atom_eV:.4f}",
        "yes" if res.converged else "NO",
    ]


_BULK_HEADER = ["phase", "calculator", "relaxed (Å)", "reference (Å)", "diff (%)", "B (GPa)",
                "E (eV/atom)", "converged"]


def _print_table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip(), flush=True)


def cmd_bulk(args) -> int:
    from .analysis import bulk_properties
    from .calculators import get_calculator, parse_calc_spec
    from .records import to_dict, write_json_atomic
    from .structures import bulk_phases, load_bulk, phase_info

    spec = parse_calc_spec(args.calc)  # a bad --calc fails here, before any work
    if not spec.backend.computes:
        raise UserInputError(
            f"calculator {spec.name!r} only writes inputs for a cluster run; choose one that "
            f"computes here: emt, sevennet, chgnet, lammps:<potential>, gpaw"
        )
    if not args.fmax > 0:
        raise UserInputError(f"--fmax {args.fmax} must be > 0 (eV/Å)")
    if args.steps < 0:
        raise UserInputError(f"--steps {args.steps} must be >= 0")
    names = args.phases or bulk_phases()
    phases = [phase_info(n) for n in names]  # unknown phases fail here, before any work
    if args.json and args.json != "-":
        from pathlib import Path

        if Path(args.json).exists() and not args.overwrite:
            raise UserInputError(f"output file {args.json!r} exists; pass --overwrite to replace it")
    skipped = [p for p in phases if not p.ordered]
    phases = [p for p in phases if p.ordered]
    from .calculators import check_elements

    for p in phases:  # every element checked before the first relaxation starts
        check_elements(spec, load_bulk(p.name, as_atoms=True).get_chemical_symbols())
    calc = get_calculator(spec)
    quiet = args.json == "-"
    log = (lambda m: None) if quiet else (lambda m: _err(f"[bulk] {m}"))
    results, rows = [], []
    for i, p in enumerate(phases, 1):
        res = bulk_properties(p.name, calc, fmax=args.fmax, steps=args.steps,
                              optimizer=args.optimizer, eos=not args.no_eos,
                              log=lambda m, i=i: log(f"{i}/{len(phases)} {m}"))
        results.append(res)
        rows.append(_bulk_row(res))
    for p in skipped:
        _err(f"[bulk] skipped {p.name}: partial occupancies ({p.notes})")
    data = [to_dict(r) for r in results]
    if args.json == "-":
        json.dump(data, sys.stdout, indent=2)
        print()
    else:
        _print_table(rows, _BULK_HEADER)
        refs = {r.phase: r.reference_kind for r in results if "experiment" not in r.reference_kind}
        for phase, kind in refs.items():
            print(f"note: reference for {phase} is {kind}")
        if args.json:
            write_json_atomic(data, args.json, overwrite=args.overwrite)
            _err(f"[bulk] wrote {args.json}")
    unconverged = [r.phase for r in results if not r.converged]
    if unconverged:
        _err(f"[bulk] NOT converged within {args.steps} steps: {', '.join(unconverged)}")
        return 1
    return 0


# ------------------------------------------------------------------------- listings


def cmd_calculators(args) -> int:
    from .calculators import available_calculators, backend, supported_elements

    for name in available_calculators():
        be = backend(name)
        status = "installed" if be.is_installed() else f"not installed (extra: {be.extra})"
        if not be.computes:
            status += ", writes inputs only"
        print(f"{name:9s} {status}\n    {be.summary}")
        for opt in be.options:
            print(f"    {opt.name}={opt.default!s:12s} {opt.help}")
        if args.elements and be.is_installed() and name != "lammps":
            els = supported_elements(name)
            print(f"    elements: {'all' if els is None else ' '.join(sorted(els))}")
    return 0


def cmd_catalogue(args) -> int:
    from .structures import bulk_phases, phase_info

    rows = []
    for name in bulk_phases():
        p = phase_info(name)
        lat = " ".join(f"{k}={v}" for k, v in p.reference_lattice_A.items())
        rows.append([p.name, p.formula, p.spacegroup, str(p.natoms), lat,
                     "yes" if p.ordered else "NO", p.source])
    _print_table(rows, ["phase", "formula", "space group", "sites", "reference (Å)", "ordered",
                        "source"])
    return 0


# ----------------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="interfacemodel", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"interfacemodel {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("bulk", help="relax catalogue phases, fit EOS, compare with references")
    p.add_argument("phases", nargs="*", help="catalogue phases (default: all)")
    p.add_argument("--calc", default="sevennet",
                   help="calculator spec NAME[:key=value,...] (default: sevennet)")
    p.add_argument("--fmax", type=float, default=0.01, help="force tolerance, eV/Å (0.01)")
    p.add_argument("--steps", type=int, default=300, help="optimiser step limit (300)")
    p.add_argument("--optimizer", default="BFGS", help="ASE optimiser (BFGS)")
    p.add_argument("--no-eos", action="store_true", help="skip the EOS fit (no bulk modulus)")
    p.add_argument("--json", nargs="?", const="-", metavar="FILE",
                   help="write records as JSON to FILE (or stdout instead of the table)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --json FILE")
    p.set_defaults(func=cmd_bulk)

    p = sub.add_parser("calculators", help="list calculators, options and status")
    p.add_argument("--elements", action="store_true", help="also list supported elements")
    p.set_defaults(func=cmd_calculators)

    p = sub.add_parser("catalogue", help="list the bulk catalogue with sources")
    p.set_defaults(func=cmd_catalogue)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UserInputError as exc:
        _err(f"interfacemodel {args.command}: error: {exc}")
        return EXIT_USAGE
    except CalculatorUnavailableError as exc:
        _err(f"interfacemodel {args.command}: error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _err("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
