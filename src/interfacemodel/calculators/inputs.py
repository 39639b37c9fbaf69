"""Input-writing backends for codes that run on clusters only (VASP, Quantum ESPRESSO).

``get_calculator('vasp')`` returns an :class:`InputOnlyCalculator`: ``write_inputs(atoms, dir)``
writes a complete input set; asking it for an energy raises a clear error instead of trying
to start a program that is not here. Files are written to a temporary folder and renamed, so an
error leaves nothing half-written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ase.calculators.calculator import Calculator

from ..errors import CalculatorUnavailableError, UserInputError


class InputOnlyCalculator(Calculator):
    """An ASE calculator that writes inputs for a cluster code but does not run it."""

    implemented_properties = ["energy", "forces", "stress"]

    def __init__(self, code: str, writer: Callable[[Any, Path], list[str]], parameters: dict):
        super().__init__()
        self.code = code
        self._writer = writer
        self.input_parameters = dict(parameters)

    def write_inputs(self, atoms, directory: str | os.PathLike, overwrite: bool = False,
                     relax: dict[str, Any] | None = None) -> list[Path]:
        """Write the input files for ``atoms`` into ``directory``; returns the written paths.

        ``relax`` (``fmax_eV_per_A``, ``steps``, ``relax_normal_cell``) turns the single point
        into the code's own ionic relaxation, atoms under ``FixAtoms`` held fixed."""
        directory = Path(directory)
        if directory.exists() and any(directory.iterdir()) and not overwrite:
            raise UserInputError(f"output directory {str(directory)!r} is not empty; pass overwrite")
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
        try:
            names = self._writer(atoms, tmp, relax)
            if directory.exists():
                shutil.rmtree(directory)
            tmp.rename(directory)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return [directory / n for n in names]

    def write_relax_inputs(self, atoms, directory, fmax_eV_per_A: float, steps: int,
                           relax_normal_cell: bool = False, overwrite: bool = False) -> list[Path]:
        """Inputs for a relaxation run by the code itself (see :meth:`write_inputs`)."""
        return self.write_inputs(atoms, directory, overwrite=overwrite,
                                 relax={"fmax_eV_per_A": fmax_eV_per_A, "steps": steps,
                                        "relax_normal_cell": relax_normal_cell})

    def calculate(self, atoms=None, properties=("energy",), system_changes=()):
        raise CalculatorUnavailableError(
            f"{self.code} does not run on this machine; interfacemodel only writes its inputs "
            f"(calc.write_inputs(atoms, directory)) for a cluster run"
        )


def make_vasp_writer(options: dict[str, Any]) -> InputOnlyCalculator:
    def write(atoms, directory: Path, relax: dict | None) -> list[str]:
        from pymatgen.io.ase import AseAtomsAdaptor
        from pymatgen.io.vasp import sets

        structure = AseAtomsAdaptor.get_structure(atoms)  # FixAtoms -> selective dynamics
        set_cls = getattr(sets, options["input_set"])
        incar = {"ENCUT": options["encut_eV"]} if options["encut_eV"] else {}
        if relax is not None:
            if relax["relax_normal_cell"]:
                raise UserInputError(
                    "VASP cannot relax only the cell normal (ISIF=3 moves all of it); relax "
                    "positions (relax_normal_cell=False) or use espresso (cell_dofree='z')")
            # EDIFFG < 0: stop on forces (eV/Å); ISIF=2: positions only, cell fixed
            incar.update({"IBRION": 2, "NSW": relax["steps"], "ISIF": 2,
                          "EDIFFG": -relax["fmax_eV_per_A"]})
        kpts = {"reciprocal_density": options["kpt_density"]} if options["kpt_density"] else {}
        input_set = set_cls(structure, user_incar_settings=incar, user_kpoints_settings=kpts)
        input_set.write_input(str(directory), potcar_spec=True)
        return sorted(p.name for p in directory.iterdir())

    return InputOnlyCalculator("VASP", write, options)


def make_espresso_writer(options: dict[str, Any]) -> InputOnlyCalculator:
    def write(atoms, directory: Path, relax: dict | None) -> list[str]:
        from ase.io.espresso import write_espresso_in
        from ase.units import Bohr, Rydberg

        species = sorted(set(atoms.get_chemical_symbols()))
        input_data = {
            "control": {"calculation": options["calculation"], "pseudo_dir": options["pseudo_dir"],
                        "tprnfor": True, "tstress": True},
            "system": {"ecutwfc": options["ecutwfc_Ry"], "ecutrho": options["ecutrho_Ry"],
                       "occupations": "smearing", "smearing": "mv",
                       "degauss": options["smearing_Ry"]},
            "electrons": {"conv_thr": 1e-8},
        }
        if relax is not None:  # pw.x relaxes itself; FixAtoms become if_pos = 0 0 0
            vc = relax["relax_normal_cell"]
            input_data["control"].update({
                "calculation": "vc-relax" if vc else "relax", "nstep": relax["steps"],
                "forc_conv_thr": relax["fmax_eV_per_A"] / (Rydberg / Bohr)})
            input_data["ions"] = {"ion_dynamics": "bfgs"}
            if vc:
                input_data["cell"] = {"cell_dynamics": "bfgs", "cell_dofree": "z"}
        pseudos = {el: f"{el}{options['pseudo_suffix']}" for el in species}
        with open(directory / "pw.in", "w") as fd:
            write_espresso_in(fd, atoms, input_data=input_data, pseudopotentials=pseudos,
                              koffset=(0, 0, 0),
                              **_espresso_kpts(atoms, options["kpt_density"]))
        return ["pw.in"]

    return InputOnlyCalculator("Quantum ESPRESSO", write, options)


def _espresso_kpts(atoms, density: float) -> dict:
    from ase.calculators.calculator import kptdensity2monkhorstpack

    return {"kpts": tuple(int(k) for k in kptdensity2monkhorstpack(atoms, density, even=False))}
