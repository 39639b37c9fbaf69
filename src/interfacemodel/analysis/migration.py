"""Vacancy migration in a bulk host, end to end: hop -> NEB -> Vineyard prefactor -> D(T).

:func:`vacancy_migration` relaxes the host, takes a symmetry-distinct vacancy hop from
:func:`~interfacemodel.build.defects.vacancy_hops`, runs the NEB, forms the attempt frequency
from the Γ modes of the minimum and the saddle (or marks the 10¹³ Hz fallback), the vacancy
formation energy against the Li-rich limit, and D(T) at the requested temperatures.
Energies eV, lengths Å, D cm²/s. Library layer: no FireWorks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..calculators import calculator_provenance
from ..errors import UserInputError
from ..records import package_versions
from ..run.neb import NEBRecord, run_neb
from .diffusion import Diffusivity, Lattice, bcc_vacancy, diffusivity

#: correlation factors of vacancy diffusion (Compaan & Haven 1956) by lattice
CORRELATION_FACTORS = {"bcc": 0.727, "fcc": 0.781}


@dataclass
class MigrationResult:
    host: str
    species: str
    hop: dict[str, Any]
    neb: NEBRecord
    attempt_frequency_Hz: float | None
    attempt_frequency_note: str
    vacancy_formation_energy_eV: float
    formation_reference: str
    lattice: Lattice
    diffusivities: list[Diffusivity]
    calculator: dict[str, Any]
    wall_time_s: float
    notes: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=package_versions)


def _lattice_for(host_atoms, hop, a_A: float) -> Lattice:
    """bcc/fcc vacancy geometry when the host is one of them, else the hop's own
    multiplicity and length with f = 1 (uncorrelated; stated in the record)."""
    from pymatgen.io.ase import AseAtomsAdaptor
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    bare = host_atoms.copy()
    bare.calc = None
    number = SpacegroupAnalyzer(AseAtomsAdaptor.get_structure(bare),
                                symprec=1e-3).get_space_group_number()
    elemental = len(set(host_atoms.numbers)) == 1
    if number == 229 and elemental:
        return bcc_vacancy(a_A)
    if number == 225 and elemental:
        return Lattice("fcc vacancy", 12, a_A / 2**0.5, CORRELATION_FACTORS["fcc"],
                       "Compaan & Haven 1956")
    return Lattice(f"hop {hop.label}", hop.multiplicity, hop.length_A, 1.0,
                   "hop multiplicity and length; f = 1 (correlation not computed)")


def vacancy_migration(
    host,
    calc,
    species: str = "Li",
    temperatures_K=(300.0,),
    hop_index: int = 0,
    supercell=None,
    n_images: int = 5,
    fmax: float = 0.03,
    phonons: bool = True,
    li_metal_energy_eV: float | None = None,
    workdir: str | Path | None = None,
    progress=None,
) -> MigrationResult:
    """Barrier, attempt frequency and D(T) of the ``hop_index``-th vacancy hop of ``species``.

    ``host``: catalogue name or ase.Atoms (conventional cell). The vacancy formation energy
    E_f = E(host with vacancy) − E(host) + μ_species, μ_Li from bcc Li (``li_metal_energy_eV``
    per atom, computed with ``calc`` when not given): a neutral vacancy, which in an ionic
    host stands in for V_Li' + hole (a model limitation, noted). ``workdir`` checkpoints
    the NEB.
    """
    from ..build.defects import vacancy_hops
    from ..run.phonons import vineyard_prefactor
    from .interface_energetics import bulk_reference

    start = time.perf_counter()
    temps = [float(t) for t in temperatures_K]
    if not temps or min(temps) <= 0:
        raise UserInputError(f"temperatures {temps} must be positive (K)")
    say = progress or (lambda msg: None)
    say("relax host")
    host_atoms, ref, _ = bulk_reference(host, calc)
    hops = vacancy_hops(host_atoms, species=species, supercell=supercell)
    if not 0 <= hop_index < len(hops):
        raise UserInputError(f"hop_index {hop_index} out of range: {len(hops)} distinct hops "
                             f"({'; '.join(h.label for h in hops)})")
    hop = hops[hop_index]
    say(f"NEB {hop.label}: {len(hop.initial)} atoms, {n_images} images")
    images, neb = run_neb(hop.initial, hop.final, calc, n_images=n_images, fmax=fmax,
                          checkpoint=None if workdir is None else Path(workdir) / "neb")
    notes = list(neb.flags)
    if not neb.converged:
        notes.append("NEB not converged: the barrier is not a converged number")

    nu, nu_note = None, "not computed: 1e13 Hz fallback"
    if phonons:
        say("Γ modes of the minimum and the saddle (phonopy)")
        try:
            vib = vineyard_prefactor(images[0], images[neb.saddle_index], calc)
        except UserInputError as exc:  # the relaxed end point is not a minimum
            nu_note = f"not computed ({exc}): 1e13 Hz fallback"
            notes.append(f"Vineyard prefactor not formed: {exc}")
        else:
            nu, nu_note = vib.nu_Hz, "Vineyard, Γ modes of the NEB cell (phonopy)"
            notes += vib.notes

    n_host = len(hop.initial) + 1  # the supercell before the vacancy
    e_vac = neb.endpoints["initial"].energy_eV if neb.endpoints else \
        images[0].get_potential_energy()
    e_perfect = ref.per_atom_eV() * n_host
    if li_metal_energy_eV is None:
        li_metal_energy_eV = (ref.per_atom_eV() if ref.formula == species
                              else bulk_reference(species, calc)[1].per_atom_eV())
    e_f = e_vac - e_perfect + li_metal_energy_eV
    if ref.formula != species:
        notes.append("neutral vacancy in an ionic host: E_f stands for V_Li' + hole, a model "
                     "of the charged defect")
    a = float(host_atoms.cell.cellpar()[0])
    lattice = _lattice_for(host_atoms, hop, a)
    diffs = [diffusivity(neb.barrier_forward_eV, T, lattice, attempt_frequency_Hz=nu,
                         formation_energy_eV=e_f) for T in temps]
    return MigrationResult(
        host=ref.formula, species=species,
        hop={"label": hop.label, "length_A": hop.length_A, "multiplicity": hop.multiplicity,
             "natoms": len(hop.initial), "reverse_equivalent": hop.reverse_equivalent},
        neb=neb, attempt_frequency_Hz=nu, attempt_frequency_note=nu_note,
        vacancy_formation_energy_eV=float(e_f),
        formation_reference=f"μ_{species} = {li_metal_energy_eV:.4f} eV/atom (bcc Li, same calculator)",
        lattice=lattice, diffusivities=diffs, calculator=calculator_provenance(calc),
        wall_time_s=time.perf_counter() - start, notes=notes,
    )


def plot_energy_profile(neb: NEBRecord, path: str | Path, title: str = "") -> Path:
    """NEB energy profile (PNG): image energies against the reaction coordinate."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=120)
    ax.plot(neb.reaction_coordinate_A, neb.image_energies_eV, "o-", color="tab:blue")
    ax.axhline(0.0, color="0.7", lw=0.8)
    s = neb.reaction_coordinate_A[neb.saddle_index]
    ax.annotate(f"{neb.barrier_forward_eV:.3f} eV", (s, neb.barrier_forward_eV),
                textcoords="offset points", xytext=(0, 6), ha="center")
    ax.set_xlabel("reaction coordinate (Å)")
    ax.set_ylabel("E − E(initial) (eV)")
    ax.set_title(title or "NEB energy profile")
    fig.tight_layout()
    return _save(fig, path)


def plot_arrhenius(diffs: list[Diffusivity], path: str | Path, title: str = "",
                   measured: tuple[float, float, str] | None = None) -> Path:
    """log10 D against 1000/T (PNG); ``measured`` = (T_K, D_cm2_per_s, label) adds a point."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=120)
    T = np.array([d.T_K for d in diffs])
    D = np.array([d.D_cm2_per_s for d in diffs])
    ax.semilogy(1000.0 / T, D, "o-", label="computed (harmonic TST)")
    if measured is not None:
        ax.semilogy([1000.0 / measured[0]], [measured[1]], "s", color="tab:red",
                    label=measured[2])
    ax.set_xlabel("1000 / T (1/K)")
    ax.set_ylabel("D (cm²/s)")
    ax.set_title(title or "Arrhenius plot")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def _save(fig, path) -> Path:
    import os
    import tempfile

    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp)
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        Path(tmp).unlink(missing_ok=True)
    return path
