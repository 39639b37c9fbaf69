"""A stand-in for the VASP executable (tests only): ``python fake_vasp.py`` in a folder holding
INCAR, KPOINTS, POSCAR and POTCAR computes the POSCAR's energy, forces and stress with ASE's
EMT (Cu, Ag, Au, Al, Ni, Pd, Pt) and writes what VASP writes for a single point: vasprun.xml
(read by pymatgen's Vasprun and by ase.io.read(format="vasp-xml")), OSZICAR, OUTCAR, CONTCAR,
WAVECAR (a marker) and VASP-like lines on stdout (custodian's vasp.out).

Units and signs as VASP's: energies eV, forces eV/Å (minus the gradient), stress in kB with
VASP's sign (positive = the cell pushes outwards, the negative of ASE's stress).

Behaviour switches (environment variables, inherited through custodian's VaspJob):

* ``FAKE_VASP_FAIL=<message>``: print the message in a VASP error box on stdout, write no
  vasprun.xml and exit with code ``FAKE_VASP_EXIT_CODE`` (default 1). A message custodian's
  VaspErrorHandler knows (e.g. "ZBRENT: fatal error in bracketing") is corrected and rerun by
  custodian, and fails again until its error budget is spent.
* ``FAKE_VASP_UNCONVERGED=1``: the electronic loop runs NELM steps without converging (the
  energies are written all the same, as VASP does); exit code 0.
* ``FAKE_VASP_CONVERGES_WITH_ALGO=<ALGO>``: unconverged as above unless INCAR's ALGO is this
  (custodian's UnconvergedErrorHandler climbs Fast -> Normal -> All).
* ``FAKE_VASP_SLEEP_S=<seconds>``: sleep before computing (a run long enough to be killed).

The process id is written to ``fake_vasp.pid`` (a test can end a stand-in left running) and
appended to ``fake_vasp.calls`` (how many times VASP ran in the folder).
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
from ase.calculators.emt import EMT
from ase.io import read, write
from ase.units import GPa

CONVERGED_SCF_STEPS = 6  # from scratch; 3 when a WAVECAR is read (ISTART=1)


def read_incar(path="INCAR") -> dict[str, str]:
    tags = {}
    for line in Path(path).read_text().splitlines():
        line = line.split("#")[0].split("!")[0]
        if "=" in line:
            key, _, value = line.partition("=")
            tags[key.strip().upper()] = value.strip()
    return tags


def read_kpoints(path="KPOINTS") -> tuple[str, list[int]]:
    lines = Path(path).read_text().splitlines()
    return lines[2].strip(), [int(k) for k in lines[3].split()[:3]]


def read_potcar(path="POTCAR") -> tuple[list[str], list[float]]:
    """The TITEL and the valence charge (ZVAL) of each potential in POTCAR."""
    text = Path(path).read_text()
    titles = [line.split("=", 1)[1].strip() for line in text.splitlines()
              if line.strip().startswith("TITEL")]
    return titles, [float(z) for z in re.findall(r"ZVAL\s*=\s*([\d.]+)", text)]


def fail(message: str) -> None:
    bar = " " + "-" * 77
    print(bar)
    print("|" + " " * 77 + "|")
    print("|     EEEEEEE  RRRRRR   RRRRRR   OOOOOOO  RRRRRR      ###     ###     ###      |")
    print("|" + " " * 77 + "|")
    print(f"|     {message:<72}|")
    print("|" + " " * 77 + "|")
    print(bar)
    sys.stdout.flush()
    print(f"Error: {message}", file=sys.stderr)
    sys.exit(int(os.environ.get("FAKE_VASP_EXIT_CODE", "1")))


def vec(values, fmt="{:16.8f}") -> str:
    return " ".join(fmt.format(float(v)) for v in values)


def varray(name: str, rows, fmt="{:16.8f}", typ: str = "") -> list[str]:
    attr = f' type="{typ}"' if typ else ""
    return ([f'  <varray name="{name}"{attr} >']
            + [f"   <v{attr}> {vec(r, fmt) if not typ else ' '.join(r)} </v>" for r in rows]
            + ["  </varray>"])


def structure_xml(atoms, name: str | None = None, selective=None) -> list[str]:
    head = f'<structure name="{name}" >' if name else "<structure>"
    rec = np.linalg.inv(atoms.cell.array).T
    out = [f" {head}", "  <crystal>", *["  " + s for s in varray("basis", atoms.cell.array)],
           f'   <i name="volume">{atoms.get_volume():16.8f} </i>',
           *["  " + s for s in varray("rec_basis", rec)], "  </crystal>",
           *varray("positions", atoms.get_scaled_positions(wrap=False))]
    if selective is not None:
        out += varray("selective", selective, typ="logical")
    return out + [" </structure>"]


def energies_xml(e_fr: float, e_wo: float, e_0: float, indent: str) -> list[str]:
    return [f"{indent}<energy>",
            f'{indent} <i name="e_fr_energy"> {e_fr:16.8f} </i>',
            f'{indent} <i name="e_wo_entrp"> {e_wo:16.8f} </i>',
            f'{indent} <i name="e_0_energy"> {e_0:16.8f} </i>',
            f"{indent}</energy>"]


def main() -> None:
    Path("fake_vasp.pid").write_text(str(os.getpid()))
    with open("fake_vasp.calls", "a") as fd:  # one line per run: how often VASP ran here
        fd.write(f"{os.getpid()}\n")
    incar = read_incar()
    atoms = read("POSCAR", format="vasp")
    print(f" running on    1 total cores\n POSCAR found :  {len(set(atoms.numbers))} types and "
          f"{len(atoms)} ions", flush=True)
    if os.environ.get("FAKE_VASP_SLEEP_S"):
        time.sleep(float(os.environ["FAKE_VASP_SLEEP_S"]))
    if os.environ.get("FAKE_VASP_FAIL"):
        fail(os.environ["FAKE_VASP_FAIL"])
    titles, zval = read_potcar()
    species = list(dict.fromkeys(atoms.get_chemical_symbols()))
    if len(titles) != len(species):
        fail(f"POTCAR holds {len(titles)} potentials, POSCAR {len(species)} species")
    style, grid = read_kpoints()

    atoms.calc = EMT()
    energy = float(atoms.get_potential_energy())
    forces = atoms.get_forces(apply_constraint=False)
    stress_kB = -atoms.get_stress(voigt=False) / (0.1 * GPa)  # VASP's sign and unit
    ts = 1e-3 * len(atoms)  # a made-up smearing term, so that e_0, e_fr and e_wo differ
    e_fr, e_wo, e_0 = energy - ts, energy + ts, energy

    nelm = int(incar.get("NELM", 60))
    algo = incar.get("ALGO", "Normal")
    unconverged = (os.environ.get("FAKE_VASP_UNCONVERGED") == "1"
                   or os.environ.get("FAKE_VASP_CONVERGES_WITH_ALGO", algo).lower()
                   != algo.lower())
    restart = int(incar.get("ISTART", 0)) >= 1 and Path("WAVECAR").is_file()
    if restart:
        print(" WAVECAR found, reading the wave functions", flush=True)
    n_scf = nelm if unconverged else (3 if restart else CONVERGED_SCF_STEPS)
    # the SCF energies approach the converged one; an unconverged run stays 0.1 eV away
    scf = [e_fr + (0.1 if unconverged else 0.0) + 10.0 * 0.1 ** i for i in range(n_scf)]
    scf[-1] = e_fr if not unconverged else scf[-1]

    with open("OSZICAR", "w") as fd:
        fd.write("       N       E                     dE             d eps       ncg     rms"
                 "          rms(c)\n")
        for i, e in enumerate(scf, start=1):
            line = f"DAV: {i:3d}    {e: .12E}   {e - (scf[i - 2] if i > 1 else 0): .5E}" \
                   f"   {-1e-3: .5E}   384   0.100E+00\n"
            fd.write(line)
            print(line.rstrip())
        fd.write(f"   1 F= {scf[-1]: .8E} E0= {e_0: .8E}  d E = {scf[-1]: .6E}\n")
    print(f"   1 F= {scf[-1]: .8E} E0= {e_0: .8E}  d E = {scf[-1]: .6E}")

    symbols = atoms.get_chemical_symbols()
    fixed = {i for c in atoms.constraints for i in c.get_indices()}
    selective = ([["F"] * 3 if i in fixed else ["T"] * 3 for i in range(len(atoms))]
                 if atoms.constraints else None)
    masses = {s: atoms[symbols.index(s)].mass for s in species}
    nelect = sum(z * symbols.count(s) for s, z in zip(species, zval, strict=True))
    xml = ['<?xml version="1.0" encoding="ISO-8859-1"?>', "<modeling>", " <generator>",
           '  <i name="program" type="string">vasp </i>',
           '  <i name="version" type="string">6.4.2 </i>',
           '  <i name="subversion" type="string">fake_vasp.py stand-in (EMT) </i>',
           '  <i name="platform" type="string">LinuxGNU </i>',
           f'  <i name="date" type="string">{time.strftime("%Y %m %d")} </i>',
           f'  <i name="time" type="string">{time.strftime("%H:%M:%S")} </i>',
           " </generator>", " <incar>"]
    xml += [f'  <i type="string" name="{k}">{escape(v)}</i>' for k, v in incar.items()]
    xml += [" </incar>", " <kpoints>", f'  <generation param="{style}">',
            f'   <v type="int" name="divisions"> {" ".join(map(str, grid))} </v>',
            '   <v name="usershift"> 0.0 0.0 0.0 </v>', "  </generation>",
            *varray("kpointlist", [[0.0, 0.0, 0.0]]), *varray("weights", [[1.0]]),
            " </kpoints>", " <parameters>", '  <separator name="electronic" >',
            f'   <i type="string" name="ALGO">{algo}</i>',
            f'   <i type="int" name="NELM"> {nelm} </i>',
            f'   <i name="NELECT"> {nelect:.8f} </i>',
            f'   <i name="EDIFF"> {float(incar.get("EDIFF", 1e-4)):.2E} </i>',
            f'   <i type="int" name="ISPIN"> {int(incar.get("ISPIN", 1))} </i>',
            f'   <i type="int" name="ISMEAR"> {int(incar.get("ISMEAR", 1))} </i>',
            f'   <i name="SIGMA"> {float(incar.get("SIGMA", 0.2)):.8f} </i>',
            "  </separator>", '  <separator name="ionic" >',
            f'   <i type="int" name="NSW"> {int(incar.get("NSW", 0))} </i>',
            f'   <i type="int" name="IBRION"> {int(incar.get("IBRION", -1))} </i>',
            '   <i name="PSTRESS"> 0.0 </i>', "  </separator>", " </parameters>",
            " <atominfo>", f"  <atoms> {len(atoms)} </atoms>", f"  <types> {len(species)} </types>",
            '  <array name="atoms" >', '   <dimension dim="1">ion</dimension>',
            '   <field type="string">element</field>', '   <field type="int">atomtype</field>',
            "   <set>"]
    xml += [f"    <rc><c>{s:2s}</c><c>{species.index(s) + 1:4d}</c></rc>" for s in symbols]
    xml += ["   </set>", "  </array>", '  <array name="atomtypes" >',
            '   <dimension dim="1">type</dimension>', '   <field type="int">atomspertype</field>',
            '   <field type="string">element</field>', "   <field>mass</field>",
            "   <field>valence</field>", '   <field type="string">pseudopotential</field>',
            "   <set>"]
    xml += [f"    <rc><c>{symbols.count(s):4d}</c><c>{s:2s}</c><c>{masses[s]:12.4f}</c>"
            f"<c>{z:12.4f}</c><c>  {escape(t)} </c></rc>"
            for s, t, z in zip(species, titles, zval, strict=True)]
    xml += ["   </set>", "  </array>", " </atominfo>",
            *structure_xml(atoms, "initialpos", selective), " <calculation>"]
    for i, e in enumerate(scf):
        last = i == len(scf) - 1
        xml += ["  <scstep>", '   <time name="dav"> 0.01 0.01 </time>',
                *energies_xml(e, e + 2 * ts, e_0 if last else e + ts, "   "), "  </scstep>"]
    xml += [*["  " + s for s in structure_xml(atoms)], *varray("forces", forces),
            *varray("stress", stress_kB), *energies_xml(e_fr, e_wo, e_0, "  "),
            '  <time name="totalsc"> 0.06 0.06 </time>', " </calculation>",
            *structure_xml(atoms, "finalpos", selective), "</modeling>"]
    Path("vasprun.xml").write_text("\n".join(xml) + "\n")

    Path("OUTCAR").write_text(
        f" vasp.6.4.2 fake_vasp.py stand-in\n POSCAR = {' '.join(species)}\n"
        f"  free  energy   TOTEN  = {e_fr:18.8f} eV\n"
        f"  energy  without entropy= {e_wo:18.8f}  energy(sigma->0) = {e_0:18.8f}\n")
    write("CONTCAR", atoms, format="vasp", direct=True)
    if incar.get("LWAVE", "").upper().strip(".").startswith("T"):
        Path("WAVECAR").write_bytes(b"fake wave functions\n")


if __name__ == "__main__":
    main()
