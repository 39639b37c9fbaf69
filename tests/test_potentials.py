"""Lattice constants of bcc Li from the real potentials against published numbers.

SevenNet-0: 3.43 Å (PBE ~3.43-3.44 Å); GPAW PBE: 3.44-3.45 Å (e.g. Materials Project PBE
mp-135 a = 3.44 Å); Li SNAP (Zuo et al. 2020): 3.49 Å.
"""

import pytest

from interfacemodel.calculators import get_calculator
from interfacemodel.procedures.bulk import bulk_properties
from interfacemodel.run import fit_eos, relax_bulk
from interfacemodel.structures import load_bulk


def _li_a0(spec):
    relaxed, rec = relax_bulk(load_bulk("Li", as_atoms=True), get_calculator(spec))
    assert rec.converged
    return relaxed.cell.cellpar()[0]


@pytest.mark.mlip
def test_sevennet_li_lattice_constant():
    assert _li_a0("sevennet") == pytest.approx(3.43, rel=0.01)


@pytest.mark.mlip
def test_sevennet_model_loaded_once_per_process():
    a = get_calculator("sevennet:device=cpu")
    b = get_calculator("sevennet:device=cpu")
    assert a is not b and a.model is b.model


@pytest.mark.mlip
def test_chgnet_li_lattice_constant():
    assert _li_a0("chgnet") == pytest.approx(3.407, rel=0.01)


@pytest.mark.lammps
def test_lammps_snap_li_lattice_constant():
    assert _li_a0("lammps:li-snap") == pytest.approx(3.49, rel=0.01)


@pytest.mark.lammps
def test_lammps_meam_covers_li_and_mg():
    res = bulk_properties("LiMg", "lammps:li-mg-meam", eos=False)
    assert res.converged and res.calculator["model"] == "li-mg-meam"
    # MEAM library Li reference structure: bcc with a = 3.509 Å
    assert _li_a0("lammps:li-mg-meam") == pytest.approx(3.509, rel=0.01)


@pytest.mark.gpaw
def test_gpaw_li_lattice_constant_from_eos():
    calc = get_calculator("gpaw:ecut_eV=300,kpts=4x4x4")
    rec = fit_eos(load_bulk("Li", as_atoms=True), calc, volume_range=0.12, npoints=5)
    assert (2 * rec.v0_A3_per_atom) ** (1 / 3) == pytest.approx(3.45, rel=0.015)
