"""Structure builders: slabs, lattice matching, Li-Mg alloys, defects and hops.

Depends on ``structures`` and ``calculators`` only. Interfaces, registry scans and the named
systems build on these (issue 3, in progress).
"""

from .alloys import li_mg_alloy, substitute_in_slab, vegard_a_A, warren_cowley
from .bulk_hops import vacancy_hops
from .hops import Hop
from .matching import LatticeMatch, enumerate_matches, in_plane_strain
from .point_defects import make_interstitial, make_vacancy
from .slabs import SlabModel, atomic_layers, make_slabs, parse_miller
from .surface_hops import interface_hops, slab_hops

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
