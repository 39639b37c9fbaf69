#!/usr/bin/env bash
# The main job: set up the environment if needed, then run the coating comparison (quick
# preset, SevenNet) through FireWorks on the embedded store in runs/state and write the report
# to runs/comparison-quick/ (report.html, report.md, results.json, results.csv, figures/).
# A rerun reuses every finished Firework; an interrupted one continues where it stopped.
# Extra arguments go to `interfacemodel compare` (e.g. --preset full, --coatings Li2Se,LiF).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$repo/scripts/setup-env.sh"
venv="${IM_VENV:-$repo/.venv}"
mkdir -p "$repo/runs"
cd "$repo"
if [ $# -eq 0 ]; then
    set -- --preset quick --out runs/comparison-quick --overwrite
fi
exec "$venv/bin/interfacemodel" compare --state runs/state "$@"
