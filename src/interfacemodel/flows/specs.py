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
table per section (:mod:`.spec_rules`: :data:`SETTINGS_RULES`, :data:`BUILD_RULES`, :data:`BARRIER_RULES`,
:data:`SEGREGATION_RULES`, :data:`REPORT_RULES`, :data:`TOP_RULES`): counts are integers
(``true`` and ``2.5`` are not), forces, temperatures, areas and lengths are numbers > 0,
fractions lie in (0, 1], flags are ``true``/``false``; ``null`` gives the default where a key
has one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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
from ..models.systems import system_recipe
from ..run.optimizers import get_optimizer
from ..structures import load_bulk
from .solubility import check_solid_solutions
from .spec_entries import (
    BarrierEntry,
    CampaignSpec,
    InterfaceEntry,
    RefineModels,
    SegregationEntry,
    SolubilityEntry,
)
from .spec_rows import report_rows
from .spec_rules import (
    BARRIER_COMMON,
    BARRIER_KINDS,
    BARRIER_RULES,
    HOP_MODEL_KEYS,
    INTERFACE_KEYS,
    INTERFACE_RULES,
    REFINE_MODEL_KEYS,
    REFINE_MODEL_RULES,
    REPORT_KEYS,
    REPORT_RULES,
    ROLES,
    SCREEN_KEYS,
    SEGREGATION_KEYS,
    SEGREGATION_RULES,
    SOLUBILITY_KEYS,
    SOLUBILITY_RULES,
    TOP_KEYS,
    TOP_RULES,
    _check_keys,
    _check_values,
    _fail,
    _is_int,
    _is_number,
    _settings,
)

#: the calculator of a spec that names none (the package default)
DEFAULT_CALCULATOR = "sevennet"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


# ------------------------------------------------------------------------------------------
# value checks: one table per section, one checker for all of them


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
