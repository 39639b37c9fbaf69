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
