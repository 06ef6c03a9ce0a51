#!/usr/bin/env bash
# `make lab`: installs Jupyter + the GoNB kernel (scripts/setup-notebooks.sh, with the Notebook UI)
# and MuJoCo/OpenBLAS (scripts/install-deps.sh), then starts Jupyter on notebooks/, bound to
# 127.0.0.1 with a token, and prints the URL to open. Stop it with Ctrl-C.
#   LAB_PORT=8888        port (the server fails rather than silently moving to another one)
#   JUPYTER_TOKEN=...    token (default: a fresh random one)
#   LAB_SKIP_SETUP=1     skip the installs (the notebook test uses this to start the same server)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "${LAB_SKIP_SETUP:-0}" != 1 ]; then
  NB_INTERACTIVE=1 "$root/scripts/setup-notebooks.sh"
  "$root/scripts/install-deps.sh"
fi
port="${LAB_PORT:-8888}"
export JUPYTER_TOKEN="${JUPYTER_TOKEN:-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')}"
# The GoNB kernel inherits this environment: go, goimports and gonb on PATH.
GOBIN_DIR="$(go env GOBIN)"; GOBIN_DIR="${GOBIN_DIR:-$(go env GOPATH)/bin}"
export PATH="$GOBIN_DIR:$PATH"
args=(notebook --no-browser --ip=127.0.0.1 --port="$port" --port-retries=0
      --notebook-dir="$root/notebooks")
[ "$(id -u)" -eq 0 ] && args+=(--allow-root)
echo
echo "  mirrorgps notebooks: http://127.0.0.1:${port}/tree?token=${JUPYTER_TOKEN}"
echo "  (start with 01-quickstart.ipynb; Ctrl-C stops the server)"
echo
exec /usr/bin/jupyter "${args[@]}"
