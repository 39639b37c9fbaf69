from pathlib import Path

import pytest
from ase.build import bulk
from ase.io import read

from interfacemodel.calculators import (
    backend,
    calculator_provenance,
    check_elements,
    get_calculator,
    parse_calc_spec,
    resolve_device,
)
from interfacemodel.errors import (
    CalculatorUnavailableError,
    UnknownNameError,
    UnsupportedElementsError,
    UserInputError,
)


def test_emt_refuses_li_naming_its_elements_and_alternatives():
    with pytest.raises(UnsupportedElementsError) as exc:
        get_calculator("emt", atoms=bulk("Li"))
    msg = str(exc.value)
    for el in ("Al", "Cu", "Ag", "Au", "Ni", "Pd", "Pt"):
        assert el in msg
    assert "cannot treat Li" in msg
    assert "gpaw" in msg  # an alternative that covers Li is named


def test_emt_elements_come_from_ase():
    from ase.calculators.emt import parameters

    check_elements("emt", parameters)  # exactly ASE's table passes
    with pytest.raises(UnsupportedElementsError):
        check_elements("emt", ["Cu", "Mg"])


@pytest.mark.parametrize(
    "spec, fragment",
    [
        ("nosuch", "unknown calculator 'nosuch'"),
        ("gpaw:ecut=300", "has no option 'ecut'"),
        ("gpaw:ecut_eV=abc", "ecut_eV='abc'"),
        ("gpaw:ecut_eV=-5", "must be > 0"),
        ("gpaw:kpts=4x4", "three positive integers"),
        ("gpaw:ecut_eV", "malformed calculator option 'ecut_eV'"),
        ("gpaw:=3", "malformed"),
        ("lammps:nosuch", "not one of li-snap"),
        ("sevennet:device=gpu,device=cpu", "given twice"),
        ("", "empty"),
    ],
)
def test_bad_specs_are_one_line_errors(spec, fragment):
    with pytest.raises(UserInputError) as exc:
        parse_calc_spec(spec)
    assert fragment in str(exc.value) and "\n" not in str(exc.value)


def test_unknown_calculator_is_a_name_error():
    with pytest.raises(UnknownNameError, match="known: emt, sevennet"):
        get_calculator("mace")


def test_spec_parsing_and_overrides():
    spec = parse_calc_spec("gpaw:ecut_eV=300,kpts=4x4x4")
    assert spec.options["ecut_eV"] == 300.0 and spec.options["kpts"] == (4, 4, 4)
    assert spec.options["xc"] == "PBE"  # default filled in
    assert parse_calc_spec("lammps:li-mg-meam").options["potential"] == "li-mg-meam"
    assert parse_calc_spec("gpaw", ecut_eV=250).options["ecut_eV"] == 250


def test_provenance_carries_name_model_parameters():
    calc = get_calculator("emt")
    prov = calculator_provenance(calc)
    assert prov["name"] == "emt" and prov["package_version"]
    prov = calculator_provenance("gpaw:ecut_eV=350")
    assert prov["model"] == "PBE" and prov["parameters"]["ecut_eV"] == 350


def test_device_auto_picks_cpu_without_cuda():
    torch = pytest.importorskip("torch")
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device("cpu") == "cpu"


def test_vasp_computes_and_needs_its_site_settings(tmp_path, monkeypatch):
    """vasp runs VASP (tests/test_vasp.py, with a stand-in); without vasp_cmd in the worker's
    env it is one line naming the key, before anything is written."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("FW_CONFIG_FILE", raising=False)
    assert dict(backend("vasp").site_keys).keys() == {"vasp_cmd", "vasp_potcar_dir"}
    with pytest.raises(CalculatorUnavailableError, match="no vasp_cmd set"):
        get_calculator("vasp:encut_eV=520")


def test_espresso_input_reads_back_with_ase(tmp_path):
    """espresso runs pw.x (tests/test_espresso.py); its write_inputs writes the input it
    would run, also on a machine without pw.x or a site."""
    calc = get_calculator("espresso:ecutwfc_Ry=50")
    atoms = bulk("LiF", "rocksalt", 4.03)
    (path,) = calc.write_inputs(atoms, tmp_path / "lif", pseudo_folder="/cluster/pseudo")
    text = path.read_text()
    assert path.name == "espresso.pwi" and "ecutwfc          = 50.0" in text
    assert "Li.UPF" in text and "K_POINTS automatic" in text and "'/cluster/pseudo'" in text
    back = read(path, format="espresso-in")
    assert back.get_chemical_symbols() == atoms.get_chemical_symbols()
    assert back.positions == pytest.approx(atoms.positions, abs=1e-6)


@pytest.mark.gpaw
def test_gpaw_lcao_refuses_a_cell_relaxation_in_one_line():
    """GPAW computes the stress for plane waves only: a bulk cell relaxation with LCAO is one
    line naming the way out, before any SCF."""
    from ase.build import bulk

    from interfacemodel.errors import UserInputError
    from interfacemodel.run.bulk import relax_bulk

    with pytest.raises(UserInputError) as err:
        relax_bulk(bulk("Li", "bcc", 3.44), get_calculator("gpaw:mode=lcao"))
    assert "computes no stress" in str(err.value) and "\n" not in str(err.value)


# -- SevenNet's model=: pretrained names on this machine, checkpoint files ------------------------

@pytest.fixture
def no_download(monkeypatch):
    """sevenn's download fails as it does without network (and nothing is fetched)."""
    import requests
    from sevenn import util

    tried = []

    def fail(path, url):
        tried.append(url)
        raise requests.ConnectionError(f"no network for {url}")

    monkeypatch.setattr(util, "download_checkpoint", fail)
    return tried


def _one_line(exc_info) -> str:
    msg = str(exc_info.value)
    assert "\n" not in msg, msg
    return msg


def _download_model() -> str:
    """A pretrained SevenNet model that sevenn downloads (its weights are not here)."""
    from sevenn import _const

    path = getattr(_const, "SEVENNET_omat", None)
    if path is None or Path(path).is_file():
        pytest.skip("this sevenn has no 7net-omat to download")
    return "7net-omat"


@pytest.mark.mlip
def test_an_unknown_sevennet_model_lists_only_the_models_on_this_machine(no_download):
    """The accepted names are those whose checkpoint sevenn finds here (the wheel ships 7net-0,
    7net-0_22may2024, 7net-l3i5, 7net-mf-0); the others are named as needing a download."""
    with pytest.raises(UserInputError) as err:
        check_elements("sevennet:model=nonsense", ["Li"])
    msg = _one_line(err)
    assert "unknown SevenNet model 'nonsense'" in msg and "checkpoint file path" in msg
    parts = msg.split("; ")  # unknown ...; accepted: ... on this machine: ...; ... need a download
    assert "7net-omat" not in parts[1] and "7net-omat" in parts[2] and "need a download" in msg
    assert no_download == []  # deciding this downloads nothing

    from interfacemodel.calculators.sevennet_models import pretrained_models

    local, remote = pretrained_models()
    assert {"7net-0", "7net-0_22may2024", "7net-l3i5", "7net-mf-0"} <= set(local)
    assert all(Path(p).is_file() for p in local.values())
    assert all(name in parts[1] for name in local) and "7net-mf-0 (modal=" in parts[1]
    assert not any(name in parts[1] for name in remote)
    assert all(name in parts[2] for name in remote)


@pytest.mark.mlip
def test_a_checkpoint_in_sevenns_cache_counts_as_on_this_machine(tmp_path, monkeypatch):
    """The list follows sevenn's own resolver: weights put where it looks (~/.cache/sevennet)
    make a download model one that loads offline."""
    from sevenn import _const

    from interfacemodel.calculators.sevennet_models import pretrained_models

    name = _download_model()
    monkeypatch.setenv("HOME", str(tmp_path))
    assert name in pretrained_models()[1]
    cached = tmp_path / ".cache" / "sevennet" / Path(_const.SEVENNET_omat).relative_to(
        _const._prefix)
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"weights")
    local, remote = pretrained_models()
    assert local[name] == str(cached) and name not in remote


@pytest.mark.mlip
def test_a_model_whose_download_fails_is_one_line(no_download):
    name = _download_model()
    with pytest.raises(CalculatorUnavailableError) as err:
        check_elements(f"sevennet:model={name}", ["Li"])
    msg = _one_line(err)
    assert f"SevenNet model {name!r} is not on this machine" in msg
    assert no_download[0] in msg and "ConnectionError" in msg and "7net-0" in msg


@pytest.mark.mlip
def test_a_checkpoint_file_path_loads_and_a_missing_one_is_one_line(tmp_path, no_download):
    """model=PATH (a fine-tuned checkpoint, issue 31): an existing file loads whatever its name;
    a missing file, a folder or a file that is no checkpoint is one line of its own."""
    import shutil

    from sevenn.util import pretrained_name_to_path

    fine_tuned = tmp_path / "fine-tune" / "checkpoint_best.pth"
    fine_tuned.parent.mkdir()
    (tmp_path / "notes.pth").write_text("not a checkpoint\n")
    for model, fragment in [
        (tmp_path / "nowhere" / "checkpoint_best.pth", "does not exist"),
        ("checkpoint_best.pth", "does not exist"),  # a file name, not a pretrained name
        (tmp_path / "fine-tune", "is a directory"),
        (tmp_path / "notes.pth", "cannot be loaded"),
    ]:
        with pytest.raises(UserInputError) as err:
            check_elements(f"sevennet:model={model}", ["Li"])
        msg = _one_line(err)
        assert f"SevenNet checkpoint {'file ' if 'exist' in fragment else ''}{str(model)!r}" \
            in msg and fragment in msg, msg
    assert no_download == []

    shutil.copy(pretrained_name_to_path("7net-0"), fine_tuned)  # in the wheel: no download
    atoms = bulk("Li", "bcc", 3.43, cubic=True)
    atoms.calc = get_calculator(f"sevennet:model={fine_tuned}", atoms=atoms)
    reference = bulk("Li", "bcc", 3.43, cubic=True)
    reference.calc = get_calculator("sevennet")
    assert atoms.get_potential_energy() == pytest.approx(reference.get_potential_energy(),
                                                         abs=1e-6)
    assert calculator_provenance(atoms.calc)["model"] == str(fine_tuned)
