"""Li–Mg bcc solid solutions (the β phase) and Mg solutes in Li slabs.

Real Li–Mg is a disordered bcc solid solution from pure Li up to about 70 at.% Mg; the
ordered B2 LiMg of the catalogue is a constructed end member, used here only for the
lattice parameter. Lengths in Å, compositions as the Mg atom fraction ``x_mg`` =
N_Mg / (N_Li + N_Mg).

Short-range order is measured with the Warren–Cowley parameter of shell s,
α_s = 1 − P_s(Li | Mg) / c_Li, where P_s(Li | Mg) is the fraction of Li among the shell-s
neighbours of the Mg atoms and c_Li the Li fraction: 0 for a random alloy, negative when
Mg prefers Li neighbours (ordering; B2 has α_1 = −1), positive for clustering.
"""

from __future__ import annotations

import math

import numpy as np
from ase import Atoms
from ase.neighborlist import neighbor_list

from ..errors import UserInputError
from ..structures import phase_info
from .point_defects import check_element
from .slabs import LAYER_TOLERANCE_A, layers_from_top

#: Largest Mg fraction accepted: the bcc β phase of Li–Mg extends to about 70 at.% Mg.
X_MG_MAX = 0.7

# bcc neighbour shells in units of the cubic lattice parameter a: 8 at √3/2, 6 at 1,
# 12 at √2, 24 at √11/2, 8 at √3, 6 at 2 (the last only bounds shell 5).
_BCC_SHELLS = (math.sqrt(3) / 2, 1.0, math.sqrt(2), math.sqrt(11) / 2, math.sqrt(3), 2.0)
_BCC_SHELL_SIZES = (8, 6, 12, 24, 8)
_METHODS = ("random", "sqs")


def _shell_bounds(shell: int) -> tuple[float, float]:
    """(lower, upper) distance bounds of a shell in units of a: midpoints to its neighbours."""
    lo = 0.0 if shell == 1 else 0.5 * (_BCC_SHELLS[shell - 2] + _BCC_SHELLS[shell - 1])
    hi = 0.5 * (_BCC_SHELLS[shell - 1] + _BCC_SHELLS[shell])
    return lo, hi


def _check_shell(shell, what: str = "shell") -> int:
    n = len(_BCC_SHELL_SIZES)
    if isinstance(shell, bool) or not isinstance(shell, (int, np.integer)) or not 1 <= shell <= n:
        raise UserInputError(f"{what}={shell!r} must be an integer in 1..{n} (bcc neighbour shells)")
    return int(shell)


def vegard_a_A(x_mg: float) -> float:
    """Vegard's-law lattice parameter (Å) of bcc Li–Mg with Mg fraction ``x_mg``.

    Linear in x between bcc Li (catalogue 'Li', a = 3.51004 Å at x = 0) and the B2 LiMg end
    member (catalogue 'LiMg', a = 3.42 Å at x = 0.5), extrapolated beyond x = 0.5. A
    starting guess only: relax the cell with the calculator you use for energies.
    """
    a_li = phase_info("Li").reference_lattice_A["a"]
    a_limg = phase_info("LiMg").reference_lattice_A["a"]
    return float(a_li + (a_limg - a_li) * x_mg / 0.5)


def _check_x(x_mg) -> float:
    try:
        x = float(x_mg)
    except (TypeError, ValueError):
        x = math.nan
    if isinstance(x_mg, bool) or not 0.0 <= x <= X_MG_MAX:
        raise UserInputError(
            f"x_mg={x_mg!r} outside [0, {X_MG_MAX}]: the bcc β phase of Li–Mg extends to "
            f"about {X_MG_MAX:.0%} Mg"
        )
    return x


def _check_supercell(supercell) -> tuple[int, int, int]:
    try:
        rep = tuple(int(n) for n in supercell)
        ok = len(rep) == 3 and all(n >= 1 for n in rep) and all(
            not isinstance(n, bool) and float(n) == r for n, r in zip(supercell, rep, strict=True))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise UserInputError(f"supercell={supercell!r} must be three positive integers")
    return rep


def _shell_matrices(atoms: Atoms, shells: int, a: float) -> list[np.ndarray]:
    """Per shell s = 1..shells, the N×N matrix of shell-s neighbour counts (images summed)."""
    cutoff = _shell_bounds(shells)[1] * a
    i, j, d = neighbor_list("ijd", atoms, cutoff)
    bounds = [_shell_bounds(s)[0] * a for s in range(1, shells + 1)] + [cutoff]
    which = np.searchsorted(bounds, d, side="right") - 1
    n = len(atoms)
    mats = []
    for s in range(shells):
        m = np.zeros((n, n), dtype=np.int64)
        sel = which == s
        np.add.at(m, (i[sel], j[sel]), 1)
        mats.append(m)
    return mats


def _alphas(mats, sigma: np.ndarray) -> list[float]:
    """Warren–Cowley α of every shell for the Mg indicator ``sigma`` (1 = Mg, 0 = Li)."""
    n_mg = sigma.sum()
    c_li = 1.0 - n_mg / len(sigma)
    out = []
    for m in mats:
        bonds = float(sigma @ m.sum(axis=1))  # (Mg, any) neighbour pairs
        mg_mg = float(sigma @ m @ sigma)
        out.append(1.0 - (bonds - mg_mg) / (bonds * c_li))
    return out


def _sqs_anneal(mats, sigma: np.ndarray, rng: np.random.Generator, steps: int) -> np.ndarray:
    """Swap Mg/Li pairs by Metropolis Monte Carlo (temperature falling geometrically) to
    minimise Σ_s α_s²; returns the best indicator found."""
    n = len(sigma)
    n_mg = int(sigma.sum())
    c_li = 1.0 - n_mg / n
    rows = [m.sum(axis=1).astype(float) for m in mats]
    diag = [np.diag(m).astype(float) for m in mats]
    field = [m @ sigma for m in mats]  # number of Mg neighbours of every atom
    bonds = [float(sigma @ r) for r in rows]
    mg_mg = [float(sigma @ f) for f in field]

    def cost(b, q):
        return sum((1.0 - (bb - qq) / (bb * c_li)) ** 2 for bb, qq in zip(b, q, strict=True))

    current = cost(bonds, mg_mg)
    best, best_sigma = current, sigma.copy()
    mg = np.flatnonzero(sigma == 1).tolist()
    li = np.flatnonzero(sigma == 0).tolist()
    t_hi, t_lo = 1e-2, 1e-6
    picks_mg = rng.integers(0, len(mg), size=steps)
    picks_li = rng.integers(0, len(li), size=steps)
    accept_draw = rng.random(size=steps)
    for step in range(steps):
        if best < 1e-12:
            break
        temp = t_hi * (t_lo / t_hi) ** (step / max(steps - 1, 1))
        a, b = mg[picks_mg[step]], li[picks_li[step]]  # Mg at a becomes Li, Li at b becomes Mg
        new_b, new_q = [], []
        for s, m in enumerate(mats):
            new_b.append(bonds[s] + rows[s][b] - rows[s][a])
            new_q.append(mg_mg[s] + 2.0 * (field[s][b] - field[s][a])
                         + diag[s][a] + diag[s][b] - 2.0 * m[a, b])
        trial = cost(new_b, new_q)
        if trial <= current or accept_draw[step] < math.exp((current - trial) / temp):
            sigma[a], sigma[b] = 0.0, 1.0
            for s, m in enumerate(mats):
                field[s] += m[:, b] - m[:, a]
            bonds, mg_mg, current = new_b, new_q, trial
            mg[picks_mg[step]], li[picks_li[step]] = b, a
            if current < best:
                best, best_sigma = current, sigma.copy()
    return best_sigma


def li_mg_alloy(
    x_mg: float,
    supercell=(3, 3, 3),
    a_A: float | None = None,
    method: str = "random",
    seed: int = 0,
    *,
    sqs_shells: int = 3,
    sqs_steps: int | None = None,
) -> Atoms:
    """A bcc Li–Mg solid solution: the 2-atom cubic bcc cell repeated ``supercell`` times.

    Of the N sites, exactly n = round(x_mg·N) (halves rounded up) are Mg; the actual
    fraction n/N is ``info['x_mg']``. ``x_mg`` must lie in [0, 0.7] (the β phase).
    ``a_A`` defaults to :func:`vegard_a_A` (a starting guess: relax the cell).

    ``method``: ``"random"`` places the Mg atoms on a uniformly random set of sites;
    ``"sqs"`` starts from that random set and swaps Mg/Li pairs by a seeded simulated
    annealing that drives the Warren–Cowley α of neighbour shells 1..``sqs_shells``
    (default 3: 8 at √3a/2, 6 at a, 12 at √2a) towards the random-alloy value 0 — a
    special-quasirandom-like cell (not the ATAT cluster-expansion SQS; small cells cannot
    reach α = 0 exactly). ``sqs_steps`` defaults to 200·N Monte Carlo swaps. Both are
    reproducible: the same ``seed`` gives the same structure.

    ``info``: ``x_mg``, ``x_mg_requested``, ``n_mg``, ``method``, ``seed``, ``a_A``,
    ``a_source`` ('vegard' or 'given'), ``supercell``, and ``warren_cowley_alpha`` (α of
    shells 1..sqs_shells; absent when only one element is present).
    """
    x = _check_x(x_mg)
    rep = _check_supercell(supercell)
    if method not in _METHODS:
        raise UserInputError(f"method={method!r} must be one of {', '.join(_METHODS)}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise UserInputError(f"seed={seed!r} must be an integer")
    if a_A is None:
        a, a_source = vegard_a_A(x), "vegard"
    else:
        try:
            a = float(a_A)
        except (TypeError, ValueError):
            a = math.nan
        if not a > 0 or not math.isfinite(a):
            raise UserInputError(f"a_A={a_A!r} must be a positive lattice parameter in Å")
        a_source = "given"
    shells = _check_shell(sqs_shells, "sqs_shells")
    cell = Atoms("Li2", scaled_positions=[[0, 0, 0], [0.5, 0.5, 0.5]], cell=[a, a, a], pbc=True)
    atoms = cell.repeat(rep)
    n = len(atoms)
    n_mg = math.floor(x * n + 0.5)
    steps = 200 * n if sqs_steps is None else int(sqs_steps)
    if steps < 0:
        raise UserInputError(f"sqs_steps={sqs_steps} must be >= 0")
    rng = np.random.default_rng(seed)
    sigma = np.zeros(n)
    sigma[rng.choice(n, size=n_mg, replace=False)] = 1.0
    both = 0 < n_mg < n
    mats = _shell_matrices(atoms, shells, a) if both else None
    if method == "sqs" and both:
        sigma = _sqs_anneal(mats, sigma, rng, steps)
    symbols = np.where(sigma == 1.0, "Mg", "Li")
    atoms.set_chemical_symbols(symbols.tolist())
    atoms.info.update({
        "x_mg": n_mg / n, "x_mg_requested": x, "n_mg": int(n_mg), "method": method,
        "seed": int(seed), "a_A": a, "a_source": a_source, "supercell": rep,
    })
    if both:
        atoms.info["warren_cowley_alpha"] = [float(v) for v in _alphas(mats, sigma)]
    return atoms


def warren_cowley(atoms: Atoms, shell: int, a_A: float | None = None) -> float:
    """Warren–Cowley SRO parameter α of Mg–Li pairs in bcc neighbour shell ``shell``.

    α = 1 − (Li neighbours of Mg atoms)/(all neighbours of Mg atoms)/c_Li over the shell
    (shell 1: 8 at √3a/2, 2: 6 at a, 3: 12 at √2a, 4: 24 at √11a/2, 5: 8 at √3a). Neighbours
    are assigned to shells by distance, the boundaries halfway between ideal shell radii,
    so relaxed cells work. ``a_A`` defaults to the bcc value of the cell's volume per atom,
    (2V/N)^(1/3). Needs a periodic bulk cell holding only Li and Mg, both present.
    Periodic images count as neighbours: in a cell only one or two conventional cells wide
    a shell can contain an atom's own images (each counted as a like pair).
    """
    shell = _check_shell(shell)
    if not np.all(atoms.pbc) or abs(atoms.cell.volume) < 1e-9:
        raise UserInputError("warren_cowley needs a bulk cell periodic along x, y and z")
    symbols = np.asarray(atoms.get_chemical_symbols())
    other = sorted(set(symbols.tolist()) - {"Li", "Mg"})
    if other:
        raise UserInputError(f"warren_cowley treats Li–Mg only; the cell also holds {other}")
    mg = symbols == "Mg"
    if mg.all() or not mg.any():
        raise UserInputError("warren_cowley needs both Li and Mg in the cell; α is undefined")
    a = (2.0 * abs(atoms.cell.volume) / len(atoms)) ** (1 / 3) if a_A is None else float(a_A)
    lo, hi = _shell_bounds(shell)
    i, j, d = neighbor_list("ijd", atoms, hi * a)
    sel = (d >= lo * a) & mg[i]
    total = int(sel.sum())
    li_neighbours = int((sel & ~mg[j]).sum())
    c_li = 1.0 - mg.mean()
    return float(1.0 - li_neighbours / (total * c_li))


def substitute_in_slab(
    slab: Atoms,
    layer: int,
    element: str = "Mg",
    host: str = "Li",
    seed: int = 0,
    count: int = 1,
    *,
    layer_tolerance_A: float = LAYER_TOLERANCE_A,
) -> Atoms:
    """A copy of ``slab`` with ``count`` ``host`` atoms of one layer replaced by ``element``.

    ``layer`` counts the layers of ``host`` atoms from the top: 0 is the outermost along +z
    (the surface), 1 the subsurface, and so on (z clustered within ``layer_tolerance_A`` Å; the
    slab must not be wrapped across the cell in z). Which atoms of the layer is chosen by
    ``seed``. Constraints of the input (e.g. ``FixAtoms``) are kept. For a segregation
    profile compare the energies for layer = 0, 1, 2, ... with the bulk-like middle.
    On an interface model (``arrays['interface_side']``, 0 = Li film on top of the coating)
    only film atoms are hosts, so the last layer (``n_host_layers - 1``) is the Li plane at
    the Li/coating interface; Li of the coating is never replaced.

    ``info``: ``substituted_layer``, ``substituted_depth_A`` (mean height of the top host
    layer minus that of the chosen layer), ``substituted_indices``, ``solute``, ``host``,
    ``seed``, ``n_host_layers``.
    """
    check_element(element)
    check_element(host, "host")
    if element == host:
        raise UserInputError(f"element={element!r} equals host; nothing to substitute")
    is_host = np.asarray(slab.get_chemical_symbols()) == host
    if "interface_side" in slab.arrays:
        is_host &= np.asarray(slab.arrays["interface_side"]) == 0
    hosts = np.flatnonzero(is_host)
    if len(hosts) == 0:
        raise UserInputError(f"host={host!r} not in the slab")
    layers = layers_from_top(slab, hosts, layer_tolerance_A)
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not (
            0 <= layer < len(layers)):
        raise UserInputError(
            f"layer={layer!r} out of range: the slab has {len(layers)} {host} layers "
            f"(0 = top .. {len(layers) - 1})"
        )
    members = layers[int(layer)]
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or not (
            1 <= count <= len(members)):
        raise UserInputError(f"count={count!r} must be in 1..{len(members)} "
                             f"(the {host} atoms of layer {layer})")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise UserInputError(f"seed={seed!r} must be an integer")
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(members, size=int(count), replace=False))
    out = slab.copy()
    symbols = out.get_chemical_symbols()
    for k in chosen:
        symbols[k] = element
    out.set_chemical_symbols(symbols)
    z = slab.positions[:, 2]
    out.info.update({
        "substituted_layer": int(layer),
        "substituted_depth_A": float(z[layers[0]].mean() - z[members].mean()),
        "substituted_indices": [int(k) for k in chosen],
        "solute": element,
        "host": host,
        "seed": int(seed),
        "n_host_layers": len(layers),
    })
    return out
