#!/usr/bin/env bash
# Regenerate structures/interfaces/: every named system, slab and periodic models, in CIF,
# POSCAR and extxyz with JSON sidecars, plus the README index. Geometry only (no calculator):
# registry shift 0 and the automatic contact gap. Pass e.g. "--scan sevennet" to rank the
# registry and gap with a calculator first.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$repo/scripts/setup-env.sh"
venv="${IM_VENV:-$repo/.venv}"
cd "$repo"
systems=$("$venv/bin/python" -c 'from interfacemodel.models.systems import SYSTEMS; print(" ".join(SYSTEMS))')
for system in $systems; do
    "$venv/bin/interfacemodel" build "$system" --kind both --out "structures/interfaces/$system" --overwrite "$@"
done
"$venv/bin/python" - <<'PY'
import json
from pathlib import Path

root = Path("structures/interfaces")
lines = [
    "# Generated Li/coating interfaces",
    "",
    "Made by `bash scripts/generate-interfaces.sh` (`interfacemodel build SYSTEM --kind both`).",
    "Starting geometries for relaxation: Li strained onto the coating, registry shift 0 and the",
    "automatic gap (closest Li-coating pair at 0.9 x the covalent-radius sum); no calculator",
    "was used. Slab models have 15 A of vacuum over the Li and the two bottom coating layers",
    "fixed (POSCAR selective dynamics); periodic models have two interfaces and no vacuum.",
    "Every atom lies inside its cell in every format (fractional coordinates in [0, 1); atoms",
    "moved by whole lattice vectors only, a slab never split across its vacuum).",
    "Each structure has .cif, .vasp (POSCAR), .extxyz (with the `interface_side` array: 0 Li,",
    "1 coating) and a .json sidecar (orientations, termination, match area, strain tensor,",
    "fixed atoms, gap, shift, source crystals, package versions).",
    "",
    "| system | structure | atoms | area (A^2) | strain on Li (%) | gap (A) | interface planes (Li / coating) |",
    "|---|---|---|---|---|---|---|",
]
for index in sorted(root.glob("*/index.json")):
    for entry in json.loads(index.read_text())["structures"]:
        m = json.loads((index.parent / f"{entry['name']}.json").read_text())
        lines.append(
            f"| {m['system']} | [{entry['name']}]({index.parent.name}/{entry['name']}.cif) | "
            f"{m['natoms']} | {m['area_A2']:.1f} | {m['max_abs_strain_percent']:.2f} | "
            f"{m['gap_A']:.2f} | {m['film_interface_layer']} / {m['substrate_interface_layer']} |")
(root / "README.md").write_text("\n".join(lines) + "\n")
print(f"wrote {root / 'README.md'}")
PY
