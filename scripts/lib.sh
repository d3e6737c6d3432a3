# Shared by scripts/run and scripts/test: system packages, the virtualenv, the install, the translations.
# Sourced, not run. Expects the working directory to be the repository root.

VENV=.venv
STAMP="$VENV/.install-stamp"
# WeasyPrint draws the PDFs with Pango and subsets fonts with HarfBuzz.
WEASYPRINT_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)

say() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Install the Debian packages that are missing, with apt-get as root or through sudo; otherwise say what is needed.
ensure_system_packages() {
    local missing=() package
    if ! command -v dpkg-query >/dev/null; then
        warn "not a Debian-like system: make sure the equivalents of these are installed: $*"
        return 0
    fi
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
    done
    ((${#missing[@]})) || return 0

    local as_root=()
    if ((EUID != 0)); then
        if ! command -v sudo >/dev/null; then
            warn "missing system packages; as root, run: apt-get install ${missing[*]}"
            return 0
        fi
        as_root=(sudo)
        [[ -t 0 ]] || as_root+=(-n)  # no terminal to type a password into (CI): never wait for one
    fi
    say "Installing system packages: ${missing[*]}"
    if ! { "${as_root[@]}" apt-get update -qq &&
           "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
               apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
        warn "could not install system packages; as root, run: apt-get install ${missing[*]}"
    fi
}

# The Python to build the virtualenv with: PYTHON, else python3; 3.11 or newer.
base_python() {
    local python="${PYTHON:-python3}"
    command -v "$python" >/dev/null || die "$python not found: install Python 3.11 or newer (apt-get install python3 python3-venv)"
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
        die "ShopLedger needs Python 3.11 or newer; $python is $("$python" -V 2>&1). Set PYTHON=python3.12 (for example)."
    echo "$python"
}

# Packages to add when .venv must be made and this Python cannot make one (Debian splits venv out).
venv_packages() {
    [[ -x "$VENV/bin/python" ]] && return 0
    "$(base_python)" -c 'import ensurepip, venv' 2>/dev/null || echo python3-venv
}

ensure_venv() {
    [[ -x "$VENV/bin/python" ]] && return 0
    local python
    python="$(base_python)"
    say "Creating the virtualenv in $VENV with $("$python" -V 2>&1)"
    "$python" -m venv "$VENV" || die "could not create $VENV (on Debian: apt-get install python3-venv)"
}

# pip install -e ".[extras]", skipped while pyproject.toml is unchanged since the last install that covered these extras.
ensure_installed() {
    local extras="$1" hash
    hash="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    if [[ -f "$STAMP" ]]; then
        local stamped_hash stamped_extras
        read -r stamped_hash stamped_extras <"$STAMP" || true
        if [[ "$stamped_hash" == "$hash" && ( -z "$extras" || ",$stamped_extras," == *",$extras,"* ) ]]; then
            return 0
        fi
    fi
    say "Installing ShopLedger${extras:+ with [$extras]} and its dependencies into $VENV"
    rm -f "$STAMP"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".${extras:+[$extras]}"
    echo "$hash $extras" >"$STAMP"
}

# Compile translations/*/LC_MESSAGES/*.po into the .mo files Flask-Babel reads (they are not committed).
compile_translations() {
    compgen -G 'translations/*/LC_MESSAGES/*.po' >/dev/null || return 0
    "$VENV/bin/pybabel" -q compile -d translations
}
