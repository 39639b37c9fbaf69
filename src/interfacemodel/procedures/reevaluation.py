"""Another calculator's energies at a pipeline's named structures: single points, and the DFT
check's short relaxation where its forces there disagree.

The committee, the other functionals and the DFT check all come through here: each takes
single points at the points (:class:`~interfacemodel.analysis.points.Point`) the main
pipeline's geometry steps published, and the pipeline's own evaluation turns them into its
record (:mod:`interfacemodel.flows.reevaluation`). Nothing here knows a pipeline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..analysis.committee import ShortRelaxation
from ..analysis.points import Point, Reevaluation, points_of
from ..calculators import calculator_provenance
from ..run.relax import EnergyRecord, relax, single_point


@dataclass
class PointEnergies:
    """A calculator's energy records at named points; with a short relaxation, its largest
    free-atom force at each relaxed point (eV/Å), the records after relaxing those above the
    threshold (``relaxed``) and a summary per relaxed point."""

    energies: dict[str, EnergyRecord]
    forces_eV_per_A: dict[str, float] | None = None
    relaxed: dict[str, EnergyRecord] = field(default_factory=dict)
    relaxation: dict[str, dict[str, Any]] = field(default_factory=dict)


def point_energies(calc, points: Mapping[str, Point], names: Iterable[str] | None = None,
                   short: ShortRelaxation | None = None, workdir: str | Path | None = None,
                   progress: Callable[[str], None] | None = None) -> PointEnergies:
    """Single points of ``calc`` at ``points`` (only ``names`` when given). With ``short``:
    the forces too, and each relaxed point whose largest free-atom force exceeds
    ``short.above_eV_per_A`` is relaxed with ``calc`` for at most ``short.steps`` steps
    towards ``short.fmax_eV_per_A`` (checkpointed under ``workdir``, resumed when run
    again), right after its single point, while the calculator holds its converged SCF."""
    chosen = list(points) if names is None else [n for n in points if n in set(names)]
    out = PointEnergies({}, {} if short is not None else None)
    for name in chosen:
        point = points[name]
        if progress:
            progress(f"single point {name} ({len(point.atoms)} atoms)")
        check = short is not None and point.relaxed
        rec = single_point(point.atoms, calc, name, forces=check)
        out.energies[name] = rec
        if not check:
            continue
        out.forces_eV_per_A[name] = float(rec.fmax_reached_eV_per_A)
        if rec.fmax_reached_eV_per_A > short.above_eV_per_A:
            ckpt = None if workdir is None else Path(workdir) / f"short-relax-{_slug(name)}"
            _, after = relax(point.atoms, calc, fmax=short.fmax_eV_per_A, steps=short.steps,
                             checkpoint=ckpt, label=f"{name} (short relaxation)")
            out.relaxed[name] = after
            out.relaxation[name] = {
                "steps": after.steps, "converged": after.converged,
                "fmax_before_eV_per_A": float(rec.fmax_reached_eV_per_A),
                "fmax_after_eV_per_A": after.fmax_reached_eV_per_A,
                "energy_change_eV": after.energy_eV - rec.energy_eV}
    return out


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def reevaluate(evaluate: Callable[..., Any], inputs: Mapping[str, Any], calc, *,
               short: ShortRelaxation | None = None, only: Iterable[str] | None = None,
               workdir: str | Path | None = None, label: str = "",
               progress: Callable[[str], None] | None = None) -> Reevaluation:
    """A pipeline's record as ``calc`` gives it at the points of its join's ``inputs``: its
    single points there (``only``: those named), then the pipeline's pure ``evaluate``
    (the one the main pipeline's join calls with its own energies) on them; with ``short``
    (the DFT check) also the record after its short relaxation of the relaxed points where
    its forces disagree."""
    points = points_of(inputs)
    got = point_energies(calc, points, only, short, workdir, progress)
    provenance = calculator_provenance(calc)
    record = evaluate(got.energies, provenance, **inputs)
    relaxed = None
    name = label or provenance.get("label") or provenance.get("name") or "this calculator"
    notes = [f"single points of {name} at the main model's structures"]
    if got.relaxed:
        relaxed = evaluate({**got.energies, **got.relaxed}, provenance,
                           allow_unconverged=True, **inputs)
        notes.append(f"relaxed with {name} for at most {short.steps} steps (forces above "
                     f"{short.above_eV_per_A} eV/Å): " + "; ".join(
                         f"{k} {v['fmax_before_eV_per_A']:.3f} → {v['fmax_after_eV_per_A']:.3f} "
                         f"eV/Å in {v['steps']} steps, ΔE {v['energy_change_eV']:+.3f} eV"
                         for k, v in got.relaxation.items()))
    elif short is not None and got.forces_eV_per_A:
        notes.append(f"largest force at the main model's geometries "
                     f"{max(got.forces_eV_per_A.values()):.3f} eV/Å ≤ {short.above_eV_per_A} "
                     f"eV/Å: no relaxation")
    return Reevaluation(record, provenance, got.forces_eV_per_A, got.relaxation or None,
                        relaxed, notes)
