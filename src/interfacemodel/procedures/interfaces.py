"""The calculator work of an interface's energetics: bulk references relaxed, the interface built from them, placed (registry and interlayer scan) and relaxed, its parts cleaved and relaxed alone, free-surface slabs relaxed, the competing phases of the reaction with Li relaxed. Each function takes a calculator; the numbers made from the energies are :mod:`interfacemodel.analysis.interface_energetics`'s."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
from ase.build import make_supercell
from pymatgen.io.ase import AseAtomsAdaptor

from ..analysis.convergence import converge_with_thickness
from ..analysis.energetics import BulkReference, surface_energy
from ..analysis.interface_energetics import (
    BUILD_KEYS,
    EnergeticsSettings,
    Progress,
    check_orientation,
)
from ..analysis.interface_geometry import AdhesionParts, InterfaceProduct, SurfacesProduct, cleave
from ..errors import UserInputError
from ..models.registry import scan_registry
from ..models.slabs import make_slabs
from ..models.systems import build_system, system_recipe
from ..run.bulk import relax_bulk, relax_bulk_many
from ..run.relax import DEFAULT_OPTIMIZER, EnergyRecord, relax, single_point
from ..structures import load_bulk


def _crystal_atoms(phase):
    from pymatgen.core import Structure
    from pymatgen.io.ase import AseAtomsAdaptor

    if isinstance(phase, str):
        return load_bulk(phase, as_atoms=True)
    if isinstance(phase, Structure):
        return AseAtomsAdaptor.get_atoms(phase)
    return phase


def bulk_reference(phase, calc, fmax: float = 0.01, steps: int = 300):
    """Relax a bulk crystal (catalogue name, Structure or Atoms) with ``calc``; returns
    ``(relaxed_atoms, BulkReference, RelaxRecord)``."""
    relaxed, rec = relax_bulk(_crystal_atoms(phase), calc, fmax=fmax, steps=steps)
    ref = BulkReference.from_energy(relaxed, rec.energy_eV, rec.calculator, rec.converged)
    return relaxed, ref, rec


def bulk_references(phases, calc, fmax: float = 0.01, steps: int = 300, batch="auto",
                    batch_max_edges: int | None = None):
    """:func:`bulk_reference` of several crystals, relaxed in lockstep
    (:func:`~interfacemodel.run.bulk.relax_bulk_many`: one batched model call per optimiser
    step for SevenNet/CHGNet, one crystal after the other for other calculators); returns
    one ``(relaxed_atoms, BulkReference, RelaxRecord)`` per phase, in order."""
    crystals = [_crystal_atoms(p) for p in phases]
    out = []
    for relaxed, rec in relax_bulk_many(crystals, calc, fmax=fmax, steps=steps, batch=batch,
                                        batch_max_edges=batch_max_edges):
        ref = BulkReference.from_energy(relaxed, rec.energy_eV, rec.calculator, rec.converged)
        out.append((relaxed, ref, rec))
    return out


def _step_relax(atoms, calc, settings: EnergeticsSettings, label: str, workdir: Path | None,
                records: dict, progress: Progress | None, relax_normal_cell: bool = False):
    if progress:
        progress(f"relax {label} ({len(atoms)} atoms)")
    ckpt = None if workdir is None else workdir / label
    relaxed, rec = relax(atoms, calc, fmax=settings.fmax, steps=settings.steps,
                         optimizer=settings.optimizer, relax_normal_cell=relax_normal_cell,
                         checkpoint=ckpt, label=label)
    records[label] = rec
    return relaxed, rec


def place_interface(system: str, calc, settings: EnergeticsSettings, film_bulk, substrate_bulk,
                    fix_substrate_layers: int | None = None, progress: Progress | None = None):
    """Build the interface of ``system`` from the relaxed crystals (orientation and termination
    from ``settings``) and place it by a registry/interlayer scan when ``settings.scan_grid``
    is set. Returns ``(InterfaceModel, registry summary or None)``."""
    recipe = check_orientation(system, settings)
    if fix_substrate_layers is None:
        fix_substrate_layers = settings.fix_substrate_layers
    overrides: dict[str, Any] = {"orientations": [recipe.orientations[settings.orientation]],
                                 "film_bulk": film_bulk, "substrate_bulk": substrate_bulk}
    if settings.film_layers is not None:
        overrides["film_layers"] = settings.film_layers
    if settings.substrate_layers is not None:
        overrides["substrate_layers"] = settings.substrate_layers
    if settings.kind == "periodic":
        overrides["fix_substrate_layers"] = 0  # no free surface to anchor: nothing fixed
    if fix_substrate_layers is not None:
        overrides["fix_substrate_layers"] = fix_substrate_layers
    unknown = sorted(set(settings.build or {}) - set(BUILD_KEYS))
    if unknown:
        raise UserInputError(f"build override {unknown[0]!r}; accepted: {', '.join(BUILD_KEYS)}")
    overrides.update(settings.build or {})
    models = build_system(system, kind=settings.kind, **overrides)
    if not 0 <= settings.termination < len(models):
        raise UserInputError(f"termination {settings.termination} out of range: "
                             f"{len(models)} for {system} orientation {settings.orientation}")
    model = models[settings.termination]
    registry = None
    if settings.scan_grid is not None:
        if progress:
            progress(f"registry scan {settings.scan_grid[0]}x{settings.scan_grid[1]} + gaps")
        scan = scan_registry(model, calc, grid=settings.scan_grid)
        model = scan.best
        gaps = [p.gap_A for p in scan.points]
        registry = {"best_shift_frac": list(model.in_plane_shift_frac), "best_gap_A": model.gap_A,
                    "points": scan.evaluations, "grid": list(settings.scan_grid),
                    "spread_J_per_m2": max(p.relative_energy_J_per_m2 for p in scan.points),
                    "gap_range_A": [min(gaps), max(gaps)], "notes": []}
        if model.gap_A >= max(gaps) - 1e-9:
            registry["notes"].append(
                f"the registry scan's best gap is the largest it tried ({model.gap_A:.2f} Å): "
                f"the parts repel at every gap scanned, so this interface barely binds "
                f"(expect W_adh near 0); another orientation may bind")
    return model, registry


def relax_interface(atoms, label: str, calc, settings: EnergeticsSettings,
                    workdir: str | Path | None = None, progress: Progress | None = None):
    """Relax an interface model's atoms (positions; the cell normal too for periodic models).
    Returns ``(relaxed atoms, EnergyRecord)``; checkpoints in ``workdir/label``."""
    workdir = Path(workdir) if workdir is not None else None
    records: dict[str, EnergyRecord] = {}
    relaxed, rec = _step_relax(atoms, calc, settings, label, workdir, records, progress,
                               relax_normal_cell=settings.kind == "periodic")
    return relaxed, rec


def relax_from_gaps(model, calc, settings: EnergeticsSettings,
                    workdir: str | Path | None = None, progress: Progress | None = None):
    """:func:`relax_interface` of ``model`` (an InterfaceModel) from its own gap and from
    each of ``settings.start_gaps_A`` (the same registry); the lowest relaxed energy wins
    (among the converged starts when any converged). Returns ``(model of the winning start,
    relaxed atoms, EnergyRecord, starts)``; ``starts``: per start its gap (Å), relaxed energy
    (eV), convergence and whether it was kept."""
    gaps = [model.gap_A] + [float(g) for g in settings.start_gaps_A or []
                            if abs(float(g) - model.gap_A) > 0.05]
    runs = []
    for k, gap in enumerate(gaps):
        start = model if k == 0 else model.with_registry(gap_A=gap)
        label = model.label if k == 0 else f"{model.label}-gap{gap:.2f}"
        if progress and len(gaps) > 1:
            progress(f"start {k + 1}/{len(gaps)}: gap {gap:.2f} Å")
        relaxed, rec = relax_interface(start.atoms, label, calc, settings, workdir, progress)
        runs.append((start, relaxed, rec))
    pool = [k for k, r in enumerate(runs) if r[2].converged] or list(range(len(runs)))
    best = min(pool, key=lambda k: runs[k][2].energy_eV)
    starts = [{"gap_A": float(m.gap_A), "energy_eV": float(rec.energy_eV),
               "converged": bool(rec.converged), "kept": k == best}
              for k, (m, _, rec) in enumerate(runs)]
    return (*runs[best], starts)


def strained_film(film_bulk, match, calc, fmax: float = 0.01, steps: int = 300,
                  workdir: str | Path | None = None, progress: Progress | None = None):
    """The film crystal under the strain the lattice match puts on it: the supercell of the
    relaxed ``film_bulk`` whose in-plane vectors are the match's film supercell vectors (plus
    the shortest lattice vector out of the plane), turned so that the plane is xy, its
    in-plane lattice deformed onto the substrate's supercell (the film's in-plane lattice in
    the interface), then the cell's normal length and the positions relaxed with ``calc``
    (the in-plane lattice held; the out-of-plane vector's shear is not relaxed, which is
    exact where the strain keeps the film's mirror planes). Returns ``(atoms,
    EnergyRecord)``; checkpointed under ``workdir``."""
    prim = AseAtomsAdaptor.get_atoms(
        AseAtomsAdaptor.get_structure(film_bulk).get_primitive_structure())
    basis = prim.cell.array
    inplane = np.linalg.solve(basis.T, np.asarray(match.film_sl_vectors_A, float).T).T
    rows = np.rint(inplane)
    if np.abs(inplane - rows).max() > 1e-3:
        raise UserInputError(f"the match's film vectors are not lattice vectors of "
                             f"{film_bulk.get_chemical_formula()} (off by "
                             f"{np.abs(inplane - rows).max():.2g}): no strained film crystal")
    third = min((n for n in itertools.product(range(-2, 3), repeat=3)
                 if abs(np.linalg.det(np.vstack([rows, n]))) > 0.5),
                key=lambda n: (round(abs(np.linalg.det(np.vstack([rows, n])))),
                               float(np.linalg.norm(np.asarray(n) @ basis))))
    matrix = np.vstack([rows, third]).astype(int)
    if np.linalg.det(matrix) < 0:
        matrix[2] *= -1
    atoms = make_supercell(prim, matrix)
    v1, v2 = atoms.cell[0], atoms.cell[1]
    e1 = v1 / np.linalg.norm(v1)
    normal = np.cross(v1, v2) / np.linalg.norm(np.cross(v1, v2))
    atoms.set_cell(atoms.cell.array @ np.array([e1, np.cross(normal, e1), normal]).T,
                   scale_atoms=True)  # the plane is xy, the normal z
    s1, s2 = (np.asarray(v, float) for v in match.substrate_sl_vectors_A)
    length = np.linalg.norm(s1)
    target = np.array([[length, 0, 0],
                       [s1 @ s2 / length, np.linalg.norm(np.cross(s1, s2)) / length, 0],
                       [0, 0, 1]])
    cell = atoms.cell.array
    deform = target.T @ np.linalg.inv(np.array([cell[0], cell[1], [0, 0, 1]]).T)
    atoms.set_cell(cell @ deform.T, scale_atoms=True)
    if progress:
        progress(f"relax the film crystal at the match's in-plane lattice ({len(atoms)} atoms)")
    ckpt = None if workdir is None else Path(workdir) / "film-strained"
    return relax(atoms, calc, fmax=fmax, steps=steps, relax_normal_cell=True, checkpoint=ckpt,
                 label="film crystal, strained as in the interface")


def interface_model(system: str, calc, settings: EnergeticsSettings, film_bulk, substrate_bulk,
                    workdir: str | Path | None = None, progress: Progress | None = None
                    ) -> tuple[InterfaceProduct, Any]:
    """The interface of ``system`` built from the relaxed crystals, placed (registry and
    interlayer scan, or relaxed from several gaps) and relaxed (checkpointed under
    ``workdir``): the product that publishes it, and the model as built (unrelaxed)."""
    recipe = system_recipe(system)
    model, registry = place_interface(recipe.name, calc, settings, film_bulk, substrate_bulk,
                                      progress=progress)
    if settings.start_gaps_A:
        model, relaxed, rec, starts = relax_from_gaps(model, calc, settings, workdir, progress)
        registry = dict(registry or {"notes": []})
        registry["starts"] = starts
        gaps = ", ".join(f"{x['gap_A']:.2f}" for x in starts)
        spread = max(x["energy_eV"] for x in starts) - rec.energy_eV
        registry["notes"] = list(registry.get("notes", [])) + [
            f"relaxed from {len(starts)} gaps ({gaps} Å); kept the start at {model.gap_A:.2f} "
            f"Å, the others end up to {spread:.3f} eV higher"]
    else:
        relaxed, rec = relax_interface(model.atoms, model.label, calc, settings, workdir,
                                       progress)
    strained, strained_rec = strained_film(film_bulk, model.match, calc, settings.bulk_fmax,
                                           workdir=workdir, progress=progress)
    product = InterfaceProduct(recipe.name, model.metadata(), registry, relaxed, rec,
                               model.n_interfaces, list(model.film_miller),
                               list(model.substrate_miller), model.film_layers,
                               model.substrate_layers, film_strained=strained,
                               film_strained_record=strained_rec)
    return product, model.atoms


def adhesion_parts(relaxed, interface_record: EnergyRecord, calc,
                   settings: EnergeticsSettings, workdir: str | Path | None = None,
                   progress: Progress | None = None) -> AdhesionParts:
    """Cleave the relaxed interface: single points of the rigid parts (for W_adh ideal) and
    each part relaxed alone (for W_adh relaxed and γ of the parts); the numbers are
    :func:`~interfacemodel.analysis.interface_energetics.evaluate_energetics`'s."""
    workdir = Path(workdir) if workdir is not None else None
    label = interface_record.label
    records: dict[str, EnergyRecord] = {}
    film, sub = cleave(relaxed)
    rec_f0 = single_point(film, calc, f"{label}:film-cleaved")
    rec_s0 = single_point(sub, calc, f"{label}:substrate-cleaved")
    film_r, rec_f = _step_relax(film, calc, settings, f"{label}:film-relaxed", workdir,
                                records, progress)
    sub_r, rec_s = _step_relax(sub, calc, settings, f"{label}:substrate-relaxed", workdir,
                               records, progress)
    return AdhesionParts(
        structures={"film-cleaved": film, "substrate-cleaved": sub, "film-relaxed": film_r,
                    "substrate-relaxed": sub_r},
        records={"film-cleaved": rec_f0, "substrate-cleaved": rec_s0, "film-relaxed": rec_f,
                 "substrate-relaxed": rec_s})


def free_surface_slabs(faces, calc, settings: EnergeticsSettings,
                       workdir: str | Path | None = None,
                       progress: Progress | None = None) -> SurfacesProduct:
    """Relaxed symmetric slabs of each face: ``faces`` is a sequence of (relaxed bulk atoms,
    its formula, Miller string, layers). Up to ``settings.max_surface_terminations``
    terminations per face, tagged '<formula>(<hkl>)-t<termination>-<top layer>'; their
    γ is :func:`~interfacemodel.analysis.interface_energetics.evaluate_energetics`'s."""
    workdir = Path(workdir) if workdir is not None else None
    product = SurfacesProduct()
    records: dict[str, EnergyRecord] = {}
    for bulk_atoms, formula, miller, layers in faces:
        slabs = make_slabs(bulk_atoms, miller, layers=layers)
        for slab in slabs[: settings.max_surface_terminations]:
            tag = f"{formula}({''.join(map(str, miller))})-t{slab.termination_index}" \
                  f"-{slab.top_layer}"
            product.slabs[tag], product.records[tag] = _step_relax(
                slab.atoms, calc, settings, f"slab:{tag}", workdir, records, progress)
    return product


def surface_energy_convergence(bulk, miller, calc, layers=(3, 5, 7, 9, 11),
                               tolerance_J_per_m2: float = 0.01, termination: int = 0,
                               fmax: float = 0.02, optimizer: str = DEFAULT_OPTIMIZER,
                               mu_eV: dict[str, float] | None = None, progress=None):
    """γ(hkl, termination) of relaxed symmetric slabs of increasing thickness until two
    successive values differ by less than ``tolerance_J_per_m2`` (a
    :class:`~interfacemodel.analysis.convergence.ConvergenceRecord`). ``bulk``: catalogue name,
    Structure or Atoms, relaxed first with ``calc`` (its energy is the reference)."""
    bulk_atoms, ref, _ = bulk_reference(bulk, calc)

    def gamma(n: int) -> float:
        slabs = make_slabs(bulk_atoms, miller, layers=n)
        if not 0 <= termination < len(slabs):
            raise UserInputError(f"termination {termination} out of range: {len(slabs)}")
        _, rec = relax(slabs[termination].atoms, calc, fmax=fmax, optimizer=optimizer)
        return surface_energy(rec, ref, mu_eV).gamma_J_per_m2

    return converge_with_thickness(gamma, layers, tolerance_J_per_m2, quantity="γ",
                                   progress=progress)
