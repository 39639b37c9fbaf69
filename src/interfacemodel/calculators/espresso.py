"""Quantum ESPRESSO (pw.x) run as the site's program, one single point per call.

The command is ``qe_cmd`` of the worker's ``env`` (:mod:`.site`; e.g. ``srun pw.x`` or
``mpirun -np 16 pw.x -nk 4``); the calculator runs ``<qe_cmd> -in espresso.pwi`` in the step's
folder (``calc.directory``, set by the flow layer), pw.x's output goes to ``espresso.pwo`` and
its standard error to ``espresso.err``. The command is read, and the programs it names are
looked up on PATH, at every calculation (not when the calculator is made): a calculator made
once per process takes the env of the Firework that runs it, and ``write_inputs`` works on a
machine without pw.x.

Pseudopotentials: ``qe_pseudo_dir`` of the worker's env (else ``$ESPRESSO_PSEUDO``, pw.x's own
fallback) is the folder of the UPF files; the file of element ``X`` is ``X<pseudo_suffix>``
(default ``X.UPF``: one link per element to the site's chosen library, e.g. SSSP or pslibrary,
whose own file names follow no one pattern), or the name the ``pseudos`` option gives it
(``pseudos=Li=li_pbe_v1.4.uspp.F.UPF;F=f_pbe_v1.4.uspp.F.UPF``). The folder is where the
calculation runs, not what it computes (not part of the calculator's identity); the file names
are options, so they are. A missing key, folder or file is one line naming it and where to set
it, before pw.x starts.

Defaults for Li / coating systems (every one an option, ``interfacemodel calculators``):

* cutoffs 60 Ry (wave functions) and 480 Ry (density): ultrasoft / PAW F and O need the most
  (SSSP efficiency 1.3: O 50/400, F 45/360 Ry), the margin keeps Pulay stress small;
* Monkhorst-Pack k-points at 3.5 per Å⁻¹ of reciprocal length, unshifted; 1 along z for a slab
  model (at least ``SLAB_VACUUM_A`` = 5 Å of vacuum along z, as CP2K's); Γ-only tricks
  (``K_POINTS gamma``) when the grid is 1×1×1;
* Marzari-Vanderbilt cold smearing of 0.01 Ry (Li is a metal; cold smearing keeps the energy
  close to its zero-width value);
* no spin polarisation (``nspin=1``: Li metal and the closed-shell coatings are not magnetic);
* a dipole correction along z for slab models (``dipole_correction=auto``): ``tefield``,
  ``dipfield``, ``edir=3``, ``eamp=0`` (pw.x's default field, 0.001 a.u., would add an external
  field), and the sawtooth's decreasing region (``emaxpos`` to ``emaxpos + eopreg``, fractions
  of the third cell vector) centred in the middle of the widest vacuum gap, ``eopreg`` at most
  0.05 and at most a fifth of the gap, so that every atom is at least two fifths of the gap away
  from it (:func:`sawtooth_region`). pw.x leaves the sawtooth's term out of the stress: the
  stress of a dipole-corrected slab lacks it;
* ``conv_thr`` 1e-9 Ry per atom (1e-8 Ry for a 10-atom cell): the bound is on the total
  energy, which grows with the cell; a fixed value would be needlessly tight for 300-atom
  interfaces and loose for a 2-atom bulk cell;
* ``mixing_beta`` 0.3 (pw.x's 0.7 sloshes charge in metal slabs), ``electron_maxstep`` 200.

Relaxations are ASE's optimisers over pw.x single points (``calculation='scf'`` with
``tprnfor`` and ``tstress``), not pw.x's ``relax``: one relaxation path for every calculator
(``FixAtoms``, the force criterion, checkpoints that resume a killed job at its last ionic step,
the calculation journal are the package's). Atoms under ``FixAtoms`` still get ``if_pos 0 0 0``
in the input (ase.io.espresso writes it; pw.x prints their full forces, and ASE's constraint
zeroes them for the optimiser). What pw.x's own relax would keep between steps, every later step
here restarts from: pw.x's ``outdir`` is ``espresso-scratch/`` in the step's folder, and the
next calculation reads the previous charge density (``startingpot='file'``) when the same
atoms in the same cell with the same cutoffs and spin wrote it, and also its wave functions
(``startingwfc='file'``) when the k-points are the same too (pw.x 6.7 reads both from
``espresso-scratch/espresso.save/``, ``charge-density.dat`` and ``wfcN.dat``); a changed cell
(a relaxation of the cell normal) starts from atomic densities, as nothing here shows pw.x
mapping a density onto another cell. A marker written after a completed calculation says what
that folder holds; it is removed before pw.x starts, so a killed or failed run is never
restarted from.

Why not ASE's :class:`~ase.calculators.espresso.Espresso`: it is a GenericFileIOCalculator
whose ``set()`` raises, whose parameters are fixed at construction, and whose profile runs the
command with ``check_call`` (a bare ``CalledProcessError``, pw.x's reason unread). Here the
input changes with the geometry (k-grid, sawtooth position, restart flags) and a failure must be
one line with pw.x's reason; so this is a plain ASE Calculator that uses ASE's well-kept pieces:
``ase.io.espresso.write_espresso_in`` (namelists, ``FixAtoms`` flags, k-points) and
``read_espresso_out`` (energy, forces, stress in eV and Å).

Units and signs (ASE's): energy and free_energy in eV are both pw.x's ``!    total energy``, the
Mermin free energy F = E - TS that includes the smearing term and is consistent with the
forces; forces in eV/Å (minus the gradient); stress in eV/Å³ in Voigt order (xx, yy, zz, yz,
xz, xy), positive under tension (the cell would shrink), ASE's sign, the opposite of the
sign pw.x prints.

Failures: a non-zero exit is :class:`~interfacemodel.errors.CalculatorRunError` with the exit
code and pw.x's reason (the ``%%%%`` error box of the output, else of its ``CRASH`` file, else
the end of stderr); "convergence NOT achieved" (pw.x 6.7 exits with code 2) is
:class:`~interfacemodel.errors.SCFNotConvergedError` naming the output and what to change. No
energy stays on the calculator after a failure. In a FireWorks campaign such a step FIZZLES
with that line as its reason (``interfacemodel status``); after the fix (a pseudopotential
added, ``qe_cmd`` corrected, or the campaign resubmitted with other options) ``interfacemodel
rerun --fizzled --state DIR`` puts the fizzled Fireworks back to READY and ``interfacemodel
run`` computes them; a relaxation resumes at its last saved ionic step.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
from ase.calculators.calculator import Calculator, all_changes

from ..errors import (
    CalculatorRunError,
    CalculatorUnavailableError,
    SCFNotConvergedError,
    UserInputError,
)
from .cells import SLAB_VACUUM_A, kpoint_grid, vacuum_along_z
from .site import set_aside, site_setting

COMMAND_EXAMPLE = "srun pw.x"
PSEUDO_EXAMPLE = "/apps/pseudo/SSSP_1.3.0_PBE_efficiency"
PREFIX = "espresso"
INPUT_FILE = f"{PREFIX}.pwi"
OUTPUT_FILE = f"{PREFIX}.pwo"
ERROR_FILE = f"{PREFIX}.err"
#: pw.x's outdir, relative to the step's folder (pw.x keeps paths in 256 characters)
SCRATCH = "espresso-scratch"
#: what the scratch folder holds, written after a completed calculation
RESTART_MARKER = "restart.json"
#: the largest width of the sawtooth's decreasing region (fraction of the third cell vector)
EOPREG_MAX = 0.05
_NOT_CONVERGED = "convergence NOT achieved"


# -- site: command and pseudopotentials ---------------------------------------------------------

def check_command(command: str) -> list[str]:
    """The words of ``qe_cmd``, once the programs it names exist: the launcher (its first
    word) on PATH, and the pw.x program (a word whose name holds 'pw') on PATH or as a file."""
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise CalculatorUnavailableError(
            f"espresso: qe_cmd {command!r} is not a command: {exc}") from None
    programs = [w for w in words if "pw" in Path(w).name.lower()]
    launcher = next((w for w in words if "=" not in w and w != "env"), None)
    for program in dict.fromkeys(filter(None, [launcher, *programs])):
        # pw.x as a path may be a script an interpreter runs (the tests' stand-in)
        script = program in programs and os.sep in program and Path(program).is_file()
        if shutil.which(program) is None and not script:
            raise CalculatorUnavailableError(
                f"espresso: {program!r} of qe_cmd {command!r} is not an executable on PATH; "
                f"set qe_cmd in the worker's env (my_fworker.yaml) to the site's pw.x command, "
                f"e.g. {COMMAND_EXAMPLE!r} (Debian: apt-get install quantum-espresso)")
    if not programs:
        raise CalculatorUnavailableError(
            f"espresso: qe_cmd {command!r} names no pw.x program; expected e.g. "
            f"{COMMAND_EXAMPLE!r} (the calculator adds '-in {INPUT_FILE}')")
    return words


def pseudo_dir() -> Path:
    """The folder of the UPF files: ``qe_pseudo_dir`` of the worker's env, else
    ``$ESPRESSO_PSEUDO``; checked to be a folder."""
    path = Path(site_setting("qe_pseudo_dir", "espresso", PSEUDO_EXAMPLE,
                             default=os.environ.get("ESPRESSO_PSEUDO") or None)).expanduser()
    if not path.is_dir():
        raise CalculatorUnavailableError(
            f"espresso: the pseudopotential folder {path} (qe_pseudo_dir) is not a folder; set "
            f"qe_pseudo_dir in the worker's env (my_fworker.yaml) to the folder of the UPF files")
    return path.resolve()


def parse_pseudos(text: str) -> str:
    """The ``pseudos`` option: ``Symbol=file`` pairs separated by ``;`` (``Li=li.UPF;F=f.UPF``);
    returned in a normal form (sorted, no spaces); a bad pair raises ValueError."""
    pairs = {}
    for item in filter(None, (p.strip() for p in str(text).split(";"))):
        symbol, eq, name = (s.strip() for s in item.partition("="))
        if not eq or not re.fullmatch(r"[A-Z][a-z]?", symbol) or not name or "/" in name:
            raise ValueError(f"{item!r} is not Symbol=file (e.g. Li=li_pbe_v1.4.uspp.F.UPF; "
                             f"pairs separated by ';', file names without a folder)")
        pairs[symbol] = name
    return ";".join(f"{s}={pairs[s]}" for s in sorted(pairs))


def pseudopotential_files(symbols, options: dict[str, Any]) -> dict[str, str]:
    """element -> UPF file name (in the pseudopotential folder) for ``symbols``."""
    named = dict(p.split("=", 1) for p in filter(None, parse_pseudos(options["pseudos"])
                                                 .split(";")))
    return {s: named.get(s, f"{s}{options['pseudo_suffix']}") for s in sorted(set(symbols))}


def check_pseudopotentials(folder: Path, files: dict[str, str]) -> None:
    """Every file of ``files`` (element -> name) is in ``folder``; else one line naming the
    missing ones, the folder and how to name them."""
    missing = [f"{name} ({el})" for el, name in files.items() if not (folder / name).is_file()]
    if missing:
        raise CalculatorUnavailableError(
            f"espresso: no pseudopotential file {', '.join(missing)} in {folder} "
            f"(qe_pseudo_dir of the worker's env); put it there (a link to the library's file "
            f"will do), or name the files with the option pseudos=Symbol=file;... (otherwise "
            f"<Symbol><pseudo_suffix>)")


# -- inputs -------------------------------------------------------------------------------------

def uses_dipole_correction(atoms, setting: str) -> bool:
    """auto: a slab model (at least ``SLAB_VACUUM_A`` of vacuum along z); on; off."""
    if setting == "auto":
        return vacuum_along_z(atoms) >= SLAB_VACUUM_A
    return setting == "on"


def sawtooth_region(atoms) -> tuple[float, float]:
    """``(emaxpos, eopreg)`` of pw.x's sawtooth, fractions of the third cell vector: the
    potential's maximum at ``emaxpos`` and its decreasing region ``[emaxpos, emaxpos +
    eopreg]`` (modulo 1) centred in the widest gap between the atoms' a-b planes (periodic
    images included), ``eopreg = min(0.05, gap / 5)``: every atom is at least
    ``(gap - eopreg) / 2`` away from it."""
    frac = np.sort(atoms.get_scaled_positions(wrap=True)[:, 2])
    gaps = np.diff(np.concatenate([frac, frac[:1] + 1.0]))
    i = int(np.argmax(gaps))
    eopreg = min(EOPREG_MAX, 0.2 * float(gaps[i]))
    centre = float(frac[i] + gaps[i] / 2)
    emaxpos = (centre - eopreg / 2) % 1.0
    return round(emaxpos, 10) % 1.0, round(eopreg, 10)


def input_data(atoms, options: dict[str, Any], pseudo_folder: Path | str,
               restart: dict[str, bool] | None = None) -> dict[str, dict[str, Any]]:
    """pw.x's namelists for a single point of ``atoms`` (&control, &system, &electrons), the
    package's defaults and ``options`` applied; ``restart``: ``{'pot': bool, 'wfc': bool}``,
    whether to start from the charge density / wave functions in the scratch folder."""
    control = {"calculation": "scf", "prefix": PREFIX, "outdir": f"./{SCRATCH}/",
               "pseudo_dir": str(pseudo_folder), "tprnfor": True, "tstress": True}
    system = {"ecutwfc": options["ecutwfc_Ry"], "ecutrho": options["ecutrho_Ry"],
              "occupations": "smearing", "smearing": "mv", "degauss": options["smearing_Ry"],
              "nspin": 2 if options["spin_polarized"] else 1}
    electrons = {"conv_thr": options["conv_thr_Ry_per_atom"] * len(atoms),
                 "mixing_beta": options["mixing_beta"],
                 "electron_maxstep": options["electron_maxstep"]}
    if uses_dipole_correction(atoms, options["dipole_correction"]):
        emaxpos, eopreg = sawtooth_region(atoms)
        control.update(tefield=True, dipfield=True)
        system.update(edir=3, emaxpos=emaxpos, eopreg=eopreg, eamp=0.0)
    if restart and restart.get("pot"):
        electrons["startingpot"] = "file"
    if restart and restart.get("wfc"):
        electrons["startingwfc"] = "file"
    return {"control": control, "system": system, "electrons": electrons}


def _check_cell(atoms) -> None:
    lengths = atoms.cell.lengths()
    if len(atoms) == 0 or (lengths < 1e-6).any() or abs(atoms.cell.volume) < 1e-6:
        raise UserInputError(
            f"espresso: pw.x needs atoms in a full 3-D cell; got {len(atoms)} atoms in a cell "
            f"with lengths {np.round(lengths, 3).tolist()} Å (give the vacuum directions a "
            f"cell vector, e.g. atoms.center(vacuum=7.5, axis=2))")


def _kpts(atoms, density: float):
    grid = kpoint_grid(atoms, density)
    return None if grid == (1, 1, 1) else grid  # None: K_POINTS gamma (Γ-only tricks)


def write_input(atoms, options: dict[str, Any], path: Path, pseudo_folder: Path | str,
                restart: dict[str, bool] | None = None) -> Path:
    """Write pw.x's input for a single point of ``atoms`` to ``path``."""
    from ase.io.espresso import write_espresso_in

    _check_cell(atoms)
    work = atoms.copy()
    if options["spin_polarized"] and not work.get_initial_magnetic_moments().any():
        # ase.io.espresso writes starting_magnetization(i) from the initial moments; all zero
        # would start (and stay) non-magnetic
        work.set_initial_magnetic_moments([0.2] * len(work))
    files = pseudopotential_files(work.get_chemical_symbols(), options)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fd:
        write_espresso_in(fd, work, input_data=input_data(work, options, pseudo_folder, restart),
                          pseudopotentials=files, kpts=_kpts(work, options["kpt_density"]),
                          koffset=(0, 0, 0))
    return path


# -- outputs ------------------------------------------------------------------------------------

def error_message(text: str) -> str:
    """pw.x's reason in the last ``%%%%`` error box of ``text`` (output or CRASH file), one
    line; '' when there is none."""
    lines = text.splitlines()
    bars = [i for i, line in enumerate(lines) if re.fullmatch(r"\s*%{20,}\s*", line)]
    if len(bars) < 2:
        return ""
    start, end = bars[-2], bars[-1]
    return " ".join(" ".join(line.split()) for line in lines[start + 1:end] if line.strip())


def _last_line(path: Path) -> str:
    if not path.is_file():
        return ""
    lines = [line.strip() for line in path.read_text(errors="replace").splitlines()]
    return next((line for line in reversed(lines) if line), "")


def _signature(atoms, options: dict[str, Any]) -> dict[str, Any]:
    """What a restart must agree on: for the density, the atoms, cell, cutoffs and spin; for
    the wave functions also the k-points."""
    return {"symbols": atoms.get_chemical_symbols(), "ecutwfc_Ry": options["ecutwfc_Ry"],
            "ecutrho_Ry": options["ecutrho_Ry"], "nspin": 2 if options["spin_polarized"] else 1,
            "cell": np.round(atoms.cell.array, 8).tolist(),
            "kpts": list(kpoint_grid(atoms, options["kpt_density"]))}


class EspressoCalculator(Calculator):
    """pw.x single points in ``self.directory`` (the running step's folder); see the module
    docstring for the command, pseudopotentials, defaults, restarts and errors."""

    implemented_properties = ["energy", "free_energy", "forces", "stress"]
    uses_directory = True
    discard_results_on_any_change = True

    def __init__(self, options: dict[str, Any]):
        super().__init__(directory=".")
        self.im_options = dict(options)
        parse_pseudos(options["pseudos"])  # a bad mapping is an option error (one line)

    # -- files -------------------------------------------------------------------------------
    def _folder(self) -> Path:
        return Path(self.directory).resolve()

    def _restart(self, folder: Path, atoms) -> dict[str, bool]:
        """Which of the scratch folder's charge density and wave functions this calculation
        can start from (see the module docstring)."""
        marker = folder / SCRATCH / RESTART_MARKER
        save = folder / SCRATCH / f"{PREFIX}.save"
        try:
            old = json.loads(marker.read_text())
        except (OSError, ValueError):
            return {"pot": False, "wfc": False}
        new = _signature(atoms, self.im_options)
        same = {k: old.get(k) == new[k] for k in new}
        has_rho = any(save.glob("charge-density.*"))
        has_wfc = any(save.glob("wfc1.*"))
        pot = has_rho and all(same[k] for k in ("symbols", "cell", "ecutwfc_Ry", "ecutrho_Ry",
                                                "nspin"))
        return {"pot": pot, "wfc": pot and has_wfc and same["kpts"]}

    def write_inputs(self, atoms, directory: str | os.PathLike,
                     pseudo_folder: str | os.PathLike | None = None) -> list[Path]:
        """Write ``espresso.pwi`` for a single point of ``atoms`` into ``directory`` (the
        input :meth:`calculate` would run there); ``pseudo_folder``: the UPF folder written as
        pw.x's ``pseudo_dir`` (default: ``qe_pseudo_dir`` of the worker's env, checked).
        Returns the written paths."""
        folder = Path(directory).resolve()
        pseudo = Path(pseudo_folder) if pseudo_folder is not None else pseudo_dir()
        return [write_input(atoms, self.im_options, folder / INPUT_FILE, pseudo,
                            self._restart(folder, atoms))]

    # -- a calculation -----------------------------------------------------------------------
    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        self.results = {}
        try:
            self._run(self.atoms)
        except BaseException:
            self.results = {}
            self.atoms = None  # nothing cached: the next request computes again
            raise

    def _run(self, atoms) -> None:
        command = site_setting("qe_cmd", "espresso", COMMAND_EXAMPLE)
        words = check_command(command)
        pseudo = pseudo_dir()
        check_pseudopotentials(pseudo, pseudopotential_files(atoms.get_chemical_symbols(),
                                                             self.im_options))
        folder = self._folder()
        folder.mkdir(parents=True, exist_ok=True)
        write_input(atoms, self.im_options, folder / INPUT_FILE, pseudo,
                    self._restart(folder, atoms))
        marker = folder / SCRATCH / RESTART_MARKER
        out, err = folder / OUTPUT_FILE, folder / ERROR_FILE
        if out.exists() and not marker.exists():
            set_aside(out)  # the output of a killed or failed run is kept as espresso.pwo.N
        marker.unlink(missing_ok=True)  # a killed or failed run leaves nothing to restart from
        (folder / "CRASH").unlink(missing_ok=True)  # pw.x appends to it
        with open(out, "wb") as fd_out, open(err, "wb") as fd_err:
            try:
                proc = subprocess.run([*words, "-in", INPUT_FILE], cwd=folder,
                                      stdin=subprocess.DEVNULL, stdout=fd_out, stderr=fd_err)
            except OSError as exc:
                raise CalculatorRunError(
                    f"espresso: qe_cmd {command!r} did not start in {folder}: {exc}") from None
        text = out.read_text(errors="replace")
        if _NOT_CONVERGED in text:
            o = self.im_options
            raise SCFNotConvergedError(
                f"espresso: SCF not converged within electron_maxstep={o['electron_maxstep']} "
                f"(conv_thr {o['conv_thr_Ry_per_atom'] * len(atoms):.3g} Ry) in {out}; raise "
                f"electron_maxstep, lower mixing_beta or raise smearing_Ry (e.g. "
                f"espresso:electron_maxstep=400,mixing_beta=0.1)")
        if proc.returncode != 0:
            crash = folder / "CRASH"
            reason = (error_message(text)
                      or (error_message(crash.read_text(errors="replace")) if crash.is_file()
                          else "")
                      or _last_line(err) or _last_line(out))
            raise CalculatorRunError(
                f"espresso: pw.x exited with code {proc.returncode} in {folder}"
                + (f"; {reason}" if reason else "; it wrote nothing (see espresso.err)"))
        self.results = self._read(out, atoms)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(json.dumps(_signature(atoms, self.im_options)))

    @staticmethod
    def _read(out: Path, atoms) -> dict[str, Any]:
        from ase.io.espresso import read_espresso_out

        try:
            with open(out) as fd:
                images = list(read_espresso_out(fd, index=slice(-1, None)))
            result = images[-1].calc
            energy = result.get_potential_energy()
        except Exception as exc:  # noqa: BLE001  (a truncated or foreign file: one line)
            raise CalculatorRunError(
                f"espresso: pw.x ended with code 0 but {out} holds no total energy "
                f"({type(exc).__name__}: {exc})") from None
        if len(images[-1]) != len(atoms):
            raise CalculatorRunError(f"espresso: {out} holds {len(images[-1])} atoms, the "
                                     f"calculation {len(atoms)}")
        results = {"energy": energy, "free_energy": result.results.get("free_energy", energy)}
        for key in ("forces", "stress"):
            if result.results.get(key) is not None:
                results[key] = np.array(result.results[key])
        return results


def make_espresso(options: dict[str, Any]) -> EspressoCalculator:
    return EspressoCalculator(options)
