"""The solute-screen pipeline, declared once: solutes M in a host metal (Li), their
segregation to the host's free faces and the surface layers they form
(:mod:`interfacemodel.analysis.solute_screen`).

bulk host (the bulk-reference job any other flow with the same crystal, calculator and
``bulk_fmax`` makes) → one job per (solute, face) (its two relaxations, checkpointed), one
clean-face job per face (γ0) and, given the relaxed interface models of Li/coating systems
(an interface job's output each), one job per (solute, system) at that interface → the join (the :class:`~interfacemodel.analysis.solute_screen.\
SoluteScreen` record: isotherm numbers, layer formers). Each (solute, face) is a job of its
own so that a cluster runs them side by side and a rerun recomputes only what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jobflow import Flow, Job

from ..analysis import solute_screen as screen
from ..analysis.interface_energetics import EnergeticsSettings
from ..analysis.screen_assembly import evaluate_screen
from ..analysis.solute_screen import (
    CleanSurface,
    InterfaceSegregation,
    SoluteScreen,
    SurfaceSegregation,
)
from ..calculators import check_elements
from ..errors import UserInputError
from ..models.systems import system_elements, system_recipe
from ..procedures.solute_screen import clean_surface, interface_segregation, surface_segregation
from ..structures import load_bulk
from .context import finish, say, step_calculator, workdir
from .energetics import DEFAULT_CALCULATOR, BulkProduct, bulk_job
from .identity import PipelineMaker, flow_of, step_job
from .reevaluation import join_of, main_record


def surface_segregation_step(host: str, solute: str, face: str, layers: int, fmax: float,
                             bulk: BulkProduct, calculator: str) -> SurfaceSegregation:
    """E_seg (eV, < 0: segregates) of ``solute`` to the top layer of ``host(face)``."""
    say(f"{solute} on {host}({face})")
    result = surface_segregation(bulk.atoms, face, solute, step_calculator(calculator), host,
                                 layers=layers, fmax=fmax, workdir=workdir(), progress=say)
    finish("surface-segregation", f"{solute}:{host}({face})", result, calculator,
           {f"{solute}_{face}_{key}": atoms for key, atoms in result.geometries.items()})
    return result


def clean_surface_step(host: str, face: str, layers: int, fmax: float, bulk: BulkProduct,
                       calculator: str) -> CleanSurface:
    """γ0 (J/m²) of the clean ``host(face)`` in the screen's cell."""
    result = clean_surface(bulk.atoms, face, step_calculator(calculator), host, layers=layers,
                           fmax=fmax, workdir=workdir(), progress=say)
    finish("clean-surface", f"{host}({face})", result, calculator)
    return result


def interface_segregation_step(host: str, solute: str, system: str, fmax: float,
                               interface: Any, calculator: str) -> InterfaceSegregation:
    """E_seg (eV, < 0: segregates) of ``solute`` to the film plane touching the coating in
    the relaxed interface model ``interface`` (an interface job's product) of ``system``."""
    say(f"{solute} at the {system} interface")
    result = interface_segregation(interface, solute, step_calculator(calculator), host,
                                   system, fmax=fmax, workdir=workdir(), progress=say)
    finish("interface-segregation", f"{solute}:{system}", result, calculator,
           {f"{solute}_{system}_{key}": atoms for key, atoms in result.geometries.items()})
    return result


@join_of(evaluate_screen)
def solute_screen_step(sites: list[SurfaceSegregation], clean: dict[str, CleanSurface],
                       T_K: float, bulk_fractions: list[float], calculator: str,
                       interfaces: list[InterfaceSegregation] | None = None) -> SoluteScreen:
    """The join: the screen's record (isotherm numbers at ``T_K``, layer formers of the
    faces and of the interfaces) from the campaign calculator's energies at its cells
    (:func:`~interfacemodel.analysis.solute_screen.evaluate_screen`)."""
    result = main_record(evaluate_screen, calculator, sites=sites, clean=clean, T_K=T_K,
                         bulk_fractions=bulk_fractions, interfaces=interfaces or None)
    say(f"solute screen of {result.host}: layer formers "
        + (", ".join(f"{d['solute']}({d['face']})" for d in result.layer_formers) or "none")
        + ("; at interfaces " + (", ".join(f"{d['solute']}({d['system']})"
                                            for d in result.interface_layer_formers) or "none")
           if result.interfaces else ""))
    finish("solute-screen", result.host, result, calculator)
    return result


@dataclass
class SoluteScreenMaker(PipelineMaker):
    """``SoluteScreenMaker(calculator="sevennet").make("Li", solutes=("Mg", "Ag"),
    faces=("110", "100"))``: the flow's output is the
    :class:`~interfacemodel.analysis.solute_screen.SoluteScreen` record. Forces eV/Å;
    ``layers`` atomic layers of the slabs; θ and Δγ tabulated at ``T_K`` (K) and each of
    ``bulk_fractions`` (atomic fractions); ``clean``: also γ0 of each clean face."""

    name: str = "solute screen"
    calculator: Any = DEFAULT_CALCULATOR  # a spec, or an object for run_flow in this process
    fmax: float = 0.05
    layers: int = screen.DEFAULT_LAYERS
    bulk_fmax: float = EnergeticsSettings.bulk_fmax
    T_K: float = screen.DEFAULT_T_K
    bulk_fractions: tuple[float, ...] = screen.DEFAULT_BULK_FRACTIONS
    clean: bool = True

    def jobs(self, host: str = "Li", solutes=screen.ISSUE_SOLUTES, faces=screen.DEFAULT_FACES,
             phase: str | None = None,
             interfaces: dict[str, Any] | None = None) -> list[Job]:
        """The bulk job of ``phase`` (default: the catalogue crystal named ``host``), one job
        per (solute, face), one per clean face, one per (solute, system) of ``interfaces``
        (system name → its interface job's output, an
        :class:`~interfacemodel.flows.energetics.InterfaceProduct`, or the product itself),
        named ``interface-segregation:<solute>:<system>``, the join last. Bad input
        (element, calculator coverage, face, a phase without the host, a system whose film
        is not the host): one line, here, before any work."""
        solutes, faces = screen.check_screen_inputs(host, solutes, faces, self.calculator)
        phase = phase or host
        elements = sorted(load_bulk(phase).symbol_set)
        if elements != [host]:
            raise UserInputError(f"phase {phase!r} ({', '.join(elements)}) is not the pure "
                                 f"host {host!r}: give an elemental catalogue crystal")
        if isinstance(self.layers, bool) or not isinstance(self.layers, int) or self.layers < 3:
            raise UserInputError(f"layers={self.layers!r} must be an integer >= 3")
        if not self.fmax > 0:
            raise UserInputError(f"fmax={self.fmax!r} must be > 0 (eV/Å)")
        interfaces = dict(interfaces or {})
        for system in interfaces:
            recipe = system_recipe(system)  # an unknown system: one line naming the known
            if sorted(load_bulk(recipe.film).symbol_set) != [host]:
                raise UserInputError(f"interface {system!r}: its film is {recipe.film}, not "
                                     f"the host {host}; the screen's interfaces need a "
                                     f"{host} film")
            spec = self.calculator if isinstance(self.calculator, str) else \
                getattr(self.calculator, "interfacemodel_spec", None)
            if spec is not None:
                check_elements(spec, sorted(set(system_elements(system)) | set(solutes)))
        bulk = bulk_job(phase, self.calculator, self.bulk_fmax)
        common = {"host": host, "layers": self.layers, "fmax": self.fmax, "bulk": bulk.output}
        sites = [step_job(surface_segregation_step, f"surface-segregation:{s}:{host}({f})",
                          self.calculator, solute=s, face=f, **common)
                 for f in faces for s in solutes]
        cleans = {f: step_job(clean_surface_step, f"clean-surface:{host}({f})",
                              self.calculator, face=f, **common)
                  for f in faces} if self.clean else {}
        at_interfaces = [
            step_job(interface_segregation_step,
                     f"interface-segregation:{s}:{system_recipe(system).name}",
                     self.calculator, host=host, solute=s,
                     system=system_recipe(system).name, fmax=self.fmax, interface=interface)
            for system, interface in interfaces.items() for s in solutes]
        extra = {"interfaces": [j.output for j in at_interfaces]} if at_interfaces else {}
        join = step_job(solute_screen_step, f"solute-screen:{host}", self.calculator,
                        sites=[j.output for j in sites],
                        clean={f: j.output for f, j in cleans.items()}, T_K=float(self.T_K),
                        bulk_fractions=[float(x) for x in self.bulk_fractions], **extra)
        return [bulk, *sites, *cleans.values(), *at_interfaces, join]

    def make(self, host: str = "Li", *args: Any, **kwargs: Any) -> Flow:
        jobs = self.jobs(host, *args, **kwargs)
        return flow_of(jobs, f"{self.name} {host}", output=jobs[-1].output)
