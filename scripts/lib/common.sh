# Shared by the scripts in scripts/: where things are, installing Debian packages, building.
# shellcheck shell=bash

XTGRAD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
XTGRAD_BUILD_DIR="${XTGRAD_BUILD_DIR:-$XTGRAD_ROOT/build/release}"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs the named Debian packages that are not installed yet (nothing to do: no apt call).
ensure_packages() {
    local missing=() package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$package")
    done
    ((${#missing[@]} == 0)) && return 0
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || die "need root or sudo to install: ${missing[*]}"
        sudo=(sudo)
    fi
    log "installing Debian packages: ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Everything the library, its tests, examples and benchmark programs build against (why each:
# README.md).
XTGRAD_BUILD_PACKAGES=(
    g++ cmake make pkg-config
    xtensor-dev libxtensor-blas-dev libopenblas-dev
    libboost-test-dev zlib1g-dev libzip-dev libdnnl-dev
    libcli11-dev nlohmann-json3-dev
    gnuplot-nox
    libxsimd-dev
    libopenmpi-dev openmpi-bin
)

# Only the tests need these: Fashion-MNIST for the --dataset fashion-mnist test, numpy for the
# test that numpy reads and writes mnist-train's weights.
XTGRAD_TEST_PACKAGES=(dataset-fashion-mnist python3-numpy)

# Configures (Release, tuned for this CPU) and builds; extra arguments go to CMake.
build_release() {
    ensure_packages "${XTGRAD_BUILD_PACKAGES[@]}"
    log "building in ${XTGRAD_BUILD_DIR#"$XTGRAD_ROOT"/}"
    cmake -S "$XTGRAD_ROOT" -B "$XTGRAD_BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
        -DXTGRAD_ARCH=native -DXTGRAD_WERROR=ON "$@" >/dev/null
    cmake --build "$XTGRAD_BUILD_DIR" --parallel "$(nproc)"
}
