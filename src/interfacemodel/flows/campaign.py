"""A campaign (a YAML spec, :mod:`~interfacemodel.flows.specs`) as one flow: every interface's
energetics, every barrier, every segregation entry, joined in the comparison report (a spec
with a ``report`` section) or in a summary of the headline numbers.

Work shared between pipelines is one job: the bulk references of a crystal (the film of one
system, the substrate of another, the host of a barrier), and the relaxed interface an
interface hop of the same system hops in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from ase.io import read
from jobflow import Flow, Job

from ..analysis.committee import ShortRelaxation
from ..analysis.comparison import member_values as record_values
from ..analysis.interface_energetics import ENERGETICS, EnergeticsSettings
from ..analysis.migration import hop_quantities
from ..models.systems import system_recipe
from ..procedures.committee import member_values
from ..records import from_dict, to_dict
from ..report import CoatingResult, report_values, write_report
from ..report.records import RECORD_FIELDS
from .committee import (
    committee_energetics_jobs,
    committee_migration_job,
    committee_reaction_job,
    committee_segregation_job,
)
from .context import finish, job_uuid, say
from .energetics import InterfaceEnergeticsMaker
from .identity import flow_of, step_job
from .migration import MigrationMaker
from .segregation import SegregationMaker
from .solubility import SolubilityMaker, committee_solubility_job
from .solute_screen import SoluteScreenMaker
from .specs import CampaignSpec, report_rows

# --------------------------------------------------------------------------- joins

#: a hop's report values that need more than its barriers (E_f, carriers, D, σ)
HOP_VALUES_BEYOND_BARRIER = ("D_", "sigma_", "carrier_fraction_", "pair_energy_")

def report_step(campaign: str, rows: list[dict[str, Any]], calculator: str | None = None,
                title: str | None = None, functionals: list[str] | None = None,
                refine: str | None = None, refine_barriers_only: bool = False,
                screen: Any = None) -> dict[str, Any]:
    """The comparison report (report.md, report.html, results.json, results.csv, figures)
    written into ``report/`` of the current folder. ``rows``: per coating, its records
    (:data:`~interfacemodel.report.records.RECORD_FIELDS`), its relaxed
    interface (``interface``, for the picture) and its committee members' products
    (``committee``: member spec → {'energetics', 'reaction', and the record fields of its
    hops}); the members named in ``functionals`` and ``refine`` (the DFT check) are reported
    beside the numbers, not in the spread. ``check`` (optional): the DFT check's own model of
    the interface ({'model': its interface product, 'members': calculator → its numbers
    there}, the campaign's calculator among them); ``hop_checks`` (optional): per record field
    the DFT check's own hop cell ({'hop', 'members': calculator → its barriers there}).
    ``refine_barriers_only``: the DFT check
    took the hops' barriers only (on models of its own): its other hop numbers (E_f, D, σ,
    carriers, kept at the main model's formation energy) are not reported. ``screen``: the
    campaign's solute screen (:class:`~interfacemodel.analysis.solute_screen.SoluteScreen`),
    a section of its own."""
    results = []
    for row in rows:
        fields = {part: row.get(part) for part in RECORD_FIELDS}
        picture = row["interface"].relaxed if row.get("interface") is not None else None
        committee = {}
        for member, parts in (row.get("committee") or {}).items():
            hops = {part: parts[part] for part in RECORD_FIELDS if part in parts}
            committee[member] = member_values(
                parts.get("energetics"), getattr(parts.get("reaction"), "reaction", None),
                record_values({part: to_dict(rec) for part, rec in hops.items()}))
        other = {m: committee.pop(m) for m in functionals or [] if m in committee}
        check = {m: committee.pop(m) for m in [refine] if m in committee}
        if refine_barriers_only and refine in check:
            check[refine] = {k: v for k, v in check[refine].items()
                             if not k.startswith(HOP_VALUES_BEYOND_BARRIER)}
        model, model_atoms, relaxed, forces = None, None, None, None
        if row.get("check"):  # the DFT check's own model: every calculator's numbers there
            model = {m: member_values(out) for m, out in row["check"]["members"].items()}
            size = len(row["check"]["model"].relaxed)
            model_atoms = {name: size for values in model.values() for name in values}
        for part, hop_check in (row.get("hop_checks") or {}).items():  # hop cells of its own
            size = len(hop_check["hop"].initial)
            for member, out in hop_check["members"].items():
                values = {k: v for k, v in record_values({part: to_dict(out)}).items()
                          if not k.startswith(HOP_VALUES_BEYOND_BARRIER)}
                model = model or {}
                model.setdefault(member, {}).update(values)
                model_atoms = model_atoms or {}
                model_atoms.update({name: size for name in values})
        if model is not None and refine in model:
            check.setdefault(refine, {}).update(model.pop(refine))
        if row.get("check"):
            dft = row["check"]["members"].get(refine)
            if dft is not None and dft.forces_eV_per_A is not None:  # its short relaxation
                forces = {"at_ml_geometry": dft.forces_eV_per_A,
                          "relaxation": dft.relaxation or {}}
                if dft.relaxed_values:
                    relaxed = {refine: {k: v for k, v in dft.relaxed_values.items()
                                        if v is not None}}
        results.append(CoatingResult(row["coating"], row["system"], row.get("role", "coating"),
                                     relaxed_interface=picture, committee=committee or None,
                                     committee_main=calculator, functionals=other or None,
                                     refine=check or None, refine_model=model,
                                     refine_model_atoms=model_atoms, refine_relaxed=relaxed,
                                     refine_forces=forces, **fields))
    info = {"name": campaign, "calculator": calculator, "fireworks_hash": job_uuid()}
    out = Path.cwd() / "report"
    write_report(results, out, campaign=info, overwrite=True, screen=screen,
                 **({"title": title} if title else {}))
    say(f"report written: {out}")
    finish("report", campaign, {"report_dir": str(out), "values": report_values(results)},
           calculator)
    return {"report_dir": str(out)}


def summary_step(campaign: str, records: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The headline numbers of every interface and barrier: ``records`` maps a product name
    (``energetics:<system>``, ``migration:<hop>``) to ``{'key': its job's uuid, 'record'}``."""
    rows = [{"product": name, "key": ref["key"],
             "summary": summarise({"kind": name.split(":", 1)[0],
                                   "record": to_dict(ref["record"])})}
            for name, ref in sorted(records.items())]
    summary = {"campaign": campaign, "results": rows}
    finish("campaign", campaign, summary)
    return {"n": len(rows)}


#: the headline numbers of each kind of result document, from their declarations
HEADLINES = {"energetics": tuple(q for q in ENERGETICS if q.headline),
             "migration": tuple(q for q in hop_quantities() if q.headline)}


def summarise(doc: dict) -> dict[str, Any]:
    """The headline numbers of a results document (energetics or migration): its declared
    ``headline`` quantities by value name, and whether the record converged."""
    rec = doc.get("record") or {}
    quantities = HEADLINES.get(doc.get("kind"))
    if quantities is None:
        return {}
    out = {}
    for q in quantities:
        out.update({item["name"]: item["value"] for item in q.items(rec)})
    out["converged"] = rec.get("converged") if doc["kind"] == "energetics" else \
        (rec.get("neb") or {}).get("converged")
    return out


# --------------------------------------------------------------------------- the campaign

#: the name tag of the jobs of a DFT check's own model of an interface
CHECK_TAG = " [check model]"


def check_model_jobs(system: str, settings: dict[str, Any], main: list[Job], calculator: str,
                     members: list[str], refine: str | None = None,
                     relax_above_eV_per_A: float | None = None,
                     relax_steps: int = ShortRelaxation.steps
                     ) -> tuple[list[Job], dict[str, Any]]:
    """The DFT check's own model of ``system`` (``settings``: its EnergeticsSettings fields):
    relaxed by ``calculator`` (the campaign's) with its bulk crystals shared with the main
    pipeline ``main``, then single points of its geometries by ``calculator`` itself and by
    each of ``members`` (committee and DFT). The DFT check (``refine``, one of ``members``)
    then relaxes for at most ``relax_steps`` steps each structure on which its forces exceed
    ``relax_above_eV_per_A`` (None: never), towards the model's fmax
    (:class:`~interfacemodel.analysis.committee.ShortRelaxation`). Returns ``(jobs, {'model':
    its interface product, 'members': calculator -> MemberEnergetics output})``."""
    small = replace(from_dict(EnergeticsSettings, settings), reactivity=False)
    made = InterfaceEnergeticsMaker(calculator=calculator, settings=small,
                                    tag=CHECK_TAG).jobs(system)
    # its energetics join is left out: the report reads every calculator's numbers from the
    # single-point jobs below (the campaign's calculator among them)
    jobs, outputs = [j for j in made if not j.name.startswith("energetics:")], {}
    short = None if relax_above_eV_per_A is None else ShortRelaxation(
        relax_above_eV_per_A, relax_steps, small.fmax)
    for member in [calculator, *members]:
        extra, out = committee_energetics_jobs(
            system, small, made, member, tag=CHECK_TAG,
            short_relax=short if member == refine else None)
        jobs += extra
        outputs[member] = out["energetics"]
    model = next(j for j in made if j.name == f"interface:{system}{CHECK_TAG}").output
    return jobs, {"model": model, "members": outputs}


def check_hop_jobs(name: str, entry, cell: dict[str, Any], calculator: str,
                   members: list[str]) -> tuple[list[Job], dict[str, Any]]:
    """The DFT check's own hop cell of the bulk barrier ``entry`` (``cell``: its
    ``supercell`` and ``host_cell``, :func:`~interfacemodel.analysis.migration.\
prepare_bulk_hop`): the hop built on the host crystal relaxed by ``calculator`` (the
    campaign's bulk job, shared), its NEB with ``calculator``, then single points of that
    NEB's end points and saddle by ``calculator`` itself and each of ``members`` (committee
    and DFT). Returns ``(jobs, {'hop': the hop's output, 'members': calculator → its
    MigrationResult})``; the name of each job carries :data:`CHECK_TAG`."""
    tagged = f"{name}{CHECK_TAG}"
    case = {**entry.case, **cell}
    maker = MigrationMaker(calculator=calculator, n_images=entry.n_images, fmax=entry.fmax,
                           optimizer=entry.optimizer, phonons=False, bulk_steps=True,
                           carriers="metal")
    # carriers='metal': no pair-cell job; the D(T) join is not the check's
    made = [j for j in maker.jobs(tagged, **case) if not j.name.startswith("diffusivity:")]
    jobs, outputs = list(made), {}
    for member in [calculator, *members]:
        jobs.append(committee_migration_job(tagged, made, member, list(entry.temperatures_K),
                                            case, barrier_only=True))
        outputs[member] = jobs[-1].output
    hop = next(j for j in made if j.name == f"hop:{tagged}").output
    return jobs, {"hop": hop, "members": outputs}


def campaign_flow(spec: CampaignSpec) -> Flow:
    """Every job of the campaign ``spec``, one per distinct piece of work, the join last."""
    calc = spec.calculator
    jobs: list[Job] = []  # equal work is one job: flow_of keeps one per uuid
    finals: dict[str, Job] = {}
    interfaces: dict[str, Job] = {}
    committee: dict[str, dict[str, dict[str, Any]]] = {}  # system -> member -> outputs
    members_of: dict[str, dict[str, Any]] = defaultdict(dict)  # product -> member -> output
    models = spec.refine_models if spec.refine else None  # the DFT check's own models
    checks: dict[str, dict[str, Any]] = {}  # system -> {'model', 'members': member -> output}
    hop_checks: dict[str, dict[str, Any]] = {}  # 'migration:<hop>' -> {'hop', 'members'}
    for entry in spec.interfaces:
        settings = from_dict(EnergeticsSettings, entry.settings)  # defaults filled in
        system = system_recipe(entry.system).name
        made = InterfaceEnergeticsMaker(calculator=calc, settings=settings).jobs(system)
        jobs += made
        interfaces[system] = next(j for j in made if j.name == f"interface:{system}")
        finals[f"energetics:{system}"] = made[-1]
        for member in spec.members():
            if models is not None and member == spec.refine:
                continue  # checked on its own models below
            extra, outputs = committee_energetics_jobs(system, settings, made, member)
            jobs += extra
            committee.setdefault(system, {})[member] = outputs
        if models is not None and system in models.systems:
            extra, checks[system] = check_model_jobs(
                system, models.systems[system], made, calc, [*spec.committee, spec.refine],
                spec.refine, models.relax_above_eV_per_A, models.relax_steps)
            jobs += extra
        if models is not None and system in models.systems and models.reaction \
                and settings.reactivity:
            jobs.append(committee_reaction_job(system, made, spec.refine))
            committee.setdefault(system, {})[spec.refine] = {"reaction": jobs[-1].output}
    for entry in spec.barriers:
        maker = MigrationMaker(calculator=calc, n_images=entry.n_images, fmax=entry.fmax,
                               optimizer=entry.optimizer, phonons=entry.phonons,
                               phonon_cutoff_A=entry.phonon_cutoff_A,
                               temperatures_K=list(entry.temperatures_K), bulk_steps=True,
                               carriers=entry.carriers)
        case = dict(entry.case)
        if entry.kind == "endpoints":
            case["initial"], case["final"] = read(case["initial"]), read(case["final"])
        interface = interfaces.get(system_recipe(case["system"]).name) \
            if entry.kind == "interface" else None
        made = maker.jobs(entry.name, interface, **case)
        jobs += made
        finals[f"migration:{entry.name}"] = made[-1]
        own = models is not None and entry.name in models.hops
        if own:
            extra, hop_checks[f"migration:{entry.name}"] = check_hop_jobs(
                entry.name, entry, models.hops[entry.name], calc,
                [*spec.committee, spec.refine])
            jobs += extra
        for member in spec.members():
            if member == spec.refine and models is not None and (
                    own or (models.barriers is not None and entry.name not in models.barriers)):
                continue  # the DFT check leaves this hop out, or checks it on its own cell
            jobs.append(committee_migration_job(
                entry.name, made, member, list(entry.temperatures_K), case,
                barrier_only=member == spec.refine and models is not None))
            members_of[f"migration:{entry.name}"][member] = jobs[-1].output
    bulk_fmax = {system_recipe(e.system).name: e.settings.get("bulk_fmax") or
                 EnergeticsSettings.bulk_fmax for e in spec.interfaces}
    for entry in spec.segregation:
        system = system_recipe(entry.system).name
        made = SegregationMaker(calculator=calc, fmax=entry.fmax, film_layers=entry.film_layers,
                                bulk_fmax=bulk_fmax.get(system, EnergeticsSettings.bulk_fmax)
                                ).jobs(system, entry.solute)
        jobs += made
        finals[f"segregation:{system}"] = made[-1]
        for member in spec.members():
            if member == spec.refine and models is not None:
                continue  # the DFT check on models of its own leaves segregation out
            jobs.append(committee_segregation_job(system, made, member))
            members_of[f"segregation:{system}"][member] = jobs[-1].output
    li_fmax = min(bulk_fmax.values(), default=EnergeticsSettings.bulk_fmax)
    for entry in spec.solubility:
        made = SolubilityMaker(calculator=calc, fmax=entry.fmax, supercell=entry.supercell,
                               bulk_fmax=li_fmax).jobs(entry.solute,
                                                       solid_solutions=entry.solid_solutions)
        jobs += made
        finals[f"solubility:{entry.solute}"] = made[-1]
        for member in spec.members():
            if member == spec.refine and models is not None:
                continue  # the DFT check on models of its own leaves the solubility out
            jobs.append(committee_solubility_job(entry.solute, made, member))
            members_of[f"solubility:{entry.solute}"][member] = jobs[-1].output
    screen = None
    if spec.solute_screen is not None:  # one calculator: no committee (the report says so)
        cfg = spec.solute_screen
        made = SoluteScreenMaker(calculator=calc, fmax=cfg["fmax"], layers=cfg["layers"],
                                 bulk_fmax=li_fmax).jobs(
            cfg["host"], cfg["solutes"], cfg["faces"],
            interfaces={s: interfaces[s].output for s in cfg.get("systems") or []})
        jobs += made
        screen = made[-1]
    if spec.report is None:
        records = {name: {"key": job.uuid, "record": job.output}
                   for name, job in finals.items()
                   if not name.startswith(("segregation:", "solubility:"))}
        join = step_job(summary_step, f"summary:{spec.name}", campaign=spec.name,
                        records=records)
    else:
        rows = []
        for row in report_rows(spec):
            rows.append({k: (finals[v].output if k in RECORD_FIELDS else
                             interfaces[v.split(":", 1)[1]].output if k == "interface" else v)
                         for k, v in row.items()})
            members = {m: dict(parts) for m, parts in committee.get(row["system"], {}).items()}
            for part in RECORD_FIELDS:
                for member, output in members_of.get(row.get(part), {}).items():
                    members.setdefault(member, {})[part] = output
            if members:
                rows[-1]["committee"] = members
            if row["system"] in checks:
                rows[-1]["check"] = checks[row["system"]]
            hops = {part: hop_checks[row[part]] for part in RECORD_FIELDS
                    if row.get(part) in hop_checks}
            if hops:
                rows[-1]["hop_checks"] = hops
        join = step_job(report_step, f"report:{spec.name}", campaign=spec.name, rows=rows,
                        calculator=calc, title=spec.report.get("title"),
                        functionals=spec.functionals or None, refine=spec.refine,
                        **({"screen": screen.output} if screen is not None else {}),
                        **({"refine_barriers_only": True} if models is not None else {}))
    return flow_of([*jobs, join], spec.name, output=join.output)
