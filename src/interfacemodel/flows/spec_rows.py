"""Which products make each row of a campaign's comparison report, and a campaign
restricted to some of its rows (``compare --coatings``)."""

from __future__ import annotations

import dataclasses

from ..errors import UserInputError
from ..models.systems import system_elements, system_recipe
from .spec_entries import BarrierEntry, CampaignSpec, SolubilityEntry


def solubility_row(spec: CampaignSpec, entry: SolubilityEntry) -> str:
    """The report row of a solubility entry: its ``coating``, else the one interface row whose
    coating crystal holds the solute, else a reference row '<M> in Li'."""
    if entry.coating:
        return entry.coating
    holders = [system_recipe(e.system).substrate for e in spec.interfaces
               if entry.solute in system_elements(e.system)]
    return holders[0] if len(holders) == 1 else f"{entry.solute} in Li"


def _foreign_solute(bar: BarrierEntry) -> bool:
    """A bulk hop of a solute other than Li (e.g. Mg in Li): reported as the row's solute
    hop, not as its Li transport."""
    return bar.kind == "bulk" and bar.case.get("solute") not in (None, "Li")


def report_rows(spec: CampaignSpec) -> list[dict]:
    """Which products make each row of the comparison report: one row per interface (the
    coating crystal's name), a bulk barrier in the row of its host (or ``coating``; the hop
    of a solute other than Li as the row's ``solute_migration``), an interface barrier and a
    segregation entry in the row of their system; a barrier with no such row gets a
    reference row of its own (e.g. Li self-diffusion)."""
    rows: dict[str, dict] = {}
    by_system: dict[str, str] = {}
    for e in spec.interfaces:
        recipe = system_recipe(e.system)
        rows[recipe.substrate] = {"coating": recipe.substrate, "system": recipe.name,
                                  "role": e.role, "energetics": f"energetics:{recipe.name}",
                                  "interface": f"interface:{recipe.name}"}
        by_system[recipe.name] = recipe.substrate
    for bar in spec.barriers:
        if bar.kind == "interface":
            name = bar.coating or by_system.get(bar.case["system"], bar.case["system"])
            part = "interface_migration"
        else:
            name = bar.coating or (bar.case["host"] if bar.kind == "bulk" else bar.name)
            part = "solute_migration" if _foreign_solute(bar) else "bulk_migration"
        row = rows.setdefault(name, {"coating": name, "system": "-", "role": "reference"})
        if part in row:
            raise UserInputError(f"{spec.source}: two barriers for the {part} of {name}: "
                                 f"give one of them a 'coating' (its report row)")
        row[part] = f"migration:{bar.name}"
    for g in spec.segregation:
        name = by_system.get(g.system, g.system)
        row = rows.setdefault(name, {"coating": name, "system": g.system, "role": "reference"})
        row["mg_segregation"] = f"segregation:{g.system}"
    for sol in spec.solubility:
        name = solubility_row(spec, sol)
        row = rows.setdefault(name, {"coating": name, "system": "-", "role": "reference"})
        if "solubility" in row:
            raise UserInputError(f"{spec.source}: two solubility entries for the row {name}: "
                                 f"give one of them a 'coating' (its report row)")
        row["solubility"] = f"solubility:{sol.solute}"
    return list(rows.values())


def select_coatings(spec: CampaignSpec, coatings) -> CampaignSpec:
    """The campaign restricted to the report rows named in ``coatings`` (reference rows that
    belong to no interface, e.g. Li self-diffusion, are kept)."""
    rows = {r["coating"]: r for r in report_rows(spec)}
    coating_rows = [name for name, r in rows.items() if r.get("energetics")]
    wanted = {c.strip() for c in coatings}
    unknown = sorted(c for c in wanted if c not in coating_rows)
    if unknown:
        raise UserInputError(f"unknown coating {unknown[0]!r}; this campaign has: "
                             f"{', '.join(coating_rows)}")
    keep_rows = wanted | {name for name, r in rows.items() if not r.get("energetics")}
    interfaces = [e for e in spec.interfaces if system_recipe(e.system).substrate in wanted]
    systems = {e.system for e in interfaces}
    barriers = [b for b in spec.barriers
                if (b.kind == "interface" and b.case["system"] in systems)
                or (b.kind != "interface"
                    and any(f"migration:{b.name}" in (r.get("bulk_migration"),
                                                      r.get("solute_migration"))
                            for n, r in rows.items() if n in keep_rows))]
    segregation = [g for g in spec.segregation if g.system in systems]
    solubility = [sol for sol in spec.solubility if solubility_row(spec, sol) in keep_rows]
    screen = spec.solute_screen
    if screen is not None:  # the screen's interfaces: those still in the campaign
        screen = {**screen, "systems": [s for s in screen.get("systems") or []
                                        if s in {system_recipe(e.system).name
                                                 for e in interfaces}]}
    return dataclasses.replace(spec, interfaces=interfaces, barriers=barriers,
                               segregation=segregation, solubility=solubility,
                               solute_screen=screen)
