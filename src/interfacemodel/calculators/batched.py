"""Batched energies and forces for the ML potentials: many structures per model call.

>>> ev = BatchEvaluator("sevennet")                       # or BatchEvaluator(existing_calc)
>>> results = ev.evaluate([li_bulk, lif_bulk, slab], stress=True)
>>> results[2]["energy_eV"], results[2]["forces_eV_per_A"].shape, results[2]["stress_eV_per_A3"]

Backends: SevenNet (the model is called on a ``torch_geometric`` batch of sevenn's own
``AtomGraphData`` graphs, built exactly as ``SevenNetCalculator`` builds them) and CHGNet
(``CHGNet.forward`` takes a list of ``CrystalGraph``s). The network is the one cached by
:mod:`.backends` (or the one inside the calculator you pass): it is never built twice, and
the results are those of the ASE calculator, structure by structure (same graphs, same
float32 model; the tests check batched against one-at-a-time).

Chunking (the memory budget). Structures are taken in input order and packed greedily
into chunks; a structure joins the current chunk only if the chunk then holds at most
``max_atoms`` atoms **and** at most ``max_edges`` edges, else it starts the next chunk.
An *edge* is a directed neighbour pair within the model's graph cutoff, i.e. one row of the
model's own graph (SevenNet 7net-0: 5 Å; CHGNet: its 6 Å atom graph), counted after the
graphs are built, before any model call. Activation memory grows with the edges: measured
on CPU (float32, forward + force backward, peak RSS) ~0.12 MB per edge for SevenNet 7net-0
and ~0.22 MB per atom-graph edge for CHGNet 0.3.0 (:data:`BYTES_PER_EDGE`). A structure
that alone exceeds a budget is evaluated alone (a graph cannot be split). If CUDA still runs
out of memory, the chunk is halved and retried, down to one structure.

Default budget (``max_edges=None``): on CUDA, half of the free GPU memory (as CUDA reports
it, plus what torch's allocator holds unused) divided by the bytes per edge, re-read at
each :meth:`BatchEvaluator.evaluate`; the per-edge figures were measured on CPU and are an
estimate for the GPU (the out-of-memory fallback covers a wrong one). On CPU, one
structure per model call (:data:`CPU_MAX_EDGES` = 1): measured here with one thread, a
batch is *slower* per structure than single calls (16 li-lif interfaces of 42 atoms;
SevenNet 3.0-3.2 structures/s one per call, 2.8 two per call, 1.4-1.7 all 16 in one call;
CHGNet 6.5-7.2/s against 1.1-1.5/s), so on CPU the evaluator gains only the Python
overhead of the ASE calculator. Pass ``max_edges`` to batch on CPU anyway.

Why not torch-sim-atomistic (evaluated 2026-11 for issue 8): the newest release on PyPI
(0.3.0) does not work with the installed sevenn 0.13 in either direction (its SevenNet wrapper
imports ``sevenn.calculator.torch_script_type``, gone in 0.13, and then fails with
``NameError: Collater``; sevenn's own ``sevenn/torchsim.py`` needs
``torch_sim.neighbors.torchsim_nl``, absent from 0.3.0), it has no CHGNet model, and it would
add about 20 packages. Both wrappers do what this module does: sevenn's per-structure graphs,
torch_geometric's ``Collater``, the model in batch mode, one forward. Its batched optimisers
and autobatcher are worth another look once the versions line up.

For a nudged elastic band, :class:`BatchedImages` gives every image its own small ASE
calculator that shares one evaluator: the first image asked for a result evaluates every
image whose structure changed since its last evaluation in one batched call, and stores each
image's results in that image's calculator, where ASE's ordinary caching serves them.

For independent relaxations, :func:`run_lockstep` runs each one (the package's own
``relax``/``relax_bulk``, unchanged) in a thread with a :class:`LockstepCalculator`; a round
of evaluations (one per optimiser step of every relaxation still running, or per line-search
trial) is one batched call made in the calling thread. The drivers (``run_neb``,
``scan_registry``, ``relax_many``, ``relax_bulk_many``, ``fit_eos``, ``phase_energies``)
take ``batch='auto'``: :func:`batch_evaluator` gives an evaluator for SevenNet and CHGNet
calculators and None (the one-at-a-time path) for any other; ``True`` insists, ``False``
never batches.
"""

from __future__ import annotations

from .batch_choice import BATCH_CHOICES, batch_evaluator, supports_batching  # noqa: F401
from .batched_images import (  # noqa: F401
    BatchedImageCalculator,
    BatchedImages,
    attach_batched_calculators,
)
from .chunking import (
    BYTES_PER_EDGE,
    CPU_MAX_EDGES,
    DEFAULT_MAX_ATOMS,
    plan_chunks,
)
from .evaluator import BatchEvaluator, ase_results, structure_list  # noqa: F401

__all__ = [
    "BATCH_CHOICES",
    "BYTES_PER_EDGE",
    "CPU_MAX_EDGES",
    "DEFAULT_MAX_ATOMS",
    "BatchEvaluator",
    "BatchedImageCalculator",
    "BatchedImages",
    "attach_batched_calculators",
    "batch_evaluator",
    "plan_chunks",
    "supports_batching",
]
