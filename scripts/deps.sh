# Sourced by scripts/test, scripts/demo and scripts/bench: installs the Debian packages the
# build and the tests need, and nothing when they are all present.
# Usage: sw_install_packages pkg...   (root, or a user with sudo)

# shellcheck disable=SC2034  # the lists are used by the scripts that source this file
SW_BUILD_PACKAGES=(cmake make gcc g++ pkg-config libdw-dev libelf-dev libiberty-dev check binutils)
SW_TEST_PACKAGES=(python3 libpython3.11 elfutils libc6-dbg valgrind rsyslog redis-server memcached
                   util-linux hostname openmpi-bin libopenmpi-dev postgresql-15)
# The fuzzers: clang and its libFuzzer runtime.
SW_FUZZ_PACKAGES=(clang libclang-rt-14-dev)

sw_install_packages() {
    local missing=() p
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$p")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing: ${missing[*]}" >&2
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "need root or sudo to install ${missing[*]}" >&2; return 1; }
        sudo="sudo"
    fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
