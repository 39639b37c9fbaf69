"""The DFT check of a bulk hop on a hop cell of its own (``refine_models: hops``): the hop is
built on the host crystal in the cell asked for (``host_cell``, then ``supercell``), its NEB
run with the campaign's calculator there, and the check calculator's barrier is its single
points at that NEB's end points and saddle — equal to a plain ASE computation of the same
three structures; the report sets it beside the campaign calculator's barrier on the same
small cell, not the campaign's larger one.

The campaign's calculator is EMT and the check calculator ASE's Lennard-Jones (registered for
this test as the backend ``lj``), so the pipeline is tested in seconds with two calculators
whose barriers differ; the physics of the real check is GPAW's."""

import json
import textwrap

import numpy as np
import pytest

from interfacemodel.errors import UserInputError

CHECK = "lj"
CELL = [[1, 1, 0], [-1, 1, 0], [0, 0, 1]]


def _lennard_jones():
    from ase.calculators.lj import LennardJones

    return LennardJones(sigma=2.6, epsilon=0.3, rc=6.0, smooth=True)


@pytest.fixture(autouse=True)
def lj_backend(monkeypatch):
    """``lj``: ASE's Lennard-Jones as a calculator backend, for this module only."""
    from interfacemodel.calculators import registry

    registry.backend("emt")  # the built-in backends registered first
    monkeypatch.setitem(registry._REGISTRY, "lj", registry.Backend(
        name="lj", summary="Lennard-Jones (tests)", make=lambda options: _lennard_jones(),
        elements=lambda options: None))


def _spec(tmp_path, hops: str):
    from interfacemodel.flows.specs import load_campaign

    path = tmp_path / "c.yaml"
    path.write_text(textwrap.dedent(f"""\
        name: c
        calculator: emt
        refine: "{CHECK}"
        refine_models: {{systems: [], barriers: [], hops: {hops}}}
        interfaces:
          - system: cu-ag
            settings: {{film_layers: 2, substrate_layers: 3, scan_grid: [1, 1], fmax: 0.1,
                        surface_slabs: false, reactivity: false}}
        barriers:
          - {{name: ag-vacancy, host: Ag, species: Ag, supercell: 3, n_images: 1,
              phonons: false, fmax: 0.1}}
        report: {{title: t}}
        """))
    return load_campaign(path)


@pytest.mark.parametrize("hops, message", [
    ("{nope: {}}", "hops: 'nope' is not one of the campaign's barriers"),
    ("{ag-vacancy: {layers: 2}}", "unknown key 'layers'"),
    ("{ag-vacancy: {supercell: 0}}", "supercell=0 must be"),
    ("{ag-vacancy: {host_cell: [[1, 0, 0], [0, 1, 0]]}}", "host_cell="),
    ("{ag-vacancy: {host_cell: [[0, 1, 0], [1, 0, 0], [0, 0, 1]]}}", "positive determinant"),
    ("{ag-vacancy: [1, 1, 2]}", "must be a mapping"),
])
def test_a_bad_hop_cell_is_one_line_naming_it(tmp_path, hops, message):
    with pytest.raises(UserInputError, match=message.replace("(", r"\(").replace("[", r"\[")):
        _spec(tmp_path, hops)


def test_a_hop_cell_of_rock_salt_axes_holds_the_hop_the_conventional_cell_does_not():
    """``host_cell`` turns the conventional cell before ``supercell`` repeats it: fcc Ag's
    a+b, b−a, c cell doubled along c is √2a × √2a × 2a with 16 sites, one of them empty."""
    from ase.calculators.emt import EMT

    from interfacemodel.procedures.hops import prepare_bulk_hop

    case = prepare_bulk_hop("Ag", EMT(), species="Ag", supercell=(1, 1, 2), host_cell=CELL)
    a = case.initial.cell.lengths()
    assert len(case.initial) == 15
    assert a[0] == pytest.approx(a[1]) and a[2] / a[0] == pytest.approx(np.sqrt(2), rel=1e-6)
    assert case.hop["length_A"] == pytest.approx(a[0] / 2, rel=1e-3)  # a/√2: nearest sites


def test_the_check_of_a_hop_on_its_own_cell_equals_plain_ase_there(tmp_path, monkeypatch):
    from ase.calculators.emt import EMT
    from jobflow import JobStore
    from maggma.stores import MemoryStore

    from interfacemodel.analysis.migration import NEBProduct
    from interfacemodel.flows.campaign import CHECK_TAG, campaign_flow
    from interfacemodel.flows.local import run_flow
    from interfacemodel.records import from_dict

    spec = _spec(tmp_path, f"{{ag-vacancy: {{host_cell: {CELL}, supercell: [1, 1, 2]}}}}")
    flow = campaign_flow(spec)
    names = [j.name for j in flow.jobs]
    tagged = f"ag-vacancy{CHECK_TAG}"
    # the check calculator takes single points on the hop's own cell only; the campaign's
    # calculator's record there is that cell's own pipeline
    assert f"committee:diffusivity:{tagged}:{CHECK}" in names
    assert f"diffusivity:{tagged}" in names
    assert f"committee:diffusivity:ag-vacancy:{CHECK}" not in names
    assert names.count("bulk:Ag") == 1  # the host crystal shared with the campaign
    assert not any(n.startswith("intrinsic:") and CHECK_TAG in n for n in names)
    store = JobStore(MemoryStore())
    monkeypatch.chdir(tmp_path)
    out = run_flow(flow, tmp_path / "run", store=store, progress=lambda line: None)
    by_name = {j.name: j for j in flow.jobs}
    band = from_dict(NEBProduct, store.get_output(by_name[f"neb:{tagged}"].uuid))
    main = from_dict(NEBProduct, store.get_output(by_name["neb:ag-vacancy"].uuid))
    assert len(band.initial) == 15 < len(main.initial)

    def energy(atoms, calc):
        atoms = atoms.copy()
        atoms.calc = calc
        return atoms.get_potential_energy()

    plain = energy(band.saddle, _lennard_jones()) - energy(band.initial, _lennard_jones())
    own = energy(band.saddle, EMT()) - energy(band.initial, EMT())
    assert abs(plain - own) > 1e-3  # the two EMTs differ: the test can tell them apart

    results = json.loads(open(f"{out['report_dir']}/results.json").read())
    row = next(c for c in results["coatings"] if c["coating"] == "Ag")
    item = next(v for v in row["values"] if v["name"] == "barrier_coating_eV")
    assert item["value"] == pytest.approx(main.neb.barrier_forward_eV, abs=1e-9)
    assert item["refine"][CHECK] == pytest.approx(plain, abs=1e-6)
    assert item["refine_model"] == {"emt": pytest.approx(own, abs=1e-6)}
    assert item["refine_model_atoms"] == 15
    report = open(f"{out['report_dir']}/report.md").read()
    assert f"DFT check: {CHECK}" in report
    assert "check model (15 atoms)" in report
