"""The solute screen's calculator work: face cells of the host, the solute relaxed in the top and middle layers of each face and of each Li/coating interface, clean faces (γ0)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

from ..analysis.screen_assembly import assemble_screen
from ..analysis.segregation import MIN_IMAGE_A
from ..analysis.solute_screen import (
    DEFAULT_BULK_FRACTIONS,
    DEFAULT_FACES,
    DEFAULT_LAYERS,
    DEFAULT_T_K,
    ISSUE_SOLUTES,
    CleanSurface,
    InterfaceSegregation,
    Progress,
    SoluteScreen,
    SurfaceSegregation,
    _check_numbers,
    check_screen_inputs,
    face_label,
)
from ..calculators import calculator_provenance, check_elements
from ..errors import UserInputError
from ..models.point_defects import check_element
from ..models.slabs import make_slabs, parse_miller
from ..models.systems import system_recipe
from ..run.relax import DEFAULT_OPTIMIZER, relax, single_point
from ..units import EV_PER_A2_TO_J_PER_M2
from .segregation import (
    _fixed_mask,
    _plan,
    host_layers,
    in_plane_repeat,
    shortest_image_A,
    solute_segregation,
)


def _host_of(bulk_atoms, host: str | None) -> str:
    symbols = sorted(set(bulk_atoms.get_chemical_symbols()))
    if host is None:
        if len(symbols) != 1:
            raise UserInputError(f"the bulk crystal holds {', '.join(symbols)}: give host")
        return symbols[0]
    if host not in symbols:
        raise UserInputError(f"host={host!r} is not in the bulk crystal ({', '.join(symbols)})")
    return host


@dataclass
class _FaceCell:
    face: str
    atoms: Atoms  # the symmetric slab, in-plane supercell
    repeat: tuple[int, int]
    n_layers: int
    A_site_A2: float
    notes: list[str]


def face_cell(bulk_atoms, face, host: str | None = None, layers: int = DEFAULT_LAYERS,
              vacuum_A: float = 15.0, min_image_A: float = MIN_IMAGE_A) -> _FaceCell:
    """The symmetric free slab of ``face`` of the relaxed host crystal ``bulk_atoms``
    (:func:`~interfacemodel.models.slabs.make_slabs`, ``layers`` atomic layers rounded up to
    whole unit planes, nothing fixed) repeated in plane so that a solute is at least
    ``min_image_A`` Å from its periodic images (the segregation module's rule)."""
    host = _host_of(bulk_atoms, host)
    label = face_label(face)
    if isinstance(layers, bool) or not isinstance(layers, (int, np.integer)) or layers < 3:
        raise UserInputError(f"layers={layers!r} must be an integer >= 3 (surface, middle, "
                             f"bottom)")
    # the crystal snapped to 1e-10 (Å, fractional): a bulk replayed from a journal differs
    # from the first run's in the last bits, and that noise reorders the slab's atoms (ties
    # in z), so the cells — and their checkpoints' fingerprints — would differ on a resume
    snapped = bulk_atoms.copy()
    snapped.set_constraint()
    scaled = np.round(snapped.get_scaled_positions(wrap=True), 10) % 1.0
    snapped.set_cell(np.round(snapped.cell.array, 10) + 0.0, scale_atoms=False)
    snapped.set_scaled_positions(scaled)
    slabs = make_slabs(snapped, parse_miller(label), layers=int(layers), vacuum_A=vacuum_A)
    sym = [s for s in slabs if s.symmetric and s.stoichiometric]
    slab = (sym or slabs)[0]
    notes = []
    if not sym:
        notes.append(f"{host}({label}): no symmetric slab; termination {slab.termination_index} "
                     f"used")
    rep = in_plane_repeat(slab.atoms, min_image_A)
    atoms = slab.atoms.repeat((rep[0], rep[1], 1))
    atoms.info.pop("slab_label", None)
    layer_atoms = host_layers(atoms, host)
    area = float(np.linalg.norm(np.cross(atoms.cell[0], atoms.cell[1])))
    a_site = area / len(layer_atoms[0])
    notes.append(f"{host}({label}): {len(layer_atoms)} layers, in-plane {rep[0]}x{rep[1]} "
                 f"({len(atoms)} atoms), solute images {shortest_image_A(atoms.cell):.2f} Å "
                 f"apart, A_site {a_site:.3f} Å² ({len(layer_atoms[0])} top-layer sites)")
    return _FaceCell(label, atoms, rep, len(layer_atoms), a_site, notes)


def surface_segregation(bulk_atoms, miller, solute: str, calc, host: str | None = None,
                        layers: int = DEFAULT_LAYERS, fmax: float = 0.05, steps: int = 500,
                        optimizer: str | None = None, workdir: str | Path | None = None,
                        progress: Progress | None = None, *, vacuum_A: float = 15.0,
                        seed: int = 0, keep_geometries: bool = True) -> SurfaceSegregation:
    """Segregation energy (eV) of one ``solute`` atom to the top layer of the ``miller``
    face of the relaxed host crystal ``bulk_atoms`` (ase.Atoms, conventional cell).

    The cell: :func:`face_cell` (a symmetric free slab, ``layers`` atomic layers rounded up
    to whole unit planes, in-plane supercell by the 5 Å image rule, nothing fixed). The
    relaxations: :func:`~interfacemodel.procedures.segregation.solute_segregation` with
    layers [0] (the solute in the top layer L0, and in the middle reference layer);
    ``E_seg_eV = E(L0) − E(middle)``, negative = segregates. ``host`` defaults to the
    crystal's only element. ``workdir``: checkpoints in ``workdir/<solute>:<face>:<site>``;
    a rerun resumes. The record is ``converged`` only when both relaxations converged.
    """
    start = time.perf_counter()
    host = _host_of(bulk_atoms, host)
    check_screen_inputs(host, [solute], [miller], calc)
    cell = face_cell(bulk_atoms, miller, host, layers, vacuum_A)
    geometries: dict[str, Any] = {}
    recs = solute_segregation(cell.atoms, calc, solute=solute, host=host, layers=[0],
                              fmax=fmax, steps=steps, optimizer=optimizer, workdir=workdir,
                              progress=progress, seed=seed, label=f"{solute}:{cell.face}",
                              geometries=geometries)
    e0, em = recs["L0"].energy_eV, recs["middle"].energy_eV
    e_seg = None if e0 is None or em is None else float(e0 - em)
    notes = list(cell.notes)
    n = cell.n_layers
    middle = min(range(1, n - 1), key=lambda k: (abs(k - (n - 1) / 2), k))  # as _plan's
    if min(middle, n - 1 - middle) < 2:
        notes.append(f"{host}({cell.face}): the middle layer is {min(middle, n - 1 - middle)} "
                     f"layer(s) from a surface: the reference is not bulk-like (more layers)")
    bad = [k for k, r in recs.items() if not r.converged]
    if bad:
        notes.append(f"{solute} on {host}({cell.face}): not converged ({', '.join(bad)}; fmax "
                     f"{fmax} eV/Å, {steps} steps)")
    if not keep_geometries:
        geometries = {}
    return SurfaceSegregation(
        solute=solute, host=host, face=cell.face, E_seg_eV=e_seg, A_site_A2=cell.A_site_A2,
        natoms=len(cell.atoms), n_layers=n, middle_layer=middle, supercell=list(cell.repeat),
        image_distance_A=shortest_image_A(cell.atoms.cell), converged=not bad,
        calculator=calculator_provenance(calc), records=dict(recs), notes=notes,
        wall_time_s=time.perf_counter() - start, geometries=geometries)


def clean_surface(bulk_atoms, miller, calc, host: str | None = None,
                  layers: int = DEFAULT_LAYERS, fmax: float = 0.05, steps: int = 500,
                  optimizer: str | None = None, workdir: str | Path | None = None,
                  progress: Progress | None = None, *, vacuum_A: float = 15.0) -> CleanSurface:
    """Surface energy γ0 (J/m²) of the clean ``miller`` face: the solute screen's cell
    (:func:`face_cell`) without the solute, relaxed; μ_host = E(``bulk_atoms``)/atom (a
    single point of the given relaxed crystal with ``calc``). γ0 = (E_slab − N μ)/(2A)."""
    host = _host_of(bulk_atoms, host)
    cell = face_cell(bulk_atoms, miller, host, layers, vacuum_A)
    if progress:
        progress(f"relax clean {host}({cell.face}) ({len(cell.atoms)} atoms)")
    label = f"clean:{cell.face}"
    ckpt = None if workdir is None else Path(workdir) / label
    slab, rec = relax(cell.atoms, calc, fmax=fmax, steps=steps,
                      optimizer=optimizer or DEFAULT_OPTIMIZER, checkpoint=ckpt, label=label)
    bulk = bulk_atoms.copy()
    bulk.calc = None
    bulk_rec = single_point(bulk, calc, f"bulk {host}")
    mu = bulk_rec.energy_eV / len(bulk)
    area = float(np.linalg.norm(np.cross(cell.atoms.cell[0], cell.atoms.cell[1])))
    gamma = None if rec.energy_eV is None else \
        float((rec.energy_eV - len(cell.atoms) * mu) / (2 * area) * EV_PER_A2_TO_J_PER_M2)
    slab.calc = None
    return CleanSurface(host=host, face=cell.face, gamma0_J_per_m2=gamma, mu_host_eV=mu,
                        area_A2=area, natoms=len(cell.atoms), converged=bool(rec.converged),
                        record=rec, slab=slab, bulk=bulk, bulk_record=bulk_rec)


def _interface_atoms(interface) -> tuple[Atoms, str | None]:
    """(atoms, system name or None) of an interface model given as ase.Atoms, an
    InterfaceModel (``atoms``) or an interface job's product (``relaxed``, ``system``)."""
    atoms = getattr(interface, "relaxed", None)
    if atoms is None:
        atoms = getattr(interface, "atoms", interface)
    if not isinstance(atoms, Atoms):
        raise UserInputError(f"interface of type {type(interface).__name__} is not an "
                             f"ase.Atoms, InterfaceModel or interface product")
    system = getattr(interface, "system", None) or atoms.info.get("system")
    return atoms, (str(system) if system else None)


def _check_interface(atoms: Atoms, system: str, host: str, solutes, calc) -> None:
    """One line unless ``atoms`` is an interface model with a ``host`` film, the solutes are
    elements other than the host, and the calculator (when it says) covers them all."""
    if "interface_side" not in atoms.arrays:
        raise UserInputError(f"{system}: not an interface model (no per-atom "
                             f"'interface_side', 0 = film): give the interface job's relaxed "
                             f"model or an InterfaceModel")
    check_element(host, "host")
    side = np.asarray(atoms.arrays["interface_side"])
    film = sorted(set(np.asarray(atoms.get_chemical_symbols())[side == 0]))
    if host not in film:
        raise UserInputError(f"{system}: the film holds {', '.join(film) or 'no atoms'}, not "
                             f"the host {host}; interface segregation needs a {host} film")
    for solute in solutes:
        check_element(solute, "solute")
        if solute == host:
            raise UserInputError(f"solute={solute!r} is the host; give a solute other than "
                                 f"{host}")
    spec = calc if isinstance(calc, str) else getattr(calc, "interfacemodel_spec", None)
    if spec is not None:
        check_elements(spec, sorted(set(atoms.get_chemical_symbols()) | set(solutes)))


def interface_segregation(interface_atoms, solute: str, calc, host: str = "Li",
                          system: str | None = None, fmax: float = 0.05, steps: int = 500,
                          optimizer: str | None = None, workdir: str | Path | None = None,
                          progress: Progress | None = None, *, seed: int = 0,
                          min_image_A: float = MIN_IMAGE_A,
                          keep_geometries: bool = True) -> InterfaceSegregation:
    """Segregation energy (eV) of one ``solute`` atom to the Li/coating interface of a
    relaxed interface model: E(solute in the film plane touching the coating, L-1) −
    E(solute in the film's middle layer); negative = segregates to the interface.

    ``interface_atoms``: the relaxed interface model (ase.Atoms with
    ``arrays['interface_side']``, 0 = film; an InterfaceModel; or an interface job's
    product, whose ``system`` names it), used as given (its relaxed positions and its
    FixAtoms, which are kept and honoured) after an in-plane repeat by the 5 Å image rule.
    Only film atoms of ``host`` are host sites
    (:func:`~interfacemodel.procedures.segregation.solute_segregation` with layers [-1]).
    ``A_site_A2``: the cell area per host atom of the touching plane. ``workdir``:
    checkpoints in ``workdir/<solute>:<system>:<site>``; a rerun resumes. The record is
    ``converged`` only when both relaxations converged."""
    start = time.perf_counter()
    atoms, named = _interface_atoms(interface_atoms)
    system = system or named or "interface"
    _check_interface(atoms, system, host, [solute], calc)
    side = np.asarray(atoms.arrays["interface_side"])
    try:
        coating = system_recipe(system).substrate
    except UserInputError:
        coating = "".join(sorted(set(np.asarray(atoms.get_chemical_symbols())[side != 0])))
    rep = in_plane_repeat(atoms, min_image_A)
    cell = atoms.repeat((rep[0], rep[1], 1)) if rep != (1, 1) else atoms.copy()
    cell.calc = None
    plan = _plan(cell, solute, host, [-1], seed)  # validates (layers, fixed planes) first
    layers = host_layers(cell, host)
    area = float(np.linalg.norm(np.cross(cell.cell[0], cell.cell[1])))
    a_site = area / len(layers[-1])
    n_fixed = int(_fixed_mask(cell).sum())
    notes = [f"{system}: interface model {rep[0]}x{rep[1]} in plane ({len(cell)} atoms, "
             f"{n_fixed} fixed), solute images {shortest_image_A(cell.cell):.2f} Å apart, "
             f"{plan.n_layers} {host} layers, A_site {a_site:.3f} Å² ({len(layers[-1])} "
             f"{host} atoms in the plane touching {coating})"]
    n, m = plan.n_layers, plan.middle
    if min(m, n - 1 - m) < 2:
        notes.append(f"{system}: the middle {host} layer is {min(m, n - 1 - m)} layer(s) from "
                     f"the surface or the interface: the reference is not bulk-like (a "
                     f"thicker film)")
    notes.extend(f"{system}: {note}" for note in plan.notes)
    geometries: dict[str, Any] = {}
    recs = solute_segregation(cell, calc, solute=solute, host=host, layers=[-1], fmax=fmax,
                              steps=steps, optimizer=optimizer, workdir=workdir,
                              progress=progress, seed=seed, label=f"{solute}:{system}",
                              geometries=geometries)
    e1, em = recs["L-1"].energy_eV, recs["middle"].energy_eV
    e_seg = None if e1 is None or em is None else float(e1 - em)
    bad = [k for k, r in recs.items() if not r.converged]
    if bad:
        notes.append(f"{solute} at {system}: not converged ({', '.join(bad)}; fmax {fmax} "
                     f"eV/Å, {steps} steps)")
    return InterfaceSegregation(
        solute=solute, host=host, system=system, coating=coating, E_seg_eV=e_seg,
        A_site_A2=a_site, natoms=len(cell), n_layers=n, middle_layer=m,
        supercell=list(rep), image_distance_A=shortest_image_A(cell.cell), n_fixed=n_fixed,
        converged=not bad, calculator=calculator_provenance(calc), records=dict(recs),
        notes=notes, wall_time_s=time.perf_counter() - start,
        geometries=geometries if keep_geometries else {})


def solute_screen(bulk_atoms, solutes=ISSUE_SOLUTES, faces=DEFAULT_FACES, calc=None,
                  host: str | None = None, layers: int = DEFAULT_LAYERS, fmax: float = 0.05,
                  steps: int = 500, optimizer: str | None = None,
                  T_K: float = DEFAULT_T_K, bulk_fractions=DEFAULT_BULK_FRACTIONS,
                  clean: bool = True, workdir: str | Path | None = None,
                  progress: Progress | None = None,
                  interfaces: dict[str, Any] | None = None) -> SoluteScreen:
    """Screen ``solutes`` in the relaxed host crystal ``bulk_atoms`` on each of ``faces``:
    :func:`surface_segregation` for every (solute, face), :func:`clean_surface` for every
    face (``clean``), joined by :func:`assemble_screen`. Everything is validated (elements,
    calculator coverage, faces, slab thickness) before the first relaxation. ``workdir``:
    every relaxation checkpoints under it, so a rerun resumes where the last one stopped.
    ``progress``: a callable receiving one line per relaxation ('[3/22] Ag on Li(110) ...').
    ``interfaces``: system name → its relaxed interface model (film = ``host``): every
    solute's :func:`interface_segregation` there too."""
    if calc is None:
        raise UserInputError("give a calculator (calc), e.g. get_calculator('emt')")
    start = time.perf_counter()
    host = _host_of(bulk_atoms, host)
    solutes, labels = check_screen_inputs(host, solutes, faces, calc)
    _check_numbers(T_K, bulk_fractions)
    for f in labels:  # every cell is built (and its thickness checked) before any work
        cell = face_cell(bulk_atoms, f, host, layers)
        if cell.n_layers < 3:
            raise UserInputError(f"{host}({f}) slab has {cell.n_layers} layers; give layers>=3")
    interfaces = dict(interfaces or {})
    for name, model in interfaces.items():  # checked before any work
        _check_interface(_interface_atoms(model)[0], name, host, solutes, calc)
    total = len(solutes) * len(labels)
    sites, cleans = [], {}
    k = 0
    for f in labels:
        if clean:
            cleans[f] = clean_surface(bulk_atoms, f, calc, host, layers, fmax, steps, optimizer,
                                      workdir, progress)
        for s in solutes:
            k += 1
            say = None if progress is None else \
                (lambda m, k=k: progress(f"[{k}/{total} {time.perf_counter() - start:.0f} s] {m}"))
            sites.append(surface_segregation(bulk_atoms, f, s, calc, host, layers, fmax, steps,
                                             optimizer, workdir, say))
            if progress:
                e = sites[-1].E_seg_eV
                progress(f"[{k}/{total}] {s} on {host}({f}): E_seg = "
                         f"{'-' if e is None else f'{e:+.3f}'} eV")
    at_interfaces = []
    for name, model in interfaces.items():
        for s in solutes:
            at_interfaces.append(interface_segregation(
                model, s, calc, host, name, fmax, steps, optimizer, workdir, progress))
            if progress:
                e = at_interfaces[-1].E_seg_eV
                progress(f"{s} at the {name} interface: E_seg = "
                         f"{'-' if e is None else f'{e:+.3f}'} eV")
    return assemble_screen(sites, cleans, T_K, bulk_fractions,
                           calculator=calculator_provenance(calc),
                           wall_time_s=time.perf_counter() - start, interfaces=at_interfaces)
