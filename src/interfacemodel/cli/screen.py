"""``interfacemodel solute-screen``: solutes' segregation to a host's free faces, the McLean
coverage and surface-energy reduction they give, as a JSON record, a markdown and CSV table
and a plot in one output directory."""

from __future__ import annotations

import time

from ..errors import UserInputError
from .options import computing_spec
from .tables import err, print_table

#: the solutes of issue 19 (the library's ISSUE_SOLUTES; repeated so --help loads no numpy)
DEFAULT_SOLUTES = "Mg,Ag,Au,Zn,Al,In,Sn,Bi,Na,K,Ca"


def _split(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()]


def cmd_solute_screen(args) -> int:
    # lazy: ASE, numpy, jobflow, matplotlib — --help and a bad option answer without them
    from ..analysis.solute_screen import check_screen_inputs
    from ..flows.local import run_flow  # lazy: jobflow
    from ..flows.solute_screen import SoluteScreenMaker  # lazy: jobflow, ASE
    from ..models.export import check_output_dir  # lazy: ASE, numpy, scipy
    from ..records import write_directory_atomic  # lazy: ASE, numpy
    from ..report.solute_screen import screen_rows, write_screen  # lazy: matplotlib
    from ..structures import phase_info  # lazy: pymatgen

    computing_spec(args.calc)  # unknown calculator, or one that only writes inputs: one line
    phase_info(args.host)  # an unknown crystal: one line
    solutes, faces = check_screen_inputs(args.host, _split(args.solutes), _split(args.faces),
                                         args.calc)
    if args.layers < 3:
        raise UserInputError(f"--layers {args.layers} must be >= 3 (surface, middle, bottom)")
    if not args.fmax > 0:
        raise UserInputError(f"--fmax {args.fmax} must be > 0 (eV/Å)")
    if not args.T > 0:
        raise UserInputError(f"--T {args.T} must be > 0 (K)")
    maker = SoluteScreenMaker(calculator=args.calc, fmax=args.fmax, layers=args.layers,
                              T_K=args.T, clean=not args.no_clean)
    flow = maker.make(args.host, solutes=solutes, faces=faces)  # the rest of the checks
    out = check_output_dir(args.out or f"runs/solute-screen-{args.host}", args.overwrite)
    t0 = time.perf_counter()
    screen = run_flow(flow, args.workdir, progress=lambda m: err(
        f"[solute-screen {time.perf_counter() - t0:6.1f} s] {m}"))
    write_directory_atomic(out, lambda tmp: write_screen(screen, tmp), overwrite=args.overwrite)
    header, rows = screen_rows(screen)
    print_table(rows, header)
    formers = ", ".join(f"{d['solute']} ({d['face']})" for d in screen.layer_formers)
    c = screen.criterion
    print(f"layer formers (θ >= {c['threshold']:g} at x = {c['x_range'][0]:g}..."
          f"{c['x_range'][1]:g}, {c['T_K']:g} K): {formers or 'none'}")
    print(f"wrote {out}/solute_screen.json, .md, .csv, .png "
          f"({time.perf_counter() - t0:.0f} s)")
    return 0 if screen.converged else 1


def add_solute_screen(sub) -> None:
    p = sub.add_parser("solute-screen",
                       help="solutes' segregation to a host's free faces: McLean coverage, "
                            "surface-energy reduction, self-forming layers",
                       description="E_seg = E(solute in the top layer) - E(solute in the "
                       "middle layer) of a symmetric slab of the relaxed host crystal, per "
                       "solute and face; coverage from the McLean isotherm; "
                       "Δγ = (kT/A_site) ln(1-θ).")
    p.add_argument("--calc", "--calculator", dest="calc", default="sevennet",
                   help="calculator spec (default: sevennet)")
    p.add_argument("--host", default="Li", help="elemental catalogue crystal (Li)")
    p.add_argument("--solutes", default=DEFAULT_SOLUTES,
                   help=f"comma-separated element symbols ({DEFAULT_SOLUTES})")
    p.add_argument("--faces", default="110,100", help="comma-separated Miller faces (110,100)")
    p.add_argument("--layers", type=int, default=5,
                   help="atomic layers of the slabs, rounded up to whole unit planes (5)")
    p.add_argument("--fmax", type=float, default=0.05, help="force tolerance, eV/Å (0.05)")
    p.add_argument("--T", type=float, default=300.0,
                   help="temperature of the tabulated θ and Δγ, K (300)")
    p.add_argument("--no-clean", action="store_true", help="skip the clean faces' γ0")
    p.add_argument("--workdir", help="checkpoint directory: a rerun resumes its relaxations")
    p.add_argument("--out", help="output directory (default runs/solute-screen-HOST)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    p.set_defaults(func=cmd_solute_screen)
