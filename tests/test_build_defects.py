import math

import numpy as np
import pytest
from ase import Atoms
from ase.build import bcc110, bulk
from ase.constraints import FixAtoms
from ase.geometry import find_mic
from ase.neighborlist import neighbor_list

from checks import assert_no_close_contacts, assert_one_line
from interfacemodel.errors import UserInputError
from interfacemodel.models.bulk_hops import interstitial_hops, interstitialcy_hops, vacancy_hops
from interfacemodel.models.hops import Hop
from interfacemodel.models.interstitials import interstitial_sites
from interfacemodel.models.point_defects import make_interstitial, make_vacancy
from interfacemodel.models.slabs import layers_from_top
from interfacemodel.models.surface_hops import interface_hops, slab_hops
from interfacemodel.structures import load_bulk

A_LI = 3.51
A_CU = 3.615
A_LIF = 4.026


def _li_bcc():
    return bulk("Li", "bcc", a=A_LI, cubic=True)


def _lif():
    return bulk("LiF", "rocksalt", a=A_LIF, cubic=True)


def _mic_distance(atoms, a, b):
    _, d = find_mic(np.atleast_2d(a - b), atoms.cell.array, atoms.pbc)
    return float(d[0])


def _check_endpoints(hop: Hop, perfect: Atoms):
    """Physical checks of one vacancy hop against the perfect supercell it came from."""
    ini, fin = hop.initial, hop.final
    m = hop.moving_index
    assert len(ini) == len(fin) == len(perfect) - 1
    assert ini.get_chemical_symbols() == fin.get_chemical_symbols()
    assert ini[m].symbol == hop.species
    moved = np.linalg.norm(fin.positions - ini.positions, axis=1)
    assert np.count_nonzero(moved > 1e-9) == 1 and moved[m] > 0
    assert moved[m] == pytest.approx(hop.length_A, abs=1e-6)
    # the atom ends on a site of the perfect crystal that is empty in the initial state...
    dest = fin.positions[m]
    assert min(_mic_distance(perfect, p, dest) for p in perfect.positions) < 1e-6
    assert min(_mic_distance(ini, p, dest) for p in ini.positions) > 0.5 * hop.length_A
    # ...and leaves behind an empty site
    src = ini.positions[m]
    others = [p for k, p in enumerate(fin.positions) if k != m]
    assert min(_mic_distance(fin, p, src) for p in others) > 0.5 * hop.length_A
    assert_no_close_contacts(ini)
    assert_no_close_contacts(fin)


# --- vacancy and interstitial --------------------------------------------------------------


def test_make_vacancy_removes_one_atom_and_keeps_constraints():
    atoms = _lif().repeat(2)
    atoms.set_constraint(FixAtoms(indices=[0, 5, 9]))
    out = make_vacancy(atoms, 5)
    assert len(out) == len(atoms) - 1
    assert out.info["vacancy_symbol"] == atoms[5].symbol
    np.testing.assert_allclose(out.info["vacancy_position_A"], atoms.positions[5])
    np.testing.assert_array_equal(out.positions[5:], atoms.positions[6:])
    np.testing.assert_array_equal(out.constraints[0].index, [0, 8])
    assert len(atoms) == 64  # input untouched


@pytest.mark.parametrize("index", [-1, 2, 1.0, True, "0"])
def test_make_vacancy_bad_index(index):
    with pytest.raises(UserInputError, match="index") as exc:
        make_vacancy(_li_bcc(), index)
    assert_one_line(exc)


def test_make_interstitial_tetrahedral_site_in_bcc_li():
    atoms = _li_bcc().repeat(2)
    frac = np.array([0.25, 0.125, 0.0])  # tetrahedral site (1/2, 1/4, 0) of the cubic cell
    out = make_interstitial(atoms, frac, "Li", coords="fractional")
    assert len(out) == len(atoms) + 1 and out[-1].symbol == "Li"
    np.testing.assert_allclose(out.positions[-1], frac @ atoms.cell.array)
    # tetrahedral site: 4 neighbours at sqrt(5)/4 a
    d = out.get_distances(len(out) - 1, range(len(atoms)), mic=True)
    assert d.min() == pytest.approx(math.sqrt(5) / 4 * A_LI)
    assert np.count_nonzero(np.isclose(d, d.min())) == 4
    same = make_interstitial(atoms, frac @ atoms.cell.array, "Li")
    np.testing.assert_allclose(same.positions, out.positions)


def test_make_interstitial_refuses_overlap_through_periodic_images():
    atoms = _li_bcc().repeat(2)
    # 0.3 A from the atom at the origin, reached only through the periodic boundary
    with pytest.raises(UserInputError, match=r"0\.7") as exc:
        make_interstitial(atoms, [2 * A_LI - 0.3, 0.0, 0.0], "Mg")
    assert_one_line(exc)


@pytest.mark.parametrize(
    "args, word",
    [(([0, 0, 0.5], "Q"), "element"), (([0, 0], "Li"), "position"),
     (([0.1, 0.1, 0.1], "Li", "polar"), "coords")],
)
def test_make_interstitial_bad_arguments(args, word):
    with pytest.raises(UserInputError, match=word) as exc:
        make_interstitial(_li_bcc(), *args)
    assert_one_line(exc)


# --- bulk hops -----------------------------------------------------------------------------


def test_bcc_li_has_one_nearest_neighbour_hop_with_multiplicity_8():
    atoms = _li_bcc()
    hops = vacancy_hops(atoms, "Li")
    assert len(hops) == 1
    hop = hops[0]
    assert hop.length_A == pytest.approx(math.sqrt(3) / 2 * A_LI)
    assert hop.multiplicity == 8
    assert hop.mechanism == "vacancy" and hop.reverse_equivalent
    rep = hop.initial.info["supercell"]
    perfect = atoms.repeat(rep)
    assert np.all(perfect.cell.lengths() >= 8.0)
    assert np.all(perfect.cell.lengths() > 2 * hop.length_A)
    _check_endpoints(hop, perfect)


def test_bcc_li_primitive_cell_gives_the_same_hop():
    prim = bulk("Li", "bcc", a=A_LI)  # one-atom cell: the neighbours are its own images
    hops = vacancy_hops(prim, "Li")
    assert [(round(h.length_A, 6), h.multiplicity) for h in hops] == [
        (round(math.sqrt(3) / 2 * A_LI, 6), 8)]
    perfect = prim.repeat(hops[0].initial.info["supercell"])
    _check_endpoints(hops[0], perfect)


def test_bcc_li_second_shell_with_max_length():
    hops = vacancy_hops(_li_bcc(), "Li", max_length_A=A_LI + 0.01)
    got = [(round(h.length_A, 6), h.multiplicity) for h in hops]
    assert got == [(round(math.sqrt(3) / 2 * A_LI, 6), 8), (round(A_LI, 6), 6)]
    # the supercell keeps the vacancy more than two hop lengths from its images
    cell = hops[-1].initial.info["supercell"]
    assert min(cell) * A_LI > 2 * A_LI


@pytest.mark.parametrize("cubic", [True, False])
def test_fcc_cu_has_one_hop_with_multiplicity_12(cubic):
    atoms = bulk("Cu", "fcc", a=A_CU, cubic=cubic)
    hops = vacancy_hops(atoms, "Cu")
    assert len(hops) == 1
    assert hops[0].length_A == pytest.approx(A_CU / math.sqrt(2))
    assert hops[0].multiplicity == 12
    _check_endpoints(hops[0], atoms.repeat(hops[0].initial.info["supercell"]))


@pytest.mark.parametrize("species", ["Li", "F"])
def test_rocksalt_lif_same_sublattice_hop(species):
    atoms = _lif()
    hops = vacancy_hops(atoms, species)
    assert len(hops) == 1
    assert hops[0].length_A == pytest.approx(A_LIF / math.sqrt(2))
    assert hops[0].multiplicity == 12
    _check_endpoints(hops[0], atoms.repeat(hops[0].initial.info["supercell"]))


def test_hcp_mg_basal_and_pyramidal_hops():
    a, c = 3.2094, 5.2105
    hops = vacancy_hops(bulk("Mg", "hcp", a=a, c=c), "Mg")
    got = sorted((round(h.length_A, 5), h.multiplicity) for h in hops)
    # 6 neighbours in the basal plane at a, 3 + 3 in the planes above and below
    assert got == sorted([(round(a, 5), 6), (round(math.sqrt(a**2 / 3 + c**2 / 4), 5), 6)])
    assert all(h.reverse_equivalent for h in hops)


@pytest.mark.parametrize("name, species", [("MgF2", "F"), ("MgF2", "Mg"), ("LLZO", "Li")])
def test_multiplicities_add_up_to_the_first_shell(name, species):
    atoms = load_bulk(name, as_atoms=True)
    hops = vacancy_hops(atoms, species)
    sites = [k for k, s in enumerate(atoms.get_chemical_symbols()) if s == species]
    i, j, d = neighbor_list("ijd", atoms, 4.0)
    for start in {h.from_site for h in hops}:
        same = d[(i == start) & np.isin(j, sites)]
        shell = np.count_nonzero(same <= 1.1 * same.min() + 1e-9)
        assert sum(h.multiplicity for h in hops if h.from_site == start) == shell
    by_label = {h.label: h for h in hops}
    for hop in hops:
        if not hop.reverse_equivalent:
            # a hop between inequivalent sites: its reverse is listed, same path length
            back = by_label[hop.reverse_label]
            assert back.reverse_label == hop.label
            assert back.length_A == pytest.approx(hop.length_A)
            assert back.from_site != hop.from_site


def test_rutile_f_hops_between_equivalent_sites_are_merged_with_their_reverse():
    hops = vacancy_hops(load_bulk("MgF2", as_atoms=True), "F")
    assert all(h.reverse_equivalent and h.reverse_label is None for h in hops)
    assert len({round(h.length_A, 3) for h in hops}) == len(hops)


def test_vacancy_hops_supercell_override_and_refusals():
    hops = vacancy_hops(_li_bcc(), "Li", supercell=(4, 4, 4))
    assert len(hops[0].initial) == 127
    with pytest.raises(UserInputError, match="twice") as exc:
        vacancy_hops(_li_bcc(), "Li", supercell=(1, 2, 2))
    assert_one_line(exc)
    for bad in [(2, 2), (0, 2, 2), "big"]:
        with pytest.raises(UserInputError, match="supercell"):
            vacancy_hops(_li_bcc(), "Li", supercell=bad)
    with pytest.raises(UserInputError, match="species") as exc:
        vacancy_hops(_li_bcc(), "Mg")
    assert_one_line(exc)
    with pytest.raises(UserInputError, match="slab_hops"):
        vacancy_hops(bcc110("Li", size=(2, 2, 4), a=A_LI, vacuum=10), "Li")


# --- slab hops -----------------------------------------------------------------------------

D110 = A_LI / math.sqrt(2)  # bcc(110) interlayer spacing
NN = math.sqrt(3) / 2 * A_LI


def _slab(layers=4):
    return bcc110("Li", size=(2, 2, layers), a=A_LI, vacuum=10)


def test_atomic_layers_from_top():
    slab = _slab()
    layers = layers_from_top(slab)
    assert [len(layer) for layer in layers] == [4, 4, 4, 4]
    tops = [slab.positions[layer, 2].mean() for layer in layers]
    np.testing.assert_allclose(-np.diff(tops), D110)
    assert tops[0] == pytest.approx(slab.positions[:, 2].max())


@pytest.mark.parametrize("dedupe", ["symmetry", "layers"])
def test_bcc110_slab_hops_by_layer(dedupe):
    slab = _slab()
    hops = slab_hops(slab, "Li", dedupe=dedupe)
    table = {(h.from_layer, h.to_layer): h for h in hops}
    # (110) plane: 4 in-plane nearest neighbours; 2 in each adjacent plane
    expected = {(k, k): 4 for k in range(4)}
    expected.update({(k, k + 1): 2 for k in range(3)})
    expected.update({(k + 1, k): 2 for k in range(3)})
    assert {key: h.multiplicity for key, h in table.items()} == expected
    assert len(hops) == len(expected)
    for (la, lb), hop in table.items():
        assert hop.length_A == pytest.approx(NN)
        assert hop.reverse_equivalent == (la == lb)
    z_top = slab.positions[:, 2].max()
    for key in [(0, 0), (0, 1), (1, 0)]:
        hop = table[key]
        m = hop.moving_index
        assert z_top - hop.initial.positions[m, 2] == pytest.approx(key[0] * D110, abs=1e-6)
        assert z_top - hop.final.positions[m, 2] == pytest.approx(key[1] * D110, abs=1e-6)
        perfect = slab.repeat(hop.initial.info["supercell"])
        w = perfect.cell.array
        area = np.linalg.norm(np.cross(w[0], w[1]))
        assert area / np.linalg.norm(w[1]) >= 8.0 and area / np.linalg.norm(w[0]) >= 8.0
        _check_endpoints(hop, perfect)


def test_slab_hops_respect_fixed_atoms_and_max_layer():
    slab = _slab()
    layers = layers_from_top(slab)
    slab.set_constraint(FixAtoms(indices=np.concatenate(layers[2:])))
    hops = slab_hops(slab, "Li")
    assert {(h.from_layer, h.to_layer) for h in hops} == {(0, 0), (0, 1), (1, 0), (1, 1)}
    for hop in hops:
        fixed = set(hop.initial.constraints[0].index.tolist())
        assert hop.moving_index not in fixed
        assert len(fixed) == len(hop.final.constraints[0].index)
    top = slab_hops(_slab(), "Li", max_layer=0)
    assert [(h.from_layer, h.to_layer, h.multiplicity) for h in top] == [(0, 0, 4)]
    with pytest.raises(UserInputError, match="max_layer"):
        slab_hops(_slab(), "Li", max_layer=-1)
    with pytest.raises(UserInputError, match="dedupe"):
        slab_hops(_slab(), "Li", dedupe="none")


# --- interface hops ------------------------------------------------------------------------

GAP = 2.0  # film top layer -> first coating layer


def _toy_interface(first_layer_li=True, coating_on_top=True):
    """Li bcc(100) film (3 layers, 2x2) under a toy rocksalt 'LiF' coating (2 layers)
    strained onto it (a_rs = a_Li, unphysical but simple): in the first coating layer, Li
    sits on top of film atoms (GAP above) and above the film's hollow sites."""
    a = A_LI
    atoms = Atoms(cell=[2 * a, 2 * a, 3 * a + GAP + a / 2 + 20], pbc=[True, True, False])
    side = []
    for k in range(3):  # film, layer k at z = k a/2
        off = 0.0 if k % 2 == 0 else a / 2
        for ix in range(2):
            for iy in range(2):
                atoms.append("Li")
                atoms.positions[-1] = [ix * a + off, iy * a + off, k * a / 2]
                side.append(0)
    z1 = a + GAP
    for k, z in enumerate([z1, z1 + a / 2]):
        for ix in range(2):
            for iy in range(2):
                for (dx, dy) in [(0, 0), (a / 2, a / 2), (a / 2, 0), (0, a / 2)]:
                    on_cation = (dx == dy) == (k == 0)
                    sym = "Li" if on_cation else "F"
                    if k == 0 and sym == "Li" and not first_layer_li:
                        sym = "F"
                    atoms.append(sym)
                    atoms.positions[-1] = [ix * a + dx, iy * a + dy, z]
                    side.append(1)
    atoms.positions[:, 2] += 10.0
    if not coating_on_top:
        atoms.positions[:, 2] = atoms.cell[2, 2] - atoms.positions[:, 2]
    atoms.arrays["interface_side"] = np.array(side)
    return atoms


def test_interface_vacancy_hops_from_film_into_coating():
    iface = _toy_interface()
    hops = interface_hops(iface, "Li")
    lengths = [round(h.length_A, 6) for h in hops]
    hollow = math.sqrt(2 * (A_LI / 2) ** 2 + GAP**2)
    assert lengths == [round(GAP, 6), round(hollow, 6)]
    assert [h.multiplicity for h in hops] == [1, 4]
    side = iface.arrays["interface_side"]
    for hop in hops:
        m = hop.moving_index
        assert side[hop.from_site] == 0 and side[hop.to_site] == 1
        np.testing.assert_array_equal(hop.initial.arrays["interface_side"],
                                      hop.final.arrays["interface_side"])
        assert hop.initial.arrays["interface_side"][m] == 0
        z_film_top = iface.positions[side == 0, 2].max()
        assert hop.initial.positions[m, 2] == pytest.approx(z_film_top)
        assert hop.final.positions[m, 2] == pytest.approx(z_film_top + GAP)
        _check_endpoints(hop, iface.repeat(hop.initial.info["supercell"]))


def test_interface_z_split_and_flipped_geometry_agree():
    iface = _toy_interface()
    by_array = [(round(h.length_A, 6), h.multiplicity) for h in interface_hops(iface)]
    plain = iface.copy()
    del plain.arrays["interface_side"]
    z_split = iface.positions[iface.arrays["interface_side"] == 0, 2].max() + GAP / 2
    by_split = [(round(h.length_A, 6), h.multiplicity)
                for h in interface_hops(plain, z_split_A=z_split)]
    flipped = [(round(h.length_A, 6), h.multiplicity)
               for h in interface_hops(_toy_interface(coating_on_top=False))]
    assert by_array == by_split == flipped


def test_interface_without_coating_sites_and_interstitial_targets():
    iface = _toy_interface(first_layer_li=False)
    with pytest.raises(UserInputError, match="target_positions_A") as exc:
        interface_hops(iface, "Li")
    assert_one_line(exc)
    # a free site: remove the first-layer coating atom above a film hollow, then target it
    side = iface.arrays["interface_side"]
    z1 = iface.positions[side == 0, 2].max() + GAP
    hollow = np.array([A_LI / 2, A_LI / 2, z1])
    k = int(np.argmin(np.linalg.norm(iface.positions - hollow, axis=1)))
    del iface[k]
    hops = interface_hops(iface, "Li", target_positions_A=[hollow])
    assert len(hops) == 1
    hop = hops[0]
    assert hop.mechanism == "interstitial" and hop.to_site is None
    assert hop.length_A == pytest.approx(math.sqrt(2 * (A_LI / 2) ** 2 + GAP**2))
    assert len(hop.initial) == len(hop.final) == len(iface.repeat(hop.initial.info["supercell"]))
    moved = np.linalg.norm(hop.final.positions - hop.initial.positions, axis=1)
    assert np.count_nonzero(moved > 1e-9) == 1
    np.testing.assert_allclose(hop.final.positions[hop.moving_index], hollow, atol=1e-9)
    assert_no_close_contacts(hop.final)
    with pytest.raises(UserInputError, match=r"0\.7") as exc:
        interface_hops(iface, "Li", target_positions_A=[hollow + [0.5, 0.0, 0.0]])
    assert_one_line(exc)


def test_interface_needs_sides():
    iface = _toy_interface()
    del iface.arrays["interface_side"]
    with pytest.raises(UserInputError, match="interface_side") as exc:
        interface_hops(iface, "Li")
    assert_one_line(exc)


# --- bulk interstitial sites and hops ------------------------------------------------------
# Expected sites, clearances and hop lengths are textbook crystallography, computed here
# from the cubic lattice constant, not by the code under test.

INTERSTITIAL_CONTACT = 0.6  # LiF: Li on the tetrahedral void is 0.68 x the Li-Li radius sum


def _frac_sets_equal(found, expected):
    found, expected = np.asarray(found, float) % 1.0, np.asarray(expected, float) % 1.0
    assert len(found) == len(expected)
    for f in expected:
        diff = found - f
        diff -= np.rint(diff)
        assert np.abs(diff).sum(axis=1).min() < 1e-6, f"no site at {f}"


def _nearest_atom_distances(atoms, position, cutoff=6.0):
    """Sorted distances from ``position`` to the atoms, every periodic image counted."""
    probe = atoms.copy()
    probe.append("H")
    probe.positions[-1] = position
    i, d = neighbor_list("id", probe, cutoff)
    return np.sort(d[i == len(atoms)])


def _check_interstitial_endpoints(hop: Hop, host: Atoms, clearance: dict):
    """initial = perfect supercell + the atom on a void, final = the same atom moved to the
    next void (unwrapped); ``clearance`` maps the site name to its expected value (Å)."""
    perfect = host.repeat(hop.initial.info["supercell"])
    ini, fin, m = hop.initial, hop.final, hop.moving_index
    assert len(ini) == len(fin) == len(perfect) + 1 and m == len(perfect)
    assert ini.get_chemical_symbols() == fin.get_chemical_symbols()
    assert ini[m].symbol == hop.species and hop.mechanism == "interstitial"
    np.testing.assert_allclose(ini.positions[:m], perfect.positions, atol=1e-12)
    moved = np.linalg.norm(fin.positions - ini.positions, axis=1)
    assert np.count_nonzero(moved > 1e-9) == 1
    assert moved[m] == pytest.approx(hop.length_A, abs=1e-6)  # the short path, unwrapped
    start, end = hop.label.split(" ")[0].split("->")
    for pos, name in ((ini.positions[m], start), (fin.positions[m], end)):
        assert _nearest_atom_distances(perfect, pos)[0] == pytest.approx(clearance[name],
                                                                         abs=1e-4)
    widths = perfect.cell.volume / np.linalg.norm(
        np.cross(perfect.cell[[1, 2, 0]], perfect.cell[[2, 0, 1]]), axis=1)
    assert np.all(widths >= 8.0 - 1e-9) and np.all(widths >= 2 * hop.length_A)
    assert_no_close_contacts(ini, INTERSTITIAL_CONTACT)
    assert_no_close_contacts(fin, INTERSTITIAL_CONTACT)


def test_rocksalt_lif_interstitial_is_the_tetrahedral_void():
    atoms = load_bulk("LiF", as_atoms=True)
    a = atoms.cell.lengths()[0]
    sites = interstitial_sites(atoms, "Li")
    assert len(sites) == 1
    site = sites[0]
    # the cube centres of the Li4F4 cubelets: 8 per conventional cell, Wyckoff 8c
    _frac_sets_equal(site.orbit_frac, [(x, y, z) for x in (0.25, 0.75) for y in (0.25, 0.75)
                                       for z in (0.25, 0.75)])
    assert site.wyckoff == "8c" and site.name == "i(8c)"
    d = _nearest_atom_distances(atoms, site.position_A)
    assert site.clearance_A == pytest.approx(math.sqrt(3) / 4 * a)
    np.testing.assert_allclose(d[:8], math.sqrt(3) / 4 * a)  # 4 Li + 4 F at the corners
    hops = interstitial_hops(atoms, "Li")
    # the voids form a simple cubic lattice of spacing a/2: 6 equivalent neighbours
    assert len(hops) == 1
    hop = hops[0]
    assert hop.length_A == pytest.approx(a / 2)
    assert hop.multiplicity == 6 and hop.reverse_equivalent
    assert hop.label == f"i(8c)->i(8c) {a / 2:.3f} A x6"
    step = hop.final.positions[-1] - hop.initial.positions[-1]
    assert np.count_nonzero(np.abs(step) > 1e-9) == 1  # along a cube axis
    _check_interstitial_endpoints(hop, atoms, {"i(8c)": math.sqrt(3) / 4 * a})


def test_rocksalt_primitive_cell_and_foreign_species_give_the_same_hop():
    a = 4.026
    prim = bulk("LiF", "rocksalt", a=a)
    sites = interstitial_sites(prim, "Li")
    assert [(s.wyckoff, len(s.orbit_frac)) for s in sites] == [("8c", 2)]
    hops = interstitial_hops(prim, "H")
    assert [(round(h.length_A, 6), h.multiplicity) for h in hops] == [(round(a / 2, 6), 6)]
    assert hops[0].initial[hops[0].moving_index].symbol == "H"
    _check_interstitial_endpoints(hops[0], prim, {"i(8c)": math.sqrt(3) / 4 * a})


@pytest.mark.parametrize("name", ["Li2O", "Li2S", "Li2Se"])
def test_antifluorite_interstitial_is_the_empty_octahedral_void(name):
    atoms = load_bulk(name, as_atoms=True)
    a = atoms.cell.lengths()[0]
    sites = interstitial_sites(atoms, "Li")
    assert len(sites) == 1
    site = sites[0]
    # anions fcc, Li in all tetrahedral holes: the octahedral holes (4b) are empty
    _frac_sets_equal(site.orbit_frac, [(0.5, 0.5, 0.5), (0.5, 0, 0), (0, 0.5, 0), (0, 0, 0.5)])
    assert site.wyckoff == "4b"
    d = _nearest_atom_distances(atoms, site.position_A)
    np.testing.assert_allclose(d[:8], math.sqrt(3) / 4 * a)  # the Li cube around the void
    np.testing.assert_allclose(d[8:14], a / 2)  # the anion octahedron
    assert site.clearance_A == pytest.approx(math.sqrt(3) / 4 * a)
    hops = interstitial_hops(atoms, "Li")
    # the voids form an fcc lattice: 12 neighbours at a/sqrt(2)
    assert [(round(h.length_A, 6), h.multiplicity) for h in hops] == [
        (round(a / math.sqrt(2), 6), 12)]
    _check_interstitial_endpoints(hops[0], atoms, {"i(4b)": math.sqrt(3) / 4 * a})


@pytest.mark.parametrize("cubic", [True, False])
def test_bcc_li_voids_are_tetrahedral_and_octahedral_is_a_saddle(cubic):
    atoms = bulk("Li", "bcc", a=A_LI, cubic=cubic)
    sites = interstitial_sites(atoms, "Li")
    assert len(sites) == 1
    site = sites[0]
    assert site.wyckoff == "12d" and len(site.orbit_frac) == (12 if cubic else 6)
    assert site.clearance_A == pytest.approx(math.sqrt(5) / 4 * A_LI)  # 1.962 A
    d = _nearest_atom_distances(atoms, site.position_A)
    np.testing.assert_allclose(d[:4], math.sqrt(5) / 4 * A_LI)
    if cubic:  # tetrahedral voids (0, 1/2, 1/4) and permutations
        tet = {tuple(np.roll(p, k)) for p in [(0, 0.5, 0.25), (0, 0.5, 0.75), (0, 0.25, 0.5),
                                              (0, 0.75, 0.5)] for k in range(3)}
        _frac_sets_equal(site.orbit_frac, sorted(tet))
    # the octahedral void (1/2, 1/2, 0): a/2 from two atoms, but a saddle of the clearance:
    # moving in the (001) plane takes it away from both, so it is not a void centre
    cell = bulk("Li", "bcc", a=A_LI, cubic=True)
    octa = np.array([0.5, 0.5, 0.0]) * A_LI
    assert _nearest_atom_distances(cell, octa)[0] == pytest.approx(A_LI / 2)
    assert _nearest_atom_distances(cell, octa + [0.1, 0, 0])[0] > A_LI / 2
    assert math.sqrt(5) / 4 * A_LI > A_LI / 2
    for other in sites:
        off = (other.orbit_frac @ atoms.cell.array)
        assert np.all(np.linalg.norm(off - octa, axis=1) > 0.5)
    hops = interstitial_hops(atoms, "Li")
    # each tetrahedral void has 4 tetrahedral neighbours at a sqrt(2)/4
    assert [(round(h.length_A, 6), h.multiplicity) for h in hops] == [
        (round(math.sqrt(2) / 4 * A_LI, 6), 4)]
    _check_interstitial_endpoints(hops[0], atoms, {"i(12d)": math.sqrt(5) / 4 * A_LI})


def test_fcc_li_tetrahedral_and_octahedral_voids_and_the_hops_between_them():
    a = 4.40
    atoms = bulk("Li", "fcc", a=a, cubic=True)
    sites = {s.name: s for s in interstitial_sites(atoms, "Li")}
    assert set(sites) == {"i(4b)", "i(8c)"}
    _frac_sets_equal(sites["i(4b)"].orbit_frac,
                     [(0.5, 0.5, 0.5), (0.5, 0, 0), (0, 0.5, 0), (0, 0, 0.5)])
    assert sites["i(4b)"].clearance_A == pytest.approx(a / 2)
    assert sites["i(8c)"].clearance_A == pytest.approx(math.sqrt(3) / 4 * a)
    hops = interstitial_hops(atoms, "Li")
    got = {h.label.split(" ")[0]: (round(h.length_A, 6), h.multiplicity) for h in hops}
    tet_oct = round(math.sqrt(3) / 4 * a, 6)
    assert got == {"i(8c)->i(4b)": (tet_oct, 4), "i(4b)->i(8c)": (tet_oct, 8),
                   "i(8c)->i(8c)": (round(a / 2, 6), 6),
                   "i(4b)->i(4b)": (round(a / math.sqrt(2), 6), 12)}
    # multiplicities out of each start site add up to its neighbours: tet 4 + 6, oct 8 + 12
    per_start = {}
    for hop in hops:
        per_start[hop.from_site] = per_start.get(hop.from_site, 0) + hop.multiplicity
    assert sorted(per_start.values()) == [10, 20]
    by_label = {h.label: h for h in hops}
    clearance = {"i(4b)": a / 2, "i(8c)": math.sqrt(3) / 4 * a}
    for hop in hops:
        start, end = hop.label.split(" ")[0].split("->")
        assert hop.reverse_equivalent == (start == end)
        if start != end:
            back = by_label[hop.reverse_label]
            assert back.reverse_label == hop.label
            assert back.length_A == pytest.approx(hop.length_A)
        _check_interstitial_endpoints(hop, atoms, clearance)


def test_interstitial_hops_max_length_and_supercell():
    hops = interstitial_hops(bulk("Li", "bcc", a=A_LI, cubic=True), "Li", max_length_A=1.8)
    # tetrahedral neighbours at a sqrt(2)/4 (4) and, across the octahedral void, a/2 (2)
    assert [(round(h.length_A, 6), h.multiplicity) for h in hops] == [
        (round(math.sqrt(2) / 4 * A_LI, 6), 4), (round(A_LI / 2, 6), 2)]
    big = interstitial_hops(bulk("Li", "bcc", a=A_LI, cubic=True), "Li", supercell=4)
    assert len(big[0].initial) == 2 * 4**3 + 1


def test_interstitial_hops_bad_input():
    li = bulk("Li", "bcc", a=A_LI, cubic=True)
    slab = bcc110("Li", size=(2, 2, 4), a=A_LI, vacuum=10)
    periodic_slab = slab.copy()
    periodic_slab.pbc = True
    molecule = Atoms("Li2", positions=[[0, 0, 0], [0, 0, 2.7]], cell=[8, 8, 8], pbc=False)
    cases = [((slab, "Li"), {}, "bulk"), ((periodic_slab, "Li"), {}, "vacuum"),
             ((molecule, "Li"), {}, "periodic"), ((li, "Q"), {}, "species"),
             ((li, "Li"), {"min_clearance_A": 2.5}, "min_clearance_A"),
             ((li, "Li"), {"min_clearance_A": -1.0}, "min_clearance_A"),
             ((li, "Li"), {"supercell": (1, 1, 0)}, "supercell")]
    for args, kwargs, word in cases:
        with pytest.raises(UserInputError, match=word) as exc:
            interstitial_hops(*args, **kwargs)
        assert_one_line(exc)


# --- interstitialcy (knock-off) hops ---------------------------------------------------------
# The expected triples (void A, lattice atom L, void B) are enumerated here by hand from the
# ideal crystal in fractional coordinates (voids and sites written out, not found by the code
# under test); lengths and counts are textbook geometry of the cubic cell.

def _hand_triples(lattice_frac, void_frac):
    """All (L, B) around the void at void_frac[0] in a cubic cell of edge 1: L a nearest
    lattice site of A, B a nearest void of L other than A. Returns (A-L, L-B) vectors in units
    of a, periodic images included."""
    shifts = np.array([(i, j, k) for i in (-1, 0, 1) for j in (-1, 0, 1) for k in (-1, 0, 1)])
    lattice = (np.asarray(lattice_frac)[:, None, :] + shifts[None]).reshape(-1, 3)
    voids = (np.asarray(void_frac)[:, None, :] + shifts[None]).reshape(-1, 3)
    a_pos = np.asarray(void_frac[0], float)
    d_l = np.linalg.norm(lattice - a_pos, axis=1)
    out = []
    for lpos in lattice[np.isclose(d_l, d_l.min())]:
        d_b = np.linalg.norm(voids - lpos, axis=1)
        for bpos in voids[np.isclose(d_b, d_b.min())]:
            if not np.allclose(bpos, a_pos):
                out.append((lpos - a_pos, bpos - lpos))
    return out


FCC = np.array([(0, 0, 0), (0, 0.5, 0.5), (0.5, 0, 0.5), (0.5, 0.5, 0)])


def _check_interstitialcy_endpoints(hop: Hop, host: Atoms):
    """initial = perfect supercell + the atom on A; final = that atom exactly on L's former
    position and L on B; the two move by their short paths, nothing else moves."""
    perfect = host.repeat(hop.initial.info["supercell"])
    ini, fin = hop.initial, hop.final
    m, p = hop.moving_index, hop.partner_index
    assert hop.mechanism == "interstitialcy" and m == len(perfect) and p is not None and p < m
    assert len(ini) == len(fin) == len(perfect) + 1
    assert ini.get_chemical_symbols() == fin.get_chemical_symbols()
    assert ini[m].symbol == ini[p].symbol == hop.species
    np.testing.assert_allclose(ini.positions[:m], perfect.positions, atol=1e-12)
    moved = np.linalg.norm(fin.positions - ini.positions, axis=1)
    assert set(np.flatnonzero(moved > 1e-9)) == {m, p}
    # the interstitial lands exactly on L's site (a periodic image of it at most)
    assert _mic_distance(perfect, fin.positions[m], ini.positions[p]) < 1e-9
    # the short paths: A -> L and L -> B are each one nearest-neighbour step, unwrapped
    assert moved[m] == pytest.approx(_mic_distance(perfect, ini.positions[m], ini.positions[p]))
    assert moved[p] == pytest.approx(_mic_distance(perfect, fin.positions[p], ini.positions[p]))
    # the carrier's displacement |B - A|
    assert _mic_distance(perfect, fin.positions[p], ini.positions[m]) == pytest.approx(
        hop.length_A, abs=1e-6)
    assert np.linalg.norm(fin.positions[p] - ini.positions[m]) == pytest.approx(
        hop.length_A, abs=1e-6)  # unwrapped: the band goes the short way
    assert hop.reverse_equivalent
    widths = perfect.cell.volume / np.linalg.norm(
        np.cross(perfect.cell[[1, 2, 0]], perfect.cell[[2, 0, 1]]), axis=1)
    assert np.all(widths >= 8.0 - 1e-9) and np.all(widths >= 2 * hop.length_A - 1e-9)


@pytest.mark.parametrize("name", ["Li2O", "Li2Se"])
def test_antifluorite_interstitialcy_against_a_hand_construction(name):
    """Li on 8c (the 8 tetrahedral holes of the anion fcc), the interstitial on the empty
    octahedral void 4b: 8 Li at √3a/4 and 6 anions at a/2 around A; the knock-off puts the
    interstitial on a former 8c site and that Li on another 4b void at a/√2 from A (the
    three 4b voids beyond each Li besides A are equivalent): 8 × 3 = 24 ways."""
    atoms = load_bulk(name, as_atoms=True)
    a = atoms.cell.lengths()[0]
    li_8c = [(x, y, z) for x in (0.25, 0.75) for y in (0.25, 0.75) for z in (0.25, 0.75)]
    voids_4b = FCC + 0.5
    triples = _hand_triples(li_8c, voids_4b)
    assert len(triples) == 24
    lengths = {round(float(np.linalg.norm(al + lb)), 6) for al, lb in triples}
    assert lengths == {round(1 / math.sqrt(2), 6)}  # |B - A| = a/√2, every choice
    cosines = {round(float(-al @ lb / np.linalg.norm(al) / np.linalg.norm(lb)), 6)
               for al, lb in triples}
    assert cosines == {round(-1 / 3, 6)}  # A-L-B 70.5°: no collinear knock-off here

    hops = interstitialcy_hops(atoms, "Li")
    assert len(hops) == 1
    hop = hops[0]
    assert hop.length_A == pytest.approx(a / math.sqrt(2))
    assert hop.multiplicity == len(triples)
    assert hop.label == f"i(4b)->8c->i(4b) {a / math.sqrt(2):.3f} A x24"
    _check_interstitialcy_endpoints(hop, atoms)
    given, = interstitialcy_hops(atoms, "Li", sites_frac=[[0.5, 0, 0]])  # the 4b void by hand
    assert (given.label, given.multiplicity) == (hop.label, 24)
    perfect = atoms.repeat(hop.initial.info["supercell"])
    ini, fin, m, p = hop.initial, hop.final, hop.moving_index, hop.partner_index
    for pos in (ini.positions[m], fin.positions[p]):  # A and B: empty octahedral voids
        d = _nearest_atom_distances(perfect, pos)
        np.testing.assert_allclose(d[:8], math.sqrt(3) / 4 * a, atol=1e-6)
        np.testing.assert_allclose(d[8:14], a / 2, atol=1e-6)
    # L was an 8c Li: 4 anions at √3a/4 around it
    d = _nearest_atom_distances(perfect, ini.positions[p])
    np.testing.assert_allclose(d[1:5], math.sqrt(3) / 4 * a, atol=1e-6)  # d[0]: L itself
    assert perfect[[k for k in range(len(perfect)) if k != p]].get_chemical_symbols().count(
        "Li") == perfect.get_chemical_symbols().count("Li") - 1
    # the step vectors against the hand triples (the supercell is the conventional cell's)
    step = (fin.positions[m] - ini.positions[m]) / a, (fin.positions[p] - ini.positions[p]) / a
    assert any(np.allclose(step[0], al, atol=1e-6) and np.allclose(step[1], lb, atol=1e-6)
               for al, lb in triples)


def test_rocksalt_interstitialcy_keeps_every_distinct_void_beyond_l():
    """LiF: interstitial on the 8c cube centre, 4 Li around it at √3a/4; beyond each Li the
    7 other cube centres lie at a/2 (3), a/√2 (3) and, collinear, √3a/2 (1) from A: three
    hops of 12, 12 and 4, sorted by |B - A|; the primitive cell gives the same."""
    li_4a = FCC
    voids_8c = [(x, y, z) for x in (0.25, 0.75) for y in (0.25, 0.75) for z in (0.25, 0.75)]
    triples = _hand_triples(li_4a, voids_8c)
    count = {}
    for al, lb in triples:
        key = round(float(np.linalg.norm(al + lb)), 6)
        count[key] = count.get(key, 0) + 1
    assert count == {0.5: 12, round(1 / math.sqrt(2), 6): 12, round(math.sqrt(3) / 2, 6): 4}
    for atoms in (load_bulk("LiF", as_atoms=True), bulk("LiF", "rocksalt", a=A_LIF)):
        a = A_LIF if len(atoms) == 2 else atoms.cell.lengths()[0]
        hops = interstitialcy_hops(atoms, "Li")
        assert [(round(h.length_A / a, 6), h.multiplicity) for h in hops] == sorted(
            count.items())
        assert [h.label.split(" ")[0] for h in hops] == ["i(8c)->4a->i(8c)"] * 3
        collinear = hops[-1]
        al = collinear.final.positions[-1] - collinear.initial.positions[-1]
        lb = (collinear.final.positions[collinear.partner_index]
              - collinear.initial.positions[collinear.partner_index])
        np.testing.assert_allclose(al, lb, atol=1e-9)  # straight on: the same step twice
        for hop in hops:
            _check_interstitialcy_endpoints(hop, atoms)
    near = interstitialcy_hops(load_bulk("LiF", as_atoms=True), "Li", max_length_A=2.5)
    assert [h.multiplicity for h in near] == [12]


def test_fcc_self_interstitialcy_and_one_atom_hops_have_no_partner():
    """fcc Ag: octahedral interstitial, 6 lattice atoms at a/2, beyond each the 5 other
    octahedral voids at a/2: 4 at a/√2 from A (24) and 1 straight on at a (6)."""
    ag = bulk("Ag", "fcc", a=4.09, cubic=True)
    triples = _hand_triples(FCC, FCC + 0.5)
    assert len(triples) == 30
    hops = interstitialcy_hops(ag, "Ag")
    assert [(round(h.length_A, 6), h.multiplicity) for h in hops] == [
        (round(4.09 / math.sqrt(2), 6), 24), (round(4.09, 6), 6)]
    for hop in hops:
        _check_interstitialcy_endpoints(hop, ag)
    assert interstitial_hops(load_bulk("LiF", as_atoms=True), "Li")[0].partner_index is None
    assert vacancy_hops(_li_bcc(), "Li")[0].partner_index is None


def test_interstitialcy_hops_bad_input():
    li2o = load_bulk("Li2O", as_atoms=True)
    slab = bcc110("Li", size=(2, 2, 4), a=A_LI, vacuum=10)
    cases = [((slab, "Li"), {}, "bulk"), ((li2o, "Q"), {}, "species"),
             ((li2o, "Na"), {}, "not in the structure"),
             ((li2o, "Li"), {"max_length_A": 1.0}, "no interstitialcy hop"),
             ((li2o, "Li"), {"max_length_A": -1.0}, "max_length_A"),
             ((li2o, "Li"), {"supercell": 1}, "twice the hop length")]
    for args, kwargs, word in cases:
        with pytest.raises(UserInputError, match=word) as exc:
            interstitialcy_hops(*args, **kwargs)
        assert_one_line(exc)


def test_given_interstitial_sites_reproduce_the_void_centres_and_reach_rutile_channels():
    """A site given by hand: in rocksalt LiF the given cube centre is the void-centre site
    (same orbit, Wyckoff, clearance, hop); in rutile MgF2 the octahedral channel site 4c
    (0, 1/2, 0), a saddle of the clearance and not a void centre, gets its 4-site orbit and
    the hop along the c channel (length c/2, 2 ways); a site on an atom is refused."""
    from interfacemodel.models.interstitials import given_interstitial_sites

    lif = load_bulk("LiF", as_atoms=True)
    (void,) = interstitial_sites(lif, "Li")
    (given,) = given_interstitial_sites(lif, [[0.75, 0.25, 0.25], [0.25, 0.25, 0.25]])
    _frac_sets_equal(given.orbit_frac, void.orbit_frac)  # one orbit, given twice
    assert (given.wyckoff, given.name) == (void.wyckoff, void.name)
    assert given.clearance_A == pytest.approx(void.clearance_A)
    hop, = interstitial_hops(lif, "Li", sites_frac=[[0.25, 0.25, 0.25]])
    assert (hop.label, hop.multiplicity) == (interstitial_hops(lif, "Li")[0].label, 6)

    mgf2 = load_bulk("MgF2", as_atoms=True)
    c = mgf2.cell.lengths()[2]
    assert "4c" not in {s.wyckoff for s in interstitial_sites(mgf2, "Li")}
    (site,) = given_interstitial_sites(mgf2, [[0.0, 0.5, 0.0]])
    assert site.wyckoff == "4c" and len(site.orbit_frac) == 4
    hops = interstitial_hops(mgf2, "Li", sites_frac=[[0.0, 0.5, 0.0]])
    assert hops[0].length_A == pytest.approx(c / 2) and hops[0].multiplicity == 2
    step = hops[0].final.positions[-1] - hops[0].initial.positions[-1]
    np.testing.assert_allclose(step[:2], 0.0, atol=1e-9)  # along c
    for sites, word in (([[0, 0, 0]], "from a Mg atom"), ([], "sites_frac is empty"),
                        ("x", "fractional coordinates")):
        with pytest.raises(UserInputError, match=word) as exc:
            given_interstitial_sites(mgf2, sites)
        assert_one_line(exc)
