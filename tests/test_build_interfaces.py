"""Interface models, registry scans, named systems and export against independent facts."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from ase.build import bulk
from ase.data import covalent_radii
from ase.io import read
from ase.neighborlist import neighbor_list
from pymatgen.core import Lattice, Structure

from checks import assert_no_close_contacts
from interfacemodel.calculators import get_calculator
from interfacemodel.errors import UserInputError
from interfacemodel.models.interfaces import build_interfaces
from interfacemodel.models.registry import scan_registry
from interfacemodel.models.systems import SYSTEMS, build_system
from interfacemodel.structures import phase_info

A_LI = phase_info("Li").reference_lattice_A["a"]


@pytest.fixture(scope="module")
def named_models():
    """Every named system with its defaults (slab models), built once."""
    return {name: build_system(name) for name in SYSTEMS}


def _in_plane_distances(atoms, mask):
    """In-plane distances (mic) between atoms of one layer."""
    idx = np.nonzero(mask)[0]
    d = atoms.get_distances(idx[0], idx[1:], mic=True)
    return np.sort(d)


def test_every_named_system_builds_without_close_contacts(named_models):
    for name, models in named_models.items():
        assert models, name
        for m in models:
            assert_no_close_contacts(m.atoms)
            assert len(m.atoms) < 300, f"{m.label}: {len(m.atoms)} atoms"
            side = m.atoms.arrays["interface_side"]
            film_z = m.atoms.positions[side == 0, 2]
            sub_z = m.atoms.positions[side == 1, 2]
            assert film_z.min() - sub_z.max() == pytest.approx(m.gap_A, abs=1e-6)
            # the automatic gap's rule, across the interface only (bulk LLZO has O-Zr at 0.87)
            i, j, d = neighbor_list("ijd", m.atoms, 4.0)
            cross = side[i] != side[j]
            radii = covalent_radii[m.atoms.numbers[i]] + covalent_radii[m.atoms.numbers[j]]
            assert np.all(d[cross] >= (0.9 - 1e-3) * radii[cross]), m.label
            assert set(m.atoms[side == 0].get_chemical_symbols()) == {"Li"}


def test_model_area_is_the_match_area(named_models):
    for models in named_models.values():
        for m in models:
            cell = m.atoms.cell
            assert np.linalg.norm(np.cross(cell[0], cell[1])) == pytest.approx(m.area_A2, rel=1e-6)
            assert abs(cell[2] @ cell[0]) < 1e-6 and abs(cell[2] @ cell[1]) < 1e-6


@pytest.mark.parametrize("system, nn_bulk", [("li-li2se", np.sqrt(3) / 2 * A_LI),
                                             ("li-lif", A_LI)])
def test_reported_strain_is_the_strain_of_the_built_film(named_models, system, nn_bulk):
    # both matches strain the Li film isotropically, so every in-plane distance of a film
    # layer is the bulk one times sqrt(1 + 2E), E the reported Green-Lagrange strain
    m = named_models[system][0]
    e = np.array(m.match.strain_2d)
    assert np.allclose(e, e[0, 0] * np.eye(2), atol=1e-9)
    side = m.atoms.arrays["interface_side"]
    z = m.atoms.positions[:, 2]
    bottom = (side == 0) & (np.abs(z - z[side == 0].min()) < 0.3)
    measured = _in_plane_distances(m.atoms, bottom)[0]
    assert measured == pytest.approx(nn_bulk * np.sqrt(1 + 2 * e[0, 0]), rel=1e-6)


def test_periodic_model_has_two_equal_gaps():
    (m,) = build_interfaces("Li", "Li2Se", "110", "110", kind="periodic", max_area_A2=60,
                            fix_substrate_layers=0, gap_A=2.3)
    side = m.atoms.arrays["interface_side"]
    z = m.atoms.positions[:, 2]
    top_gap = z[side == 1].min() + m.atoms.cell[2, 2] - z[side == 0].max()
    assert top_gap == pytest.approx(2.3, abs=1e-6) and m.n_interfaces == 2


def test_fixed_layers_are_the_bottom_substrate_layers(named_models):
    m = named_models["li-li2se"][0]
    fixed = m.atoms.constraints[0].get_indices()
    side = m.atoms.arrays["interface_side"]
    z = m.atoms.positions[:, 2]
    assert np.all(side[fixed] == 1)
    free_sub = np.setdiff1d(np.nonzero(side == 1)[0], fixed)
    assert z[fixed].max() < z[free_sub].min()
    assert len(np.unique(np.round(z[fixed], 2))) == 2  # two atomic layers


def test_llzo_li_rich_termination_first_and_all_distinct(named_models):
    models = named_models["li-llzo"]
    assert models[0].substrate_interface_layer == "Li"
    assert len({m.termination_index for m in models}) == len(models) >= 2


def test_registry_scan_recovers_bulk_for_a_homo_interface():
    """Cu(100) on Cu(100), periodic: the best registry and gap must rebuild the fcc crystal,
    so the scan's lowest energy is N times the EMT bulk energy per atom."""
    calc = get_calculator("emt")
    a = 3.5898  # EMT Cu lattice constant (relax_bulk test)
    cu = Structure(Lattice.cubic(a), ["Cu"] * 4,
                   [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]])
    (m,) = build_interfaces(cu, cu, (1, 0, 0), (1, 0, 0), kind="periodic", film_layers=4,
                            substrate_layers=4, fix_substrate_layers=0, max_area_A2=20)
    scan = scan_registry(m, calc, grid=(4, 4), gaps_A=[a / 2 - 0.1, a / 2, a / 2 + 0.1])
    ref = bulk("Cu", "fcc", a=a)
    ref.calc = calc
    e_bulk = ref.get_potential_energy() * len(m.atoms)
    assert scan.points[0].energy_eV == pytest.approx(e_bulk, abs=1e-6)
    assert scan.points[0].gap_A == pytest.approx(a / 2)
    assert scan.evaluations == 16 + 3
    assert all(p.relative_energy_J_per_m2 >= 0 for p in scan.points)
    best = scan.best.atoms.copy()
    best.calc = calc
    assert best.get_potential_energy() == pytest.approx(e_bulk, abs=1e-6)


def test_registry_scan_checks_elements():
    (m,) = build_interfaces("Li", "Li2Se", "110", "110", max_area_A2=60)
    with pytest.raises(UserInputError, match="cannot treat"):
        scan_registry(m, get_calculator("emt"))


@pytest.mark.parametrize("kwargs, fragment", [
    ({"kind": "bulk"}, "kind='bulk'"), ({"gap_A": 0}, "gap_A=0"), ({"vacuum_A": -1}, "vacuum_A"),
    ({"film_layers": 0}, "film_layers=0"), ({"terminations": 7}, "out of range"),
    ({"match": 99}, "out of range"),
])
def test_bad_interface_input(kwargs, fragment):
    with pytest.raises(UserInputError) as exc:
        build_interfaces("Li", "Li2Se", "110", "110", max_area_A2=60, **kwargs)
    assert fragment in str(exc.value)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "interfacemodel.cli", *args],
                          capture_output=True, text=True)


def test_cli_build_exports_files_that_reload(tmp_path):
    out = tmp_path / "li-li2se"
    proc = run_cli("build", "li-li2se", "--kind", "both", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    index = json.loads((out / "index.json").read_text())
    assert index["system"] == "li-li2se" and len(index["structures"]) == 2
    for entry in index["structures"]:
        meta = json.loads((out / f"{entry['name']}.json").read_text())
        for key in ("film_miller", "substrate_miller", "termination", "area_A2", "strain_2d",
                    "natoms", "fixed_indices", "in_plane_shift_frac", "source_crystals",
                    "interfacemodel_version"):
            assert key in meta, key
        ref = read(out / f"{entry['name']}.extxyz")
        assert "interface_side" in ref.arrays
        for ext in ("cif", "vasp"):
            a = read(out / f"{entry['name']}.{ext}")
            s = Structure.from_file(out / f"{entry['name']}.{ext}")
            assert a.get_chemical_formula() == ref.get_chemical_formula()
            assert s.composition.reduced_formula == a.get_chemical_formula(mode="reduce") or \
                s.composition == Structure.from_file(out / f"{entry['name']}.vasp").composition
            assert s.composition.num_atoms == len(ref) == meta["natoms"]
            assert np.allclose(a.cell.cellpar(), ref.cell.cellpar(), atol=1e-4)
            assert np.allclose(s.lattice.parameters, ref.cell.cellpar(), atol=1e-4)


@pytest.mark.parametrize("args, fragment", [
    (["build", "li-nothing", "--out", "X"], "unknown system 'li-nothing'"),
    (["build", "li-li2se", "--vacuum", "0", "--out", "X"], "vacuum_A=0.0 must be > 0"),
    (["build", "li-li2se", "--film-layers", "0", "--out", "X"], "film_layers=0"),
    (["build", "li-li2se", "--format", "pdb", "--out", "X"], "unknown format 'pdb'"),
    (["match", "Li", "Li2Se", "--film-miller", "000", "--substrate-miller", "110"],
     "(0, 0, 0) is not a plane"),
    (["match", "Li", "Li2Se", "--film-miller", "110", "--substrate-miller", "110",
      "--max-area", "60", "--max-length-tol", "0.001", "--max-area-ratio-tol", "0.001"],
     "loosen max_length_tol"),
])
def test_cli_bad_input_writes_nothing(tmp_path, args, fragment):
    args = [str(tmp_path / "X") if a == "X" else a for a in args]
    proc = run_cli(*args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_existing_output(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    proc = run_cli("build", "li-li2se", "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and "exists" in proc.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["keep.txt"]


def test_cli_match_table_and_list():
    proc = run_cli("match", "Li", "Li2Se", "--film-miller", "110", "--substrate-miller", "110",
                   "--max-area", "60")
    assert proc.returncode == 0 and "51.2" in proc.stdout and "1.02" in proc.stdout
    proc = run_cli("build", "--list")
    assert proc.returncode == 0 and all(name in proc.stdout for name in SYSTEMS)


def test_mg_solute_at_the_li_coating_interface(named_models):
    from interfacemodel.models import substitute_in_slab

    m = named_models["li-li2se"][0]
    side = m.atoms.arrays["interface_side"]
    out = substitute_in_slab(m.atoms, layer=m.film_layers - 1, element="Mg")
    (k,) = out.info["substituted_indices"]
    assert side[k] == 0  # a Li of the film, never of Li2Se
    z = m.atoms.positions[:, 2]
    assert z[k] == pytest.approx(z[side == 0].min(), abs=0.3)  # the plane touching the coating
    assert out.info["n_host_layers"] == m.film_layers


def test_li_hops_across_a_built_interface(named_models):
    from interfacemodel.models import interface_hops

    m = named_models["li-lif"][0]  # Li(100) on LiF(100): Li sites in the first LiF plane
    hops = interface_hops(m.atoms, species="Li")
    assert hops
    side = m.atoms.arrays["interface_side"]
    for hop in hops:
        assert len(hop.initial) == len(hop.final)
        assert hop.initial.get_chemical_symbols() == hop.final.get_chemical_symbols()
        moved = np.linalg.norm(hop.final.positions - hop.initial.positions, axis=1)
        assert np.count_nonzero(moved > 1e-8) == 1
        assert moved.max() == pytest.approx(hop.length_A)
        # from the Li film down into the coating: the moving atom ends lower than it started
        i = hop.moving_index
        assert hop.final.positions[i, 2] < hop.initial.positions[i, 2]
        assert hop.length_A < 4.0
    assert set(side) == {0, 1}


def test_cli_match_json_is_the_record():
    proc = run_cli("match", "Li", "Li2Se", "--film-miller", "110", "--substrate-miller", "110",
                   "--max-area", "60", "--json")
    assert proc.returncode == 0, proc.stderr
    (rec,) = json.loads(proc.stdout)
    assert rec["area_A2"] == pytest.approx(51.2, abs=0.05)
    assert "zsl_match" not in rec and "builder" not in rec
    assert np.allclose(rec["strain_2d"], -0.0102385 * np.eye(2), atol=1e-6)


def test_relaxation_noise_does_not_change_the_lattice_match():
    """A crystal carrying 1e-7 Å of relaxation noise is matched like the exact one
    (build_system rounds relaxed crystals: pymatgen's coincidence search is not stable
    against such noise)."""
    import numpy as np
    from ase.build import bulk

    from interfacemodel.models.matching import enumerate_matches
    from interfacemodel.models.systems import build_system, tidy_crystal

    exact_li = bulk("Li", "bcc", a=3.4281, cubic=True)
    exact = bulk("Li2O", "fluorite", a=4.6591, cubic=True)
    noisy = exact.copy()
    rng = np.random.default_rng(1)
    noisy.set_cell(exact.cell.array + rng.normal(0, 2e-7, (3, 3)), scale_atoms=True)
    noisy.positions += rng.normal(0, 2e-7, noisy.positions.shape)
    tidy = tidy_crystal(noisy)
    assert np.allclose(tidy.cell.array, exact.cell.array, atol=1e-9)
    assert np.allclose(tidy.get_scaled_positions(), exact.get_scaled_positions(), atol=1e-9)
    areas = [round(m.area_A2, 3) for m in enumerate_matches(exact_li, exact, "110", "111",
                                                             max_area_A2=120)]
    models = build_system("li-li2o", film_bulk=exact_li, substrate_bulk=noisy)
    assert round(models[0].area_A2, 3) == areas[0]


# ------------------------------------------------ every atom inside the cell (files, pictures)

INSIDE_TOL = 1e-8


def _fractional_as_written(path) -> np.ndarray:
    """The fractional coordinates a file holds, as written (no reader wraps them): the CIF
    atom_site loop, the POSCAR Direct block, extxyz Cartesian positions over its cell."""
    path = str(path)
    lines = open(path).read().splitlines()
    if path.endswith(".cif"):
        i = next(i for i, line in enumerate(lines) if line.strip() == "_atom_site_type_symbol")
        names = []
        while lines[i].strip().startswith("_"):
            names.append(lines[i].strip())
            i += 1
        cols = [names.index(f"_atom_site_fract_{x}") for x in "xyz"]
        rows = []
        while i < len(lines) and lines[i].strip() and \
                not lines[i].strip().startswith(("_", "loop_")):
            parts = lines[i].split()
            rows.append([float(parts[c]) for c in cols])
            i += 1
        return np.array(rows)
    if path.endswith(".vasp"):
        start = next(i for i, line in enumerate(lines) if line.strip().lower().startswith("direct"))
        n = sum(int(x) for x in lines[6].split())
        return np.array([[float(x) for x in line.split()[:3]]
                         for line in lines[start + 1:start + 1 + n]])
    atoms = read(path)
    return atoms.cell.scaled_positions(atoms.positions)


def _assert_inside(frac, what):
    outside = np.nonzero(((frac < -INSIDE_TOL) | (frac >= 1 + INSIDE_TOL)).any(axis=1))[0]
    assert not len(outside), f"{what}: atoms {outside[:5].tolist()} outside the cell, e.g. " \
                             f"{frac[outside[0]].round(4).tolist()}"


def _assert_same_structure_in_every_format(out, name, atoms):
    """The POSCAR and extxyz files hold the model's atoms in its order, each moved by whole
    lattice vectors at most, z untouched."""
    ref = atoms.cell.scaled_positions(atoms.positions)
    xyz = read(out / f"{name}.extxyz")
    assert (xyz.numbers == atoms.numbers).all()
    for frac in (_fractional_as_written(out / f"{name}.vasp"),
                 xyz.cell.scaled_positions(xyz.positions)):
        d = frac - ref
        assert np.abs(d - np.round(d)).max() < 1e-6, name
    assert np.abs(xyz.positions[:, 2] - atoms.positions[:, 2]).max() < 1e-6


def test_every_named_system_exports_every_atom_inside_the_cell(named_models, tmp_path):
    """Over `interfacemodel build --list`: every structure in every format (cif, POSCAR,
    extxyz) holds fractional coordinates in [0, 1), the slab models and the periodic ones
    (the periodic LLZO models, the slowest build, in the committed set below)."""
    from interfacemodel.models.export import FORMATS, export_structures

    items = [(m.label, m.atoms, m.metadata()) for models in named_models.values() for m in models]
    items += [(m.label, m.atoms, m.metadata()) for name in SYSTEMS if name != "li-llzo"
              for m in build_system(name, kind="periodic")]
    assert any("Li2O111" in n for n, _, _ in items)  # the (111) faces that were beside the cell
    out = export_structures(items, tmp_path / "out", list(FORMATS))
    for name, atoms, _ in items:
        _assert_inside(atoms.cell.scaled_positions(atoms.positions), f"{name} (model)")
        for ext in ("cif", "vasp", "extxyz"):
            _assert_inside(_fractional_as_written(out / f"{name}.{ext}"), f"{name}.{ext}")
        _assert_same_structure_in_every_format(out, name, atoms)


def test_the_committed_structures_have_every_atom_inside_the_cell():
    root = Path(__file__).resolve().parents[1] / "structures" / "interfaces"
    for system in SYSTEMS:
        index = json.loads((root / system / "index.json").read_text())
        kinds = set()
        for entry in index["structures"]:
            kinds.add(entry["name"].rsplit("-", 1)[1])
            for file in entry["files"]:
                if not file.endswith(".json"):
                    _assert_inside(_fractional_as_written(root / system / file), file)
        assert kinds == {"slab", "periodic"}, system


def test_a_slab_is_never_split_across_its_vacuum():
    """A slab model pushed through the top of its cell (as a relaxation may leave it), or
    split between top and bottom, is made whole and moved rigidly along c, not wrapped atom
    by atom; positions change by lattice vectors and one rigid shift only: EMT energy and
    forces, indices, constraints and per-atom arrays unchanged. A periodic model wraps atom
    by atom."""
    from ase.calculators.emt import EMT

    from interfacemodel.models.cells import has_vacuum, wrap_into_cell

    model = build_system("cu-ag")[0]
    slab = model.atoms.copy()
    fz = slab.cell.scaled_positions(slab.positions)[:, 2]
    span = fz.max() - fz.min()
    slab.positions += (1.0 - fz.max() + 0.5 * span) * slab.cell[2]  # the top half above c
    for atoms in (slab, _wrapped_atomwise(slab)):  # crossing the top; split top/bottom
        for vacuum in (True, None):
            info = dict(atoms.info)
            if vacuum is None:
                atoms.info.pop("kind", None)  # detected from the empty stretch along c
                assert has_vacuum(atoms)
            out = wrap_into_cell(atoms, vacuum=vacuum)
            atoms.info.update(info)
            frac = out.cell.scaled_positions(out.positions)
            _assert_inside(frac, "slab")
            assert frac[:, 2].max() - frac[:, 2].min() == pytest.approx(span, abs=1e-9)
            assert out.constraints[0].index.tolist() == model.fixed_indices
            assert (out.arrays["interface_side"] == model.atoms.arrays["interface_side"]).all()
            for a in (model.atoms, out):
                a.calc = EMT()
            assert out.get_potential_energy() == pytest.approx(
                model.atoms.get_potential_energy(), abs=1e-8)
            assert np.allclose(out.get_forces(), model.atoms.get_forces(), atol=1e-8)
    inside = wrap_into_cell(model.atoms)  # a slab inside its cell stays where it is
    assert np.allclose(inside.positions, model.atoms.positions, atol=1e-12)
    periodic = build_system("cu-ag", kind="periodic")[0].atoms
    assert not has_vacuum(periodic) and not has_vacuum(_without_kind(periodic))
    moved = periodic.copy()
    moved.positions += 0.3 * moved.cell[2] - 1.7 * moved.cell[0]
    out = wrap_into_cell(moved)
    _assert_inside(out.cell.scaled_positions(out.positions), "periodic")


def _wrapped_atomwise(atoms):
    out = atoms.copy()
    out.wrap()  # ASE: every atom into [0, 1) along c too: the slab is split in two
    return out


def _without_kind(atoms):
    out = atoms.copy()
    out.info.pop("kind", None)
    return out


def test_interface_pictures_draw_every_atom_inside_the_cell(named_models):
    """The report's interface pictures draw interface_picture_atoms(atoms) with its cell:
    every atom inside that cell, for every named system, also after a relaxation left the
    structure beside the cell."""
    from interfacemodel.report.figures import interface_picture_atoms

    for models in named_models.values():
        for m in models:
            for atoms in (m.atoms, _shifted(m.atoms)):
                drawn = interface_picture_atoms(atoms)
                assert np.allclose(drawn.cell, atoms.cell)
                _assert_inside(drawn.cell.scaled_positions(drawn.positions), m.label)


def _shifted(atoms):
    out = _without_kind(atoms)  # as read back from a relaxed file without the builder's info
    out.positions += -2.1 * out.cell[0] + 1.4 * out.cell[1] + 0.2 * out.cell[2]
    return out


def test_any_facet_of_a_systems_crystals_through_faces():
    """``faces`` builds the named Li/coating pair on facets its recipe does not list: the
    (111) faces of the Cu/Ag analogue, whose recipe has (100) only; the coating's top plane
    is then a close-packed (111) plane (six in-plane neighbours at a/√2)."""
    from ase.build import bulk
    from ase.calculators.emt import EMT
    from ase.neighborlist import neighbor_list

    from interfacemodel.analysis.interface_energetics import EnergeticsSettings
    from interfacemodel.procedures.interfaces import place_interface

    crystals = bulk("Cu", "fcc", a=3.6), bulk("Ag", "fcc", a=4.09)
    plain, _ = place_interface("cu-ag", EMT(), EnergeticsSettings(
        film_layers=2, substrate_layers=3), *crystals)
    model, _ = place_interface("cu-ag", EMT(), EnergeticsSettings(
        faces=["111", "111"], film_layers=2, substrate_layers=3), *crystals)
    assert plain.label.startswith("Cu100-Ag100") and model.label.startswith("Cu111-Ag111")
    atoms = model.atoms
    ag = [i for i, s in enumerate(atoms.get_chemical_symbols()) if s == "Ag"]
    top = max(atoms.positions[ag, 2])
    plane = [i for i in ag if abs(atoms.positions[i, 2] - top) < 0.3]
    layer = atoms[plane]
    layer.pbc = (True, True, False)
    i, _ = neighbor_list("ij", layer, 4.09 / 2 ** 0.5 + 0.1)
    assert all(n == 6 for n in np.bincount(i, minlength=len(layer)))
