#!/usr/bin/env bash
# hostkit-proxy-protocol against real HAProxy (Debian's 2.6):
#  1. HAProxy as SENDER (send-proxy, send-proxy-v2 and every proxy-v2-options value,
#     over TCP and TLS, IPv4 and IPv6): every header decodes with `hostkit proxy
#     decode`, the addresses and TLVs are what HAProxy was given, CRC32Cs verify.
#  2. HAProxy as RECEIVER (accept-proxy): random headers built by `hostkit proxy
#     encode` are accepted and HAProxy reports back what they carry.
#  3. Balancers in front of `proxy_http` (hyper on the accept policy): HAProxy over
#     TLS (SSL TLV verdicts), http mode and v1, nginx's stream module; clients from
#     their own 127.0.0.x, each request logged with that address. nginx's http module
#     and Apache's mod_remoteip read what `proxy_forward` sends and log the client.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
need_packages haproxy openssl python3 nginx libnginx-mod-stream apache2

hk=$(hostkit_bin)
root=$(interop_root)
(cd "$root" && cargo build --release --quiet -p hostkit-examples --bin proxy_http --bin proxy_forward >&2)
state=$(mktemp -d)
cleanup() {
    if [ -f "$state/pids" ]; then
        while read -r pid; do
            kill "$pid" 2>/dev/null || true
        done <"$state/pids"
    fi
    rm -rf "$state"
}
trap cleanup EXIT

# Throwaway CA, server certificate (CN=proxy.test) and client certificate (CN=client.example).
mkdir -p "$state/certs"
(
    cd "$state/certs"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=hostkit interop CA" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=proxy.test" 2>/dev/null
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 2>/dev/null
    cat server.crt server.key >server.pem
    openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj "/CN=client.example" 2>/dev/null
    openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 2 2>/dev/null
)

haproxy -v | head -n 1
passed=0
failed=0
for part in sender receiver balancers; do
    echo "--- HAProxy as $part"
    set +e
    if [ "$part" = balancers ]; then
        python3 "$here/proxy/$part.py" "$state" "$root/target/release/proxy_http" \
            "$root/target/release/proxy_forward" | tee "$state/$part.out"
    else
        python3 "$here/proxy/$part.py" "$hk" "$state" | tee "$state/$part.out"
    fi
    rc=${PIPESTATUS[0]}
    set -e
    line=$(grep -E "^$part: [0-9]+ passed, [0-9]+ failed" "$state/$part.out" | tail -n 1 || true)
    if [ -z "$line" ]; then
        echo "$part: no result line (exit $rc)"
        failed=$((failed + 1))
        continue
    fi
    p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
