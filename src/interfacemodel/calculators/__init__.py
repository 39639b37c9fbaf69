"""Calculator factory: one name -> one ASE calculator, with element checks and provenance.

>>> calc = get_calculator("sevennet", atoms=atoms)          # checks elements first
>>> calc = get_calculator("gpaw:ecut_eV=300,kpts=4x4x4")
>>> calculator_provenance(calc)  # {'name': 'gpaw', 'model': 'PBE', 'parameters': {...}, ...}

Names: emt, sevennet (default), chgnet, lammps:<potential>, gpaw, cp2k, vasp, espresso
(the last three run the site's program: :mod:`.site`). ML models are built once per process and device.
Many structures per model call (SevenNet, CHGNet): :class:`BatchEvaluator` and the drivers'
``batch`` argument ('auto'), see :mod:`.evaluator` (and :mod:`.graphs`, :mod:`.chunking`,
:mod:`.batched_images`, :mod:`.batch_choice`; lockstep relaxations:
:mod:`interfacemodel.run.lockstep`).
"""

from __future__ import annotations

from typing import Any

from .backends import LAMMPS_POTENTIALS, available_devices, check_device, resolve_device
from .batch_choice import batch_evaluator, supports_batching
from .batched_images import BatchedImages, attach_batched_calculators
from .chunking import plan_chunks
from .evaluator import BatchEvaluator
from .registry import (
    Backend,
    CalcSpec,
    available_calculators,
    backend,
    calculators_covering,
    check_elements,
    parse_calc_spec,
    supported_elements,
)
from .symmetry_bound import (
    binds_symmetry,
    current_calculator,
    evaluated,
    renewed_after_symmetry_break,
)

DEFAULT_CALCULATOR = "sevennet"

__all__ = [
    "DEFAULT_CALCULATOR",
    "LAMMPS_POTENTIALS",
    "Backend",
    "BatchEvaluator",
    "BatchedImages",
    "CalcSpec",
    "attach_batched_calculators",
    "available_calculators",
    "available_devices",
    "backend",
    "batch_evaluator",
    "binds_symmetry",
    "calculator_provenance",
    "calculators_covering",
    "check_device",
    "check_elements",
    "current_calculator",
    "evaluated",
    "get_calculator",
    "parse_calc_spec",
    "plan_chunks",
    "provenance_label",
    "renewed_after_symmetry_break",
    "resolve_device",
    "supported_elements",
    "supports_batching",
]


def get_calculator(spec: str | CalcSpec = DEFAULT_CALCULATOR, atoms=None, **options: Any):
    """Build the ASE calculator named by ``spec`` (``NAME[:key=value,...]``).

    Keyword ``options`` override those in the spec. If ``atoms`` (ase.Atoms or a list of
    chemical symbols) is given, every element is checked against the calculator *before*
    anything is loaded, and an :class:`~interfacemodel.errors.UnsupportedElementsError` names
    the missing elements and the calculators that would do. The returned calculator carries
    its parsed spec in ``calc.interfacemodel_spec`` (see :func:`calculator_provenance`).
    """
    parsed = parse_calc_spec(spec, **options)
    if atoms is not None:
        symbols = atoms.get_chemical_symbols() if hasattr(atoms, "get_chemical_symbols") else atoms
        check_elements(parsed, symbols)
    calc = parsed.backend.make(parsed.options)
    calc.interfacemodel_spec = parsed
    return calc


def _package_version(module: str | None) -> str | None:
    if module is None:
        return None
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(module)
    except PackageNotFoundError:
        return None


def provenance_label(provenance: dict[str, Any]) -> str:
    """The identity of a calculator in a provenance dict (its label, else its name): what
    'the same calculator' means when records are combined."""
    return str(provenance.get("label") or provenance.get("name"))


def calculator_provenance(calc_or_spec) -> dict[str, Any]:
    """What produced a number: calculator name, model/potential, all parameters, versions.

    Accepts a calculator from :func:`get_calculator`, a :class:`CalcSpec` or a spec string.
    A foreign ASE calculator is described by its class name and ``parameters``. A calculator
    that runs a program (CP2K) adds ``command``, the command line it runs: where the numbers
    were computed, not what, so not part of the calculator's identity (name, model,
    parameters).
    """
    if isinstance(calc_or_spec, (str, CalcSpec)):
        spec = parse_calc_spec(calc_or_spec)
    else:
        spec = getattr(calc_or_spec, "interfacemodel_spec", None)
        if spec is None:
            return {
                "name": type(calc_or_spec).__name__,
                "model": None,
                "parameters": dict(getattr(calc_or_spec, "parameters", {}) or {}),
                "package_version": None,
            }
    options = dict(spec.options)
    if "device" in options:
        options["device"] = resolve_device(options["device"])
    if spec.name == "lammps":
        options["citation"] = LAMMPS_POTENTIALS[options["potential"]]["citation"]
    provenance = {
        "name": spec.name,
        "label": spec.label(),
        "model": spec.model,
        "parameters": options,
        "package_version": _package_version(
            {"sevennet": "sevenn", "emt": "ase"}.get(spec.name, spec.backend.module)
        ),
    }
    command = getattr(calc_or_spec, "interfacemodel_command", None)
    if command:
        provenance["command"] = command
    return provenance
