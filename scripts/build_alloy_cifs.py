"""Build the issue-19 bulk CIFs (Li-rich alloy and element references) from space group,
lattice parameters and Wyckoff positions with pymatgen, and prepend each file's source line.

Run from the repository root: ``python scripts/build_alloy_cifs.py``. The numbers below are
the ones cited in each header (and in catalogue.json / SOURCES.md); change them only with a
new source.
"""

from pathlib import Path

from pymatgen.core import Lattice, Structure
from pymatgen.io.cif import CifWriter

OUT = Path(__file__).resolve().parents[1] / "src/interfacemodel/structures/data/bulk"

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


def main() -> None:
    for file, (sg, lattice, species, coords, header) in PHASES.items():
        s = Structure.from_spacegroup(sg, lattice, species, coords)
        text = str(CifWriter(s, symprec=1e-3))
        (OUT / file).write_text("\n".join(header) + "\n" + text)
        print(f"{file}: {s.composition.formula} ({len(s)} atoms)")


if __name__ == "__main__":
    main()
