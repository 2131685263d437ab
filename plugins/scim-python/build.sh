#!/usr/bin/env bash
# Builds the scim connector into a WebAssembly component of the ccsync:connector/plugin world
# (../../wit/connector.wit) with componentize-py.
#
#   plugins/scim-python/build.sh [OUTPUT]      default OUTPUT: plugins/scim-python/scim.wasm
#
# Needs componentize-py (pinned in requirements.txt; componentize.sh says which one runs). The
# component carries no manifest yet: embed and sign it
# with `ccsync plugin sign --manifest plugins/scim-python/plugin.toml` (README).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/scim.wasm}"
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"

# Only the connector's own code goes in: the app module and its package.
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
cp -r "$here/app.py" "$here/scim_connector" "$src/"
find "$src" -name __pycache__ -prune -exec rm -rf {} +

cd "$src"
"$here/componentize.sh" --quiet -d "$here/../../wit/connector.wit" -w plugin \
    componentize -p "$src" app -o "$out"
echo "built $out"
