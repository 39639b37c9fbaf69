"""What experiments (and the literature) observed for the coatings, as data.

A transcription of ``shared/experimental-context.md``: measurements on real cells and a few
literature numbers, each with its unit, conditions and source. They are not targets for the
calculations; the comparison report (:mod:`interfacemodel.report`) sets them beside
the computed descriptors so a reader can see whether the computed trend agrees.

* :data:`MEASUREMENTS`: every entry, each naming the coatings it belongs to;
* :data:`EXPERIMENTS`: the same, keyed by coating ('Li2Se', 'LiF', 'Mg', 'MgF2', 'LLZO', and
  'Li2O' for the one Li2O/Li number of the garnet review; the alloy rows 'Li3Bi', 'LiZn',
  'LiAg' and :data:`LI_SN_ROW` for the measured Li diffusivities and the solubility rule);
* :data:`LI_SELF_DIFFUSION` (NMR, 25 °C) and :data:`DIFFUSIVITIES` (the whole table);
* :data:`DESIGN_CRITERIA`: what the reviews say a good coating needs.

A value is a number, a ``(low, high)`` range or None (a qualitative observation, then in
``observation``); ``qualifier`` is '≈', '~', '<' or '' as the source states it. ``compare_with``
names the declared report quantity the entry can be set beside
(:data:`~interfacemodel.analysis.comparison.QUANTITIES`, whose ``measured`` says so too).
No FireWorks, no calculator: plain data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

#: the cited works, by key
SOURCES: dict[str, str] = {
    "park2021": 'Park et al., "Epitaxial Growth of Nanostructured Li2Se on Lithium Metal for All '
                'Solid-State Batteries", Adv. Sci. 2021',
    "lim2024": 'Lim et al., "Rationally Designed Conversion-Type Lithium Metal Protective Layer '
               'for All-Solid-State Lithium Metal Batteries", Adv. Energy Mater. 2024',
    "wang2020": 'Wang, Huang, Zhang, "Interface between Lithium Metal and Garnet Electrolyte: '
                'Recent Progress and Perspective", Batteries & Supercaps 2020',
    "yan2020": 'Yan et al., "A Perspective on interfacial engineering of lithium metal anodes and '
               'beyond", Appl. Phys. Lett. 2020',
    "touja2021": 'Touja et al., "An Overview on Protecting Metal Anodes with Alloy-Type Coating", '
                 'Batteries & Supercaps 2021',
}

#: short citations, by key
SHORT: dict[str, str] = {
    "park2021": "Park et al. 2021", "lim2024": "Lim et al. 2024",
    "wang2020": "Wang, Huang, Zhang 2020", "yan2020": "Yan et al. 2020",
    "touja2021": "Touja et al. 2021",
}

#: cell of the coating studies (Park 2021, Lim 2024)
SULFIDE_CELL = "Li metal in a sulfide all-solid-state cell (Li6PS5Cl electrolyte)"
LI2SE_LAYER = ("Li2Se nanorods, ~10 µm (5 µm after pressing); CVD, Se vapour on molten Li at "
               "300 °C")
LIF_LAYER = "LiF, 50 nm, thermal evaporation"
MG_LAYER = "Mg, 35 nm, thermal evaporation"
MGF2_LAYER = "MgF2, 50 nm, thermal evaporation"


@dataclass(frozen=True)
class Measurement:
    """One observation (or literature number) with its unit, conditions and source."""

    key: str
    coatings: tuple[str, ...]  # the coatings (report rows) it belongs to
    quantity: str
    value: float | tuple[float, float] | None
    unit: str
    source: str  # key of SOURCES
    qualifier: str = ""  # '≈', '~', '<' or '' as stated
    conditions: str = ""
    observation: str = ""  # the statement of the source (comparisons, qualitative findings)
    kind: str = "measured"  # 'measured', 'computed (literature)', 'model', 'design rule'
    cited: str = ""  # whom the source cites for it
    T_K: float | None = None  # temperature when stated
    compare_with: str | None = None  # report quantity of coatings[0] it can be set beside
    headline: bool = False  # shown in the report's experiment column
    stated: str = ""  # the value exactly as the source writes it, where it differs from ours
    #: what the observation says of a yes/no report quantity (e.g. soluble in Li: True)
    expects: bool | None = None

    @property
    def citation(self) -> str:
        text = SOURCES[self.source]
        return f"{text} ({self.cited})" if self.cited else text

    def value_text(self) -> str:
        """The value as the source states it, e.g. '≈ 9 mV', '0.2–0.3 eV', '< 0.8 mA cm⁻²'."""
        if self.stated:
            return self.stated
        if self.value is None:
            return self.observation
        if isinstance(self.value, tuple):
            number = f"{_num(self.value[0])}–{_num(self.value[1])}"
        else:
            number = _num(self.value)
        text = f"{self.qualifier} {number}" if self.qualifier else number
        return f"{text} {self.unit}".strip()

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["coatings"] = list(self.coatings)
        out["value"] = list(self.value) if isinstance(self.value, tuple) else self.value
        out["citation"] = self.citation
        out["value_text"] = self.value_text()
        return out


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _num(x: float) -> str:
    """3 significant digits; powers of ten as '1.7 × 10⁻¹¹' outside [10⁻³, 10⁴)."""
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e4):
        mantissa, exp = f"{x:.2e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        power = f"10{str(int(exp)).translate(_SUPERSCRIPT)}"
        return power if mantissa == "1" else f"{mantissa} × {power}"
    return f"{x:g}"


_M = Measurement

#: what a GITT diffusivity is, beside a computed vacancy-mechanism D
GITT_NOTE = ("GITT gives the chemical diffusion coefficient D̃ = D·Θ (Θ: thermodynamic "
             "factor, large in a compound of narrow composition range); the computed D is the "
             "self diffusion of the vacancy mechanism at the carrier fraction of a vacancy "
             "formed against Li metal")

#: the report row of the Li-rich Li–Sn phase (the catalogue phase the campaigns model)
LI_SN_ROW = "Li17Sn4"

#: every transcribed entry, in the order of experimental-context.md
MEASUREMENTS: tuple[Measurement, ...] = (
    # --- Li2Se (Park et al. 2021) -------------------------------------------------------
    _M("li2se-epitaxy", ("Li2Se",), "epitaxy on Li", None, "", "park2021",
       conditions=LI2SE_LAYER, observation="epitaxial: Li2Se (220) ∥ Li (110)",
       compare_with="max_strain_percent"),
    _M("li2se-overpotential", ("Li2Se",), "overpotential", 9.0, "mV", "park2021", qualifier="≈",
       conditions=f"0.1 mA cm⁻²; {SULFIDE_CELL}",
       observation="≈ 9 mV vs ≈ 25 mV bare Li at 0.1 mA cm⁻²", headline=True),
    _M("li2se-current-density", ("Li2Se",), "highest current density cycled", 0.7, "mA cm⁻²",
       "park2021", conditions=SULFIDE_CELL,
       observation="bare Li shorts at 0.3 mA cm⁻², Li2Se cells run to 0.7 mA cm⁻²",
       headline=True),
    _M("li2se-resistance", ("Li2Se",), "total resistance after 50 cycles", 127.0, "Ω",
       "park2021", conditions=SULFIDE_CELL, observation="127 Ω vs 163 Ω bare"),
    _M("li2se-full-cell", ("Li2Se",), "LiCoO2 full-cell capacity retention after 100 cycles",
       76.0, "%", "park2021", conditions=SULFIDE_CELL,
       observation="76 % after 100 cycles (bare 47 %, Li–In 70 %)"),
    _M("li2se-band-gap", ("Li2Se",), "band gap", 3.0, "eV", "park2021", qualifier="≈",
       conditions="bulk property", kind="computed (literature)", cited="citing earlier DFT",
       stated="≈ 3.0 eV"),
    _M("li2se-migration", ("Li2Se",), "Li migration energy in Li2X (X = S, Se, Te)", (0.2, 0.3),
       "eV", "park2021", conditions="bulk property", kind="computed (literature)",
       cited="citing earlier DFT", compare_with="barrier_coating_eV"),
    # --- LiF, Mg, MgF2 (Lim et al. 2024) -------------------------------------------------
    _M("lif-ionic-conductivity", ("LiF",), "ionic conductivity", 1.7e-11, "S cm⁻¹", "lim2024",
       conditions=f"{LIF_LAYER}; pressure-free",
       observation="1.7 × 10⁻¹¹ S cm⁻¹ pressure-free (5 × 10⁻⁹ apparent when cracked by "
                   "70 MPa pressing)", compare_with="sigma_coating_S_per_cm", headline=True),
    _M("lif-ionic-conductivity-pressed", ("LiF",), "apparent ionic conductivity", 5e-9,
       "S cm⁻¹", "lim2024", conditions=f"{LIF_LAYER}; cracked by 70 MPa pressing"),
    _M("lif-electronic-conductivity", ("LiF",), "electronic conductivity", 1e-10, "S cm⁻¹",
       "lim2024", qualifier="≈", conditions=LIF_LAYER),
    _M("lif-ccd", ("LiF",), "critical current density", 0.8, "mA cm⁻²", "lim2024",
       qualifier="<", conditions=f"{LIF_LAYER}; {SULFIDE_CELL}", headline=True),
    _M("lif-short", ("LiF",), "time to short circuit", 150.0, "h", "lim2024", qualifier="≈",
       conditions=f"0.5 mA cm⁻²; {LIF_LAYER}; {SULFIDE_CELL}"),
    _M("mg-dissolves", ("Mg",), "what the layer does on Li", None, "", "lim2024",
       conditions=MG_LAYER,
       observation="Mg diffuses into Li (tens of nm, gradient Li-rich solid solution) instead "
                   "of forming a layer", compare_with="mg_segregation_surface_eV",
       headline=True),
    _M("mg-ccd", ("Mg",), "critical current density", 1.0, "mA cm⁻²", "lim2024", qualifier="<",
       conditions=f"{MG_LAYER}; {SULFIDE_CELL}", headline=True, stated="< 1.0 mA cm⁻²"),
    _M("mg-short", ("Mg",), "time to short circuit", 200.0, "h", "lim2024", qualifier="≈",
       conditions=f"{MG_LAYER}; {SULFIDE_CELL}"),
    _M("mgf2-conversion", ("MgF2",), "what the layer does on Li", None, "", "lim2024",
       conditions=MGF2_LAYER,
       observation="converts in situ to LiF + LixMg nanograins (MgF2 + 2Li → 2LiF + Mg; "
                   "Mg + xLi → LixMg)", compare_with="reaction_meV_per_atom", headline=True),
    _M("mgf2-ccd", ("MgF2",), "critical current density", 1.4, "mA cm⁻²", "lim2024",
       conditions=f"{MGF2_LAYER}; {SULFIDE_CELL}", observation="best of 20–100 nm",
       headline=True),
    _M("mgf2-life", ("MgF2",), "symmetric-cell life", 2000.0, "h", "lim2024",
       conditions=f"{MGF2_LAYER}; {SULFIDE_CELL}"),
    _M("mgf2-full-cell", ("MgF2",), "NCM full-cell capacity retention after 800 cycles", 82.0,
       "%", "lim2024", conditions=f"{MGF2_LAYER}; {SULFIDE_CELL}"),
    # --- Li / garnet (Wang, Huang, Zhang 2020) -------------------------------------------
    _M("llzo-window", ("LLZO",), "electrochemical stability window", (0.05, 2.91), "V vs Li",
       "wang2020", kind="computed (literature)", cited="citing Han et al. 2016"),
    _M("llzo-reduction", ("LLZO",), "reduction by Li", None, "", "wang2020",
       observation="Li reduces LLZO toward Zr3O, Li2O, La2O3 (then Zr)",
       kind="computed (literature)", cited="citing Han et al. 2016",
       compare_with="reaction_meV_per_atom", headline=True),
    _M("li2co3-li-interface", ("LLZO",), "interface formation energy Li2CO3/Li", -0.63,
       "J m⁻²", "wang2020", kind="computed (literature)", cited="citing Zheng et al. 2017",
       conditions="DFT", stated="−0.63 J m⁻²"),
    _M("li2o-li-interface", ("Li2O", "LLZO"), "interface formation energy Li2O/Li", 0.23,
       "J m⁻²", "wang2020", kind="computed (literature)", cited="citing Zheng et al. 2017",
       conditions="DFT", observation="Li2O on Li impedes wetting", stated="+0.23 J m⁻²",
       compare_with="gamma_int_J_per_m2"),
    _M("li-shear-modulus", ("LLZO",), "shear modulus of Li", 3.4, "GPa", "wang2020"),
    _M("llzo-shear-modulus", ("LLZO",), "shear modulus of garnet", 60.0, "GPa", "wang2020",
       qualifier="≈",
       observation="Monroe–Newman: > 2× Li should block dendrites, yet garnets still short"),
    _M("llzo-ccd", ("LLZO",), "critical current density (bare garnet)", 0.5, "mA cm⁻²",
       "wang2020", qualifier="≈", conditions="typical bare garnet",
       observation="≈ 0.5 mA cm⁻² typical bare garnet; 1.2–2.2 mA cm⁻² with interlayers",
       headline=True),
    _M("llzo-ccd-interlayer", ("LLZO",), "critical current density (with interlayers)",
       (1.2, 2.2), "mA cm⁻²", "wang2020", conditions="garnet with interlayers"),
    _M("llzo-resistance", ("LLZO",), "interfacial resistance", (1.0, 2.0), "Ω cm²", "wang2020",
       conditions="Al2O3 ALD, Li2CO3 removed",
       observation="from ~10³ Ω cm² (contaminated) to 1–2 Ω cm² (Al2O3 ALD, Li2CO3 removed)"),
    _M("li-mg-on-garnet", ("Mg", "LLZO"), "Li–Mg alloy anodes on garnet", None, "", "wang2020",
       observation="keep contact on stripping (Mg-rich framework stays)"),
    # --- Li diffusivities (Yan et al. 2020, Table 1; room temperature unless stated) ------
    _M("li-self-diffusion-nmr", ("Li",), "Li self-diffusion coefficient", 7.65e-11, "cm² s⁻¹",
       "yan2020", conditions="25 °C, NMR", T_K=298.15, cited="Table 1",
       compare_with="D_coating_cm2_per_s", headline=True),
    _M("li-self-diffusion-model", ("Li",), "Li self-diffusion coefficient", 6.12e-11,
       "cm² s⁻¹", "yan2020", conditions="25 °C, thermodynamic model", kind="model",
       T_K=298.15, cited="Table 1", compare_with="D_coating_cm2_per_s"),
    # the Li-rich alloys: set beside the Li vacancy hop of the alloy row the campaign models
    # (the Li–Sn row is the catalogue's Li-rich Li–Sn phase, LI_SN_ROW; the Li–Ag row is
    # ordered B2 LiAg, while the measurement is on Li-richer LixAg, x = 4.7–5.0)
    _M("li22sn5-diffusion", (LI_SN_ROW,), "Li diffusivity in Li22Sn5", (1.9e-7, 5.9e-7),
       "cm² s⁻¹", "yan2020", conditions="room temperature, GITT", cited="Table 1",
       stated="1.9–5.9 × 10⁻⁷ cm² s⁻¹", compare_with="D_coating_cm2_per_s", headline=True,
       observation=GITT_NOTE),
    _M("li3bi-diffusion", ("Li3Bi",), "Li diffusivity in Li3Bi", (1.0e-6, 3.0e-6), "cm² s⁻¹",
       "yan2020", conditions="room temperature, GITT", cited="Table 1",
       stated="1.0–3.0 × 10⁻⁶ cm² s⁻¹", compare_with="D_coating_cm2_per_s", headline=True,
       observation=GITT_NOTE),
    _M("lizn-diffusion", ("LiZn",), "Li diffusivity in LiZn", (4e-8, 4e-7), "cm² s⁻¹",
       "yan2020", conditions="room temperature, GITT", cited="Table 1",
       stated="4 × 10⁻⁸ – 4 × 10⁻⁷ cm² s⁻¹", compare_with="D_coating_cm2_per_s",
       headline=True,
       observation=GITT_NOTE),
    _M("lixag-diffusion", ("LiAg",), "Li diffusivity in LixAg (x = 4.7–5.0)",
       (0.12e-8, 4.0e-8), "cm² s⁻¹", "yan2020", conditions="room temperature, GITT",
       cited="Table 1", stated="0.12–4.0 × 10⁻⁸ cm² s⁻¹", compare_with="D_coating_cm2_per_s",
       headline=True, observation="measured on Li-rich LixAg (x = 4.7–5.0); computed in "
                                  "ordered B2 LiAg; " + GITT_NOTE),
    _M("limg-diffusion-gitt", ("Mg",), "Li diffusivity in Li–Mg (β phase)", 1e-8, "cm² s⁻¹",
       "yan2020", qualifier="≈", conditions="room temperature, GITT", cited="Table 1"),
    _M("limg-diffusion-neutron", ("Mg",), "Li diffusivity in Li–Mg (β phase)", 1e-11,
       "cm² s⁻¹", "yan2020", qualifier="≈", conditions="room temperature, neutron tomography",
       cited="Table 1"),
    _M("limg-diffusion-sand", ("Mg",), "Li diffusivity in Li–Mg (β phase)", 2.3e-11, "cm² s⁻¹",
       "yan2020", conditions="room temperature, Sand's equation", cited="Table 1"),
    # --- design rules (Touja et al. 2021; Yan et al. 2020) ----------------------------------
    _M("soluble-alloy-overpotential", ("Mg",), "alloy coatings", None, "", "touja2021",
       observation="metals soluble in Li (Mg, Ag) give lower overpotentials than insoluble "
                   "ones (Fe, Cu, Sn)", kind="design rule", cited="and Yan et al. 2020",
       compare_with="soluble_in_li", expects=True, headline=True),
    _M("soluble-ag-overpotential", ("LiAg",), "alloy coatings", None, "", "touja2021",
       observation="Ag is soluble in Li; soluble metals (Mg, Ag) give lower overpotentials "
                   "than insoluble ones (Fe, Cu, Sn)", kind="design rule",
       cited="and Yan et al. 2020", compare_with="soluble_in_li", expects=True,
       headline=True),
    _M("insoluble-sn-overpotential", (LI_SN_ROW,), "alloy coatings", None, "", "touja2021",
       observation="Sn is insoluble in Li; insoluble metals (Fe, Cu, Sn) give higher "
                   "overpotentials than soluble ones (Mg, Ag)", kind="design rule",
       cited="and Yan et al. 2020", compare_with="soluble_in_li", expects=False,
       headline=True),
    _M("lif-elastic-modulus", ("LiF",), "elastic modulus of LiF", 70.0, "GPa", "touja2021",
       kind="design rule", cited="and Yan et al. 2020",
       observation="elastic moduli: LiF 70 GPa, LiCl 32 GPa"),
)

#: the coatings of the comparison with their entries
EXPERIMENTS: dict[str, tuple[Measurement, ...]] = {
    name: tuple(m for m in MEASUREMENTS if name in m.coatings)
    for name in ("Li2Se", "LiF", "Mg", "MgF2", "LLZO", "Li2O", "Li3Bi", "LiZn", "LiAg",
                 LI_SN_ROW)
}

#: measured Li self-diffusion at 25 °C (NMR; Yan et al. 2020, Table 1)
LI_SELF_DIFFUSION: Measurement = next(m for m in MEASUREMENTS
                                      if m.key == "li-self-diffusion-nmr")

#: the whole diffusivity table of Yan et al. 2020 (Li self-diffusion and Li in alloys)
DIFFUSIVITIES: tuple[Measurement, ...] = tuple(m for m in MEASUREMENTS if m.source == "yan2020")

#: what a good coating needs, as the reviews say it (text, source keys)
DESIGN_CRITERIA: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fast, selective Li⁺ transport through the layer; electronically insulating (so Li plates "
     "underneath rather than on top); thermodynamically stable against Li metal; mechanically "
     "able to follow Li volume change; ideally self-healing", ("yan2020", "touja2021")),
    ("wetting of an α–γ interface by a β film when γ_αβ + γ_βγ < γ_αγ⁽⁰⁾; a 2D interfacial phase "
     "(complexion) can be stable even where the bulk β is not (prewetting): surface "
     "segregation of a solute M in Li (e.g. Mg) is the thermodynamic route to a self-forming "
     "coating", ("yan2020", "touja2021")),
    ("alloy coatings: metals soluble in Li (Mg, Ag) give lower overpotentials than insoluble "
     "ones (Fe, Cu, Sn); elastic moduli: LiF 70 GPa, LiCl 32 GPa", ("touja2021", "yan2020")),
)

_ALIASES = {"li7la3zr2o12": "LLZO", "llzo-tetragonal": "LLZO", "llzo": "LLZO"}


def experiment_key(coating: str) -> str | None:
    """The key of :data:`EXPERIMENTS` (or 'Li') for a coating name, case-insensitive
    ('lif' -> 'LiF', 'Li7La3Zr2O12' -> 'LLZO'); None when nothing was transcribed for it."""
    folded = coating.strip().lower()
    if folded in _ALIASES:
        return _ALIASES[folded]
    for key in (*EXPERIMENTS, "Li"):
        if folded == key.lower():
            return key
    return None


def measurements_for(coating: str) -> tuple[Measurement, ...]:
    """The entries that belong to ``coating`` (a report row name); () when none."""
    key = experiment_key(coating)
    if key is None:
        return ()
    return tuple(m for m in MEASUREMENTS if key in m.coatings)
