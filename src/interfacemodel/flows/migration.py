"""The migration pipeline, declared once: hop (end points) → NEB (climbing image,
checkpointed) → Vineyard prefactors → D(T) and σ.

A hop is one of three kinds (:data:`~interfacemodel.analysis.migration.HOP_KINDS`): a bulk
hop (``host`` crystal, ``mechanism`` vacancy or interstitial, optional ``solute``), an
interface hop (a named ``system``: film → coating) or a hop between given end points. Each
step calls the library (:mod:`interfacemodel.analysis.migration`); :class:`MigrationMaker`
wires them into a :class:`jobflow.Flow`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ase import Atoms
from jobflow import Flow, Job, Maker

from ..analysis import migration
from ..analysis.diffusion import surface_lattice
from ..analysis.interface_energetics import EnergeticsSettings
from ..analysis.migration import HopCase, MigrationResult, Prefactors
from ..records import Record
from ..run.neb import NEBRecord
from .context import calculator, finish, say, workdir
from .energetics import DEFAULT_CALCULATOR, BulkProduct, InterfaceProduct, bulk_job
from .identity import flow_of, step_job

#: interface-hop arguments that ask for a model of its own (not a campaign's interface)
OWN_MODEL_KEYS = ("film_layers", "substrate_layers", "model_index", "relax_fmax")


@dataclass
class NEBProduct(Record):
    """The NEB record of a hop, its relaxed end points and its saddle image (Å)."""

    neb: NEBRecord
    initial: Atoms
    saddle: Atoms
    final: Atoms


# --------------------------------------------------------------------------- steps

def hop_step(name: str, case: dict[str, Any], calculator: str,
             host: BulkProduct | None = None, species: BulkProduct | None = None,
             interface: InterfaceProduct | None = None, initial: Atoms | None = None,
             final: Atoms | None = None) -> HopCase:
    """Build the hop and its end points. ``case``: the hop's arguments (``kind`` and those of
    :func:`~interfacemodel.analysis.migration.prepare_bulk_hop`,
    :func:`~interfacemodel.analysis.migration.prepare_interface_hop` or, with ``initial``
    and ``final``, :func:`~interfacemodel.analysis.migration.prepare_endpoint_hop`).
    ``host``/``species``: the bulk host and the bcc ``species`` (μ) relaxed elsewhere;
    ``interface``: a relaxed interface of the hop's system to hop in."""
    case = dict(case)
    kind = case.pop("kind")
    if kind == "bulk":
        if host is not None:
            case["host_reference"] = (host.atoms, host.reference)
        if species is not None and "li_metal_energy_eV" not in case:
            case["li_metal_energy_eV"] = species.reference.per_atom_eV()
        hop = migration.prepare_bulk_hop(calc=_calc(calculator), progress=say, **case)
    elif kind == "interface" and interface is not None:
        system = case.pop("system")
        meta = interface.metadata
        note = (f"the campaign's relaxed interface {meta['label']}, "
                f"{meta['film_layers']} + {meta['substrate_layers']} planes")
        hop = migration.interface_hop_case(interface.relaxed, system, model_note=note, **case)
    elif kind == "interface":
        hop = migration.prepare_interface_hop(calc=_calc(calculator), workdir=workdir(),
                                              progress=say, **case)
    else:
        lattice = None
        if case.get("surface_z"):  # a 2-D walk of z such hops: D(T) too
            length = migration.prepare_endpoint_hop(
                initial, final, moving_index=case.get("moving_index")).hop["length_A"]
            lattice = surface_lattice(case["surface_z"], length,
                                      name=f"2-D walk, z = {case['surface_z']}")
        hop = migration.prepare_endpoint_hop(initial, final, label=name, lattice=lattice,
                                             moving_index=case.get("moving_index"))
    finish("hop", name, {"hop": hop.hop, "label": hop.label}, calculator,
           {"initial": hop.initial, "final": hop.final})
    return hop


def neb_step(name: str, hop: HopCase, n_images: int, fmax: float, calculator: str,
             optimizer: str | None = None) -> NEBProduct:
    """The NEB of a hop: end points relaxed first, climbing image, checkpointed."""
    images, neb = migration.hop_band(hop, _calc(calculator), n_images=n_images, fmax=fmax,
                                     optimizer=optimizer, workdir=workdir(), progress=say)
    initial, saddle, final = migration.band_states(images, neb)
    finish("neb", name, neb, calculator, {"band": images})
    return NEBProduct(neb, initial, saddle, final)


def prefactor_step(name: str, hop: HopCase, band: NEBProduct, phonons: bool,
                   calculator: str) -> Prefactors:
    """Vineyard attempt frequencies of the hop (forward, and backward when it differs)."""
    pre = migration.hop_prefactors(hop, band.initial, band.saddle, band.final, band.neb,
                                   _calc(calculator), phonons=phonons, progress=say)
    finish("prefactors", name, pre, calculator)
    return pre


def diffusivity_step(name: str, hop: HopCase, band: NEBProduct, prefactors: Prefactors,
                     temperatures_K: list[float], calculator: str) -> MigrationResult:
    """Join: the hop's :class:`~interfacemodel.analysis.migration.MigrationResult`
    (formation energy, D(T), σ, rates)."""
    calc = _calc(calculator)
    result = migration.finish_migration(hop, band.neb, prefactors, calc,
                                        temperatures_K=temperatures_K, calc=calc, progress=say)
    finish("migration", name, result, calculator)
    return result


def _calc(calc_spec: str):
    return calculator(calc_spec)


# --------------------------------------------------------------------------- maker

@dataclass
class MigrationMaker(Maker):
    """One hop to D(T)::

        MigrationMaker(calculator="sevennet").make("li2se-vacancy", host="Li2Se",
                                                   mechanism="vacancy")

    ``case`` keywords: those of the hop's kind (a bulk hop: ``host``, ``mechanism``,
    ``species``, ``solute``, ``supercell``, ``hop_index``, ``defect_fraction``,
    ``sites_frac``; an interface hop: ``system``, ``species``, ...; end points:
    ``initial``, ``final`` (ase.Atoms), ``moving_index``, ``surface_z``). The flow's output
    is the :class:`~interfacemodel.analysis.migration.MigrationResult`."""

    name: str = "migration"
    calculator: str = DEFAULT_CALCULATOR
    n_images: int = 5
    fmax: float = 0.03
    optimizer: str | None = None
    phonons: bool = True
    temperatures_K: list[float] = field(default_factory=lambda: [300.0])

    def jobs(self, name: str, bulk: dict[str, Job] | None = None,
             interface: Job | None = None, **case: Any) -> list[Job]:
        """The flow's jobs, the join (D(T)) last. ``bulk``: bulk-reference jobs made
        elsewhere (the host and μ of a bulk hop; made here when missing); ``interface``: the
        interface job of an interface hop's system to hop in (unless the case asks for a
        model of its own, :data:`OWN_MODEL_KEYS`)."""
        kind = "endpoints" if "initial" in case else "interface" if "system" in case \
            else "bulk"
        jobs: list[Job] = []
        inputs: dict[str, Any] = {}
        if kind == "bulk":
            bulk = dict(bulk or {})
            fmax = EnergeticsSettings.bulk_fmax
            for role, phase in (("host", case["host"]), ("species", case.get("species", "Li"))):
                job = bulk.get(phase) or bulk_job(phase, self.calculator, fmax)
                jobs.append(job)
                inputs[role] = job.output
        elif kind == "interface" and interface is not None \
                and not any(k in case for k in OWN_MODEL_KEYS):
            jobs.append(interface)
            inputs["interface"] = interface.output
        elif kind == "endpoints":
            inputs["initial"], inputs["final"] = case.pop("initial"), case.pop("final")
        hop = step_job(hop_step, f"hop:{name}", self.calculator, name=name,
                       case={"kind": kind, **case}, **inputs)
        neb = step_job(neb_step, f"neb:{name}", self.calculator, name=name, hop=hop.output,
                       n_images=self.n_images, fmax=self.fmax, optimizer=self.optimizer)
        pre = step_job(prefactor_step, f"prefactors:{name}", self.calculator, name=name,
                       hop=hop.output, band=neb.output, phonons=self.phonons)
        join = step_job(diffusivity_step, f"diffusivity:{name}", self.calculator, name=name,
                        hop=hop.output, band=neb.output, prefactors=pre.output,
                        temperatures_K=list(self.temperatures_K))
        return [*jobs, hop, neb, pre, join]

    def make(self, name: str, bulk: dict[str, Job] | None = None,
             interface: Job | None = None, **case: Any) -> Flow:
        jobs = self.jobs(name, bulk, interface, **case)
        return flow_of(jobs, f"{self.name} {name}", output=jobs[-1].output)

