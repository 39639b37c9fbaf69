"""interfacemodel: atomistic modelling of protective coatings on lithium-metal anodes.

Layers (one direction of dependency): ``errors``, ``records``, ``units`` <- ``structures``,
``calculators`` <- ``build`` <- ``run`` <- ``analysis`` <- ``flows`` (jobflow) <- ``workflows``
(FireWorks) <- ``cli``; tests/test_layering.py holds the source to it. Energies are in eV and
lengths in Å inside the package; reported quantities carry their unit in their name.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("interfacemodel")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
