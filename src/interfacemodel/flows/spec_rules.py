"""The value rules of a campaign spec: one table per section, each key's accepted type
and range (:class:`Rule`), and the checks that turn a bad value into one line naming the
file, the entry, the value and what is accepted."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..analysis.interface_energetics import BUILD_KEYS, EnergeticsSettings, check_orientation
from ..analysis.intrinsic import CARRIERS
from ..errors import UserInputError
from ..records import from_dict
from ..run.optimizers import get_optimizer

TOP_KEYS = ("name", "description", "calculator", "committee", "functionals", "refine",
            "refine_models", "interfaces", "barriers", "segregation", "solubility",
            "solute_screen", "report")


INTERFACE_KEYS = ("system", "settings", "role")


ROLES = ("coating", "reference")


SEGREGATION_KEYS = ("system", "solute", "fmax", "film_layers")


SOLUBILITY_KEYS = ("solute", "coating", "supercell", "fmax", "solid_solutions")


SCREEN_KEYS = ("host", "solutes", "faces", "layers", "fmax", "systems")


REPORT_KEYS = ("title",)


REFINE_MODEL_KEYS = ("settings", "systems", "barriers", "hops", "reaction",
                     "relax_above_eV_per_A", "relax_steps", "calculator_options")


#: a bulk hop's own model in the DFT check (``refine_models: hops: {name: {...}}``)
HOP_MODEL_KEYS = ("supercell", "host_cell")


BARRIER_COMMON = ("name", "temperatures_K", "n_images", "fmax", "optimizer", "phonons",
                  "phonon_cutoff_A", "coating")


BARRIER_KINDS = {
    "bulk": ("host", "mechanism", "species", "hop_index", "supercell", "solute",
             "defect_fraction", "sites_frac", "carriers"),
    "interface": ("system", "species", "hop_index", "model_index", "relax_fmax", "film_layers",
                  "substrate_layers"),
    "endpoints": ("initial", "final", "moving_index", "surface_z"),
}


def _fail(where: str, msg: str):
    raise UserInputError(f"{where}: {msg}")


def _check_keys(where: str, data: dict, accepted) -> None:
    unknown = [k for k in data if k not in accepted]
    if unknown:
        _fail(where, f"unknown key {unknown[0]!r}; accepted: {', '.join(accepted)}")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value)


@dataclass(frozen=True)
class Rule:
    """What a key accepts: ``test`` says whether a value is acceptable, ``accepted`` says so
    in words for the one-line error. ``None`` passes where ``nullable`` (YAML ``null``:
    the default)."""

    accepted: str
    test: Callable[[Any], bool]
    nullable: bool = False


def _int(low: int, nullable: bool = False) -> Rule:
    return Rule(f"an integer >= {low}", lambda v: _is_int(v) and v >= low, nullable)


def _positive(unit: str = "", nullable: bool = False) -> Rule:
    return Rule(f"a number > 0{unit}", lambda v: _is_number(v) and v > 0, nullable)


def _fraction(upper_open: bool = False, nullable: bool = False) -> Rule:
    if upper_open:
        return Rule("a number in (0, 1)", lambda v: _is_number(v) and 0 < v < 1, nullable)
    return Rule("a number in (0, 1]", lambda v: _is_number(v) and 0 < v <= 1, nullable)


def _element(v) -> bool:
    from ase.data import atomic_numbers

    return isinstance(v, str) and v in atomic_numbers and v != "X"


BOOL = Rule("true or false", lambda v: isinstance(v, bool))


TEXT = Rule("a string", lambda v: isinstance(v, str) and v.strip() != "")


OPTIONAL_TEXT = Rule("a string", lambda v: isinstance(v, str), nullable=True)


ELEMENT = Rule("an element symbol such as Li or Mg", _element)


TEMPERATURES = Rule("a temperature > 0 K or a non-empty list of them, e.g. [300, 400]",
                    lambda v: (_is_number(v) and v > 0) or (
                        isinstance(v, list) and bool(v) and all(_is_number(t) and t > 0
                                                                for t in v)))


GRID = Rule("two integers >= 1, e.g. [3, 3]",
            lambda v: isinstance(v, (list, tuple)) and len(v) == 2
            and all(_is_int(n) and n >= 1 for n in v), nullable=True)


SUPERCELL = Rule("an integer >= 1 or three of them, e.g. [3, 3, 3]",
                 lambda v: (_is_int(v) and v >= 1) or (
                     isinstance(v, list) and len(v) == 3 and all(_is_int(n) and n >= 1
                                                                 for n in v)), nullable=True)


SITES = Rule("a list of fractional coordinates, e.g. [[0, 0.5, 0]]",
             lambda v: isinstance(v, list) and bool(v) and all(
                 isinstance(x, list) and len(x) == 3 and all(_is_number(c) for c in x)
                 for x in v))


MU = Rule("a mapping of element symbols to chemical potentials in eV, e.g. {La: -4.9}",
          lambda v: isinstance(v, dict) and all(_element(k) and _is_number(x)
                                                for k, x in v.items()), nullable=True)


MAPPING = Rule("a mapping", lambda v: isinstance(v, dict), nullable=True)


#: the fields of EnergeticsSettings (an interface entry's ``settings``)
SETTINGS_RULES: dict[str, Rule] = {
    "fmax": _positive(" (eV/Å)"), "steps": _int(1), "optimizer": TEXT,
    "bulk_fmax": _positive(" (eV/Å)"), "kind": TEXT, "orientation": _int(0),
    "termination": _int(0), "film_layers": _int(1, nullable=True),
    "substrate_layers": _int(1, nullable=True), "scan_grid": GRID, "T_K": _positive(" (K)"),
    "surface_slabs": BOOL, "max_surface_terminations": _int(1), "reactivity": BOOL,
    "extra_mu_eV": MU, "build": MAPPING, "allow_unconverged": BOOL,
    "fix_substrate_layers": _int(0, nullable=True),
    "start_gaps_A": Rule("a list of gaps > 0 (Å)", lambda v: isinstance(v, list) and all(
        _is_number(g) and g > 0 for g in v), nullable=True),
    "faces": Rule("two Miller strings, the Li face and the coating face (e.g. ['110', '110'])",
                  lambda v: isinstance(v, list) and len(v) == 2
                  and all(isinstance(f, str) for f in v), nullable=True),
}


#: settings ``build``: the builder overrides (BUILD_KEYS)
BUILD_RULES: dict[str, Rule] = {
    "max_area_A2": _positive(" (Å²)"), "max_strain": _fraction(upper_open=True),
    "max_length_tol": _fraction(upper_open=True), "max_angle_tol": _fraction(upper_open=True),
    "max_area_ratio_tol": _fraction(upper_open=True), "gap_A": _positive(" (Å)"),
    "vacuum_A": _positive(" (Å)"),
}


INTERFACE_RULES: dict[str, Rule] = {"system": TEXT, "settings": MAPPING, "role": TEXT}


SEGREGATION_RULES: dict[str, Rule] = {
    "system": TEXT, "solute": ELEMENT, "fmax": _positive(" (eV/Å)"),
    "film_layers": _int(3, nullable=True),
}


SOLUBILITY_RULES: dict[str, Rule] = {
    "solute": ELEMENT, "coating": OPTIONAL_TEXT, "supercell": _int(2),
    "fmax": _positive(" (eV/Å)"),
    "solid_solutions": Rule("a list of Mg fractions in (0, 0.7]",
                            lambda v: isinstance(v, list) and all(
                                _is_number(x) and 0 < x <= 0.7 for x in v)),
}


BARRIER_RULES: dict[str, Rule] = {
    # every barrier
    "name": TEXT, "temperatures_K": TEMPERATURES, "n_images": _int(1),
    "fmax": _positive(" (eV/Å)"), "optimizer": OPTIONAL_TEXT, "phonons": BOOL,
    "phonon_cutoff_A": _positive(" (Å)"),
    "coating": OPTIONAL_TEXT,
    # bulk hops
    "host": TEXT, "mechanism": TEXT, "species": ELEMENT, "hop_index": _int(0),
    "supercell": SUPERCELL, "solute": Rule(ELEMENT.accepted, ELEMENT.test, nullable=True),
    "defect_fraction": _fraction(nullable=True),
    "sites_frac": SITES,
    "carriers": Rule("'intrinsic' (Schottky/Frenkel pairs of an ionic host) or 'metal' (a "
                     "defect formed against the metal)", lambda v: v in CARRIERS),
    # interface hops
    "system": TEXT, "model_index": _int(0), "relax_fmax": _positive(" (eV/Å)"),
    "film_layers": _int(2, nullable=True), "substrate_layers": _int(2, nullable=True),
    # end points
    "initial": TEXT, "final": TEXT, "moving_index": _int(0, nullable=True),
    "surface_z": _int(1, nullable=True),
}


REPORT_RULES: dict[str, Rule] = {"title": TEXT}


CALCULATORS = Rule("a list of calculator specs (strings)", lambda v: isinstance(v, list)
                   and all(isinstance(x, str) and x.strip() for x in v), nullable=True)


TOP_RULES: dict[str, Rule] = {
    "name": Rule("a string or a number", lambda v: isinstance(v, (str, int, float))
                 and not isinstance(v, bool), nullable=True),
    "description": OPTIONAL_TEXT, "calculator": Rule(TEXT.accepted, TEXT.test, nullable=True),
    "committee": CALCULATORS, "functionals": CALCULATORS,
    "refine": Rule(TEXT.accepted, TEXT.test, nullable=True),
    "refine_models": Rule("a mapping with " + ", ".join(REFINE_MODEL_KEYS),
                          lambda v: isinstance(v, dict), nullable=True),
}


REFINE_MODEL_RULES: dict[str, Rule] = {
    "settings": Rule("a mapping of EnergeticsSettings fields", lambda v: isinstance(v, dict),
                     nullable=True),
    "systems": Rule("a list of the campaign's interface systems, or a mapping system -> "
                    "settings", lambda v: isinstance(v, (list, dict)), nullable=True),
    "barriers": Rule("a list of the campaign's barrier names",
                     lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
                     nullable=True),
    "hops": Rule("a mapping of the campaign's bulk barrier names to their check cells, e.g. "
                 "{lif-vacancy: {host_cell: [[1, 1, 0], [-1, 1, 0], [0, 0, 1]], "
                 "supercell: [1, 1, 2]}}", lambda v: isinstance(v, dict), nullable=True),
    "reaction": Rule(BOOL.accepted, BOOL.test, nullable=True),
    "relax_above_eV_per_A": _positive(" (eV/Å)", nullable=True),
    "relax_steps": _int(1, nullable=True),
    "calculator_options": Rule("a mapping calculator name -> {option: value}",
                               lambda v: isinstance(v, dict) and all(
                                   isinstance(k, str) and isinstance(o, dict)
                                   for k, o in v.items()), nullable=True),
}


def _check_values(where: str, data: dict, rules: dict[str, Rule]) -> None:
    """Every key of ``data`` that has a rule holds an acceptable value, else one line naming
    the key, the value and what is accepted."""
    for key, value in data.items():
        rule = rules.get(key)
        if rule is None or (value is None and rule.nullable):
            continue
        if not rule.test(value):
            _fail(where, f"{key}={value!r} must be {rule.accepted}")


def _settings(where: str, settings, system: str) -> dict[str, Any]:
    if settings is None:
        return {}
    if not isinstance(settings, dict):
        _fail(where, f"settings must be a mapping of EnergeticsSettings fields, got {settings!r}")
    where = f"{where} settings"
    names = [f.name for f in dataclasses.fields(EnergeticsSettings)]
    _check_keys(where, settings, names)
    _check_values(where, settings, SETTINGS_RULES)
    build = settings.get("build")
    if build is not None:
        _check_keys(f"{where} build", build, BUILD_KEYS)
        _check_values(f"{where} build", build, BUILD_RULES)
    if settings.get("kind", "slab") not in ("slab", "periodic"):
        _fail(where, f"kind={settings['kind']!r}; accepted: slab, periodic")
    try:  # the library's own rule
        check_orientation(system, EnergeticsSettings(orientation=settings.get("orientation", 0),
                                                     faces=settings.get("faces")))
    except UserInputError as exc:
        _fail(where, str(exc))
    if "optimizer" in settings:
        get_optimizer(settings["optimizer"])
    return dict(settings)


def energetics_settings(settings: dict[str, Any], system: str,
                        where: str = "energetics") -> EnergeticsSettings:
    """:class:`EnergeticsSettings` from its fields (``None`` values: the defaults), checked
    as a campaign spec's interface settings are: the one place they are validated, for the
    specs and for ``interfacemodel energetics``."""
    given = {k: v for k, v in settings.items() if v is not None}
    return from_dict(EnergeticsSettings, _settings(where, given, system))
