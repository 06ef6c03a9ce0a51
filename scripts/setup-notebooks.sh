#!/usr/bin/env bash
# Installs Jupyter (Debian packages) and the GoNB kernel with its helpers (goimports, gopls).
# Idempotent: a second run takes under a second. Recipe: shared/notebooks/gonb-recipe.md.
#   NB_INTERACTIVE=1  also install the classic Notebook 6.4 UI (jupyter-notebook; `make lab` sets it)
#   NB_WITH_GOPLS=0   skip gopls (auto-complete only; saves ~35 s and ~300 MB of build cache, fine for CI)
set -euo pipefail
GONB_VERSION=v0.11.4     # the Go proxy here serves exact versions only (no @latest, no version list)
XTOOLS_VERSION=v0.52.0   # goimports
GOPLS_VERSION=v0.23.0    # gopls v0.24+ needs a newer Go than 1.26

command -v go >/dev/null || { echo "setup-notebooks: Go >= 1.26 must be on PATH" >&2; exit 1; }

pkgs=(jupyter-nbconvert jupyter-client)
[ "${NB_INTERACTIVE:-0}" = 1 ] && pkgs+=(jupyter-notebook)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "setup-notebooks: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's jupyter, not a pyenv/venv one that may shadow it on PATH.
JUPYTER=/usr/bin/jupyter

GOBIN_DIR="$(go env GOBIN)"; GOBIN_DIR="${GOBIN_DIR:-$(go env GOPATH)/bin}"
export PATH="$GOBIN_DIR:$PATH"

[ -x "$GOBIN_DIR/goimports" ] || { echo "setup-notebooks: installing goimports" >&2; go install "golang.org/x/tools/cmd/goimports@${XTOOLS_VERSION}"; }
if [ "${NB_WITH_GOPLS:-1}" = 1 ] && [ ! -x "$GOBIN_DIR/gopls" ]; then
  echo "setup-notebooks: installing gopls" >&2
  go install "golang.org/x/tools/gopls@${GOPLS_VERSION}"
fi

# `go install github.com/janpfeifer/gonb@VERSION` fails here with 403: it also reads the
# module's version list for a deprecation check, which the proxy refuses. Installing
# from a throwaway module that requires the exact version works.
if ! go version -m "$GOBIN_DIR/gonb" 2>/dev/null | grep -q "mod[[:space:]]*github.com/janpfeifer/gonb[[:space:]]*${GONB_VERSION}"; then
  echo "setup-notebooks: installing GoNB ${GONB_VERSION}" >&2
  tmp="$(mktemp -d)"
  ( cd "$tmp" && go mod init gonbinstall >/dev/null 2>&1 \
      && go get "github.com/janpfeifer/gonb@${GONB_VERSION}" >/dev/null 2>&1 \
      && GOBIN="$GOBIN_DIR" go install github.com/janpfeifer/gonb )
  rm -rf "$tmp"
fi

# Registers the kernel in $(jupyter --data-dir)/kernels/gonb (default ~/.local/share/jupyter).
spec="$($JUPYTER --data-dir)/kernels/gonb/kernel.json"
want_path="$(dirname "$(command -v go)"):$GOBIN_DIR"
if [ ! -f "$spec" ] || ! grep -q "\"$GOBIN_DIR/gonb\"" "$spec" || ! grep -q "\"$want_path:\${PATH}\"" "$spec"; then
  "$GOBIN_DIR/gonb" --install --force_deps 2>&1 | grep -v '^I[0-9]' || true
  # The kernel inherits jupyter's environment and dies at start if `go` is not on PATH;
  # goimports must be on PATH too. Pin both in the kernel spec (${PATH} is expanded by
  # jupyter_client when it starts the kernel).
  /usr/bin/python3 - "$spec" "$want_path" <<'PY'
import json, sys
path, extra = sys.argv[1], sys.argv[2]
spec = json.load(open(path))
spec.setdefault("env", {})["PATH"] = extra + ":${PATH}"
json.dump(spec, open(path, "w"), indent=1)
PY
fi
kernels="$($JUPYTER kernelspec list 2>/dev/null || true)"
grep -q '^ *gonb ' <<<"$kernels" || { echo "setup-notebooks: the gonb kernel did not register" >&2; exit 1; }
echo "setup-notebooks: GoNB ${GONB_VERSION} kernel ready ($spec)"
