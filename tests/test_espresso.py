"""Quantum ESPRESSO (pw.x) as a program the package runs: inputs, numbers, errors, restarts.

pw.x itself needs pseudopotentials this machine does not have; the runs here use the stand-in
``tests/standins/fake_pw.py`` (EMT numbers in a pw.x 6.7 output, pw.x's error box and its
"convergence NOT achieved"), started through ``qe_cmd`` as a site would start pw.x.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from ase.build import bulk, fcc100
from ase.calculators.emt import EMT
from ase.io import read
from ase.io.espresso import read_fortran_namelist

from checks import assert_one_line, kill_after_saved_steps
from interfacemodel.calculators import get_calculator, parse_calc_spec
from interfacemodel.calculators.cells import kpoint_grid
from interfacemodel.calculators.espresso import (
    EOPREG_MAX,
    RESTART_MARKER,
    SCRATCH,
    error_message,
    sawtooth_region,
)
from interfacemodel.calculators.site import worker_env
from interfacemodel.errors import (
    CalculatorRunError,
    CalculatorUnavailableError,
    SCFNotConvergedError,
    UserInputError,
)

FAKE_PW = Path(__file__).resolve().parent / "standins" / "fake_pw.py"
FAKE_CMD = f"{shlex.quote(sys.executable)} {shlex.quote(str(FAKE_PW))}"
EMT_ELEMENTS = ("Cu", "Ag", "Au", "Al", "Ni", "Pd", "Pt")


@pytest.fixture
def no_worker_file(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FW_CONFIG_FILE", raising=False)
    monkeypatch.delenv("ESPRESSO_PSEUDO", raising=False)
    for key in ("FAKE_PW_ERROR", "FAKE_PW_UNCONVERGED", "FAKE_PW_LOG"):
        monkeypatch.delenv(key, raising=False)


@pytest.fixture
def pseudo(tmp_path) -> Path:
    """A pseudopotential folder with an (empty) ``<Symbol>.UPF`` per EMT element."""
    folder = tmp_path / "pseudo"
    folder.mkdir()
    for el in EMT_ELEMENTS:
        (folder / f"{el}.UPF").write_text("")
    return folder


def _site(pseudo: Path, command: str = FAKE_CMD):
    return worker_env({"qe_cmd": command, "qe_pseudo_dir": str(pseudo)})


def _namelists(path: Path) -> tuple[dict, list[str]]:
    with open(path) as fd:
        return read_fortran_namelist(fd)


def _rattled_cu():
    atoms = bulk("Cu", "fcc", 3.6, cubic=True)
    atoms.rattle(0.05, seed=3)
    return atoms


# -- inputs ------------------------------------------------------------------------------------

def test_inputs_for_a_li_lif_slab_carry_the_stated_settings(tmp_path):
    """A Li/LiF slab model with 10 Å of vacuum: cutoffs, cold smearing, nspin=1, conv_thr per
    atom, mixing, k-points in-plane only, the dipole correction with its sawtooth region in
    the middle of the vacuum, fixed atoms as if_pos 0 0 0, the pseudopotential folder and
    files; a bulk cell, a periodic interface and dipole_correction=off get no correction."""
    from interfacemodel.models.systems import build_system

    slab = build_system("li-lif", film_layers=2, substrate_layers=3, vacuum_A=10.0)[0].atoms
    calc = get_calculator("espresso")
    (path,) = calc.write_inputs(slab, tmp_path / "slab", pseudo_folder="/apps/pseudo")
    data, cards = _namelists(path)
    control, system, electrons = data["control"], data["system"], data["electrons"]
    assert control["calculation"] == "scf" and control["tprnfor"] and control["tstress"]
    assert control["pseudo_dir"] == "/apps/pseudo" and control["outdir"] == f"./{SCRATCH}/"
    assert (system["ecutwfc"], system["ecutrho"]) == (60.0, 480.0)
    assert (system["occupations"], system["smearing"], system["degauss"]) == \
        ("smearing", "mv", 0.01)
    assert system["nspin"] == 1
    assert electrons["conv_thr"] == pytest.approx(1e-9 * len(slab))
    assert electrons["mixing_beta"] == 0.3 and electrons["electron_maxstep"] == 200
    assert "startingpot" not in electrons and "startingwfc" not in electrons  # a fresh folder
    # dipole correction: a pure dipole field (eamp 0) along the third cell vector ...
    assert control["tefield"] is True and control["dipfield"] is True
    assert system["edir"] == 3 and system["eamp"] == 0.0
    # ... its decreasing region inside the vacuum, every atom at least 4 Å (of 10) away
    emaxpos, eopreg = system["emaxpos"], system["eopreg"]
    assert 0 < emaxpos < 1 and eopreg == EOPREG_MAX
    height = slab.cell[2, 2]
    frac = slab.get_scaled_positions(wrap=True)[:, 2]
    for edge in (emaxpos, emaxpos + eopreg):
        gap = np.abs((frac - edge + 0.5) % 1.0 - 0.5) * height
        assert gap.min() >= 4.0
    # k-points: in-plane grid, 1 along z
    kline = cards[cards.index("K_POINTS automatic") + 1].split()
    assert kline[2] == "1" and int(kline[0]) > 1 and kline[3:] == ["0", "0", "0"]
    # pseudopotentials <Symbol>.UPF; the 32 fixed atoms as if_pos 0 0 0
    species = cards[cards.index("ATOMIC_SPECIES") + 1:cards.index("ATOMIC_SPECIES") + 3]
    assert sorted(line.split()[2] for line in species) == ["F.UPF", "Li.UPF"]
    positions = cards[cards.index("ATOMIC_POSITIONS angstrom") + 1:][:len(slab)]
    fixed = [line for line in positions if line.split()[4:] == ["0", "0", "0"]]
    assert len(fixed) == len(slab.constraints[0].index) == 32
    back = read(path, format="espresso-in")
    assert sorted(back.constraints[0].index) == sorted(slab.constraints[0].index)
    assert np.allclose(back.positions, slab.positions, atol=1e-8)

    lif = bulk("LiF", "rocksalt", 4.03)
    data, cards = _namelists(calc.write_inputs(lif, tmp_path / "bulk", "/p")[0])
    assert "tefield" not in data["control"] and "edir" not in data["system"]
    grid = kpoint_grid(lif, 3.5)
    assert grid[2] > 1 and cards[cards.index("K_POINTS automatic") + 1].split()[:3] == \
        [str(k) for k in grid]
    periodic = build_system("li-lif", kind="periodic", film_layers=2,
                            substrate_layers=3)[0].atoms
    data, _ = _namelists(calc.write_inputs(periodic, tmp_path / "periodic", "/p")[0])
    assert "tefield" not in data["control"]
    off = get_calculator("espresso:dipole_correction=off,pseudos=Li=li_pbe_v1.4.uspp.F.UPF")
    data, cards = _namelists(off.write_inputs(slab, tmp_path / "off", "/p")[0])
    assert "tefield" not in data["control"]
    files = {line.split()[0]: line.split()[2] for line in cards
             if line.split()[:1] in (["Li"], ["F"]) and len(line.split()) == 3
             and line.split()[2].lower().endswith(".upf")}
    assert files == {"Li": "li_pbe_v1.4.uspp.F.UPF", "F": "F.UPF"}
    spin = get_calculator("espresso:spin_polarized=true")
    data, _ = _namelists(spin.write_inputs(lif, tmp_path / "spin", "/p")[0])
    assert data["system"]["nspin"] == 2
    assert all(data["system"][f"starting_magnetization({i})"] > 0 for i in (1, 2))


def test_the_sawtooth_sits_in_the_middle_of_the_vacuum_wherever_the_slab_is():
    """fcc100(vacuum=6) has its 12 Å gap across the cell's faces (z = 0); shifted down by
    5.9 Å the gap lies inside the cell; and a slab across z = 0 has it in the middle."""
    for shift_A in (0.0, -5.9, 10.0):
        slab = fcc100("Cu", (2, 2, 4), vacuum=6.0)
        slab.positions[:, 2] += shift_A
        slab.wrap()
        emaxpos, eopreg = sawtooth_region(slab)
        frac = slab.get_scaled_positions(wrap=True)[:, 2]
        centre = (emaxpos + eopreg / 2) % 1.0
        distance_A = np.abs((frac - centre + 0.5) % 1.0 - 0.5) * slab.cell[2, 2]
        assert distance_A.min() == pytest.approx(6.0, abs=1e-6), shift_A
        assert eopreg == EOPREG_MAX and 0 <= emaxpos < 1


def test_bad_options_and_cells_are_one_line(tmp_path):
    with pytest.raises(UserInputError) as err:
        parse_calc_spec("espresso:pseudos=Li")
    assert_one_line(err)
    assert "Symbol=file" in str(err.value)
    with pytest.raises(UserInputError) as err:
        parse_calc_spec("espresso:mixing_beta=1.5")
    assert_one_line(err)
    flat = bulk("Cu", "fcc", 3.6)
    flat.cell[2] = 0.0
    with pytest.raises(UserInputError) as err:
        get_calculator("espresso").write_inputs(flat, tmp_path, "/p")
    assert_one_line(err)
    assert "3-D cell" in str(err.value)


# -- what pw.x needs, checked before it starts ------------------------------------------------

def _energy_error(atoms, calc, exc_type):
    atoms.calc = calc
    with pytest.raises(exc_type) as err:
        atoms.get_potential_energy()
    assert_one_line(err)
    return str(err.value)


def test_a_missing_command_is_one_line_naming_the_key_and_the_file(no_worker_file, tmp_path):
    calc = get_calculator("espresso")  # made without a site: write_inputs works anywhere
    calc.directory = str(tmp_path / "run")
    msg = _energy_error(_rattled_cu(), calc, CalculatorUnavailableError)
    assert "qe_cmd" in msg and "my_fworker.yaml" in msg and "no such file" in msg


def test_a_program_not_on_path_is_one_line(no_worker_file, pseudo, tmp_path):
    calc = get_calculator("espresso")
    calc.directory = str(tmp_path / "run")
    with _site(pseudo, "pw.x.nonexistent -nk 2"):
        msg = _energy_error(_rattled_cu(), calc, CalculatorUnavailableError)
    assert "'pw.x.nonexistent'" in msg and "not an executable on PATH" in msg and "qe_cmd" in msg
    with _site(pseudo, f"{sys.executable} -c pass"):
        msg = _energy_error(_rattled_cu(), calc, CalculatorUnavailableError)
    assert "names no pw.x program" in msg


def test_a_missing_pseudopotential_folder_or_file_is_one_line(no_worker_file, pseudo,
                                                              tmp_path):
    calc = get_calculator("espresso")
    calc.directory = str(tmp_path / "run")
    with worker_env({"qe_cmd": FAKE_CMD}):
        msg = _energy_error(_rattled_cu(), calc, CalculatorUnavailableError)
    assert "no qe_pseudo_dir set" in msg
    with _site(tmp_path / "nope"):
        msg = _energy_error(_rattled_cu(), calc, CalculatorUnavailableError)
    assert str(tmp_path / "nope") in msg and "is not a folder" in msg and "qe_pseudo_dir" in msg
    (pseudo / "Cu.UPF").unlink()
    with _site(pseudo):
        msg = _energy_error(_rattled_cu(), calc, CalculatorUnavailableError)
    assert "Cu.UPF (Cu)" in msg and str(pseudo) in msg and "pseudos=" in msg
    assert not (tmp_path / "run" / "espresso.pwo").exists()  # pw.x never started


# -- runs of the stand-in ----------------------------------------------------------------------

def test_the_output_reads_back_as_the_numbers_of_the_run(no_worker_file, pseudo, tmp_path,
                                                        monkeypatch):
    """Energy, free energy, forces and stress read from the pw.x output equal EMT's on the
    same atoms; the next calculation in the folder restarts from the density and wave
    functions, one in another cell from atomic densities."""
    log = tmp_path / "calls.log"
    monkeypatch.setenv("FAKE_PW_LOG", str(log))
    atoms = _rattled_cu()
    atoms[0].symbol = "Au"
    ref = atoms.copy()
    ref.calc = EMT()
    calc = get_calculator("espresso")
    calc.directory = str(tmp_path / "run")
    atoms.calc = calc
    with _site(pseudo):
        assert atoms.get_potential_energy() == pytest.approx(ref.get_potential_energy(),
                                                             abs=1e-8)
        assert calc.results["free_energy"] == calc.results["energy"]
        assert np.allclose(atoms.get_forces(), ref.get_forces(), atol=1e-8)
        assert np.allclose(atoms.get_stress(), ref.get_stress(), atol=1e-10)
        assert np.abs(ref.get_forces()).max() > 0.1  # rattled: the forces are not trivially 0
        atoms.positions[1] += [0.02, 0.0, -0.01]
        ref.positions[1] += [0.02, 0.0, -0.01]
        assert atoms.get_potential_energy() == pytest.approx(ref.get_potential_energy(),
                                                             abs=1e-8)
        output = tmp_path / "run" / "espresso.pwo"
        assert "The initial density is read from file" in output.read_text()
        atoms.set_cell(atoms.cell * 1.01, scale_atoms=True)
        atoms.get_potential_energy()
    assert log.read_text().splitlines() == [
        "startingpot=atomic startingwfc=atomic+random",
        "startingpot=file startingwfc=file",
        "startingpot=atomic startingwfc=atomic+random"]


def test_a_crashed_pw_x_is_one_error_with_its_reason(no_worker_file, pseudo, tmp_path,
                                                     monkeypatch):
    calc = get_calculator("espresso")
    calc.directory = str(tmp_path / "run")
    atoms = _rattled_cu()
    atoms.calc = calc
    with _site(pseudo):
        atoms.get_potential_energy()  # a good run first: its restart must not survive a crash
        atoms.positions[0] += 0.01
        monkeypatch.setenv("FAKE_PW_ERROR", "too many bands are not converged")
        with pytest.raises(CalculatorRunError) as err:
            atoms.get_potential_energy()
        assert_one_line(err)
        assert str(err.value) == (
            f"espresso: pw.x exited with code 1 in {tmp_path / 'run'}; Error in routine "
            f"c_bands (1): too many bands are not converged")
        assert calc.results == {} and calc.atoms is None  # no energy cached
        assert not (tmp_path / "run" / SCRATCH / RESTART_MARKER).exists()
        monkeypatch.delenv("FAKE_PW_ERROR")
        log = tmp_path / "calls.log"
        monkeypatch.setenv("FAKE_PW_LOG", str(log))
        ref = atoms.copy()
        ref.calc = EMT()
        assert atoms.get_potential_energy() == pytest.approx(ref.get_potential_energy(),
                                                             abs=1e-8)
    assert log.read_text() == "startingpot=atomic startingwfc=atomic+random\n"  # from scratch
    kept = tmp_path / "run" / "espresso.pwo.1"  # the crashed run's output, set aside
    assert "too many bands" in kept.read_text()


def test_an_scf_that_does_not_converge_is_an_error_not_a_number(no_worker_file, pseudo,
                                                                tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_PW_UNCONVERGED", "1")
    calc = get_calculator("espresso:electron_maxstep=30")
    calc.directory = str(tmp_path / "run")
    atoms = _rattled_cu()
    atoms.calc = calc
    with _site(pseudo):
        with pytest.raises(SCFNotConvergedError) as err:
            atoms.get_potential_energy()
        assert_one_line(err)
        msg = str(err.value)
        assert "electron_maxstep=30" in msg and "mixing_beta" in msg
        assert str(tmp_path / "run" / "espresso.pwo") in msg
        assert calc.results == {} and calc.atoms is None
        with pytest.raises(SCFNotConvergedError):  # asked again: computed again, not cached
            atoms.get_forces()


def test_the_images_of_a_band_work_in_their_own_folders_of_the_step(tmp_path):
    """NEB image copies of a program-running calculator go to image-N/ of its folder (not
    the process's working folder); each restarts from its own image."""
    from interfacemodel.run.neb import image_calculators

    calc = get_calculator("espresso")
    calc.directory = str(tmp_path / "step")
    calcs = image_calculators(calc, 3)
    assert [c.directory for c in calcs] == [str(tmp_path / "step"),
                                            str(tmp_path / "step" / "image-2"),
                                            str(tmp_path / "step" / "image-3")]
    assert len({id(c) for c in calcs}) == 3


def test_the_error_box_is_read_into_one_line():
    out = """
     Program PWSCF v.6.7MaX starts on 12Mar2024 at 10:11:12

 %%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%
     Error in routine readpp (1):
     file /apps/pseudo/Li.UPF not found
 %%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%

     stopping ...
"""
    assert error_message(out) == "Error in routine readpp (1): file /apps/pseudo/Li.UPF not found"
    assert error_message("no box here\n") == ""


# -- a relaxation killed mid-run ---------------------------------------------------------------

RELAX = """
import json, sys
from ase.build import bulk
from interfacemodel.calculators import get_calculator
from interfacemodel.calculators.site import worker_env
from interfacemodel.run.relax import relax

checkpoint, cmd, pseudo, out = sys.argv[1:5]
atoms = bulk("Cu", "fcc", 3.6, cubic=True)
atoms.rattle(0.08, seed=7)
with worker_env({"qe_cmd": cmd, "qe_pseudo_dir": pseudo}):
    calc = get_calculator("espresso")
    calc.directory = checkpoint + "-qe"
    relaxed, rec = relax(atoms, calc, fmax=0.01, steps=30, optimizer="BFGS",
                         checkpoint=checkpoint)
json.dump({"energy": rec.energy_eV, "steps": rec.steps, "force_calls": rec.force_calls,
           "positions": relaxed.positions.tolist()}, open(out, "w"))
"""


def _relax_process(tmp_path, name, pseudo):
    env = dict(os.environ, OMP_NUM_THREADS="1", FAKE_PW_LOG=str(tmp_path / f"{name}.calls"))
    return subprocess.Popen([sys.executable, "-c", RELAX, str(tmp_path / name), FAKE_CMD,
                             str(pseudo), str(tmp_path / f"{name}.json")], env=env,
                            start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def test_a_relaxation_killed_mid_run_resumes_at_its_last_ionic_step(no_worker_file, pseudo,
                                                                    tmp_path):
    """SIGKILL to the whole job (python and the running pw.x) once the relaxation has saved
    two ionic steps; the rerun starts from the saved step (fewer pw.x runs than the whole
    relaxation) and ends where the uninterrupted run ends, with the same force calls."""

    whole = _relax_process(tmp_path, "whole", pseudo)
    assert whole.wait(timeout=600) == 0, whole.stdout.read()
    ref = json.loads((tmp_path / "whole.json").read_text())
    assert ref["steps"] >= 4, "too few steps to kill in between"
    assert len((tmp_path / "whole.calls").read_text().splitlines()) == ref["force_calls"]

    victim = _relax_process(tmp_path, "killed", pseudo)
    saved, saved_calls = kill_after_saved_steps(victim, tmp_path / "killed", timeout_s=300)
    before = len((tmp_path / "killed.calls").read_text().splitlines())

    resumed = _relax_process(tmp_path, "killed", pseudo)
    assert resumed.wait(timeout=600) == 0, resumed.stdout.read()
    res = json.loads((tmp_path / "killed.json").read_text())
    rerun_calls = len((tmp_path / "killed.calls").read_text().splitlines()) - before
    assert res["steps"] == ref["steps"]
    assert res["force_calls"] == ref["force_calls"]
    assert rerun_calls == ref["force_calls"] - saved_calls  # the saved steps were not redone
    assert res["energy"] == pytest.approx(ref["energy"], abs=1e-9)
    assert np.allclose(res["positions"], ref["positions"], atol=1e-9)


# -- a FireWorks campaign that fizzles and reruns -------------------------------------------

@pytest.mark.slow  # ~45 s: about a hundred pw.x stand-in runs of ~0.4 s each
def test_a_fizzled_firework_keeps_pw_x_s_reason_and_reruns_after_the_fix(tmp_path,
                                                                         monkeypatch):
    """A campaign computed with espresso through the CLI (submit, run: FIZZLED with the
    missing pseudopotential as its reason in status); the UPF file added, ``rerun
    --fizzled`` and ``run`` complete it. The site comes from ~/interfacemodel-fw/
    my_fworker.yaml, as outside a FireWorks worker env."""
    from test_workflows_campaign import _hop_spec, _ok, cli

    home = tmp_path / "home"
    (home / "interfacemodel-fw").mkdir(parents=True)
    pseudo = tmp_path / "pseudo"
    pseudo.mkdir()
    (pseudo / "Au.UPF").write_text("")  # Al.UPF missing
    (home / "interfacemodel-fw" / "my_fworker.yaml").write_text(
        f"name: test\nenv:\n  qe_cmd: {json.dumps(FAKE_CMD)}\n  qe_pseudo_dir: {pseudo}\n")
    spec, _ = _hop_spec(tmp_path)
    doc = json.loads(spec.read_text())
    doc["calculator"] = "espresso"
    doc["barriers"][0].update(n_images=1, fmax=0.3)
    spec.write_text(json.dumps(doc))
    state = tmp_path / "state"
    monkeypatch.setenv("HOME", str(home))  # the CLI's processes inherit it
    monkeypatch.delenv("FW_CONFIG_FILE", raising=False)
    monkeypatch.delenv("ESPRESSO_PSEUDO", raising=False)

    def run(*args):
        return cli(*args, cwd=tmp_path, timeout=900)

    _ok(run("submit", spec, "--state", state))
    failed = run("run", "--state", state)
    assert failed.returncode == 1 and "FIZZLED" in failed.stdout
    rows = json.loads(_ok(run("status", "--json", "--state", state)).stdout)
    (row,) = rows
    assert row["counts"].get("FIZZLED") == 1
    error = row["fizzled"][0]["error"]
    assert "no pseudopotential file Al.UPF (Al)" in error and str(pseudo) in error
    (pseudo / "Al.UPF").write_text("")
    assert "1 FIZZLED" in _ok(run("rerun", "--fizzled", "--state", state)).stdout
    _ok(run("run", "--state", state))
    (row,) = json.loads(_ok(run("status", "--json", "--state", state)).stdout)
    assert set(row["counts"]) == {"COMPLETED"}
