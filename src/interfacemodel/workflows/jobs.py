"""The one generic FireTask: runs a jobflow job of the flow layer as a Firework.

Every Firework of a campaign holds one :class:`JobTask` (jobflow's
:class:`~jobflow.managers.fireworks.JobFiretask`, with three things the campaigns need):

* the job's output goes to the ``outputs`` collection of the database of the LaunchPad that
  runs it (:func:`launchpad_job_store`): the connection comes from the worker's own LaunchPad
  configuration and is never serialised into the workflow; on the embedded store the outputs
  are saved with the Firework's state, in the same file, at the same moment;
* the job's checkpoint folder is ``<_im_checkpoints>/<job uuid>``
  (:func:`interfacemodel.flows.context.checkpoints_at`): a rerun resumes;
* the site's commands of the DFT codes come from the running worker's ``env``
  (``fw_spec["_fw_env"]``, :mod:`interfacemodel.calculators.site`);
* the record the step wrote into its launch directory is put into the ``results``
  collection, with the campaign's name.

:class:`HashDupeFinder` makes FireWorks hand a new Firework the launches of a completed one
with the same ``_im_hash`` (the job's content-derived uuid): identical work never runs twice,
and the children's references resolve to the output stored under that uuid.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fireworks import FWAction, explicit_serialize
from fireworks.features.dupefinder import DupeFinderBase
from jobflow.managers.fireworks import JobFiretask
from maggma.stores import MongoStore
from monty.json import jsanitize

from ..calculators.site import worker_env
from ..flows.context import RECORD_FILE, checkpoints_at
from ..records import write_json_atomic
from .launchpad import store_result

OUTPUTS_COLLECTION = "outputs"


class _CollectionStore(MongoStore):
    """A maggma store on a collection that is already open (the LaunchPad's own): upserts
    one document at a time (mongomock, behind the embedded store, has no bulk ReplaceOne)."""

    def update(self, docs, key=None):
        docs = docs if isinstance(docs, list) else [docs]
        key = key or self.key
        for doc in (jsanitize(d, allow_bson=True, recursive_msonable=True) for d in docs):
            where = {k: doc[k] for k in key} if isinstance(key, list) else {key: doc[key]}
            self._collection.replace_one(where, doc, upsert=True)


def launchpad_job_store(lp):
    """The jobflow JobStore of the LaunchPad ``lp``: its database's ``outputs`` collection."""
    from jobflow import JobStore

    return JobStore(_CollectionStore.from_collection(lp.db[OUTPUTS_COLLECTION]))


@explicit_serialize
class JobTask(JobFiretask):
    """Run the Firework's job (see the module docstring)."""

    _fw_name = "{{interfacemodel.workflows.jobs.JobTask}}"

    def run_task(self, fw_spec):
        job = self["job"]
        store = launchpad_job_store(self.launchpad)
        store.connect()
        with (checkpoints_at(fw_spec.get("_im_checkpoints") or Path.cwd() / "checkpoints"),
              worker_env(fw_spec.get("_fw_env"))):
            job.run(store=store)
        return FWAction(stored_data=_register(fw_spec))


def _register(fw_spec: dict) -> dict[str, Any]:
    """Add the campaign (and the calculator, for a join) to the record the step wrote and put it into the results collection."""
    path = Path.cwd() / RECORD_FILE
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["campaign"] = fw_spec.get("_im_campaign")
    doc["calculator"] = doc.get("calculator") or fw_spec.get("calculator")
    write_json_atomic(doc, path, overwrite=True)
    where = store_result(doc)
    return {"result_key": doc["key"], "kind": doc["kind"], "name": doc["name"],
            "record_file": str(path), "results_collection": where}


@explicit_serialize
class HashDupeFinder(DupeFinderBase):
    """Two Fireworks are duplicates when their ``_im_hash`` (the job's content-derived uuid)
    is equal."""

    _fw_name = "{{interfacemodel.workflows.jobs.HashDupeFinder}}"

    def verify(self, spec1, spec2) -> bool:
        return spec1.get("_im_hash") is not None and spec1.get("_im_hash") == spec2.get("_im_hash")

    def query(self, spec) -> dict:
        return {"spec._im_hash": spec.get("_im_hash")}
