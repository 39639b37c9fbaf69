"""The models' side of batched evaluation: one graph per structure, one forward per batch.

:func:`batch_backend` wraps a SevenNet or CHGNet ASE calculator in a small backend with
three steps: ``check`` (the elements the model treats), ``graph`` (one structure's graph and
its edge count) and ``run`` (the model called once on a list of graphs; per structure:
``energy_eV``, ``forces_eV_per_A`` (n, 3), and with ``stress`` ``stress_eV_per_A3`` as an
ASE Voigt 6 vector, eV and Å throughout). The network is the calculator's own (cached by
:mod:`.backends`), never built twice; ``run`` puts the graphs on the calculator's device.

SevenNet: sevenn's own ``AtomGraphData`` graphs, built exactly as ``SevenNetCalculator``
builds them, collated into a ``torch_geometric`` batch and passed to a batch-mode view of
the model. CHGNet: ``CHGNet.forward`` takes a list of ``CrystalGraph``s. An *edge* is one
row of the model's own graph, a directed neighbour pair within its cutoff (SevenNet 7net-0:
5 Å; CHGNet: its 6 Å atom graph): what :mod:`.chunking` budgets.

Why not torch-sim-atomistic (evaluated 2026-11 for issue 8): the newest release on PyPI
(0.3.0) does not work with the installed sevenn 0.13 in either direction (its SevenNet wrapper
imports ``sevenn.calculator.torch_script_type``, gone in 0.13, and then fails with
``NameError: Collater``; sevenn's own ``sevenn/torchsim.py`` needs
``torch_sim.neighbors.torchsim_nl``, absent from 0.3.0), it has no CHGNet model, and it would
add about 20 packages. Both wrappers do what this module does: sevenn's per-structure graphs,
torch_geometric's ``Collater``, the model in batch mode, one forward. Its batched optimisers
and autobatcher are worth another look once the versions line up.

torch, sevenn, torch_geometric, chgnet and pymatgen are imported inside the functions that
use them: they are heavy, optional dependencies (the ``mlip`` extra).
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Any

from ..errors import UnsupportedElementsError, UserInputError

#: The calculators with a batched backend.
SUPPORTED = ("sevennet", "chgnet")
#: What batched evaluation accepts as a calculator, for error messages.
ACCEPTED = ("a spec 'sevennet[:key=value,...]' or 'chgnet[:...]', a CalcSpec of those, or a "
            "sevenn SevenNetCalculator / chgnet CHGNetCalculator instance")


def _sevennet_batch_view(model):
    """The model in batch mode without touching the shared instance: sevenn switches batch
    mode with a flag on each top-level module (``set_is_batch_data``), and the ASE calculator
    sets it to False on the cached model. Shallow copies of the container and of its
    top-level modules carry their own flag and share every parameter and buffer."""
    view = copy.copy(model)
    view._modules = OrderedDict((k, copy.copy(m)) for k, m in model._modules.items())
    view.set_is_batch_data(True)
    return view


class _SevenNet:
    name = "sevennet"

    def __init__(self, calc):
        import torch

        self.calc = calc
        self.model = _sevennet_batch_view(calc.model)
        self.cutoff = float(calc.cutoff)
        self.type_map = calc.type_map
        self.modal = calc.modal
        self.device = torch.device(calc.device)

    def check(self, atoms_list) -> None:
        from ase.data import chemical_symbols

        bad = sorted({int(z) for a in atoms_list for z in set(a.numbers)} - set(self.type_map))
        if bad:
            raise UnsupportedElementsError(
                f"SevenNet model cannot treat {', '.join(chemical_symbols[z] for z in bad)}: it "
                f"knows {', '.join(chemical_symbols[z] for z in sorted(self.type_map))}")

    def graph(self, atoms):
        import sevenn._keys as KEY
        from sevenn.atom_graph_data import AtomGraphData
        from sevenn.train.dataload import unlabeled_atoms_to_graph

        data = AtomGraphData.from_numpy_dict(
            unlabeled_atoms_to_graph(atoms, self.cutoff, with_shift=False))
        if self.modal:
            data[KEY.DATA_MODALITY] = self.modal
        return data, int(data[KEY.EDGE_IDX].shape[1])

    def run(self, graphs, stress: bool) -> list[dict[str, Any]]:
        import sevenn._keys as KEY
        from torch_geometric.loader.dataloader import Collater

        batch = Collater([], follow_batch=None, exclude_keys=None)(graphs)
        batch.to(self.device)
        out = self.model(batch)
        energy = out[KEY.PRED_TOTAL_ENERGY].detach().cpu().numpy()
        forces = out[KEY.PRED_FORCE].detach().cpu().numpy()
        # sevenn: [xx, yy, zz, xy, yz, zx], positive = compressive; ASE Voigt: the negative,
        # ordered [xx, yy, zz, yz, xz, xy] (as SevenNetCalculator.output_to_results does)
        voigt = (-out[KEY.PRED_STRESS]).detach().cpu().numpy()[:, [0, 1, 2, 4, 5, 3]] \
            if stress else None
        results, start = [], 0
        for i, g in enumerate(graphs):
            n = int(g[KEY.NUM_ATOMS])
            res = {"energy_eV": float(energy[i]),
                   "forces_eV_per_A": forces[start:start + n].astype(float)}
            if stress:
                res["stress_eV_per_A3"] = voigt[i].astype(float)
            results.append(res)
            start += n
        return results


class _CHGNet:
    name = "chgnet"

    def __init__(self, calc):
        self.calc = calc
        self.model = calc.model
        self.device = str(calc.device)
        self.stress_weight = float(calc.stress_weight)  # GPa -> eV/Å³, as the calculator

    def check(self, atoms_list) -> None:
        from ase.data import chemical_symbols

        bad = sorted({int(z) for a in atoms_list for z in set(a.numbers) if not 1 <= z <= 94})
        if bad:
            raise UnsupportedElementsError(
                f"CHGNet cannot treat {', '.join(chemical_symbols[z] for z in bad)}: it embeds "
                f"atomic numbers 1-94 (H-Pu)")

    def graph(self, atoms):
        from pymatgen.io.ase import AseAtomsAdaptor

        graph = self.model.graph_converter(AseAtomsAdaptor.get_structure(atoms))
        return graph, int(graph.atom_graph.shape[0])

    def run(self, graphs, stress: bool) -> list[dict[str, Any]]:
        from ase.stress import full_3x3_to_voigt_6_stress

        pred = self.model.forward([g.to(self.device) for g in graphs],
                                  task="efs" if stress else "ef")
        results = []
        for i, g in enumerate(graphs):
            n = int(g.atomic_number.shape[0])
            e = float(pred["e"][i].detach().cpu()) * (n if self.model.is_intensive else 1)
            res = {"energy_eV": e,
                   "forces_eV_per_A": pred["f"][i].detach().cpu().numpy().astype(float)}
            if stress:
                s = pred["s"][i].detach().cpu().numpy().astype(float) * self.stress_weight
                res["stress_eV_per_A3"] = full_3x3_to_voigt_6_stress(s)
            results.append(res)
        return results


def batch_backend(calc):
    """The batched backend of an ASE calculator, or a UserInputError naming it."""
    module = type(calc).__module__
    name = type(calc).__name__
    if module.startswith("sevenn") and name == "SevenNetCalculator":
        return _SevenNet(calc)
    if module.startswith("chgnet") and name == "CHGNetCalculator":
        return _CHGNet(calc)
    raise UserInputError(f"batched evaluation does not support the calculator {name} "
                         f"({module}); accepted: {ACCEPTED}")


__all__ = ["ACCEPTED", "SUPPORTED", "batch_backend"]
