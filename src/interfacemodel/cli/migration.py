"""``interfacemodel barrier`` and ``diffusivity``: a migration barrier by NEB with its
attempt frequency and D(T) (or rates), and D(T) again from a written barrier record."""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..errors import UserInputError
from .options import check_output_file, computing_spec, temperatures
from .tables import DIFFUSIVITY_HEADER, diffusivity_row, err, print_migration, print_table

#: the hop kinds of ``interfacemodel barrier KIND``, in the campaign specs' vocabulary
#: (a barrier entry with ``host`` + ``mechanism``, or with ``system``)
KINDS = {
    "vacancy": "a vacancy hop of --species in the crystal --host; with --solute, the "
               "solute–vacancy exchange (e.g. --host Li --solute Mg)",
    "interstitial": "a direct interstitial hop (void to void) of --species in --host",
    "interstitialcy": "an interstitialcy (knock-off) hop of --species in --host: the "
                      "interstitial takes a lattice atom's site and pushes it into the next "
                      "void (two atoms move)",
    "interface": "a hop of --species from the Li film's last layer into the coating of the "
                 "named interface --system",
}


def barrier_spec_entry(args) -> dict:
    """The command's options as a barrier entry of a campaign spec (same keys, same checks:
    :func:`interfacemodel.flows.specs.barrier_entry`)."""
    if args.kind not in KINDS:
        raise UserInputError(f"unknown hop kind {args.kind!r}; accepted: {', '.join(KINDS)}")
    where = args.system if args.kind == "interface" else args.host
    entry = {"name": f"{args.solute or args.species}-{args.kind}-{where}",
             "temperatures_K": args.T or [300.0], "n_images": args.images,
             "fmax": args.fmax, "optimizer": args.optimizer, "phonons": not args.no_phonons,
             "species": args.species, "hop_index": args.hop}
    if args.phonon_cutoff is not None:
        entry["phonon_cutoff_A"] = args.phonon_cutoff
    if args.kind == "interface":
        if args.system is None:
            raise UserInputError("an interface hop needs --system (a named interface, "
                                 "interfacemodel build --list)")
        entry.update(system=args.system, supercell=args.supercell,
                     defect_fraction=args.defect_fraction, solute=args.solute)
    else:
        entry.update(host=args.host, mechanism=args.kind, supercell=args.supercell,
                     solute=args.solute, defect_fraction=args.defect_fraction,
                     system=args.system)
    return {k: v for k, v in entry.items() if v is not None}


def cmd_barrier(args) -> int:
    # flows, calculators, records imported here (ASE, numpy, jobflow): --help stays fast
    from ..analysis.hop_rates import li_self_diffusion_point, measured_comparison
    from ..calculators import check_elements  # lazy: ASE, numpy
    from ..flows.local import run_flow  # lazy: jobflow, ASE, numpy, scipy
    from ..flows.migration import MigrationMaker  # lazy: jobflow, ASE, numpy, scipy
    from ..flows.spec_entries import barrier_elements  # lazy: jobflow, ASE, numpy, scipy
    from ..flows.specs import barrier_entry
    from ..models.export import check_output_dir  # lazy: ASE, numpy, scipy
    from ..records import to_dict, write_directory_atomic, write_json_atomic  # lazy: ASE, numpy
    from ..report.migration_plots import plot_arrhenius, plot_energy_profile

    computing_spec(args.calc)  # a calculator that only writes inputs: one line
    entry = barrier_entry(barrier_spec_entry(args), "hop")
    check_elements(args.calc, barrier_elements(entry))  # before any work
    out = check_output_dir(args.out or f"runs/barrier-{entry.name}", args.overwrite)
    t0 = time.perf_counter()
    maker = MigrationMaker(calculator=args.calc, n_images=entry.n_images, fmax=entry.fmax,
                           optimizer=entry.optimizer, phonons=entry.phonons,
                           phonon_cutoff_A=entry.phonon_cutoff_A,
                           temperatures_K=entry.temperatures_K)
    flow = maker.make(entry.name, **entry.case)
    res = run_flow(flow, args.workdir,
                   progress=lambda msg: err(f"[barrier {time.perf_counter() - t0:6.1f} s] {msg}"))
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
    from ..analysis.hop_rates import (  # lazy: ASE, numpy, scipy
        li_self_diffusion_point,
        record_diffusivity,
    )
    from ..report.migration_plots import plot_arrhenius  # lazy: matplotlib

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
                       description="The hop of a campaign spec's barrier entry, from the "
                       "command line (same keys, same checks). "
                       + "; ".join(f"{k}: {v}" for k, v in KINDS.items()))
    p.add_argument("kind", help=f"one of: {', '.join(KINDS)}")
    p.add_argument("--host", default="Li",
                   help="catalogue crystal of a bulk hop: Li, LiF, Li2Se, Li2O, LLZO, ... (Li)")
    p.add_argument("--species", default="Li", help="the element that hops (Li)")
    p.add_argument("--solute", help="vacancy: the solute that exchanges with the vacancy")
    p.add_argument("--system", help="named interface of an interface hop, e.g. li-lif")
    p.add_argument("--calc", default="sevennet", help="calculator spec (default: sevennet)")
    p.add_argument("--T", type=float, action="append", help="temperature, K (repeat; 300)")
    p.add_argument("--hop", type=int, default=0, help="index of the distinct hop (0 = shortest)")
    p.add_argument("--supercell", type=int, help="repetitions of the conventional cell")
    p.add_argument("--images", type=int, help="intermediate NEB images (5)")
    p.add_argument("--fmax", type=float, help="NEB force tolerance, eV/Å (0.03)")
    p.add_argument("--no-phonons", action="store_true",
                   help="skip the Vineyard prefactor (1e13 Hz fallback, marked)")
    p.add_argument("--phonon-cutoff", type=float, metavar="A",
                   help="Å around the hopping atom (both moving atoms of an interstitialcy) "
                        "whose atoms the Vineyard partial Hessian displaces (cells over 24 "
                        "atoms; 3.5)")
    p.add_argument("--optimizer", help="NEB optimiser spec (default LBFGS:alpha=10; FIRE is "
                   "slower but the most forgiving)")
    p.add_argument("--defect-fraction", type=float,
                   help="vacancy fraction to use instead of the computed formation energy")
    p.add_argument("--workdir", help="checkpoint directory: a rerun resumes the NEB")
    p.add_argument("--out", help="output directory (default runs/barrier-NAME)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    p.set_defaults(func=cmd_barrier)


def add_diffusivity(sub) -> None:
    p = sub.add_parser("diffusivity", help="D(T) from a barrier record, with an Arrhenius plot")
    p.add_argument("record", help="barrier.json written by 'interfacemodel barrier'")
    p.add_argument("--T", type=float, action="append", help="temperature, K (repeat; 300)")
    p.add_argument("--plot", help="write the Arrhenius plot to this PNG")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --plot")
    p.set_defaults(func=cmd_diffusivity)
