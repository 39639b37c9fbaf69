"""interfacemodel: atomistic modelling of protective coatings on lithium-metal anodes.

Layers (one direction of dependency): ``structures``, ``calculators`` <- ``build`` <- ``run``
<- ``analysis`` <- ``workflows`` <- ``cli``. Energies are in eV and lengths in Å inside the
package; reported quantities carry their unit in their name.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("interfacemodel")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
