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

    def write_inputs(self, atoms, directory: str | os.PathLike, overwrite: bool = False) -> list[Path]:
        """Write the input files for ``atoms`` into ``directory``; returns the written paths."""
        directory = Path(directory)
        if directory.exists() and any(directory.iterdir()) and not overwrite:
            raise UserInputError(f"output directory {str(directory)!r} is not empty; pass overwrite")
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
        try:
            names = self._writer(atoms, tmp)
            if directory.exists():
                shutil.rmtree(directory)
            tmp.rename(directory)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return [directory / n for n in names]

    def calculate(self, atoms=None, properties=("energy",), system_changes=()):
        raise CalculatorUnavailableError(
            f"{self.code} does not run on this machine; interfacemodel only writes its inputs "
            f"(calc.write_inputs(atoms, directory)) for a cluster run"
        )


def make_vasp_writer(options: dict[str, Any]) -> InputOnlyCalculator:
    def write(atoms, directory: Path) -> list[str]:
        from pymatgen.io.ase import AseAtomsAdaptor
        from pymatgen.io.vasp import sets

        structure = AseAtomsAdaptor.get_structure(atoms)
        set_cls = getattr(sets, options["input_set"])
        incar = {"ENCUT": options["encut_eV"]} if options["encut_eV"] else {}
        kpts = {"reciprocal_density": options["kpt_density"]} if options["kpt_density"] else {}
        input_set = set_cls(structure, user_incar_settings=incar, user_kpoints_settings=kpts)
        input_set.write_input(str(directory), potcar_spec=True)
        return sorted(p.name for p in directory.iterdir())

    return InputOnlyCalculator("VASP", write, options)


def make_espresso_writer(options: dict[str, Any]) -> InputOnlyCalculator:
    def write(atoms, directory: Path) -> list[str]:
        from ase.io.espresso import write_espresso_in

        species = sorted(set(atoms.get_chemical_symbols()))
        input_data = {
            "control": {"calculation": options["calculation"], "pseudo_dir": options["pseudo_dir"],
                        "tprnfor": True, "tstress": True},
            "system": {"ecutwfc": options["ecutwfc_Ry"], "ecutrho": options["ecutrho_Ry"],
                       "occupations": "smearing", "smearing": "mv",
                       "degauss": options["smearing_Ry"]},
            "electrons": {"conv_thr": 1e-8},
        }
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
