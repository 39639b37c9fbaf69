"""The interface relaxed from several starting gaps (EnergeticsSettings.start_gaps_A): every
start is relaxed, the lowest converged end point is kept, and the record says so. EMT on the
Cu/Ag analogue; the kept start's energy is checked against a relaxation of that start alone."""

import pytest

from interfacemodel.analysis.interface_energetics import EnergeticsSettings
from interfacemodel.calculators import get_calculator
from interfacemodel.flows.energetics import interface_energetics
from interfacemodel.procedures.interfaces import place_interface, relax_from_gaps, relax_interface

SETTINGS = dict(fmax=0.05, film_layers=3, substrate_layers=3, surface_slabs=False,
                reactivity=False)


def test_every_start_is_relaxed_and_the_lowest_is_kept():
    calc = get_calculator("emt")
    settings = EnergeticsSettings(**SETTINGS, start_gaps_A=[1.4, 3.2])
    model, _ = place_interface("cu-ag", calc, settings, "Cu", "Ag")
    kept, relaxed, rec, starts = relax_from_gaps(model, calc, settings)
    assert [round(s["gap_A"], 2) for s in starts] == [round(model.gap_A, 2), 1.4, 3.2]
    assert sum(s["kept"] for s in starts) == 1
    best = min(s["energy_eV"] for s in starts if s["converged"])
    assert rec.energy_eV == best and kept.gap_A == pytest.approx(
        next(s["gap_A"] for s in starts if s["kept"]))
    # the kept start relaxed on its own gives the same end point
    _, alone = relax_interface(model.with_registry(gap_A=kept.gap_A).atoms, "alone", calc,
                               settings)
    assert alone.energy_eV == pytest.approx(rec.energy_eV, abs=1e-6)


def test_the_energetics_record_names_the_starts():
    result = interface_energetics("cu-ag", "emt", EnergeticsSettings(
        **SETTINGS, start_gaps_A=[3.0]))
    starts = result.registry["starts"]
    assert len(starts) == 2 and any(s["kept"] for s in starts)
    assert any("relaxed from 2 gaps" in n for n in result.notes)
    assert result.interface["gap_A"] == pytest.approx(next(s["gap_A"] for s in starts
                                                           if s["kept"]))
