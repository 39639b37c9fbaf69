"""A campaign (a YAML spec, :mod:`~interfacemodel.flows.specs`) as one flow: for each pipeline
entry (an interface's energetics and its coating's reaction with Li, a barrier, a segregation,
a solubility, the solute screen) its jobs, then one re-evaluation job per member — each
committee member, other functional and the DFT check takes single points at the entry's
published structures and runs the entry's own evaluation
(:func:`~interfacemodel.flows.reevaluation.reevaluation_job`) — joined in the comparison
report (a spec with a ``report`` section) or in a summary of the headline numbers. The DFT
check's own smaller models are entries of their own, tagged :data:`CHECK_TAG`.

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
from ..analysis.comparison import QUANTITIES
from ..analysis.comparison import member_values as record_values
from ..analysis.interface_energetics import ENERGETICS, EnergeticsSettings
from ..analysis.migration import BAND_POINTS, hop_quantities
from ..analysis.points import Reevaluation
from ..analysis.quantities import base_name
from ..models.systems import system_recipe
from ..records import from_dict, to_dict
from ..report import CoatingResult, report_values, write_report
from ..report.records import RECORD_FIELDS
from .context import finish, job_uuid, say
from .energetics import InterfaceEnergeticsMaker
from .identity import flow_of, step_job
from .migration import MigrationMaker
from .reevaluation import reevaluation_job
from .segregation import SegregationMaker
from .solubility import SolubilityMaker
from .solute_screen import SoluteScreenMaker
from .spec_entries import CampaignSpec
from .spec_rows import report_rows

#: the name tag of the jobs of a DFT check's own model (an interface, a hop cell)
CHECK_TAG = " [check model]"
#: what a row's member products hold besides the record fields: the DFT check's reaction
#: with Li alone (at the campaign's crystals, where it checks the interface on its own model)
REACTION_PART = "reaction"


# --------------------------------------------------------------------------- joins

def _record(out: Any) -> Any:
    """The pipeline record of a main join's output or of a member's re-evaluation."""
    return out.record if isinstance(out, Reevaluation) else out


def _values(parts: dict[str, Any]) -> dict[str, float]:
    """A calculator's numbers (value name -> value) from its records of a row's pipelines
    (record field -> its output), through the declarations
    (:func:`~interfacemodel.analysis.comparison.member_values`)."""
    records = {part: to_dict(_record(out)) for part, out in parts.items()
               if part in RECORD_FIELDS}
    if REACTION_PART in parts:  # the reaction alone: its values as the energetics hold them
        reaction = getattr(_record(parts[REACTION_PART]), "reaction", None)
        if reaction is not None:
            records.setdefault("energetics", {})["reaction"] = to_dict(reaction)
    return record_values(records)


def _short_relaxed(values: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in values.items() if QUANTITIES[base_name(k)].short_relaxed}


def coating_results(rows: list[dict[str, Any]], calculator: str | None = None,
                    functionals: list[str] | None = None,
                    refine: str | None = None) -> list[CoatingResult]:
    """The report's rows (:class:`~interfacemodel.report.records.CoatingResult`) from the
    pipelines' outputs per coating (``rows``, as :func:`report_step` takes them): each
    member's numbers through the declarations, the members named in ``functionals`` and
    ``refine`` set apart from the committee's spread."""
    results = []
    for row in rows:
        fields = {part: row.get(part) for part in RECORD_FIELDS}
        picture = row["interface"].relaxed if row.get("interface") is not None else None
        committee = {m: _values(parts) for m, parts in (row.get("committee") or {}).items()}
        other = {m: committee.pop(m) for m in functionals or [] if m in committee}
        check = {m: committee.pop(m) for m in [refine] if m in committee}
        model, model_atoms, relaxed, forces = None, None, None, None
        if row.get("check"):  # the DFT check's own model: every calculator's numbers there
            model = {m: _values({"energetics": out})
                     for m, out in row["check"]["members"].items()}
            size = len(row["check"]["model"].relaxed)
            model_atoms = {name: size for values in model.values() for name in values}
        for part, hop_check in (row.get("hop_checks") or {}).items():  # hop cells of its own
            size = len(hop_check["hop"].initial)
            for member, out in hop_check["members"].items():
                values = _values({part: out})
                model = model or {}
                model.setdefault(member, {}).update(values)
                model_atoms = model_atoms or {}
                model_atoms.update({name: size for name in values})
        if model is not None and refine in model:
            check.setdefault(refine, {}).update(model.pop(refine))
        dft = (row.get("check") or {}).get("members", {}).get(refine)
        if isinstance(dft, Reevaluation) and dft.forces_eV_per_A is not None:
            forces = {"at_ml_geometry": dft.forces_eV_per_A, "relaxation": dft.relaxation or {}}
            if dft.relaxed_record is not None:
                relaxed = {refine: _short_relaxed(_values({"energetics": dft.relaxed_record}))}
        results.append(CoatingResult(row["coating"], row["system"], row.get("role", "coating"),
                                     relaxed_interface=picture, committee=committee or None,
                                     committee_main=calculator, functionals=other or None,
                                     refine=check or None, refine_model=model,
                                     refine_model_atoms=model_atoms, refine_relaxed=relaxed,
                                     refine_forces=forces, **fields))
    return results


def report_step(campaign: str, rows: list[dict[str, Any]], calculator: str | None = None,
                title: str | None = None, functionals: list[str] | None = None,
                refine: str | None = None, screen: Any = None,
                screen_members: dict[str, Any] | None = None) -> dict[str, Any]:
    """The comparison report (report.md, report.html, results.json, results.csv, figures)
    written into ``report/`` of the current folder. ``rows``: per coating, its records
    (:data:`~interfacemodel.report.records.RECORD_FIELDS`), its relaxed interface
    (``interface``, for the picture) and its members' re-evaluations (``committee``:
    calculator spec → {record field: its :class:`~interfacemodel.analysis.points.\
Reevaluation`}, and ``reaction`` for the DFT check's reaction with Li alone); the members
    named in ``functionals`` and ``refine`` (the DFT check) are reported beside the numbers,
    not in the spread. ``check`` (optional): the DFT check's own model of the interface
    ({'model': its interface product, 'members': calculator → its record there, the
    campaign's calculator's from that model's own pipeline}); ``hop_checks`` (optional): per
    record field the DFT check's own hop cell ({'hop', 'members': calculator → its record
    there}). ``screen``: the campaign's solute screen
    (:class:`~interfacemodel.analysis.solute_screen.SoluteScreen`), a section of its own,
    with ``screen_members`` (calculator → its re-evaluation of the screen)."""
    results = coating_results(rows, calculator, functionals, refine)
    info = {"name": campaign, "calculator": calculator, "fireworks_hash": job_uuid()}
    out = Path.cwd() / "report"
    members = {m: _record(r) for m, r in (screen_members or {}).items()}
    write_report(results, out, campaign=info, overwrite=True, screen=screen,
                 screen_members={m: r for m, r in members.items()
                                 if m not in (functionals or []) and m != refine} or None,
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

def check_model_jobs(system: str, settings: dict[str, Any], calculator: str,
                     members: list[str], refine: str | None = None,
                     relax_above_eV_per_A: float | None = None,
                     relax_steps: int = ShortRelaxation.steps
                     ) -> tuple[list[Job], dict[str, Any]]:
    """The DFT check's own model of ``system`` (``settings``: its EnergeticsSettings
    fields): its pipeline with ``calculator`` (the campaign's; its bulk crystals are the
    campaign's bulk jobs), whose record is ``calculator``'s numbers there, then one
    re-evaluation of that record by each of ``members`` (committee and DFT). The DFT check
    (``refine``) relaxes for at most ``relax_steps`` steps each relaxed structure on which
    its forces exceed ``relax_above_eV_per_A`` (None: never), towards the model's fmax
    (:class:`~interfacemodel.analysis.committee.ShortRelaxation`). Returns ``(jobs,
    {'model': its interface product, 'members': calculator -> record or re-evaluation})``."""
    small = replace(from_dict(EnergeticsSettings, settings), reactivity=False)
    made = InterfaceEnergeticsMaker(calculator=calculator, settings=small,
                                    tag=CHECK_TAG).jobs(system)
    jobs, outputs = list(made), {calculator: made[-1].output}
    short = None if relax_above_eV_per_A is None else ShortRelaxation(
        relax_above_eV_per_A, relax_steps, small.fmax)
    for member in members:
        jobs.append(reevaluation_job(made[-1], member,
                                     short=short if member == refine else None))
        outputs[member] = jobs[-1].output
    model = next(j for j in made if j.name == f"interface:{system}{CHECK_TAG}").output
    return jobs, {"model": model, "members": outputs}


def check_hop_jobs(name: str, entry, cell: dict[str, Any], calculator: str,
                   members: list[str]) -> tuple[list[Job], dict[str, Any]]:
    """The DFT check's own hop cell of the bulk barrier ``entry`` (``cell``: its
    ``supercell`` and ``host_cell``, :func:`~interfacemodel.procedures.hops.\
prepare_bulk_hop`): the hop built on the host crystal relaxed by ``calculator`` (the
    campaign's bulk job, shared), its NEB with ``calculator`` and its record, then each of
    ``members`` (committee and DFT) re-evaluates that NEB's end points and saddle (its
    barriers; E_f, carriers and D are not the check's). Returns ``(jobs, {'hop': the hop's
    output, 'members': calculator → its record or re-evaluation})``; the name of each job
    carries :data:`CHECK_TAG`."""
    tagged = f"{name}{CHECK_TAG}"
    case = {**entry.case, **cell}
    maker = MigrationMaker(calculator=calculator, n_images=entry.n_images, fmax=entry.fmax,
                           optimizer=entry.optimizer, phonons=False, bulk_steps=True,
                           carriers="metal")  # carriers='metal': no pair-cell job
    made = maker.jobs(tagged, **case)
    jobs, outputs = list(made), {calculator: made[-1].output}
    for member in members:
        jobs.append(reevaluation_job(made[-1], member, only=BAND_POINTS))
        outputs[member] = jobs[-1].output
    hop = next(j for j in made if j.name == f"hop:{tagged}").output
    return jobs, {"hop": hop, "members": outputs}


def campaign_flow(spec: CampaignSpec) -> Flow:
    """Every job of the campaign ``spec``, one per distinct piece of work, the join last."""
    calc = spec.calculator
    jobs: list[Job] = []  # equal work is one job: flow_of keeps one per uuid
    finals: dict[str, Job] = {}
    interfaces: dict[str, Job] = {}
    members_of: dict[str, dict[str, Any]] = defaultdict(dict)  # product -> member -> output
    models = spec.refine_models if spec.refine else None  # the DFT check's own models
    checks: dict[str, dict[str, Any]] = {}  # system -> {'model', 'members'}
    hop_checks: dict[str, dict[str, Any]] = {}  # 'migration:<hop>' -> {'hop', 'members'}

    def members(own_models: bool = True) -> list[str]:
        """The re-evaluating calculators of an entry: the DFT check only where it takes the
        campaign's geometries (not where it has models of its own, unless said)."""
        return [m for m in spec.members()
                if not (m == spec.refine and models is not None and own_models)]

    def reevaluate(product: str, join: Job, who: list[str], **kwargs) -> None:
        for member in who:
            jobs.append(reevaluation_job(join, member, **kwargs))
            members_of[product][member] = jobs[-1].output

    for entry in spec.interfaces:
        settings = from_dict(EnergeticsSettings, entry.settings)  # defaults filled in
        system = system_recipe(entry.system).name
        coating = system_recipe(entry.system).substrate
        made = InterfaceEnergeticsMaker(calculator=calc, settings=settings).jobs(system)
        jobs += made
        by_name = {j.name: j for j in made}
        interfaces[system] = by_name[f"interface:{system}"]
        finals[f"energetics:{system}"] = made[-1]
        reaction = by_name.get(f"reaction:{coating}")
        mine: dict[str, Job] = {}  # member -> its reaction with Li
        checked_here = models is not None and system in models.systems
        for member in spec.members() if reaction is not None else []:
            if member == spec.refine and models is not None and not (
                    checked_here and models.reaction):
                continue
            jobs.append(reevaluation_job(reaction, member))
            mine[member] = jobs[-1]
        for member in members():
            reevaluate(f"energetics:{system}", made[-1], [member],
                       replace={"reaction": mine[member].output.record} if member in mine
                       else None)
        if models is not None and spec.refine in mine:  # the DFT check's reaction alone
            members_of[f"{REACTION_PART}:{system}"][spec.refine] = mine[spec.refine].output
        if checked_here:
            extra, checks[system] = check_model_jobs(
                system, models.systems[system], calc, [*spec.committee, spec.refine],
                spec.refine, models.relax_above_eV_per_A, models.relax_steps)
            jobs += extra
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
        product = f"migration:{entry.name}"
        finals[product] = made[-1]
        own = models is not None and entry.name in models.hops
        if own:
            extra, hop_checks[product] = check_hop_jobs(
                entry.name, entry, models.hops[entry.name], calc,
                [*spec.committee, spec.refine])
            jobs += extra
        reevaluate(product, made[-1], members())
        if models is not None and not own and (models.barriers is None
                                               or entry.name in models.barriers):
            reevaluate(product, made[-1], [spec.refine], only=BAND_POINTS)
    bulk_fmax = {system_recipe(e.system).name: e.settings.get("bulk_fmax") or
                 EnergeticsSettings.bulk_fmax for e in spec.interfaces}
    for entry in spec.segregation:
        system = system_recipe(entry.system).name
        made = SegregationMaker(calculator=calc, fmax=entry.fmax, film_layers=entry.film_layers,
                                bulk_fmax=bulk_fmax.get(system, EnergeticsSettings.bulk_fmax)
                                ).jobs(system, entry.solute)
        jobs += made
        finals[f"segregation:{system}"] = made[-1]
        reevaluate(f"segregation:{system}", made[-1], members())
    li_fmax = min(bulk_fmax.values(), default=EnergeticsSettings.bulk_fmax)
    for entry in spec.solubility:
        made = SolubilityMaker(calculator=calc, fmax=entry.fmax, supercell=entry.supercell,
                               bulk_fmax=li_fmax).jobs(entry.solute,
                                                       solid_solutions=entry.solid_solutions)
        jobs += made
        finals[f"solubility:{entry.solute}"] = made[-1]
        reevaluate(f"solubility:{entry.solute}", made[-1], members())
    screen = None
    if spec.solute_screen is not None:
        cfg = spec.solute_screen
        made = SoluteScreenMaker(calculator=calc, fmax=cfg["fmax"], layers=cfg["layers"],
                                 bulk_fmax=li_fmax).jobs(
            cfg["host"], cfg["solutes"], cfg["faces"],
            interfaces={s: interfaces[s].output for s in cfg.get("systems") or []})
        jobs += made
        screen = made[-1]
        reevaluate("solute-screen", screen, members())
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
            parts: dict[str, dict[str, Any]] = {}
            for part in RECORD_FIELDS:
                for member, output in members_of.get(row.get(part), {}).items():
                    parts.setdefault(member, {})[part] = output
            if row.get("energetics"):
                system = row["energetics"].split(":", 1)[1]
                for member, output in members_of.get(f"{REACTION_PART}:{system}", {}).items():
                    parts.setdefault(member, {})[REACTION_PART] = output
            if parts:
                rows[-1]["committee"] = parts
            if row["system"] in checks:
                rows[-1]["check"] = checks[row["system"]]
            hops = {part: hop_checks[row[part]] for part in RECORD_FIELDS
                    if row.get(part) in hop_checks}
            if hops:
                rows[-1]["hop_checks"] = hops
        extra = {}
        if screen is not None:
            extra["screen"] = screen.output
            if members_of.get("solute-screen"):
                extra["screen_members"] = dict(members_of["solute-screen"])
        join = step_job(report_step, f"report:{spec.name}", campaign=spec.name, rows=rows,
                        calculator=calc, title=spec.report.get("title"),
                        functionals=spec.functionals or None, refine=spec.refine, **extra)
    return flow_of([*jobs, join], spec.name, output=join.output)
