"""The DFT check on a model of its own (a campaign's ``refine`` + ``refine_models``): the
check model is relaxed with the campaign's calculator, then the DFT calculator's W_adh on it
must equal a plain GPAW computation of the same cells, and the report must compare it with the
campaign calculator's value on the same model, not on the larger campaign model.

SevenNet relaxes a thin Li(110)/Mg(0001) cell; GPAW at 300 eV with a coarse k-point density
(the check of the pipeline, not converged physics: both sides use the same settings)."""

import json
import textwrap

import numpy as np
import pytest

from interfacemodel.units import EV_PER_A2_TO_J_PER_M2

pytestmark = [pytest.mark.gpaw, pytest.mark.mlip, pytest.mark.slow]

REFINE = "gpaw:ecut_eV=300,kpt_density=1.5"
SETTINGS = ("{film_layers: 2, substrate_layers: 2, scan_grid: [1, 1], fmax: 0.1, steps: 60, "
            "surface_slabs: false, reactivity: false, fix_substrate_layers: 1, "
            "build: {max_area_A2: 20, max_length_tol: 0.16, max_angle_tol: 0.05, "
            "max_area_ratio_tol: 0.2}}")


def _spec(tmp_path):
    from interfacemodel.flows.specs import load_campaign

    path = tmp_path / "check.yaml"
    path.write_text(textwrap.dedent(f"""\
        name: refine-check
        calculator: sevennet
        refine: "{REFINE}"
        refine_models:
          settings: {{film_layers: 2, substrate_layers: 2}}
        interfaces:
          - system: li-mg
            settings: {SETTINGS.replace("film_layers: 2", "film_layers: 3")}
        report: {{title: check}}
        """))
    return load_campaign(path)


def _plain_gpaw(atoms):
    """GPAW's energy of ``atoms`` from GPAW itself: the settings REFINE names."""
    from gpaw import GPAW, PW

    atoms = atoms.copy()
    atoms.calc = GPAW(mode=PW(300), xc="PBE", kpts={"density": 1.5, "gamma": True},
                      occupations={"name": "marzari-vanderbilt", "width": 0.1}, txt=None)
    return atoms.get_potential_energy()


def test_refine_on_its_own_model_equals_plain_gpaw_of_the_same_cells(tmp_path, monkeypatch):
    from jobflow import JobStore
    from maggma.stores import MemoryStore

    from interfacemodel.analysis.interface_geometry import AdhesionParts, InterfaceProduct
    from interfacemodel.flows.campaign import CHECK_TAG, campaign_flow
    from interfacemodel.flows.local import run_flow
    from interfacemodel.records import from_dict

    spec = _spec(tmp_path)
    assert spec.refine_models.systems["li-mg"]["film_layers"] == 2
    flow = campaign_flow(spec)
    names = [j.name for j in flow.jobs]
    # the DFT check takes single points on its own model only, none on the campaign's
    assert f"committee:energetics:li-mg{CHECK_TAG}:{REFINE}" in names
    assert f"committee:energetics:li-mg:{REFINE}" not in names
    store = JobStore(MemoryStore())
    monkeypatch.chdir(tmp_path)
    out = run_flow(flow, tmp_path / "run", store=store, progress=lambda line: None)
    by_name = {j.name: j for j in flow.jobs}

    def output(kind, name):
        return from_dict(kind, store.get_output(by_name[name].uuid))

    model = output(InterfaceProduct, f"interface:li-mg{CHECK_TAG}")
    parts = output(AdhesionParts, f"adhesion:li-mg{CHECK_TAG}")
    main = output(InterfaceProduct, "interface:li-mg")
    assert len(model.relaxed) < len(main.relaxed)  # the smaller model

    interface = model.relaxed
    side = interface.arrays["interface_side"]
    area = np.linalg.norm(np.cross(interface.cell[0], interface.cell[1]))
    e_int = _plain_gpaw(interface)
    e_cut = sum(_plain_gpaw(interface[side == s]) for s in np.unique(side))
    e_rel = sum(_plain_gpaw(parts.structures[f"{p}-relaxed"]) for p in ("film", "substrate"))
    plain = {"w_adh_ideal_J_per_m2": (e_cut - e_int) / area * EV_PER_A2_TO_J_PER_M2,
             "w_adh_relaxed_J_per_m2": (e_rel - e_int) / area * EV_PER_A2_TO_J_PER_M2}

    results = json.loads(open(f"{out['report_dir']}/results.json").read())
    values = {v["name"]: v for v in results["coatings"][0]["values"]}
    for name, expected in plain.items():
        item = values[name]
        assert item["refine"][REFINE] == pytest.approx(expected, rel=0.01), name
        # the campaign calculator's value on the same check model is set beside it
        assert set(item["refine_model"]) == {"sevennet"}
        assert item["refine_model_atoms"] == len(interface)
    report = open(f"{out['report_dir']}/report.md").read()
    assert f"DFT check: {REFINE}" in report
    assert f"check model ({len(interface)} atoms)" in report
