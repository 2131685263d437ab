#!/usr/bin/env bash
# Builds the {{name}} connector into a WebAssembly component of the world `plugin` of
# wit/connector.wit (ccsync:connector@0.2.0) with componentize-py (requirements.txt).
#
#   ./build.sh [OUTPUT]      default OUTPUT: {{name}}.wasm beside this script
#
# The component carries no manifest yet: embed it (`ccsync plugin embed-manifest`) or sign it
# (`ccsync plugin sign`) with plugin.toml (README.md).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/{{name}}.wasm}"
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"

# componentize-py: the one installed beside $PYTHON (default python3), else the one on PATH.
scripts=$("${PYTHON:-python3}" -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null || true)
if [ -n "$scripts" ] && [ -x "$scripts/componentize-py" ]; then
    componentize="$scripts/componentize-py"
else
    componentize=$(command -v componentize-py || true)
fi
if [ -z "$componentize" ]; then
    echo "componentize-py is not installed: python3 -m pip install -r $here/requirements.txt" >&2
    exit 1
fi

# Only the connector's own code goes in.
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
cp "$here/app.py" "$here/connector.py" "$src/"

cd "$src"
"$componentize" --quiet -d "$here/wit/connector.wit" -w plugin componentize -p "$src" app -o "$out"
echo "built $out"
