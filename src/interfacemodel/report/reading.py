"""What the interface numbers say, in words made from the numbers themselves: whether Li binds
beyond the committee's spread, what a negative interface energy means, what relaxing from
several starting gaps found, and how the computed interface energy stands beside a
literature value. One list of sentences per report row (coatings and references alike).

Sign conventions as everywhere in the report: W_adh > 0 is bound (J/m²); γ_int = γ_film +
γ_coating − W_adh (J/m², the parts as cut), which a contact between two stable, unreacting
materials keeps ≥ 0.
"""

from __future__ import annotations

from typing import Any

from ..analysis import experiment as exp
from .formatting import format_number

W = "w_adh_relaxed_J_per_m2"
GAMMA = "gamma_int_J_per_m2"


def _number(vmap: dict, name: str) -> tuple[float, float | None] | None:
    item = vmap.get(name)
    if item is None or isinstance(item["value"], bool) \
            or not isinstance(item["value"], (int, float)):
        return None
    return float(item["value"]), item.get("spread")


def _pm(name: str, value: float, spread: float | None) -> str:
    text = format_number(name, value)
    return f"{text} ± {format_number(name, spread)}" if spread is not None else text


def binding(vmap: dict) -> str | None:
    """Whether Li binds to the coating: W_adh relaxed against zero and its spread."""
    got = _number(vmap, W)
    if got is None:
        return None
    w, s = got
    text = f"W_adh relaxed {_pm(W, w, s)} J/m²"
    if w <= 0:
        return f"Li does not bind here: {text} ≤ 0, the film is better off away from the coating."
    if s is not None and w - s <= 0:
        return (f"Li binds in the campaign's calculator ({text}), but not beyond the "
                f"committee's spread: whether it binds at all is not settled by these models.")
    return f"Li binds to the coating: {text}" + (
        ", above zero by more than the committee's spread." if s is not None else ".")


def negative_interface_energy(vmap: dict) -> str | None:
    """A γ_int below zero: more than adhesion (W_adh exceeds both parts' surface energies)."""
    got = _number(vmap, GAMMA)
    if got is None or got[0] >= 0:
        return None
    g, s = got
    text = (f"γ_int {_pm(GAMMA, g, s)} J/m² < 0: W_adh exceeds the surface energies of the two "
            f"parts together, which a contact between two stable, unreacting materials cannot. "
            f"Something beyond adhesion forms here — charge transfer or a reaction at the "
            f"contact, or Li metal screening the dipole of a polar face — and W_adh measures "
            f"that, not the adhesion of a non-polar contact")
    if s is not None and g + s >= 0:
        text += "; the committee's spread reaches zero"
    return text + "."


def starts(energetics: Any) -> str | None:
    """What relaxing from several starting gaps found (the registry record's ``starts``)."""
    registry = (energetics.get("registry") if isinstance(energetics, dict)
                else getattr(energetics, "registry", None)) or {}
    runs = registry.get("starts") or []
    if len(runs) < 2:
        return None
    kept = next((r for r in runs if r.get("kept")), None)
    if kept is None:
        return None
    first = runs[0]  # the rigid scan's optimum (interface_energetics.relax_from_gaps)
    gaps = ", ".join(f"{r['gap_A']:.2f}" for r in runs)
    top = max(r["energy_eV"] for r in runs) - kept["energy_eV"]
    lowest = kept["energy_eV"] <= min(r["energy_eV"] for r in runs)
    text = (f"Relaxed from {len(runs)} starting gaps ({gaps} Å, the first the rigid registry "
            f"scan's optimum): the start at {kept['gap_A']:.2f} Å "
            + ("ended lowest" if lowest else "was kept, the lowest of the converged starts"))
    if kept is first:
        return text + (f", the others up to {top:.3f} eV higher." if top > 0 else ".")
    above = first["energy_eV"] - kept["energy_eV"]
    return (text + f", {above:.3f} eV below the relaxation from the scan's optimum: relaxed "
            f"from that optimum alone, the model would have stopped in a state {above:.3f} eV "
            f"higher and every number above would rest on it.")


def beside_literature(coating: str, vmap: dict) -> list[str]:
    """The computed interface numbers beside a literature or measured value in J/m²."""
    lines = []
    for m in exp.measurements_for(coating):
        if m.compare_with is None or m.coatings[0] != exp.experiment_key(coating) \
                or not isinstance(m.value, (int, float)):
            continue
        got = _number(vmap, m.compare_with)
        if got is None or vmap[m.compare_with].get("unit") != "J/m²":
            continue
        v, s = got
        diff = v - m.value
        sign = "the same sign" if v * m.value > 0 else "the opposite sign"
        size = "" if s is None else (
            f"; they differ by {abs(diff):.3f} J/m², "
            f"{'more' if abs(diff) > s else 'less'} than the committee's spread ({s:.3f})")
        lines.append(f"{m.quantity}: computed {_pm(m.compare_with, v, s)} J/m² against "
                     f"{m.value_text()} ({m.kind}): {sign}{size}.")
    return lines


def reading_lines(coating: str, vmap: dict, energetics: Any = None) -> list[str]:
    """The sentences of one report row (none where it has no interface numbers)."""
    lines = [binding(vmap), negative_interface_energy(vmap), starts(energetics)]
    return [line for line in lines if line] + beside_literature(coating, vmap)
