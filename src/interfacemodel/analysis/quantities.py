"""Every reported quantity declared once, beside the record that produces it.

A :class:`Quantity` says what a number is (name with its unit, label, unit, format, log scale),
where it sits in its record (``path``, relative to the record, with its convergence flag and
status), how it ranks the coatings (``rank``: which way is better and why), and where it is
shown (``table`` and ``column`` of the report, ``figures``, ``headline`` for the campaign's
summary, ``spread`` for the numbers a committee member, another functional or the DFT check
recomputes from its own energies). The report's tables, ranking, figures, CSV/JSON, the
campaign summary, the committee's spreads, the second functional's columns and the DFT-check
table all iterate these declarations (:func:`collect`); nothing else names a quantity.

A declaration of a record nested in another (the contact angle inside the interface
energetics, the reaction with Li) is declared once beside its own record and placed with
:func:`nested`. Pure: no calculator, no file.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Rank:
    """How a quantity ranks the coatings: ``order`` of its column in the ranking, ``title``,
    ``better`` ('higher' or 'lower') and ``why``."""

    order: float  # a fraction places a column between two others
    title: str
    better: str
    why: str

    def __post_init__(self):
        if self.better not in ("higher", "lower"):
            raise ValueError(f"Rank.better {self.better!r}: 'higher' or 'lower'")


class Getter:
    """Values at dotted paths (:func:`source_path`) below a record (a dict); ``context``:
    what the report row knows besides the record (e.g. whether a committee recomputed it)."""

    def __init__(self, record: Any, context: dict[str, Any] | None = None):
        self.record = record
        self.context = context or {}

    def __call__(self, path: str, default: Any = None) -> Any:
        try:
            value = resolve_source(self.record, path)
        except KeyError:
            return default
        return default if value is None else value


#: a path, or a function of the record's :class:`Getter` (and the family key) giving one
PathSpec = str | Callable[..., str | None]
#: a text, or a function of the record's :class:`Getter` (and the family key) giving one
Text = str | Callable[..., str]


@dataclass(frozen=True)
class Quantity:
    """One reported number (or label) of a record; see the module docstring.

    ``path``: where the value is, relative to the record (a family: a function of the
    getter and the key). ``fmt``: 'auto' (3 decimals; scientific below 10⁻³ and from 10⁵),
    '.1f', '.2f', '+.3f', '.3g', 'sci', 'miller', a function of the value, or 'text' for
    labels, lists and flags. ``converged``: the path of
    the record's convergence flag (None: a geometry, a setting or a model size: no flag);
    ``status``: the detail after it (``none_text`` where there is no flag). ``when``: the
    value is reported only where this holds. ``keys``: a family, one value per key, named
    ``name[key]``."""

    name: str
    label: str
    unit: str
    path: PathSpec
    group: str
    fmt: Any = "auto"
    log: bool = False
    converged: PathSpec | None = None
    status: Text = ""
    none_text: str = ""
    warnings: Callable[..., list[str]] | None = None
    when: Callable[[Getter], bool] | None = None
    keys: Callable[[Getter], Iterable[str]] | None = None
    rank: Rank | None = None
    spread: bool = False
    short_relaxed: bool = False
    headline: bool = False
    table: str | None = None
    column: str = ""
    figures: tuple[str, ...] = ()
    measured: str = ""

    # ------------------------------------------------------------------ reading a record
    def _resolve(self, value: Any, g: Getter, key: str | None) -> Any:
        if callable(value):
            return value(g, key) if self.keys is not None else value(g)
        return value

    def items(self, record: Any, prefix: str = "",
              context: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """This quantity's report items of ``record`` (a dict): name, label, value, unit,
        source (``prefix.path``), converged, status, group, warnings; none where the record
        lacks the value. ``context``: see :class:`Getter`."""
        g = Getter(record, context)
        if self.when is not None and not self.when(g):
            return []
        keys = [None] if self.keys is None else list(self.keys(g))
        out = []
        for key in keys:
            path = self._resolve(self.path, g, key)
            if path is None:
                continue
            value = g(path)
            if not reportable(value):
                continue
            conv_path = self._resolve(self.converged, g, key)
            converged = None if conv_path is None else _flag(g(conv_path))
            detail = self._resolve(self.status, g, key)
            warnings = [] if self.warnings is None else list(self._resolve(self.warnings, g,
                                                                           key))
            name = self.name if key is None else f"{self.name}[{key}]"
            out.append({"name": name, "label": self.display(name), "value": value,
                        "unit": self.unit,
                        "source": f"{prefix}.{path}" if prefix else path,
                        "converged": converged,
                        "status": status_text(converged, detail, self.none_text),
                        "group": self.group, "warnings": warnings})
        return out

    def values(self, record: Any) -> dict[str, float]:
        """The numbers of this quantity in ``record`` by value name (a member's record):
        only numeric values."""
        return {item["name"]: float(item["value"]) for item in self.items(record)
                if is_number(item["value"])}

    # ------------------------------------------------------------------ showing a value
    def display(self, name: str | None = None) -> str:
        """The label, with the family key: 'γ free surface Li(110)-t0-Li'."""
        name = name or self.name
        return f"{self.label} {name[len(self.name) + 1:-1]}" if "[" in name else self.label

    def format(self, value: Any) -> str:
        """The value as the report prints it."""
        return format_value(self.fmt, value)


def nested(quantities: Sequence[Quantity], at: str) -> tuple[Quantity, ...]:
    """The declarations of a record that another record holds at ``at`` (the reaction with
    Li inside the interface energetics), their paths, flags and functions made relative to
    the outer record."""
    def below(g: Getter) -> Getter:
        return Getter(g(at), g.context)

    def path(p):
        if p is None or isinstance(p, str):
            return None if p is None else f"{at}.{p}"
        return lambda g, *key: (lambda r: None if r is None else f"{at}.{r}")(p(below(g), *key))

    def fn(f):
        return f if not callable(f) else (lambda g, *key: f(below(g), *key))

    return tuple(dataclasses.replace(q, path=path(q.path), converged=path(q.converged),
                                     status=fn(q.status), warnings=fn(q.warnings),
                                     when=fn(q.when), keys=fn(q.keys)) for q in quantities)


# ---------------------------------------------------------------------------- helpers

def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def status_text(converged: bool | None, detail: str = "", none_text: str = "") -> str:
    """'converged; detail', 'NOT converged; detail', or ``none_text`` (default 'convergence
    not recorded') where the record has no flag."""
    if converged is True:
        head = "converged"
    elif converged is False:
        head = "NOT converged"
    else:
        head = none_text or "convergence not recorded"
    return f"{head}; {detail}" if detail else head


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def reportable(value: Any) -> bool:
    """A value the report can show: not missing, not a mapping, finite, a flat list."""
    if value is None or isinstance(value, dict):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    if isinstance(value, list) and not all(isinstance(v, (str, int, float)) for v in value):
        return False
    return True


def sci(x: float) -> str:
    """3 significant digits in scientific notation: 1.23e-5."""
    if x == 0:
        return "0"
    mantissa, exp_ = f"{x:.2e}".split("e")
    return f"{mantissa}e{int(exp_)}"


def format_value(fmt: str, value: Any) -> str:
    """A value in the format ``fmt`` of its declaration."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if fmt == "miller" and all(isinstance(v, int) for v in value):
            return "(" + "".join(str(v) for v in value) + ")"
        return " + ".join(str(v) for v in value) if value else "none"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if callable(fmt):
        return fmt(value)
    if fmt == "sci":
        return sci(value)
    if fmt in (".1f", ".2f", ".3f", "+.3f", ".3g"):
        return format(value, fmt)
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
        return sci(value)
    return f"{value:.3f}"


# ---------------------------------------------------------------------------- source paths

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TOKEN = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


def source_path(*parts: str | int) -> str:
    """Dotted path from parts: identifiers joined by '.', ints as ``[i]``, other keys as
    ``["key"]`` (JSON-quoted)."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out


def resolve_source(root: Any, path: str) -> Any:
    """The value at ``path`` (:func:`source_path`) under ``root`` (an object whose first
    part is an attribute, or a dict). Raises KeyError when the path does not exist."""
    obj, pos = root, 0
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if m is None or m.end() == pos:
            raise KeyError(f"bad source path {path!r} at {pos}")
        name, index, quoted = m.groups()
        try:
            if index is not None:
                obj = obj[int(index)]
            else:
                key = name if name is not None else json.loads(quoted)
                obj = obj[key] if isinstance(obj, dict) else getattr(obj, key)
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise KeyError(f"{path!r} not found in the record") from exc
        pos = m.end()
    return obj


def calculator_path(g: Getter) -> str | None:
    """Where a record names its calculator (its label, name, or the string itself)."""
    for key in ("label", "name"):
        if isinstance(g(f"calculator.{key}"), str):
            return f"calculator.{key}"
    return "calculator" if isinstance(g("calculator"), str) else None


def by_name(quantities: Iterable[Quantity]) -> dict[str, Quantity]:
    """Declarations by name; a name declared twice is a programming error."""
    out: dict[str, Quantity] = {}
    for q in quantities:
        if q.name in out and out[q.name] != q:
            raise ValueError(f"quantity {q.name!r} declared twice")
        out[q.name] = q
    return out


def base_name(name: str) -> str:
    """A value name without its family key: 'gamma_surface_J_per_m2[Li(110)]' -> the family."""
    return name.split("[", 1)[0]
