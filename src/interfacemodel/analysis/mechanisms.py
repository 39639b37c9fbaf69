"""The named barrier mechanisms of ``interfacemodel barrier MECHANISM`` and the hops they
build: which atom moves, in which host or at which interface (:func:`named_hop`), run by
:func:`~interfacemodel.analysis.migration.bulk_migration` or
:func:`~interfacemodel.analysis.migration.interface_migration`.

Light to import (no numpy, no ASE at module level): the command line lists these names in
its help.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import UserInputError

if TYPE_CHECKING:
    from ase import Atoms

    from .migration import MigrationResult

#: barrier mechanisms by name: what moves, and how the end points are built
MECHANISMS = {
    "li-vacancy": "Li vacancy hop in a bulk host (--host, default Li)",
    "li-interstitial": "direct Li interstitial hop (void to void) in a bulk host (--host)",
    "mg-vacancy": "Mg solute–vacancy exchange in bcc Li",
    "li-interface": "Li hop from the Li film's last layer into the coating (--system)",
}
#: named interfaces whose film → coating hop ``li-interface`` builds
INTERFACE_HOP_SYSTEMS = ("li-lif", "li-li2se")
#: NEB force tolerance (eV/Å) when none is given: bulk hops, interface hops
DEFAULT_FMAX = {"bulk": 0.03, "interface": 0.05}


@dataclass(frozen=True)
class NamedHop:
    """A mechanism of :data:`MECHANISMS` resolved into the arguments of
    :func:`~interfacemodel.analysis.migration.bulk_migration` (``host``, ``mechanism``,
    ``solute``) or of :func:`~interfacemodel.analysis.migration.interface_migration`
    (``system``); the moving species is Li."""

    name: str
    host: str | None = None  # catalogue phase of a bulk hop
    system: str | None = None  # named interface of an interface hop
    mechanism: str | None = None  # bulk: 'vacancy' or 'interstitial'
    solute: str | None = None  # bulk vacancy: the atom that jumps instead of Li

    def elements(self) -> Atoms:
        """A structure holding every element of the hop, for the calculator's element
        check (not a model of the hop)."""
        from ..build.systems import system_recipe
        from ..structures import load_bulk

        if self.system is not None:
            return load_bulk(system_recipe(self.system).substrate, as_atoms=True)
        atoms = load_bulk(self.host, as_atoms=True)
        if self.solute:
            atoms = atoms + load_bulk(self.solute, as_atoms=True)
        return atoms

    def run(self, calc, fmax: float | None = None, supercell=None,
            defect_fraction: float | None = None, **kwargs) -> MigrationResult:
        """Barrier, prefactor, D(T) or rates of this hop with ``calc``; ``fmax`` None takes
        :data:`DEFAULT_FMAX`, ``defect_fraction`` applies to bulk hops only; ``kwargs``:
        temperatures_K, hop_index, n_images, phonons, optimizer, workdir, progress."""
        from .migration import bulk_migration, interface_migration

        if self.system is not None:
            if defect_fraction is not None:
                raise UserInputError(f"a defect fraction applies to bulk hops, not {self.name}")
            return interface_migration(self.system, calc, fmax=fmax or DEFAULT_FMAX["interface"],
                                       supercell=supercell, **kwargs)
        return bulk_migration(self.host, calc, species="Li", mechanism=self.mechanism,
                              solute=self.solute, supercell=supercell,
                              fmax=fmax or DEFAULT_FMAX["bulk"], defect_fraction=defect_fraction,
                              **kwargs)


def named_hop(name: str, host: str = "Li", system: str | None = None) -> NamedHop:
    """The hop of mechanism ``name`` (:data:`MECHANISMS`): in the catalogue phase ``host``
    for the bulk mechanisms ('mg-vacancy' in bcc Li only), at the named interface ``system``
    (:data:`INTERFACE_HOP_SYSTEMS`) for 'li-interface'. Unknown names fail here, before any
    calculator work."""
    from ..structures import phase_info

    if name not in MECHANISMS:
        raise UserInputError(f"unknown mechanism {name!r}; accepted: {', '.join(MECHANISMS)}")
    if name == "li-interface":
        if system not in INTERFACE_HOP_SYSTEMS:
            raise UserInputError(f"interface hops are built for "
                                 f"{', '.join(INTERFACE_HOP_SYSTEMS)}, not {system!r}")
        return NamedHop(name, system=system)
    if system is not None:
        raise UserInputError(f"a system applies to li-interface, not {name}")
    host = phase_info(host).name
    if name == "mg-vacancy":
        if host != "Li":
            raise UserInputError(f"mg-vacancy is built in bcc Li, not in {host!r}")
        return NamedHop(name, host=host, mechanism="vacancy", solute="Mg")
    return NamedHop(name, host=host,
                    mechanism="interstitial" if name == "li-interstitial" else "vacancy")
