"""A validated campaign spec as data: its entries (interfaces, barriers, segregation,
solubility) and the whole :class:`CampaignSpec`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..analysis.committee import ShortRelaxation
from ..analysis.migration import HOP_FMAX_EV_PER_A, HOP_N_IMAGES, PHONON_CUTOFF_A
from ..models.systems import system_elements
from ..structures import load_bulk


@dataclass
class InterfaceEntry:
    system: str
    settings: dict[str, Any] = field(default_factory=dict)
    role: str = "coating"  # in a report: 'coating' (ranked) or 'reference'


@dataclass
class SegregationEntry:
    """Solute segregation in the film of a named system (analysis.segregation)."""

    system: str
    solute: str = "Mg"
    fmax: float = 0.05
    film_layers: int | None = None


@dataclass
class SolubilityEntry:
    """A metal M dissolved in Li (analysis.solubility): its dilute heat of solution and
    solution energy against the Li–M phase in equilibrium with Li, in the report row
    ``coating`` (default: the interface row whose coating holds M)."""

    solute: str
    coating: str | None = None
    supercell: int = 3
    fmax: float = 0.02
    #: Mg only: bcc Li–Mg solid-solution cells at these Mg fractions join the hull
    solid_solutions: list[float] = field(default_factory=list)


@dataclass
class BarrierEntry:
    name: str
    kind: str  # 'bulk', 'interface' or 'endpoints'
    case: dict[str, Any]  # the arguments of the hop's prepare_* step
    temperatures_K: list[float] = field(default_factory=lambda: [300.0])
    n_images: int = HOP_N_IMAGES
    fmax: float = HOP_FMAX_EV_PER_A
    optimizer: str | None = None
    phonons: bool = True
    coating: str | None = None  # the report row it belongs to (default: the host crystal)
    #: a vacancy hop in an ionic host, or an interstitial(cy) hop in a Frenkel (A2B) host:
    #: carriers from its Schottky/Frenkel pairs ('intrinsic') or from the neutral defect
    #: formed against the metal ('metal')
    carriers: str = "intrinsic"
    #: the Vineyard partial Hessian's neighbourhood of the hopping atom (Å; cells over
    #: run.phonons.FULL_CELL_MAX_ATOMS atoms)
    phonon_cutoff_A: float = PHONON_CUTOFF_A


@dataclass
class RefineModels:
    """The models of the DFT check (``refine``), when they are not the campaign's own: per
    interface the settings of a smaller model (the interface's settings updated with
    ``settings`` and then its own entry of ``systems``), relaxed with the campaign's
    calculator; every calculator (campaign's, committee, DFT) takes single points there. Only
    the systems named are checked; ``barriers``: the hops the DFT check recomputes at the main
    model's saddle (None: all); ``reaction``: the reaction with Li at the main crystals;
    ``relax_above_eV_per_A`` / ``relax_steps``: where DFT and ML forces disagree, the short
    DFT relaxation (:class:`~interfacemodel.analysis.committee.ShortRelaxation`); ``hops``:
    bulk hops checked on hop cells of their own (smaller than the campaign's)."""

    systems: dict[str, dict[str, Any]]  # system -> its check model's settings (complete)
    barriers: list[str] | None = None
    #: bulk hop name -> its own smaller hop cell ({'supercell', 'host_cell'}): relaxed and
    #: NEB'd with the campaign's calculator there, every calculator's single points at that
    #: NEB's end points and saddle (instead of the DFT check at the campaign's hop cell)
    hops: dict[str, dict[str, Any]] = field(default_factory=dict)
    reaction: bool = True
    #: the DFT check relaxes each structure of a model on which its largest force exceeds
    #: this (eV/Å; None: never) for at most ``relax_steps`` steps
    relax_above_eV_per_A: float | None = None
    relax_steps: int = ShortRelaxation.steps
    #: backend name -> {option: value}: the check calculator's options for these models,
    #: where the ``refine`` spec does not give them
    calculator_options: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class CampaignSpec:
    name: str
    calculator: str
    interfaces: list[InterfaceEntry]
    barriers: list[BarrierEntry]
    description: str = ""
    source: str = ""
    segregation: list[SegregationEntry] = field(default_factory=list)
    solubility: list[SolubilityEntry] = field(default_factory=list)
    report: dict[str, Any] | None = None  # {'title': ...}: join in a comparison report
    #: calculators besides ``calculator`` that re-evaluate the campaign's geometries
    #: (:mod:`interfacemodel.analysis.committee`); empty: no spread
    committee: list[str] = field(default_factory=list)
    #: calculators of another functional evaluated like committee members, reported beside
    #: the numbers (not in the spread)
    functionals: list[str] = field(default_factory=list)
    #: a DFT calculator that recomputes every number at the campaign's geometries (the check
    #: of the ML numbers; None: no check)
    refine: str | None = None
    #: the DFT check's own smaller models (None: the check takes the campaign's geometries)
    refine_models: RefineModels | None = None
    #: the solute screen (analysis.solute_screen): {'host', 'solutes', 'faces', 'layers',
    #: 'fmax', 'systems' (the campaign's interface systems whose relaxed model the solutes
    #: segregate to as well; [] none)}, reported as a section of its own; None: no screen
    solute_screen: dict[str, Any] | None = None

    def members(self) -> list[str]:
        """Every calculator besides the campaign's that re-evaluates its geometries: the
        committee, the other functionals and the refine calculator."""
        return [*self.committee, *self.functionals, *([self.refine] if self.refine else [])]

    def elements(self) -> list[str]:
        """Every element the campaign's structures hold (for the calculator check)."""
        found: set[str] = set()
        for entry in self.interfaces:
            found |= set(system_elements(entry.system))
        for b in self.barriers:
            found |= barrier_elements(b)
        for g in self.segregation:
            found |= set(system_elements(g.system)) | {g.solute}
        for sol in self.solubility:
            found |= {"Li", sol.solute}
        if self.solute_screen is not None:
            found |= {self.solute_screen["host"], *self.solute_screen["solutes"]}
        return sorted(found)


def barrier_elements(b: BarrierEntry) -> set[str]:
    """Every element of a barrier's structures (for the calculator check)."""
    from ase.io import read

    if b.kind == "bulk":
        return set(load_bulk(b.case["host"]).symbol_set) | {b.case.get("species", "Li")} \
            | ({b.case["solute"]} if b.case.get("solute") else set())
    if b.kind == "interface":
        return set(system_elements(b.case["system"]))
    return set(read(b.case["initial"]).get_chemical_symbols())
