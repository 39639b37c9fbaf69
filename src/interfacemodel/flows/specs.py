"""Campaign specifications (YAML under ``workflows/``), validated on load.

A campaign names a calculator, the interfaces whose energetics to compute and the migration
barriers to run::

    name: li-lif                      # campaign name (letters, digits, - _ .); default:
                                      #   the file name without .yaml
    calculator: sevennet              # NAME[:key=value,...]; `submit --calc` overrides it;
                                      #   default: sevennet (the package default)
    committee:                        # optional: other calculators that re-evaluate the
      - sevennet:model=7net-l3i5      #   campaign's geometries as single points; every
      - chgnet                        #   number then carries value ± spread
    functionals:                      # optional: the same single points with a calculator of
      - sevennet:model=7net-mf-0,modal=R2SCAN   # another functional, reported beside
    refine: gpaw                      # optional: DFT single points at the same geometries, the
                                      #   check of each number (`compare --refine` sets it)
    refine_models:                    # optional: the check's own smaller models (used only
      settings: {film_layers: 2}      #   with refine): relaxed with the campaign's calculator,
      systems: {li-lif: {}, li-mgf2: {substrate_layers: 3}}   # then every calculator's single
      barriers: [li-vacancy]          #   points there; barriers: the hops checked at the ML
      hops:                           #   saddle (default all); hops: bulk hops checked on hop
        lif-vacancy: {supercell: [1, 1, 2], host_cell: [[1, 1, 0], [-1, 1, 0], [0, 0, 1]]}
      reaction: true                  #   cells of their own; reaction: with Li (default yes)
      relax_above_eV_per_A: 0.2       #   DFT relaxes a structure where its force exceeds this
      relax_steps: 10                 #   (default: never), for at most this many steps
      calculator_options:             #   options of the check's calculator for these models,
        gpaw: {ecut_eV: 500}          #   used where `--refine` does not set them
    interfaces:
      - system: li-lif                # a named system (interfacemodel build --list)
        settings: {fmax: 0.05, scan_grid: [3, 3]}   # EnergeticsSettings fields
    barriers:
      - name: lif-vacancy             # unique within the campaign
        host: LiF                     # bulk hop: host crystal (catalogue name) ...
        mechanism: vacancy            # vacancy | interstitial | interstitialcy
        species: Li
        temperatures_K: [300, 400]
      - name: li-lif-interface
        system: li-lif                # ... or an interface hop of a named system ...
      - name: au-al100
        initial: data/au_al100_initial.extxyz   # ... or given end points (paths relative
        final: data/au_al100_final.extxyz       #     to the YAML file)
        surface_z: 4                  # optional: a 2-D hop lattice (z hops) for D(T)

Everything is checked here, before any Firework exists: a bad spec gets one line naming the
file, the entry and the accepted values. Every value is checked for its type and range by one
table per section (:data:`SETTINGS_RULES`, :data:`BUILD_RULES`, :data:`BARRIER_RULES`,
:data:`SEGREGATION_RULES`, :data:`REPORT_RULES`, :data:`TOP_RULES`): counts are integers
(``true`` and ``2.5`` are not), forces, temperatures, areas and lengths are numbers > 0,
fractions lie in (0, 1], flags are ``true``/``false``; ``null`` gives the default where a key
has one.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..analysis.committee import ShortRelaxation
from ..analysis.interface_energetics import BUILD_KEYS, EnergeticsSettings, check_orientation
from ..analysis.intrinsic import CARRIERS
from ..analysis.migration import (
    HOP_FMAX_EV_PER_A,
    HOP_N_IMAGES,
    PHONON_CUTOFF_A,
    check_bulk_hop,
    check_host_cell,
)
from ..analysis.solubility import alloy_phase_set
from ..analysis.solute_screen import (
    DEFAULT_FACES,
    DEFAULT_LAYERS,
    ISSUE_SOLUTES,
    check_screen_inputs,
)
from ..calculators import backend, check_elements, parse_calc_spec
from ..errors import UserInputError
from ..models.systems import system_elements, system_recipe
from ..records import from_dict
from ..run.optimizers import get_optimizer
from ..structures import load_bulk
from .solubility import check_solid_solutions

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
#: the calculator of a spec that names none (the package default)
DEFAULT_CALCULATOR = "sevennet"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass
class InterfaceEntry:
    system: str
    settings: dict[str, Any] = field(default_factory=dict)
    role: str = "coating"  # in a report: 'coating' (ranked) or 'reference'


@dataclass
class SegregationEntry:
    """Solute segregation in the film of a named system (analysis.segregation)."""

    system: str
    solute: str = "Mg"
    fmax: float = 0.05
    film_layers: int | None = None


@dataclass
class SolubilityEntry:
    """A metal M dissolved in Li (analysis.solubility): its dilute heat of solution and
    solution energy against the Li–M phase in equilibrium with Li, in the report row
    ``coating`` (default: the interface row whose coating holds M)."""

    solute: str
    coating: str | None = None
    supercell: int = 3
    fmax: float = 0.02
    #: Mg only: bcc Li–Mg solid-solution cells at these Mg fractions join the hull
    solid_solutions: list[float] = field(default_factory=list)


@dataclass
class BarrierEntry:
    name: str
    kind: str  # 'bulk', 'interface' or 'endpoints'
    case: dict[str, Any]  # the arguments of the hop's prepare_* step
    temperatures_K: list[float] = field(default_factory=lambda: [300.0])
    n_images: int = HOP_N_IMAGES
    fmax: float = HOP_FMAX_EV_PER_A
    optimizer: str | None = None
    phonons: bool = True
    coating: str | None = None  # the report row it belongs to (default: the host crystal)
    #: a vacancy hop in an ionic host, or an interstitial(cy) hop in a Frenkel (A2B) host:
    #: carriers from its Schottky/Frenkel pairs ('intrinsic') or from the neutral defect
    #: formed against the metal ('metal')
    carriers: str = "intrinsic"
    #: the Vineyard partial Hessian's neighbourhood of the hopping atom (Å; cells over
    #: run.phonons.FULL_CELL_MAX_ATOMS atoms)
    phonon_cutoff_A: float = PHONON_CUTOFF_A


@dataclass
class RefineModels:
    """The models of the DFT check (``refine``), when they are not the campaign's own: per
    interface the settings of a smaller model (the interface's settings updated with
    ``settings`` and then its own entry of ``systems``), relaxed with the campaign's
    calculator; every calculator (campaign's, committee, DFT) takes single points there. Only
    the systems named are checked; ``barriers``: the hops the DFT check recomputes at the main
    model's saddle (None: all); ``reaction``: the reaction with Li at the main crystals;
    ``relax_above_eV_per_A`` / ``relax_steps``: where DFT and ML forces disagree, the short
    DFT relaxation (:class:`~interfacemodel.analysis.committee.ShortRelaxation`); ``hops``:
    bulk hops checked on hop cells of their own (smaller than the campaign's)."""

    systems: dict[str, dict[str, Any]]  # system -> its check model's settings (complete)
    barriers: list[str] | None = None
    #: bulk hop name -> its own smaller hop cell ({'supercell', 'host_cell'}): relaxed and
    #: NEB'd with the campaign's calculator there, every calculator's single points at that
    #: NEB's end points and saddle (instead of the DFT check at the campaign's hop cell)
    hops: dict[str, dict[str, Any]] = field(default_factory=dict)
    reaction: bool = True
    #: the DFT check relaxes each structure of a model on which its largest force exceeds
    #: this (eV/Å; None: never) for at most ``relax_steps`` steps
    relax_above_eV_per_A: float | None = None
    relax_steps: int = ShortRelaxation.steps
    #: backend name -> {option: value}: the check calculator's options for these models,
    #: where the ``refine`` spec does not give them
    calculator_options: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class CampaignSpec:
    name: str
    calculator: str
    interfaces: list[InterfaceEntry]
    barriers: list[BarrierEntry]
    description: str = ""
    source: str = ""
    segregation: list[SegregationEntry] = field(default_factory=list)
    solubility: list[SolubilityEntry] = field(default_factory=list)
    report: dict[str, Any] | None = None  # {'title': ...}: join in a comparison report
    #: calculators besides ``calculator`` that re-evaluate the campaign's geometries
    #: (:mod:`interfacemodel.analysis.committee`); empty: no spread
    committee: list[str] = field(default_factory=list)
    #: calculators of another functional evaluated like committee members, reported beside
    #: the numbers (not in the spread)
    functionals: list[str] = field(default_factory=list)
    #: a DFT calculator that recomputes every number at the campaign's geometries (the check
    #: of the ML numbers; None: no check)
    refine: str | None = None
    #: the DFT check's own smaller models (None: the check takes the campaign's geometries)
    refine_models: RefineModels | None = None
    #: the solute screen (analysis.solute_screen): {'host', 'solutes', 'faces', 'layers',
    #: 'fmax', 'systems' (the campaign's interface systems whose relaxed model the solutes
    #: segregate to as well; [] none)}, reported as a section of its own; None: no screen
    solute_screen: dict[str, Any] | None = None

    def members(self) -> list[str]:
        """Every calculator besides the campaign's that re-evaluates its geometries: the
        committee, the other functionals and the refine calculator."""
        return [*self.committee, *self.functionals, *([self.refine] if self.refine else [])]

    def elements(self) -> list[str]:
        """Every element the campaign's structures hold (for the calculator check)."""
        found: set[str] = set()
        for entry in self.interfaces:
            found |= set(system_elements(entry.system))
        for b in self.barriers:
            found |= barrier_elements(b)
        for g in self.segregation:
            found |= set(system_elements(g.system)) | {g.solute}
        for sol in self.solubility:
            found |= {"Li", sol.solute}
        if self.solute_screen is not None:
            found |= {self.solute_screen["host"], *self.solute_screen["solutes"]}
        return sorted(found)


def _fail(where: str, msg: str):
    raise UserInputError(f"{where}: {msg}")


def _check_keys(where: str, data: dict, accepted) -> None:
    unknown = [k for k in data if k not in accepted]
    if unknown:
        _fail(where, f"unknown key {unknown[0]!r}; accepted: {', '.join(accepted)}")


# ------------------------------------------------------------------------------------------
# value checks: one table per section, one checker for all of them


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


def _interface(where: str, entry) -> InterfaceEntry:
    if isinstance(entry, str):
        entry = {"system": entry}
    if not isinstance(entry, dict) or "system" not in entry:
        _fail(where, f"an interface entry needs 'system', got {entry!r}")
    _check_keys(where, entry, INTERFACE_KEYS)
    _check_values(where, entry, INTERFACE_RULES)
    system_recipe(entry["system"])  # unknown system: one line naming the known ones
    role = entry.get("role", "coating")
    if role not in ROLES:
        _fail(where, f"role={role!r}; accepted: {', '.join(ROLES)}")
    return InterfaceEntry(entry["system"].strip().lower(),
                          _settings(f"{where} ({entry['system']})", entry.get("settings"),
                                    entry["system"]), role)


def _refine_models(where: str, data: dict, interfaces: list[InterfaceEntry],
                   barriers: list[BarrierEntry]) -> RefineModels:
    """The ``refine_models`` section, checked: its systems are the campaign's interfaces, its
    settings valid for each of them, its barriers the campaign's."""
    where = f"{where} refine_models"
    _check_keys(where, data, REFINE_MODEL_KEYS)
    _check_values(where, data, REFINE_MODEL_RULES)
    common = data.get("settings") or {}
    known = {system_recipe(e.system).name: e for e in interfaces}
    systems = data.get("systems")
    if systems is None:
        systems = {s: {} for s in known}
    elif isinstance(systems, list):
        systems = {s: {} for s in systems}
    chosen = {}
    for name, own in systems.items():
        key = system_recipe(str(name)).name  # an unknown name: one line naming the known
        if key not in known:
            _fail(where, f"system {name!r} is not one of the campaign's interfaces "
                         f"({', '.join(known) or 'none'})")
        if own is not None and not isinstance(own, dict):
            _fail(where, f"systems: {name}: settings must be a mapping, got {own!r}")
        merged = {**known[key].settings, **common, **(own or {})}
        chosen[key] = _settings(f"{where} ({key})", merged, key)
    names = [b.name for b in barriers]
    hops = data.get("barriers")
    for hop in hops or []:
        if hop not in names:
            _fail(where, f"barrier {hop!r} is not one of the campaign's "
                         f"({', '.join(names) or 'none'})")
    own = {}
    by_name = {b.name: b for b in barriers}
    for hop, cell in (data.get("hops") or {}).items():
        if hop not in by_name:
            _fail(where, f"hops: {hop!r} is not one of the campaign's barriers "
                         f"({', '.join(names) or 'none'})")
        if by_name[hop].kind != "bulk":
            _fail(where, f"hops: {hop!r} is a {by_name[hop].kind} hop; a hop cell of its own "
                         f"is for bulk hops (host, mechanism)")
        cell = cell or {}
        if not isinstance(cell, dict):
            _fail(where, f"hops: {hop}: must be a mapping with {', '.join(HOP_MODEL_KEYS)}, "
                         f"got {cell!r}")
        _check_keys(f"{where} hops ({hop})", cell, HOP_MODEL_KEYS)
        _check_values(f"{where} hops ({hop})", {k: v for k, v in cell.items()
                                                if k == "supercell"}, BARRIER_RULES)
        if cell.get("host_cell") is not None:
            try:
                check_host_cell(cell["host_cell"])
            except UserInputError as err:
                _fail(f"{where} hops ({hop})", str(err))
        own[str(hop)] = {k: v for k, v in cell.items() if v is not None}
    reaction = data.get("reaction")
    options = {str(k).strip().lower(): dict(v)
               for k, v in (data.get("calculator_options") or {}).items()}
    return RefineModels(chosen, None if hops is None else list(hops), own,
                        True if reaction is None else bool(reaction),
                        data.get("relax_above_eV_per_A"),
                        data.get("relax_steps") or RefineModels.relax_steps,
                        options)


def with_preset_options(calc: str, options: dict[str, dict[str, Any]]) -> str:
    """The calculator spec ``calc`` with the options ``options`` holds for its backend added
    where ``calc`` does not set them (what ``calc`` gives wins)."""
    name, _, rest = calc.strip().partition(":")
    preset = options.get(name.strip().lower())
    if not preset:
        return calc.strip()
    tokens = [t.strip() for t in rest.split(",") if t.strip()]
    given = {t.partition("=")[0].strip() for t in tokens if "=" in t}
    positional = backend(name.strip().lower()).positional_option
    if tokens and "=" not in tokens[0] and positional:
        given.add(positional)
    extra = [f"{k}={v}" for k, v in preset.items() if k not in given]
    return f"{name.strip()}:{','.join(tokens + extra)}"


def _segregation(where: str, entry) -> SegregationEntry:
    if isinstance(entry, str):
        entry = {"system": entry}
    if not isinstance(entry, dict) or "system" not in entry:
        _fail(where, f"a segregation entry needs 'system', got {entry!r}")
    _check_keys(where, entry, SEGREGATION_KEYS)
    _check_values(where, entry, SEGREGATION_RULES)
    system_recipe(entry["system"])
    return SegregationEntry(entry["system"].strip().lower(), entry.get("solute", "Mg"),
                            float(entry.get("fmax", 0.05)), entry.get("film_layers"))


def _solubility(where: str, entry) -> SolubilityEntry:
    if isinstance(entry, str):
        entry = {"solute": entry}
    if not isinstance(entry, dict) or "solute" not in entry:
        _fail(where, f"a solubility entry needs 'solute' (an element, e.g. Bi), got {entry!r}")
    _check_keys(where, entry, SOLUBILITY_KEYS)
    _check_values(where, entry, SOLUBILITY_RULES)
    try:
        alloy_phase_set(entry["solute"])
    except UserInputError as exc:
        _fail(where, str(exc))
    fractions = [float(x) for x in entry.get("solid_solutions") or []]
    try:
        check_solid_solutions(entry["solute"], fractions)
    except UserInputError as exc:
        _fail(where, str(exc))
    return SolubilityEntry(entry["solute"], entry.get("coating"), int(entry.get("supercell", 3)),
                           float(entry.get("fmax", 0.02)), fractions)


def _screen_systems(where: str, value, host: str, interfaces: list[InterfaceEntry]
                    ) -> list[str]:
    """The screen's ``systems``: None → none; 'all' → every interface of the spec; a list →
    those, each one of the spec's interfaces (canonical names, in the given order) with a
    ``host`` film."""
    known = [system_recipe(e.system).name for e in interfaces]
    accepted = f"accepted: 'all' or a list of the campaign's interfaces " \
               f"({', '.join(known) or 'none'})"
    if value is None:
        return []
    if isinstance(value, str):
        if value.strip().lower() != "all":
            _fail(where, f"systems={value!r}; {accepted}")
        chosen = list(known)
    elif isinstance(value, list):
        chosen = []
        for name in value:
            try:
                key = system_recipe(str(name)).name
            except UserInputError:
                key = None
            if not isinstance(name, str) or key not in known:
                _fail(where, f"systems: {name!r} is not one of the campaign's interfaces "
                             f"({', '.join(known) or 'none'})")
            if key in chosen:
                _fail(where, f"systems: {name!r} given twice; give each system once")
            chosen.append(key)
    else:
        _fail(where, f"systems={value!r}; {accepted}")
    for key in chosen:
        film = system_recipe(key).film
        if sorted(load_bulk(film).symbol_set) != [host]:
            _fail(where, f"systems: {key!r} has a {film} film, not the host {host}: the "
                         f"screen's interfaces need a {host} film")
    return chosen


def _solute_screen(where: str, data, interfaces: list[InterfaceEntry] = ()) -> dict[str, Any]:
    if data is True:
        data = {}
    if not isinstance(data, dict):
        _fail(where, f"solute_screen is true or a mapping with {', '.join(SCREEN_KEYS)}")
    _check_keys(where, data, SCREEN_KEYS)
    host = data.get("host", "Li")
    solutes = data.get("solutes", list(ISSUE_SOLUTES))
    faces = data.get("faces", list(DEFAULT_FACES))
    try:
        solutes, faces = check_screen_inputs(str(host), solutes, [str(f) for f in faces])
    except UserInputError as exc:
        _fail(where, str(exc))
    layers, fmax = data.get("layers", DEFAULT_LAYERS), data.get("fmax", 0.05)
    if not _is_int(layers) or layers < 3:
        _fail(where, f"layers={layers!r}: an integer ≥ 3")
    if not _is_number(fmax) or fmax <= 0:
        _fail(where, f"fmax={fmax!r}: a number > 0 (eV/Å)")
    systems = _screen_systems(where, data.get("systems"), str(host), list(interfaces))
    return {"host": str(host), "solutes": list(solutes), "faces": list(faces),
            "layers": int(layers), "fmax": float(fmax), "systems": systems}


def solubility_row(spec: CampaignSpec, entry: SolubilityEntry) -> str:
    """The report row of a solubility entry: its ``coating``, else the one interface row whose
    coating crystal holds the solute, else a reference row '<M> in Li'."""
    if entry.coating:
        return entry.coating
    holders = [system_recipe(e.system).substrate for e in spec.interfaces
               if entry.solute in system_elements(e.system)]
    return holders[0] if len(holders) == 1 else f"{entry.solute} in Li"


def barrier_elements(b: BarrierEntry) -> set[str]:
    """Every element of a barrier's structures (for the calculator check)."""
    from ase.io import read

    if b.kind == "bulk":
        return set(load_bulk(b.case["host"]).symbol_set) | {b.case.get("species", "Li")} \
            | ({b.case["solute"]} if b.case.get("solute") else set())
    if b.kind == "interface":
        return set(system_elements(b.case["system"]))
    return set(read(b.case["initial"]).get_chemical_symbols())


def barrier_entry(entry: dict, where: str, base: str | Path = ".") -> BarrierEntry:
    """One barrier entry (the keys of a campaign spec's ``barriers`` list) checked and
    constructed: the one place barrier settings are validated, for the specs and for
    ``interfacemodel barrier``. ``base``: where relative end-point files are."""
    return _barrier(where, entry, Path(base))


def _barrier(where: str, entry, base: Path) -> BarrierEntry:
    if not isinstance(entry, dict) or "name" not in entry:
        _fail(where, f"a barrier entry needs a 'name', got {entry!r}")
    name = str(entry["name"])
    where = f"{where} ({name})"
    if not NAME_RE.match(name):
        _fail(where, f"name {name!r} may hold only letters, digits, '-', '_' and '.'")
    kinds = [k for k, marker in (("bulk", "host"), ("interface", "system"),
                                 ("endpoints", "initial")) if marker in entry]
    if len(kinds) != 1:
        _fail(where, "give exactly one of 'host' (bulk hop), 'system' (interface hop) or "
                     "'initial' + 'final' (end points)")
    kind = kinds[0]
    _check_keys(where, entry, BARRIER_COMMON + BARRIER_KINDS[kind])
    _check_values(where, {k: v for k, v in entry.items() if k != "name"}, BARRIER_RULES)
    case = {k: entry[k] for k in BARRIER_KINDS[kind] if k in entry and k != "carriers"}
    if kind == "bulk":
        load_bulk(case["host"])  # unknown phase: one line
        mech = case.setdefault("mechanism", "vacancy")
        try:  # the library's own rules, here before anything runs
            check_bulk_hop(mech, case.get("solute"), case.get("sites_frac"),
                           case.get("defect_fraction"))
        except UserInputError as exc:
            _fail(where, str(exc))
    elif kind == "interface":
        system_recipe(case["system"])
    else:
        if "final" not in case:
            _fail(where, "end points need both 'initial' and 'final'")
        for key in ("initial", "final"):
            path = (base / str(case[key])).resolve()
            if not path.is_file():
                _fail(where, f"{key} file {str(path)!r} does not exist")
            case[key] = str(path)
        _check_endpoints(where, case)
    temps = entry.get("temperatures_K", [300.0])
    temps = [float(t) for t in (temps if isinstance(temps, list) else [temps])]
    optimizer = entry.get("optimizer")
    if optimizer is not None:
        get_optimizer(optimizer)
    coating = entry.get("coating")
    return BarrierEntry(name, kind, case, temps, entry.get("n_images", HOP_N_IMAGES),
                        float(entry.get("fmax", HOP_FMAX_EV_PER_A)), optimizer,
                        entry.get("phonons", True), None if coating is None else str(coating),
                        entry.get("carriers", "intrinsic"),
                        float(entry.get("phonon_cutoff_A", PHONON_CUTOFF_A)))


def _check_endpoints(where: str, case: dict) -> None:
    from ase.io import read

    try:
        ends = [read(case[k]) for k in ("initial", "final")]
    except Exception as exc:  # any reader error is the user's file
        _fail(where, f"cannot read the end points: {' '.join(str(exc).split())}")
    if len(ends[0]) != len(ends[1]) or \
            list(ends[0].get_chemical_symbols()) != list(ends[1].get_chemical_symbols()):
        _fail(where, "initial and final must hold the same atoms in the same order")
    moving = case.get("moving_index")
    if moving is not None and moving >= len(ends[0]):
        _fail(where, f"moving_index={moving!r} must be < {len(ends[0])} (the atoms of the "
                     f"end points)")


def _foreign_solute(bar: BarrierEntry) -> bool:
    """A bulk hop of a solute other than Li (e.g. Mg in Li): reported as the row's solute
    hop, not as its Li transport."""
    return bar.kind == "bulk" and bar.case.get("solute") not in (None, "Li")


def report_rows(spec: CampaignSpec) -> list[dict]:
    """Which products make each row of the comparison report: one row per interface (the
    coating crystal's name), a bulk barrier in the row of its host (or ``coating``; the hop
    of a solute other than Li as the row's ``solute_migration``), an interface barrier and a
    segregation entry in the row of their system; a barrier with no such row gets a
    reference row of its own (e.g. Li self-diffusion)."""
    rows: dict[str, dict] = {}
    by_system: dict[str, str] = {}
    for e in spec.interfaces:
        recipe = system_recipe(e.system)
        rows[recipe.substrate] = {"coating": recipe.substrate, "system": recipe.name,
                                  "role": e.role, "energetics": f"energetics:{recipe.name}",
                                  "interface": f"interface:{recipe.name}"}
        by_system[recipe.name] = recipe.substrate
    for bar in spec.barriers:
        if bar.kind == "interface":
            name = bar.coating or by_system.get(bar.case["system"], bar.case["system"])
            part = "interface_migration"
        else:
            name = bar.coating or (bar.case["host"] if bar.kind == "bulk" else bar.name)
            part = "solute_migration" if _foreign_solute(bar) else "bulk_migration"
        row = rows.setdefault(name, {"coating": name, "system": "-", "role": "reference"})
        if part in row:
            raise UserInputError(f"{spec.source}: two barriers for the {part} of {name}: "
                                 f"give one of them a 'coating' (its report row)")
        row[part] = f"migration:{bar.name}"
    for g in spec.segregation:
        name = by_system.get(g.system, g.system)
        row = rows.setdefault(name, {"coating": name, "system": g.system, "role": "reference"})
        row["mg_segregation"] = f"segregation:{g.system}"
    for sol in spec.solubility:
        name = solubility_row(spec, sol)
        row = rows.setdefault(name, {"coating": name, "system": "-", "role": "reference"})
        if "solubility" in row:
            raise UserInputError(f"{spec.source}: two solubility entries for the row {name}: "
                                 f"give one of them a 'coating' (its report row)")
        row["solubility"] = f"solubility:{sol.solute}"
    return list(rows.values())


def select_coatings(spec: CampaignSpec, coatings) -> CampaignSpec:
    """The campaign restricted to the report rows named in ``coatings`` (reference rows that
    belong to no interface, e.g. Li self-diffusion, are kept)."""
    rows = {r["coating"]: r for r in report_rows(spec)}
    coating_rows = [name for name, r in rows.items() if r.get("energetics")]
    wanted = {c.strip() for c in coatings}
    unknown = sorted(c for c in wanted if c not in coating_rows)
    if unknown:
        raise UserInputError(f"unknown coating {unknown[0]!r}; this campaign has: "
                             f"{', '.join(coating_rows)}")
    keep_rows = wanted | {name for name, r in rows.items() if not r.get("energetics")}
    interfaces = [e for e in spec.interfaces if system_recipe(e.system).substrate in wanted]
    systems = {e.system for e in interfaces}
    barriers = [b for b in spec.barriers
                if (b.kind == "interface" and b.case["system"] in systems)
                or (b.kind != "interface"
                    and any(f"migration:{b.name}" in (r.get("bulk_migration"),
                                                      r.get("solute_migration"))
                            for n, r in rows.items() if n in keep_rows))]
    segregation = [g for g in spec.segregation if g.system in systems]
    solubility = [sol for sol in spec.solubility if solubility_row(spec, sol) in keep_rows]
    screen = spec.solute_screen
    if screen is not None:  # the screen's interfaces: those still in the campaign
        screen = {**screen, "systems": [s for s in screen.get("systems") or []
                                        if s in {system_recipe(e.system).name
                                                 for e in interfaces}]}
    return dataclasses.replace(spec, interfaces=interfaces, barriers=barriers,
                               segregation=segregation, solubility=solubility,
                               solute_screen=screen)


def committee_members(calculator: str, members: list[str]) -> list[str]:
    """The committee's members besides ``calculator``, each spec checked (unknown name or
    option: one line), in the given order; the campaign's own calculator and repeats (equal
    parsed specs) are dropped."""
    seen = [parse_calc_spec(calculator)]
    out = []
    for member in members:
        parsed = parse_calc_spec(member)
        if parsed not in seen:
            seen.append(parsed)
            out.append(member.strip())
    return out


def _yaml_text(path: Path, what: str) -> str:
    """The text of a YAML file given by the user, or a :class:`UserInputError` in one line
    naming it: missing, a directory or other non-file, unreadable, or not UTF-8 text (a
    binary file, another encoding)."""
    where = f"{what} {str(path)!r}"
    if path.is_dir():
        raise UserInputError(f"{where} is a directory; give the YAML file")
    if not path.exists():
        raise UserInputError(f"{where} does not exist")
    if not path.is_file():
        raise UserInputError(f"{where} is not a regular file; give the YAML file")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserInputError(f"{where} is not a UTF-8 text (YAML) file (byte "
                             f"0x{exc.object[exc.start]:02x} at offset {exc.start})") from None
    except OSError as exc:
        raise UserInputError(f"{where} cannot be read ({exc.strerror or exc})") from None


def load_campaign(path: str | Path, calculator: str | None = None,
                  refine: str | None = None) -> CampaignSpec:
    """Read and validate a campaign YAML; ``calculator`` replaces the spec's, ``refine`` its
    refine calculator.

    A spec without ``name`` is named after its file (``li-lif.yaml`` -> ``li-lif``); one
    without ``calculator`` uses :data:`DEFAULT_CALCULATOR` (``sevennet``). Any mistake raises
    :class:`~interfacemodel.errors.UserInputError` with one line naming the file, the entry,
    the bad value and what is accepted; nothing is written before this returns."""
    import yaml

    path = Path(path)
    text = _yaml_text(path, "campaign spec")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UserInputError(f"{path}: not valid YAML{at}: {problem}") from None
    where = str(path)
    if not isinstance(data, dict):
        _fail(where, f"a campaign spec is a mapping with keys {', '.join(TOP_KEYS)}")
    _check_keys(where, data, TOP_KEYS)
    _check_values(where, data, TOP_RULES)
    name = str(data.get("name") or path.stem)
    if not NAME_RE.match(name):
        given = "" if data.get("name") else " (from the file name; give the spec a 'name')"
        _fail(where, f"name {name!r}{given} may hold only letters, digits, '-', '_' and '.'")
    calc = calculator or data.get("calculator") or DEFAULT_CALCULATOR
    parse_calc_spec(calc)  # unknown calculator: one line naming the known ones
    raw_interfaces = data.get("interfaces") or []
    raw_barriers = data.get("barriers") or []
    raw_segregation = data.get("segregation") or []
    raw_solubility = data.get("solubility") or []
    for key, value in (("interfaces", raw_interfaces), ("barriers", raw_barriers),
                       ("segregation", raw_segregation), ("solubility", raw_solubility)):
        if not isinstance(value, list):
            _fail(where, f"{key} must be a list, got {type(value).__name__}")
    interfaces = [_interface(f"{where} interfaces[{i}]", e) for i, e in enumerate(raw_interfaces)]
    barriers = [_barrier(f"{where} barriers[{i}]", e, path.parent)
                for i, e in enumerate(raw_barriers)]
    segregation = [_segregation(f"{where} segregation[{i}]", e)
                   for i, e in enumerate(raw_segregation)]
    solubility = [_solubility(f"{where} solubility[{i}]", e)
                  for i, e in enumerate(raw_solubility)]
    solutes = [sol.solute for sol in solubility]
    again = sorted({m for m in solutes if solutes.count(m) > 1})
    if again:
        _fail(where, f"solubility of {again[0]!r} is listed twice (one entry per solute)")
    screen = None if data.get("solute_screen") in (None, False) else \
        _solute_screen(f"{where} solute_screen", data["solute_screen"], interfaces)
    if not interfaces and not barriers and not segregation and not solubility \
            and screen is None:
        _fail(where, "the campaign has no interfaces, barriers, segregation, solubility or "
                     "solute_screen entries")
    report = data.get("report")
    if report is True:
        report = {}
    if report is not None and report is not False:
        if not isinstance(report, dict):
            _fail(where, f"report must be true or a mapping with {', '.join(REPORT_KEYS)}")
        _check_keys(f"{where} report", report, REPORT_KEYS)
        _check_values(f"{where} report", report, REPORT_RULES)
    else:
        report = None
    names = [b.name for b in barriers]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        _fail(where, f"barrier name {dupes[0]!r} is used twice")
    systems = [e.system for e in interfaces]
    twice = sorted({s for s in systems if systems.count(s) > 1})
    if twice:
        _fail(where, f"interface {twice[0]!r} is listed twice (one entry per system)")
    spec = CampaignSpec(name, str(calc), interfaces, barriers,
                        str(data.get("description") or ""), str(path.resolve()), segregation,
                        solubility, report, committee_members(calc, data.get("committee") or []))
    spec.solute_screen = screen
    spec.functionals = [f for f in committee_members(calc, data.get("functionals") or [])
                        if parse_calc_spec(f) not in map(parse_calc_spec, spec.committee)]
    if data.get("refine_models") is not None:
        spec.refine_models = _refine_models(where, data["refine_models"], interfaces, barriers)
    refine = refine or data.get("refine")
    if refine:
        if spec.refine_models is not None:  # the check's options for its models
            refine = with_preset_options(str(refine), spec.refine_models.calculator_options)
        try:
            parsed = parse_calc_spec(refine)
        except UserInputError as exc:
            _fail(where, f"refine: {exc}")
        if parsed == parse_calc_spec(calc) or parsed in map(parse_calc_spec, spec.committee
                                                             + spec.functionals):
            _fail(where, f"refine={refine!r} is already the campaign's calculator or a "
                         f"committee member: the check needs another calculator")
        spec.refine = str(refine).strip()
    check_elements(calc, spec.elements())  # a calculator that lacks an element: one line
    for member in spec.members():
        check_elements(member, spec.elements())
    if spec.report is not None:
        report_rows(spec)  # every record has one place in the report
    return spec
