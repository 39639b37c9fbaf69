"""Benchmark: building the named systems through interfacemodel vs. pymatgen directly.

Run by hand:  .venv/bin/python bench/build.py [--repeats 3]
For each named system (first orientation) and for Li(100)/LLZO(100) at max area 300, 600 and
1200 Å², times (a) interfacemodel: enumerate_matches + choose + build_interfaces for every
termination (slab models, automatic gap) and (b) the raw library route for the same input:
one CoherentInterfaceBuilder with the same ZSLGenerator, restricted to the same match, and
get_interfaces for every termination. Prints a Markdown table with the overhead in %.
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import sys
import time
import warnings

from interfacemodel.models.interfaces import build_interfaces
from interfacemodel.models.matching import enumerate_matches
from interfacemodel.models.slabs import atomic_planes_per_unit_plane, parse_miller
from interfacemodel.models.systems import SYSTEMS, choose_match
from interfacemodel.structures import load_bulk


def ours(film, sub, fm, sm, max_area, max_strain, film_layers, sub_layers):
    matches = enumerate_matches(film, sub, fm, sm, max_area_A2=max_area)
    match = choose_match(matches, max_strain)
    models = build_interfaces(film, sub, fm, sm, match=match, film_layers=film_layers,
                              substrate_layers=sub_layers)
    return match, models


def raw(film, sub, fm, sm, max_area, match, film_layers, sub_layers):
    from pymatgen.analysis.interfaces import CoherentInterfaceBuilder, ZSLGenerator

    fs, ss = load_bulk(film), load_bulk(sub)
    fm, sm = parse_miller(fm), parse_miller(sm)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cib = CoherentInterfaceBuilder(
            substrate_structure=ss, film_structure=fs, film_miller=fm, substrate_miller=sm,
            zslgen=ZSLGenerator(max_area=max_area, max_length_tol=0.05, max_angle_tol=0.05,
                                max_area_ratio_tol=0.09), label_index=True)
        # the same coincidence cell as interfacemodel chose
        cib.zsl_matches = [z for z in cib.zsl_matches
                           if abs(z.match_area - match.film_area_A2) < 1e-6][:1]
        planes_f = math.ceil(film_layers / atomic_planes_per_unit_plane(fs, fm))
        planes_s = math.ceil(sub_layers / atomic_planes_per_unit_plane(ss, sm))
        return [next(iter(cib.get_interfaces(t, gap=2.0, vacuum_over_film=15.0,
                                              film_thickness=planes_f,
                                              substrate_thickness=planes_s, in_layers=True)))
                for t in cib.terminations]


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    cases = [(r.name, r.film, r.substrate, *r.orientations[0], r.max_area_A2, r.max_strain,
              r.film_layers, r.substrate_layers) for r in SYSTEMS.values()]
    cases += [(f"li-llzo @{a} Å²", "Li", "LLZO", "100", "100", a, 0.04, 6, 20)
              for a in (300.0, 600.0, 1200.0)]
    ours("Li", "LiF", "100", "100", 100.0, 0.04, 6, 6)  # warm-up: imports and caches
    print("| system | models | atoms | interfacemodel (s) | pymatgen direct (s) | overhead |")
    print("|---|---|---|---|---|---|")
    for name, film, sub, fm, sm, area, strain, fl, sl in cases:
        t_ours, (match, models) = timed(lambda: ours(film, sub, fm, sm, area, strain, fl, sl),
                                        args.repeats)
        t_raw, raws = timed(lambda: raw(film, sub, fm, sm, area, match, fl, sl), args.repeats)
        assert len(raws) == len(models), (name, len(raws), len(models))
        print(f"| {name} | {len(models)} | {len(models[0].atoms)} | {t_ours:.2f} | {t_raw:.2f} | "
              f"{100 * (t_ours / t_raw - 1):+.0f} % |", flush=True)
    print(f"\nmachine: {platform.node()}, {platform.machine()}, python {sys.version.split()[0]}; "
          f"median of {args.repeats}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
