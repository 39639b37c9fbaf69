"""Vineyard attempt frequency against the size of the partial Hessian: the quick preset's
coating hops (the Li vacancy in Li2Se and LiF, Li along MgF2's c channel) with the ML
potential, one NEB each, then `hop_prefactors` with the hopping atom's neighbourhood cut at
several radii (`phonon_cutoff_A`, the barrier setting of the same name).

Run by hand:  .venv/bin/python bench/phonon_cutoff.py [--calc sevennet]
              [--cutoffs 3.5 3.0 2.5] [--hops li2se-vacancy ...] [--out F.md]

What it answers: how small a neighbourhood keeps ν* (and the saddle's single imaginary
mode), and what each costs — the quick preset's 20-minute budget did not hold the default
3.5 Å for these three hops (53, 140 and 91 s), so it used the 1e13 Hz fallback for them.
ν in Hz; time in s (the partial Hessians only, the NEB is shared).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

from interfacemodel.calculators import get_calculator
from interfacemodel.procedures.hops import prepare_bulk_hop
from interfacemodel.procedures.migration import band_states, hop_band, hop_prefactors

#: the quick preset's entries (workflows/coating_comparison_quick.yaml)
HOPS = {
    "li2se-vacancy": ("Li2Se", "vacancy", {}),
    "lif-vacancy": ("LiF", "vacancy", {}),
    "mgf2-interstitial": ("MgF2", "interstitial", {"sites_frac": [[0, 0.5, 0]]}),
}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--calc", default="sevennet")
    p.add_argument("--cutoffs", nargs="+", type=float, default=[3.5, 3.0, 2.5])
    p.add_argument("--hops", nargs="+", default=list(HOPS), choices=list(HOPS))
    p.add_argument("--out", help="write the table (markdown) here as well")
    args = p.parse_args(argv)
    calc = get_calculator(args.calc)
    rows = []
    for name in args.hops:
        host, mechanism, kw = HOPS[name]
        case = prepare_bulk_hop(host, calc, species="Li", mechanism=mechanism, **kw)
        images, neb = hop_band(case, calc, n_images=3, fmax=0.05)
        states = band_states(images, neb)
        for cutoff in args.cutoffs:
            start = time.perf_counter()
            pre = hop_prefactors(case, *states, neb, calc, phonons=True,
                                 phonon_cutoff_A=cutoff)
            wall = time.perf_counter() - start
            nu = "—" if pre.nu_Hz is None else f"{pre.nu_Hz:.3g}"
            rows.append([name, str(len(case.initial)), f"{neb.barrier_forward_eV:.3f}",
                         f"{cutoff:.1f}", nu, str(pre.saddle_imaginary_modes),
                         f"{wall:.0f}", pre.nu_note[:90]])
            print(" | ".join(rows[-1]), flush=True)
    head = ["hop", "atoms", "E_m (eV)", "cutoff (Å)", "ν* (Hz)", "imaginary modes at saddle",
            "time (s)", "how ν* was formed"]
    text = "\n".join([f"machine: {platform.machine()}, {os.cpu_count()} cores; {args.calc}; "
                      f"NEB 3 images, fmax 0.05 eV/Å; partial Hessian of the hopping atom and "
                      f"its neighbours within the cutoff", "",
                      "| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
                     + ["| " + " | ".join(r) + " |" for r in rows])
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
