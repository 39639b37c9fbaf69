"""VASP through custodian, tested with a stand-in for the executable (VASP is not here).

``tests/standins/fake_vasp.py`` reads the inputs this package writes and answers with EMT's
numbers in VASP's files (vasprun.xml, OSZICAR, OUTCAR, vasp.out); its switches make it crash,
or not converge the SCF. The POTCARs are text files in VASP's layout that pymatgen can parse
(custodian reads them when it corrects an input) but that hold no potential.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from ase.build import bulk, fcc111
from ase.calculators.calculator import kptdensity2monkhorstpack
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms
from ase.io import read

from checks import kill_after_saved_steps
from interfacemodel.calculators import get_calculator
from interfacemodel.calculators import vasp as vasp_module
from interfacemodel.calculators.site import worker_env
from interfacemodel.calculators.vasp import dipole_centre, element_order, read_results
from interfacemodel.errors import (
    CalculatorRunError,
    CalculatorUnavailableError,
    SCFNotConvergedError,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore:POTCAR data with symbol:UserWarning"),  # not VASP's
    # custodian's own read of an unconverged run, before it corrects it
    pytest.mark.filterwarnings("ignore::pymatgen.io.vasp.outputs.UnconvergedVASPWarning"),
]

FAKE_VASP = Path(__file__).resolve().parent / "standins" / "fake_vasp.py"
VASP_CMD = f"{sys.executable} {FAKE_VASP}"
#: the Materials Project's POTCAR symbols of the elements used here
SYMBOLS = ("Li_sv", "F", "Cu_pv", "Ag", "Au", "Al", "Ni_pv", "Pd", "Pt")


def fake_potcar(symbol: str) -> str:
    """A POTCAR-shaped text (header, PSCTR block, numbers) that pymatgen parses."""
    element = symbol.split("_")[0]
    return (f"  PAW_PBE {symbol} 06Sep2000\n 11.0000000000000\n parameters from PSCTR are:\n"
            f"   VRHFIN ={element}: test\n   LEXCH  = PE\n   TITEL  = PAW_PBE {symbol} 06Sep2000\n"
            f"   POMASS =   10.000; ZVAL   =   11.000    mass and valenz\n"
            f"   ENMAX  =  300.000; ENMIN  =  200.000 eV\n"
            f" END of PSCTR-controll parameters\n a test POTCAR of {symbol}\n 0.1 0.2 0.3\n"
            f" End of Dataset\n")


def make_potcar_dir(folder: Path, symbols=SYMBOLS) -> Path:
    for symbol in symbols:
        (folder / symbol).mkdir(parents=True, exist_ok=True)
        (folder / symbol / "POTCAR").write_text(fake_potcar(symbol))
    return folder


@pytest.fixture
def no_worker_file(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FW_CONFIG_FILE", raising=False)
    for key in [k for k in os.environ if k.startswith("FAKE_VASP_")]:
        monkeypatch.delenv(key)


@pytest.fixture
def site(tmp_path, no_worker_file):
    """The worker's env of a site with the stand-in as VASP and a folder of test POTCARs."""
    env = {"vasp_cmd": VASP_CMD, "vasp_potcar_dir": str(make_potcar_dir(tmp_path / "potcars"))}
    with worker_env(env):
        yield env


def cu_ag_slab():
    """A small Cu(111) slab with two Ag atoms among the Cu (POSCAR groups them: the results
    must come back in this order), the bottom layer fixed, rattled."""
    slab = fcc111("Cu", (2, 2, 3), vacuum=6.0)
    slab[1].symbol = slab[6].symbol = "Ag"
    slab.set_constraint(FixAtoms(indices=[0, 1, 2, 3]))
    slab.rattle(0.05, seed=3)
    return slab


# -- inputs ------------------------------------------------------------------------------------

def test_inputs_for_a_li_lif_slab_carry_the_stated_settings(site, tmp_path):
    from pymatgen.io.vasp.inputs import Incar, Kpoints

    from interfacemodel.models.systems import build_system

    slab = build_system("li-lif", film_layers=2, substrate_layers=3, vacuum_A=10.0)[0].atoms
    calc = get_calculator("vasp")
    calc.write_inputs(slab, tmp_path / "slab")
    incar = Incar.from_file(tmp_path / "slab" / "INCAR")
    assert incar["ENCUT"] == 520 and incar["ISMEAR"] == 1 and incar["SIGMA"] == 0.1
    assert incar["ISPIN"] == 1 and "MAGMOM" not in incar
    assert incar["EDIFF"] == 1e-6 and incar["NELM"] == 100 and incar["ALGO"] == "Fast"
    assert incar["NSW"] == 0 and incar["IBRION"] == -1 and incar["ISIF"] == 2
    assert incar["LWAVE"] is True and incar["ISTART"] == 1 and incar["LCHARG"] is False
    assert incar["LDIPOL"] is True and incar["IDIPOL"] == 3
    # DIPOL: the centre of mass, in fractional coordinates (the slab does not cross the face)
    frac = slab.get_scaled_positions(wrap=True)
    assert 0.05 < frac[:, 2].min() and frac[:, 2].max() < 0.95
    com = slab.get_masses() @ frac / slab.get_masses().sum()
    assert np.allclose(incar["DIPOL"], com, atol=1e-5)

    kpts = Kpoints.from_file(tmp_path / "slab" / "KPOINTS")
    n1, n2, _ = kptdensity2monkhorstpack(slab, 3.5, even=False)
    assert kpts.style.name == "Gamma" and list(kpts.kpts[0]) == [n1, n2, 1] and n1 > 1

    poscar = read(tmp_path / "slab" / "POSCAR")
    order = element_order(slab)
    assert poscar.get_chemical_symbols() == [slab[i].symbol for i in order]
    assert poscar.get_chemical_symbols()[:42] == ["Li"] * 42  # grouped: Li first, as given
    fixed = set(poscar.constraints[0].index)
    assert fixed == {j for j, i in enumerate(order) if i in set(slab.constraints[0].index)}
    assert np.allclose(poscar.positions, slab.positions[order], atol=1e-6)

    spec = (tmp_path / "slab" / "POTCAR.spec").read_text().split()
    assert spec == ["Li_sv", "F"]
    assert (tmp_path / "slab" / "POTCAR").read_text() == \
        fake_potcar("Li_sv") + fake_potcar("F")

    lif = bulk("LiF", "rocksalt", 4.03)
    calc.write_inputs(lif, tmp_path / "bulk")
    incar = Incar.from_file(tmp_path / "bulk" / "INCAR")
    assert "LDIPOL" not in incar and "IDIPOL" not in incar and "DIPOL" not in incar
    assert min(Kpoints.from_file(tmp_path / "bulk" / "KPOINTS").kpts[0]) > 1
    off = get_calculator("vasp:dipole_correction=off,smearing=gaussian,sigma_eV=0.05,"
                         "spin_polarized=true,encut_eV=600")
    off.write_inputs(slab, tmp_path / "off")
    incar = Incar.from_file(tmp_path / "off" / "INCAR")
    assert "LDIPOL" not in incar and incar["ISMEAR"] == 0 and incar["SIGMA"] == 0.05
    assert incar["ISPIN"] == 2 and incar["ENCUT"] == 600


def test_the_dipole_centre_of_a_slab_cut_by_the_cell_face_is_inside_the_slab():
    slab = fcc111("Cu", (1, 1, 4), vacuum=6.0)
    middle = dipole_centre(slab)[2]
    slab.positions[:, 2] += 0.4 * slab.cell[2, 2]  # the top layers wrap to the bottom
    shifted = dipole_centre(slab)[2]
    assert shifted == pytest.approx((middle + 0.4) % 1.0, abs=1e-5)


# -- numbers -----------------------------------------------------------------------------------

def test_the_stand_in_outputs_parse_into_emt_numbers_and_ases_own_reader(site, tmp_path):
    slab = cu_ag_slab()
    calc = get_calculator("vasp")
    calc.directory = str(tmp_path / "step")
    slab.calc = calc
    energy = slab.get_potential_energy()
    forces = slab.get_forces(apply_constraint=False)
    stress = slab.get_stress()
    free = calc.get_property("free_energy", slab)

    ref = slab.copy()
    ref.calc = EMT()
    assert energy == pytest.approx(ref.get_potential_energy(), abs=1e-7)
    assert np.allclose(forces, ref.get_forces(apply_constraint=False), atol=1e-7)
    assert np.allclose(stress, ref.get_stress(), atol=1e-9)

    ase_read = read(tmp_path / "step" / "vasprun.xml", format="vasp-xml")  # POSCAR order
    back = np.argsort(element_order(slab))
    assert energy == pytest.approx(ase_read.get_potential_energy(), abs=1e-9)
    assert free == pytest.approx(ase_read.calc.results["free_energy"], abs=1e-9)
    assert free == pytest.approx(energy - 1e-3 * len(slab), abs=1e-7)  # the stand-in's σ term
    assert np.allclose(forces, ase_read.get_forces(apply_constraint=False)[back], atol=1e-9)
    assert np.allclose(stress, ase_read.get_stress(), atol=1e-12)

    # the next ionic step in the same folder starts from this one's WAVECAR
    slab.positions[6] += [0.0, 0.0, 0.05]
    slab.get_potential_energy()
    assert "WAVECAR found" in (tmp_path / "step" / "vasp.out").read_text()
    custodian_log = json.loads((tmp_path / "step" / "custodian.json").read_text())
    assert custodian_log[0]["corrections"] == []
    # a new calculator in that folder (a rerun) keeps the earlier run's outputs aside
    again = get_calculator("vasp")
    again.directory = str(tmp_path / "step")
    again.get_potential_energy(slab)
    assert (tmp_path / "step" / "vasp.out.1").is_file()
    assert (tmp_path / "step" / "vasprun.xml.1").is_file()


# -- one-line errors ---------------------------------------------------------------------------

def _one_line(err) -> str:
    msg = str(err.value)
    assert "\n" not in msg, msg
    return msg


def test_a_missing_command_is_one_line_naming_the_key_and_the_file(no_worker_file):
    with pytest.raises(CalculatorUnavailableError) as err:
        get_calculator("vasp")
    msg = _one_line(err)
    assert "vasp_cmd" in msg and "my_fworker.yaml" in msg and "no such file" in msg


def test_a_command_whose_program_is_not_here_is_one_line(no_worker_file, tmp_path):
    potcars = str(make_potcar_dir(tmp_path / "potcars"))
    for command, missing in (("srun-nowhere vasp_std", "srun-nowhere"),
                             (f"{sys.executable} vasp_std_nowhere", "vasp_std_nowhere")):
        with worker_env({"vasp_cmd": command, "vasp_potcar_dir": potcars}):
            with pytest.raises(CalculatorUnavailableError) as err:
                get_calculator("vasp")
        msg = _one_line(err)
        assert f"{missing!r} of vasp_cmd" in msg and "not an executable on PATH" in msg


def test_a_missing_potcar_folder_is_one_line_naming_vasp_potcar_dir(no_worker_file, tmp_path):
    with worker_env({"vasp_cmd": VASP_CMD}):
        with pytest.raises(CalculatorUnavailableError) as err:
            get_calculator("vasp")
    assert "vasp_potcar_dir" in _one_line(err) and "my_fworker.yaml" in str(err.value)
    with worker_env({"vasp_cmd": VASP_CMD, "vasp_potcar_dir": str(tmp_path / "nope")}):
        with pytest.raises(CalculatorUnavailableError) as err:
            get_calculator("vasp")
    msg = _one_line(err)
    assert "nope" in msg and "is not a folder" in msg and "<symbol>/POTCAR" in msg


def test_a_missing_potcar_symbol_is_one_line_and_nothing_is_written(no_worker_file, tmp_path):
    potcars = make_potcar_dir(tmp_path / "potcars", symbols=("Cu_pv",))
    with worker_env({"vasp_cmd": VASP_CMD, "vasp_potcar_dir": str(potcars)}):
        calc = get_calculator("vasp")
        calc.directory = str(tmp_path / "step")
        slab = cu_ag_slab()
        slab.calc = calc
        with pytest.raises(CalculatorUnavailableError) as err:
            slab.get_potential_energy()
    msg = _one_line(err)
    assert f"no POTCAR for Ag: {potcars / 'Ag' / 'POTCAR'} not found" in msg
    assert "vasp_potcar_dir" in msg and "PBE" in msg
    assert not (tmp_path / "step" / "INCAR").exists()


# -- failed runs -------------------------------------------------------------------------------

def test_a_crash_is_one_error_with_the_exit_code_and_vasps_reason(site, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_VASP_FAIL", "The number of ions in POSCAR does not match POTCAR")
    monkeypatch.setenv("FAKE_VASP_EXIT_CODE", "3")
    slab = cu_ag_slab()
    calc = get_calculator("vasp")
    calc.directory = str(tmp_path / "step")
    slab.calc = calc
    for _ in range(2):  # nothing cached by the failure: asked again, VASP runs again
        with pytest.raises(CalculatorRunError) as err:
            slab.get_potential_energy()
        msg = _one_line(err)
        assert "vasp exited with code 3" in msg and str(tmp_path / "step") in msg
        assert "vasp.out: The number of ions in POSCAR does not match POTCAR" in msg
        assert calc.results == {} and calc.atoms is None
    monkeypatch.delenv("FAKE_VASP_FAIL")
    assert slab.get_potential_energy() == pytest.approx(EMT().get_potential_energy(slab))


def test_an_error_custodian_cannot_fix_is_one_error_naming_it(site, tmp_path, monkeypatch):
    # custodian's VaspErrorHandler knows the message; its fix (unset NCORE/NPAR) has nothing
    # to unset here, so custodian gives up after the first run
    monkeypatch.setenv("FAKE_VASP_FAIL", "PEAD routines do not work for NCORE")
    calc = get_calculator("vasp")
    calc.directory = str(tmp_path / "step")
    with pytest.raises(CalculatorRunError) as err:
        calc.get_potential_energy(cu_ag_slab())
    msg = _one_line(err)
    assert "custodian gave up (NonRecoverableError: Unrecoverable error for handler: " \
        "VaspErrorHandler) on dfpt_ncore" in msg and "PEAD routines" in msg
    assert not isinstance(err.value, SCFNotConvergedError) and calc.results == {}
    assert list((tmp_path / "step").glob("error.*.tar.gz"))  # custodian kept the failed run


def test_an_scf_that_does_not_converge_is_an_error_not_a_number(site, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_VASP_UNCONVERGED", "1")
    monkeypatch.setattr(vasp_module, "MAX_ERRORS", 2)
    calc = get_calculator("vasp:nelm=8")
    calc.directory = str(tmp_path / "step")
    with pytest.raises(SCFNotConvergedError) as err:
        calc.get_potential_energy(cu_ag_slab())
    msg = _one_line(err)
    assert str(tmp_path / "step") in msg and "NELM=8" in msg and "nelm" in msg
    assert "algo=All" in msg and "sigma_eV" in msg
    assert calc.results == {} and calc.atoms is None
    log = json.loads((tmp_path / "step" / "custodian.json").read_text())
    assert [c["errors"] for c in log[0]["corrections"]] == [["Unconverged"]] * 2


def test_an_unconverged_vasprun_reads_as_not_converged(tmp_path, monkeypatch):
    """Without custodian's handler in between (the check after custodian's run)."""
    atoms = cu_ag_slab()
    folder = tmp_path / "run"
    with worker_env({"vasp_cmd": VASP_CMD,
                     "vasp_potcar_dir": str(make_potcar_dir(tmp_path / "potcars"))}):
        get_calculator("vasp:nelm=5").write_inputs(atoms, folder)
    env = dict(os.environ, FAKE_VASP_UNCONVERGED="1")
    subprocess.run([sys.executable, str(FAKE_VASP)], cwd=folder, env=env, check=True,
                   capture_output=True)
    results, converged = read_results(folder, len(atoms))
    assert converged is False and np.isfinite(results["energy"])


def test_custodian_fixes_the_scf_and_the_fix_is_kept_for_later_steps(site, tmp_path,
                                                                       monkeypatch):
    """The stand-in converges only with ALGO=All: custodian climbs Fast -> Normal -> All; the
    next single point of the same calculator starts with ALGO=All."""
    monkeypatch.setenv("FAKE_VASP_CONVERGES_WITH_ALGO", "All")
    slab = cu_ag_slab()
    calc = get_calculator("vasp")
    calc.directory = str(tmp_path / "step")
    slab.calc = calc
    with pytest.warns(UserWarning, match="custodian changed INCAR.*ALGO = All"):
        energy = slab.get_potential_energy()
    assert energy == pytest.approx(EMT().get_potential_energy(slab))
    log = json.loads((tmp_path / "step" / "custodian.json").read_text())
    assert len(log[0]["corrections"]) == 2
    assert calc.incar_fixes["ALGO"] == "All"
    slab.positions[5] += 0.03
    slab.get_potential_energy()
    log = json.loads((tmp_path / "step" / "custodian.json").read_text())
    assert log[0]["corrections"] == []


# -- a relaxation killed mid-run ---------------------------------------------------------------

RELAX = """
import json, sys
from ase.build import bulk
from interfacemodel.calculators import get_calculator
from interfacemodel.calculators.site import worker_env
from interfacemodel.run.relax import relax

checkpoint, potcars, cmd, out = sys.argv[1:5]
atoms = bulk("Cu", "fcc", 3.62, cubic=True)
atoms.rattle(0.08, seed=11)
with worker_env({"vasp_cmd": cmd, "vasp_potcar_dir": potcars}):
    calc = get_calculator("vasp:kpt_density=1.0")
    calc.directory = checkpoint + "-vasp"
    relaxed, rec = relax(atoms, calc, fmax=0.05, steps=30, optimizer="BFGS",
                         checkpoint=checkpoint)
json.dump({"energy": rec.energy_eV, "steps": rec.steps, "force_calls": rec.force_calls,
           "positions": relaxed.positions.tolist()}, open(out, "w"))
"""


def _relax_process(tmp_path, name):
    return subprocess.Popen(
        [sys.executable, "-c", RELAX, str(tmp_path / name), str(tmp_path / "potcars"),
         VASP_CMD, str(tmp_path / f"{name}.json")], start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=dict(os.environ, OMP_NUM_THREADS="1"))


def _vasp_runs(folder: Path) -> int:
    log = folder / "fake_vasp.calls"
    return len(log.read_text().splitlines()) if log.is_file() else 0


@pytest.mark.slow
def test_a_relaxation_killed_mid_run_resumes_at_its_last_ionic_step(tmp_path):
    """SIGKILL to the relaxation's process group (and to the VASP it had running: custodian
    starts VASP in a session of its own, which a batch system's kill reaches) once two ionic
    steps are saved; the rerun starts from the saved step, runs VASP only for what was not
    saved, and ends where the uninterrupted run ends."""

    make_potcar_dir(tmp_path / "potcars", symbols=("Cu_pv",))
    whole = _relax_process(tmp_path, "whole")
    assert whole.wait(timeout=300) == 0, whole.stdout.read()
    ref = json.loads((tmp_path / "whole.json").read_text())
    assert ref["steps"] >= 4, "too few steps to kill in between"
    assert _vasp_runs(tmp_path / "whole-vasp") == ref["force_calls"]

    victim = _relax_process(tmp_path, "killed")
    saved, saved_calls = kill_after_saved_steps(victim, tmp_path / "killed", timeout_s=300)
    folder = tmp_path / "killed-vasp"
    _kill_stand_in(folder)
    before = _vasp_runs(folder)
    # the kill can land between one single point's clean-up and VASP's first line, when
    # there is no vasp.out to keep
    left = (folder / "vasp.out").read_text() if (folder / "vasp.out").is_file() else None

    resumed = _relax_process(tmp_path, "killed")
    assert resumed.wait(timeout=300) == 0, resumed.stdout.read()
    res = json.loads((tmp_path / "killed.json").read_text())
    assert res["steps"] == ref["steps"]
    assert res["force_calls"] == ref["force_calls"]
    # the rerun ran VASP only for what was not saved, not the whole relaxation again
    assert _vasp_runs(folder) - before <= ref["force_calls"] - saved_calls + 1
    if left is not None:  # the killed run's output, kept
        assert (folder / "vasp.out.1").read_text() == left
    assert res["energy"] == pytest.approx(ref["energy"], abs=1e-6)
    assert np.allclose(res["positions"], ref["positions"], atol=1e-5)


def _kill_stand_in(folder: Path) -> None:
    """End every stand-in the killed relaxation left running in ``folder``, as a batch system
    would (found by its working folder: the pid file it writes can lag its start)."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and "fake_vasp.py" in (proc / "cmdline").read_text() \
                    and Path(os.readlink(proc / "cwd")) == folder.resolve():
                os.kill(int(proc.name), signal.SIGKILL)
                pids.append(proc)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass
    for proc in pids:
        for _ in range(100):
            if not proc.exists():
                break
            time.sleep(0.05)


# -- a FireWorks campaign ----------------------------------------------------------------------

CAMPAIGN_DATA = Path(__file__).resolve().parents[1] / "workflows" / "data"


def _cli(*args, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    """``interfacemodel ARGS`` in a fresh process whose worker file is
    ``HOME/interfacemodel-fw/my_fworker.yaml``."""
    env = dict(os.environ, HOME=str(home), OMP_NUM_THREADS="1")
    for key in ("FW_CONFIG_FILE", "MONGOMOCK_SERVERSTORE_FILE"):
        env.pop(key, None)
    return subprocess.run([sys.executable, "-m", "interfacemodel.cli", *map(str, args)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _write_worker(home: Path, vasp_cmd: str, potcars: Path) -> None:
    (home / "interfacemodel-fw").mkdir(parents=True, exist_ok=True)
    (home / "interfacemodel-fw" / "my_fworker.yaml").write_text(json.dumps(
        {"name": "test-cluster", "env": {"vasp_cmd": vasp_cmd,
                                         "vasp_potcar_dir": str(potcars)}}))


@pytest.mark.slow
def test_a_crashed_vasp_fizzles_its_firework_with_the_reason_and_reruns_after_the_fix(
        tmp_path):
    """A campaign with calculator vasp (the Au adatom hop on Al(100), EMT elements): VASP
    crashes on the worker (its command carries the stand-in's crash switch), the NEB Firework
    FIZZLES with VASP's reason in ``status``; the worker's command fixed, ``rerun --fizzled``
    and ``run`` complete the campaign."""
    import shutil

    home = tmp_path / "home"
    potcars = make_potcar_dir(tmp_path / "potcars")
    broken = f"env 'FAKE_VASP_FAIL=M_divide: can not subdivide 64 nodes by 3' {VASP_CMD}"
    _write_worker(home, broken, potcars)
    shutil.copytree(CAMPAIGN_DATA, tmp_path / "data")
    spec = tmp_path / "hop.yaml"
    spec.write_text(json.dumps({"name": "hop", "calculator": "vasp:kpt_density=1.0",
                                "barriers": [{"name": "au-al100",
                                              "initial": "data/au_al100_initial.extxyz",
                                              "final": "data/au_al100_final.extxyz",
                                              "n_images": 3, "fmax": 2.0,
                                              "phonons": False}]}))
    state = tmp_path / "state"

    def ok(*args):
        proc = _cli(*args, cwd=tmp_path, home=home)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc

    def status():
        return json.loads(ok("status", "--json", "--state", state).stdout)

    ok("submit", spec, "--state", state)
    failed = _cli("run", "--state", state, cwd=tmp_path, home=home)
    assert failed.returncode == 1 and "FIZZLED" in failed.stdout, failed.stdout + failed.stderr
    (row,) = status()
    assert row["counts"].get("FIZZLED") == 1
    error = row["fizzled"][0]["error"]
    assert "CalculatorRunError: vasp exited with code 1" in error
    assert "vasp.out: M_divide: can not subdivide 64 nodes by 3" in error

    _write_worker(home, VASP_CMD, potcars)  # the fix: the worker's command
    assert "1 FIZZLED" in ok("rerun", "--fizzled", "--state", state).stdout
    ok("run", "--state", state)
    (row,) = status()
    assert row["counts"] == {"COMPLETED": 5}
    # the crashed run's output was kept aside in the step's folder
    assert list(state.rglob("vasp.out.1"))
