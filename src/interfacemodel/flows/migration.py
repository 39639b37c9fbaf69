"""The migration pipeline, declared once: hop (end points) → NEB (climbing image,
checkpointed) → Vineyard prefactors → D(T) and σ.

A hop is one of three kinds (:data:`~interfacemodel.analysis.migration.HOP_KINDS`): a bulk
hop (``host`` crystal, ``mechanism`` vacancy, interstitial or interstitialcy, optional
``solute``), an interface hop (a named ``system``: film → coating) or a hop between given end
points. Each step calls the library (:mod:`interfacemodel.analysis.migration`); :class:`MigrationMaker`
wires them into a :class:`jobflow.Flow`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ase import Atoms
from jobflow import Job

from ..analysis.diffusion import surface_lattice
from ..analysis.hop_rates import evaluate_migration, temperatures
from ..analysis.interface_energetics import EnergeticsSettings
from ..analysis.intrinsic import CARRIERS, IntrinsicDisorder, pair_kind_for
from ..analysis.migration import (
    HOP_FMAX_EV_PER_A,
    HOP_N_IMAGES,
    INTERSTITIAL_MECHANISMS,
    PHONON_CUTOFF_A,
    HopCase,
    MigrationResult,
    NEBProduct,
    Prefactors,
)
from ..errors import UserInputError
from ..procedures import hops
from ..procedures import migration as hop_work
from ..procedures.intrinsic import intrinsic_disorder
from ..structures import load_bulk
from .context import finish, say, step_calculator, workdir
from .energetics import DEFAULT_CALCULATOR, BulkProduct, InterfaceProduct, bulk_job
from .identity import PipelineMaker, step_job
from .local import run_flow
from .reevaluation import join_of, main_record

#: interface-hop arguments that ask for a model of its own (not a campaign's interface)
OWN_MODEL_KEYS = ("film_layers", "substrate_layers", "model_index", "relax_fmax")


# --------------------------------------------------------------------------- steps

def hop_step(name: str, case: dict[str, Any], calculator: str,
             host: BulkProduct | None = None, species: BulkProduct | None = None,
             interface: InterfaceProduct | None = None, initial: Atoms | None = None,
             final: Atoms | None = None) -> HopCase:
    """Build the hop and its end points. ``case``: the hop's arguments (``kind`` and those of
    :func:`~interfacemodel.procedures.hops.prepare_bulk_hop`,
    :func:`~interfacemodel.procedures.hops.prepare_interface_hop` or, with ``initial``
    and ``final``, :func:`~interfacemodel.procedures.hops.prepare_endpoint_hop`).
    ``host``/``species``: the bulk host and the bcc ``species`` (μ) relaxed elsewhere;
    ``interface``: a relaxed interface of the hop's system to hop in."""
    case = dict(case)
    kind = case.pop("kind")
    if kind == "bulk":
        if host is not None:
            case["host_reference"] = (host.atoms, host.reference,
                                      host.points()["bulk"].energy)
        if species is not None and "li_metal_energy_eV" not in case:
            case["li_metal_energy_eV"] = species.reference.per_atom_eV()
        hop = hops.prepare_bulk_hop(calc=step_calculator(calculator), progress=say, **case)
        if species is not None:  # the reservoir (μ) as a point every calculator evaluates
            hop.structures["reservoir"] = species.atoms
            hop.energies["reservoir"] = species.points()["bulk"].energy
    elif kind == "interface" and interface is not None:
        system = case.pop("system")
        meta = interface.metadata
        note = (f"the campaign's relaxed interface {meta['label']}, "
                f"{meta['film_layers']} + {meta['substrate_layers']} planes")
        hop = hops.interface_hop_case(interface.relaxed, system, model_note=note, **case)
    elif kind == "interface":
        hop = hops.prepare_interface_hop(calc=step_calculator(calculator), workdir=workdir(),
                                              progress=say, **case)
    else:
        lattice = None
        if case.get("surface_z"):  # a 2-D walk of z such hops: D(T) too
            length = hops.prepare_endpoint_hop(
                initial, final, moving_index=case.get("moving_index")).hop["length_A"]
            lattice = surface_lattice(case["surface_z"], length,
                                      name=f"2-D walk, z = {case['surface_z']}")
        hop = hops.prepare_endpoint_hop(initial, final, label=name, lattice=lattice,
                                             moving_index=case.get("moving_index"))
    finish("hop", name, {"hop": hop.hop, "label": hop.label}, calculator,
           {"initial": hop.initial, "final": hop.final})
    return hop


def neb_step(name: str, hop: HopCase, n_images: int, fmax: float, calculator: str,
             optimizer: str | None = None) -> NEBProduct:
    """The NEB of a hop: end points relaxed first, climbing image, checkpointed."""
    images, neb = hop_work.hop_band(hop, step_calculator(calculator), n_images=n_images, fmax=fmax,
                                     optimizer=optimizer, workdir=workdir(), progress=say)
    initial, saddle, final = hop_work.band_states(images, neb)
    finish("neb", name, neb, calculator, {"band": images})
    return NEBProduct(neb, initial, saddle, final)


def prefactor_step(name: str, hop: HopCase, band: NEBProduct, phonons: bool,
                   calculator: str, phonon_cutoff_A: float = PHONON_CUTOFF_A
                   ) -> Prefactors:
    """Vineyard attempt frequencies of the hop (forward, and backward when it differs)."""
    pre = hop_work.hop_prefactors(hop, band.initial, band.saddle, band.final, band.neb,
                                   step_calculator(calculator), phonons=phonons,
                                   phonon_cutoff_A=phonon_cutoff_A, progress=say)
    finish("prefactors", name, pre, calculator)
    return pre


def intrinsic_step(host: BulkProduct, kind: str, species: str, supercell: int, fmax: float,
                   calculator: str) -> IntrinsicDisorder:
    """The host's charge-neutral intrinsic disorder: the Schottky or Frenkel pair cell of the
    relaxed crystal, relaxed (positions), and its pair energy."""
    say(f"{kind} pair in {host.phase} ({supercell}x{supercell}x{supercell} cells)")
    record = intrinsic_disorder(host.atoms, step_calculator(calculator), kind, species,
                                supercell, fmax=fmax, name=host.phase)
    finish("intrinsic", host.phase, record, calculator)
    return record


@join_of(evaluate_migration)
def diffusivity_step(name: str, hop: HopCase, band: NEBProduct, prefactors: Prefactors,
                     temperatures_K: list[float], calculator: str,
                     intrinsic: IntrinsicDisorder | None = None) -> MigrationResult:
    """Join: the hop's :class:`~interfacemodel.analysis.migration.MigrationResult`
    (barriers, formation energy, D(T), σ, rates; the carriers of an ionic host from
    ``intrinsic``) from the campaign calculator's energies at the hop's points
    (:func:`~interfacemodel.analysis.hop_rates.evaluate_migration`)."""
    say(f"D(T) and rates at {len(temperatures_K)} temperature(s)")
    result = main_record(evaluate_migration, calculator, name=name, hop=hop, band=band,
                         prefactors=prefactors, temperatures_K=temperatures_K,
                         intrinsic=intrinsic)
    finish("migration", name, result, calculator)
    return result



# --------------------------------------------------------------------------- maker

@dataclass
class MigrationMaker(PipelineMaker):
    """One hop to D(T)::

        MigrationMaker(calculator="sevennet").make("li2se-vacancy", host="Li2Se",
                                                   mechanism="vacancy")

    ``case`` keywords: those of the hop's kind (a bulk hop: ``host``, ``mechanism``,
    ``species``, ``solute``, ``supercell``, ``hop_index``, ``defect_fraction``,
    ``sites_frac``; an interface hop: ``system``, ``species``, ...; end points:
    ``initial``, ``final`` (ase.Atoms), ``moving_index``, ``surface_z``). The flow's output
    is the :class:`~interfacemodel.analysis.migration.MigrationResult`."""

    name: str = "migration"
    calculator: Any = DEFAULT_CALCULATOR  # a spec, or an object for run_flow in this process
    n_images: int = HOP_N_IMAGES
    fmax: float = HOP_FMAX_EV_PER_A
    optimizer: str | None = None
    phonons: bool = True
    #: the partial Hessian's neighbourhood of the hopping atom (Å; cells larger than
    #: run.phonons.FULL_CELL_MAX_ATOMS): its atoms are displaced at the minimum and the saddle
    phonon_cutoff_A: float = PHONON_CUTOFF_A
    temperatures_K: list[float] = field(default_factory=lambda: [300.0])
    #: a bulk hop starts from the bulk-reference steps (the host and bcc ``species``, relaxed
    #: to ``bulk_fmax`` eV/Å: the same jobs as a campaign's interfaces) instead of relaxing
    #: them inside the hop step
    bulk_steps: bool = False
    bulk_fmax: float = EnergeticsSettings.bulk_fmax
    #: the carriers of a vacancy hop in an ionic host (AB: Schottky, A2B: Frenkel pairs), and
    #: of an interstitial or interstitialcy hop in an A2B (Frenkel) host: 'intrinsic' (its
    #: neutral pair disorder, computed), or 'metal' (the neutral defect formed against the
    #: metal, the right reservoir for a metal or an alloy)
    carriers: str = "intrinsic"
    intrinsic_supercell: int = 2

    def __post_init__(self):
        self.temperatures_K = temperatures(self.temperatures_K)  # > 0 K, else one line

    def jobs(self, name: str, interface: Job | None = None, **case: Any) -> list[Job]:
        """The flow's jobs, the join (D(T)) last. ``interface``: the interface job of an
        interface hop's system to hop in (unless the case asks for a model of its own,
        :data:`OWN_MODEL_KEYS`; without one the hop builds and relaxes its model)."""
        kind = "endpoints" if "initial" in case else "interface" if "system" in case \
            else "bulk"
        jobs: list[Job] = []
        inputs: dict[str, Any] = {}
        if kind == "bulk" and self.bulk_steps:
            for role, phase in (("host", case["host"]), ("species", case.get("species", "Li"))):
                jobs.append(bulk_job(phase, self.calculator, self.bulk_fmax))
                inputs[role] = jobs[-1].output
        elif kind == "interface" and interface is not None \
                and not any(k in case for k in OWN_MODEL_KEYS):
            jobs.append(interface)
            inputs["interface"] = interface.output
        elif kind == "endpoints":
            inputs["initial"], inputs["final"] = case.pop("initial"), case.pop("final")
        if self.carriers not in CARRIERS:
            raise UserInputError(f"carriers={self.carriers!r}; accepted: {', '.join(CARRIERS)}")
        pair = None
        mechanism = case.get("mechanism", "vacancy")
        if kind == "bulk" and self.carriers == "intrinsic" and not case.get("solute") \
                and case.get("defect_fraction") is None and isinstance(case["host"], str):
            pair = pair_kind_for(load_bulk(case["host"], as_atoms=True), case.get("species", "Li"))
            if mechanism in INTERSTITIAL_MECHANISMS and pair != "frenkel":
                pair = None  # Schottky pairs make vacancies only: no interstitial carriers
        hop = step_job(hop_step, f"hop:{name}", self.calculator, name=name,
                       case={"kind": kind, **case}, **inputs)
        neb = step_job(neb_step, f"neb:{name}", self.calculator, name=name, hop=hop.output,
                       n_images=self.n_images, fmax=self.fmax, optimizer=self.optimizer)
        cutoff = {} if self.phonon_cutoff_A == PHONON_CUTOFF_A else \
            {"phonon_cutoff_A": self.phonon_cutoff_A}  # the default: identities as before
        pre = step_job(prefactor_step, f"prefactors:{name}", self.calculator, name=name,
                       hop=hop.output, band=neb.output, phonons=self.phonons, **cutoff)
        extra: dict[str, Any] = {}
        if pair is not None:
            host = next((j for j in jobs if j.name == f"bulk:{case['host']}"), None) or \
                bulk_job(case["host"], self.calculator, self.bulk_fmax)
            if host not in jobs:
                jobs.append(host)
            disorder = step_job(intrinsic_step, f"intrinsic:{case['host']}", self.calculator,
                                host=host.output, kind=pair, species=case.get("species", "Li"),
                                supercell=self.intrinsic_supercell, fmax=self.fmax)
            jobs.append(disorder)
            extra["intrinsic"] = disorder.output
        join = step_job(diffusivity_step, f"diffusivity:{name}", self.calculator, name=name,
                        hop=hop.output, band=neb.output, prefactors=pre.output,
                        temperatures_K=list(self.temperatures_K), **extra)
        return [*jobs, hop, neb, pre, join]




# --------------------------------------------------------------------------- in this process

def _host_name(host) -> str:
    return host if isinstance(host, str) else host.get_chemical_formula(mode="metal")


def bulk_migration(host, calc: Any, species: str = "Li", mechanism: str = "vacancy",
                   temperatures_K=(300.0,), hop_index: int = 0, supercell=None,
                   n_images: int = HOP_N_IMAGES, fmax: float = HOP_FMAX_EV_PER_A,
                   phonons: bool = True,
                   li_metal_energy_eV: float | None = None, solute: str | None = None,
                   defect_fraction: float | None = None, sites_frac=None,
                   optimizer: str | None = None, workdir: str | Path | None = None,
                   progress=None) -> MigrationResult:
    """Barrier, attempt frequency and D(T) of the ``hop_index``-th ``mechanism`` hop
    ('vacancy', 'interstitial' or 'interstitialcy') of ``species`` in the crystal ``host`` (catalogue name or
    ase.Atoms, conventional cell), run in this process: the flow of :class:`MigrationMaker`
    with :func:`~interfacemodel.flows.local.run_flow`. The physics of each step (formation
    energy against bcc ``species`` or ``li_metal_energy_eV``, ``solute``–vacancy exchange,
    ``sites_frac``, ``defect_fraction``): :func:`~interfacemodel.analysis.migration.\
prepare_bulk_hop` and :func:`~interfacemodel.analysis.hop_rates.finish_migration`.
    ``calc``: a calculator spec or object; ``workdir``: checkpoints (a rerun resumes the
    NEB; None: none kept)."""
    maker = MigrationMaker(calculator=calc, n_images=n_images, fmax=fmax, optimizer=optimizer,
                           phonons=phonons, temperatures_K=list(temperatures_K))
    case = {"host": host, "species": species, "mechanism": mechanism, "hop_index": hop_index,
            "supercell": supercell, "li_metal_energy_eV": li_metal_energy_eV,
            "solute": solute, "defect_fraction": defect_fraction, "sites_frac": sites_frac}
    name = f"{solute or species}-{mechanism}-{_host_name(host)}"
    flow = maker.make(name, **{k: v for k, v in case.items() if v is not None})
    return run_flow(flow, workdir, progress=progress)


def vacancy_migration(host, calc: Any, species: str = "Li", **kwargs) -> MigrationResult:
    """:func:`bulk_migration` of a vacancy hop (``solute`` for a solute–vacancy exchange)."""
    return bulk_migration(host, calc, species=species, mechanism="vacancy", **kwargs)


def interstitial_migration(host, calc: Any, species: str = "Li", **kwargs) -> MigrationResult:
    """:func:`bulk_migration` of a direct interstitial hop (void to void)."""
    return bulk_migration(host, calc, species=species, mechanism="interstitial", **kwargs)


def interstitialcy_migration(host, calc: Any, species: str = "Li", **kwargs) -> MigrationResult:
    """:func:`bulk_migration` of an interstitialcy (knock-off) hop: two atoms move."""
    return bulk_migration(host, calc, species=species, mechanism="interstitialcy", **kwargs)


def interface_migration(system: str, calc: Any, species: str = "Li", temperatures_K=(300.0,),
                        hop_index: int = 0, n_images: int = HOP_N_IMAGES,
                        fmax: float = HOP_FMAX_EV_PER_A,
                        phonons: bool = True, model_index: int = 0, relax_fmax: float = 0.05,
                        supercell=None, optimizer: str | None = None,
                        layer_tolerance_A: float = 0.6, workdir: str | Path | None = None,
                        progress=None) -> MigrationResult:
    """A ``species`` hop from the Li film's last layer into the coating's first layer of the
    named ``system``'s slab model ``model_index`` (relaxed first), run in this process: the
    flow of :class:`MigrationMaker` (:func:`~interfacemodel.analysis.migration.\
prepare_interface_hop` for the physics). ``workdir``: checkpoints (None: none kept)."""
    maker = MigrationMaker(calculator=calc, n_images=n_images, fmax=fmax, optimizer=optimizer,
                           phonons=phonons, temperatures_K=list(temperatures_K))
    case = {"system": system, "species": species, "hop_index": hop_index,
            "model_index": model_index, "relax_fmax": relax_fmax, "supercell": supercell,
            "layer_tolerance_A": layer_tolerance_A}
    flow = maker.make(f"{species}-interface-{system}",
                      **{k: v for k, v in case.items() if v is not None})
    return run_flow(flow, workdir, progress=progress)
