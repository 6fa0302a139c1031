# Shared by the interop scripts: source it, do not run it.
# need_packages PKG...: install the Debian packages that are missing (as root, no prompts).
need_packages() {
    local missing=()
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if [ ! -e /tmp/.hostkit-apt-updated ]; then
        apt-get -o DPkg::Lock::Timeout=300 update -q
        touch /tmp/.hostkit-apt-updated
    fi
    apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}"
}

# The workspace root, and the hostkit binary built in release mode.
interop_root() { cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd; }
hostkit_bin() {
    local root
    root=$(interop_root)
    (cd "$root" && cargo build --release --quiet --bin hostkit >&2)
    echo "$root/target/release/hostkit"
}
