"""Checks shared by the test modules (imported as ``checks``; pytest puts tests/ on sys.path)."""

import numpy as np
from ase.data import covalent_radii
from ase.neighborlist import neighbor_list

OVERLAP_FACTOR = 0.7


def assert_no_close_contacts(atoms, factor: float = OVERLAP_FACTOR):
    """No two atoms closer than ``factor`` × the sum of their covalent radii (periodic)."""
    i, j, d = neighbor_list("ijd", atoms, 2.0 * covalent_radii.max())
    limit = factor * (covalent_radii[atoms.numbers[i]] + covalent_radii[atoms.numbers[j]])
    assert np.all(d >= limit), f"close contact {d[d < limit].min():.2f} Å"


def assert_one_line(exc_info):
    """The exception message of a pytest.raises context is one non-empty line."""
    msg = str(exc_info.value)
    assert msg and "\n" not in msg


def au_on_al100_endpoints():
    """The ASE tutorial NEB: an Au adatom on Al(100) (2x2x3, bottom two layers fixed) and the
    same adatom moved to the next hollow site (initial, final; unrelaxed)."""
    from ase.build import add_adsorbate, fcc100
    from ase.constraints import FixAtoms

    slab = fcc100("Al", size=(2, 2, 3))
    add_adsorbate(slab, "Au", 1.7, "hollow")
    slab.center(axis=2, vacuum=4.0)
    slab.set_constraint(FixAtoms(mask=[atom.tag > 1 for atom in slab]))  # bottom two layers
    final = slab.copy()
    final[-1].x += slab.get_cell()[0, 0] / 2
    return slab, final


def plain_ase_au_on_al100_barrier(n_images: int = 3) -> float:
    """The ASE tutorial NEB set up with ASE alone: end points BFGS to 0.01 eV/Å, IDPP,
    climbing image, improved tangent, FIRE to 0.02 eV/Å; the barrier (eV)."""
    from ase.calculators.emt import EMT
    from ase.mep import NEB
    from ase.optimize import BFGS, FIRE

    initial, final = au_on_al100_endpoints()
    for atoms in (initial, final):
        atoms.calc = EMT()
        BFGS(atoms, logfile=None).run(fmax=0.01)
    images = [initial] + [initial.copy() for _ in range(n_images)] + [final]
    for image in images[1:-1]:
        image.calc = EMT()
    neb = NEB(images, climb=True, method="improvedtangent")
    neb.interpolate(method="idpp")
    FIRE(neb, logfile=None).run(fmax=0.02)
    energies = [image.get_potential_energy() for image in images]
    return max(energies) - energies[0]


def li_vacancy_endpoints():
    """2x2x2 conventional bcc Li (a = 3.43 Å, SevenNet's a0) less atom 0 (15 atoms); its
    nearest neighbour hops into the hole: (initial, final), unrelaxed."""
    from ase.build import bulk

    cell = bulk("Li", "bcc", a=3.43, cubic=True).repeat(2)
    hole = cell.positions[0].copy()
    del cell[0]
    mover = int(np.argmin(np.linalg.norm(cell.positions - hole, axis=1)))
    final = cell.copy()
    final.positions[mover] = hole
    return cell, final


def kill_after_saved_steps(process, checkpoint_dir, steps: int = 2, timeout_s: float = 600):
    """SIGKILL the process group of ``process`` (a relaxation started with
    ``start_new_session=True``) once its checkpoint in ``checkpoint_dir`` holds at least
    ``steps`` ionic steps; returns the saved (steps, force_calls)."""
    import json
    import os
    import signal
    import time
    from pathlib import Path

    from interfacemodel.run.checkpoint import CHECKPOINT_FILE

    path = Path(checkpoint_dir) / CHECKPOINT_FILE
    saved = saved_calls = 0
    deadline = time.time() + timeout_s
    while time.time() < deadline and process.poll() is None:
        if path.exists():
            try:
                with np.load(path) as data:
                    state = json.loads(str(data["meta"]))["state"]
            except (OSError, ValueError, KeyError):  # being replaced this instant
                continue
            saved, saved_calls = int(state["steps"]), int(state["force_calls"])
            if saved >= steps:
                break
        time.sleep(0.05)
    assert process.poll() is None, "the relaxation ended before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return saved, saved_calls


def planes_top_first(atoms, indices=None, tol: float = 0.3) -> list[list[int]]:
    """Atom indices (of ``indices``, default all) grouped into atomic planes by z, top
    (largest z) first — written here for the tests, not the package's layer code."""
    z = atoms.positions[:, 2]
    pool = np.arange(len(atoms)) if indices is None else np.asarray(indices)
    order = pool[np.argsort(-z[pool])]
    planes, current = [], [order[0]]
    for i in order[1:]:
        if abs(z[i] - z[current[0]]) < tol:
            current.append(i)
        else:
            planes.append(current)
            current = [i]
    planes.append(current)
    return planes


def relax_cell_by_hand_emt(atoms, fmax: float = 1e-3, stress_GPa: float = 0.01):
    """Plain ASE: EMT, symmetry kept, cell + positions relaxed with BFGS on a
    FrechetCellFilter to forces < ``fmax`` eV/Å and stress < ``stress_GPa``; the relaxed copy
    (EMT attached, no constraint). Fails when 500 steps do not get there."""
    from ase.calculators.emt import EMT
    from ase.constraints import FixSymmetry
    from ase.filters import FrechetCellFilter
    from ase.optimize import BFGS
    from ase.units import GPa

    work = atoms.copy()
    work.calc = EMT()
    work.set_constraint(FixSymmetry(work))
    opt = BFGS(FrechetCellFilter(work), logfile=None)
    for _ in opt.irun(fmax=1e-12, steps=500):
        if (np.linalg.norm(work.get_forces(), axis=1).max() < fmax
                and np.abs(work.get_stress()).max() < stress_GPa * GPa):
            break
    else:
        raise AssertionError("hand relaxation did not converge")
    work.set_constraint()
    return work
