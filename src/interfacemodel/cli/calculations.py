"""``interfacemodel bulk``, ``energetics`` and ``calculators``: bulk phases and Li/coating
interfaces relaxed with a calculator, and the calculators available."""

from __future__ import annotations

import json
import sys
import time

from ..errors import UserInputError
from ..structures import bulk_phases, load_bulk, phase_info
from .options import add_json_output, computing_spec, parse_grid, refuse_existing_json
from .tables import BULK_HEADER, bulk_row, err, print_table


def cmd_bulk(args) -> int:
    # analysis, calculators, records imported here (ASE, numpy): --help stays fast
    from ..calculators import check_elements, get_calculator  # lazy: ASE, numpy
    from ..procedures.bulk import bulk_properties
    from ..records import to_dict, write_json_atomic  # lazy: ASE, numpy

    spec = computing_spec(args.calc)  # a bad --calc fails here, before any work
    if not args.fmax > 0:
        raise UserInputError(f"--fmax {args.fmax} must be > 0 (eV/Å)")
    if args.steps < 0:
        raise UserInputError(f"--steps {args.steps} must be >= 0")
    names = args.phases or bulk_phases()
    phases = [phase_info(n) for n in names]  # unknown phases fail here, before any work
    refuse_existing_json(args)
    skipped = [p for p in phases if not p.ordered]
    phases = [p for p in phases if p.ordered]
    for p in phases:  # every element checked before the first relaxation starts
        check_elements(spec, load_bulk(p.name, as_atoms=True).get_chemical_symbols())
    calc = get_calculator(spec)
    quiet = args.json == "-"
    log = (lambda m: None) if quiet else (lambda m: err(f"[bulk] {m}"))
    results, rows = [], []
    for i, p in enumerate(phases, 1):
        res = bulk_properties(p.name, calc, fmax=args.fmax, steps=args.steps,
                              optimizer=args.optimizer, eos=not args.no_eos,
                              log=lambda m, i=i: log(f"{i}/{len(phases)} {m}"))
        results.append(res)
        rows.append(bulk_row(res))
    for p in skipped:
        err(f"[bulk] skipped {p.name}: partial occupancies ({p.notes})")
    data = [to_dict(r) for r in results]
    if args.json == "-":
        json.dump(data, sys.stdout, indent=2)
        print()
    else:
        print_table(rows, BULK_HEADER)
        refs = {r.phase: r.reference_kind for r in results if "experiment" not in r.reference_kind}
        for phase, kind in refs.items():
            print(f"note: reference for {phase} is {kind}")
        if args.json:
            write_json_atomic(data, args.json, overwrite=args.overwrite)
            err(f"[bulk] wrote {args.json}")
    unconverged = [r.phase for r in results if not r.converged]
    if unconverged:
        err(f"[bulk] NOT converged within {args.steps} steps: {', '.join(unconverged)}")
        return 1
    return 0


def cmd_energetics(args) -> int:
    from ..flows.energetics import interface_energetics  # lazy: jobflow, ASE, numpy
    from ..flows.spec_rules import energetics_settings  # lazy: jobflow, ASE, numpy
    from ..models.systems import system_recipe  # lazy: ASE, numpy
    from ..records import to_dict, write_json_atomic  # lazy: ASE, numpy

    recipe = system_recipe(args.system)  # unknown system: one line, before any work
    computing_spec(args.calc)  # a calculator that only writes inputs: one line
    refuse_existing_json(args)
    # the options as a campaign spec's interface settings: the same checks, the same defaults
    settings = energetics_settings(
        {"fmax": args.fmax, "steps": args.steps, "optimizer": args.optimizer,
         "kind": args.kind, "orientation": args.orientation, "termination": args.termination,
         "film_layers": args.film_layers, "substrate_layers": args.substrate_layers,
         "scan_grid": list(parse_grid(args.scan)) if args.scan else None, "T_K": args.T,
         "surface_slabs": not args.no_surfaces, "reactivity": not args.no_reactivity},
        recipe.name)
    t0 = time.perf_counter()

    def progress(msg: str) -> None:
        err(f"[energetics {time.perf_counter() - t0:6.1f} s] {msg}")

    # the flow checks the calculator's elements and the orientation before any work
    result = interface_energetics(recipe.name, args.calc, settings, workdir=args.workdir,
                                  progress=progress, allow_unconverged=args.allow_unconverged)
    if args.json == "-":
        json.dump(to_dict(result), sys.stdout, indent=2)
        print()
    else:
        m = result.interface
        print(f"{result.system}: {m['label']}, {m['natoms']} atoms, area {m['area_A2']:.2f} Å², "
              f"strain on Li {m['max_abs_strain_percent']:.2f} %, "
              f"planes {m['film_interface_layer']}/{m['substrate_interface_layer']}")
        print(f"calculator {result.calculator['label']} ({result.calculator['package_version']}); "
              f"fmax {settings.fmax} eV/Å, optimizer {settings.optimizer}; "
              f"wall {result.wall_time_s:.0f} s")
        print_table([list(r) for r in result.summary_rows()], ["quantity", "value", "note"])
        for note in result.notes:
            print(f"note: {note}")
        bad = [k for k, r in result.records.items() if not r.converged]
        print("all relaxations converged" if not bad else f"NOT CONVERGED: {', '.join(bad)}")
        if args.json:
            write_json_atomic(to_dict(result), args.json, overwrite=args.overwrite)
            print(f"wrote {args.json}")
    return 0 if result.converged else 1


def to_dict(result):
    from ..records import to_dict  # lazy: ASE, numpy

    return to_dict(result)


def cmd_calculators(args) -> int:
    from ..calculators import available_calculators, backend, supported_elements  # lazy: ASE, numpy

    for name in available_calculators():
        be = backend(name)
        status = "installed" if be.is_installed() else f"not installed (extra: {be.extra})"
        if be.site_keys:
            status += f", runs the site's program ({', '.join(k for k, _ in be.site_keys)} in " \
                      f"my_fworker.yaml's env)"
        print(f"{name:9s} {status}\n    {be.summary}")
        for opt in be.options:
            print(f"    {opt.name}={opt.default!s:12s} {opt.help}")
        if args.elements and be.is_installed() and name != "lammps":
            els = supported_elements(name)
            print(f"    elements: {'all' if els is None else ' '.join(sorted(els))}")
    return 0


def add_bulk(sub) -> None:
    p = sub.add_parser("bulk", help="relax catalogue phases, fit EOS, compare with references")
    p.add_argument("phases", nargs="*", help="catalogue phases (default: all)")
    p.add_argument("--calc", default="sevennet",
                   help="calculator spec NAME[:key=value,...] (default: sevennet)")
    p.add_argument("--fmax", type=float, default=0.01, help="force tolerance, eV/Å (0.01)")
    p.add_argument("--steps", type=int, default=300, help="optimiser step limit (300)")
    p.add_argument("--optimizer", default="BFGS", help="ASE optimiser (BFGS)")
    p.add_argument("--no-eos", action="store_true", help="skip the EOS fit (no bulk modulus)")
    add_json_output(p, "records")
    p.set_defaults(func=cmd_bulk)


def add_energetics(sub) -> None:
    p = sub.add_parser("energetics", help="relax a Li/coating interface: γ, W_adh, γ_int, "
                                          "contact angle, reaction with Li",
                       description="The options are a campaign spec's interface settings "
                       "(same checks and defaults; messages name the settings: --T is T_K, "
                       "--scan scan_grid, --no-surfaces surface_slabs).")
    p.add_argument("system", help="named system, e.g. li-lif (interfacemodel build --list)")
    p.add_argument("--calc", default="sevennet", help="calculator spec (default: sevennet)")
    p.add_argument("--kind", choices=["slab", "periodic"], help="interface model (slab)")
    p.add_argument("--orientation", type=int, help="index into the system's faces (0)")
    p.add_argument("--termination", type=int, help="coating termination index (0)")
    p.add_argument("--film-layers", type=int, help="Li atomic layers (recipe default)")
    p.add_argument("--substrate-layers", type=int, help="coating atomic layers (recipe default)")
    p.add_argument("--fmax", type=float, help="force tolerance, eV/Å (0.05)")
    p.add_argument("--steps", type=int, help="step limit per relaxation (500)")
    p.add_argument("--optimizer", default=None, help="ASE optimiser (default: the benchmarked one)")
    p.add_argument("--scan", metavar="GRID", help="registry scan before relaxing, e.g. 3x3")
    p.add_argument("--T", type=float,
                   help="temperature for the liquid-Li surface tension, K (453.65, the melting point)")
    p.add_argument("--no-surfaces", action="store_true", help="skip the free-surface slabs")
    p.add_argument("--no-reactivity", action="store_true", help="skip the reaction with Li")
    p.add_argument("--workdir", help="checkpoint directory: a rerun resumes its relaxations")
    p.add_argument("--allow-unconverged", action="store_true",
                   help="report numbers from relaxations that hit the step limit (flagged)")
    add_json_output(p, "record")
    p.set_defaults(func=cmd_energetics)


def cmd_converge(args) -> int:
    # lazy (ASE, numpy, jobflow): --help and a bad option answer without them
    from ..analysis.interface_energetics import EnergeticsSettings
    from ..flows.convergence import parse_values, setting_convergence  # lazy: jobflow, ASE
    from ..records import to_dict, write_json_atomic  # lazy: ASE, numpy

    spec = computing_spec(args.calc)
    option, values = parse_values(args.vary)
    if args.film_layers is not None and args.film_layers < 1:
        raise UserInputError(f"--film-layers {args.film_layers} must be >= 1")
    if args.substrate_layers is not None and args.substrate_layers < 1:
        raise UserInputError(f"--substrate-layers {args.substrate_layers} must be >= 1")
    refuse_existing_json(args)
    settings = EnergeticsSettings(film_layers=args.film_layers,
                                  substrate_layers=args.substrate_layers)
    result = setting_convergence(args.system, args.calc, option, values,
                                 tolerance_J_per_m2=args.tolerance, settings=settings,
                                 workdir=args.workdir,
                                 progress=lambda m: err(f"[converge] {m}"))
    print(f"{result.system}: W_adh(ideal) against {option} ({spec.label()}, {result.n_atoms} "
          f"atoms, A = {result.area_A2:.2f} Å²; deviation from the last value)")
    print_table(result.rows(), [option, "W_adh (J/m²)", "dev (J/m²)", "wall (s)"])
    best = result.converged_value
    print(f"converged to {args.tolerance} J/m² from {option}={best}" if best is not None else
          f"NOT converged to {args.tolerance} J/m² below the finest value: extend the range")
    if args.json:
        write_json_atomic(to_dict(result), args.json, overwrite=args.overwrite)
        print(f"wrote {args.json}")
    return 0


def add_converge(sub) -> None:
    p = sub.add_parser("converge", help="ideal W_adh of an interface against one calculator "
                                        "setting (cutoff, k-points): a DFT user's first run",
                       description="Three single points per value (interface, cleaved film "
                       "and coating, catalogue geometry, no relaxation); the table gives each "
                       "value's deviation from the last (finest) one.")
    p.add_argument("system", help="named system, e.g. li-lif (interfacemodel build --list)")
    p.add_argument("--calc", required=True, help="calculator spec, e.g. gpaw:mode=lcao")
    p.add_argument("--vary", required=True, metavar="OPTION=V1,V2,...",
                   help="calculator option and its values, coarse to fine, e.g. "
                        "ecut_eV=400,600,800 or kpt_density=2,3,4,5")
    p.add_argument("--tolerance", type=float, default=0.01,
                   help="convergence tolerance on W_adh, J/m² (0.01)")
    p.add_argument("--film-layers", type=int, help="Li atomic layers (recipe default)")
    p.add_argument("--substrate-layers", type=int, help="coating atomic layers (recipe default)")
    p.add_argument("--workdir", default="converge",
                   help="folder of the DFT codes' files, one per value and cell (converge/)")
    add_json_output(p, "record")
    p.set_defaults(func=cmd_converge)


def add_calculators(sub) -> None:
    p = sub.add_parser("calculators", help="list calculators, options and status")
    p.add_argument("--elements", action="store_true", help="also list supported elements")
    p.set_defaults(func=cmd_calculators)
