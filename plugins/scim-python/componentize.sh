#!/usr/bin/env bash
# Runs componentize-py (the version pinned in requirements.txt) with the given arguments: the
# one installed beside $PYTHON (default python3) first, so the build and the tests use one
# interpreter's packages, else the one on PATH. build.sh and test.sh go through it.
set -euo pipefail

scripts=$("${PYTHON:-python3}" -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null || true)
if [ -n "$scripts" ] && [ -x "$scripts/componentize-py" ]; then
    componentize="$scripts/componentize-py"
else
    componentize=$(command -v componentize-py || true)
fi
if [ -z "$componentize" ]; then
    here="$(cd "$(dirname "$0")" && pwd)"
    echo "componentize-py is not installed: python3 -m pip install -r $here/requirements.txt" >&2
    exit 1
fi
exec "$componentize" "$@"
