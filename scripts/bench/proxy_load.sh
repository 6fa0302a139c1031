#!/usr/bin/env bash
# Load on proxy_echo (release build), in one run:
#  - connections per second with a v2 header (from 127.0.0.2, a trusted balancer)
#    against the same server without PROXY (from 127.0.0.3, an untrusted peer served
#    as itself), alternating rounds;
#  - the server's RSS with 10,000 idle handshakes stalled half-way through a header.
# Prints one JSON object per measurement. Loopback only; needs ~10,100 descriptors.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
cargo build --release --quiet -p hostkit-examples --bin proxy_echo --bin proxy_load
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
out=$(mktemp)
./target/release/proxy_echo --trusted 127.0.0.2/32 --trusted 127.0.1.0/24 \
    --timeout-ms 120000 >"$out" 2>/dev/null &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 100); do
    grep -q "listening on" "$out" && break
    sleep 0.05
done
addr=$(awk '/listening on/ {print $3; exit}' "$out")
./target/release/proxy_load cps --target "$addr" --round-ms "${ROUND_MS:-1000}" \
    --rounds "${ROUNDS:-3}" --concurrency "${CONCURRENCY:-16}"
./target/release/proxy_load idle --target "$addr" --count "${IDLE:-10000}" \
    --hold-ms 2000 --server-pid "$pid"
