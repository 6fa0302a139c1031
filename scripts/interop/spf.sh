#!/usr/bin/env bash
# SPF against real peers:
# 1. differential against pyspf (Debian python3-spf), the reference implementation:
#    random records and zones evaluated by both, same result expected (known pyspf
#    deviations are listed, probed and explained in spf/differential.py);
# 2. `hostkit spf check --dns`, `spf lint --dns`, `spf flatten --dns` and the
#    `spf_check` example resolving through hickory-resolver against a real
#    authoritative server (knot) on 127.0.0.1.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
need_packages python3-spf python3-dnspython knot

bin=$(hostkit_bin)
root=$(interop_root)
(cd "$root" && cargo build --release --quiet --bin spf_check -p hostkit-examples >&2)
spf_check="$root/target/release/spf_check"
cases=${HOSTKIT_SPF_DIFF_CASES:-600}
seed=${HOSTKIT_SPF_DIFF_SEED:-20261127}
port=${HOSTKIT_SPF_DNS_PORT:-5353}

passed=0
failed=0

echo "--- pyspf differential: $cases random cases, seed $seed"
out=$(/usr/bin/python3 "$here/spf/differential.py" "$bin" "$cases" "$seed") || true
echo "$out" | grep -v '^  zone:' | tail -n 40
summary=$(echo "$out" | tail -n 1)
if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
else
    echo "differential did not finish"
    failed=$((failed + 1))
fi

echo "--- knot on 127.0.0.1@$port"
tmp=$(mktemp -d)
knot_pid=
cleanup() {
    if [ -n "$knot_pid" ]; then kill "$knot_pid" 2>/dev/null || true; wait "$knot_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/run" "$tmp/db" "$tmp/zones"
cp "$here/spf/example.test.zone" "$here/spf/2.0.192.in-addr.arpa.zone" "$tmp/zones/"
cat >"$tmp/knot.conf" <<CONF
server:
    listen: 127.0.0.1@$port
    rundir: $tmp/run
    pidfile: $tmp/run/knot.pid
    user: root:root
database:
    storage: $tmp/db
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: $tmp/zones
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: example.test
  - domain: 2.0.192.in-addr.arpa
CONF
knotd -c "$tmp/knot.conf" 2>"$tmp/knot.log" &
knot_pid=$!
ready=
for _ in $(seq 1 50); do
    if /usr/bin/python3 - "$port" <<'PY' 2>/dev/null; then ready=1; break; fi
import sys, dns.resolver
r = dns.resolver.Resolver(configure=False)
r.nameservers = ["127.0.0.1"]
r.port = int(sys.argv[1])
r.lifetime = 0.5
r.resolve("example.test", "SOA")
PY
    sleep 0.2
done
if [ -z "$ready" ]; then
    cat "$tmp/knot.log"
    echo "knot did not answer"
    echo "$passed passed, $((failed + 1)) failed"
    exit 1
fi

# ip sender expected-result [expected-explanation]
check() {
    local ip=$1 sender=$2 want=$3 want_exp=${4:-}
    local got
    # exit 0 for pass, 1 for any other result
    got=$("$bin" spf check --dns --server "127.0.0.1:$port" --ip "$ip" --sender "$sender" --helo mail.example.org) || true
    local result explanation
    result=$(echo "$got" | sed -n 1p)
    explanation=$(echo "$got" | sed -n 2p)
    if [ "$result" = "$want" ] && { [ -z "$want_exp" ] || [ "$explanation" = "$want_exp" ]; }; then
        passed=$((passed + 1))
        echo "ok   --dns $ip $sender: $result"
    else
        failed=$((failed + 1))
        echo "FAIL --dns $ip $sender: got '$result' '$explanation', want '$want' '$want_exp'"
    fi
}
check 192.0.2.25 alice@example.test pass
check 2001:db8:25::1 alice@example.test pass
check 192.0.2.80 alice@example.test pass
check 198.51.100.9 alice@example.test pass
check 2001:db8:5::7 alice@example.test pass
check 203.0.113.5 alice@example.test fail "203.0.113.5 is not allowed to send mail for example.test"
check 192.0.2.25 bob@redir.example.test pass
check 192.0.2.7 bob@ptr.example.test pass
check 192.0.2.8 bob@ptr.example.test fail
check 192.0.2.1 bob@twice.example.test permerror
check 192.0.2.1 bob@noauth.example.test none
check 192.0.2.1 bob@nonexistent.example.test none
check 192.0.2.3 alice@macro.example.test pass
check 192.0.2.4 alice@macro.example.test fail
check 192.0.2.1 bob@void.example.test permerror

# The tree lint and flattening over real DNS: verb domain expected-exit grep-pattern...
tree() {
    local verb=$1 domain=$2 want_rc=$3
    shift 3
    local got rc=0 ok=1
    got=$("$bin" spf "$verb" --json --dns --server "127.0.0.1:$port" --domain "$domain") || rc=$?
    [ "$rc" = "$want_rc" ] || ok=
    for pat in "$@"; do
        echo "$got" | grep -q -- "$pat" || ok=
    done
    if [ -n "$ok" ]; then
        passed=$((passed + 1))
        echo "ok   spf $verb --dns $domain: exit $rc"
    else
        failed=$((failed + 1))
        echo "FAIL spf $verb --dns $domain: exit $rc, want $want_rc and $*: $got"
    fi
}
tree lint example.test 0 '"lookups_worst":3' '"void_lookups_worst":1' '"permerror_possible":false'
tree lint void.example.test 1 '"void_lookups_worst":3' '"code":"void.over_limit"'
tree lint twice.example.test 1 '"code":"record.multiple"'
tree flatten redir.example.test 0 '"lookups":0' 'ip4:192.0.2.80 ' 'ip6:2001:db8:5::/48' '"code":"flatten.exp_dropped"'

got=$("$spf_check" --server "127.0.0.1:$port" --ip 192.0.2.25 --sender alice@example.test --helo mail.example.org)
if echo "$got" | grep -q '^Received-SPF: pass '; then
    passed=$((passed + 1))
    echo "ok   spf_check example: $(echo "$got" | head -n 1 | cut -c1-100)"
else
    failed=$((failed + 1))
    echo "FAIL spf_check example: $got"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
