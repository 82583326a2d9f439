# Sourced by scripts/center and scripts/test: makes .venv and installs Kezek
# into it (again only when pyproject.toml changed), so both commands work on a
# fresh clone with nothing but Python 3.11+.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
STAMP="$VENV/.kezek-installed"
WANT="$(sha256sum pyproject.toml | cut -d' ' -f1)-${KEZEK_EXTRAS:-hub,node,provisioning,dev}"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
    echo "==> installing kezek[${KEZEK_EXTRAS:-hub,node,provisioning,dev}] into .venv"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e ".[${KEZEK_EXTRAS:-hub,node,provisioning,dev}]"
    echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"

# Installs Debian packages that are missing, when we may (root with apt-get).
need_debian_packages() {
    local missing=()
    for spec in "$@"; do
        local binary="${spec%%:*}" package="${spec##*:}"
        command -v "$binary" >/dev/null 2>&1 || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "==> installing ${missing[*]}"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "!! missing ${missing[*]}; install them (apt-get install -y ${missing[*]})" >&2
    fi
}
