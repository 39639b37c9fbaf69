#!/usr/bin/env bash
# The main job: set up the environment if needed, then relax every catalogue phase with the
# default ML potential (SevenNet 7net-0), fit its EOS and print the table next to the
# reference lattice parameters. Records go to runs/bulk-sevennet.json.
# Extra arguments go to `interfacemodel bulk` (e.g. Li LiF --calc chgnet).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$repo/scripts/setup-env.sh"
venv="${IM_VENV:-$repo/.venv}"
mkdir -p "$repo/runs"
cd "$repo"
if [ $# -eq 0 ]; then
    set -- --calc sevennet --json runs/bulk-sevennet.json --overwrite
fi
exec "$venv/bin/interfacemodel" bulk "$@"
