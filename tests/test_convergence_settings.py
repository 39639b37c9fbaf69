"""``interfacemodel converge``: the ideal W_adh of an interface against one calculator setting."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from interfacemodel.flows.convergence import SettingConvergence, parse_values

EV_PER_A2_TO_J_PER_M2 = 16.02176634


def test_the_converged_value_is_the_first_whose_finer_values_all_agree():
    rec = SettingConvergence(system="x", calculator="gpaw", option="ecut_eV",
                             tolerance_J_per_m2=0.01, values=[300, 400, 500, 600],
                             w_adh_J_per_m2=[0.50, 0.515, 0.498, 0.505], wall_time_s=[1] * 4)
    assert rec.deviations_J_per_m2 == pytest.approx([-0.005, 0.010, -0.007, 0.0])
    assert rec.converged_value == 500  # 400 is 0.010 away: not within 0.01
    rec.w_adh_J_per_m2 = [0.3, 0.4, 0.45, 0.505]
    assert rec.converged_value is None


@pytest.mark.parametrize("text", ["ecut_eV", "ecut_eV=400", "=400,500", "ecut_eV=400,"])
def test_a_vary_with_fewer_than_two_values_is_refused(text):
    with pytest.raises(Exception, match="at least two values"):
        parse_values(text)


@pytest.mark.parametrize("args, fragment", [
    (["li-lif", "--calc", "gpaw", "--vary", "ecut=400,500"], "has no option 'ecut'"),
    (["li-lif", "--calc", "gpaw", "--vary", "ecut_eV=400"], "at least two values"),
    (["li-lif", "--calc", "gpaw", "--vary", "ecut_eV=400,abc"], "ecut_eV"),
    (["li-nothing", "--calc", "gpaw", "--vary", "ecut_eV=400,500"], "unknown system"),
    (["li-lif", "--calc", "emt", "--vary", "ecut_eV=400,500"], "has no option"),
])
def test_bad_input_is_one_line_and_exit_code_2(args, fragment, tmp_path):
    done = subprocess.run([sys.executable, "-m", "interfacemodel.cli", "converge", *args],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert fragment in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "converge").exists()


@pytest.mark.mlip
def test_w_adh_per_value_equals_plain_ase_single_points(tmp_path):
    """The table's value at each setting is (E_film + E_coating − E_interface)/A of three plain
    ASE single points of the cleaved Li/Mg model with that setting (here SevenNet's model, the
    one option an ML potential has: seconds; a DFT cutoff or k-point scan goes the same way,
    ``bench/dft.py`` times one)."""
    from interfacemodel.calculators import get_calculator

    out = tmp_path / "conv.json"
    done = subprocess.run(
        [sys.executable, "-m", "interfacemodel.cli", "converge", "li-mg",
         "--calc", "sevennet", "--vary", "model=7net-0,7net-l3i5",
         "--film-layers", "2", "--substrate-layers", "2", "--json", str(out)],
        capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "W_adh(ideal) against model" in done.stdout
    rec = json.loads(out.read_text())
    assert rec["values"] == ["7net-0", "7net-l3i5"] and len(rec["w_adh_J_per_m2"]) == 2

    from interfacemodel.analysis.interface_energetics import EnergeticsSettings
    from interfacemodel.analysis.interface_geometry import cleave
    from interfacemodel.procedures.interfaces import place_interface

    settings = EnergeticsSettings(film_layers=2, substrate_layers=2, scan_grid=None)
    interface = place_interface("li-mg", None, settings, None, None,
                                fix_substrate_layers=0)[0].atoms
    film, coating = cleave(interface)
    cell = interface.cell.array
    area = float(np.linalg.norm(np.cross(cell[0], cell[1])))
    assert rec["n_atoms"] == len(interface) and rec["area_A2"] == pytest.approx(area)
    for model, w in zip(rec["values"], rec["w_adh_J_per_m2"], strict=True):
        energies = []
        for atoms in (film, coating, interface):
            atoms = atoms.copy()
            atoms.calc = get_calculator(f"sevennet:model={model}")
            energies.append(atoms.get_potential_energy())
        plain = (energies[0] + energies[1] - energies[2]) / area * EV_PER_A2_TO_J_PER_M2
        assert w == pytest.approx(plain, abs=1e-4)
    assert 0.0 < rec["w_adh_J_per_m2"][-1] < 2.0  # Li/Mg binds, as every calculator finds
