"""The built-in backends of the DFT codes that run a program — CP2K (its shell under MPI),
VASP (through custodian) and Quantum ESPRESSO (``pw.x``) — registered on import (by
:mod:`.backends`). Their commands and data folders come from the worker's site settings
(:mod:`.site`).
"""

from __future__ import annotations

from .backends import (  # import cycle: backends imports this module at its end
    _bool,
    _positive_float,
    _positive_int,
)
from .cp2k import COMMAND_EXAMPLE as _CP2K_COMMAND
from .cp2k import covered_elements as _cp2k_elements
from .cp2k import make_cp2k
from .espresso import COMMAND_EXAMPLE as _QE_COMMAND
from .espresso import make_espresso, parse_pseudos

# ---------------------------------------------------------------------------------------------
# CP2K (runs the site's CP2K shell: cp2k_cmd in the worker's env)
from .registry import Backend, Option, register
from .vasp import COMMAND_EXAMPLE as _VASP_COMMAND
from .vasp import INPUT_SETS as _VASP_INPUT_SETS
from .vasp import ISMEAR as _VASP_ISMEAR
from .vasp import POTCAR_DIR_EXAMPLE as _VASP_POTCAR_DIR
from .vasp import make_vasp


def _on_off_auto(text: str) -> str:
    value = str(text).strip().lower()
    if value not in ("auto", "on", "off"):
        raise ValueError("expected auto, on or off")
    return value


register(
    Backend(
        name="cp2k",
        summary="CP2K Quickstep DFT (PBE, GTH pseudopotentials, MOLOPT basis) through ASE's "
        "CP2K shell; the command is cp2k_cmd of the worker's env (my_fworker.yaml), e.g. "
        "'mpirun -np 4 cp2k_shell.psmp'; without one, 'mpirun -np <cores> cp2k_shell.psmp' "
        "when both are on PATH.",
        make=make_cp2k,
        elements=_cp2k_elements,
        options=(
            Option("cutoff_Ry", _positive_float, 500.0,
                   "density cutoff of the finest grid (Ry)"),
            Option("rel_cutoff_Ry", _positive_float, 50.0,
                   "relative cutoff that maps Gaussians to grids (Ry)"),
            Option("kpt_density", _positive_float, 3.5,
                   "k-points per Å^-1 of reciprocal length (Γ only when the grid is 1x1x1)"),
            Option("xc", str, "PBE", "exchange-correlation functional", ("PBE",)),
            Option("basis", str, "DZVP-MOLOPT-SR-GTH", "basis set (BASIS_MOLOPT)"),
            Option("potential", str, "GTH-PBE", "pseudopotential (GTH_POTENTIALS)"),
            Option("smearing_K", _positive_float, 500.0, "Fermi-Dirac electronic temperature (K)"),
            Option("mixing_alpha", _positive_float, 0.2, "Broyden mixing fraction"),
            Option("eps_scf", _positive_float, 1e-7, "SCF convergence (EPS_SCF, Hartree)"),
            Option("max_scf", int, 200, "SCF iterations before SCFNotConvergedError"),
            Option("spin_polarized", _bool, False, "unrestricted Kohn-Sham (UKS)"),
            Option("dipole_correction", _on_off_auto, "off",
                   "surface dipole correction along z (auto: on for >= 5 Å of vacuum along z); "
                   "off by default: it stalls the SCF of a Li/Li2Se slab (cp2k module docstring)"),
            Option("dipole_vacuum_A", _positive_float, 25.0,
                   "vacuum (Å) a dipole-corrected slab is computed with (CP2K aborts below "
                   "~25 Å on a Li slab; cp2k module docstring)"),
        ),
        module="ase.calculators.cp2k",
        site_keys=(("cp2k_cmd", _CP2K_COMMAND),),
        extra="dft",
        model_option="basis",
    )
)

# ---------------------------------------------------------------------------------------------
# VASP (runs the site's VASP through custodian: vasp_cmd, vasp_potcar_dir in the worker's env)


register(
    Backend(
        name="vasp",
        summary="VASP single points through custodian (pymatgen input sets, Li/coating "
        "defaults); relaxations are ASE's optimisers over them. The command is vasp_cmd of the "
        "worker's env (my_fworker.yaml), e.g. 'srun vasp_std'; POTCARs from vasp_potcar_dir "
        "(<dir>/<symbol>/POTCAR).",
        make=make_vasp,
        elements=lambda o: None,  # any element with a POTCAR (checked when inputs are written)
        options=(
            Option("input_set", str, "MPStaticSet",
                   "pymatgen input set the settings below go on top of (a single point "
                   "whatever the set: NSW=0)", _VASP_INPUT_SETS),
            Option("encut_eV", _positive_float, 520.0,
                   "ENCUT, plane-wave cutoff (eV); the Materials Project's 520 is converged "
                   "for Li_sv, F and O"),
            Option("kpt_density", _positive_float, 3.5,
                   "k-points per Å^-1 of reciprocal length (Γ-centred grid, as GPAW and CP2K "
                   "here); 1 along z for a slab model"),
            Option("smearing", str, "methfessel-paxton",
                   "ISMEAR: methfessel-paxton (1, for metals: Li), gaussian (0) or fermi-dirac "
                   "(-1); the energy is the sigma->0 one", tuple(_VASP_ISMEAR)),
            Option("sigma_eV", _positive_float, 0.1, "SIGMA, smearing width (eV)"),
            Option("spin_polarized", _bool, False,
                   "ISPIN=2 (Li metal and the closed-shell coatings are not magnetic: ISPIN=1)"),
            Option("dipole_correction", _on_off_auto, "auto",
                   "LDIPOL/IDIPOL=3 about the slab's centre of mass; auto: on for >= 5 Å of "
                   "vacuum along z (an asymmetric slab's two surfaces differ)"),
            Option("ediff_eV", _positive_float, 1e-6,
                   "EDIFF, SCF convergence (eV): forces good to ~0.01 eV/Å"),
            Option("nelm", int, 100, "NELM, SCF steps before SCFNotConvergedError (MP's 100)"),
            Option("algo", str, "Fast", "ALGO (MP's Fast); custodian climbs Normal, All when "
                   "the SCF does not converge", ("VeryFast", "Fast", "Normal", "All")),
        ),
        module="custodian",
        site_keys=(("vasp_cmd", _VASP_COMMAND), ("vasp_potcar_dir", _VASP_POTCAR_DIR)),
        extra="dft",
        model_option="input_set",
    )
)

# ---------------------------------------------------------------------------------------------
# Quantum ESPRESSO (runs the site's pw.x: qe_cmd and qe_pseudo_dir in the worker's env)



def _mixing(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1:
        raise ValueError("must lie in (0, 1]")
    return value


register(
    Backend(
        name="espresso",
        summary="Quantum ESPRESSO pw.x single points (PBE from the UPF files, cold smearing, "
        "dipole correction for slabs); the command is qe_cmd and the UPF folder qe_pseudo_dir "
        "of the worker's env (my_fworker.yaml), e.g. 'srun pw.x'.",
        make=make_espresso,
        elements=lambda o: None,
        options=(
            Option("ecutwfc_Ry", _positive_float, 60.0,
                   "wave-function cutoff (Ry); ultrasoft/PAW O and F need ~50 (SSSP 1.3: O "
                   "50, F 45), the margin keeps Pulay stress small"),
            Option("ecutrho_Ry", _positive_float, 480.0,
                   "charge-density cutoff (Ry); 8x ecutwfc for ultrasoft/PAW augmentation"),
            Option("kpt_density", _positive_float, 3.5,
                   "k-points per Å^-1 of reciprocal length (1 along z for a slab model with "
                   ">= 5 Å of vacuum; Γ-only tricks for a 1x1x1 grid)"),
            Option("smearing_Ry", _positive_float, 0.01,
                   "Marzari-Vanderbilt cold smearing width (Ry); Li is a metal"),
            Option("spin_polarized", _bool, False,
                   "nspin=2 (Li and the closed-shell coatings are not magnetic: nspin=1)"),
            Option("dipole_correction", _on_off_auto, "auto",
                   "sawtooth dipole correction along z (tefield, dipfield, edir=3), its region "
                   "in the middle of the vacuum; auto: on for >= 5 Å of vacuum along z"),
            Option("conv_thr_Ry_per_atom", _positive_float, 1e-9,
                   "SCF convergence per atom (Ry; conv_thr = this x atoms, 1e-8 Ry for 10 "
                   "atoms): the energy error grows with the cell"),
            Option("mixing_beta", _mixing, 0.3,
                   "density mixing fraction; pw.x's 0.7 sloshes charge in metal slabs"),
            Option("electron_maxstep", _positive_int, 200,
                   "SCF iterations before SCFNotConvergedError"),
            Option("pseudo_suffix", str, ".UPF",
                   "pseudopotential file = <Symbol><suffix> in qe_pseudo_dir (links to the "
                   "site's library, e.g. Li.UPF -> li_pbe_v1.4.uspp.F.UPF)"),
            Option("pseudos", parse_pseudos, "",
                   "per-element files overriding the suffix: Li=li.UPF;F=f.UPF"),
        ),
        module="ase.calculators.espresso",
        site_keys=(("qe_cmd", _QE_COMMAND),),
    )
)
