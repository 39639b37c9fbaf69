"""What bad input gets (DESIGN.md §7): one line on stderr, exit code 2, no traceback, nothing
written. Campaign specs with a bad value anywhere (every numeric setting checked for its type
and range at load time), output paths that cannot be created, a torch device the machine
does not have."""

import dataclasses
from pathlib import Path

import pytest

from interfacemodel.cli import main
from interfacemodel.errors import UserInputError
from interfacemodel.flows import spec_rules, specs
from interfacemodel.flows.specs import load_campaign

REPO = Path(__file__).resolve().parents[1]
ENDPOINTS = REPO / "workflows" / "data"


def one_line_exit_2(capsys, argv, *fragments) -> str:
    """``interfacemodel ARGV`` in-process: exit code 2, exactly one line on stderr naming
    ``fragments``, no traceback; returns the line."""
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and "Traceback" not in err, err
    for f in fragments:
        assert f in lines[0], lines[0]
    return lines[0]


# ----------------------------------------------------------------------- campaign specs

IFACE = "interfaces: [{system: cu-ag, settings: %s}]\n"
BULK = "barriers: [{name: b, host: LiF, %s}]\n"
IHOP = "barriers: [{name: b, system: li-lif, %s}]\n"
ENDS = (f"barriers: [{{name: b, initial: {ENDPOINTS}/au_al100_initial.extxyz, "
        f"final: {ENDPOINTS}/au_al100_final.extxyz, %s}}]\n")
SEG = "segregation: [{system: li-mg, %s}]\n"
ONE = "interfaces: [cu-ag]\n"

BAD_SPECS = [
    # interface settings (EnergeticsSettings fields)
    (IFACE % "{film_layers: -3}", "film_layers=-3", "an integer >= 1"),
    (IFACE % "{film_layers: 2.5}", "film_layers=2.5", "an integer"),
    (IFACE % "{film_layers: true}", "film_layers=True", "an integer"),
    (IFACE % "{substrate_layers: 0}", "substrate_layers=0", "an integer >= 1"),
    (IFACE % "{fmax: 0}", "fmax=0", "> 0"),
    (IFACE % "{fmax: -0.05}", "fmax=-0.05", "> 0"),
    (IFACE % "{fmax: '0.05'}", "fmax='0.05'", "a number"),
    (IFACE % "{fmax: .nan}", "fmax=nan", "a number"),
    (IFACE % "{bulk_fmax: -1}", "bulk_fmax=-1", "> 0"),
    (IFACE % "{steps: 0}", "steps=0", "an integer >= 1"),
    (IFACE % "{steps: 100.5}", "steps=100.5", "an integer"),
    (IFACE % "{T_K: 0}", "T_K=0", "> 0"),
    (IFACE % "{T_K: -300}", "T_K=-300", "> 0"),
    (IFACE % "{orientation: -1}", "orientation=-1", "an integer >= 0"),
    (IFACE % "{orientation: 5}", "orientation=5", "must be < 1"),
    (IFACE % "{termination: 1.5}", "termination=1.5", "an integer"),
    (IFACE % "{scan_grid: [3, 0]}", "scan_grid=[3, 0]", "two integers"),
    (IFACE % "{scan_grid: [2.5, 3]}", "scan_grid=[2.5, 3]", "two integers"),
    (IFACE % "{max_surface_terminations: 0}", "max_surface_terminations=0", ">= 1"),
    (IFACE % "{surface_slabs: 'no'}", "surface_slabs='no'", "true or false"),
    (IFACE % "{reactivity: 1}", "reactivity=1", "true or false"),
    (IFACE % "{allow_unconverged: 'yes'}", "allow_unconverged='yes'", "true or false"),
    (IFACE % "{extra_mu_eV: {Xx: -1}}", "extra_mu_eV=", "element symbols"),
    (IFACE % "{extra_mu_eV: {La: high}}", "extra_mu_eV=", "chemical potentials"),
    (IFACE % "{build: {gap_A: 0}}", "gap_A=0", "> 0"),
    (IFACE % "{build: {vacuum_A: -15}}", "vacuum_A=-15", "> 0"),
    (IFACE % "{build: {max_area_A2: 0}}", "max_area_A2=0", "> 0"),
    (IFACE % "{build: {max_strain: 1.5}}", "max_strain=1.5", "(0, 1)"),
    (IFACE % "{build: {max_length_tol: -0.1}}", "max_length_tol=-0.1", "(0, 1)"),
    (IFACE % "{build: 3}", "build=3", "a mapping"),
    # bulk hops
    (BULK % "n_images: 0", "n_images=0", "an integer >= 1"),
    (BULK % "n_images: 2.5", "n_images=2.5", "an integer"),
    (BULK % "n_images: true", "n_images=True", "an integer"),
    (BULK % "fmax: 0", "fmax=0", "> 0"),
    (BULK % "temperatures_K: [300, -5]", "temperatures_K=[300, -5]", "> 0 K"),
    (BULK % "temperatures_K: 0", "temperatures_K=0", "> 0 K"),
    (BULK % "temperatures_K: []", "temperatures_K=[]", "non-empty"),
    (BULK % "temperatures_K: hot", "temperatures_K='hot'", "> 0 K"),
    (BULK % "supercell: 0", "supercell=0", "an integer >= 1"),
    (BULK % "supercell: [2, 2]", "supercell=[2, 2]", "three of them"),
    (BULK % "supercell: 2.5", "supercell=2.5", "an integer"),
    (BULK % "defect_fraction: 0", "defect_fraction=0", "(0, 1]"),
    (BULK % "defect_fraction: 1.5", "defect_fraction=1.5", "(0, 1]"),
    (BULK % "hop_index: -1", "hop_index=-1", "an integer >= 0"),
    (BULK % "species: Xy", "species='Xy'", "element symbol"),
    (BULK % "solute: 12", "solute=12", "element symbol"),
    (BULK % "phonons: 'off'", "phonons='off'", "true or false"),
    (BULK % "mechanism: interstitial, solute: Mg", "solute='Mg'", "mechanism: vacancy"),
    (BULK % "mechanism: knockoff", "mechanism='knockoff'",
     "accepted: vacancy, interstitial, interstitialcy"),
    (BULK % "mechanism: vacancy, sites_frac: [[0.25, 0.25, 0.25]]", "sites_frac",
     "mechanism: interstitial or interstitialcy"),
    # interface hops
    (IHOP % "film_layers: 1", "film_layers=1 must be", "an integer >= 2"),
    (IHOP % "substrate_layers: 3.0", "substrate_layers=3.0", "an integer >= 2"),
    (IHOP % "model_index: -2", "model_index=-2", "an integer >= 0"),
    (IHOP % "relax_fmax: 0", "relax_fmax=0", "> 0"),
    # end points
    (ENDS % "surface_z: 0", "surface_z=0", "an integer >= 1"),
    (ENDS % "moving_index: -1", "moving_index=-1", "an integer >= 0"),
    (ENDS % "moving_index: 999", "moving_index=999", "must be <"),
    # segregation
    (SEG % "film_layers: 2", "film_layers=2", "an integer >= 3"),
    (SEG % "film_layers: 4.5", "film_layers=4.5", "an integer >= 3"),
    (SEG % "fmax: -0.05", "fmax=-0.05", "> 0"),
    (SEG % "solute: mg", "solute='mg'", "element symbol"),
    # report and top level
    (ONE + "report: {title: 5}\n", "title=5", "a string"),
    (ONE + "calculator: 7\n", "calculator=7", "a string"),
    (ONE + "name: [a]\n", "name=['a']", "a string"),
]


@pytest.mark.parametrize("text, value, accepted", BAD_SPECS,
                         ids=[f"{i}-{f[1]}" for i, f in enumerate(BAD_SPECS)])
def test_bad_spec_values_are_refused_at_load_time(tmp_path, text, value, accepted):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(UserInputError) as exc:
        load_campaign(path, "emt" if "cu-ag" in text else None)
    msg = str(exc.value)
    assert msg and "\n" not in msg
    assert msg.startswith(str(path)), msg  # names the file ...
    assert value in msg and accepted in msg, msg  # ... the bad value and what is accepted


def test_the_entry_is_named(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("barriers: [{name: ok, host: LiF}, {name: second, host: Li, n_images: 0}]\n")
    with pytest.raises(UserInputError, match=r"barriers\[1\] \(second\): n_images=0"):
        load_campaign(path)


def test_every_accepted_key_has_a_value_rule():
    """The tables cover every key the loader accepts: a new setting cannot slip through."""
    from interfacemodel.analysis.interface_energetics import BUILD_KEYS, EnergeticsSettings

    assert set(spec_rules.SETTINGS_RULES) == {f.name for f in dataclasses.fields(EnergeticsSettings)}
    assert set(spec_rules.BUILD_RULES) == set(BUILD_KEYS)
    barrier_keys = set(spec_rules.BARRIER_COMMON).union(*spec_rules.BARRIER_KINDS.values())
    assert set(spec_rules.BARRIER_RULES) == barrier_keys
    assert set(spec_rules.SEGREGATION_RULES) == set(spec_rules.SEGREGATION_KEYS)
    assert set(spec_rules.INTERFACE_RULES) == set(spec_rules.INTERFACE_KEYS)
    assert set(spec_rules.REPORT_RULES) == set(spec_rules.REPORT_KEYS)
    assert set(spec_rules.SOLUBILITY_RULES) == set(spec_rules.SOLUBILITY_KEYS)
    assert set(spec_rules.TOP_RULES) | {"interfaces", "barriers", "segregation", "report",
                                   "solubility", "solute_screen"} == set(spec_rules.TOP_KEYS)


def test_good_values_still_load(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(
        "interfaces: [{system: li-lif, settings: {film_layers: 4, substrate_layers: null, "
        "fmax: 0.05, steps: 300, T_K: 453.65, scan_grid: [2, 2], orientation: 1, "
        "surface_slabs: false, extra_mu_eV: {La: -4.9}, build: {gap_A: 2, max_strain: 0.08}}}]\n"
        "barriers: [{name: b, host: LiF, n_images: 3, fmax: 0.05, temperatures_K: 300, "
        "supercell: [2, 2, 2], defect_fraction: 1, phonons: false}, "
        "{name: c, host: Li2O, mechanism: interstitialcy, sites_frac: [[0.5, 0.5, 0.5]]}]\n"
        "segregation: [{system: li-mg, film_layers: 6, fmax: 0.1}]\n")
    spec = load_campaign(path)
    assert spec.barriers[0].temperatures_K == [300.0] and spec.barriers[0].n_images == 3
    assert spec.segregation[0].film_layers == 6
    assert spec.barriers[1].case["mechanism"] == "interstitialcy"


def test_a_spec_without_name_or_calculator_gets_the_documented_defaults(tmp_path):
    """Documented in workflows/README.md and load_campaign: the file stem and 'sevennet'."""
    path = tmp_path / "my-campaign.yaml"
    path.write_text("interfaces: [li-lif]\n")
    spec = load_campaign(path)
    assert spec.name == "my-campaign"
    assert spec.calculator == specs.DEFAULT_CALCULATOR == "sevennet"
    assert load_campaign(path, "chgnet").calculator == "chgnet"
    # a file name that is no campaign name: one line saying where the name came from
    odd = tmp_path / "my campaign.yaml"
    odd.write_text("interfaces: [li-lif]\n")
    with pytest.raises(UserInputError, match="from the file name"):
        load_campaign(odd)


@pytest.mark.parametrize("text, fragment", [
    (IFACE % "{film_layers: -3}", "film_layers=-3"),
    (IFACE % "{film_layers: 2.5}", "film_layers=2.5"),
    (BULK % "n_images: 2.5", "n_images=2.5"),
])
def test_submit_refuses_bad_values_before_writing_anything(tmp_path, capsys, text, fragment):
    spec = tmp_path / "bad.yaml"
    spec.write_text(text)
    state = tmp_path / "state"
    one_line_exit_2(capsys, ["submit", spec, "--state", state, "--calc", "emt"], fragment,
                    str(spec))
    assert not state.exists()  # no state directory, no store


def _not_a_spec(tmp_path) -> list[tuple[Path, str]]:
    """Files a user may give as a campaign spec by mistake, with what the line must say."""
    binary = tmp_path / "model.pth"
    binary.write_bytes(bytes(range(256)) * 4)  # 0x80 at offset 128: not UTF-8
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("name: x\ndescription: caf\xe9\ninterfaces: [cu-ag]\n".encode("latin-1"))
    folder = tmp_path / "workflows"
    folder.mkdir()
    return [(binary, "not a UTF-8 text (YAML) file"), (latin1, "not a UTF-8 text (YAML) file"),
            (folder, "is a directory")]


@pytest.mark.parametrize("command", [["submit", "{spec}"],
                                     ["compare", "--spec", "{spec}", "--out", "report"]])
def test_a_spec_that_is_not_utf8_text_is_one_line_and_nothing_is_written(
        tmp_path, capsys, monkeypatch, command):
    """A binary or other-encoding file, or a directory, given as the campaign spec: one line
    naming it (not a UnicodeDecodeError traceback), and no state or report directory."""
    monkeypatch.chdir(tmp_path)
    for spec, says in _not_a_spec(tmp_path):
        before = sorted(p.name for p in tmp_path.iterdir())
        argv = [a.replace("{spec}", str(spec)) for a in command] + ["--state", "state"]
        one_line_exit_2(capsys, argv, str(spec), says)
        assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_an_unreadable_spec_names_the_file(tmp_path, monkeypatch):
    spec = tmp_path / "c.yaml"
    spec.write_text(ONE)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_text", refuse)  # root reads any mode; refuse directly
    with pytest.raises(UserInputError, match=r"c\.yaml' cannot be read \(Permission denied\)"):
        load_campaign(spec)


# ---------------------------------------------------------------- output paths, devices


def _unwritable(tmp_path) -> list[Path]:
    """Output places that cannot be created: under a plain file (for anyone, root too), and
    under /proc (a virtual file system: not even root can make entries there)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")
    places = [blocker / "out"]
    if Path("/proc/self").is_dir():
        places.append(Path("/proc/forbidden/x"))
    return places


@pytest.mark.parametrize("argv, flag", [
    (["build", "li-li2se", "--out", "{out}"], "output directory"),
    (["build", "li-li2se", "--kind", "both", "--format", "cif", "--out", "{out}"],
     "output directory"),
    (["bulk", "Li", "--calc", "emt", "--json", "{out}.json"], "--json file"),
    (["energetics", "cu-ag", "--calc", "emt", "--json", "{out}.json"], "--json file"),
    (["barrier", "vacancy", "--host", "Cu", "--species", "Cu", "--calc", "emt", "--out", "{out}"],
     "output directory"),
    (["diffusivity", "barrier.json", "--plot", "{out}.png"], "--plot file"),
])
def test_an_output_path_that_cannot_be_created_is_one_line(tmp_path, capsys, monkeypatch,
                                                           argv, flag):
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    for out in _unwritable(tmp_path):
        args = [a.replace("{out}", str(out)) for a in argv]
        line = one_line_exit_2(capsys, args, f"cannot write {flag}", str(out))
        assert not Path(args[-1]).exists(), line
    # nothing written: no output, no temporary, no default output directory
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(before + ["a-file"])


@pytest.mark.parametrize("argv, flag", [
    (["init", "--state", "{out}"], "state directory"),
    (["submit", str(REPO / "workflows" / "emt_comparison.yaml"), "--state", "{out}"],
     "state directory"),
    (["compare", "--spec", str(REPO / "workflows" / "emt_comparison.yaml"), "--state", "state",
      "--out", "{out}"], "report directory"),
])
def test_a_state_or_report_directory_that_cannot_be_created_is_one_line(
        tmp_path, capsys, monkeypatch, argv, flag):
    """Campaign commands: refused before the campaign runs, and no state directory made."""
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    for out in _unwritable(tmp_path):
        args = [a.replace("{out}", str(out)) for a in argv]
        one_line_exit_2(capsys, args, f"cannot write {flag}", str(out))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(before + ["a-file"])


def test_json_and_plot_outputs_refuse_directories_and_existing_files(tmp_path, capsys,
                                                                      monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    one_line_exit_2(capsys, ["bulk", "Li", "--calc", "emt", "--json", "d"], "is a directory")
    (tmp_path / "old.png").write_bytes(b"png")
    one_line_exit_2(capsys, ["diffusivity", "barrier.json", "--plot", "old.png"], "exists",
                    "--overwrite")
    assert (tmp_path / "old.png").read_bytes() == b"png"


def test_writers_name_the_path_when_the_place_fails_at_write_time(tmp_path):
    """The check before the work can be overtaken (a directory removed meanwhile): the
    atomic writers raise OutputPathError — a UserInputError (CLI: one line, exit 2) that is
    still an OSError — naming the path."""
    from interfacemodel.errors import OutputPathError
    from interfacemodel.records import write_directory_atomic, write_text_atomic

    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(OutputPathError, match="a-file/out") as exc:
        write_directory_atomic(blocker / "out", lambda tmp: None)
    assert isinstance(exc.value, OSError) and isinstance(exc.value, UserInputError)
    with pytest.raises(OutputPathError, match="a-file/r.json"):
        write_text_atomic("{}", blocker / "r.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def _skip_with_cuda():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: the device is available")


@pytest.mark.parametrize("calc", ["sevennet:device=cuda", "chgnet:device=cuda:0"])
def test_a_device_the_machine_lacks_is_one_line(tmp_path, capsys, monkeypatch, calc):
    _skip_with_cuda()
    monkeypatch.chdir(tmp_path)
    line = one_line_exit_2(capsys, ["bulk", "Li", "--calc", calc, "--json", "r.json"],
                           f"device '{calc.split('=')[1]}'", "not available",
                           "available: cpu, auto")
    assert "AssertionError" not in line
    assert list(tmp_path.iterdir()) == []


def test_the_calculator_factory_checks_the_device_before_loading_a_model():
    _skip_with_cuda()
    pytest.importorskip("sevenn")
    from interfacemodel.calculators import get_calculator
    from interfacemodel.errors import CalculatorUnavailableError

    with pytest.raises(CalculatorUnavailableError, match="device 'cuda'.*available: cpu, auto"):
        get_calculator("sevennet:device=cuda")


def test_a_misspelt_device_is_refused_when_the_spec_is_parsed(capsys):
    from interfacemodel.calculators import parse_calc_spec

    with pytest.raises(UserInputError, match="device='gpu'.*auto, cpu, cuda or cuda:N"):
        parse_calc_spec("sevennet:device=gpu")
    assert parse_calc_spec("chgnet:device=CUDA:1").options["device"] == "cuda:1"
    one_line_exit_2(capsys, ["energetics", "li-lif", "--calc", "sevennet:device=gpu"],
                    "device='gpu'")
