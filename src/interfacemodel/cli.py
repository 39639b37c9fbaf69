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
from .analysis.mechanisms import INTERFACE_HOP_SYSTEMS, MECHANISMS, named_hop
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


def _computing_spec(text: str, flag: str = "calculator"):
    """The parsed calculator spec of a command that computes here: one that only writes
    inputs, or a torch device this machine lacks (``sevennet:device=cuda`` without CUDA), is
    refused before any work."""
    from .calculators import check_device, parse_calc_spec

    spec = parse_calc_spec(text)
    if not spec.backend.computes:
        raise UserInputError(
            f"{flag} {spec.name!r} only writes inputs for a cluster run; choose one that "
            f"computes here: emt, sevennet, chgnet, lammps:<potential>, gpaw")
    if "device" in spec.options:
        check_device(spec.options["device"], spec.name)
    return spec


def _check_output_file(path, overwrite: bool, flag: str) -> None:
    """Before any work: an output FILE that exists (without --overwrite), is a directory or
    cannot be created where it is, is a user mistake (one line, exit 2, nothing written)."""
    from pathlib import Path

    from .records import check_output_path

    if Path(path).is_dir():
        raise UserInputError(f"{flag} {str(path)!r} is a directory; give a file name")
    if Path(path).exists() and not overwrite:
        raise UserInputError(f"output file {str(path)!r} exists; pass --overwrite to replace it")
    check_output_path(path, f"{flag} file")


def _refuse_existing_json(args) -> None:
    """Before any work: the --json FILE can be written (:func:`_check_output_file`)."""
    if args.json and args.json != "-":
        _check_output_file(args.json, args.overwrite, "--json")


def _add_json_output(p, what: str) -> None:
    p.add_argument("--json", nargs="?", const="-", metavar="FILE",
                   help=f"write the {what} as JSON to FILE (or stdout instead of the table)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --json FILE")


def _print_table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip(), flush=True)


def cmd_bulk(args) -> int:
    from .analysis import bulk_properties
    from .calculators import get_calculator
    from .records import to_dict, write_json_atomic
    from .structures import bulk_phases, load_bulk, phase_info

    spec = _computing_spec(args.calc)  # a bad --calc fails here, before any work
    if not args.fmax > 0:
        raise UserInputError(f"--fmax {args.fmax} must be > 0 (eV/Å)")
    if args.steps < 0:
        raise UserInputError(f"--steps {args.steps} must be >= 0")
    names = args.phases or bulk_phases()
    phases = [phase_info(n) for n in names]  # unknown phases fail here, before any work
    _refuse_existing_json(args)
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


# ----------------------------------------------------------------------- build, match


def _grid(text: str) -> tuple[int, int]:
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise UserInputError(f"--grid {text!r}: expected two positive integers such as 4x4")
    return int(parts[0]), int(parts[1])


def cmd_build(args) -> int:
    from .build.export import check_output_dir, export_structures, parse_formats
    from .build.systems import SYSTEMS, build_system, source_crystals, system_recipe

    if args.list:
        for r in SYSTEMS.values():
            faces = ", ".join(f"Li({f}) || {r.substrate}({s})" for f, s in r.orientations)
            print(f"{r.name:9s} {faces}\n          {r.description}"
                  + (f"\n          note: {r.notes}" if r.notes else ""))
        return 0
    if not args.system:
        raise UserInputError("name a system (interfacemodel build --list shows them)")
    recipe = system_recipe(args.system)
    formats = parse_formats(args.format)
    out = check_output_dir(args.out or f"structures/interfaces/{recipe.name}", args.overwrite)
    grid = _grid(args.grid)
    calc = None
    if args.scan:
        from .calculators import get_calculator

        spec = _computing_spec(args.scan, "--scan")
    overrides = {k: v for k, v in {
        "film_layers": args.film_layers, "substrate_layers": args.substrate_layers,
        "max_area_A2": args.max_area, "max_strain": args.max_strain, "gap_A": args.gap,
        "vacuum_A": args.vacuum}.items() if v is not None}
    kinds = ["slab", "periodic"] if args.kind == "both" else [args.kind]
    items = []
    for kind in kinds:
        if kind == "periodic":
            overrides.pop("vacuum_A", None)
            overrides["fix_substrate_layers"] = 0
        models = build_system(recipe.name, kind=kind, **overrides)
        for model in models:
            meta = {"system": recipe.name, **model.metadata()}
            if args.scan:
                from .build.registry import scan_registry

                if calc is None:
                    calc = get_calculator(spec, atoms=model.atoms)
                _err(f"[build] registry scan of {model.label} ({len(model.atoms)} atoms)")
                scan = scan_registry(model, calc, grid=grid,
                                     progress=lambda i, n: _err(f"[build]   {i}/{n}"))
                model = scan.best
                meta.update(model.metadata(), registry_scan={
                    "calculator": scan.calculator, "grid": list(scan.grid),
                    "points": [vars(p) for p in scan.points]})
            items.append((model.label, model.atoms, meta))
            _err(f"[build] {model.label}: {len(model.atoms)} atoms, area {model.area_A2:.1f} Å², "
                 f"strain on Li {100 * model.match.max_abs_strain:.2f} %, "
                 f"interface planes {model.film_interface_layer}/{model.substrate_interface_layer}")
    common = {"system": recipe.name, "description": recipe.description,
              "source_crystals": source_crystals(recipe),
              "orientations": [list(o) for o in recipe.orientations]}
    export_structures(items, out, formats, overwrite=args.overwrite, common=common)
    print(f"wrote {len(items)} structures ({', '.join(formats)} + JSON) to {out}")
    return 0


def cmd_match(args) -> int:
    from .build.matching import enumerate_matches
    from .records import to_dict

    matches = enumerate_matches(args.film, args.substrate, args.film_miller,
                                args.substrate_miller, max_area_A2=args.max_area,
                                max_length_tol=args.max_length_tol,
                                max_angle_tol=args.max_angle_tol,
                                max_area_ratio_tol=args.max_area_ratio_tol,
                                strained=args.strained)
    if args.json:
        json.dump(to_dict(matches), sys.stdout, indent=2)
        print()
        return 0
    rows = [[str(i), f"{m.area_A2:.1f}", f"{m.film_area_A2:.1f}", f"{m.substrate_area_A2:.1f}",
             m.strained, f"{100 * m.max_abs_strain:.2f}", f"{100 * m.von_mises_strain:.2f}",
             " ".join(f"{100 * e:+.2f}" for e in (m.strain_2d[0][0], m.strain_2d[1][1],
                                                   m.strain_2d[0][1]))]
            for i, m in enumerate(matches)]
    print(f"{matches[0].film}{matches[0].film_miller} on "
          f"{matches[0].substrate}{matches[0].substrate_miller}: {len(matches)} matches")
    _print_table(rows, ["#", "area (Å²)", "film (Å²)", "substrate (Å²)", "strained",
                        "max strain (%)", "von Mises (%)", "E_xx E_yy E_xy (%)"])
    return 0


# ------------------------------------------------------------------------ energetics


def cmd_energetics(args) -> int:
    import time

    from .analysis.interface_energetics import EnergeticsSettings, interface_energetics
    from .build.systems import system_elements, system_recipe
    from .calculators import get_calculator
    from .records import write_json_atomic
    from .run.optimizers import optimizer_label

    recipe = system_recipe(args.system)  # unknown system: one line, before any work
    spec = _computing_spec(args.calc)
    from .run.relax import DEFAULT_OPTIMIZER

    optimizer = optimizer_label(args.optimizer or DEFAULT_OPTIMIZER)
    for flag, value in (("--fmax", args.fmax), ("--T", args.T)):
        if not value > 0:
            raise UserInputError(f"{flag} {value} must be > 0")
    if args.steps < 1:
        raise UserInputError(f"--steps {args.steps} must be >= 1")
    _refuse_existing_json(args)
    settings = EnergeticsSettings(
        fmax=args.fmax, steps=args.steps, optimizer=optimizer, kind=args.kind,
        orientation=args.orientation, termination=args.termination,
        film_layers=args.film_layers, substrate_layers=args.substrate_layers,
        scan_grid=_grid(args.scan) if args.scan else None, T_K=args.T,
        surface_slabs=not args.no_surfaces, reactivity=not args.no_reactivity)
    calc = get_calculator(spec, atoms=system_elements(recipe.name))
    t0 = time.perf_counter()

    def progress(msg: str) -> None:
        _err(f"[energetics {time.perf_counter() - t0:6.1f} s] {msg}")

    result = interface_energetics(recipe.name, calc, settings, workdir=args.workdir,
                                  progress=progress, allow_unconverged=args.allow_unconverged)
    if args.json == "-":
        json.dump(_jsonable_result(result), sys.stdout, indent=2)
        print()
    else:
        m = result.interface
        print(f"{result.system}: {m['label']}, {m['natoms']} atoms, area {m['area_A2']:.2f} Å², "
              f"strain on Li {m['max_abs_strain_percent']:.2f} %, "
              f"planes {m['film_interface_layer']}/{m['substrate_interface_layer']}")
        print(f"calculator {result.calculator['label']} ({result.calculator['package_version']}); "
              f"fmax {settings.fmax} eV/Å, optimizer {settings.optimizer}; "
              f"wall {result.wall_time_s:.0f} s")
        _print_table([list(r) for r in result.summary_rows()], ["quantity", "value", "note"])
        for note in result.notes:
            print(f"note: {note}")
        bad = [k for k, r in result.records.items() if not r.converged]
        print("all relaxations converged" if not bad else f"NOT CONVERGED: {', '.join(bad)}")
        if args.json:
            write_json_atomic(_jsonable_result(result), args.json, overwrite=args.overwrite)
            print(f"wrote {args.json}")
    return 0 if result.converged else 1


def _jsonable_result(result):
    from .records import to_dict

    return to_dict(result)


# --------------------------------------------------------------------------- barriers

def _temperatures(values) -> list[float]:
    temps = values or [300.0]
    bad = [t for t in temps if not t > 0]
    if bad:
        raise UserInputError(f"--T {bad[0]} must be > 0 (K)")
    return temps


def _print_migration(res) -> None:
    neb = res.neb
    sites = f", sites {res.hop['wyckoff_sites']}" if res.hop.get("wyckoff_sites") else ""
    print(f"{res.species} {res.mechanism} in {res.host}: hop {res.hop['label']}{sites} "
          f"({res.hop['natoms']} atoms), calculator {res.calculator['label']}")
    saddle = ("-" if res.saddle_imaginary_modes is None
              else f"{res.saddle_imaginary_modes} imaginary mode(s) at the saddle")
    rows = [["barrier forward", f"{neb.barrier_forward_eV:.3f} eV",
             f"{neb.n_images} images, climbing, {neb.method}"],
            ["barrier backward", f"{neb.barrier_backward_eV:.3f} eV",
             f"reaction energy {neb.reaction_energy_eV:+.3f} eV"],
            ["NEB", "converged" if neb.converged else "NOT CONVERGED",
             f"{neb.steps} steps, {neb.force_calls} force calls, fmax "
             f"{neb.fmax_reached_eV_per_A:.3f} eV/Å"],
            ["attempt frequency",
             "-" if res.attempt_frequency_Hz is None else f"{res.attempt_frequency_Hz:.3e} Hz",
             res.attempt_frequency_note],
            ["saddle check", saddle, ""]]
    if res.literature_barrier:
        lit = res.literature_barrier
        rows.append(["literature barrier", f"{lit['range_eV'][0]}–{lit['range_eV'][1]} eV",
                     f"computed is {lit['computed_is']}; {lit['source']}"])
    if res.defect_formation_energy_eV is not None:
        rows.append([f"{res.mechanism.split()[-1]} formation",
                     f"{res.defect_formation_energy_eV:.3f} eV",
                     res.formation_reference])
    if res.lattice is not None:
        rows.append(["lattice", f"z={res.lattice.z} d={res.lattice.d_A:.3f} Å "
                     f"f={res.lattice.f}", res.lattice.name])
    for d in res.diffusivities:
        sigma = ("" if d.conductivity_S_per_cm is None
                 else f", σ = {d.conductivity_S_per_cm:.2e} S/cm")
        rows.append([f"D({d.T_K:g} K)", f"{d.D_cm2_per_s:.3e} cm²/s",
                     f"c = {d.defect_fraction:.2e} ({d.defect_fraction_source}){sigma}"])
    if not res.diffusivities:
        for r in res.hop_rates:
            rows.append([f"rate({r['T_K']:g} K)", f"{r['forward_per_s']:.3e} /s forward",
                         f"{r['backward_per_s']:.3e} /s backward"])
    _print_table(rows, ["quantity", "value", "note"])
    for note in res.notes:
        print(f"note: {note}")


def _run_migration(args, spec, temps, say):
    from .calculators import get_calculator
    from .structures import phase_info

    # the options' own messages; named_hop checks the same for library callers
    if args.mechanism == "li-interface":
        if args.system not in INTERFACE_HOP_SYSTEMS:
            raise UserInputError(f"--system {args.system!r}: interface hops are built for "
                                 f"{', '.join(INTERFACE_HOP_SYSTEMS)}")
        if args.defect_fraction is not None:
            raise UserInputError("--defect-fraction applies to bulk hops, not li-interface")
    elif args.system is not None:
        raise UserInputError(f"--system applies to li-interface, not {args.mechanism}")
    elif args.mechanism == "mg-vacancy" and phase_info(args.host).name != "Li":
        raise UserInputError(f"mg-vacancy is built in bcc Li, not --host {args.host!r}")
    hop = named_hop(args.mechanism, host=args.host, system=args.system)
    calc = get_calculator(spec, atoms=hop.elements())
    return hop.run(calc, fmax=args.fmax, supercell=args.supercell,
                   defect_fraction=args.defect_fraction, temperatures_K=temps,
                   hop_index=args.hop, n_images=args.images, phonons=not args.no_phonons,
                   optimizer=args.optimizer, workdir=args.workdir, progress=say)


def cmd_barrier(args) -> int:
    import time

    from .analysis.migration import (
        li_self_diffusion_point,
        measured_comparison,
        plot_arrhenius,
        plot_energy_profile,
    )
    from .build.export import check_output_dir
    from .records import to_dict, write_directory_atomic, write_json_atomic

    if args.mechanism not in MECHANISMS:
        raise UserInputError(f"unknown mechanism {args.mechanism!r}; accepted: "
                             f"{', '.join(MECHANISMS)}")
    spec = _computing_spec(args.calc)
    temps = _temperatures(args.T)
    if args.images < 1 or (args.fmax is not None and not args.fmax > 0):
        raise UserInputError(f"--images {args.images} must be >= 1 and --fmax {args.fmax} > 0")
    if args.defect_fraction is not None and not 0 < args.defect_fraction <= 1:
        raise UserInputError(f"--defect-fraction {args.defect_fraction} must be in (0, 1]")
    if args.optimizer is not None:
        from .run.optimizers import get_optimizer

        get_optimizer(args.optimizer)  # an unknown name fails here, before any work
    where = args.system if args.mechanism == "li-interface" else args.host
    out = check_output_dir(args.out or f"runs/barrier-{args.mechanism}-{where}", args.overwrite)
    t0 = time.perf_counter()
    res = _run_migration(
        args, spec, temps,
        lambda msg: _err(f"[barrier {time.perf_counter() - t0:6.1f} s] {msg}"))
    data = to_dict(res)
    comparison = measured_comparison(res)
    measured = None
    if comparison is not None:
        data["measured_comparison"] = comparison
        measured = li_self_diffusion_point(res.host, res.species)
    what = f"{res.species} {res.mechanism} in {res.host} ({res.calculator['label']})"

    def write(tmp):
        plot_energy_profile(res.neb, tmp / "energy_profile.png", what)
        if res.diffusivities:
            plot_arrhenius(res.diffusivities, tmp / "arrhenius.png", what, measured)
        write_json_atomic(data, tmp / "barrier.json")

    write_directory_atomic(out, write, overwrite=args.overwrite)
    _print_migration(res)
    if "measured_comparison" in data:
        m = data["measured_comparison"]
        print(f"D(298 K) computed {m['D_computed_cm2_per_s']:.3e} vs measured "
              f"{m['D_measured_cm2_per_s']:.2e} cm²/s: ratio {m['ratio_computed_over_measured']:.2g}")
    files = "energy_profile.png, arrhenius.png" if res.diffusivities else "energy_profile.png"
    print(f"wrote {out}/{files}, barrier.json")
    return 0 if res.neb.converged else 1


def cmd_diffusivity(args) -> int:
    from pathlib import Path

    from .analysis.migration import li_self_diffusion_point, plot_arrhenius, record_diffusivity

    path = Path(args.record)
    if args.plot:
        _check_output_file(args.plot, args.overwrite, "--plot")
    if not path.is_file():
        raise UserInputError(f"barrier record {str(path)!r} not found (write one with "
                             f"'interfacemodel barrier ... --out DIR')")
    try:
        rec = json.loads(path.read_text())
        d_of_T = record_diffusivity(rec)
    except (ValueError, KeyError, TypeError):
        raise UserInputError(f"{str(path)!r} is not a barrier record from "
                             f"'interfacemodel barrier'") from None
    if d_of_T is None:
        raise UserInputError(f"{str(path)!r} is an interface hop: it has rates, not a D(T) "
                             f"(see its hop_rates)")
    diffs = [d_of_T(T) for T in _temperatures(args.T)]
    rows = [[f"{d.T_K:g}", f"{d.D_cm2_per_s:.3e}", f"{d.hop_rate_per_s:.3e}",
             f"{d.defect_fraction:.2e}",
             "-" if d.conductivity_S_per_cm is None else f"{d.conductivity_S_per_cm:.2e}"]
            for d in diffs]
    _print_table(rows, ["T (K)", "D (cm²/s)", "hop rate (1/s)", "c_defect", "σ (S/cm)"])
    if args.plot:
        measured = li_self_diffusion_point(rec.get("host"), rec.get("species"))
        plot_arrhenius(diffs, args.plot, f"{rec['species']} in {rec['host']}", measured)
        print(f"wrote {args.plot}")
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
    _add_json_output(p, "records")
    p.set_defaults(func=cmd_bulk)

    p = sub.add_parser("build", help="build a named Li/coating system and export it")
    p.add_argument("system", nargs="?", help="named system (see --list)")
    p.add_argument("--list", action="store_true", help="list the named systems")
    p.add_argument("--out", help="output directory (default structures/interfaces/SYSTEM)")
    p.add_argument("--format", default="cif,poscar,extxyz", help="cif,poscar,extxyz")
    p.add_argument("--kind", default="slab", choices=["slab", "periodic", "both"])
    p.add_argument("--film-layers", type=int, help="Li atomic layers")
    p.add_argument("--substrate-layers", type=int, help="coating atomic layers")
    p.add_argument("--max-area", type=float, help="largest interface area to search, Å²")
    p.add_argument("--max-strain", type=float, help="largest strain on Li (fraction)")
    p.add_argument("--gap", type=float, help="interlayer gap, Å (default: closest film-coating pair at 0.9 x covalent radii)")
    p.add_argument("--vacuum", type=float, help="vacuum above the film, Å (15)")
    p.add_argument("--scan", metavar="CALC",
                   help="rank registry and gap with this calculator before writing")
    p.add_argument("--grid", default="4x4", help="registry grid over the coating cell (4x4)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("match", help="lattice matches of a film face on a substrate face")
    p.add_argument("film")
    p.add_argument("substrate")
    p.add_argument("--film-miller", required=True, help="e.g. 110 or 1,1,0")
    p.add_argument("--substrate-miller", required=True)
    p.add_argument("--max-area", type=float, default=200.0, help="Å² (200)")
    p.add_argument("--max-length-tol", type=float, default=0.05)
    p.add_argument("--max-angle-tol", type=float, default=0.05)
    p.add_argument("--max-area-ratio-tol", type=float, default=0.09)
    p.add_argument("--strained", default="film", choices=["film", "substrate"])
    p.add_argument("--json", action="store_true", help="JSON to stdout")
    p.set_defaults(func=cmd_match)

    p = sub.add_parser("energetics", help="relax a Li/coating interface: γ, W_adh, γ_int, "
                                          "contact angle, reaction with Li")
    p.add_argument("system", help="named system, e.g. li-lif (interfacemodel build --list)")
    p.add_argument("--calc", default="sevennet", help="calculator spec (default: sevennet)")
    p.add_argument("--kind", default="slab", choices=["slab", "periodic"])
    p.add_argument("--orientation", type=int, default=0, help="index into the system's faces (0)")
    p.add_argument("--termination", type=int, default=0, help="coating termination index (0)")
    p.add_argument("--film-layers", type=int, help="Li atomic layers (recipe default)")
    p.add_argument("--substrate-layers", type=int, help="coating atomic layers (recipe default)")
    p.add_argument("--fmax", type=float, default=0.05, help="force tolerance, eV/Å (0.05)")
    p.add_argument("--steps", type=int, default=500, help="step limit per relaxation (500)")
    p.add_argument("--optimizer", default=None, help="ASE optimiser (default: the benchmarked one)")
    p.add_argument("--scan", metavar="GRID", help="registry scan before relaxing, e.g. 3x3")
    p.add_argument("--T", type=float, default=453.65,
                   help="temperature for the liquid-Li surface tension, K (453.65, the melting point)")
    p.add_argument("--no-surfaces", action="store_true", help="skip the free-surface slabs")
    p.add_argument("--no-reactivity", action="store_true", help="skip the reaction with Li")
    p.add_argument("--workdir", help="checkpoint directory: a rerun resumes its relaxations")
    p.add_argument("--allow-unconverged", action="store_true",
                   help="report numbers from relaxations that hit the step limit (flagged)")
    _add_json_output(p, "record")
    p.set_defaults(func=cmd_energetics)

    p = sub.add_parser("barrier", help="migration: NEB barrier, attempt frequency, D(T)",
                       description="; ".join(f"{k}: {v}" for k, v in MECHANISMS.items()))
    p.add_argument("mechanism", help=f"one of: {', '.join(MECHANISMS)}")
    p.add_argument("--host", default="Li",
                   help="catalogue phase hosting the vacancy: Li, LiF, Li2Se, Li2O, LLZO, ... (Li)")
    p.add_argument("--system", help=f"interface for li-interface: {', '.join(INTERFACE_HOP_SYSTEMS)}")
    p.add_argument("--calc", default="sevennet", help="calculator spec (default: sevennet)")
    p.add_argument("--T", type=float, action="append", help="temperature, K (repeat; 300)")
    p.add_argument("--hop", type=int, default=0, help="index of the distinct hop (0 = shortest)")
    p.add_argument("--supercell", type=int, help="repetitions of the conventional cell")
    p.add_argument("--images", type=int, default=5, help="intermediate NEB images (5)")
    p.add_argument("--fmax", type=float,
                   help="NEB force tolerance, eV/Å (0.03 bulk, 0.05 interface)")
    p.add_argument("--no-phonons", action="store_true",
                   help="skip the Vineyard prefactor (1e13 Hz fallback, marked)")
    p.add_argument("--optimizer", help="NEB optimiser spec (default LBFGS:alpha=10; FIRE is "
                   "slower but the most forgiving)")
    p.add_argument("--defect-fraction", type=float,
                   help="vacancy fraction to use instead of the computed formation energy")
    p.add_argument("--workdir", help="checkpoint directory: a rerun resumes the NEB")
    p.add_argument("--out", help="output directory (default runs/barrier-MECHANISM-HOST)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    p.set_defaults(func=cmd_barrier)

    p = sub.add_parser("diffusivity", help="D(T) from a barrier record, with an Arrhenius plot")
    p.add_argument("record", help="barrier.json written by 'interfacemodel barrier'")
    p.add_argument("--T", type=float, action="append", help="temperature, K (repeat; 300)")
    p.add_argument("--plot", help="write the Arrhenius plot to this PNG")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --plot")
    p.set_defaults(func=cmd_diffusivity)

    p = sub.add_parser("calculators", help="list calculators, options and status")
    p.add_argument("--elements", action="store_true", help="also list supported elements")
    p.set_defaults(func=cmd_calculators)

    p = sub.add_parser("catalogue", help="list the bulk catalogue with sources")
    p.set_defaults(func=cmd_catalogue)

    from .cli_campaign import add_commands

    add_commands(sub)
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
