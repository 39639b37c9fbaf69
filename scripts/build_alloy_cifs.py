"""Build the issue-19 bulk CIFs (Li-rich alloy and element references) from space group,
lattice parameters and Wyckoff positions with pymatgen, and prepend each file's source line.

Run from the repository root: ``python scripts/build_alloy_cifs.py``. The numbers below are
the ones cited in each header (and in catalogue.json / SOURCES.md); change them only with a
new source.
"""

import warnings
from pathlib import Path

from pymatgen.core import Lattice, Structure
from pymatgen.io.cif import CifWriter

OUT = Path(__file__).resolve().parents[1] / "src/interfacemodel/structures/data/bulk"


def _volume_per_atom(cif: str) -> float:
    """Volume per atom (A^3) of one of the catalogue's own element CIFs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = Structure.from_file(str(OUT / cif))
    return s.volume / len(s)


def zen_cubic_a(metal_cif: str, formula_units: int) -> float:
    """ESTIMATE, not a measurement: the cubic lattice parameter of an equiatomic LiM cell
    holding ``formula_units`` LiM units, from Zen's law (volume additivity) on the
    catalogue's Li (Li_bcc.cif) and M volumes per atom: a^3 = n (V_Li + V_M). Rounded to
    1e-4 A, the value written to catalogue.json. It ignores the volume change of compound
    formation, so it only starts a cell that every campaign relaxes."""
    v = formula_units * (_volume_per_atom("Li_bcc.cif") + _volume_per_atom(metal_cif))
    return round(v ** (1 / 3), 4)


def _zen_header(name: str, prototype: str, sg: str, sites: str, metal_cif: str, n: int):
    a = zen_cubic_a(metal_cif, n)
    return [f"# CONSTRUCTED model: {name}, {prototype}, {sg}, {sites}; a={a:.4f} A is an ESTIMATE, not experiment",
            f"# (Zen's law: a^3 = {n} (V_Li + V_M) from the catalogue's Li_bcc.cif and {metal_cif} volumes per "
            "atom, scripts/build_alloy_cifs.py; no citable measured lattice parameter was found; relax the cell)"]


NATL_SITES = "Li 8a (1/8,1/8,1/8) + {m} 8b (3/8,3/8,3/8) (origin choice 2)"

PHASES = {
    # file: (space group, lattice, species, Wyckoff coordinates, header lines)
    "Li3Bi_D03.cif": (
        "Fm-3m", Lattice.cubic(6.722), ["Bi", "Li", "Li"],
        [[0, 0, 0], [0.5, 0.5, 0.5], [0.25, 0.25, 0.25]],
        ["# CONSTRUCTED from published crystallography: Li3Bi, BiF3 (D0_3) type, Fm-3m, Bi 4a (0,0,0), "
         "Li 4b (1/2,1/2,1/2) + 8c (1/4,1/4,1/4); a=6.722 A",
         "# (compiled value listed for BiLi3 under the BiF3/D0_3 type in the GAMGI structure library, after De Graef "
         "& McHenry, Structure of Materials, CUP 2007; primary measurement not checked)"]),
    "Bi_rhombohedral.cif": (
        "R-3m", Lattice.hexagonal(4.546, 11.862), ["Bi"], [[0, 0, 0.23389]],
        ["# CONSTRUCTED from published crystallography: alpha-Bi (A7), R-3m (hexagonal setting), Bi 6c (0,0,z) "
         "z=0.23389; a=4.546, c=11.862 A",
         "# Cucka & Barrett, Acta Cryst. 15 (1962) 865 (COD 2310889; as converted in NCrystal data/Bi_sg166.ncmat)"]),
    "Zn_hcp.cif": (
        "P6_3/mmc", Lattice.hexagonal(2.6648, 4.9467), ["Zn"], [[1 / 3, 2 / 3, 0.25]],
        ["# CONSTRUCTED from published crystallography: Zn (A3), P6_3/mmc, Zn 2c (1/3,2/3,1/4); a=2.6648, "
         "c=4.9467 A (room temperature)",
         "# Wyckoff, Crystal Structures vol. 1 (1963), AMCSD 0011200 (as converted in NCrystal data/Zn_sg194.ncmat)"]),
    "Al_fcc.cif": (
        "Fm-3m", Lattice.cubic(4.04958), ["Al"], [[0, 0, 0]],
        ["# CONSTRUCTED from published crystallography: Al fcc, Fm-3m, Al 4a; a=4.04958 A (room temperature)",
         "# Wyckoff, Crystal Structures vol. 1 (1963), AMCSD 0011136 (as converted in NCrystal data/Al_sg225.ncmat)"]),
    "In_tetragonal.cif": (
        "I4/mmm", Lattice.tetragonal(3.2517, 4.9459), ["In"], [[0, 0, 0]],
        ["# CONSTRUCTED from published crystallography: In (A6), I4/mmm, In 2a (0,0,0); a=3.2517, c=4.9459 A",
         "# NBS Circular 539 vol. 3 p. 12 (powder pattern PDF 5-642), as quoted for native indium in the "
         "mineral.cz database"]),
    "Sn_beta.cif": (
        "I4_1/amd", Lattice.tetragonal(5.8197, 3.17488), ["Sn"], [[0, 0, 0]],
        ["# CONSTRUCTED from published crystallography: beta-Sn (A5), I4_1/amd (origin choice 1), Sn 4a (0,0,0); "
         "a=5.8197, c=3.17488 A (room temperature)",
         "# Wyckoff, Crystal Structures vol. 1 (1963), AMCSD 0011248 (as converted in NCrystal data/Sn_sg141.ncmat)"]),
}

# NaTl (B32) LiM phases and B2 LiAg: Wyckoff positions of the structure type, lattice from
# Zen's law (see zen_cubic_a): no citable measured lattice parameter was found for them.
for _m, _cif in (("Al", "Al_fcc.cif"), ("Zn", "Zn_hcp.cif"), ("In", "In_tetragonal.cif")):
    PHASES[f"Li{_m}_NaTl.cif"] = (
        "Fd-3m:2", Lattice.cubic(zen_cubic_a(_cif, 8)), ["Li", _m],
        [[1 / 8, 1 / 8, 1 / 8], [3 / 8, 3 / 8, 3 / 8]],
        _zen_header(f"Li{_m}", "NaTl (B32) type", "Fd-3m", NATL_SITES.format(m=_m), _cif, 8))
PHASES["LiAg_B2.cif"] = (
    "Pm-3m", Lattice.cubic(zen_cubic_a("Ag_fcc.cif", 1)), ["Li", "Ag"],
    [[0, 0, 0], [0.5, 0.5, 0.5]],
    _zen_header("LiAg", "CsCl (B2) type", "Pm-3m", "Li 1a (0,0,0) + Ag 1b (1/2,1/2,1/2)", "Ag_fcc.cif", 1))


def main() -> None:
    for file, (sg, lattice, species, coords, header) in PHASES.items():
        s = Structure.from_spacegroup(sg, lattice, species, coords)
        text = str(CifWriter(s, symprec=1e-3))
        (OUT / file).write_text("\n".join(header) + "\n" + text)
        print(f"{file}: {s.composition.formula} ({len(s)} atoms)")


if __name__ == "__main__":
    main()
