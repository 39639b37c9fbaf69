"""Structure builders: slabs, lattice matching, Li-Mg alloys, defects and hops.

Depends on ``structures`` and ``calculators`` only. Interfaces, registry scans and the named
systems build on these (issue 3, in progress).
"""

from .alloys import li_mg_alloy, substitute_in_slab, vegard_a_A, warren_cowley
from .defects import (
    Hop,
    interface_hops,
    make_interstitial,
    make_vacancy,
    slab_hops,
    vacancy_hops,
)
from .matching import LatticeMatch, enumerate_matches, in_plane_strain
from .slabs import SlabModel, atomic_layers, make_slabs, parse_miller

__all__ = [
    "Hop",
    "LatticeMatch",
    "SlabModel",
    "atomic_layers",
    "enumerate_matches",
    "in_plane_strain",
    "interface_hops",
    "li_mg_alloy",
    "make_interstitial",
    "make_slabs",
    "make_vacancy",
    "parse_miller",
    "slab_hops",
    "substitute_in_slab",
    "vacancy_hops",
    "vegard_a_A",
    "warren_cowley",
]
