"""Campaign specs → FireWorks workflows, from the flow layer's one declaration.

:func:`campaign_workflow` turns the campaign's :class:`jobflow.Flow`
(:func:`interfacemodel.flows.campaign.campaign_flow`) into a FireWorks workflow with jobflow's
``flow_to_workflow`` and gives each Firework what a campaign needs: the generic
:class:`~.jobs.JobTask`, the job's content-derived uuid as ``_im_hash`` with
:class:`~.jobs.HashDupeFinder` (identical work never runs twice, within a campaign or across
campaigns on the same LaunchPad), the campaign's name, the checkpoint root and the
calculator.
"""

from __future__ import annotations

from pathlib import Path

from fireworks import Workflow
from jobflow import Flow
from jobflow.managers.fireworks import flow_to_workflow

from ..flows.campaign import campaign_flow
from ..flows.identity import content_uuid
from ..flows.spec_entries import CampaignSpec
from .jobs import HashDupeFinder, JobTask


def flow_workflow(flow: Flow, name: str, calculator: str, checkpoints: str | Path,
                  campaign: str | None = None) -> Workflow:
    """Any flow of the flow layer (a maker's ``make()``) as a FireWorks workflow: one
    :class:`~.jobs.JobTask` per Firework, its job's uuid as ``_im_hash`` (dupe finder),
    ``checkpoints``: a folder every worker can reach (relaxation and NEB checkpoints; a rerun
    resumes from them)."""
    flow = flow if isinstance(flow, Flow) else Flow([flow], name=name)
    wf = flow_to_workflow(flow)  # store None: each worker's own LaunchPad holds the outputs
    root = str(Path(checkpoints).resolve())
    for fw in wf.fws:
        job = fw.tasks[0]["job"]
        fw.tasks = [JobTask(job=job, store=None)]
        fw.name = f"{campaign or name}:{job.name}"
        fw.spec.update({"calculator": calculator, "_im_hash": job.uuid,
                        "_im_campaign": campaign or name, "_im_checkpoints": root,
                        "_dupefinder": HashDupeFinder()})
    wf.name = f"{campaign or name} ({calculator})"
    return wf


def campaign_workflow(spec: CampaignSpec, checkpoints: str | Path) -> Workflow:
    """The FireWorks Workflow of a campaign. ``checkpoints``: a folder every worker can reach
    (relaxation and NEB checkpoints; a rerun resumes from them)."""
    flow = campaign_flow(spec)
    wf = flow_workflow(flow, spec.name, spec.calculator, checkpoints, campaign=spec.name)
    wf.metadata = {"campaign": spec.name, "calculator": spec.calculator,
                   "campaign_hash": content_uuid("campaign", None,
                                                 {"jobs": sorted(j.uuid for j in flow.jobs)})}
    return wf
