#!/usr/bin/env bash
# hostkit srs against the real peers: Mail::SRS 0.31 (Perl, the reference) and the
# postsrsd 1.10 daemon on loopback (Postfix tcp_table protocol), sharing one secret and a
# frozen clock (2020-01-01T00:01:00Z: Perl's time() is overridden, postsrsd runs under
# libfaketime). On generated senders: our forward equals theirs byte for byte, we reverse
# theirs, they reverse ours. Then 100,000 forwards through the CLI and through Mail::SRS.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
need_packages libmail-srs-perl postsrsd faketime python3

hostkit=$(hostkit_bin)
work=$(mktemp -d)
psd_pid=""
cleanup() {
    if [ -n "$psd_pid" ]; then
        kill "$psd_pid" 2>/dev/null || true
        wait "$psd_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

T=1577836860
FAKE="@2020-01-01 00:01:00"
SECRET="interop-s3cret"
DOMAIN="fwd1.example.net"
COUNT=${SRS_INTEROP_COUNT:-1500}
BATCH=100000
helpers="$here/srs"
libfaketime=$(dpkg -L libfaketime | grep '/libfaketime\.so\.1$' | head -n 1)

passed=0
failed=0
# compare NAME EXPECTED GOT: one check per line.
compare() {
    local name=$1 want=$2 got=$3 n bad
    n=$(wc -l <"$want")
    if [ "$n" -ne "$(wc -l <"$got")" ]; then
        echo "FAIL $name: $n lines expected, $(wc -l <"$got") got"
        failed=$((failed + n))
        return
    fi
    bad=$(paste -d '\n' "$want" "$got" | awk 'NR % 2 == 1 { w = $0; next } $0 != w { n++ } END { print n + 0 }')
    passed=$((passed + n - bad))
    failed=$((failed + bad))
    if [ "$bad" -eq 0 ]; then
        echo "ok   $name: $n of $n identical"
    else
        echo "FAIL $name: $bad of $n differ; first ones (expected / got):"
        paste -d '\n' "$want" "$got" | awk 'NR % 2 == 1 { w = $0; next } $0 != w { print "  " w; print "  " $0; if (++k == 5) exit }'
    fi
}

# Free loopback ports for postsrsd.
read -r fport rport < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
printf '%s\n' "$SECRET" >"$work/secret"
chmod 600 "$work/secret"
LD_PRELOAD="$libfaketime" FAKETIME="$FAKE" TZ=UTC \
    /usr/sbin/postsrsd -s "$work/secret" -d "$DOMAIN" -l 127.0.0.1 -f "$fport" -r "$rport" -4 \
    >"$work/postsrsd.log" 2>&1 &
psd_pid=$!
for _ in $(seq 50); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1).close()" "$rport" 2>/dev/null; then
        break
    fi
    sleep 0.1
done

# Exit 1 means "some input failed", which the comparisons judge line by line.
ours_at() { { "$hostkit" srs "$2" --secret "$SECRET" --now "$1" "${@:3}" || [ $? -eq 1 ]; } | sed 's/^error: .*/ERR/'; }
ours() { ours_at "$T" "$@"; }
perl_srs() { perl "$helpers/mail_srs.pl" "$1" "$T" "$DOMAIN" "$SECRET"; }
postsrsd_fwd() { python3 "$helpers/tcp_table.py" "$fport" | sed 's/^ERR .*/ERR/'; }
postsrsd_rev() { python3 "$helpers/tcp_table.py" "$rport" | sed 's/^ERR .*/ERR/'; }

python3 "$helpers/senders.py" "$COUNT" 2020 "$DOMAIN" >"$work/senders"
echo "senders: $(wc -l <"$work/senders") generated ($(grep -ci '^srs0' "$work/senders") SRS0, $(grep -ci '^srs1' "$work/senders") SRS1, $(grep -ci "@$DOMAIN\$" "$work/senders") local)"

# Forward: all three must agree byte for byte.
ours forward --domain "$DOMAIN" <"$work/senders" >"$work/ours.fwd"
perl_srs forward <"$work/senders" >"$work/perl.fwd"
postsrsd_fwd <"$work/senders" >"$work/psd.fwd"
compare "forward: hostkit = Mail::SRS" "$work/perl.fwd" "$work/ours.fwd"
compare "forward: hostkit = postsrsd" "$work/psd.fwd" "$work/ours.fwd"
if grep -qx ERR "$work/ours.fwd"; then
    echo "FAIL forward: $(grep -cx ERR "$work/ours.fwd") senders refused"
    failed=$((failed + 1))
fi

# Reverse: the rewritten addresses only (local senders come back unchanged).
srs_only() { grep -i '^srs[01][-+=]' "$1" || true; }
srs_only "$work/ours.fwd" >"$work/ours.srs"
srs_only "$work/perl.fwd" >"$work/perl.srs"
srs_only "$work/psd.fwd" >"$work/psd.srs"
tr '[:lower:]' '[:upper:]' <"$work/perl.srs" >"$work/perl.upper"
tr '[:upper:]' '[:lower:]' <"$work/psd.srs" >"$work/psd.lower"
echo "reverse: $(wc -l <"$work/ours.srs") SRS addresses"

# What each forwarded address must reverse to: the sender for SRS0, the first hop's
# SRS0 (tag written as "SRS0") for SRS1.
paste "$work/senders" "$work/ours.fwd" | awk -F '\t' '
    $2 ~ /^[Ss][Rr][Ss]0/ { print $1; next }
    $2 ~ /^[Ss][Rr][Ss]1/ {
        split($1, a, "@"); host = a[length(a)]; loc = substr($1, 1, length($1) - length(host) - 1)
        if (loc ~ /^[Ss][Rr][Ss]0/) { print "SRS0" substr(loc, 5) "@" host }
        else { n = index(substr(loc, 6), "="); rest = substr(loc, 6 + n); m = index(rest, "=");
               print "SRS0" substr(rest, m + 1) "@" substr(rest, 1, m - 1) } }' >"$work/expected.rev"

ours reverse <"$work/perl.srs" >"$work/ours.rev.perl"
ours reverse <"$work/psd.srs" >"$work/ours.rev.psd"
ours reverse <"$work/perl.upper" >"$work/ours.rev.upper"
ours reverse <"$work/psd.lower" >"$work/ours.rev.lower"
perl_srs reverse <"$work/ours.srs" >"$work/perl.rev.ours"
postsrsd_rev <"$work/ours.srs" >"$work/psd.rev.ours"
perl_srs reverse <"$work/perl.upper" >"$work/perl.rev.upper"
postsrsd_rev <"$work/psd.lower" >"$work/psd.rev.lower"
compare "reverse: hostkit reverses Mail::SRS's addresses" "$work/expected.rev" "$work/ours.rev.perl"
compare "reverse: hostkit reverses postsrsd's addresses" "$work/expected.rev" "$work/ours.rev.psd"
compare "reverse: Mail::SRS reverses hostkit's addresses" "$work/expected.rev" "$work/perl.rev.ours"
compare "reverse: postsrsd reverses hostkit's addresses" "$work/expected.rev" "$work/psd.rev.ours"
compare "reverse: upper-cased Mail::SRS addresses, hostkit = Mail::SRS" "$work/perl.rev.upper" "$work/ours.rev.upper"
compare "reverse: lower-cased postsrsd addresses, hostkit = postsrsd" "$work/psd.rev.lower" "$work/ours.rev.lower"

# Tampering and age: all three refuse. (The first hash character is changed to a letter
# that differs from it in any case.)
{
    sed -n '1,200p' "$work/ours.srs" | awk -F '=' 'BEGIN { OFS = "=" } { c = tolower(substr($2, 1, 1)); $2 = (c == "q" ? "R" : "Q") substr($2, 2); print }'
} >"$work/tampered"
T_LATE=$((T + 22 * 86400))
n_t=$(wc -l <"$work/tampered")
bad=0
for who in ours perl postsrsd; do
    case $who in
        ours) ours reverse <"$work/tampered" ;;
        perl) perl_srs reverse <"$work/tampered" ;;
        postsrsd) postsrsd_rev <"$work/tampered" ;;
    esac >"$work/tampered.$who"
    k=$(grep -cvx ERR "$work/tampered.$who" || true)
    bad=$((bad + k))
    echo "$( [ "$k" -eq 0 ] && echo 'ok  ' || echo FAIL) tampered hash: $who refuses $((n_t - k)) of $n_t"
done
passed=$((passed + 3 * n_t - bad))
failed=$((failed + bad))
ours_at "$T_LATE" reverse <"$work/perl.srs" >"$work/late.ours"
grep -i '^srs0' "$work/perl.srs" | wc -l >"$work/late.n"
k=$(paste "$work/perl.srs" "$work/late.ours" | awk -F '\t' '$1 ~ /^[Ss][Rr][Ss]0/ && $2 != "ERR" { n++ } END { print n + 0 }')
echo "$( [ "$k" -eq 0 ] && echo 'ok  ' || echo FAIL) 22 days later: hostkit refuses all $(cat "$work/late.n") SRS0 addresses of Mail::SRS ($k accepted)"
passed=$((passed + $(cat "$work/late.n") - k))
failed=$((failed + k))
perl "$helpers/mail_srs.pl" reverse "$T_LATE" "$DOMAIN" "$SECRET" <"$work/ours.srs" >"$work/late.perl"
n=$(grep -ci '^srs0' "$work/ours.srs" || true)
k=$(paste "$work/ours.srs" "$work/late.perl" | awk -F '\t' '$1 ~ /^[Ss][Rr][Ss]0/ && $2 != "ERR" { n++ } END { print n + 0 }')
echo "$( [ "$k" -eq 0 ] && echo 'ok  ' || echo FAIL) 22 days later: Mail::SRS refuses all $n SRS0 addresses of hostkit ($k accepted)"
passed=$((passed + n - k))
failed=$((failed + k))

# Speed: the same 100,000 senders through the CLI and through Mail::SRS, in this run.
python3 "$helpers/senders.py" "$BATCH" 7 "$DOMAIN" plain >"$work/batch"
t0=$(date +%s%N)
"$hostkit" srs forward --secret "$SECRET" --domain "$DOMAIN" --now "$T" <"$work/batch" >"$work/batch.ours"
t1=$(date +%s%N)
perl_srs forward <"$work/batch" >"$work/batch.perl"
t2=$(date +%s%N)
ms_ours=$(((t1 - t0) / 1000000))
ms_perl=$(((t2 - t1) / 1000000))
echo "speed: $BATCH forwards: hostkit CLI ${ms_ours} ms, Mail::SRS ${ms_perl} ms"
compare "speed batch: hostkit = Mail::SRS" "$work/batch.perl" "$work/batch.ours"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
