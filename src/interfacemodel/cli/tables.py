"""What the commands print: tables and their rows on stdout, one-line messages on stderr."""

from __future__ import annotations

import sys


def err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def fmt(value, spec: str = ".3f") -> str:
    return "-" if value is None else format(value, spec)


def compact(v) -> str:
    """A result value in a few characters: floats to 4 significant digits, dicts inline."""
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {compact(x)}" for k, x in v.items()) + "}"
    return str(v)


def print_table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip(), flush=True)


BULK_HEADER = ["phase", "calculator", "relaxed (Å)", "reference (Å)", "diff (%)", "B (GPa)",
               "E (eV/atom)", "converged"]


def bulk_row(res) -> list[str]:
    keys = list(res.reference_lattice_A)
    calc = res.lattice_A
    ref = res.reference_lattice_A
    return [
        res.phase,
        res.calculator["label"],
        " ".join(f"{k}={calc[k]:.4f}" for k in keys),
        " ".join(f"{k}={ref[k]:.4f}" for k in keys),
        " ".join(f"{res.lattice_error_percent[k]:+.2f}" for k in keys),
        fmt(res.B_GPa, ".1f"),
        f"{res.energy_per_atom_eV:.4f}",
        "yes" if res.converged else "NO",
    ]


MATCH_HEADER = ["#", "area (Å²)", "film (Å²)", "substrate (Å²)", "strained", "max strain (%)",
                "von Mises (%)", "E_xx E_yy E_xy (%)"]


def match_row(i: int, m) -> list[str]:
    return [str(i), f"{m.area_A2:.1f}", f"{m.film_area_A2:.1f}", f"{m.substrate_area_A2:.1f}",
            m.strained, f"{100 * m.max_abs_strain:.2f}", f"{100 * m.von_mises_strain:.2f}",
            " ".join(f"{100 * e:+.2f}" for e in (m.strain_2d[0][0], m.strain_2d[1][1],
                                                  m.strain_2d[0][1]))]


DIFFUSIVITY_HEADER = ["T (K)", "D (cm²/s)", "hop rate (1/s)", "c_defect", "σ (S/cm)"]


def diffusivity_row(d) -> list[str]:
    return [f"{d.T_K:g}", f"{d.D_cm2_per_s:.3e}", f"{d.hop_rate_per_s:.3e}",
            f"{d.defect_fraction:.2e}",
            "-" if d.conductivity_S_per_cm is None else f"{d.conductivity_S_per_cm:.2e}"]


def print_migration(res) -> None:
    """The record of ``interfacemodel barrier``: a header line, a quantity table, notes."""
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
        defect = "interstitial" if res.mechanism == "interstitialcy" else \
            res.mechanism.split()[-1]
        rows.append([f"{defect} formation",
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
    print_table(rows, ["quantity", "value", "note"])
    for note in res.notes:
        print(f"note: {note}")
