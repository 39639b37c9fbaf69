"""Campaign specs under workflows/ load and validate; the constructors wire the Fireworks as
documented (shared bulk references, one join, a dupe finder and a distinct hash on each)."""

from pathlib import Path

import pytest

from checks import assert_one_line
from interfacemodel.errors import UserInputError
from interfacemodel.flows.spec_rows import report_rows
from interfacemodel.flows.specs import load_campaign
from interfacemodel.workflows.constructors import campaign_workflow

SPECS = sorted((Path(__file__).resolve().parents[1] / "workflows").glob("*.yaml"))


def test_every_shipped_spec_is_valid():
    names = {p.stem for p in SPECS}
    assert {"coating_comparison", "emt_analogue", "li-li2se", "li-lif", "li-mg", "li-mgf2",
            "li-llzo", "li-li2o", "li-li2s"} <= names
    for path in SPECS:
        spec = load_campaign(path)
        assert spec.interfaces or spec.barriers


def test_comparison_campaign_shares_bulk_li_and_joins_in_the_report(tmp_path):
    spec = load_campaign(SPECS[[p.stem for p in SPECS].index("coating_comparison")])
    wf = campaign_workflow(spec, tmp_path)
    names = [fw.name for fw in wf.fws]
    assert names.count("coating-comparison:bulk:Li") == 1  # every system's Li reference
    assert sum(n.startswith("coating-comparison:energetics:") for n in names) == 7
    report = next(fw for fw in wf.fws if ":report:" in fw.name)
    parents = {wf.id_fw[i].name for i in wf.links.parent_links[report.fw_id]}
    # every final record (7 energetics, the barriers, 2 segregations) and the 7 interfaces
    # (their relaxed structures are pictured)
    assert len(parents) == 7 + len(spec.barriers) + 2 + 7
    assert not any(":summary:" in fw.name for fw in wf.fws)  # the report is the join
    hashes = [fw.spec["_im_hash"] for fw in wf.fws]
    assert len(set(hashes)) == len(hashes)
    assert all(type(fw.spec["_dupefinder"]).__name__ == "HashDupeFinder" for fw in wf.fws)

    def parents_of(name):
        fw = next(fw for fw in wf.fws if fw.name == f"coating-comparison:{name}")
        return {wf.id_fw[i].name.split(":", 1)[1] for i in wf.links.parent_links[fw.fw_id]}

    # hops reuse what the campaign computed: the relaxed host and bcc Li (μ), and the
    # relaxed interface of the same system
    assert parents_of("hop:llzo-vacancy") == {"bulk:LLZO", "bulk:Li"}
    assert parents_of("hop:li-lif-interface") == {"interface:li-lif"}
    # the Mg row: Li in Mg is its Li transport, Mg in Li its solute hop
    mg = next(r for r in report_rows(spec) if r["coating"] == "Mg")
    assert mg["bulk_migration"] == "migration:li-in-mg"
    assert mg["solute_migration"] == "migration:mg-in-li"


def test_each_firework_runs_one_job_whose_store_comes_from_the_worker(tmp_path):
    """One generic FireTask per Firework; no JobStore (and so no connection) in the
    workflow: the worker's own LaunchPad holds the outputs; the job's uuid is the hash."""
    import json

    from interfacemodel.workflows.jobs import JobTask

    spec = load_campaign(SPECS[[p.stem for p in SPECS].index("emt_analogue")])
    wf = campaign_workflow(spec, tmp_path)
    for fw in wf.fws:
        (task,) = fw.tasks
        assert type(task) is JobTask and task["store"] is None
        assert task["job"].uuid == fw.spec["_im_hash"]
    text = json.dumps(wf.to_dict(), default=str)
    assert "mongodb://" not in text and "password" not in text


def test_hashes_follow_the_calculator_and_the_parameters(tmp_path):
    spec_file = tmp_path / "s.yaml"
    spec_file.write_text("interfaces: [{system: cu-ag, settings: {fmax: 0.05}}]\n")

    def hashes(calc=None, text=None):
        if text:
            spec_file.write_text(text)
        wf = campaign_workflow(load_campaign(spec_file, calc), tmp_path)
        return {fw.name.split(":", 1)[1]: fw.spec["_im_hash"] for fw in wf.fws}

    emt = hashes("emt")
    assert hashes("emt") == emt  # canonical: the same campaign gives the same hashes
    tighter = hashes("emt", "interfaces: [{system: cu-ag, settings: {fmax: 0.02}}]\n")
    assert tighter["bulk:Cu"] == emt["bulk:Cu"]  # bulk_fmax unchanged: the same bulk work
    assert tighter["interface:cu-ag"] != emt["interface:cu-ag"]
    # a child's hash follows its inputs: another bulk fmax changes everything downstream
    other = hashes("emt", "interfaces: [{system: cu-ag, settings: {fmax: 0.05, bulk_fmax: 0.02}}]\n")
    assert other["bulk:Cu"] != emt["bulk:Cu"] and other["energetics:cu-ag"] != emt["energetics:cu-ag"]


@pytest.mark.parametrize("text, fragment", [
    ("barriers: [{name: a, host: LiF}, {name: a, host: Li2O}]\n", "'a' is used twice"),
    ("barriers: [{name: a, host: LiF, system: li-lif}]\n", "exactly one of"),
    ("barriers: [{name: a, initial: nowhere.extxyz, final: nowhere.extxyz}]\n", "does not exist"),
    ("barriers: [{name: 'a b', host: LiF}]\n", "may hold only"),
    ("barriers: [{name: a, host: MgF2, sites_frac: [[0, 0.5, 0]]}]\n",
     "mechanism: interstitial"),
    ("barriers: [{name: a, host: MgF2, mechanism: interstitial, sites_frac: [0, 0.5]}]\n",
     "a list of fractional coordinates"),
    ("interfaces: [{system: cu-ag, settings: {scan_grid: [3]}}]\n", "scan_grid"),
    ("interfaces: [cu-ag, cu-ag]\n", "listed twice"),
    ("interfaces: [{system: cu-ag, settings: {faces: ['111']}}]\n", "faces"),
    ("interfaces: [{system: cu-ag, settings: {faces: ['111', 'x1']}}]\n", "'x1'.*two Miller"),
    ("interfaces: [{system: cu-ag, settings: {faces: ['111', '111'], orientation: 1}}]\n",
     "give one of them"),
    ("barriers: [{name: a, system: li-lif, film_layers: 1}]\n", "film_layers=1 must be"),
    ("interfaces: [cu-ag]\nrefine_models: {systems: [li-lif]}\n",
     "system 'li-lif' is not one of the campaign's interfaces"),
    ("interfaces: [cu-ag]\nrefine_models: {settings: {film_layers: 0}}\n", "film_layers=0"),
    ("interfaces: [cu-ag]\nrefine_models: {barriers: [nope]}\n", "barrier 'nope' is not"),
    ("interfaces: [cu-ag]\nrefine_models: {layers: 2}\n", "layers"),
    ("interfaces: [cu-ag]\nrefine_models: {reaction: maybe}\n", "reaction='maybe'"),
    ("interfaces: [cu-ag]\nrefine_models: {relax_above_eV_per_A: -0.1}\n",
     "relax_above_eV_per_A=-0.1"),
    ("interfaces: [cu-ag]\nrefine_models: {relax_steps: 0}\n", "relax_steps=0"),
    ("[1, 2]\n", "a campaign spec is a mapping"),
    ("name: x\n", "no interfaces, barriers, segregation, solubility or solute_screen"),
])
def test_spec_errors_are_one_line(tmp_path, text, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(UserInputError, match=fragment) as exc:
        load_campaign(path, "emt")
    assert_one_line(exc)
    assert str(path) in str(exc.value)


def test_the_comparison_presets_ship_in_the_wheel(tmp_path):
    """`compare --preset` reads the package's copies, and a wheel carries them (the repository's
    workflows/ holds links to them, which an installed package does not have)."""
    import subprocess
    import sys
    import zipfile

    import interfacemodel
    from interfacemodel.cli.campaign import PRESETS, _preset_spec

    repo = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(repo), "--no-deps",
                    "--no-build-isolation", "-q", "-w", str(tmp_path)], check=True)
    names = set(zipfile.ZipFile(next(tmp_path.glob("*.whl"))).namelist())
    package = Path(interfacemodel.__file__).parent
    for preset, file in PRESETS.items():
        assert f"interfacemodel/workflows/presets/{file}" in names
        assert _preset_spec(preset) == package / "workflows" / "presets" / file
        assert (repo / "workflows" / file).resolve() == _preset_spec(preset).resolve()


@pytest.mark.gpaw
def test_a_dft_check_with_models_of_its_own(tmp_path):
    """``refine_models``: the DFT calculator takes single points on the check's smaller model
    of each named interface (relaxed by the campaign's calculator, its bulk crystals shared),
    where the campaign's calculator and the committee take theirs too; its reaction with Li on
    the campaign's crystals; only the named hops; nothing on the campaign's own models."""
    from interfacemodel.analysis.migration import BAND_POINTS
    from interfacemodel.flows.campaign import CHECK_TAG, campaign_flow

    path = tmp_path / "c.yaml"
    path.write_text(
        "name: c\ncalculator: emt\ncommittee: ['emt:asap_cutoff=true']\nrefine: gpaw\n"
        "refine_models: {settings: {film_layers: 2}, systems: [cu-ag], barriers: [b]}\n"
        "interfaces: [{system: cu-ag, settings: {film_layers: 3, reactivity: true}}]\n"
        "barriers: [{name: a, host: Ag, species: Ag}, {name: b, host: Cu, species: Cu}]\n"
        "report: {title: t}\n")
    spec = load_campaign(path)
    assert spec.refine_models.systems["cu-ag"]["film_layers"] == 2
    names = [j.name for j in campaign_flow(spec).jobs]
    assert f"energetics:cu-ag{CHECK_TAG}" in names  # the campaign calculator's record there
    for calc in ("emt:asap_cutoff=true", "gpaw"):
        assert f"committee:energetics:cu-ag{CHECK_TAG}:{calc}" in names
    assert "committee:energetics:cu-ag:gpaw" not in names
    assert "committee:energetics:cu-ag:emt:asap_cutoff=true" in names
    assert "committee:reaction:Ag:gpaw" in names
    assert "committee:diffusivity:b:gpaw" in names
    assert "committee:diffusivity:a:gpaw" not in names
    assert names.count(f"interface:cu-ag{CHECK_TAG}") == 1 and names.count("bulk:Cu") == 1
    # no short DFT relaxation unless asked; asked, only the DFT check's job carries it
    jobs = {j.name: j for j in campaign_flow(spec).jobs}
    # the DFT check of a hop (on models of its own): its barriers at the ML saddle only
    hop = jobs["committee:diffusivity:b:gpaw"].function_kwargs
    assert hop["only"] == sorted(BAND_POINTS)  # the band's three structures, no crystal
    assert "only" not in jobs["committee:diffusivity:b:emt:asap_cutoff=true"].function_kwargs
    assert all("short" not in j.function_kwargs for j in jobs.values())
    path.write_text(path.read_text().replace(
        "barriers: [b]}", "barriers: [b], relax_above_eV_per_A: 0.3, relax_steps: 4}"))
    spec = load_campaign(path)
    assert (spec.refine_models.relax_above_eV_per_A, spec.refine_models.relax_steps) == (0.3, 4)
    again = {j.name: j for j in campaign_flow(spec).jobs}
    short = again[f"committee:energetics:cu-ag{CHECK_TAG}:gpaw"].function_kwargs["short"]
    assert (short.above_eV_per_A, short.steps, short.fmax_eV_per_A) == (0.3, 4, 0.05)
    for name, job in again.items():  # every other job is the same work as before
        if name != f"committee:energetics:cu-ag{CHECK_TAG}:gpaw" \
                and not name.startswith("report:"):
            assert job.uuid == jobs[name].uuid, name
