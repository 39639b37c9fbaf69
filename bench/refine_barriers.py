"""The DFT check of migration barriers at the ML saddle, on small hop cells of their own: the
quick preset's hops (Li's vacancy, the Li vacancy in Li2Se and LiF, Li in MgF2's c channel)
relaxed with the ML potential in the smallest cells that still hold the hop, then the ML
potential, the committee and the DFT calculator take single points of the NEB's relaxed end
points and highest image (`procedures.reevaluation.reevaluate` of the hop's evaluation,
`analysis.migration.evaluate_migration`, at its band points: the refine's hop check).

Run by hand:  .venv/bin/python bench/refine_barriers.py [--calc sevennet]
              [--dft gpaw:ecut_eV=500,kpt_density=2.5,occupations=fermi-dirac]
              [--hops li-vacancy lif-vacancy ...] [--out F.md]

Why small cells: one GPAW single point of the campaign's hop cells (35-107 atoms with Mg, F,
Se) takes 5-20 min on 2 cores, three of them per hop do not fit the quick preset's
90-minute check; the deviation of a calculator from DFT at the same geometry is what the
check measures, and it needs the same cell for both, not a converged cell. The barrier in
the small cell is therefore not the campaign's barrier (both are printed): the vacancy
sees its periodic images at 1.4-2 hop lengths. Energies in eV.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

from ase.build import make_supercell
from pymatgen.io.ase import AseAtomsAdaptor

from interfacemodel.analysis.hop_rates import evaluate_migration
from interfacemodel.analysis.migration import BAND_POINTS, NEBProduct
from interfacemodel.calculators import get_calculator
from interfacemodel.procedures.hops import prepare_bulk_hop
from interfacemodel.procedures.migration import band_states, hop_band, hop_prefactors
from interfacemodel.procedures.reevaluation import reevaluate
from interfacemodel.structures import load_bulk

#: name -> (host, mechanism, prepare_bulk_hop keywords, cell of the host): the check's cells,
#: the smallest the hop builder accepts (every width at least twice the hop length)
HOPS = {
    "li-vacancy": ("Li", "vacancy", {"supercell": 3}, None),                   # 53 atoms
    "li2se-vacancy": ("Li2Se", "vacancy", {"supercell": 1}, None),             # 11 atoms
    # LiF's conventional cell is 4.03 Å wide, less than twice the 2.85 Å hop: the cell
    # a+b, b-a, c (16 atoms, 5.7 x 5.7 x 4.0 Å) doubled along c, 31 atoms
    "lif-vacancy": ("LiF", "vacancy", {"supercell": (1, 1, 2)},
                    [[1, 1, 0], [-1, 1, 0], [0, 0, 1]]),
    "mgf2-interstitial": ("MgF2", "interstitial",                              # 13 atoms
                          {"supercell": (1, 1, 2), "sites_frac": [[0, 0.5, 0]]}, None),
}
COMMITTEE = ("sevennet:model=7net-l3i5", "chgnet", "sevennet:model=7net-mf-0,modal=PBE")


def run_hop(name: str, calc_spec: str, members: list[str]) -> dict:
    host, mechanism, kw, matrix = HOPS[name]
    if matrix is not None:
        host = make_supercell(AseAtomsAdaptor.get_atoms(load_bulk(host)), matrix)
    calc = get_calculator(calc_spec)
    start = time.perf_counter()
    case = prepare_bulk_hop(host, calc, species="Li", mechanism=mechanism, **kw)
    images, neb = hop_band(case, calc, n_images=3, fmax=0.05)
    initial, saddle, final = band_states(images, neb)
    pre = hop_prefactors(case, initial, saddle, final, neb, calc, phonons=False)
    row = {"atoms": len(case.initial), "label": case.label,
           "barriers": {calc_spec: neb.barrier_forward_eV}, "seconds": {},
           "ml_seconds": time.perf_counter() - start}
    for spec in members:
        t = time.perf_counter()
        inputs = {"name": name, "hop": case, "band": NEBProduct(neb, initial, saddle, final),
                  "prefactors": pre, "temperatures_K": [300.0]}
        rec = reevaluate(evaluate_migration, inputs, get_calculator(spec),
                         only=BAND_POINTS).record
        row["barriers"][spec] = rec.neb.barrier_forward_eV
        row["seconds"][spec] = time.perf_counter() - t
        print(f"  {name} {spec}: {rec.neb.barrier_forward_eV:.3f} eV "
              f"({row['seconds'][spec]:.0f} s)", flush=True)
    return row


def table(rows: dict, calc: str, dft: str, members: list[str]) -> str:
    ml = [calc] + [m for m in members if m != dft]
    head = ["hop", "atoms", f"E_m {dft.split(':')[0]} (eV)"] + \
        [f"{m} (Δ vs DFT)" for m in ml] + ["DFT s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, r in rows.items():
        ref = r["barriers"].get(dft)
        cells = [name, str(r["atoms"]), "—" if ref is None else f"{ref:.3f}"]
        for m in ml:
            v = r["barriers"].get(m)
            cells.append("—" if v is None else f"{v:.3f}" if ref is None
                         else f"{v:.3f} ({v - ref:+.3f})")
        cells.append(f"{r['seconds'].get(dft, float('nan')):.0f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--calc", default="sevennet")
    p.add_argument("--dft", default="gpaw:ecut_eV=500,kpt_density=2.5,occupations=fermi-dirac")
    p.add_argument("--no-committee", action="store_true")
    p.add_argument("--hops", nargs="+", default=list(HOPS), choices=list(HOPS))
    p.add_argument("--out", help="write the table (markdown) here as well")
    args = p.parse_args(argv)
    members = ([] if args.no_committee else list(COMMITTEE)) + [args.dft]
    rows = {}
    for name in args.hops:
        print(f"{name}: NEB with {args.calc}", flush=True)
        rows[name] = run_hop(name, args.calc, members)
    text = (f"machine: {platform.machine()}, {os.cpu_count()} cores, serial GPAW; "
            f"Li hops with {args.calc} (NEB, 3 images, fmax 0.05 eV/Å) in the cells below; "
            f"every other calculator: single points at its relaxed end points and highest "
            f"image\n\n" + table(rows, args.calc, args.dft, members))
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
