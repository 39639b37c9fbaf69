"""``interfacemodel build``, ``match`` and ``catalogue``: named Li/coating systems built and
exported, lattice matches of two faces, the bulk catalogue."""

from __future__ import annotations

import json
import sys

from ..errors import UserInputError
from ..structures import bulk_phases, phase_info
from .options import computing_spec, parse_grid
from .tables import MATCH_HEADER, err, match_row, print_table


def cmd_build(args) -> int:
    # builders, registry scan and calculators imported here (ASE, scipy): --help stays fast
    from ..models.export import check_output_dir, export_structures, parse_formats
    from ..models.systems import (  # lazy: ASE, numpy, scipy
        SYSTEMS,
        build_system,
        source_crystals,
        system_recipe,
    )

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
    grid = parse_grid(args.grid)
    calc = None
    if args.scan:
        from ..calculators import get_calculator  # lazy: ASE, numpy

        spec = computing_spec(args.scan, "--scan")
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
                from ..models.registry import scan_registry  # lazy: ASE, numpy, scipy

                if calc is None:
                    calc = get_calculator(spec, atoms=model.atoms)
                err(f"[build] registry scan of {model.label} ({len(model.atoms)} atoms)")
                scan = scan_registry(model, calc, grid=grid,
                                     progress=lambda i, n: err(f"[build]   {i}/{n}"))
                model = scan.best
                meta.update(model.metadata(), registry_scan={
                    "calculator": scan.calculator, "grid": list(scan.grid),
                    "points": [vars(p) for p in scan.points]})
            items.append((model.label, model.atoms, meta))
            err(f"[build] {model.label}: {len(model.atoms)} atoms, area {model.area_A2:.1f} Å², "
                f"strain on Li {100 * model.match.max_abs_strain:.2f} %, "
                f"interface planes {model.film_interface_layer}/{model.substrate_interface_layer}")
    common = {"system": recipe.name, "description": recipe.description,
              "source_crystals": source_crystals(recipe),
              "orientations": [list(o) for o in recipe.orientations]}
    export_structures(items, out, formats, overwrite=args.overwrite, common=common)
    print(f"wrote {len(items)} structures ({', '.join(formats)} + JSON) to {out}")
    return 0


def cmd_match(args) -> int:
    from ..models.matching import enumerate_matches  # lazy: ASE, numpy, scipy
    from ..records import to_dict  # lazy: ASE, numpy

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
    rows = [match_row(i, m) for i, m in enumerate(matches)]
    print(f"{matches[0].film}{matches[0].film_miller} on "
          f"{matches[0].substrate}{matches[0].substrate_miller}: {len(matches)} matches")
    print_table(rows, MATCH_HEADER)
    return 0


def cmd_catalogue(args) -> int:
    rows = []
    for name in bulk_phases():
        p = phase_info(name)
        lat = " ".join(f"{k}={v}" for k, v in p.reference_lattice_A.items())
        rows.append([p.name, p.formula, p.spacegroup, str(p.natoms), lat,
                     "yes" if p.ordered else "NO", p.source])
    print_table(rows, ["phase", "formula", "space group", "sites", "reference (Å)", "ordered",
                       "source"])
    return 0


def add_build(sub) -> None:
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


def add_match(sub) -> None:
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


def add_catalogue(sub) -> None:
    p = sub.add_parser("catalogue", help="list the bulk catalogue with sources")
    p.set_defaults(func=cmd_catalogue)
