"""The layering rule of the package, read from the source with ``ast`` (nothing is imported).

Layers, lowest first; a module may import only from its own layer or lower ones (procedures and
report share a rank but not each other):
``errors``, ``records``, ``units`` (base) <- ``structures``, ``calculators`` <- ``models`` <-
``run`` <- ``analysis`` (pure: energies and records in, numbers out) <- ``procedures`` (code
that takes a calculator), ``report`` (rendering) <- ``flows`` (jobflow) <- ``workflows``
(FireWorks) <- the cli (``cli.py``, ``cli_campaign.py``, a ``cli/`` package).

(a) ``fireworks`` is imported only under ``workflows/``; ``jobflow`` only under ``flows/`` and
``workflows/``. The cli reaches FireWorks through ``workflows`` and imports neither itself.
(b) No module imports a higher layer (relative imports resolved to the package path).
(c) A package-internal import inside a function body needs a comment on its line (or the
line above) saying why: a heavy optional dependency behind it or an import cycle. Enforced
everywhere except the layers in :data:`NOT_YET_CLEAN` and the files in
:data:`IN_FUNCTION_EXEMPT`.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "interfacemodel"

BASE = ""  # the package root: __init__.py, errors.py, records.py, units.py
#: rank of each layer; a module may import its own rank or a lower one
LAYERS = {
    BASE: 0,  # errors, records, units (ase only) and the package __init__
    "structures": 1,
    "calculators": 1,
    "models": 2,
    "run": 3,
    "analysis": 4,
    "procedures": 5,
    "report": 5,
    "flows": 6,
    "workflows": 7,
    "cli": 8,  # the cli/ package
}
BASE_MODULES = {"__init__", "errors", "records", "units"}
CLI_MODULES = {"cli", "cli_campaign"}

#: layers of one rank that must not import each other: what computes and what renders
SEPARATE = {("procedures", "report"), ("report", "procedures")}

#: third-party packages that only some layers may import
RESTRICTED = {"fireworks": {"workflows"}, "jobflow": {"flows", "workflows"}}

#: layers whose functions still import package modules without saying why: they are being
#: converted (imports to module top, or a comment naming the heavy dependency or the cycle).
#: Take a layer out once it is clean; the test then holds it to rule (c).
NOT_YET_CLEAN: set[str] = set()
#: modules exempt from rule (c) only, by path (none left: the grab-bags were split)
IN_FUNCTION_EXEMPT: set[str] = set()

_DIRECTIVE = re.compile(r"noqa(:\s*[A-Z]+[0-9]+([,\s]+[A-Z]+[0-9]+)*)?|type:\s*ignore(\[[^]]*])?"
                        r"|pragma:\s*no\s*cover", re.IGNORECASE)


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    rule: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.text}"


def layer_of_path(rel: str) -> str:
    """Layer of a module by its path under the package (``run/md.py`` -> ``run``)."""
    parts = Path(rel).with_suffix("").parts
    if len(parts) == 1:
        if parts[0] in BASE_MODULES:
            return BASE
        if parts[0] in CLI_MODULES:
            return "cli"
        raise ValueError(f"{rel}: a top-level module of no layer; rank it in test_layering.LAYERS")
    if parts[0] not in LAYERS:
        raise ValueError(f"{rel}: package {parts[0]!r} of no layer; rank it in test_layering.LAYERS")
    return parts[0]


def _package(rel: str) -> list[str]:
    """The package a module sits in, as path parts (``run/md.py`` -> ['run'])."""
    return list(Path(rel).parts[:-1])


def _layer_of_target(parts: list[str], rel: str, line: int) -> str:
    if not parts:
        return BASE
    head = parts[0]
    if head in BASE_MODULES:
        return BASE
    if head in CLI_MODULES:
        return "cli"
    if head in LAYERS:
        return head
    if head.startswith("_") or not ((SRC / head).is_dir() or (SRC / f"{head}.py").exists()):
        return BASE  # an attribute of the package root (``from . import __version__``)
    raise ValueError(f"{rel}:{line}: imports {'.'.join(parts)}, of no layer; rank it in LAYERS")


def internal_targets(node: ast.AST, rel: str) -> list[list[str]]:
    """Package paths (parts under interfacemodel) an import statement reaches; [] for an
    import of another distribution."""
    if isinstance(node, ast.Import):
        return [a.name.split(".")[1:] for a in node.names
                if a.name.split(".")[0] == "interfacemodel"]
    assert isinstance(node, ast.ImportFrom)
    if node.level == 0:
        mod = (node.module or "").split(".")
        return [mod[1:]] if mod[0] == "interfacemodel" else []
    pkg = _package(rel)
    if node.level - 1 > len(pkg):
        raise ValueError(f"{rel}:{node.lineno}: relative import beyond the package root")
    base = pkg[:len(pkg) - (node.level - 1)]
    if node.module:
        return [base + node.module.split(".")]
    return [base + [a.name] for a in node.names]


def external_roots(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name.split(".")[0] for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module.split(".")[0]]
    return []


def _explaining_comment_lines(source: str) -> set[int]:
    """Lines that carry a comment with more than a linter directive in it."""
    lines = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            text = _DIRECTIVE.sub("", tok.string.lstrip("#"))
            if re.search(r"\w", text):
                lines.add(tok.start[0])
    return lines


def _imports_in_functions(tree: ast.AST) -> set[int]:
    ids = set()
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            ids.update(id(n) for n in ast.walk(fn) if isinstance(n, (ast.Import, ast.ImportFrom)))
    return ids


def check_module(rel: str, source: str, check_in_function: bool | None = None) -> list[Violation]:
    """Violations of rules (a), (b), (c) in the module at ``rel`` (path under the package)
    with ``source``. ``check_in_function``: apply rule (c) (default: unless the layer is in
    NOT_YET_CLEAN or the path in IN_FUNCTION_EXEMPT)."""
    layer = layer_of_path(rel)
    if check_in_function is None:
        check_in_function = layer not in NOT_YET_CLEAN and rel not in IN_FUNCTION_EXEMPT
    tree = ast.parse(source, filename=rel)
    in_function = _imports_in_functions(tree)
    comments = _explaining_comment_lines(source) if check_in_function else set()
    lines = source.splitlines()
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        text = lines[node.lineno - 1].strip()
        for root in external_roots(node):
            if root in RESTRICTED and layer not in RESTRICTED[root]:
                found.append(Violation(rel, node.lineno, f"{root} outside "
                                       f"{' and '.join(sorted(RESTRICTED[root]))}/", text))
        targets = internal_targets(node, rel)
        for target in targets:
            to = _layer_of_target(target, rel, node.lineno)
            if LAYERS[to] > LAYERS[layer]:
                found.append(Violation(rel, node.lineno, f"{layer or 'base'} imports the higher "
                                       f"layer {to} ({'.'.join(target)})", text))
            elif (layer, to) in SEPARATE:
                found.append(Violation(rel, node.lineno, f"{layer} imports the separate "
                                       f"layer {to} ({'.'.join(target)})", text))
        if targets and check_in_function and id(node) in in_function:
            span = range(node.lineno - 1, (node.end_lineno or node.lineno) + 1)
            if not comments.intersection(span):
                found.append(Violation(rel, node.lineno, "package import inside a function "
                                       "without a comment saying why", text))
    return found


def modules() -> list[tuple[str, str]]:
    return [(p.relative_to(SRC).as_posix(), p.read_text(encoding="utf-8"))
            for p in sorted(SRC.rglob("*.py"))]


def _violations(rule_part: str) -> list[str]:
    found = [v for rel, src in modules() for v in check_module(rel, src) if rule_part in v.rule]
    return [str(v) for v in sorted(found, key=lambda v: (v.path, v.line))]


def test_the_source_tree_is_there():
    found = dict(modules())
    assert {"errors.py", "records.py", "run/md.py", "workflows/__init__.py"} <= set(found)
    for rel in found:
        layer_of_path(rel)  # every module has a layer


def test_fireworks_and_jobflow_stay_in_their_layers():
    bad = _violations(" outside ")
    assert not bad, "\n".join(bad)


def test_no_module_imports_a_higher_layer():
    bad = _violations("higher layer")
    assert not bad, "\n".join(bad)


#: the most lines a module may have: a module is one concept
MAX_MODULE_LINES = 600


def test_every_module_is_one_concept_of_at_most_600_lines():
    long = [f"{rel}: {src.count(chr(10))} lines" for rel, src in modules()
            if src.count("\n") > MAX_MODULE_LINES]
    assert not long, "split these by concept:\n" + "\n".join(long)


def test_what_computes_and_what_renders_stay_apart():
    bad = _violations("separate layer")
    assert not bad, "\n".join(bad)


def test_package_imports_inside_functions_say_why():
    bad = _violations("inside a function")
    assert not bad, ("move these imports to module top, or say on the line (or the line "
                     "above) why they must stay (heavy optional dependency, import cycle):\n"
                     + "\n".join(bad))


def test_not_yet_clean_lists_only_layers_with_work_left():
    clean = []
    for layer in sorted(NOT_YET_CLEAN):
        mods = [(rel, src) for rel, src in modules() if layer_of_path(rel) == layer]
        left = [v for rel, src in mods for v in check_module(rel, src, check_in_function=True)
                if "inside a function" in v.rule]
        if mods and not left:  # a layer not in this tree yet (flows) waits
            clean.append(layer)
    assert not clean, f"{clean} have no uncommented in-function imports left: drop them from " \
                      f"NOT_YET_CLEAN so the test holds them to rule (c)"
    for rel in IN_FUNCTION_EXEMPT:
        assert (SRC / rel).exists(), f"{rel} is gone: drop it from IN_FUNCTION_EXEMPT"


# ------------------------------------------------------------------------------------------
# the checker catches what it should (synthetic sources, the same code path)

UPWARD = "from ..analysis.msd import msd_diffusivity\n"
IN_FUNCTION = "def f():\n    from ..records import to_dict\n    return to_dict\n"


@pytest.mark.parametrize(("rel", "source", "rule"), [
    ("run/fake.py", UPWARD, "run imports the higher layer analysis"),
    ("models/fake.py", "from interfacemodel.workflows import launchpad\n", "higher layer workflows"),
    ("errors.py", "import interfacemodel.structures\n", "base imports the higher layer structures"),
    ("calculators/fake.py", "from .. import run\n", "higher layer run"),
    ("flows/fake.py", "from ..cli_campaign import main\n", "higher layer cli"),
    ("run/fake.py", "def f():\n    from ..workflows import x\n    # a comment\n",
     "higher layer workflows"),
    ("analysis/fake.py", "import fireworks\n", "fireworks outside workflows/"),
    ("procedures/fake.py", "from ..report import figures\n", "separate layer report"),
    ("report/fake.py", "from ..procedures.hops import x\n", "separate layer procedures"),
    ("analysis/fake.py", "from ..procedures import hops\n", "higher layer procedures"),
    ("flows/fake.py", "from fireworks.core.firework import Firework\n", "fireworks outside"),
    ("cli.py", "from fireworks import LaunchPad\n", "fireworks outside"),
    ("run/fake.py", "from jobflow import Flow\n", "jobflow outside flows and workflows/"),
    ("run/fake.py", IN_FUNCTION, "inside a function"),
    ("models/fake.py", "async def f():\n    def g():\n        import interfacemodel.errors\n",
     "inside a function"),
    ("run/fake.py", "def f():\n    from ..records import (  # noqa: F401\n        to_dict)\n",
     "inside a function"),
    ("structures/fake.py", 'def f():\n    s = "# not a comment"; from ..errors import E\n',
     "inside a function"),
])
def test_the_checker_catches_a_violation(rel, source, rule):
    found = check_module(rel, source)
    assert any(rule in v.rule for v in found), found


@pytest.mark.parametrize(("rel", "source"), [
    ("analysis/fake.py", UPWARD),
    ("run/fake.py", "from ..calculators import get_calculator\nfrom . import md\n"),
    ("cli.py", "from . import __version__\nfrom .workflows import launchpad\n"),
    ("flows/fake.py", "from jobflow import Flow\nfrom ..analysis import bulk\n"),
    ("workflows/fake.py", "import fireworks\nfrom jobflow import Job\nfrom ..flows import x\n"),
    ("run/fake.py", "def f():\n    # import cycle: md imports this module\n"
                    "    from .md import nvt_md\n"),
    ("run/fake.py", "def f():\n    from .md import nvt_md  # noqa: F401  (import cycle)\n"),
    ("run/fake.py", "def f():\n    from .md import (\n        nvt_md,  # cycle with md\n    )\n"),
    ("run/fake.py", "def f():\n    import torch\n    from ase.io import read\n"),
])
def test_the_checker_passes_what_is_allowed(rel, source):
    assert check_module(rel, source) == []


def test_the_checker_exempts_what_is_listed(monkeypatch):
    """A layer in NOT_YET_CLEAN or a path in IN_FUNCTION_EXEMPT is spared rule (c), and only
    that rule (the sets are read when check_module runs)."""
    this = sys.modules[__name__]
    monkeypatch.setattr(this, "NOT_YET_CLEAN", set())
    monkeypatch.setattr(this, "IN_FUNCTION_EXEMPT", set())
    assert check_module("analysis/fake.py", IN_FUNCTION)
    monkeypatch.setattr(this, "NOT_YET_CLEAN", {"analysis"})
    assert check_module("analysis/fake.py", IN_FUNCTION) == []
    assert check_module("run/fake.py", IN_FUNCTION)
    assert any("higher layer" in v.rule for v in check_module(
        "analysis/fake.py", "def f():\n    from ..flows import x\n"))
    monkeypatch.setattr(this, "NOT_YET_CLEAN", set())
    monkeypatch.setattr(this, "IN_FUNCTION_EXEMPT", {"run/fake.py"})
    assert check_module("run/fake.py", IN_FUNCTION) == []
    assert check_module("run/other.py", IN_FUNCTION)


def test_the_checker_refuses_what_it_cannot_rank():
    with pytest.raises(ValueError, match="no layer"):
        check_module("plugins/fake.py", "import os\n")
    with pytest.raises(ValueError, match="beyond the package root"):
        check_module("run/fake.py", "from ... import x\n")
