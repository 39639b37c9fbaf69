"""Workflow constructors: campaign specs → FireWorks workflows.

* interface energetics, per system: bulk references (shared between systems) → interface
  (build from the relaxed crystals, registry/interlayer scan, relax) → adhesion (cleaved
  parts: W_adh ideal/relaxed, γ_int) and free surfaces → energetics (join, wetting), with
  the coating's reaction with Li from its own Firework;
* barrier, per hop: end points → NEB → Vineyard prefactors → D(T);
* a campaign fans out over its interfaces and barriers and joins in one summary Firework.

Each Firework carries the workflow's calculator, a canonical hash of what it computes
(:func:`~interfacemodel.workflows.tasks.canonical_hash` of task, parameters, calculator and
the hashes of the Fireworks it consumes) and :class:`~.tasks.HashDupeFinder`, so identical
work is never run twice, within a campaign or across campaigns on the same LaunchPad.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .specs import BarrierEntry, CampaignSpec, InterfaceEntry, SegregationEntry, report_rows


class _Builder:
    """Collects Fireworks and their parent links; one Firework per distinct hash."""

    def __init__(self, campaign: str, calc_spec: str, checkpoints: Path):
        from .tasks import calculator_identity

        self.campaign, self.calc_spec, self.checkpoints = campaign, calc_spec, checkpoints
        self.calc_id = calculator_identity(calc_spec)
        self.fws: dict[str, Any] = {}  # hash -> Firework
        self.parents: dict[str, list[str]] = {}

    def add(self, task, name: str, identity: dict, parents: list[str] = ()) -> str:
        from fireworks import Firework

        from .tasks import HashDupeFinder, canonical_hash

        parents = list(dict.fromkeys(parents))
        key = canonical_hash({"task": type(task).__name__, "identity": identity,
                              "calculator": self.calc_id,
                              "inputs": sorted(parents)})
        if key not in self.fws:
            spec = {"calculator": self.calc_spec, "_im_hash": key, "_im_campaign": self.campaign,
                    "_im_checkpoints": str(self.checkpoints), "_dupefinder": HashDupeFinder()}
            self.fws[key] = Firework([task], spec=spec, name=f"{self.campaign}:{name}")
            self.parents[key] = parents
        return key

    def workflow(self, name: str):
        from fireworks import Workflow

        links: dict[Any, list] = {}
        for child, parents in self.parents.items():
            for parent in parents:
                links.setdefault(self.fws[parent], []).append(self.fws[child])
        from .tasks import canonical_hash

        return Workflow(list(self.fws.values()), links_dict=links, name=name,
                        metadata={"campaign": self.campaign, "calculator": self.calc_spec,
                                  "campaign_hash": canonical_hash(sorted(self.fws))})


def _bulk(b: _Builder, phase: str, fmax: float) -> str:
    from ..records import structure_hash
    from ..structures import load_bulk
    from .tasks import BulkReferenceTask

    crystal = structure_hash(load_bulk(phase, as_atoms=True))
    return b.add(BulkReferenceTask(phase=phase, fmax=fmax), f"bulk:{phase}",
                 {"phase": phase, "structure": crystal, "fmax": fmax})


def add_energetics(b: _Builder, entry: InterfaceEntry) -> str:
    """The Fireworks of one interface's energetics; returns the join Firework's key."""
    from ..analysis.interface_energetics import EnergeticsSettings
    from ..build.systems import system_recipe
    from ..records import from_dict, to_dict
    from .tasks import AdhesionTask, EnergeticsTask, InterfaceTask, ReactionTask, SurfacesTask

    recipe = system_recipe(entry.system)
    settings = to_dict(from_dict(EnergeticsSettings, entry.settings))  # defaults filled in
    bulk_fmax = settings["bulk_fmax"]
    film = _bulk(b, recipe.film, bulk_fmax)
    sub = _bulk(b, recipe.substrate, bulk_fmax)
    # unset (None) fields stay out of the hash: a new optional setting does not invalidate
    # the work done before it existed
    ident = {"system": recipe.name,
             "settings": {k: v for k, v in settings.items() if v is not None}}
    s = recipe.name
    interface = b.add(InterfaceTask(system=s, settings=settings), f"interface:{s}", ident,
                      [film, sub])
    adhesion = b.add(AdhesionTask(system=s, settings=settings), f"adhesion:{s}", ident,
                     [interface, film, sub])
    joined = [interface, adhesion, film, sub]
    if settings["surface_slabs"]:
        joined.append(b.add(SurfacesTask(system=s, settings=settings), f"surfaces:{s}", ident,
                            [interface, film, sub]))
    if settings["reactivity"]:
        li = film if recipe.film == "Li" else _bulk(b, "Li", bulk_fmax)
        joined.append(b.add(ReactionTask(coating=recipe.substrate),
                            f"reaction:{recipe.substrate}", {"coating": recipe.substrate},
                            [sub, li]))
    return b.add(EnergeticsTask(system=s, settings=settings), f"energetics:{s}", ident, joined)


#: interface-hop arguments that ask for a model of its own (not the campaign's interface)
OWN_MODEL_KEYS = ("film_layers", "substrate_layers", "model_index", "relax_fmax")


def _hop_inputs(b: _Builder, entry: BarrierEntry) -> list[str]:
    """The Fireworks whose products a hop reuses instead of computing them again: the bulk
    host and bcc ``species`` (μ) of a bulk hop, relaxed to the default bulk fmax as
    :func:`~interfacemodel.analysis.migration.prepare_bulk_hop` would; the campaign's relaxed
    interface of an interface hop of the same system (unless the entry asks for a model of
    its own)."""
    from ..analysis.interface_energetics import EnergeticsSettings

    case = entry.case
    if entry.kind == "bulk":
        fmax = EnergeticsSettings.bulk_fmax
        return [_bulk(b, case["host"], fmax), _bulk(b, case.get("species", "Li"), fmax)]
    if entry.kind == "interface" and not any(k in case for k in OWN_MODEL_KEYS):
        from ..build.systems import system_recipe

        name = f"{b.campaign}:interface:{system_recipe(case['system']).name}"
        return [k for k, fw in b.fws.items() if fw.name == name]
    return []


def add_barrier(b: _Builder, entry: BarrierEntry) -> str:
    """end points → NEB → prefactors → D(T) of one hop; returns the last Firework's key.
    Shared inputs (:func:`_hop_inputs`) are parents of the hop."""
    from .tasks import DiffusivityTask, HopTask, NEBTask, PrefactorTask

    case = {"kind": entry.kind, **entry.case}
    ident: dict[str, Any] = {"case": case}
    if entry.kind == "endpoints":  # the files' content, not their paths, is the input
        from ase.io import read

        from ..records import structure_hash

        ident = {"case": {k: v for k, v in case.items() if k not in ("initial", "final")},
                 "initial": structure_hash(read(case["initial"])),
                 "final": structure_hash(read(case["final"]))}
    n = entry.name
    hop = b.add(HopTask(name=n, case=case), f"hop:{n}", ident, _hop_inputs(b, entry))
    neb = b.add(NEBTask(name=n, n_images=entry.n_images, fmax=entry.fmax,
                        optimizer=entry.optimizer), f"neb:{n}",
                {"n_images": entry.n_images, "fmax": entry.fmax, "optimizer": entry.optimizer},
                [hop])
    pre = b.add(PrefactorTask(name=n, phonons=entry.phonons), f"prefactors:{n}",
                {"phonons": entry.phonons}, [hop, neb])
    return b.add(DiffusivityTask(name=n, temperatures_K=entry.temperatures_K),
                 f"diffusivity:{n}", {"temperatures_K": entry.temperatures_K}, [hop, neb, pre])


def add_segregation(b: _Builder, entry: SegregationEntry, bulk_fmax: float) -> str:
    """Solute segregation in the film of a named system (after its bulk references)."""
    from ..build.systems import system_recipe
    from .tasks import SegregationTask

    recipe = system_recipe(entry.system)
    parents = [_bulk(b, recipe.film, bulk_fmax), _bulk(b, recipe.substrate, bulk_fmax)]
    params = {"system": recipe.name, "solute": entry.solute, "fmax": entry.fmax,
              "film_layers": entry.film_layers}
    return b.add(SegregationTask(**params), f"segregation:{recipe.name}", params, parents)


def campaign_workflow(spec: CampaignSpec, checkpoints: str | Path):
    """The FireWorks Workflow of a campaign: every interface and barrier, joined in one
    :class:`~.tasks.CampaignSummaryTask`. ``checkpoints``: a folder every worker can reach
    (relaxation and NEB checkpoints; a rerun resumes from them)."""
    from ..analysis.interface_energetics import EnergeticsSettings
    from .tasks import CampaignSummaryTask

    b = _Builder(spec.name, spec.calculator, Path(checkpoints).resolve())
    finals = [add_energetics(b, e) for e in spec.interfaces]
    finals += [add_barrier(b, e) for e in spec.barriers]
    bulk_fmax = {e.system: e.settings.get("bulk_fmax", EnergeticsSettings.bulk_fmax)
                 for e in spec.interfaces}
    finals += [add_segregation(b, g, bulk_fmax.get(g.system, EnergeticsSettings.bulk_fmax))
               for g in spec.segregation]
    if spec.report is None:
        b.add(CampaignSummaryTask(campaign=spec.name), f"summary:{spec.name}",
              {"campaign": spec.name}, finals)
    else:
        from .tasks import ReportTask

        rows = report_rows(spec)
        pictures = [k for k, fw in b.fws.items() if ":interface:" in fw.name]
        params = {"campaign": spec.name, "rows": rows, "title": spec.report.get("title"),
                  "calculator": spec.calculator}
        b.add(ReportTask(**params), f"report:{spec.name}", params, finals + pictures)
    return b.workflow(f"{spec.name} ({spec.calculator})")
