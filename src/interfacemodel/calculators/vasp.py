"""VASP single points run through custodian, as an ASE calculator.

Inputs come from a pymatgen input set (``input_set``, default ``MPStaticSet``) with the
package's settings for Li / coating systems on top, every one an option of the ``vasp``
backend (``interfacemodel calculators``; declared, with their reasons, in
:mod:`.backends`):

* ``ENCUT`` 520 eV (the Materials Project's: converged for Li_sv, F and O);
* k-points: an explicit Γ-centred grid at ``kpt_density`` 3.5 per Å⁻¹ of reciprocal length
  (ASE's ``kptdensity2monkhorstpack``, as GPAW and CP2K here), 1 along z for a slab model
  (at least 5 Å of vacuum along z, :mod:`.cells`); Γ-centred because an even Monkhorst-Pack
  grid breaks the hexagonal symmetry of the (0001) and (111) cells, odd grids are the same;
* ``ISMEAR`` 1 (Methfessel-Paxton, ``smearing``) with ``SIGMA`` 0.1 eV: Li is a metal;
  the energy handed back is the σ→0 one;
* ``ISPIN`` 1 (``spin_polarized``): Li metal and the closed-shell coatings are not magnetic;
* a dipole correction along z for slab models (``dipole_correction`` auto|on|off):
  ``LDIPOL = .TRUE.``, ``IDIPOL = 3``, ``DIPOL`` the slab's centre of mass in fractional
  coordinates (along z measured across the vacuum gap, so a slab cut by the cell's face is
  one slab); without it the two surfaces of an asymmetric slab (Li on one side, the coating
  on the other) see a spurious field;
* ``EDIFF`` 1e-6 eV (``ediff_eV``, forces for a 0.01-0.05 eV/Å relaxation),
  ``NELM`` 100 and ``ALGO`` Fast (the Materials Project's, ``nelm``, ``algo``);
* a single point: ``NSW = 0``, ``IBRION = -1``, ``ISIF = 2`` (the stress is computed, the
  cell not moved); ``LWAVE = .TRUE.`` and ``ISTART = 1``, so the next ionic step in the same
  folder starts from this step's WAVECAR; ``LCHARG``, ``LAECHG``, ``LVHAR``, ``LVTOT``,
  ``LELF`` off and no ``LORBIT`` (nothing per ionic step that is not read);
* atoms under ASE's ``FixAtoms`` are written as selective dynamics (``F F F``): VASP does not
  need them for a single point, but the POSCAR of a step is then a complete record of it.

POSCAR lists the atoms grouped by element (in the order elements first appear); results are
handed back in the caller's order.

Where VASP runs (the conventions of :mod:`.site`, the ``env`` of the worker's
``my_fworker.yaml``):

* ``vasp_cmd``: the command, program last (``srun vasp_std``, ``mpirun -np 64 vasp_std``);
  its launcher and its program are checked to exist before anything runs;
* ``vasp_potcar_dir``: a folder of VASP's POTCARs in the layout VASP distributes them,
  ``<vasp_potcar_dir>/<symbol>/POTCAR`` (e.g. ``/apps/vasp/potpaw_PBE.54``, holding
  ``Li_sv/POTCAR``, ``F/POTCAR``). POTCAR is the concatenation of the files of the input
  set's ``potcar_symbols`` in POSCAR's element order; the set names the functional the folder
  must be of (``MPStaticSet``: PBE; ``MPScanStaticSet``: PBE_54). ``POTCAR.spec`` beside it
  lists the symbols. pymatgen's own ``PMG_VASP_PSP_DIR`` is not used: the POTCARs are a
  property of the machine, like the command.

A missing key, folder or POTCAR is one line naming it and where to set it.

The run: custodian's ``VaspJob`` (outputs ``vasp.out``, ``std_err.txt``; inputs backed up as
``*.orig``) under ``Custodian`` with two handlers that make sense for a single point:
``VaspErrorHandler`` (VASP's known crashes on its output: sub-space matrix, ZHEGV, k-mesh
symmetry, too few bands, a corrupt WAVECAR ...; each with custodian's known fix) and
``UnconvergedErrorHandler`` (a vasprun.xml whose electronic loop hit NELM: the ALGO ladder
Fast → Normal → All, then mixing). ``NonConvergingErrorHandler`` is not used: it looks for ten
consecutive ionic steps at NELM in OSZICAR, which a single point never has. Custodian keeps
what it corrected in ``custodian.json`` and the failed run's files in ``error.N.tar.gz``;
an INCAR change it made (e.g. ``ALGO = All``) is carried to the later ionic steps of the
same calculator, with a warning (its provenance still records the options it was given). At
most :data:`MAX_ERRORS` corrections per single point. Errors, one line each:

* VASP exits non-zero and no handler knows the message: ``CalculatorRunError`` with the exit
  code and VASP's reason (its error box in vasp.out, else the end of std_err.txt);
* custodian gives up on the electronic convergence, or a vasprun.xml says the SCF did not
  converge: ``SCFNotConvergedError`` naming the folder and the options to change;
* custodian gives up on another error: ``CalculatorRunError`` naming custodian's errors.

After a failure the calculator holds no results: asking again runs VASP again.

Outputs are read with pymatgen's ``Vasprun``; the energy is ASE's convention (as
``ase.io.read(..., format="vasp-xml")``): the σ→0 energy, computed as the final
``e_fr_energy`` plus ``e_0_energy - e_fr_energy`` of the last electronic step (the
``e_0_energy`` of the ionic step itself is wrong in some VASP versions), less PSTRESS·V;
``free_energy`` the Mermin free energy ``e_fr_energy``; forces in eV/Å; stress in eV/Å³
with ASE's sign (positive = tensile, the negative of VASP's kB), Voigt order xx yy zz yz xz xy.

Why relaxations are ASE's optimiser over VASP single points, not VASP's IBRION: one
relaxation path for every calculator of the package: ``FixAtoms``, the force criterion,
``relax_normal_cell``, the checkpoint journal and the resume of a killed run at its last
saved ionic step are the package's (:func:`interfacemodel.run.relax.relax`), and records
from VASP, CP2K and the ML potentials mean the same. ``WAVECAR`` reuse (``ISTART = 1`` in the
step's folder) keeps the SCF of a later ionic step short; the price is VASP's start-up (POTCAR
set-up, FFT plans, the first subspace diagonalisation) once per ionic step, which is small
next to the SCF of a few-hundred-atom interface.

Folders: files go to ``self.directory``, which the flow layer sets to the running step's
folder. The first calculation of a calculator in a folder sets the outputs of an earlier
(killed) run aside as ``<name>.N`` and keeps its WAVECAR; later calculations replace the
previous step's outputs. A Firework whose VASP run failed is FIZZLED with this module's
one-line reason in ``interfacemodel status``; after the fix (the input, the option or the
worker's ``env``), ``interfacemodel rerun --fizzled`` and ``interfacemodel run`` run it again,
and its relaxation resumes at its last saved ionic step.
"""

from __future__ import annotations

import re
import shlex
import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from ase.calculators.calculator import Calculator, all_changes
from ase.units import GPa

from ..errors import CalculatorRunError, CalculatorUnavailableError, SCFNotConvergedError
from .cells import kpoint_grid, uses_dipole_correction
from .site import set_aside, site_setting

COMMAND_EXAMPLE = "srun vasp_std"
POTCAR_DIR_EXAMPLE = "/apps/vasp/potpaw_PBE.54"
INPUT_SETS = ("MPStaticSet", "MPScanStaticSet")
#: ``smearing`` option -> ISMEAR
ISMEAR = {"methfessel-paxton": 1, "gaussian": 0, "fermi-dirac": -1}
#: custodian's corrections per single point before it gives up
MAX_ERRORS = 5
#: seconds between custodian's checks whether VASP has ended; its monitors (the error
#: handler on vasp.out) read the output every MONITOR_EVERY polls (30 s)
POLL_S = 0.2
MONITOR_EVERY = 150
#: what a VASP run writes and the next run of the same folder replaces
OUTPUTS = ("vasprun.xml", "vasp.out", "std_err.txt", "OUTCAR", "OSZICAR", "CONTCAR",
           "custodian.json")
KBAR_TO_EV_PER_A3 = 0.1 * GPa


# -- where VASP is ---------------------------------------------------------------------------

def check_command(command: str) -> list[str]:
    """The words of ``command``; its launcher (first word after ``env`` and ``VAR=value``) and
    its program (the last word, VASP's convention and custodian's) exist, on PATH or as a
    file."""
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise CalculatorUnavailableError(
            f"vasp: vasp_cmd {command!r} is not a command: {exc}") from None
    launcher = next((w for w in words if "=" not in w and w != "env"), None)
    if launcher is None:
        raise CalculatorUnavailableError(
            f"vasp: vasp_cmd {command!r} names no program; expected e.g. {COMMAND_EXAMPLE!r}")
    for program in dict.fromkeys([launcher, words[-1]]):
        if shutil.which(program) is None and not Path(program).is_file():
            raise CalculatorUnavailableError(
                f"vasp: {program!r} of vasp_cmd {command!r} is not an executable on PATH; set "
                f"vasp_cmd in the worker's env (my_fworker.yaml) to the site's VASP command, "
                f"program last, e.g. {COMMAND_EXAMPLE!r}")
    return words


def potcar_dir() -> Path:
    """``vasp_potcar_dir`` of the worker's env, checked to be a folder."""
    path = Path(site_setting("vasp_potcar_dir", "vasp", POTCAR_DIR_EXAMPLE)).expanduser()
    if not path.is_dir():
        raise CalculatorUnavailableError(
            f"vasp: vasp_potcar_dir {str(path)!r} is not a folder; set vasp_potcar_dir in the "
            f"worker's env (my_fworker.yaml) to the folder of VASP's POTCARs, "
            f"<dir>/<symbol>/POTCAR, e.g. {POTCAR_DIR_EXAMPLE!r}")
    return path


def assemble_potcar(symbols: list[str], folder: Path, functional: str) -> str:
    """The text of POTCAR: ``<folder>/<symbol>/POTCAR`` for each symbol, in order."""
    parts = []
    for symbol in symbols:
        path = folder / symbol / "POTCAR"
        if not path.is_file():
            raise CalculatorUnavailableError(
                f"vasp: no POTCAR for {symbol}: {path} not found; vasp_potcar_dir (worker's "
                f"env, my_fworker.yaml) must hold <symbol>/POTCAR of the {functional} POTCARs "
                f"for every symbol of the input set ({', '.join(symbols)})")
        text = path.read_text()
        parts.append(text if text.endswith("\n") else text + "\n")
    return "".join(parts)


# -- inputs ----------------------------------------------------------------------------------

def dipole_centre(atoms) -> list[float]:
    """The centre of mass in fractional coordinates (each in [0, 1)); along z measured from the
    middle of the largest vacuum gap, so that a slab cut by the cell's face counts as one."""
    frac = atoms.get_scaled_positions(wrap=True)
    z = np.sort(frac[:, 2])
    gaps = np.diff(np.concatenate([z, z[:1] + 1.0]))
    i = int(np.argmax(gaps))
    origin = z[i] + gaps[i] / 2  # the middle of the vacuum
    frac[:, 2] = (frac[:, 2] - origin) % 1.0
    masses = atoms.get_masses()
    centre = masses @ frac / masses.sum()
    centre[2] = (centre[2] + origin) % 1.0
    return [round(float(c), 6) for c in centre]


def element_order(atoms) -> np.ndarray:
    """Indices that group the atoms by element, elements in order of first appearance
    (POSCAR's order; stable within an element)."""
    symbols = atoms.get_chemical_symbols()
    first = {s: i for i, s in reversed(list(enumerate(symbols)))}
    return np.array(sorted(range(len(symbols)), key=lambda i: (first[symbols[i]], i)), dtype=int)


def incar_settings(atoms, options: dict[str, Any]) -> dict[str, Any]:
    """The INCAR tags set on top of the input set (``None`` removes a tag of the set)."""
    spin = bool(options["spin_polarized"])
    tags: dict[str, Any] = {
        "ENCUT": options["encut_eV"], "ISMEAR": ISMEAR[options["smearing"]],
        "SIGMA": options["sigma_eV"], "ISPIN": 2 if spin else 1, "EDIFF": options["ediff_eV"],
        "NELM": options["nelm"], "ALGO": options["algo"],
        "NSW": 0, "IBRION": -1, "ISIF": 2, "LWAVE": True, "ISTART": 1, "LCHARG": False,
        "LAECHG": False, "LVHAR": False, "LVTOT": False, "LELF": False, "LORBIT": None,
    }
    if not spin:
        tags["MAGMOM"] = None
    if uses_dipole_correction(atoms, options["dipole_correction"]):
        tags.update({"LDIPOL": True, "IDIPOL": 3, "DIPOL": dipole_centre(atoms)})
    return tags


def input_set(atoms, options: dict[str, Any], incar_fixes: dict[str, Any] | None = None):
    """The pymatgen input set for ``atoms`` grouped by element (:func:`element_order`)."""
    from pymatgen.io.ase import AseAtomsAdaptor
    from pymatgen.io.vasp import sets
    from pymatgen.io.vasp.inputs import Kpoints

    structure = AseAtomsAdaptor.get_structure(atoms[element_order(atoms)])  # FixAtoms kept
    incar = {**incar_settings(atoms, options), **(incar_fixes or {})}
    kpts = Kpoints.gamma_automatic(kpoint_grid(atoms, options["kpt_density"]))
    cls = getattr(sets, options["input_set"])
    return cls(structure, user_incar_settings=incar, user_kpoints_settings=kpts,
               sort_structure=False)


# -- outputs ---------------------------------------------------------------------------------

def vasp_reason(folder: Path) -> str:
    """VASP's reason for stopping, one line: the text of the last error box in vasp.out, else
    the last line of std_err.txt, else the last line of vasp.out."""
    out = folder / "vasp.out"
    text = out.read_text(errors="replace") if out.is_file() else ""
    boxes, box = [], None
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("|") and s.endswith("|"):
            inner = s.strip("|").strip()
            if box is None:
                box = []
            if inner and not re.fullmatch(r"[EROW#\s]+", inner):  # not the ERROR banner
                box.append(inner)
        elif box is not None:
            boxes.append(box)
            box = None
    if box:
        boxes.append(box)
    if boxes and boxes[-1]:
        return "vasp.out: " + " ".join(boxes[-1])
    for name, content in (("std_err.txt", None), ("vasp.out", text)):
        path = folder / name
        if content is None:
            content = path.read_text(errors="replace") if path.is_file() else ""
        last = next((ln.strip() for ln in reversed(content.splitlines()) if ln.strip()), "")
        if last:
            return f"{name}: {last}"
    return "no output in vasp.out or std_err.txt"


def read_results(folder: Path, natoms: int) -> tuple[dict[str, Any], bool]:
    """Energy, free energy, forces and stress (ASE's conventions, POSCAR order) of the
    single point in ``folder/vasprun.xml`` and whether its SCF converged."""
    from pymatgen.io.vasp.outputs import UnconvergedVASPWarning, Vasprun

    path = folder / "vasprun.xml"
    if not path.is_file():
        raise CalculatorRunError(f"vasp ended without writing {path}; {vasp_reason(folder)}")
    try:
        with warnings.catch_warnings():  # an unconverged run: the caller's error says so
            warnings.simplefilter("ignore", UnconvergedVASPWarning)
            run = Vasprun(str(path), parse_dos=False, parse_eigen=False,
                          parse_projected_eigen=False, parse_potcar_file=False)
        step = run.ionic_steps[-1]
        last_scf = step["electronic_steps"][-1]
        converged = bool(run.converged_electronic)
    except Exception as exc:  # noqa: BLE001  (a truncated file: XML, key or index errors)
        raise CalculatorRunError(
            f"vasp: {path} is incomplete ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}); {vasp_reason(folder)}") from None
    forces = np.asarray(step["forces"], dtype=float)
    if forces.shape != (natoms, 3):
        raise CalculatorRunError(f"vasp: {path} holds {len(forces)} atoms, the POSCAR "
                                 f"{natoms}: not this calculation's output")
    volume = run.final_structure.volume
    pstress = float(run.parameters.get("PSTRESS", 0.0) or 0.0) * KBAR_TO_EV_PER_A3
    free = float(step["e_fr_energy"]) - pstress * volume
    energy = free + float(last_scf["e_0_energy"]) - float(last_scf["e_fr_energy"])
    s = -np.asarray(step["stress"], dtype=float) * KBAR_TO_EV_PER_A3
    stress = np.array([s[0, 0], s[1, 1], s[2, 2], s[1, 2], s[0, 2], s[0, 1]])
    return {"energy": energy, "free_energy": free, "forces": forces, "stress": stress}, converged



# -- the calculator --------------------------------------------------------------------------

class VaspCalculator(Calculator):
    """VASP single points (energy, free energy, forces, stress) through custodian; see the
    module docstring. Files go to ``self.directory`` (the flow layer sets it to the running
    step's folder)."""

    implemented_properties = ["energy", "free_energy", "forces", "stress"]
    uses_directory = True

    def __init__(self, options: dict[str, Any], directory: str = "."):
        super().__init__(directory=directory)
        self.im_options = dict(options)
        self.vasp_cmd = site_setting("vasp_cmd", "vasp", COMMAND_EXAMPLE)
        self._cmd_words = check_command(self.vasp_cmd)
        self.potcar_dir = potcar_dir()
        #: INCAR tags custodian changed in an earlier single point, used in the later ones
        self.incar_fixes: dict[str, Any] = {}
        self._folders: set[Path] = set()

    # -- inputs --------------------------------------------------------------------------
    def write_inputs(self, atoms, directory) -> list[Path]:
        """Write INCAR, KPOINTS, POSCAR, POTCAR (and POTCAR.spec) for ``atoms`` into
        ``directory``; the POTCARs are checked before anything is written."""
        directory = Path(directory)
        vis = input_set(atoms, self.im_options, self.incar_fixes)
        potcar = assemble_potcar(list(vis.potcar_symbols), self.potcar_dir,
                                 vis.potcar_functional)
        directory.mkdir(parents=True, exist_ok=True)
        vis.write_input(str(directory), potcar_spec=True)
        (directory / "POTCAR").write_text(potcar)
        return [directory / n for n in ("INCAR", "KPOINTS", "POSCAR", "POTCAR", "POTCAR.spec")]

    # -- the run ---------------------------------------------------------------------------
    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        try:
            self.results = self._single_point(self.atoms, Path(self.directory).resolve())
        except BaseException:
            self.results = {}
            self.atoms = None  # nothing cached: asking again runs VASP again
            raise

    def _single_point(self, atoms, folder: Path) -> dict[str, Any]:
        folder.mkdir(parents=True, exist_ok=True)
        for name in OUTPUTS:  # an earlier (killed) run's: kept; this calculator's: replaced
            if folder not in self._folders:
                set_aside(folder / name)
            else:
                (folder / name).unlink(missing_ok=True)
        self._folders.add(folder)
        self.write_inputs(atoms, folder)
        self._custodian(folder)
        order = element_order(atoms)
        results, converged = read_results(folder, len(atoms))
        if not converged:
            raise self._not_converged(folder, "the vasprun.xml")
        back = np.argsort(order)
        results["forces"] = results["forces"][back]  # POSCAR order -> the caller's
        return results

    def _custodian(self, folder: Path) -> None:
        from custodian import Custodian
        from custodian.custodian import CustodianError, ReturnCodeError
        from custodian.vasp.handlers import UnconvergedErrorHandler, VaspErrorHandler
        from custodian.vasp.jobs import VaspJob
        from pymatgen.io.vasp.inputs import Incar

        # auto_gamma off: custodian would swap in '<program>.gamma' for a Γ-only grid, a
        # binary the site did not name; auto_npar off: parallelisation is the site's command
        job = VaspJob(self._cmd_words, auto_npar=False, auto_gamma=False, final=True,
                      backup=True)
        runner = Custodian(handlers=[VaspErrorHandler(), UnconvergedErrorHandler()],
                           jobs=[job], max_errors=MAX_ERRORS, directory=str(folder),
                           polling_time_step=POLL_S, monitor_freq=MONITOR_EVERY)
        try:
            runner.run()
        except ReturnCodeError:
            code = job._vasp_process.returncode
            raise CalculatorRunError(f"vasp exited with code {code} in {folder}; "
                                     f"{vasp_reason(folder)}") from None
        except CustodianError as exc:
            corrections = [c for entry in runner.run_log for c in entry["corrections"]]
            if corrections and type(corrections[-1]["handler"]).__name__ == \
                    "UnconvergedErrorHandler":
                raise self._not_converged(folder, f"custodian after {len(corrections)} "
                                                  f"corrections") from None
            errors = sorted({e for c in corrections for e in c.get("errors", [])})
            why = re.sub(r"<(?:\w+\.)*(\w+) object at 0x[0-9a-f]+>", r"\1", exc.message)
            raise CalculatorRunError(
                f"vasp failed in {folder}: custodian gave up ({type(exc).__name__}: {why}) on "
                f"{', '.join(map(str, errors)) or 'an error'} (custodian.json, "
                f"error.N.tar.gz); {vasp_reason(folder)}") from None
        self._carry_fixes(Incar.from_file(folder / "INCAR.orig"),
                          Incar.from_file(folder / "INCAR"), folder)

    def _carry_fixes(self, written, final, folder: Path) -> None:
        changed = {k: v for k, v in final.items() if written.get(k) != v}
        new = {k: v for k, v in changed.items() if self.incar_fixes.get(k) != v}
        if new:
            self.incar_fixes.update(new)
            warnings.warn(f"vasp: custodian changed INCAR in {folder} "
                          f"({', '.join(f'{k} = {v}' for k, v in new.items())}; custodian.json);"
                          f" the later single points of this calculator use it too",
                          stacklevel=4)

    def _not_converged(self, folder: Path, who: str) -> SCFNotConvergedError:
        o = self.im_options
        return SCFNotConvergedError(
            f"vasp: SCF not converged in {folder} ({who}: NELM={o['nelm']}, "
            f"EDIFF={o['ediff_eV']:g} eV, ALGO={o['algo']}, {o['smearing']} "
            f"SIGMA={o['sigma_eV']:g} eV); raise nelm, set algo=All or a wider sigma_eV "
            f"(e.g. vasp:nelm=200,algo=All)")


def make_vasp(options: dict[str, Any]) -> VaspCalculator:
    return VaspCalculator(options)
