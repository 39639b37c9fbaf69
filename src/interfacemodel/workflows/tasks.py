"""FireTasks: thin wrappers that call one library step each (DESIGN.md §2).

Every task reads its inputs from its own parameters and from what its parents passed down
(``update_spec`` under ``im:<product>`` keys), calls the library, and before it reports
success writes its record (``record.json``) and any structures (extxyz) into its launch
directory and upserts the record into the ``results`` collection of the LaunchPad's database
(keyed by the Firework's canonical hash, so a rerun replaces rather than duplicates it).

Identical work is not recomputed: every Firework carries ``_im_hash``, a canonical hash of
what it computes (the task and its parameters, the calculator, and the hashes of the
Fireworks whose products it consumes; a bulk task hashes its input crystal), and
:class:`HashDupeFinder` makes FireWorks hand a new Firework the launches of a completed one
with the same hash.

Relaxations and NEBs checkpoint into ``<_im_checkpoints>/<_im_hash>``, a folder that does not
change when a lost or fizzled Firework is rerun in a new launch directory: the rerun resumes.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from fireworks import FiretaskBase, FWAction, explicit_serialize
from fireworks.features.dupefinder import DupeFinderBase

from ..build.cells import wrap_into_cell
from ..errors import UserInputError
from ..records import from_dict, to_dict, write_json_atomic
from ..run.journal import JOURNAL_FILE, journal_calculations

RECORD_FILE = "record.json"
PRODUCT_PREFIX = "im:"


# --------------------------------------------------------------------------- helpers

def canonical_hash(payload: Any) -> str:
    """16 hex digits of SHA-256 over the sorted-key JSON of ``payload``."""
    text = json.dumps(to_dict(payload), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def calculator_identity(calc_spec: str) -> dict[str, Any]:
    """What makes two calculators the same for the dupe finder: name, model, parameters
    (the device is left out: a GPU and a CPU give the same numbers to float precision)."""
    from ..calculators import calculator_provenance

    prov = calculator_provenance(calc_spec)
    params = {k: v for k, v in (prov.get("parameters") or {}).items() if k != "device"}
    return {"name": prov.get("name"), "model": prov.get("model"), "parameters": params}


@lru_cache(maxsize=4)
def _calculator(calc_spec: str):
    from ..calculators import get_calculator

    return get_calculator(calc_spec)


def encode_atoms(atoms) -> str:
    """ase.Atoms as a JSON string (positions, cell, constraints, extra arrays: exact)."""
    from ase.io.jsonio import encode

    return encode(atoms)


def decode_atoms(text: str):
    from ase.io.jsonio import decode

    return decode(text)


def product(fw_spec: dict, name: str) -> dict:
    """A parent's product passed down in the spec; a clear error if it is missing."""
    key = PRODUCT_PREFIX + name
    if key not in fw_spec:
        raise UserInputError(f"input {name!r} is missing from this Firework's spec: its parent "
                             f"did not complete or the workflow is miswired")
    return fw_spec[key]


def _say(msg: str) -> None:
    print(f"    · {msg}", flush=True)


def _workdir(fw_spec: dict) -> Path:
    root = fw_spec.get("_im_checkpoints")
    base = Path(root) if root else Path.cwd() / "checkpoints"
    return base / str(fw_spec.get("_im_hash", "unhashed"))


def _finish(fw_spec: dict, kind: str, name: str, record: Any, products: dict[str, Any],
            structures: dict[str, Any] | None = None) -> FWAction:
    """Write the record and structures into the launch directory, upsert the record into
    the results collection, and pass ``products`` to the children."""
    from ase.io import write

    launch_dir = Path.cwd()
    for label, atoms in (structures or {}).items():  # files people open: atoms in the cell
        frames = [wrap_into_cell(a) for a in atoms] if isinstance(atoms, (list, tuple)) \
            else wrap_into_cell(atoms)
        write(launch_dir / f"{label}.extxyz", frames, format="extxyz")
    doc = {"key": fw_spec.get("_im_hash"), "kind": kind, "name": name,
           "campaign": fw_spec.get("_im_campaign"), "calculator": fw_spec.get("calculator"),
           "launch_dir": str(launch_dir), "record": to_dict(record)}
    write_json_atomic(doc, launch_dir / RECORD_FILE, overwrite=True)
    from .launchpad import store_result

    where = store_result(doc)
    return FWAction(update_spec={PRODUCT_PREFIX + k: v for k, v in products.items()},
                    stored_data={"result_key": doc["key"], "kind": kind, "name": name,
                                 "record_file": str(launch_dir / RECORD_FILE),
                                 "results_collection": where})


class _Task(FiretaskBase):
    """Common parts: the calculator of the workflow (``fw_spec['calculator']``)."""

    def calc(self, fw_spec):
        """The calculator, journalled into the Firework's checkpoint folder: a rerun after a
        kill gets every calculation already made back from the journal
        (:mod:`interfacemodel.run.journal`)."""
        calc = _calculator(fw_spec["calculator"])
        journal_calculations(calc, _workdir(fw_spec) / JOURNAL_FILE)
        return calc


# --------------------------------------------------------------------------- dupe finder

@explicit_serialize
class HashDupeFinder(DupeFinderBase):
    """Two Fireworks are duplicates when their ``_im_hash`` (canonical hash of task,
    parameters, calculator and inputs) is equal."""

    _fw_name = "{{interfacemodel.workflows.tasks.HashDupeFinder}}"

    def verify(self, spec1, spec2) -> bool:
        return spec1.get("_im_hash") is not None and spec1.get("_im_hash") == spec2.get("_im_hash")

    def query(self, spec) -> dict:
        return {"spec._im_hash": spec.get("_im_hash")}


# --------------------------------------------------------------------------- energetics

def _settings(params: dict):
    from ..analysis.interface_energetics import EnergeticsSettings

    return from_dict(EnergeticsSettings, params or {})


@explicit_serialize
class BulkReferenceTask(_Task):
    """Relax one bulk crystal (cell + positions, symmetry kept): product ``bulk:<phase>``."""

    required_params = ["phase"]
    optional_params = ["fmax"]

    def run_task(self, fw_spec):
        from ..analysis.interface_energetics import bulk_reference

        phase = self["phase"]
        _say(f"relax bulk {phase}")
        atoms, ref, rec = bulk_reference(phase, self.calc(fw_spec), fmax=self.get("fmax", 0.01))
        doc = {"atoms": encode_atoms(atoms), "reference": to_dict(ref), "record": to_dict(rec),
               "natoms": len(atoms)}
        return _finish(fw_spec, "bulk", phase, {"reference": ref, "relax": rec},
                       {f"bulk:{phase}": doc}, {f"bulk_{phase}": atoms})


def _bulk(fw_spec, phase):
    from ..analysis.energetics import BulkReference
    from ..run.bulk import RelaxRecord

    doc = product(fw_spec, f"bulk:{phase}")
    return (decode_atoms(doc["atoms"]), from_dict(BulkReference, doc["reference"]),
            from_dict(RelaxRecord, doc["record"]), doc["natoms"])


@explicit_serialize
class InterfaceTask(_Task):
    """Build the interface from the relaxed crystals, place it (registry/interlayer scan)
    and relax it: product ``interface:<system>``."""

    required_params = ["system", "settings"]

    def run_task(self, fw_spec):
        from ..analysis.interface_energetics import place_interface, relax_interface
        from ..build.systems import system_recipe

        recipe = system_recipe(self["system"])
        settings = _settings(self["settings"])
        calc = self.calc(fw_spec)
        film_bulk = _bulk(fw_spec, recipe.film)[0]
        sub_bulk = _bulk(fw_spec, recipe.substrate)[0]
        model, registry = place_interface(recipe.name, calc, settings, film_bulk, sub_bulk,
                                          progress=_say)
        relaxed, rec = relax_interface(model.atoms, model.label, calc, settings,
                                       _workdir(fw_spec), _say)
        meta = model.metadata()
        doc = {"metadata": meta, "registry": registry, "relaxed": encode_atoms(relaxed),
               "record": to_dict(rec), "n_interfaces": model.n_interfaces,
               "film_miller": model.film_miller, "substrate_miller": model.substrate_miller,
               "film_layers": model.film_layers, "substrate_layers": model.substrate_layers}
        return _finish(fw_spec, "interface", recipe.name,
                       {"interface": meta, "registry": registry, "relax": rec},
                       {f"interface:{recipe.name}": doc},
                       {"interface_built": model.atoms, "interface_relaxed": relaxed})


@explicit_serialize
class AdhesionTask(_Task):
    """Cleave the relaxed interface: W_adh (ideal, relaxed) and γ_int: product
    ``adhesion:<system>``."""

    required_params = ["system", "settings"]

    def run_task(self, fw_spec):
        from ..analysis.interface_energetics import adhesion, reference_potentials
        from ..build.systems import system_recipe
        from ..run.relax import EnergyRecord

        recipe = system_recipe(self["system"])
        settings = _settings(self["settings"])
        film_ref = _bulk(fw_spec, recipe.film)[1]
        sub_ref = _bulk(fw_spec, recipe.substrate)[1]
        mu, mu_limit = reference_potentials(film_ref, settings.extra_mu_eV)
        idoc = product(fw_spec, f"interface:{recipe.name}")
        step = adhesion(decode_atoms(idoc["relaxed"]), from_dict(EnergyRecord, idoc["record"]),
                        idoc["n_interfaces"], self.calc(fw_spec), settings, film_ref, sub_ref,
                        mu, mu_limit, _workdir(fw_spec), _say,
                        allow_unconverged=settings.allow_unconverged)
        return _finish(fw_spec, "adhesion", recipe.name, step,
                       {f"adhesion:{recipe.name}": to_dict(step)})


@explicit_serialize
class SurfacesTask(_Task):
    """Free-surface energies of the interface's two faces: product ``surfaces:<system>``."""

    required_params = ["system", "settings"]

    def run_task(self, fw_spec):
        from ..analysis.interface_energetics import free_surface_energies, reference_potentials
        from ..build.systems import system_recipe

        recipe = system_recipe(self["system"])
        settings = _settings(self["settings"])
        film_atoms, film_ref, _, _ = _bulk(fw_spec, recipe.film)
        sub_atoms, sub_ref, _, _ = _bulk(fw_spec, recipe.substrate)
        mu, mu_limit = reference_potentials(film_ref, settings.extra_mu_eV)
        idoc = product(fw_spec, f"interface:{recipe.name}")
        faces = ((film_atoms, film_ref, idoc["film_miller"], idoc["film_layers"]),
                 (sub_atoms, sub_ref, idoc["substrate_miller"], idoc["substrate_layers"]))
        surfaces, records, notes = free_surface_energies(
            faces, self.calc(fw_spec), settings, mu, mu_limit, _workdir(fw_spec), _say,
            allow_unconverged=settings.allow_unconverged)
        doc = {"surfaces": to_dict(surfaces), "records": to_dict(records), "notes": notes}
        return _finish(fw_spec, "surfaces", recipe.name, doc, {f"surfaces:{recipe.name}": doc})


@explicit_serialize
class ReactionTask(_Task):
    """Reaction energy of Li metal with a coating (same calculator): product
    ``reaction:<coating>``."""

    required_params = ["coating"]

    def run_task(self, fw_spec):
        from ..analysis.interface_energetics import coating_reaction

        coating = self["coating"]
        _, sub_ref, sub_rec, natoms = _bulk(fw_spec, coating)
        li_ref = _bulk(fw_spec, "Li")[1]
        reaction, note = coating_reaction(coating, sub_ref, natoms, sub_rec, li_ref,
                                          self.calc(fw_spec), progress=_say)
        doc = {"reaction": to_dict(reaction), "note": note}
        return _finish(fw_spec, "reaction", coating, doc, {f"reaction:{coating}": doc})


@explicit_serialize
class EnergeticsTask(_Task):
    """Join: the interface's :class:`InterfaceEnergetics` record from the steps' products
    (adds the Young–Dupré contact angle): product ``energetics:<system>``."""

    required_params = ["system", "settings"]

    def run_task(self, fw_spec):
        from ..analysis.energetics import SurfaceEnergy
        from ..analysis.interface_energetics import AdhesionStep, assemble_energetics
        from ..analysis.reactivity import ReactionWithLi
        from ..build.systems import system_recipe
        from ..calculators import calculator_provenance
        from ..run.relax import EnergyRecord

        recipe = system_recipe(self["system"])
        settings = _settings(self["settings"])
        idoc = product(fw_spec, f"interface:{recipe.name}")
        parts = from_dict(AdhesionStep, product(fw_spec, f"adhesion:{recipe.name}"))
        surfaces, surface_records, surface_notes = {}, {}, []
        if settings.surface_slabs:
            sdoc = product(fw_spec, f"surfaces:{recipe.name}")
            surfaces = {k: from_dict(SurfaceEnergy, v) for k, v in sdoc["surfaces"].items()}
            surface_records = {k: from_dict(EnergyRecord, v) for k, v in sdoc["records"].items()}
            surface_notes = sdoc["notes"]
        reaction, note = None, ""
        if settings.reactivity:
            rdoc = product(fw_spec, f"reaction:{recipe.substrate}")
            reaction = None if rdoc["reaction"] is None else \
                from_dict(ReactionWithLi, rdoc["reaction"])
            note = rdoc["note"]
        record = assemble_energetics(
            system=recipe.name, interface=idoc["metadata"],
            calculator=calculator_provenance(self.calc(fw_spec)), settings=settings,
            bulk={recipe.film: _bulk(fw_spec, recipe.film)[1],
                  recipe.substrate: _bulk(fw_spec, recipe.substrate)[1]},
            interface_record=from_dict(EnergyRecord, idoc["record"]), parts=parts,
            surfaces=surfaces, surface_records=surface_records, surface_notes=surface_notes,
            reaction=reaction, reaction_note=note, registry=idoc["registry"], wall_time_s=0.0)
        # wall time: the calculations' own (bulk, interface, parts, slabs), not the queue's
        record.wall_time_s = float(sum(r.wall_time_s for r in record.records.values()))
        return _finish(fw_spec, "energetics", recipe.name, record,
                       {f"energetics:{recipe.name}": {"system": recipe.name,
                                                      "key": fw_spec.get("_im_hash"),
                                                      "record": to_dict(record)}})


# --------------------------------------------------------------------------- barriers

def _campaign_interface(fw_spec, system: str) -> dict | None:
    """The product of the campaign's interface Firework of ``system``, if a parent."""
    from ..build.systems import system_recipe

    return fw_spec.get(f"{PRODUCT_PREFIX}interface:{system_recipe(system).name}")


@explicit_serialize
class HopTask(_Task):
    """Build the hop and its end points: product ``hop:<name>``. ``case``: a barrier entry
    of a campaign spec (bulk mechanism, interface hop or end-point files)."""

    required_params = ["name", "case"]

    def run_task(self, fw_spec):
        from ..analysis import migration

        case = dict(self["case"])
        calc = self.calc(fw_spec)
        kind = case.pop("kind")
        if kind == "bulk":
            species = case.get("species", "Li")
            if f"{PRODUCT_PREFIX}bulk:{case['host']}" in fw_spec:  # the campaign's relaxed host and μ
                host_atoms, host_ref = _bulk(fw_spec, case["host"])[:2]
                case["host_reference"] = (host_atoms, host_ref)
            if f"{PRODUCT_PREFIX}bulk:{species}" in fw_spec and "li_metal_energy_eV" not in case:
                case["li_metal_energy_eV"] = _bulk(fw_spec, species)[1].per_atom_eV()
            hop = migration.prepare_bulk_hop(calc=calc, progress=_say, **case)
        elif kind == "interface" and (doc := _campaign_interface(fw_spec, case["system"])):
            system = case.pop("system")
            meta = doc["metadata"]
            note = (f"the campaign's relaxed interface {meta['label']}, "
                    f"{meta['film_layers']} + {meta['substrate_layers']} planes")
            hop = migration.interface_hop_case(decode_atoms(doc["relaxed"]), system,
                                               model_note=note, **case)
        elif kind == "interface":
            hop = migration.prepare_interface_hop(calc=calc, workdir=_workdir(fw_spec),
                                                  progress=_say, **case)
        else:
            from ase.io import read

            from ..analysis.diffusion import surface_lattice

            ends = [read(case[k]) for k in ("initial", "final")]
            kw = {"moving_index": case.get("moving_index"), "label": self["name"]}
            hop = migration.prepare_endpoint_hop(ends[0], ends[1], **kw)
            if case.get("surface_z"):  # a 2-D walk of z such hops: D(T) too
                lattice = surface_lattice(case["surface_z"], hop.hop["length_A"],
                                          name=f"2-D walk, z = {case['surface_z']}")
                hop = migration.prepare_endpoint_hop(ends[0], ends[1], lattice=lattice, **kw)
        return _finish(fw_spec, "hop", self["name"], {"hop": hop.hop, "label": hop.label},
                       {f"hop:{self['name']}": hop.to_doc()},
                       {"initial": hop.initial, "final": hop.final})


@explicit_serialize
class NEBTask(_Task):
    """The NEB of a hop (end points relaxed first, climbing image, checkpointed): product
    ``neb:<name>`` (the record and the relaxed end points and saddle image)."""

    required_params = ["name"]
    optional_params = ["n_images", "fmax", "optimizer"]

    def run_task(self, fw_spec):
        from ..analysis.migration import HopCase, band_states, hop_band

        case = HopCase.from_doc(product(fw_spec, f"hop:{self['name']}"))
        images, neb = hop_band(case, self.calc(fw_spec), n_images=self.get("n_images", 5),
                               fmax=self.get("fmax", 0.03), optimizer=self.get("optimizer"),
                               workdir=_workdir(fw_spec), progress=_say)
        initial, saddle, final = band_states(images, neb)
        doc = {"neb": to_dict(neb), "initial": encode_atoms(initial),
               "saddle": encode_atoms(saddle), "final": encode_atoms(final)}
        return _finish(fw_spec, "neb", self["name"], neb, {f"neb:{self['name']}": doc},
                       {"band": images})


@explicit_serialize
class PrefactorTask(_Task):
    """Vineyard attempt frequencies of the hop (forward, and backward when it differs):
    product ``prefactors:<name>``."""

    required_params = ["name"]
    optional_params = ["phonons"]

    def run_task(self, fw_spec):
        from ..analysis.migration import HopCase, hop_prefactors
        from ..run.neb import NEBRecord

        case = HopCase.from_doc(product(fw_spec, f"hop:{self['name']}"))
        ndoc = product(fw_spec, f"neb:{self['name']}")
        pre = hop_prefactors(case, decode_atoms(ndoc["initial"]), decode_atoms(ndoc["saddle"]),
                             decode_atoms(ndoc["final"]), from_dict(NEBRecord, ndoc["neb"]),
                             self.calc(fw_spec), phonons=self.get("phonons", True),
                             progress=_say)
        return _finish(fw_spec, "prefactors", self["name"], pre,
                       {f"prefactors:{self['name']}": pre.to_doc()})


@explicit_serialize
class DiffusivityTask(_Task):
    """Join: the hop's :class:`MigrationResult` (formation energy, D(T), σ, rates):
    product ``migration:<name>``."""

    required_params = ["name"]
    optional_params = ["temperatures_K"]

    def run_task(self, fw_spec):
        from ..analysis.migration import HopCase, Prefactors, finish_migration
        from ..run.neb import NEBRecord

        name = self["name"]
        case = HopCase.from_doc(product(fw_spec, f"hop:{name}"))
        neb = from_dict(NEBRecord, product(fw_spec, f"neb:{name}")["neb"])
        pre = Prefactors.from_doc(product(fw_spec, f"prefactors:{name}"))
        calc = self.calc(fw_spec)
        result = finish_migration(case, neb, pre, calc,
                                  temperatures_K=self.get("temperatures_K", [300.0]),
                                  calc=calc, progress=_say)
        return _finish(fw_spec, "migration", name, result,
                       {f"migration:{name}": {"name": name, "key": fw_spec.get("_im_hash"),
                                              "record": to_dict(result)}})


# --------------------------------------------------------------------------- segregation

@explicit_serialize
class SegregationTask(_Task):
    """Segregation energies of a solute in the film of a named system, to the free film
    surface and to the interface (built from the relaxed crystals of the parents):
    product ``segregation:<system>``."""

    required_params = ["system", "solute"]
    optional_params = ["fmax", "film_layers"]

    def run_task(self, fw_spec):
        from ..analysis.segregation import mg_segregation
        from ..build.systems import system_recipe

        recipe = system_recipe(self["system"])
        result = mg_segregation(recipe.name, self.calc(fw_spec), solute=self["solute"],
                                film_layers=self.get("film_layers"), fmax=self.get("fmax", 0.05),
                                workdir=_workdir(fw_spec), progress=_say,
                                film_bulk=_bulk(fw_spec, recipe.film)[0],
                                substrate_bulk=_bulk(fw_spec, recipe.substrate)[0])
        return _finish(fw_spec, "segregation", recipe.name, result,
                       {f"segregation:{recipe.name}": {"key": fw_spec.get("_im_hash"),
                                                       "record": to_dict(result)}})


# --------------------------------------------------------------------------- report

@explicit_serialize
class ReportTask(FiretaskBase):
    """Join of a comparison campaign: the report (report.md, report.html, results.json,
    results.csv, figures) written into ``report/`` of the launch directory from the records
    the parents passed down. ``rows``: per coating, the product names of its records
    (:data:`~interfacemodel.analysis.report.records.RECORD_FIELDS`, and ``interface`` for
    the picture of the relaxed interface)."""

    required_params = ["campaign", "rows"]
    optional_params = ["title", "calculator"]

    def run_task(self, fw_spec):
        from ..analysis.report import CoatingResult, report_values, write_report
        from ..analysis.report.records import RECORD_FIELDS

        results = []
        for row in self["rows"]:
            fields = {}
            for part in RECORD_FIELDS:
                name = row.get(part)
                fields[part] = None if name is None else product(fw_spec, name)["record"]
            picture = None
            if row.get("interface"):
                picture = decode_atoms(product(fw_spec, row["interface"])["relaxed"])
            results.append(CoatingResult(row["coating"], row["system"], row.get("role", "coating"),
                                         relaxed_interface=picture, **fields))
        campaign = {"name": self["campaign"], "calculator": self.get("calculator"),
                    "fireworks_hash": fw_spec.get("_im_hash")}
        kw = {"title": self["title"]} if self.get("title") else {}
        out = Path.cwd() / "report"
        write_report(results, out, campaign=campaign, overwrite=True, **kw)
        _say(f"report written: {out}")
        summary = {"report_dir": str(out), "values": report_values(results)}
        return _finish(fw_spec, "report", self["campaign"], summary,
                       {f"report:{self['campaign']}": {"report_dir": str(out)}})


# --------------------------------------------------------------------------- campaign join

@explicit_serialize
class CampaignSummaryTask(FiretaskBase):
    """Join of a campaign: the headline numbers of every interface and barrier, from the
    records its parents passed down (each row names the record's ``key`` in the results
    collection). Product ``campaign:<name>``."""

    required_params = ["campaign"]

    def run_task(self, fw_spec):
        rows = []
        for kind in ("energetics", "migration"):
            prefix = f"{PRODUCT_PREFIX}{kind}:"
            for name in sorted(k for k in fw_spec if k.startswith(prefix)):
                ref = fw_spec[name]
                rows.append({"product": name[len(PRODUCT_PREFIX):], "key": ref["key"],
                             "summary": summarise({"kind": kind, "record": ref["record"]})})
        summary = {"campaign": self["campaign"], "results": rows}
        return _finish(fw_spec, "campaign", self["campaign"], summary,
                       {f"campaign:{self['campaign']}": {"n": len(rows)}})


def summarise(doc: dict) -> dict[str, Any]:
    """The headline numbers of a results document (energetics or migration)."""
    rec = doc.get("record") or {}
    if doc.get("kind") == "energetics":
        ie = rec.get("interface_energy") or {}
        react = rec.get("reaction") or {}
        return {"w_adh_ideal_J_per_m2": rec["w_adh_ideal"]["w_adh_J_per_m2"],
                "w_adh_relaxed_J_per_m2": rec["w_adh_relaxed"]["w_adh_J_per_m2"],
                "gamma_int_J_per_m2": ie.get("gamma_int_J_per_m2"),
                "contact_angle_deg": rec["contact_angle"]["theta_deg"],
                "reaction_energy_meV_per_atom": react.get("reaction_energy_meV_per_atom"),
                "converged": rec.get("converged")}
    if doc.get("kind") == "migration":
        neb = rec.get("neb") or {}
        diffs = rec.get("diffusivities") or []
        return {"barrier_eV": neb.get("barrier_forward_eV"),
                "attempt_frequency_Hz": rec.get("attempt_frequency_Hz"),
                "D_cm2_per_s": {str(d["T_K"]): d["D_cm2_per_s"] for d in diffs},
                "converged": neb.get("converged")}
    return {}
