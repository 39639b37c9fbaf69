"""Every reported quantity has one declaration (analysis.quantities), and the places that
show numbers read them through it: the declarations are consistent, each measured
counterpart is linked both ways, and a place that names an undeclared quantity fails."""

from __future__ import annotations

import pytest

from interfacemodel.analysis import experiment as exp
from interfacemodel.analysis.comparison import (
    QUANTITIES,
    ROW_RECORDS,
    SCREEN_RECORDS,
    columns,
    ranked,
)
from interfacemodel.analysis.quantities import (
    Getter,
    Quantity,
    by_name,
    format_value,
    nested,
    source_path,
)
from interfacemodel.report.criteria import CRITERIA
from interfacemodel.report.values import ValueMap

#: the report sections with a table of declared columns, and the figures drawing quantities
TABLES = {"interface", "surfaces", "reactivity", "transport", "solute hops", "segregation",
          "solubility", "hull", "models", "screen", "screen interfaces"}
FIGURES = {"adhesion", "contact angle", "reaction"}


def test_each_quantity_is_declared_once_with_what_the_report_needs():
    names = [q.name for qs in [*ROW_RECORDS.values(), *SCREEN_RECORDS.values()] for q in qs]
    assert len(names) == len(set(names)), "a value name declared in two records"
    for q in QUANTITIES.values():
        assert q.label and q.group, q.name
        assert q.table is None or (q.table in TABLES and q.column), q.name
        assert set(q.figures) <= FIGURES, q.name
        assert q.fmt in ("auto", "text", "miller", "sci", ".1f", ".2f", ".3f", "+.3f", ".3g") \
            or callable(q.fmt), q.name
        if q.rank is not None:  # computed from energies (a spread) or a model's geometry
            assert q.rank.why and (q.spread or q.converged is None), q.name
    orders = [q.rank.order for q in ranked()]
    assert orders == sorted(set(orders)), "two quantities in one ranking column"
    assert [c.name for c in CRITERIA] == [q.name for q in ranked()]
    with pytest.raises(ValueError, match="declared twice"):
        by_name([QUANTITIES["gamma_int_J_per_m2"],
                 Quantity("gamma_int_J_per_m2", "another", "J/m²", "x", "interface")])


def test_a_measured_counterpart_is_linked_both_ways():
    """A measurement set beside a computed number names a declared quantity that says what
    it is set beside; a quantity that says so has at least one such measurement."""
    compared = {m.compare_with for m in exp.MEASUREMENTS if m.compare_with}
    assert compared <= set(QUANTITIES)
    measured = {q.name for q in QUANTITIES.values() if q.measured}
    assert measured == compared


def test_the_tables_follow_the_declarations():
    transport = [name for name, _ in columns("transport")]
    assert transport[:3] == ["barrier_coating_eV", "barrier_coating_backward_eV",
                             "attempt_frequency_coating_Hz"]
    assert "barrier_interface_eV" in transport and "barrier_solute_eV" not in transport
    assert [n for n, _ in columns("solute hops")] == ["solute_hop", "barrier_solute_eV",
                                                      "D_solute_T_K", "D_solute_cm2_per_s"]


def test_a_value_map_refuses_an_undeclared_name():
    vmap = ValueMap({"gamma_int_J_per_m2": {"value": 0.3}})
    assert vmap["gamma_int_J_per_m2"]["value"] == 0.3
    assert "w_adh_relaxed_J_per_m2" not in vmap  # declared, not in this row: fine
    assert vmap.get("gamma_surface_J_per_m2[Li(110)-t0-Li]") is None  # a family's member
    for bad in ("gamma_int", "w_adh_J_per_m2", "spreading"):
        with pytest.raises(KeyError, match="not a declared quantity"):
            vmap.get(bad)
        with pytest.raises(KeyError, match="not a declared quantity"):
            assert bad in vmap


def test_a_nested_record_reads_relative_to_its_own_record():
    """The reaction's declarations, placed in the energetics record, read its fields with
    their own paths, flags and status functions."""
    reaction = {"reaction_energy_meV_per_atom": -228.0, "converged": False,
                "stable_against_li": False, "reaction": "MgF2 + 2 Li -> 2 LiF + Mg",
                "products": ["LiF", "Mg"], "reaction_energy_eV_per_Li": -1.2}
    by = {q.name: q for q in ROW_RECORDS["energetics"]}
    item, = by["reaction_meV_per_atom"].items({"reaction": reaction}, "energetics")
    assert item["source"] == "energetics.reaction.reaction_energy_meV_per_atom"
    assert item["value"] == -228.0 and item["converged"] is False
    assert item["status"] == "NOT converged; MgF2 + 2 Li -> 2 LiF + Mg"
    q = Quantity("x_eV", "x", "eV", lambda g: "a.b", "g", status=lambda g: g("note"))
    (inner,) = nested([q], "outer")
    (it,) = inner.items({"outer": {"a": {"b": 1.5}, "note": "n"}})
    assert (it["source"], it["value"], it["status"]) == ("outer.a.b", 1.5,
                                                        "convergence not recorded; n")


def test_families_formats_and_paths():
    q = QUANTITIES["gamma_surface_J_per_m2"]
    rec = {"surface_energies": {"Li(110)-t0-Li": {"gamma_J_per_m2": 0.45, "converged": True,
                                                  "stoichiometric": True}}}
    (item,) = q.items(rec, "energetics")
    assert item["name"] == "gamma_surface_J_per_m2[Li(110)-t0-Li]"
    assert item["label"] == "γ free surface Li(110)-t0-Li"
    assert item["source"] == 'energetics.surface_energies["Li(110)-t0-Li"].gamma_J_per_m2'
    assert item["status"] == "converged; stoichiometric slab"
    assert source_path("a", 2, "b c") == 'a[2]["b c"]'
    assert Getter({"a": [{"b": 3}]})("a[0].b") == 3 and Getter({})("nope", 7) == 7
    assert format_value("sci", 1.234e-11) == "1.23e-11"
    assert format_value("auto", 0.0004) == "4.00e-4" and format_value("auto", 0.25) == "0.250"
    assert format_value("miller", [1, 1, 0]) == "(110)" and format_value("text", True) == "yes"
