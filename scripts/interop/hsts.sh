#!/usr/bin/env bash
# HSTS against curl (Debian): curl visits the hsts_server example over HTTPS with
# --hsts FILE and the example's test CA; the hostkit store reads curl's file and must
# agree with the header the server sent; curl reads a file the store wrote and must
# upgrade an http:// URL. The server's echo mode also checks the curl column of the
# crate's divergence table. Then curl against the tower layer behind a trusted proxy,
# and `hostkit hsts preload-check --url` against the server set up wrong in each way.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
need_packages curl ca-certificates python3

hostkit=$(hostkit_bin)
root=$(interop_root)
(cd "$root" && cargo build --release --quiet -p hostkit-examples --bin hsts_server >&2)
server_bin="$root/target/release/hsts_server"

work=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
check() { # check NAME COMMAND...
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "ok    $name"
    else
        failed=$((failed + 1))
        echo "FAIL  $name"
    fi
}

header='max-age=600; includeSubDomains'
"$server_bin" --header "$header" --echo-query --out-dir "$work" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 1 100); do
    grep -q '^ready$' "$work/server.out" 2>/dev/null && break
    sleep 0.1
done
grep -q '^ready$' "$work/server.out" || { cat "$work/server.err"; echo "hsts_server did not start"; exit 1; }
http_port=$(awk '/^http /{print $2}' "$work/server.out" | sed 's/.*://')
https_port=$(awk '/^https /{print $2}' "$work/server.out" | sed 's/.*://')
ca=$(awk '/^ca /{print $2}' "$work/server.out")
echo "hsts_server: http $http_port, https $https_port, CA $ca"

c() { curl --silent --show-error --max-time 10 --cacert "$ca" "$@"; }

# 1. First visit over plain HTTP: one 308 to HTTPS, then the header; curl saves it.
cache1="$work/curl1.txt"
out=$(c -L --hsts "$cache1" -D "$work/headers1.txt" -w '%{num_redirects} %{http_code} %{scheme}' -o "$work/body1" "http://localhost:$http_port/")
check "curl follows the redirect to https and gets 200" test "$out" = "1 200 HTTPS"
check "the plain HTTP answer carried no Strict-Transport-Security" \
    bash -c "! sed -n '1,/^\r\$/p' '$work/headers1.txt' | grep -qi '^strict-transport-security'"
sent=$(grep -i '^strict-transport-security:' "$work/headers1.txt" | head -1 | sed 's/^[^:]*: *//; s/\r$//')
check "the HTTPS answer carried the configured header" test "$sent" = "$header"
check "curl wrote an entry for localhost" grep -q 'localhost "' "$cache1"

# 2. The store reads curl's file and agrees with the header the server sent.
now=$(date +%s)
parsed=$("$hostkit" hsts parse --json "$sent")
max_age=$(printf '%s' "$parsed" | python3 -c 'import json,sys; print(json.load(sys.stdin)["max_age"])')
isd=$(printf '%s' "$parsed" | python3 -c 'import json,sys; print(str(json.load(sys.stdin)["include_subdomains"]).lower())')
entry=$("$hostkit" hsts cache-check --json --now "$now" "$cache1" localhost)
check "hostkit reads curl's file: localhost is an HSTS host" \
    test "$(printf '%s' "$entry" | python3 -c 'import json,sys; print(json.load(sys.stdin)["upgrade"])')" = True
check "curl's includeSubDomains flag agrees with the header" \
    test "$(printf '%s' "$entry" | python3 -c 'import json,sys; print(str(json.load(sys.stdin)["include_subdomains"]).lower())')" = "$isd"
expires=$(printf '%s' "$entry" | python3 -c 'import json,sys; print(json.load(sys.stdin)["expires"])')
drift=$(( expires - now - max_age ))
check "curl's expiry is now + max-age (drift ${drift}s)" test "${drift#-}" -le 5
check "a subdomain is covered through includeSubDomains" \
    "$hostkit" hsts cache-check --now "$now" "$cache1" www.localhost >/dev/null
check "another host is not covered" \
    bash -c "! '$hostkit' hsts cache-check --now '$now' '$cache1' example.com >/dev/null"

# 3. max-age=0 from the server: curl drops the entry, and the store agrees.
c --hsts "$cache1" -o /dev/null "https://localhost:$https_port/forget"
check "after max-age=0 the store finds no entry in curl's file" \
    bash -c "! '$hostkit' hsts cache-check --now '$now' '$cache1' localhost >/dev/null"

# 4. curl reads a file the store wrote and upgrades http:// URLs (the port is kept, so
#    http://localhost:HTTPS_PORT/ only works when curl switches to TLS).
cache2="$work/store.txt"
"$hostkit" hsts cache-write "$cache2" localhost 'max-age=600; includeSubDomains'
verbose=$(c -v --hsts "$cache2" -w '%{scheme} %{http_code}\n' -o /dev/null "http://localhost:$https_port/" 2>&1)
check "curl upgrades http://localhost from the store's file" \
    bash -c "printf '%s' \"\$1\" | grep -q 'Switched from HTTP to HTTPS due to HSTS' && printf '%s' \"\$1\" | tail -1 | grep -q '^HTTPS 200'" _ "$verbose"
sub=$(c --hsts "$cache2" --resolve "sub.localhost:$https_port:127.0.0.1" -w '%{scheme} %{http_code}' -o /dev/null "http://sub.localhost:$https_port/" 2>&1 || true)
check "curl upgrades http://sub.localhost through the store's includeSubDomains" test "$sub" = "HTTPS 200"
cache3="$work/exact.txt"
"$hostkit" hsts cache-write "$cache3" localhost 'max-age=600'
nosub=$(c --hsts "$cache3" --resolve "sub.localhost:$https_port:127.0.0.1" -w '%{scheme} %{http_code}' -o /dev/null "http://sub.localhost:$https_port/" 2>/dev/null || true)
check "without includeSubDomains curl leaves http://sub.localhost alone" test "${nosub%% *}" != "HTTPS"
nostore=$(c -w '%{scheme}' -o /dev/null "http://localhost:$https_port/" 2>/dev/null || true)
check "without any entry curl does not upgrade (control)" test "$nostore" != "HTTPS"

# 5. The curl column of the divergence table: curl's reaction to odd headers, next to
#    the store's verdict on the same header.
divergence() { # NAME VALUE CURL_STORES(yes/no) CURL_ISD(yes/no/-) HOSTKIT_VALID(yes/no)
    local name=$1 value=$2 curl_stores=$3 curl_isd=$4 ours=$5
    local enc file got_store got_isd got_ours
    enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$value")
    file="$work/div-$passed-$failed.txt"
    c --hsts "$file" -o /dev/null "https://localhost:$https_port/?sts=$enc" || true
    got_store=no
    got_isd=-
    if grep -q 'localhost "' "$file" 2>/dev/null; then
        got_store=yes
        if grep -q '^\.localhost "' "$file"; then got_isd=yes; else got_isd=no; fi
    fi
    if "$hostkit" hsts parse -- "$value" >/dev/null; then got_ours=yes; else got_ours=no; fi
    check "divergence: $name: curl stores=$got_store isd=$got_isd, hostkit valid=$got_ours" \
        test "$got_store $got_isd $got_ours" = "$curl_stores $curl_isd $ours"
}
divergence 'quoted max-age' 'max-age="600"' yes no yes
divergence 'space before =' 'max-age = 600' no - yes
divergence 'space after =' 'max-age= 600' yes no yes
divergence 'junk after the number' 'max-age=600"' yes no no
divergence 'unterminated quote' 'max-age="600' no - no
divergence 'includeSubDomains=true' 'max-age=600; includeSubDomains=true' yes yes no
divergence 'includeSubDomainsX' 'max-age=600; includeSubDomainsX' yes yes yes
divergence 'quote inside a name' 'max-age=600; in"cludeSubDomains' yes no no
divergence 'unknown= without value' 'max-age=600; unknown=' yes no no
divergence 'directive without a name' 'max-age=600; =2' yes no no
divergence '; inside a quoted string' 'max-age=600; foo="a;max-age=5"' no - yes
divergence 'repeated max-age' 'max-age=600; max-age=600' no - no
divergence 'repeated includeSubDomains' 'max-age=600; includeSubDomains; includeSubDomains' no - no
divergence 'huge max-age' 'max-age=99999999999999999999' yes no yes

# 6. The tower layer behind a proxy: a second server trusts 127.0.0.2 only. curl sends
#    X-Forwarded-Proto: https to the plain listener from 127.0.0.2 and from 127.0.0.3.
start_server() { # DIR ARGS...: starts hsts_server, sets srv_http, srv_https, srv_ca
    local dir=$1
    shift
    mkdir -p "$dir"
    "$server_bin" --out-dir "$dir" --name example.test --name www.example.test "$@" >"$dir/out" 2>"$dir/err" &
    extra_pids+=("$!")
    for _ in $(seq 1 100); do
        grep -q '^ready$' "$dir/out" 2>/dev/null && break
        sleep 0.1
    done
    grep -q '^ready$' "$dir/out" || { cat "$dir/err"; echo "hsts_server $* did not start"; return 1; }
    srv_http=$(awk '/^http /{print $2}' "$dir/out" | sed 's/.*://')
    srv_https=$(awk '/^https /{print $2}' "$dir/out" | sed 's/.*://')
    srv_ca=$(awk '/^ca /{print $2}' "$dir/out")
}
stop_servers() {
    for p in "${extra_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    extra_pids=()
}
extra_pids=()
trap 'stop_servers; cleanup' EXIT
good='max-age=63072000; includeSubDomains; preload'
start_server "$work/proxy" --header "$good" --trusted-proxy 127.0.0.2/32
fwd() { # SOURCE HEADER: status and STS field count of GET http:// from SOURCE
    curl --silent --max-time 10 --interface "$1" -H "$2" -D "$work/fwd.txt" -o /dev/null "http://localhost:$srv_http/"
    printf '%s %s' "$(head -1 "$work/fwd.txt" | awk '{print $2}')" "$(grep -ci '^strict-transport-security:' "$work/fwd.txt" || true)"
}
check "layer: plain HTTP gets a 308 and no header" test "$(fwd 127.0.0.1 'X-Nothing: 1')" = "308 0"
check "layer: X-Forwarded-Proto: https from the trusted proxy 127.0.0.2 gets the header" \
    test "$(fwd 127.0.0.2 'X-Forwarded-Proto: https')" = "200 1"
check "layer: Forwarded: proto=https from the trusted proxy gets the header" \
    test "$(fwd 127.0.0.2 'Forwarded: for=192.0.2.1;proto=https')" = "200 1"
check "layer: the same X-Forwarded-Proto from 127.0.0.3 gets a 308 and no header" \
    test "$(fwd 127.0.0.3 'X-Forwarded-Proto: https')" = "308 0"
loc=$(curl --silent --max-time 10 -o /dev/null -w '%{redirect_url}' "http://localhost:$srv_http/a?b=1")
check "layer: the 308 keeps host and target" test "$loc" = "https://localhost:$srv_https/a?b=1"
sts=$(curl --silent --max-time 10 --cacert "$srv_ca" -D - -o /dev/null "https://localhost:$srv_https/" | grep -ci '^strict-transport-security:' || true)
check "layer: HTTPS gets exactly one header" test "$sts" = 1
stop_servers

# 7. hostkit hsts preload-check --url against the server set up right, and wrong in
#    each way the check knows: exactly the expected code each time.
live() { # WANT ARGS...: the check's error codes, space-separated, must equal WANT
    local want=$1
    shift
    start_server "$work/live$passed$failed" "$@" || { failed=$((failed + 1)); return; }
    local json got
    # Exit 1 (not preloadable) is an answer here, not a failure of the script.
    json=$("$hostkit" hsts preload-check --json --url "https://example.test:$srv_https/" \
        --resolve example.test:127.0.0.1 --resolve www.example.test:127.0.0.1 \
        --ca-file "$srv_ca" --http-port "$srv_http" || true)
    got=$(printf '%s' "$json" |
        python3 -c 'import json,sys; v=json.load(sys.stdin); print(" ".join(e["code"] for e in v["errors"]+v["warnings"]) or "none")' || echo "no verdict")
    stop_servers
    check "preload-check --url, hsts_server ${*:-set up right}: $got" test "$got" = "$want"
}
live none --header "$good"
live redirects.http.no_redirect --header "$good" --no-redirect
live redirects.http.www_first --header "$good" --redirect-to-www
live redirects.http.first_redirect.insecure --header "$good" --insecure-hop
live redirects.http.first_redirect.no_hsts --header "$good" --first-hop-without-header
live redirects.too_many --header "$good" --redirect-hops 4
live header.preloadable.max_age.below_1_year --header 'max-age=86400; includeSubDomains; preload' --allow-unpreloadable
live header.preloadable.preload.missing --header 'max-age=63072000; includeSubDomains'
live response.multiple_headers --header "$good" --duplicate-header
live domain.tls.invalid_cert_chain --header "$good" --self-signed

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
