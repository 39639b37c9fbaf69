"""Hops ready for the NEB (:class:`~interfacemodel.analysis.migration.HopCase`): a bulk hop on the relaxed host (vacancy, interstitial, interstitialcy, solute exchange), a hop across a relaxed interface, or a hop between given end points; with what the formation energy and D(T) need."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from ase.build import make_supercell

from ..analysis.diffusion import Lattice, bcc_vacancy, check_defect_fraction
from ..analysis.hop_rates import _carrier_density_per_cm3
from ..analysis.migration import (
    CORRELATION_FACTORS,
    ENDPOINT_FMAX,
    ENDPOINT_MECHANISM,
    HOST_SYMPREC_A,
    HopCase,
    _say,
    check_bulk_hop,
    check_host_cell,
)
from ..errors import UserInputError
from ..models.bulk_hops import interstitial_hops, interstitialcy_hops, vacancy_hops
from ..models.surface_hops import interface_hops
from ..models.symmetry import symmetry_dataset
from ..models.systems import build_system
from ..run.relax import point_record, relax
from ..structures import load_bulk
from .interfaces import bulk_reference


def _lattice_for(dataset, host_atoms, hop) -> Lattice:
    """bcc/fcc vacancy geometry when the host is one of them (``dataset``: its spglib
    symmetry dataset), else the hop's own multiplicity and length with f = 1 (uncorrelated;
    stated in the record)."""
    a_A = float(host_atoms.cell.cellpar()[0])
    elemental = len(set(host_atoms.numbers)) == 1
    if dataset.number == 229 and elemental:
        return bcc_vacancy(a_A)
    if dataset.number == 225 and elemental:
        return Lattice("fcc vacancy", 12, a_A / 2**0.5, CORRELATION_FACTORS["fcc"],
                       "Compaan & Haven 1956")
    return Lattice(f"hop {hop.label}", hop.multiplicity, hop.length_A, 1.0,
                   "hop multiplicity and length; f = 1 (correlation not computed)")


def _wyckoff_sites(dataset) -> list[str]:
    """Wyckoff position of every atom of the host cell, e.g. '8a', '32g', from its spglib
    symmetry ``dataset``."""
    counts: dict[int, int] = {}
    for orbit in dataset.equivalent_atoms:
        counts[int(orbit)] = counts.get(int(orbit), 0) + 1
    return [f"{counts[int(o)]}{w}" for o, w in zip(dataset.equivalent_atoms, dataset.wyckoffs,
                                                    strict=True)]


def _reduced_formula(phase: str) -> str:
    return load_bulk(phase).composition.reduced_formula


def prepare_bulk_hop(
    host,
    calc,
    species: str = "Li",
    mechanism: str = "vacancy",
    hop_index: int = 0,
    supercell=None,
    li_metal_energy_eV: float | None = None,
    solute: str | None = None,
    defect_fraction: float | None = None,
    progress=None,
    host_reference=None,
    sites_frac=None,
    host_cell=None,
) -> HopCase:
    """Step 1 of a bulk hop (:func:`interfacemodel.flows.migration.bulk_migration`): the relaxed host, the ``hop_index``-th hop built on
    it, the perfect-cell energy and μ_species for E_f, the lattice of D. Arguments as in
    :func:`interfacemodel.flows.migration.bulk_migration`. Calculator work: the host relaxation, and where needed bcc
    ``species`` (μ, when ``li_metal_energy_eV`` is not given) and, for a solute hop, the
    perfect cell holding the solute (relaxed to :data:`ENDPOINT_FMAX`).

    ``host_reference``: ``(relaxed_atoms, BulkReference[, EnergyRecord])`` of ``host``
    relaxed with the same calculator before (:func:`~interfacemodel.procedures.interfaces.bulk_reference`,
    e.g. a campaign's bulk step); the host is then not relaxed again. Its formula must be
    the host's. ``sites_frac`` (interstitial or interstitialcy): the interstitial sites,
    fractional coordinates of the conventional host cell, instead of its void centres
    (:func:`~interfacemodel.models.bulk_hops.interstitial_hops`,
    :func:`~interfacemodel.models.bulk_hops.interstitialcy_hops`).

    ``host_cell``: a 3x3 integer matrix whose rows are the host cell's vectors as
    combinations of the relaxed conventional cell's (``ase.build.make_supercell``), applied
    before ``supercell``: a cell the conventional one's multiples do not give, e.g. the
    a+b, b−a, c cell of rock salt, whose widths hold a hop the conventional cell's do not.
    ``sites_frac`` are then fractional coordinates of that cell.

    An interstitialcy (knock-off) hop: the interstitial on void A takes the site of a lattice
    atom L, which moves into the void B; D follows the interstitial as the carrier: z = the
    hop's multiplicity, d = |B − A|, f = 1 (the charge diffusivity; the tracer correlation
    of the two-atom move is not computed, stated in the lattice's name and source)."""
    check_bulk_hop(mechanism, solute, sites_frac, defect_fraction)
    if solute is not None:
        from ase.data import atomic_numbers

        if solute not in atomic_numbers:
            raise UserInputError(f"solute {solute!r} is not an element symbol")
        if solute == species:
            raise UserInputError(f"solute {solute!r} must differ from the host species")
    say = _say(progress)
    points: dict[str, Any] = {}  # the crystals E_f rests on: (atoms, energy record)
    if host_reference is None:
        say("relax host")
        host_atoms, ref, rec = bulk_reference(host, calc)
        points["host"] = (host_atoms, point_record(host_atoms, rec.calculator, "host",
                                                   rec.energy_eV, rec.converged))
    else:
        host_atoms, ref, *given = host_reference
        if isinstance(host, str) and ref.formula != _reduced_formula(host):
            raise UserInputError(f"host_reference is {ref.formula}, not the host {host!r}")
        if given:  # the crystal's own energy record (a campaign's bulk step)
            points["host"] = (host_atoms, given[0])
    if host_cell is not None:
        host_atoms = make_supercell(host_atoms, check_host_cell(host_cell))
    if mechanism == "vacancy":
        hops = vacancy_hops(host_atoms, species=species, supercell=supercell)
    elif mechanism == "interstitialcy":
        hops = interstitialcy_hops(host_atoms, species=species, supercell=supercell,
                                   sites_frac=sites_frac)
    else:
        hops = interstitial_hops(host_atoms, species=species, supercell=supercell,
                                 sites_frac=sites_frac)
    if not 0 <= hop_index < len(hops):
        raise UserInputError(f"hop_index {hop_index} out of range: {len(hops)} distinct hops "
                             f"({'; '.join(h.label for h in hops)})")
    hop = hops[hop_index]
    dataset = symmetry_dataset(host_atoms, HOST_SYMPREC_A)
    if mechanism == "vacancy":
        wyckoff = _wyckoff_sites(dataset)
        sites = f"{wyckoff[hop.from_site]} → {wyckoff[hop.to_site]}"
    else:
        sites = hop.label.split(" ")[0]  # e.g. 'i(8c)->i(8c)', 'i(4b)->8c->i(4b)'
    mover = species
    perfect = None
    if solute is not None:
        for end in (hop.initial, hop.final):
            end[hop.moving_index].symbol = solute
        hop.label = f"{solute}–vacancy exchange, {hop.label}"
        mover = solute
        # the perfect cell with the solute: the vacancy site B filled with a host atom
        perfect = hop.initial.copy()
        perfect.append(species)
        perfect.positions[-1] = hop.final.positions[hop.moving_index]
        perfect.wrap()
    sign = 1 if mechanism == "vacancy" else -1  # the species goes to / comes from Li metal
    n_host = len(hop.initial) + sign  # the perfect supercell
    if perfect is not None:
        say(f"relax the perfect cell with the {solute} solute")
        relaxed_perfect, rec = relax(perfect, calc, fmax=ENDPOINT_FMAX)
        e_perfect = rec.energy_eV
        points["perfect"] = (relaxed_perfect, rec)
    else:
        e_perfect = ref.per_atom_eV() * n_host
    if li_metal_energy_eV is None and ref.formula == species:
        li_metal_energy_eV = ref.per_atom_eV()
    elif li_metal_energy_eV is None:
        reservoir, species_ref, rec = bulk_reference(species, calc)
        li_metal_energy_eV = species_ref.per_atom_eV()
        points["reservoir"] = (reservoir, point_record(reservoir, rec.calculator, "reservoir",
                                                       rec.energy_eV, rec.converged))
    # a host of metals only (Li3Bi, LiAl, LiMg) is a metal: no charged-defect model, no σ;
    # a compound with a non-metal (LiF, Li2Se, Li3Sb's Zintl anion Sb) is treated as ionic
    ionic = ref.formula != species and not _all_metals(ref.formula)
    if mechanism == "vacancy":
        lattice = _lattice_for(dataset, host_atoms, hop)
    elif mechanism == "interstitialcy":
        lattice = Lattice(f"interstitialcy {hop.label}; charge diffusion, tracer correlation "
                          f"not computed", hop.multiplicity, hop.length_A, 1.0,
                          "hop multiplicity and the interstitial's displacement |B − A|; "
                          "f = 1: the diffusion of the interstitial (the charge), not the "
                          "tracer correlation of the knock-off")
    else:
        lattice = Lattice(f"direct interstitial hop {hop.label}", hop.multiplicity,
                          hop.length_A, 1.0, "hop multiplicity and length; direct "
                          "interstitial hops are uncorrelated: f = 1")
    if solute is not None:
        lattice = Lattice(f"{solute} in {ref.formula}, solute–vacancy exchange", lattice.z,
                          lattice.d_A, 1.0, "nearest-neighbour exchange; solute correlation "
                          "factor (five-frequency model) not computed: f = 1")
    carriers = _carrier_density_per_cm3(host_atoms, species) if ionic else None
    carriers = carriers or None  # a species the host does not hold: no σ
    return HopCase(
        kind="bulk", label=hop.label, initial=hop.initial, final=hop.final,
        moving_index=int(hop.moving_index), reverse_equivalent=bool(hop.reverse_equivalent),
        partner_index=None if hop.partner_index is None else int(hop.partner_index),
        hop={"label": hop.label, "length_A": hop.length_A, "multiplicity": hop.multiplicity,
             "natoms": len(hop.initial), "reverse_equivalent": hop.reverse_equivalent,
             "wyckoff_sites": sites,
             **({} if hop.partner_index is None else
                {"moving_indices": [int(hop.moving_index), int(hop.partner_index)]}),
             "supercell_cell_A": [float(x) for x in hop.initial.cell.lengths()]},
        host=ref.formula, species=mover,
        mechanism="solute–vacancy exchange" if solute is not None else mechanism,
        lattice=lattice, defect=mechanism, defect_species=species,
        perfect_energy_eV=float(e_perfect), chemical_potential_eV=float(li_metal_energy_eV),
        defect_fraction=defect_fraction, ionic=ionic, carrier_density_per_cm3=carriers,
        solute=solute, structures={k: a for k, (a, _) in points.items()},
        energies={k: e for k, (_, e) in points.items()})


def _all_metals(formula: str) -> bool:
    """Whether every element of ``formula`` is a metal (pymatgen ``Element.is_metal``)."""
    from pymatgen.core import Composition

    return all(el.is_metal for el in Composition(formula).elements)


def prepare_interface_hop(
    system: str,
    calc,
    species: str = "Li",
    hop_index: int = 0,
    model_index: int = 0,
    relax_fmax: float = 0.05,
    supercell=None,
    layer_tolerance_A: float = 0.6,
    workdir: str | Path | None = None,
    progress=None,
    film_layers: int | None = None,
    substrate_layers: int | None = None,
) -> HopCase:
    """Step 1 of an interface hop (:func:`interfacemodel.flows.migration.interface_migration`): the named system's slab model ``model_index``
    relaxed with ``calc`` to ``relax_fmax`` eV/Å (``workdir``/interface checkpoints it) and
    its ``hop_index``-th film → coating hop. Arguments as in :func:`interfacemodel.flows.migration.interface_migration`;
    ``film_layers``/``substrate_layers`` replace the system recipe's (atomic planes)."""
    say = _say(progress)
    layers = {k: v for k, v in (("film_layers", film_layers),
                                 ("substrate_layers", substrate_layers)) if v is not None}
    models = build_system(system, **layers)
    if not 0 <= model_index < len(models):
        raise UserInputError(f"model_index {model_index} out of range: {system} has "
                             f"{len(models)} slab models")
    model = models[model_index]
    say(f"relax the {system} interface ({len(model.atoms)} atoms)")
    relaxed, rec = relax(model.atoms, calc, fmax=relax_fmax,
                         checkpoint=None if workdir is None else Path(workdir) / "interface")
    if not rec.converged:
        raise UserInputError(f"the {system} interface did not relax to {relax_fmax} eV/Å in "
                             f"{rec.steps_max} steps")
    relaxed.arrays["interface_side"] = np.asarray(model.atoms.arrays["interface_side"])
    return interface_hop_case(relaxed, system, species=species, hop_index=hop_index,
                              supercell=supercell, layer_tolerance_A=layer_tolerance_A,
                              model_note=f"{model.film}{model.film_miller} on {model.substrate}"
                                         f"{model.substrate_miller}, termination "
                                         f"{model.termination}")


def interface_hop_case(relaxed, system: str, species: str = "Li", hop_index: int = 0,
                       supercell=None, layer_tolerance_A: float = 0.6,
                       model_note: str = "") -> HopCase:
    """The ``hop_index``-th film → coating hop of an interface already relaxed (e.g. the
    one whose energetics a campaign computed). ``relaxed`` must carry
    ``arrays['interface_side']`` (0 = Li film, 1 = coating); ``system`` names it in the
    record; ``model_note`` describes the model (planes, termination). No calculator work."""
    if "interface_side" not in relaxed.arrays:
        raise UserInputError("the relaxed interface carries no 'interface_side' array: "
                             "not an interface model from build_system")
    hops = interface_hops(relaxed, species=species, supercell=supercell,
                          layer_tolerance_A=layer_tolerance_A)
    if not 0 <= hop_index < len(hops):
        raise UserInputError(f"hop_index {hop_index} out of range: {len(hops)} interface hops")
    hop = hops[hop_index]
    return HopCase(
        kind="interface", label=hop.label, initial=hop.initial, final=hop.final,
        moving_index=int(hop.moving_index), reverse_equivalent=bool(hop.reverse_equivalent),
        hop={"label": hop.label, "length_A": hop.length_A, "multiplicity": hop.multiplicity,
             "natoms": len(hop.initial), "reverse_equivalent": hop.reverse_equivalent,
             "n_candidates": len(hops),
             "supercell_cell_A": [float(x) for x in hop.initial.cell.lengths()]},
        host=system, species=species, mechanism="interface hop (film → coating)",
        lattice=None, formation_reference="not applicable (one hop)",
        notes=[f"model: {model_note + ', ' if model_note else ''}"
               f"{len(hop.initial)} atoms in the NEB cell"])


def prepare_endpoint_hop(initial, final, moving_index: int | None = None, label: str = "hop",
                         lattice: Lattice | None = None, reverse_equivalent: bool = False,
                         defect_fraction: float | None = None) -> HopCase:
    """A hop between user-given end points (e.g. an adatom between two hollow sites).

    ``initial``, ``final``: ase.Atoms with the same atoms in the same order (constraints
    kept; the NEB relaxes them). ``moving_index``: the hopping atom; None takes the atom
    displaced most between the end points (minimum image). ``lattice``: the walk the hop
    belongs to (e.g. :func:`~interfacemodel.analysis.diffusion.surface_lattice`); None gives
    hop rates only, no D. ``reverse_equivalent``: the backward hop is the same hop (its
    prefactor is then taken from the forward one when the reaction energy is below 1 meV).
    ``defect_fraction``: c in D (default 1: the diffusivity of the hopping atom itself).
    No formation energy. No calculator work.
    """
    from ase.geometry import find_mic

    if len(initial) != len(final) or list(initial.numbers) != list(final.numbers):
        raise UserInputError(f"initial and final end points must hold the same atoms in the "
                             f"same order: {initial.get_chemical_formula()} "
                             f"({len(initial)} atoms) and {final.get_chemical_formula()} "
                             f"({len(final)} atoms)")
    check_defect_fraction(defect_fraction)
    d, lengths = find_mic(final.positions - initial.positions, initial.cell, initial.pbc)
    if moving_index is None:
        moving_index = int(np.argmax(lengths))
    if not 0 <= int(moving_index) < len(initial):
        raise UserInputError(f"moving_index {moving_index} out of range: {len(initial)} atoms")
    moving_index = int(moving_index)
    length = float(lengths[moving_index])
    if not length > 0:
        raise UserInputError(f"atom {moving_index} does not move between the end points")
    notes = []
    if lattice is not None and abs(lattice.d_A - length) > 0.05 * length:
        notes.append(f"lattice hop length {lattice.d_A:.3f} Å differs from the end points' "
                     f"{length:.3f} Å")
    reference = ("not applicable (given end points): " +
                 ("c = 1, the D of the hopping atom itself" if defect_fraction is None
                  else f"defect fraction given: {defect_fraction:g}"))
    return HopCase(
        kind="endpoints", label=label, initial=initial.copy(), final=final.copy(),
        moving_index=moving_index, reverse_equivalent=bool(reverse_equivalent),
        hop={"label": label, "length_A": length,
             "multiplicity": None if lattice is None else lattice.z,
             "natoms": len(initial), "reverse_equivalent": bool(reverse_equivalent),
             "moving_index": moving_index,
             "supercell_cell_A": [float(x) for x in initial.cell.lengths()]},
        host=initial.get_chemical_formula(), species=initial[moving_index].symbol,
        mechanism=ENDPOINT_MECHANISM, lattice=lattice, defect_fraction=defect_fraction,
        formation_reference=reference, notes=notes)
