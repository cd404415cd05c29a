# shellcheck shell=bash
# Shared by scripts/test and scripts/demo: a virtual environment with everything the project needs,
# and a copy of the checkout at .build/ansible_collections/eceops/remote_clusters.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NS=eceops
NAME=remote_clusters
VENV=${ECEOPS_VENV:-$REPO/.venv}
BUILD=${ECEOPS_BUILD:-$REPO/.build}
COLL="$BUILD/ansible_collections/$NS/$NAME"

log() { printf '\n==> %s\n' "$*" >&2; }

pick_python() {
  # ansible-core 2.20+ needs Python >= 3.12 on the controller: take the newest interpreter that really runs.
  local c cand=()
  for c in python3.14 python3.13 python3.12; do cand+=("$c"); done
  if command -v pyenv >/dev/null 2>&1; then
    while IFS= read -r c; do cand+=("$c"); done < <(ls -d "$(pyenv root)"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV)
  fi
  cand+=(python3)
  for c in "${cand[@]}"; do
    if "$c" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
      "$c" -c 'import sys; print(sys.executable)'; return 0
    fi
  done
  echo "No Python >= 3.12 with venv found; install python3.12 or newer (e.g. apt-get install python3.12-venv)" >&2
  return 1
}

pip_quiet() {  # pip without the noise of index locations this machine's pip configuration names but lacks
  "$VENV/bin/python" -m pip "$@" -q --disable-pip-version-check 2> >(grep -v "^WARNING: Location" >&2)
}

ensure_venv() {
  local want have
  want=$(cat "$REPO/requirements.txt" "$REPO/tests/requirements.txt" | sha256sum | cut -c1-16)
  have=$(cat "$VENV/.requirements-hash" 2>/dev/null || true)
  if [ ! -x "$VENV/bin/python" ] || [ "$want" != "$have" ]; then
    local py
    py=$(pick_python)
    log "Creating the virtual environment $VENV with $py"
    rm -rf "$VENV"
    "$py" -m venv "$VENV"
    pip_quiet install --upgrade pip
    pip_quiet install -r "$REPO/requirements.txt" -r "$REPO/tests/requirements.txt"
    echo "$want" > "$VENV/.requirements-hash"
  fi
  export PATH="$VENV/bin:$PATH"
  export VIRTUAL_ENV="$VENV"
  PYV=$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  export PYV
}

ensure_pip_shim() {
  # ansible-test bootstraps pip in its venvs with a script it downloads from a host we cannot reach;
  # it first looks for a cached copy, so give it one that uses ensurepip and PyPI instead.
  local at_dir pipv
  at_dir=$(python -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')
  pipv=$(grep -oE "pip='[0-9.]+'" "$at_dir/_internal/python_requirements.py" | head -1 | tr -dc '0-9.')
  mkdir -p "$HOME/.ansible/test/cache"
  cat > "$HOME/.ansible/test/cache/get_pip_${pipv//./_}.py" <<'PYEOF'
import ensurepip, os, subprocess, sys
ensurepip.bootstrap(upgrade=True)
os.environ.pop("PIP_CONFIG_FILE", None)
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + args))
PYEOF
}

build_tree() {
  # ansible-test needs the real path to end in ansible_collections/NS/NAME (a symlink is resolved away).
  log "Copying the checkout to $COLL"
  rm -rf "$COLL"
  mkdir -p "$COLL"
  (cd "$REPO" && git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' \
     | tar --null -T - -cf -) | (cd "$COLL" && tar -xf -)
  rm -rf "$COLL/tests/output"
  # the copy sits inside this repository's ignored .build/: give it a repository of its own, or ansible-test
  # would list files through the outer repository and see none of them
  git -C "$COLL" init -q
  export ANSIBLE_COLLECTIONS_PATH="$BUILD"
  export PYTHONPATH="$BUILD${PYTHONPATH:+:$PYTHONPATH}"
}
