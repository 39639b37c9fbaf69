"""The calculator work of a hop: its climbing-image NEB (end points relaxed, checkpointed) and the Vineyard attempt frequencies at the minimum and the saddle."""

from __future__ import annotations

from pathlib import Path

from ..analysis.migration import (
    ENDPOINT_FMAX,
    HOP_FMAX_EV_PER_A,
    HOP_N_IMAGES,
    PHONON_CUTOFF_A,
    HopCase,
    Prefactors,
    _band_notes,
    _say,
)
from ..errors import UserInputError
from ..records import detach_calculator
from ..run.neb import DEFAULT_NEB_OPTIMIZER, NEBRecord, run_neb
from ..run.phonons import FULL_CELL_MAX_ATOMS, neighbourhood, vineyard_prefactor


def hop_band(case: HopCase, calc, n_images: int = HOP_N_IMAGES, fmax: float = HOP_FMAX_EV_PER_A,
             optimizer: str | None = None, workdir: str | Path | None = None, progress=None):
    """The NEB of ``case``: returns ``(images, NEBRecord)`` from
    :func:`~interfacemodel.run.neb.run_neb` with the end points relaxed to
    min(:data:`ENDPOINT_FMAX`, ``fmax``/2) eV/Å, ``n_images`` intermediate images, band
    converged to ``fmax`` eV/Å, ``optimizer`` (default :data:`~interfacemodel.run.neb.
    DEFAULT_NEB_OPTIMIZER`); ``workdir``/neb checkpoints the band (a rerun resumes it)."""
    _say(progress)(f"NEB {case.label}: {len(case.initial)} atoms, {n_images} images")
    return run_neb(case.initial, case.final, calc, n_images=n_images, fmax=fmax,
                   endpoint_fmax=min(ENDPOINT_FMAX, fmax / 2),
                   optimizer=optimizer or DEFAULT_NEB_OPTIMIZER,
                   checkpoint=None if workdir is None else Path(workdir) / "neb")


def band_states(images, neb: NEBRecord):
    """``(initial minimum, saddle, final minimum)`` of a band from :func:`hop_band`: copies
    of ``images[0]``, ``images[neb.saddle_index]`` and ``images[-1]`` that hold their energy
    and forces in a single-point calculator (no live calculator: they can be stored, e.g.
    with :func:`ase.io.jsonio.encode`, and passed to :func:`hop_prefactors`)."""
    if len(images) != len(neb.image_energies_eV):
        raise UserInputError(f"{len(images)} images for a band of "
                             f"{len(neb.image_energies_eV)}: not this NEB's images")
    states = []
    for image in (images[0], images[neb.saddle_index], images[-1]):
        copy = image.copy()
        if image.calc is not None:
            detach_calculator(copy, image.get_potential_energy(), image.get_forces())
        states.append(copy)
    return tuple(states)


def hessian_atoms(case: HopCase, minimum, cutoff_A: float = PHONON_CUTOFF_A) -> list[int]:
    """The atoms a partial-Hessian prefactor displaces: the hopping atom, the second moving
    atom of an interstitialcy (``case.partner_index``) and every atom within ``cutoff_A`` Å of
    either in ``minimum`` (minimum image), sorted."""
    atoms = set(neighbourhood(minimum, case.moving_index, cutoff_A))
    if case.partner_index is not None:
        atoms |= set(neighbourhood(minimum, case.partner_index, cutoff_A))
    return sorted(atoms)


def hop_prefactors(case: HopCase, initial, saddle, final, neb: NEBRecord, calc,
                   phonons: bool = True, phonon_cutoff_A: float = PHONON_CUTOFF_A,
                   progress=None) -> Prefactors:
    """Vineyard prefactors of the forward hop and, when the hop is not symmetric (``case.
    reverse_equivalent`` False or a reaction energy above 1 meV), the backward one.

    ``initial``, ``saddle``, ``final``: the relaxed initial minimum, the band's highest image
    and the relaxed final minimum (:func:`band_states`; any calculator on them is ignored).
    Cells up to :data:`~interfacemodel.run.phonons.FULL_CELL_MAX_ATOMS` atoms: Γ modes of the
    whole cell; larger: the partial Hessian of the moving atoms (the hopping atom and, for an
    interstitialcy, its ``partner_index``) and their neighbours within ``phonon_cutoff_A`` Å
    (in the initial minimum; :func:`hessian_atoms`). ``phonons`` False: nothing computed,
    the 10¹³ Hz fallback marked. A relaxed end point that is not a minimum leaves that
    prefactor out, noted.
    """
    pre = Prefactors()
    if not phonons:
        return pre
    if not len(initial) == len(saddle) == len(final) == len(case.initial):
        raise UserInputError(f"initial, saddle and final hold {len(initial)}, {len(saddle)}, "
                             f"{len(final)} atoms; the hop has {len(case.initial)}")
    say = _say(progress)
    base = _band_notes(neb)  # notes are de-duplicated against the band's, as in the record
    notes = list(base)
    indices = None if len(saddle) <= FULL_CELL_MAX_ATOMS else \
        hessian_atoms(case, initial, phonon_cutoff_A)
    movers = "" if case.partner_index is None else " around the two moving atoms"
    what = "Γ modes of the cell" if indices is None else \
        f"partial Hessian of {len(indices)} atoms{movers}"
    ends = [("forward", initial)]
    if not case.reverse_equivalent or abs(neb.reaction_energy_eV) > 1e-3:
        ends.append(("backward", final))
    for direction, minimum in ends:
        say(f"{what}: {direction} minimum and saddle")
        try:
            vib = vineyard_prefactor(minimum, saddle, calc, indices=indices)
        except UserInputError as exc:  # the relaxed end point is not a minimum
            notes.append(f"Vineyard prefactor ({direction}) not formed: {exc}")
            if direction == "forward":
                pre.nu_note = f"not computed ({exc}): 1e13 Hz fallback"
            continue
        pre.saddle_imaginary_modes = vib.saddle_modes.n_imaginary
        if direction == "forward":
            method = vib.method if case.partner_index is None or indices is None else \
                vib.method.replace("the hopping atom and its", "the two moving atoms (the "
                                   "interstitial and the atom it knocks on) and their")
            pre.nu_Hz, pre.nu_note = vib.nu_Hz, f"Vineyard, {method}"
        else:
            pre.nu_backward_Hz = vib.nu_Hz
        notes += [n for n in vib.notes if n not in notes]
    pre.notes = notes[len(base):]
    return pre
