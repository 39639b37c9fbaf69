"""Fitting batched evaluation into memory: edge budgets, the chunk plan, out-of-memory halving.

Structures are taken in input order and packed greedily into chunks (:func:`plan_chunks`);
a structure joins the current chunk only if the chunk then holds at most ``max_atoms`` atoms
**and** at most ``max_edges`` edges, else it starts the next chunk. An *edge* is one row of
the model's own graph (:mod:`.graphs`), counted after the graphs are built, before any model
call. Activation memory grows with the edges: measured on CPU (float32, forward + force
backward, peak RSS) ~0.12 MB per edge for SevenNet 7net-0 and ~0.22 MB per atom-graph edge
for CHGNet 0.3.0 (:data:`BYTES_PER_EDGE`). A structure that alone exceeds a budget is
evaluated alone (a graph cannot be split). If CUDA still runs out of memory, the chunk is
halved and retried, down to one structure (:func:`run_chunk`).

Default budget (``max_edges=None``, :func:`default_max_edges`): on CUDA, half of the free GPU
memory (as CUDA reports it, plus what torch's allocator holds unused) divided by the bytes
per edge, re-read at each evaluation; the per-edge figures were measured on CPU and are an
estimate for the GPU (the out-of-memory fallback covers a wrong one). On CPU, one structure
per model call (:data:`CPU_MAX_EDGES` = 1): measured here with one thread, a batch is
*slower* per structure than single calls (16 li-lif interfaces of 42 atoms; SevenNet 3.0-3.2
structures/s one per call, 2.8 two per call, 1.4-1.7 all 16 in one call; CHGNet 6.5-7.2/s
against 1.1-1.5/s), so on CPU the evaluator gains only the Python overhead of the ASE
calculator. Pass ``max_edges`` to batch on CPU anyway.

torch is imported inside the functions that use it: it is a heavy, optional dependency
(the ``mlip`` extra).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import UserInputError

#: Measured activation memory per edge on CPU, float32, energy + forces + stress (bytes):
#: SevenNet 7net-0 ~115 kB/edge (li-lif interface copies, 10k and 42k edges, peak RSS);
#: CHGNet 0.3.0 ~220 kB per atom-graph edge (same structures, 14k edges; its angle graph
#: is included in that figure for interfaces, where there are ~2.5 angles per edge).
BYTES_PER_EDGE = {"sevennet": 120_000, "chgnet": 220_000}

#: Default edge budget per chunk on CPU: 1, i.e. every structure in its own model call
#: (batches were measured slower per structure on CPU; module docstring).
CPU_MAX_EDGES = 1

#: Default atom budget per chunk (a safety net: edges are the memory that counts).
DEFAULT_MAX_ATOMS = 5_000


def positive_int_or_none(value: Any, name: str) -> int | None:
    """A budget as given (``None``: the default), or a UserInputError naming ``name``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise UserInputError(f"{name}={value!r} must be a positive integer (or None for the "
                             f"default budget)")
    return int(value)


def default_max_edges(device: str, model: str) -> int:
    """The default edge budget per chunk for ``model`` ('sevennet' or 'chgnet') on ``device``:
    on CUDA half the free GPU memory over :data:`BYTES_PER_EDGE` (read now), else
    :data:`CPU_MAX_EDGES`."""
    if device.startswith("cuda"):
        import torch

        dev = torch.device(device)
        free, _ = torch.cuda.mem_get_info(dev)
        # memory torch's caching allocator holds but does not use is free for torch too
        free += torch.cuda.memory_reserved(dev) - torch.cuda.memory_allocated(dev)
        return max(1, int(0.5 * free / BYTES_PER_EDGE[model]))
    return CPU_MAX_EDGES


def plan_chunks(n_atoms: Sequence[int], n_edges: Sequence[int], max_atoms: int | None,
                max_edges: int | None) -> list[list[int]]:
    """Greedy in-order packing: indices of the structures in each chunk.

    A structure joins the current chunk if the chunk then stays within ``max_atoms`` atoms
    and ``max_edges`` edges (``None``: no limit); one that alone exceeds a budget forms a
    chunk of its own.
    """
    chunks: list[list[int]] = []
    atoms = edges = 0
    for i, (na, ne) in enumerate(zip(n_atoms, n_edges, strict=True)):
        fits = (max_atoms is None or atoms + na <= max_atoms) and (
            max_edges is None or edges + ne <= max_edges)
        if chunks and fits:
            chunks[-1].append(i)
            atoms, edges = atoms + na, edges + ne
        else:
            chunks.append([i])
            atoms, edges = na, ne
    return chunks


def run_chunk(run: Callable[[list, bool], list[dict[str, Any]]], chunk: list[int], graphs: list,
              stress: bool, results: list, done: list[list[int]],
              max_edges: Callable[[], int], depth: int = 0) -> None:
    """Evaluate one chunk of the plan with ``run`` (a backend's ``run(graphs, stress)``) and
    store each structure's result at its index in ``results``; on torch's out-of-memory error
    (after emptying the CUDA cache) split the chunk in halves and retry each, down to one
    structure, whose error is raised. Every model call that succeeded appends its indices to
    ``done`` (so ``len(done)`` counts the model calls). ``max_edges()``: the budget, named in
    the warning given once per chunk of the plan."""
    import torch

    try:
        out = run(graphs, stress)
    except torch.OutOfMemoryError:
        if len(chunk) == 1:
            raise
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        if depth == 0:  # once per chunk of the plan, at the caller of evaluate()
            warnings.warn(f"out of memory on a chunk of {len(chunk)} structures: splitting "
                          f"it in halves (pass a smaller max_edges than {max_edges()})",
                          RuntimeWarning, stacklevel=4)
        half = len(chunk) // 2
        for part in (slice(None, half), slice(half, None)):
            run_chunk(run, chunk[part], graphs[part], stress, results, done, max_edges,
                      depth + 1)
        return
    done.append(list(chunk))
    for i, res in zip(chunk, out, strict=True):
        results[i] = res


__all__ = [
    "BYTES_PER_EDGE",
    "CPU_MAX_EDGES",
    "DEFAULT_MAX_ATOMS",
    "default_max_edges",
    "plan_chunks",
    "positive_int_or_none",
    "run_chunk",
]
