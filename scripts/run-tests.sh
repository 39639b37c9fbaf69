#!/usr/bin/env bash
# Set up the environment if needed (all extras), then run the test suite.
# Extra arguments go to pytest (e.g. -m "not gpaw" or -k emt).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$repo/scripts/setup-env.sh"
venv="${IM_VENV:-$repo/.venv}"
cd "$repo"
exec "$venv/bin/python" -m pytest "$@"
