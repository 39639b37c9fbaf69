"""NVT MD diffusivity driver: a crystal far below melting does not diffuse; the thermostat
holds the temperature (EMT copper, small and short)."""

import pytest
from ase.build import bulk
from ase.calculators.emt import EMT

from checks import assert_one_line
from interfacemodel.errors import UserInputError
from interfacemodel.procedures.md_diffusion import nvt_diffusivity


def test_solid_copper_does_not_diffuse_and_is_thermostatted():
    cu = bulk("Cu", "fcc", a=3.59, cubic=True).repeat(2)
    rec = nvt_diffusivity(cu, EMT(), T_K=300.0, steps=800, equilibration_steps=200,
                          timestep_fs=5.0, friction_per_fs=0.02, sample_every=5, species="Cu")
    assert rec.T_mean_K == pytest.approx(300.0, rel=0.25)  # 32 atoms: large fluctuations
    # vibrations only: MSD plateaus at ~0.01-0.02 Å², so D is ~0 compared with a liquid
    # metal's 1e-5 cm²/s
    assert abs(rec.msd.D_cm2_per_s) < 1e-7 and max(rec.msd.msd_A2) < 0.1


def test_md_bad_input():
    cu = bulk("Cu", "fcc", a=3.59, cubic=True)
    with pytest.raises(UserInputError, match="no Li atoms") as exc:
        nvt_diffusivity(cu, EMT(), T_K=300.0)
    assert_one_line(exc)
    with pytest.raises(UserInputError):
        nvt_diffusivity(cu, EMT(), T_K=-1, species="Cu")
