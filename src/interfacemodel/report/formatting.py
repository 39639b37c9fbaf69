"""Labels and number formatting of the report's values, and the marks of the tables."""

from __future__ import annotations

from typing import Any

MISSING = "—"
NOT_CONVERGED_MARK = "†"
WARNING_MARK = "⚑"


#: label of each quantity (name without its [key] part), as shown in tables and headers
QUANTITY_LABELS: dict[str, str] = {
    "interface_area_A2": "interface area",
    "max_strain_percent": "max |strain| of the film",
    "film_miller": "film plane",
    "coating_miller": "coating plane",
    "film_layers": "film layers",
    "coating_layers": "coating layers",
    "natoms_interface": "interface model size",
    "gamma_surface_J_per_m2": "γ free surface",
    "gamma_film_as_cut_J_per_m2": "γ film (as cut, in γ_int)",
    "gamma_coating_as_cut_J_per_m2": "γ coating (as cut, in γ_int)",
    "w_adh_ideal_J_per_m2": "W_adh ideal",
    "w_adh_relaxed_J_per_m2": "W_adh relaxed",
    "gamma_int_J_per_m2": "γ_int",
    "contact_angle_deg": "contact angle of liquid Li",
    "wetting_regime": "wetting regime",
    "gamma_lv_J_per_m2": "γ liquid Li",
    "contact_angle_T_K": "T of the contact angle",
    "reaction_meV_per_atom": "reaction energy with Li",
    "reaction_eV_per_Li": "reaction energy per Li",
    "reaction_products": "reaction products",
    "stable_against_li": "stable against Li",
    "fmax_eV_per_A": "relaxation fmax",
    "registry_points": "registry scan points",
    "calculator_energetics": "calculator (energetics)",
    "barrier_coating_eV": "Li barrier in the coating",
    "barrier_coating_backward_eV": "Li barrier in the coating (backward)",
    "attempt_frequency_coating_Hz": "attempt frequency (coating hop)",
    "D_T_K": "T of D and σ",
    "D_coating_cm2_per_s": "D (at the carrier fraction)",
    "D_star_coating_cm2_per_s": "D* per carrier (c = 1)",
    "carrier_fraction_coating": "carrier (vacancy) fraction per site",
    "pair_energy_coating_eV": "intrinsic pair energy (E_S or E_F)",
    "sigma_coating_S_per_cm": "σ estimate",
    "natoms_coating_hop": "coating hop model size",
    "neb_images_coating": "NEB images (coating hop)",
    "calculator_coating_hop": "calculator (coating hop)",
    "solute_hop": "solute hop",
    "barrier_solute_eV": "solute barrier",
    "barrier_solute_backward_eV": "solute barrier (backward)",
    "attempt_frequency_solute_Hz": "attempt frequency (solute hop)",
    "D_solute_T_K": "T of the solute D",
    "D_solute_cm2_per_s": "solute D",
    "natoms_solute_hop": "solute hop model size",
    "neb_images_solute": "NEB images (solute hop)",
    "calculator_solute_hop": "calculator (solute hop)",
    "barrier_interface_eV": "barrier Li film → coating",
    "barrier_interface_backward_eV": "barrier coating → Li film",
    "attempt_frequency_interface_Hz": "attempt frequency (interface hop)",
    "natoms_interface_hop": "interface hop model size",
    "neb_images_interface": "NEB images (interface hop)",
    "calculator_interface_hop": "calculator (interface hop)",
    "mg_segregation_surface_eV": "Mg segregation to the surface",
    "mg_segregation_interface_eV": "Mg segregation to the interface",
    "natoms_segregation": "segregation model size",
    "calculator_segregation": "calculator (segregation)",
    "heat_of_solution_eV": "heat of solution in Li (dilute, from the metal)",
    "solution_energy_eV": "solution energy in Li (from the phase at Li)",
    "equilibrium_phase_with_li": "phase in equilibrium with Li",
    "solubility_fraction_300K": "solubility limit in Li near 300 K",
    "soluble_in_li": "soluble in Li (≥ 1 at.% at 300 K)",
    "natoms_solubility": "solubility model size",
    "formation_energy_eV_per_atom": "formation energy",
}


def _base(name: str) -> str:
    return name.split("[", 1)[0]


def quantity_label(name: str) -> str:
    """Display label of a value name ('gamma_surface_J_per_m2[Li(110)-t0-Li]' -> 'γ free
    surface Li(110)-t0-Li')."""
    base = _base(name)
    label = QUANTITY_LABELS.get(base, base)
    return f"{label} {name[len(base) + 1:-1]}" if "[" in name else label


def _sci(x: float) -> str:
    if x == 0:
        return "0"
    mantissa, exp_ = f"{x:.2e}".split("e")
    return f"{mantissa}e{int(exp_)}"


def format_number(name: str, value: Any) -> str:
    """A value as the report prints it (3 significant digits or fixed decimals by quantity)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if all(isinstance(v, int) for v in value) and _base(name).endswith("miller"):
            return "(" + "".join(str(v) for v in value) + ")"
        return " + ".join(str(v) for v in value) if value else "none"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    base = _base(name)
    if base.endswith(("_Hz", "_cm2_per_s", "_S_per_cm")) or base == "solubility_fraction_300K":
        return _sci(value)
    if base in ("contact_angle_deg", "reaction_meV_per_atom", "interface_area_A2", "D_T_K",
                "D_solute_T_K", "contact_angle_T_K"):
        return f"{value:.1f}"
    if base == "max_strain_percent":
        return f"{value:.2f}"
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
        return _sci(value)
    return f"{value:.3f}"


def format_spread(value_text: str, name: str, spread: float) -> str:
    """A spread printed to the decimals of its value (``value_text`` as
    :func:`format_number` wrote it): 1.215 ± 0.024, 0.616 ± 0.000; in scientific notation
    when the value is."""
    if "e" in value_text or "." not in value_text:
        return format_number(name, spread)
    return f"{spread:.{len(value_text.split('.', 1)[1])}f}"


def _marks(item: dict[str, Any]) -> str:
    marks = NOT_CONVERGED_MARK if item.get("converged") is False else ""
    return marks + (WARNING_MARK if item.get("warnings") else "")


def _cell(vmap: dict[str, dict], name: str, unit: bool = False) -> str:
    item = vmap.get(name)
    if item is None:
        return MISSING
    text = format_number(name, item["value"])
    if item.get("spread") is not None:  # the committee's spread, same digits as the value
        text += f" ± {format_spread(text, name, item['spread'])}"
    elif item.get("spread_log10") is not None:
        text += f" (log10 ± {item['spread_log10']:.2f})"
    if unit and item["unit"] and not isinstance(item["value"], (str, list, bool)):
        text += f" {item['unit']}"
    return text + _marks(item)
