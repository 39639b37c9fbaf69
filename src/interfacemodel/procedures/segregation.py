"""Segregation of a solute in a film, computed: the solute placed in each host layer of a slab or interface model and relaxed (:func:`solute_segregation`), and a named system's free-surface and interface cells end to end (:func:`mg_segregation`)."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis.points import energies_of, points_of
from ..analysis.segregation import (
    _MAX_REPEAT,
    MIN_HOST_LAYERS,
    MIN_IMAGE_A,
    Progress,
    SegregationCells,
    SegregationResult,
    evaluate_segregation,
)
from ..calculators import calculator_provenance, check_elements
from ..errors import UserInputError
from ..models.alloys import substitute_in_slab
from ..models.point_defects import check_element
from ..models.slabs import (
    _as_structure,
    atomic_planes_per_unit_plane,
    layers_from_top,
    make_slabs,
    parse_miller,
)
from ..models.systems import build_system, system_elements, system_recipe
from ..run.relax import DEFAULT_OPTIMIZER, EnergyRecord, relax
from ..structures import load_bulk
from .interfaces import bulk_reference


@dataclass
class _Site:
    key: str  # 'L0', 'L-1', 'middle'
    layer: int  # host layer index from the top
    depth_A: float  # mean height of the top host layer minus that of this layer
    atoms: Any  # the substituted structure


@dataclass
class _Plan:
    sites: list[_Site]
    n_layers: int
    middle: int
    middle_depth_A: float
    layer_depths_A: list[float]
    notes: list[str]


def _atoms_of(slab):
    atoms = getattr(slab, "atoms", slab)
    if not hasattr(atoms, "get_chemical_symbols"):
        raise UserInputError(f"slab of type {type(slab).__name__} is not an ase.Atoms, SlabModel "
                             f"or InterfaceModel")
    return atoms


def _fixed_mask(atoms) -> np.ndarray:
    from ase.constraints import FixAtoms

    mask = np.zeros(len(atoms), dtype=bool)
    for c in atoms.constraints:
        if isinstance(c, FixAtoms):
            mask[np.asarray(c.index, dtype=int)] = True
    return mask


def host_layers(atoms, host: str) -> list[np.ndarray]:
    """Atomic layers of the ``host`` atoms (film atoms only on an interface model), top
    (largest z) first; each an array of atom indices — the layers
    :func:`~interfacemodel.models.alloys.substitute_in_slab` counts."""
    is_host = np.asarray(atoms.get_chemical_symbols()) == host
    if "interface_side" in atoms.arrays:
        is_host &= np.asarray(atoms.arrays["interface_side"]) == 0
    return layers_from_top(atoms, np.flatnonzero(is_host))


def _check_elements(solute: str, host: str) -> None:
    check_element(solute, "solute")
    check_element(host, "host")
    if solute == host:
        raise UserInputError(f"solute={solute!r} equals host; nothing to substitute")


def _plan(atoms, solute: str, host: str, layers, seed: int = 0) -> _Plan:
    """Validate and build the substituted structures (no calculation)."""
    _check_elements(solute, host)
    found = host_layers(atoms, host)
    n = len(found)
    if n == 0:
        raise UserInputError(f"host={host!r} not in the slab (film atoms)")
    z = atoms.positions[:, 2]
    depths = [float(z[found[0]].mean() - z[m].mean()) for m in found]
    if n < MIN_HOST_LAYERS:
        listed = ", ".join(f"L{k} at {d:.2f} Å" for k, d in enumerate(depths))
        raise UserInputError(
            f"the film has {n} {host} layer{'s' * (n != 1)} ({listed}); segregation needs at "
            f"least {MIN_HOST_LAYERS} (surface, middle, interface): use more film layers")
    fixed = _fixed_mask(atoms)
    free = [k for k in range(n) if not fixed[found[k]].any()]
    inner = [k for k in free if 0 < k < n - 1]
    if not inner:
        raise UserInputError(
            f"no free inner {host} layer to serve as the middle reference: fixed layers "
            f"{[k for k in range(n) if k not in free]} of 0..{n - 1}")
    centre = (n - 1) / 2
    middle = min(inner, key=lambda k: (abs(k - centre), k))
    notes = []
    if middle != math.floor(centre):
        notes.append(f"middle reference moved to {host} layer {middle}: the central layer "
                     f"holds fixed atoms")
    wanted: list[tuple[str, int]] = []
    for k in (range(n) if layers is None else layers):
        if isinstance(k, str) and k == "middle":
            continue
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not -n <= k < n:
            raise UserInputError(f"layer {k!r} out of range: the film has {n} {host} layers "
                                 f"(0 = top .. {n - 1}, or -1 = the last, e.g. at the interface)")
        index = int(k) % n
        if index == middle:
            continue
        if fixed[found[index]].any():
            if layers is None:  # every layer asked for: the fixed ones are left out
                notes.append(f"{host} layer {index} holds fixed atoms: left out")
                continue
            raise UserInputError(f"{host} layer {int(k)} holds fixed atoms: a solute there "
                                 f"would not relax; free that layer or pick another")
        key = f"L{int(k)}" if layers is not None else f"L{index}"
        if key not in (w[0] for w in wanted):
            wanted.append((key, index))
    wanted.append(("middle", middle))
    wanted.sort(key=lambda w: w[1])
    sites = []
    for key, index in wanted:
        sub = substitute_in_slab(atoms, index, element=solute, host=host, seed=seed)
        sites.append(_Site(key, index, depths[index], sub))
    return _Plan(sites, n, middle, depths[middle], depths, notes)


def _relax_sites(plan: _Plan, calc, label: str, fmax: float, steps: int, optimizer,
                 workdir, progress: Progress | None,
                 geometries: dict[str, Any] | None = None) -> dict[str, EnergyRecord]:
    """Relax every site of ``plan``: their records by site key; ``geometries`` (when given)
    receives the relaxed cells by the same keys."""
    workdir = Path(workdir) if workdir is not None else None
    records: dict[str, EnergyRecord] = {}
    for site in plan.sites:
        name = f"{label}:{site.key}" if label else site.key
        if progress:
            progress(f"relax {name} ({len(site.atoms)} atoms, solute in layer {site.layer}, "
                     f"{site.depth_A:.2f} Å deep)")
        ckpt = None if workdir is None else workdir / name
        relaxed, rec = relax(site.atoms, calc, fmax=fmax, steps=steps,
                             optimizer=optimizer or DEFAULT_OPTIMIZER, checkpoint=ckpt,
                             label=name)
        records[site.key] = rec
        if geometries is not None:
            geometries[site.key] = relaxed
    return records


def solute_segregation(slab, calc, solute: str = "Mg", host: str = "Li", layers=None,
                       fmax: float = 0.05, steps: int = 500, optimizer: str | None = None,
                       workdir: str | Path | None = None, progress: Progress | None = None,
                       *, seed: int = 0, label: str = "",
                       geometries: dict[str, Any] | None = None) -> dict[str, EnergyRecord]:
    """Relaxed energies (eV) of one ``solute`` atom in the host layers of one slab or
    interface model; returns ``{site key: EnergyRecord}``.

    ``slab``: ase.Atoms, SlabModel or InterfaceModel (its ``atoms``), used as given (no
    supercell: the caller chooses the in-plane size). ``layers``: host-layer indices from
    the top (0 = surface; negative from the bottom, -1 = the last host layer, on an
    interface model the one touching the coating); None = every free host layer. The middle
    reference (key ``'middle'``: the free inner host layer nearest the film centre) is
    always computed; other keys are ``'L<k>'`` as given. The segregation energy of a site is
    ``records[key].energy_eV - records['middle'].energy_eV`` (negative: the solute prefers
    that layer). Which atom of a layer is replaced is chosen by ``seed``; constraints
    (``FixAtoms``) are kept and honoured, and a requested layer holding fixed atoms is
    refused. ``workdir``: checkpoints in ``workdir/<label:key>``, so a rerun resumes.
    ``geometries`` (a dict, when given) receives the relaxed cells by the same keys.
    """
    atoms = _atoms_of(slab)
    plan = _plan(atoms, solute, host, _as_list(layers), seed)
    for note in plan.notes if progress else ():
        progress(note)
    return _relax_sites(plan, calc, label, fmax, steps, optimizer, workdir, progress,
                        geometries)


def shortest_image_A(cell, repeat=(1, 1)) -> float:
    """Shortest non-zero in-plane lattice vector (Å) of ``cell`` repeated ``repeat`` times
    along a and b: the distance from a solute to its nearest periodic image."""
    a = np.asarray(cell[0]) * repeat[0]
    b = np.asarray(cell[1]) * repeat[1]
    r = range(-3, 4)
    return float(min(np.linalg.norm(i * a + j * b)
                     for i, j in itertools.product(r, r) if (i, j) != (0, 0)))


def in_plane_repeat(atoms, min_image_A: float = MIN_IMAGE_A) -> tuple[int, int]:
    """Smallest in-plane repeat (n_a, n_b) — fewest atoms, then the farthest images — for
    which a solute is at least ``min_image_A`` Å from its periodic images; (1, 1) when the
    cell already is."""
    options = [(na, nb) for na in range(1, _MAX_REPEAT + 1) for nb in range(1, _MAX_REPEAT + 1)]
    ok = [(na * nb, -shortest_image_A(atoms.cell, (na, nb)), (na, nb)) for na, nb in options
          if shortest_image_A(atoms.cell, (na, nb)) >= min_image_A]
    if not ok:
        raise UserInputError(f"no in-plane repeat up to {_MAX_REPEAT}x{_MAX_REPEAT} puts the "
                             f"periodic images {min_image_A} Å apart")
    return min(ok)[2]


def _supercell(atoms, what: str, notes: list[str]):
    rep = in_plane_repeat(atoms)
    before = shortest_image_A(atoms.cell)
    if rep == (1, 1):
        notes.append(f"{what}: cell as built ({len(atoms)} atoms), solute images "
                     f"{before:.2f} Å apart")
        return atoms
    out = atoms.repeat((rep[0], rep[1], 1))
    notes.append(f"{what}: in-plane supercell {rep[0]}x{rep[1]} ({len(out)} atoms): solute "
                 f"images {shortest_image_A(out.cell):.2f} Å apart instead of {before:.2f} Å")
    return out


def _expected_layers(phase, miller, film_layers: int) -> int:
    """Atomic layers the builders make for ``film_layers`` (rounded up to whole unit planes)."""
    _, structure = _as_structure(phase)
    per_unit = atomic_planes_per_unit_plane(structure, parse_miller(miller))
    return math.ceil(film_layers / per_unit) * per_unit


def segregation_cells(system: str, calc, solute: str = "Mg", host: str | None = None,
                   film_layers: int | None = None, fmax: float = 0.05, surface: bool = True,
                   interface: bool = True, fix_substrate_layers: int | None = None,
                   workdir: str | Path | None = None, progress: Progress | None = None,
                   film_bulk=None, substrate_bulk=None, *, steps: int = 500,
                   optimizer: str | None = None) -> SegregationCells:
    """The relaxed cells of ``solute`` in the film of a named system: at the free film
    surface and at the film/coating interface, each with the solute in the middle layer as
    the reference (the segregation energies from their energies are
    :func:`~interfacemodel.analysis.segregation.evaluate_segregation`'s; negative: the
    solute prefers the site over the middle of the film).

    * surface: a free slab of the film crystal with the system's film face (orientation 0),
      ``film_layers`` thick (default the recipe's); E(solute in layer 0) − E(solute in the
      middle layer). The slab is symmetric and unstrained; nothing is fixed.
    * interface: the system's slab model (orientation 0, termination 0, the coating's
      bottom ``fix_substrate_layers`` fixed as built); E(solute in the last film layer, at
      the coating) − E(solute in the middle film layer). The film carries the match strain.

    ``host`` defaults to the film element (Li; Cu for the 'cu-ag' analogue). Both models are
    built from relaxed bulk crystals: ``film_bulk`` / ``substrate_bulk`` when given (Atoms or
    Structure, relaxed with ``calc``), otherwise relaxed here (cell and positions). In-plane
    supercells are used only when the solute would be closer than ~5 Å to its own image.
    ``workdir``: relaxation checkpoints in ``workdir/<label>``; a rerun resumes. Each cell
    keeps its relaxation's flag; the result is ``converged`` only when every relaxation
    converged; otherwise the numbers are still reported, flagged in ``notes``.
    """
    start = time.perf_counter()
    recipe = system_recipe(system)
    film_elements = sorted(load_bulk(recipe.film).symbol_set)
    host = film_elements[0] if host is None and len(film_elements) == 1 else host
    if host is None:
        raise UserInputError(f"the film {recipe.film} is not an element: give host")
    _check_elements(solute, host)
    if host not in film_elements:
        raise UserInputError(f"host={host!r} is not in the film {recipe.film} of {recipe.name}")
    if not (surface or interface):
        raise UserInputError("nothing to compute: surface and interface are both False")
    if film_layers is None:
        film_layers = recipe.film_layers
    if isinstance(film_layers, bool) or not isinstance(film_layers, (int, np.integer)) or \
            film_layers < 1:
        raise UserInputError(f"film_layers={film_layers!r} must be a positive integer")
    film_miller = recipe.orientations[0][0]
    n_expected = _expected_layers(recipe.film, film_miller, int(film_layers))
    if n_expected < MIN_HOST_LAYERS:
        raise UserInputError(
            f"film_layers={film_layers} gives {n_expected} {host} layers of {recipe.film}"
            f"({film_miller}); segregation needs at least {MIN_HOST_LAYERS} (surface, middle, "
            f"interface)")
    spec = getattr(calc, "interfacemodel_spec", None)
    if spec is not None:
        needed = system_elements(recipe.name) if interface else film_elements
        check_elements(spec, sorted(set(needed) | {solute}))

    notes: list[str] = []
    converged_bulk = True
    if film_bulk is None:
        if progress:
            progress(f"relax bulk {recipe.film}")
        film_bulk, _, rec = bulk_reference(recipe.film, calc)
        converged_bulk &= bool(rec.converged)
        notes.append(f"bulk {recipe.film} relaxed here with the calculator")
    if interface and substrate_bulk is None:
        if progress:
            progress(f"relax bulk {recipe.substrate}")
        substrate_bulk, _, rec = bulk_reference(recipe.substrate, calc)
        converged_bulk &= bool(rec.converged)
        notes.append(f"bulk {recipe.substrate} relaxed here with the calculator")
    if not converged_bulk:
        notes.append("a bulk relaxation did not converge: the cells carry a residual strain")

    # build and validate both cells before any relaxation
    cells: dict[str, Any] = {}
    plans: dict[str, _Plan] = {}
    if surface:
        slabs = make_slabs(film_bulk, film_miller, layers=int(film_layers))
        sym = [s for s in slabs if s.symmetric]
        slab = (sym or slabs)[0]
        if not sym:
            notes.append(f"surface: no symmetric {recipe.film}({film_miller}) slab; "
                         f"termination {slab.termination_index} used")
        what = f"surface {recipe.film}({film_miller}) t{slab.termination_index}"
        cells["surface"] = _supercell(slab.atoms, what, notes)
        plans["surface"] = _plan(cells["surface"], solute, host, [0])
    if interface:
        overrides: dict[str, Any] = {"orientations": [recipe.orientations[0]],
                                     "film_bulk": film_bulk, "substrate_bulk": substrate_bulk,
                                     "film_layers": int(film_layers)}
        if fix_substrate_layers is not None:
            overrides["fix_substrate_layers"] = fix_substrate_layers
        model = build_system(recipe.name, kind="slab", **overrides)[0]
        cells["interface"] = _supercell(model.atoms, f"interface {model.label}", notes)
        plans["interface"] = _plan(cells["interface"], solute, host, [-1])
        notes.append(f"interface: the film carries the match strain "
                     f"({100 * model.match.max_abs_strain:.2f} %); "
                     f"{len(_fixed_mask(cells['interface']).nonzero()[0])} coating atoms fixed; "
                     f"the solute replaces one {host} atom of the interface plane (seed 0): "
                     f"sites in that plane differ in registry with the coating")

    records: dict[str, EnergyRecord] = {}
    structures: dict[str, Any] = {}
    refs = []
    for what, plan in plans.items():
        relaxed: dict[str, Any] = {}
        recs = _relax_sites(plan, calc, f"{recipe.name}:{what}", fmax, steps, optimizer,
                            workdir, progress, relaxed)
        for key, rec in recs.items():
            records[f"{what}:{key}"] = rec
            structures[f"{what}:{key}"] = relaxed[key]
        n, m = plan.n_layers, plan.middle
        where = (f"{plan.middle_depth_A:.2f} Å below the top {host} plane, "
                 f"{plan.layer_depths_A[-1] - plan.middle_depth_A:.2f} Å above the "
                 f"{'bottom' if what == 'surface' else 'interface'} plane")
        refs.append(f"{what}: {host} layer {m} of 0..{n - 1} from the top ({where})")
        if min(m, n - 1 - m) < 2:
            notes.append(f"{what}: the middle layer is only {min(m, n - 1 - m)} layer(s) from "
                         f"a surface/interface plane: a thin film, the reference is not "
                         f"bulk-like (more film_layers)")
        notes.extend(f"{what}: {note}" for note in plan.notes)
    reference = ("middle = the free inner " + host + " layer nearest the film centre, solute "
                 "energies relative to it in the same cell; " + "; ".join(refs))
    return SegregationCells(
        solute=solute, host=host, system=recipe.name, structures=structures, records=records,
        reference=reference, natoms={k: len(v) for k, v in cells.items()},
        converged_bulk=converged_bulk, fmax=fmax, steps=steps, notes=notes,
        wall_time_s=time.perf_counter() - start)


def mg_segregation(system: str, calc, solute: str = "Mg", host: str | None = None,
                   film_layers: int | None = None, fmax: float = 0.05, surface: bool = True,
                   interface: bool = True, fix_substrate_layers: int | None = None,
                   workdir: str | Path | None = None, progress: Progress | None = None,
                   film_bulk=None, substrate_bulk=None, *, steps: int = 500,
                   optimizer: str | None = None) -> SegregationResult:
    """:func:`segregation_cells` of ``system`` (arguments as there) and their segregation
    energies (:func:`~interfacemodel.analysis.segregation.evaluate_segregation`): E(site) −
    E(middle) in eV, negative where the solute prefers the site."""
    cells = segregation_cells(system, calc, solute, host, film_layers, fmax, surface, interface,
                              fix_substrate_layers, workdir, progress, film_bulk,
                              substrate_bulk, steps=steps, optimizer=optimizer)
    return evaluate_segregation(energies_of(points_of({"cells": cells})),
                                calculator_provenance(calc), cells=cells)


def _as_list(layers) -> list | None:
    if layers is None:
        return None
    if isinstance(layers, (str, int, np.integer)) or not isinstance(layers, Iterable):
        return [layers]
    return list(layers)
