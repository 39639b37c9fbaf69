import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from ase import Atoms
from pymatgen.core import Composition, Structure
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

from interfacemodel.errors import UnknownNameError
from interfacemodel.structures import bulk_phases, catalogue_dir, load_bulk, phase_info

REPO = Path(__file__).resolve().parents[1]

# Independent expectations (crystallography textbooks / the sources' papers), not the catalogue.
EXPECTED = {
    "Li": ("Li2", 229),
    "Li2Se": ("Li8Se4", 225),
    "LiF": ("Li4F4", 225),
    "Mg": ("Mg2", 194),
    "MgF2": ("Mg2F4", 136),
    "Li2O": ("Li8O4", 225),
    "Li2S": ("Li8S4", 225),
    "LLZO": ("Li56La24Zr16O96", 142),
    "LLZO-tetragonal-PBE": ("Li56La24Zr16O96", 142),
    "LiMg": ("LiMg", 221),
    "Li3Bi": ("Li12Bi4", 225),
    "LiAl": ("Li8Al8", 227),
    "LiZn": ("Li8Zn8", 227),
    "LiIn": ("Li8In8", 227),
    "LiAg": ("LiAg", 221),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_phase_composition_and_space_group(name):
    formula, sg = EXPECTED[name]
    s = load_bulk(name)
    assert isinstance(s, Structure)
    assert s.composition == Composition(formula)
    assert len(s) == Composition(formula).num_atoms
    assert SpacegroupAnalyzer(s, symprec=0.01).get_space_group_number() == sg
    info = phase_info(name)
    assert info.spacegroup_number == sg and info.natoms == len(s)


def test_every_ordered_phase_is_tested_and_has_a_source():
    assert set(bulk_phases(ordered_only=True)) == set(EXPECTED)
    for name in bulk_phases():
        info = phase_info(name)
        assert info.source and info.reference_lattice_A
        header = (catalogue_dir() / info.file).read_text().splitlines()[0]
        assert header.startswith("#"), f"{info.file} lost its provenance header"


def test_reference_lattice_matches_cif_cell():
    for name in bulk_phases():
        s = load_bulk(name)
        for key, value in phase_info(name).reference_lattice_A.items():
            assert getattr(s.lattice, key) == pytest.approx(value, abs=1e-4)


def test_cubic_llzo_model_is_li7_but_disordered():
    s = load_bulk("LLZO-cubic")
    assert s.composition.reduced_formula == "Li7La3Zr2O12"
    assert not s.is_ordered
    with pytest.raises(UnknownNameError, match="partial occupancies"):
        load_bulk("LLZO-cubic", as_atoms=True)


def test_as_atoms_and_aliases():
    atoms = load_bulk("llzo-tetragonal", as_atoms=True)
    assert isinstance(atoms, Atoms) and len(atoms) == 192
    assert atoms.get_chemical_formula(mode="metal") == "La24Li56O96Zr16" or atoms.info["bulk_phase"] == "LLZO"
    assert atoms.info["bulk_phase"] == "LLZO"
    assert load_bulk("li", as_atoms=True).cell.cellpar()[0] == pytest.approx(3.51004)


def test_unknown_phase_lists_known_ones():
    with pytest.raises(UnknownNameError) as exc:
        load_bulk("Li3N")
    msg = str(exc.value)
    assert "'Li3N'" in msg and "Li2Se" in msg and "LLZO" in msg and "\n" not in msg


def test_repo_structures_bulk_is_the_package_data():
    assert (REPO / "structures" / "bulk").resolve() == catalogue_dir().resolve()


def test_wheel_carries_the_catalogue(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(REPO)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("interfacemodel-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for name in bulk_phases():
        assert f"interfacemodel/structures/data/bulk/{phase_info(name).file}" in names
    assert "interfacemodel/structures/data/bulk/catalogue.json" in names
