"""The relax -> analyse path with real DFT (GPAW, PBE plane waves): a thin Li(100) slab.

Small on purpose (a few seconds): 3-layer 1x1 slab, 250 eV, k-points from one density for
bulk and slab so the in-plane sampling is consistent. The check is physical, not a fit:
a surface costs energy (γ > 0) and stays below a few J/m² for a soft metal.
"""

import pytest

pytestmark = pytest.mark.gpaw


def test_gpaw_li100_surface_energy_is_positive(tmp_path):
    from interfacemodel.analysis.energetics import surface_energy
    from interfacemodel.calculators import get_calculator
    from interfacemodel.models.slabs import make_slabs
    from interfacemodel.procedures.interfaces import bulk_reference
    from interfacemodel.run.relax import relax

    bulk_calc = get_calculator("gpaw:ecut_eV=250,kpts=6x6x6")
    li_bulk, ref, bulk_rec = bulk_reference("Li", bulk_calc, fmax=0.05)
    assert bulk_rec.converged
    model = make_slabs(li_bulk, "100", layers=3, vacuum_A=8.0)[0]
    slab_calc = get_calculator("gpaw:ecut_eV=250,kpts=6x6x1")
    _, rec = relax(model.atoms, slab_calc, fmax=0.1, steps=20, checkpoint=tmp_path / "ckpt")
    assert rec.converged and rec.calculator["name"] == "gpaw"
    gamma = surface_energy(rec, ref, allow_unconverged=False)
    assert 0.1 < gamma.gamma_J_per_m2 < 2.0
