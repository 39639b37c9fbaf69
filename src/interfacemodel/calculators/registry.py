"""Calculator registry: names, options, element coverage, and the spec string parser.

A calculator is named by a *spec* string ``NAME[:TOKEN,TOKEN,...]`` where each token is
``key=value``; for ``lammps`` the first token may be a bare potential name
(``lammps:li-snap``). Examples: ``sevennet``, ``chgnet:device=cpu``,
``gpaw:ecut_eV=300,kpts=4x4x4``, ``lammps:li-mg-meam``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..errors import UnknownNameError, UnsupportedElementsError, UserInputError


@dataclass(frozen=True)
class Option:
    """One user-settable option of a backend. ``type`` converts the string form."""

    name: str
    type: Callable[[str], Any]
    default: Any
    help: str
    choices: tuple[Any, ...] | None = None

    def convert(self, value: Any, backend: str) -> Any:
        if isinstance(value, str):
            try:
                value = self.type(value)
            except (TypeError, ValueError) as exc:
                raise UserInputError(
                    f"option {self.name}={value!r} of calculator {backend!r} is not valid: {exc}"
                ) from None
        if self.choices is not None and value not in self.choices:
            raise UserInputError(
                f"option {self.name}={value!r} of calculator {backend!r} is not one of "
                f"{', '.join(map(str, self.choices))}"
            )
        return value


@dataclass(frozen=True)
class Backend:
    """A calculator backend.

    ``make(options)`` builds the ASE calculator; ``elements(options)`` returns the chemical
    symbols it can treat (``None`` for the whole periodic table); ``module`` is the import
    that must succeed and ``extra`` the pip extra that provides it.
    """

    name: str
    summary: str
    make: Callable[[dict[str, Any]], Any]
    elements: Callable[[dict[str, Any]], frozenset[str] | None]
    options: tuple[Option, ...] = ()
    module: str | None = None
    extra: str | None = None
    #: site settings a program-running backend needs (key -> example), checked by the CLI
    #: before any work (:func:`interfacemodel.calculators.site.site_setting`)
    site_keys: tuple[tuple[str, str], ...] = ()
    positional_option: str | None = None  # option a bare token sets (lammps: potential)
    model_option: str | None = None  # option that names the model/potential, for provenance
    notes: str = ""
    option_map: dict[str, Option] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "option_map", {o.name: o for o in self.options})

    def resolve_options(self, given: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(given) - set(self.option_map))
        if unknown:
            accepted = ", ".join(self.option_map) or "none"
            raise UserInputError(
                f"calculator {self.name!r} has no option {unknown[0]!r}; accepted: {accepted}"
            )
        resolved = {o.name: o.default for o in self.options}
        for key, value in given.items():
            resolved[key] = self.option_map[key].convert(value, self.name)
        return resolved

    def is_installed(self) -> bool:
        if self.module is None:
            return True
        import importlib.util

        return importlib.util.find_spec(self.module) is not None


_REGISTRY: dict[str, Backend] = {}


def register(backend: Backend) -> Backend:
    _REGISTRY[backend.name] = backend
    return backend


def backend(name: str) -> Backend:
    # import cycle: backends imports this module to register the built-in backends
    from . import backends  # noqa: F401  (registers them on first use)

    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownNameError(
            f"unknown calculator {name!r}; known: {', '.join(available_calculators())}"
        ) from None


def available_calculators() -> list[str]:
    from . import backends  # noqa: F401  (import cycle, as in backend())

    return list(_REGISTRY)


@dataclass(frozen=True)
class CalcSpec:
    """A parsed calculator spec: backend name plus resolved options (defaults filled in)."""

    name: str
    options: dict[str, Any]

    @property
    def backend(self) -> Backend:
        return backend(self.name)

    @property
    def model(self) -> str | None:
        key = self.backend.model_option
        return None if key is None else str(self.options[key])

    def label(self) -> str:
        """Short human label, e.g. 'sevennet(7net-0)' or 'lammps(li-snap)'."""
        return f"{self.name}({self.model})" if self.model else self.name


def parse_calc_spec(spec: str | CalcSpec, **overrides: Any) -> CalcSpec:
    """Parse ``NAME[:key=value,...]`` into a :class:`CalcSpec`; keyword overrides win."""
    if isinstance(spec, CalcSpec):
        return CalcSpec(spec.name, spec.backend.resolve_options({**spec.options, **overrides}))
    if not isinstance(spec, str) or not spec.strip():
        raise UserInputError(f"calculator spec {spec!r} is empty; expected NAME[:key=value,...]")
    name, _, rest = spec.strip().partition(":")
    be = backend(name.strip().lower())
    given: dict[str, Any] = {}
    tokens = [t.strip() for t in rest.split(",")] if rest else []
    for i, token in enumerate(tokens):
        if "=" in token:
            key, _, value = token.partition("=")
            key, value = key.strip(), value.strip()
            if not key or not value:
                raise UserInputError(
                    f"malformed calculator option {token!r} in {spec!r}; expected key=value"
                )
            if key in given:
                raise UserInputError(f"calculator option {key!r} given twice in {spec!r}")
            given[key] = value
        elif i == 0 and be.positional_option and token:
            given[be.positional_option] = token
        else:
            raise UserInputError(
                f"malformed calculator option {token!r} in {spec!r}; expected key=value"
                + (f" (or a {be.positional_option} name first)" if be.positional_option else "")
            )
    given.update(overrides)
    return CalcSpec(be.name, be.resolve_options(given))


def supported_elements(spec: str | CalcSpec) -> frozenset[str] | None:
    """Chemical symbols the calculator can treat; ``None`` means every element."""
    spec = parse_calc_spec(spec)
    return spec.backend.elements(spec.options)


def _covers(spec: CalcSpec, symbols: set[str]) -> bool | None:
    """True/False if the backend covers ``symbols``; None if that cannot be told here."""
    try:
        elements = spec.backend.elements(spec.options)
    except Exception:  # package missing or model unreadable: cannot tell
        return None
    return elements is None or symbols <= elements


def calculators_covering(symbols: Iterable[str], computing_only: bool = True) -> list[str]:
    """Default-configured calculators (and named LAMMPS potentials) that cover ``symbols``;
    ``computing_only``: leave out the DFT codes that run a site's program (cp2k, vasp,
    espresso: they compute only where the worker's env names the program)."""
    from .backends import LAMMPS_POTENTIALS  # import cycle: backends imports this module

    symbols = set(symbols)
    found = []
    for name in available_calculators():
        be = backend(name)
        if computing_only and be.site_keys:
            continue
        if name == "lammps":
            for pot in LAMMPS_POTENTIALS:
                if _covers(parse_calc_spec(f"lammps:{pot}"), symbols):
                    found.append(f"lammps:{pot}")
            continue
        if be.is_installed() and _covers(parse_calc_spec(name), symbols):
            found.append(name)
    return found


def check_elements(spec: str | CalcSpec, symbols: Iterable[str]) -> CalcSpec:
    """Raise :class:`UnsupportedElementsError` unless the calculator covers every symbol.

    The message names the uncovered elements, what the calculator supports, and which
    calculators would do. Returns the parsed spec.
    """
    spec = parse_calc_spec(spec)
    symbols = set(symbols)
    elements = spec.backend.elements(spec.options)
    if elements is None or symbols <= elements:
        return spec
    missing = ", ".join(sorted(symbols - elements))
    alternatives = calculators_covering(symbols)
    hint = (
        f"use {', '.join(repr(a) for a in alternatives)} instead"
        if alternatives
        else "no installed calculator covers them all"
    )
    raise UnsupportedElementsError(
        f"calculator {spec.label()!r} cannot treat {missing}: it supports only "
        f"{', '.join(sorted(elements))}{spec.backend.notes and ' ' + spec.backend.notes}; {hint}"
    )
