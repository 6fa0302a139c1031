#!/usr/bin/env bash
# Everything CI needs that a fresh machine may lack: the real peers from Debian and
# cargo-fuzz. The interop scripts install their own packages too (scripts/interop/lib.sh);
# doing it once here keeps the apt lock and the index refresh in one place.
set -euo pipefail
. "$(dirname "$0")/../interop/lib.sh"
need_packages $(cat "$(dirname "$0")/../interop/packages.txt")
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
