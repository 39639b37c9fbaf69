"""A stand-in for Quantum ESPRESSO's pw.x (6.7) in tests: ``python fake_pw.py -in espresso.pwi``.

It reads the pw.x input with ASE (``format="espresso-in"``), computes energy, forces and stress
with ASE's EMT (elements Al Cu Ag Au Ni Pd Pt; the cell taken as periodic, as pw.x does) and
writes, on standard output, the blocks of a pw.x 6.7 output that ASE's ``read_espresso_out``
reads: the start (``Program PWSCF``, celldm, cell, positions in alat units), ``!    total
energy``, the smearing contribution, ``Forces acting on atoms`` (Ry/au), ``total   stress``
(Ry/bohr³, pw.x's sign: minus ASE's) and ``JOB DONE.``. Numbers are printed with more digits
than pw.x's so that they read back to ~1e-12.

Like pw.x it stops with an error box (exit code 1) when a UPF file named in ATOMIC_SPECIES is
not in ``pseudo_dir``, reads the charge density and wave functions from
``<outdir>/<prefix>.save/`` when asked (``startingpot``/``startingwfc = 'file'``) and writes
them there at the end. Environment variables make it fail the ways pw.x fails:

* ``FAKE_PW_ERROR=<text>``: the ``%%%%`` error box "Error in routine c_bands (1): <text>",
  also in a ``CRASH`` file, exit code 1;
* ``FAKE_PW_UNCONVERGED=1``: "convergence NOT achieved after N iterations: stopping", exit 2;
* ``FAKE_PW_LOG=<path>``: append one line per run (the input's startingpot/startingwfc).
"""

import os
import sys
from pathlib import Path

from ase.calculators.emt import EMT
from ase.io import read
from ase.io.espresso import read_fortran_namelist
from ase.io.espresso import units as QE_UNITS  # CODATA 2006, pw.x's and ASE's reader's

Ry, Bohr = QE_UNITS["Ry"], QE_UNITS["Bohr"]

BAR = " " + "%" * 78


def error_box(routine: str, message: str) -> str:
    return f"\n{BAR}\n     Error in routine {routine} (1):\n     {message}\n{BAR}\n\n     stopping ...\n"


def stop(routine: str, message: str, out) -> None:
    box = error_box(routine, message)
    out.write(box)
    Path("CRASH").write_text(box)
    sys.exit(1)


def main(argv) -> None:
    path = argv[argv.index("-in") + 1] if "-in" in argv else None
    out = sys.stdout
    out.write("\n     Program PWSCF v.6.7MaX starts on  1Jan2024 at  0: 0: 0 \n\n")
    if path is None or not Path(path).is_file():
        stop("read_input", f"file {path} not found", out)
    with open(path) as fd:
        data, cards = read_fortran_namelist(fd)
    control, system, electrons = data["control"], data["system"], data.get("electrons", {})
    pseudo = Path(control.get("pseudo_dir", "."))
    species = cards[cards.index(next(c for c in cards if c.startswith("ATOMIC_SPECIES"))) + 1:]
    for line in species[:int(system["ntyp"])]:
        upf = pseudo / line.split()[2]
        if not upf.is_file():
            stop("readpp", f"file {upf} not found", out)
    save = Path(control.get("outdir", "./")) / f"{control.get('prefix', 'pwscf')}.save"
    if log := os.environ.get("FAKE_PW_LOG"):
        with open(log, "a") as fd:
            fd.write(f"startingpot={electrons.get('startingpot', 'atomic')} "
                     f"startingwfc={electrons.get('startingwfc', 'atomic+random')}\n")
    if electrons.get("startingpot") == "file":
        if (save / "charge-density.dat").is_file():
            out.write(f"     The initial density is read from file :\n     {save}/charge-density\n")
        else:
            out.write("     Cannot read rho : file not found\n")
    if electrons.get("startingwfc") == "file" and (save / "wfc1.dat").is_file():
        out.write("     Starting wfc from file\n")

    atoms = read(path, format="espresso-in")
    atoms.pbc = True
    alat = atoms.cell.lengths()[0]
    out.write(f"     lattice parameter (alat)  = {alat / Bohr:12.4f}  a.u.\n")
    out.write(f"     number of atoms/cell      = {len(atoms):12d}\n")
    out.write(f"     number of atomic types    = {int(system['ntyp']):12d}\n")
    out.write(f"\n     celldm(1)= {alat / Bohr:.12f}  celldm(2)=   0.000000  celldm(3)=   0.000000\n")
    out.write("\n     crystal axes: (cart. coord. in units of alat)\n")
    for i, vec in enumerate(atoms.cell / alat, 1):
        out.write(f"               a({i}) = ( {vec[0]:.15f} {vec[1]:.15f} {vec[2]:.15f} )  \n")
    out.write("\n     site n.     atom                  positions (alat units)\n")
    symbols = atoms.get_chemical_symbols()
    for i, (sym, pos) in enumerate(zip(symbols, atoms.positions / alat, strict=True), 1):
        out.write(f"     {i:5d}           {sym:3s} tau({i:4d}) = (  {pos[0]:.15f}  {pos[1]:.15f}"
                  f"  {pos[2]:.15f}  )\n")

    steps = int(electrons.get("electron_maxstep", 100))
    if os.environ.get("FAKE_PW_UNCONVERGED"):
        out.write(f"\n     convergence NOT achieved after {steps:4d} iterations: stopping\n")
        sys.exit(2)
    if message := os.environ.get("FAKE_PW_ERROR"):
        stop("c_bands", message, out)

    atoms.calc = EMT()
    energy = atoms.get_potential_energy()
    forces = atoms.get_forces(apply_constraint=False)  # pw.x prints the unconstrained forces
    stress = atoms.get_stress()
    out.write("\n     End of electronic iterations\n")  # not pw.x's 'End of self-consistent'
    out.write(f"\n!    total energy              = {energy / Ry:22.14f} Ry\n")
    out.write("     smearing contrib. (-TS)   =       0.00000000 Ry\n")
    out.write("\n     convergence has been achieved in   7 iterations\n")
    out.write("\n     Forces acting on atoms (cartesian axes, Ry/au):\n\n")
    for i, f in enumerate(forces / (Ry / Bohr), 1):
        out.write(f"     atom {i:4d} type  1   force = {f[0]:22.14f}{f[1]:22.14f}{f[2]:22.14f}\n")
    s = -stress / (Ry / Bohr**3)  # pw.x's sign: minus ASE's
    full = [[s[0], s[5], s[4]], [s[5], s[1], s[3]], [s[4], s[3], s[2]]]
    out.write(f"\n\n     Computing stress (Cartesian axis) and pressure\n\n"
              f"          total   stress  (Ryd/bohr**3)                   (kbar)     P="
              f"{(s[0] + s[1] + s[2]) / 3 * 147105.08:12.2f}\n")
    for row in full:
        out.write("  " + "".join(f"{x:22.14f}" for x in row)
                  + "".join(f"{x * 147105.08:12.2f}" for x in row) + "\n")
    save.mkdir(parents=True, exist_ok=True)
    (save / "charge-density.dat").write_text(f"{energy!r}\n")
    (save / "wfc1.dat").write_text(f"{energy!r}\n")
    (save / "data-file-schema.xml").write_text("<qes:espresso/>\n")
    out.write("\n     Writing output data file ./espresso.save/\n\n     JOB DONE.\n")


if __name__ == "__main__":
    main(sys.argv[1:])
