"""Issue 19, step 1: Li-rich alloy phases in the catalogue, the binary Li–M hull, and the β
Li–Mg solid-solution builder. EMT only (no Li in EMT: the hull is checked on Cu–Au)."""

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.neighborlist import neighbor_list
from pymatgen.analysis.phase_diagram import PDEntry, PhaseDiagram
from pymatgen.core import Composition
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

from checks import assert_one_line, relax_cell_by_hand_emt
from interfacemodel.analysis.reactivity import AlloyHull, PhaseEnergy, alloy_hull
from interfacemodel.errors import UserInputError
from interfacemodel.models.alloys import li_mg_alloy
from interfacemodel.procedures.phases import crystal_energies
from interfacemodel.records import to_dict
from interfacemodel.structures import bulk_phases, catalogue_dir, load_bulk, phase_info

# --- 1. the new catalogue phases -------------------------------------------------------------

# Independent expectations (conventional cells of the structure types), not the catalogue.
NEW_PHASES = {
    "Li3Bi": ("Li12Bi4", 225, "system"),  # BiF3 (D0_3): Bi 4a, Li 4b + 8c
    "Bi": ("Bi6", 166, "competing"),  # A7, hexagonal setting, 6c
    "Zn": ("Zn2", 194, "competing"),  # hcp
    "Al": ("Al4", 225, "competing"),  # fcc
    "In": ("In2", 139, "competing"),  # A6, body-centred tetragonal
    "Sn": ("Sn4", 141, "competing"),  # beta-Sn (A5)
    "LiAl": ("Li8Al8", 227, "system"),  # NaTl (B32): Li 8a + Al 8b
    "LiZn": ("Li8Zn8", 227, "system"),  # NaTl (B32)
    "LiIn": ("Li8In8", 227, "system"),  # NaTl (B32)
    "LiAg": ("Li1Ag1", 221, "system"),  # CsCl (B2)
}


@pytest.mark.parametrize("name", sorted(NEW_PHASES))
def test_new_phase_space_group_composition_and_size(name):
    formula, sg, role = NEW_PHASES[name]
    info = phase_info(name)
    s = load_bulk(name)
    assert SpacegroupAnalyzer(s, symprec=1e-3).get_space_group_number() == sg
    assert info.spacegroup_number == sg
    assert s.composition == Composition(formula)
    assert s.composition.reduced_formula == Composition(info.formula).reduced_formula
    assert len(s) == info.natoms == Composition(formula).num_atoms
    assert s.is_ordered and info.ordered and info.role == role
    for key, value in info.reference_lattice_A.items():
        assert getattr(s.lattice, key) == pytest.approx(value, abs=1e-4)
    # provenance: the CIF names its source and the catalogue says what kind of number it is
    header = (catalogue_dir() / info.file).read_text().splitlines()[0]
    assert header.startswith("# CONSTRUCTED") and info.source and info.reference_kind
    atoms = load_bulk(name, as_atoms=True)
    assert atoms.info["bulk_phase"] == name and len(atoms) == info.natoms


def test_roles_keep_element_references_out_of_the_system_list():
    for name in ("Li3Bi", "LiAl", "LiZn", "LiIn", "LiAg"):
        assert name in bulk_phases()
    for name in ("Bi", "Zn", "Al", "In", "Sn"):
        assert name not in bulk_phases() and name in bulk_phases(competing=True)


def test_li3bi_geometry_is_the_d03_type():
    s = load_bulk("Li3Bi")
    a = s.lattice.a
    bi = [site for site in s if site.specie.symbol == "Bi"][0]
    near = sorted(s.get_neighbors(bi, 0.6 * a), key=lambda n: n.nn_distance)
    # Bi: 8 Li (8c) at sqrt(3)a/4, then 6 Li (4b) at a/2, and no Bi-Bi contact below a/sqrt(2)
    assert [n.specie.symbol for n in near] == ["Li"] * 14
    np.testing.assert_allclose([n.nn_distance for n in near[:8]], np.sqrt(3) * a / 4, atol=1e-6)
    np.testing.assert_allclose([n.nn_distance for n in near[8:]], a / 2, atol=1e-6)


def _neighbour_shells(atoms, cutoff):
    """{atom index: sorted [(distance, symbol)]} within cutoff, from ASE's neighbour list
    (independent of pymatgen, which built the CIFs)."""
    i, j, d = neighbor_list("ijd", atoms, cutoff)
    symbols = atoms.get_chemical_symbols()
    shells = {k: [] for k in range(len(atoms))}
    for a, b, dist in zip(i, j, d, strict=True):
        shells[a].append((dist, symbols[b]))
    return {k: sorted(v) for k, v in shells.items()}


@pytest.mark.parametrize("name, metal", [("LiAl", "Al"), ("LiZn", "Zn"), ("LiIn", "In")])
def test_natl_phases_have_4_li_and_4_m_nearest_neighbours(name, metal):
    atoms = load_bulk(name, as_atoms=True)
    a = atoms.cell.cellpar()[0]
    d1 = np.sqrt(3) * a / 4
    # B32 is an ordering of a bcc lattice of edge a/2: every atom has 8 neighbours at
    # a*sqrt(3)/4 (4 Li + 4 M: two interpenetrating diamond lattices), the next shell at
    # a/2, so a cutoff between the two picks exactly the first shell
    for shell in _neighbour_shells(atoms, 0.5 * (d1 + a / 2)).values():
        assert len(shell) == 8
        np.testing.assert_allclose([d for d, _ in shell], d1, atol=1e-6)
        assert sorted(s for _, s in shell) == sorted([metal] * 4 + ["Li"] * 4)


def test_b2_liag_has_8_ag_around_each_li():
    atoms = load_bulk("LiAg", as_atoms=True)
    a = atoms.cell.cellpar()[0]
    d1 = np.sqrt(3) * a / 2
    shells = _neighbour_shells(atoms, 0.5 * (d1 + a))  # next shell: 6 like atoms at a
    for k, symbol in enumerate(atoms.get_chemical_symbols()):
        other = "Ag" if symbol == "Li" else "Li"
        assert [s for _, s in shells[k]] == [other] * 8
        np.testing.assert_allclose([d for d, _ in shells[k]], d1, atol=1e-6)


def test_estimated_lattices_are_labelled_and_follow_zens_law():
    """The NaTl and B2 lattices are Zen's-law estimates: say so, and equal the volume sum
    computed here from the catalogue's element cells."""
    v_li = load_bulk("Li").volume / 2
    for name, metal, fu in [("LiAl", "Al", 8), ("LiZn", "Zn", 8), ("LiIn", "In", 8),
                            ("LiAg", "Ag", 1)]:
        info = phase_info(name)
        assert "estimate" in info.reference_kind and "not experiment" in info.reference_kind
        m = load_bulk(metal)
        a = (fu * (v_li + m.volume / len(m))) ** (1 / 3)
        assert info.reference_lattice_A["a"] == pytest.approx(a, abs=6e-5)
        assert "ESTIMATE" in (catalogue_dir() / info.file).read_text().splitlines()[0]


# --- 2./3. formation energies and the hull on an EMT analogue (Cu–Au) --------------------------

def _l12(minority: str, majority: str, a: float) -> Atoms:
    """L1_2 A3B: B on the cube corner, A on the face centres."""
    return Atoms([minority] + [majority] * 3, cell=[a] * 3, pbc=True,
                 scaled_positions=[[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]])


def _l10(a: float, c: float) -> Atoms:
    """L1_0 CuAu: alternating (001) planes of Au and Cu, 4-atom cell."""
    return Atoms("Au2Cu2", cell=[a, a, c], pbc=True,
                 scaled_positions=[[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]])


def _structures() -> dict[str, Atoms]:
    return {
        "Cu": bulk("Cu", "fcc", a=3.61, cubic=True),
        "Au": bulk("Au", "fcc", a=4.08, cubic=True),
        "Cu3Au": _l12("Au", "Cu", 3.75),
        "CuAu": _l10(3.96, 3.70),
        "CuAu3": _l12("Cu", "Au", 3.98),
        "CuAu-B2": Atoms("CuAu", cell=[3.15] * 3, pbc=True,
                         scaled_positions=[[0, 0, 0], [0.5, 0.5, 0.5]]),  # a metastable polymorph
    }


@pytest.fixture(scope="module")
def emt_energies():
    return crystal_energies(_structures(), EMT(), fmax=1e-3)


def _by_hand_energy_per_atom(atoms: Atoms) -> float:
    """Plain ASE: EMT, symmetry kept, cell + positions relaxed with BFGS on a
    FrechetCellFilter to forces < 1e-3 eV/Å and stress < 0.01 GPa."""
    work = relax_cell_by_hand_emt(atoms)
    return work.get_potential_energy() / len(work)


def test_formation_energy_equals_plain_ase(emt_energies):
    hull = alloy_hull(emt_energies, reservoir="Cu")
    s = _structures()
    e = {name: _by_hand_energy_per_atom(s[name]) for name in ("Cu", "Au", "Cu3Au")}
    by_hand = e["Cu3Au"] - (0.75 * e["Cu"] + 0.25 * e["Au"])
    assert hull.formation_energy_eV_per_atom["Cu3Au"] == pytest.approx(by_hand, abs=2e-5)
    assert emt_energies["Cu3Au"].converged and hull.converged
    assert hull.formation_energy_eV_per_atom["Cu"] == pytest.approx(0.0, abs=1e-12)
    assert hull.calculator["name"].lower() == "emt"


def test_hull_equals_pymatgen_phase_diagram(emt_energies):
    # the same energies given as (formula or Atoms, total energy in eV)
    s = _structures()
    given = {name: (s[name] if i % 2 else p.formula,
                    p.energy_per_atom_eV * (len(s[name]) if i % 2
                                            else Composition(p.formula).num_atoms))
             for i, (name, p) in enumerate(emt_energies.items())}
    hull = alloy_hull(given, reservoir="Cu")
    assert isinstance(hull, AlloyHull) and hull.metal == "Au" and hull.reservoir == "Cu"

    entries = {name: PDEntry(Composition(p.formula),
                             p.energy_per_atom_eV * Composition(p.formula).num_atoms, name=name)
               for name, p in emt_energies.items()}
    pd = PhaseDiagram(list(entries.values()))
    stable = {e.name for e in pd.stable_entries}
    assert set(hull.stable) == stable
    for name, entry in entries.items():
        assert hull.e_above_hull_meV_per_atom[name] == pytest.approx(
            1000 * pd.get_e_above_hull(entry), abs=1e-9)
        assert hull.formation_energy_eV_per_atom[name] == pytest.approx(
            pd.get_form_energy_per_atom(entry), abs=1e-12)
    # the B2 polymorph lies above the hull; the equilibrium phase with excess Cu is the
    # Cu-richest hull phase other than Cu, found here by hand
    assert hull.e_above_hull_meV_per_atom["CuAu-B2"] > 0 and "CuAu-B2" not in hull.stable
    x_cu = {n: Composition(p.formula).get_atomic_fraction("Cu") for n, p in emt_energies.items()}
    expected = max((n for n in stable if x_cu[n] < 1), key=lambda n: x_cu[n])
    assert hull.in_equilibrium_with_reservoir == expected
    assert hull.reservoir_per_metal_in_equilibrium == pytest.approx(
        x_cu[expected] / (1 - x_cu[expected]))
    # the record serialises without the live PhaseDiagram
    d = to_dict(hull)
    assert "phase_diagram" not in d and d["stable"] == hull.stable


# --- the equilibrium phase and refusals on made-up Li–Bi numbers --------------------------------

CALC = {"name": "x", "label": "x"}


def _pe(name, formula, e_per_atom, calc=CALC, converged=True):
    return PhaseEnergy(name, formula, e_per_atom, 1, "crystal", converged, calc)


LI_BI = {"Li": _pe("Li", "Li", -1.90), "Bi": _pe("Bi", "Bi", -3.90),
         "LiBi": _pe("LiBi", "LiBi", -3.20), "Li3Bi": _pe("Li3Bi", "Li3Bi", -2.80)}


def test_li_richest_hull_phase_is_in_equilibrium_with_li():
    hull = alloy_hull(LI_BI)
    assert hull.reservoir == "Li" and hull.metal == "Bi"
    assert hull.stable == ["Bi", "LiBi", "Li3Bi", "Li"]
    assert hull.in_equilibrium_with_reservoir == "Li3Bi"
    assert hull.in_equilibrium_with_reservoir_formula == "Li3Bi"
    assert hull.reservoir_per_metal_in_equilibrium == pytest.approx(3.0)
    # formation energy by hand: -2.80 - (0.75 (-1.90) + 0.25 (-3.90))
    assert hull.formation_energy_eV_per_atom["Li3Bi"] == pytest.approx(-0.40)
    # Li3Bi lifted above the LiBi–Li tie line (-2.55 eV/atom at x = 3/4): LiBi takes over
    lifted = alloy_hull(dict(LI_BI, Li3Bi=_pe("Li3Bi", "Li3Bi", -2.50)))
    assert lifted.in_equilibrium_with_reservoir == "LiBi"
    assert lifted.e_above_hull_meV_per_atom["Li3Bi"] == pytest.approx(50.0)
    # no compound on the hull: the coating metal itself stays
    bare = alloy_hull({k: LI_BI[k] for k in ("Li", "Bi")})
    assert bare.in_equilibrium_with_reservoir == "Bi"
    assert bare.reservoir_per_metal_in_equilibrium == 0.0


@pytest.mark.parametrize(
    "phases, word",
    [
        ({k: LI_BI[k] for k in ("Li", "LiBi")}, r"needs the pure element\(s\) Bi"),
        (dict(LI_BI, LiMgBi=("LiMgBi", -9.0)), "binary Li–M"),
        (dict(LI_BI, Bi=_pe("Bi", "Bi", -3.9, calc={"name": "y", "label": "y"})),
         "different calculators"),
        (dict(LI_BI, LiBi=_pe("LiBi", "LiBi", -3.2, converged=False)), "not converged"),
        (dict(LI_BI, LiBi=("LiBi", float("nan"))), "not finite"),
        (dict(LI_BI, LiBi=42), "PhaseEnergy or"),
        ({"Li": LI_BI["Li"]}, "at least"),
    ],
)
def test_bad_hull_input_is_refused_in_one_line(phases, word):
    with pytest.raises(UserInputError, match=word) as exc:
        alloy_hull(phases)
    assert_one_line(exc)


# --- 4. the β Li–Mg solid solution --------------------------------------------------------------

@pytest.mark.parametrize("method", ["random", "sqs"])
@pytest.mark.parametrize("x_mg", [0.1, 0.3, 0.5])
def test_solid_solution_composition_bcc_and_seed(x_mg, method):
    atoms = li_mg_alloy(x_mg, supercell=(3, 3, 3), method=method, seed=11)
    n = len(atoms)
    assert n == 54
    assert atoms.get_chemical_symbols().count("Mg") == round(x_mg * n)
    assert atoms.info["x_mg"] == pytest.approx(round(x_mg * n) / n)
    assert abs(atoms.info["x_mg"] - x_mg) <= 0.5 / n
    # the sites are a bcc lattice: with one species the cell is Im-3m
    lattice_only = atoms.copy()
    lattice_only.set_chemical_symbols(["Li"] * n)
    from pymatgen.io.ase import AseAtomsAdaptor
    sga = SpacegroupAnalyzer(AseAtomsAdaptor.get_structure(lattice_only), symprec=1e-3)
    assert sga.get_space_group_number() == 229
    # reproducible with the seed, different with another seed
    again = li_mg_alloy(x_mg, supercell=(3, 3, 3), method=method, seed=11)
    assert again.get_chemical_symbols() == atoms.get_chemical_symbols()
    np.testing.assert_array_equal(again.positions, atoms.positions)
    other = li_mg_alloy(x_mg, supercell=(3, 3, 3), method=method, seed=12)
    assert other.get_chemical_symbols() != atoms.get_chemical_symbols()


def test_solid_solution_cells_enter_the_li_mg_hull():
    """β cells go into the hull as (Atoms, energy) next to the catalogue phases; their Li
    fraction is 1 - x_mg. Made-up energies: the x_mg = 0.25 cell is the Li-richest hull phase."""
    cell = li_mg_alloy(0.25, supercell=(2, 2, 2), seed=1)  # 16 sites, 4 Mg
    n = len(cell)
    phases = {
        "Li": (load_bulk("Li", as_atoms=True), 2 * -1.90),
        "Mg": (load_bulk("Mg", as_atoms=True), 2 * -1.50),
        "LiMg": (load_bulk("LiMg", as_atoms=True), 2 * -1.73),
        "beta-x0.25-seed1": (cell, n * -1.83),
    }
    hull = alloy_hull(phases)
    assert hull.metal == "Mg"
    assert hull.reservoir_fraction["beta-x0.25-seed1"] == pytest.approx(1 - cell.info["x_mg"])
    assert hull.in_equilibrium_with_reservoir == "beta-x0.25-seed1"
    assert hull.reservoir_per_metal_in_equilibrium == pytest.approx(3.0)
