"""``interfacemodel barrier`` and ``diffusivity``: a migration barrier by NEB with its
attempt frequency and D(T) (or rates), and D(T) again from a written barrier record."""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..analysis.mechanisms import INTERFACE_HOP_SYSTEMS, MECHANISMS, named_hop
from ..errors import UserInputError
from ..structures import phase_info
from .options import check_output_file, computing_spec, temperatures
from .tables import DIFFUSIVITY_HEADER, diffusivity_row, err, print_migration, print_table


def _run_migration(args, spec, temps, say):
    # calculators, migration, records imported in the functions (ASE, numpy): --help stays fast
    from ..calculators import get_calculator

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
    from ..analysis.migration import (
        li_self_diffusion_point,
        measured_comparison,
        plot_arrhenius,
        plot_energy_profile,
    )
    from ..build.export import check_output_dir
    from ..records import to_dict, write_directory_atomic, write_json_atomic

    if args.mechanism not in MECHANISMS:
        raise UserInputError(f"unknown mechanism {args.mechanism!r}; accepted: "
                             f"{', '.join(MECHANISMS)}")
    spec = computing_spec(args.calc)
    temps = temperatures(args.T)
    if args.images < 1 or (args.fmax is not None and not args.fmax > 0):
        raise UserInputError(f"--images {args.images} must be >= 1 and --fmax {args.fmax} > 0")
    if args.defect_fraction is not None and not 0 < args.defect_fraction <= 1:
        raise UserInputError(f"--defect-fraction {args.defect_fraction} must be in (0, 1]")
    if args.optimizer is not None:
        from ..run.optimizers import get_optimizer

        get_optimizer(args.optimizer)  # an unknown name fails here, before any work
    where = args.system if args.mechanism == "li-interface" else args.host
    out = check_output_dir(args.out or f"runs/barrier-{args.mechanism}-{where}", args.overwrite)
    t0 = time.perf_counter()
    res = _run_migration(
        args, spec, temps,
        lambda msg: err(f"[barrier {time.perf_counter() - t0:6.1f} s] {msg}"))
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
    print_migration(res)
    if "measured_comparison" in data:
        m = data["measured_comparison"]
        print(f"D(298 K) computed {m['D_computed_cm2_per_s']:.3e} vs measured "
              f"{m['D_measured_cm2_per_s']:.2e} cm²/s: ratio {m['ratio_computed_over_measured']:.2g}")
    files = "energy_profile.png, arrhenius.png" if res.diffusivities else "energy_profile.png"
    print(f"wrote {out}/{files}, barrier.json")
    return 0 if res.neb.converged else 1


def cmd_diffusivity(args) -> int:
    from ..analysis.migration import li_self_diffusion_point, plot_arrhenius, record_diffusivity

    path = Path(args.record)
    if args.plot:
        check_output_file(args.plot, args.overwrite, "--plot")
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
    diffs = [d_of_T(T) for T in temperatures(args.T)]
    print_table([diffusivity_row(d) for d in diffs], DIFFUSIVITY_HEADER)
    if args.plot:
        measured = li_self_diffusion_point(rec.get("host"), rec.get("species"))
        plot_arrhenius(diffs, args.plot, f"{rec['species']} in {rec['host']}", measured)
        print(f"wrote {args.plot}")
    return 0


def add_barrier(sub) -> None:
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


def add_diffusivity(sub) -> None:
    p = sub.add_parser("diffusivity", help="D(T) from a barrier record, with an Arrhenius plot")
    p.add_argument("record", help="barrier.json written by 'interfacemodel barrier'")
    p.add_argument("--T", type=float, action="append", help="temperature, K (repeat; 300)")
    p.add_argument("--plot", help="write the Arrhenius plot to this PNG")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --plot")
    p.set_defaults(func=cmd_diffusivity)
