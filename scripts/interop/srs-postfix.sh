#!/usr/bin/env bash
# hostkit srs serve as the SRS map of a real Postfix (Debian's, a private instance on
# loopback relaying to smtp-sink; the system's /etc/postfix is never touched), over
# socketmap (on TCP and on a unix socket) and over tcp_table: forwarded mail leaves with an SRS0 sender that
# Mail::SRS verifies with the same secret; local and excluded senders leave untouched; a
# bounce to the SRS0 address (and to its lower-cased form) reaches the original sender; a
# forged hash is rejected at RCPT; a bounce to an SRS1 address goes back to the first
# forwarder's SRS0; the service stopped mid-run gives 451 and every message arrives after
# it restarts; a secret rotated by SIGHUP keeps old addresses reversible. Then against
# postsrsd 1.10 on the same secret over tcp_table: the same answer for 1,000 senders.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
need_packages postfix libmail-srs-perl postsrsd faketime python3

hostkit=$(hostkit_bin)
helpers="$here/srs"
py=/usr/bin/python3
work=$(mktemp -d)
chmod 755 "$work"
conf="$work/conf"
sink_dir="$work/sink"
mkdir -p "$conf" "$work/queue" "$work/data" "$sink_dir"
chmod 755 "$work/queue"
chown postfix "$work/data"
sink_pid=""
svc_pid=""
psd_pid=""
postfix_up=""
stop_pid() {
    local pid=$1
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    if [ -n "$postfix_up" ]; then
        postfix -c "$conf" stop >/dev/null 2>&1 || true
    fi
    stop_pid "$svc_pid"
    stop_pid "$sink_pid"
    if [ -n "$psd_pid" ]; then
        # postsrsd 1.10 forks a child per connection: stop those too, by PID.
        for c in $(pgrep -P "$psd_pid" || true); do kill "$c" 2>/dev/null || true; done
        stop_pid "$psd_pid"
    fi
    if [ "${KEEP_WORK:-}" = 1 ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

passed=0
failed=0
check() { # check NAME CONDITION-EXIT-CODE
    if [ "$2" -eq 0 ]; then
        echo "ok   $1"
        passed=$((passed + 1))
    else
        echo "FAIL $1"
        failed=$((failed + 1))
    fi
}
expect_eq() { # expect_eq NAME WANT GOT
    if [ "$2" = "$3" ]; then check "$1" 0; else check "$1: want <$2>, got <$3>" 1; fi
}

read -r smtpd_port sink_port map_port map_port2 < <($py -c '
import socket
s = [socket.socket() for _ in range(4)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')

DOMAIN=forward.test
OLD_SECRET="postfix-interop-0ld"
NEW_SECRET="postfix-interop-n3w"
secrets="$work/secrets"

# The sink: one file per message, its envelope in X-Mail-Args / X-Rcpt-Args.
smtp-sink -u root -d "$sink_dir/%Y%m%d%H%M%S." "127.0.0.1:$sink_port" 100 >"$work/sink.log" 2>&1 &
sink_pid=$!

# The private Postfix.
cat >"$conf/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $work/queue
data_directory = $work/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.$DOMAIN
mydomain = $DOMAIN
myorigin = $DOMAIN
mydestination =
mynetworks = 127.0.0.0/8
relayhost =
default_transport = smtp:[127.0.0.1]:$sink_port
relay_transport = smtp:[127.0.0.1]:$sink_port
smtp_dns_support_level = disabled
notify_classes =
biff = no
local_recipient_maps =
alias_maps =
alias_database =
maillog_file = $work/maillog
maillog_file_prefixes = $work
virtual_alias_domains = $DOMAIN
virtual_alias_maps = inline:{ alias@$DOMAIN=dest@remote.test }
sender_canonical_classes = envelope_sender
recipient_canonical_classes = envelope_recipient
CF
cat >"$conf/master.cf" <<CF
127.0.0.1:$smtpd_port inet n - n - - smtpd
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
error     unix - - n - - error
showq     unix n - n - - showq
proxymap  unix - - n - - proxymap
postlog   unix-dgram n - n - 1 postlogd
CF

sock="$work/srs.sock"
set_maps() { # set_maps socketmap|unix|tcp
    if [ "$1" = socketmap ]; then
        postconf -c "$conf" -e \
            "sender_canonical_maps = socketmap:inet:127.0.0.1:$map_port:forward" \
            "recipient_canonical_maps = socketmap:inet:127.0.0.1:$map_port:reverse"
    elif [ "$1" = unix ]; then
        postconf -c "$conf" -e \
            "sender_canonical_maps = socketmap:unix:$sock:forward" \
            "recipient_canonical_maps = socketmap:unix:$sock:reverse"
    else
        postconf -c "$conf" -e \
            "sender_canonical_maps = tcp:127.0.0.1:$map_port" \
            "recipient_canonical_maps = tcp:127.0.0.1:$map_port2"
    fi
}

# start_service socketmap|unix|tcp: hostkit srs serve on the fixed map port(s) or socket,
# in the background.
start_service() {
    local listen
    if [ "$1" = socketmap ]; then
        listen=(--socketmap "127.0.0.1:$map_port")
    elif [ "$1" = unix ]; then
        listen=(--socketmap "unix:$sock")
    else
        listen=(--tcp-forward "127.0.0.1:$map_port" --tcp-reverse "127.0.0.1:$map_port2")
    fi
    : >"$work/svc.out"
    "$hostkit" srs serve --domain "$DOMAIN" --secret-file "$secrets" "${listen[@]}" \
        --exclude-domain excluded.test --exclude-domain .corp.test --log-level debug \
        >"$work/svc.out" 2>>"$work/svc.log" &
    svc_pid=$!
    local want=$(( ${#listen[@]} / 2 ))
    for _ in $(seq 100); do
        [ "$(grep -c '^listening ' "$work/svc.out")" -ge "$want" ] && return 0
        sleep 0.05
    done
    echo "the service did not start:"; cat "$work/svc.log"; exit 1
}
stop_service() { stop_pid "$svc_pid"; svc_pid=""; }

send() { $py "$helpers/smtp_send.py" "$smtpd_port" "$@"; }

# sink_file SUBJECT: the sink file of the message with that subject (waits up to 30 s).
sink_file() {
    local f
    for _ in $(seq 300); do
        f=$(grep -lx "Subject: $1" "$sink_dir"/* 2>/dev/null | head -n 1 || true)
        if [ -n "$f" ]; then echo "$f"; return 0; fi
        sleep 0.1
    done
    return 1
}
env_from() { sed -n 's/^X-Mail-Args: <\([^>]*\)>.*/\1/p' "$1" | head -n 1; }
env_to() { sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p' "$1" | head -n 1; }
mail_srs_reverse() { # mail_srs_reverse ADDRESS SECRET...: Mail::SRS at the real time
    echo "$1" | perl "$helpers/mail_srs.pl" reverse "$(date +%s)" "$DOMAIN" "${@:2}"
}

printf '%s\n' "$OLD_SECRET" >"$secrets"
chmod 600 "$secrets"
set_maps socketmap
postfix -c "$conf" check
postfix -c "$conf" start >/dev/null
postfix_up=1
for _ in $(seq 100); do
    $py -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1).close()" "$smtpd_port" 2>/dev/null && break
    sleep 0.1
done

suite() { # suite socketmap|unix|tcp
    local p=$1 f srs0 from to code r
    echo "--- Postfix with hostkit srs serve over $p$( [ "$p" = unix ] && echo ' (socketmap on a unix socket)')"
    printf '%s\n' "$OLD_SECRET" >"$secrets"
    set_maps "$p"
    postfix -c "$conf" reload >/dev/null 2>&1
    start_service "$p"

    # Forwarded mail.
    printf 'Alice.Smith@Example.ORG\talias@%s\t%s-fwd\n' "$DOMAIN" "$p" | send >/dev/null 2>&1
    f=$(sink_file "$p-fwd") || { check "$p: forwarded mail arrives" 1; stop_service; return; }
    srs0=$(env_from "$f")
    to=$(env_to "$f")
    expect_eq "$p: forwarded mail goes to the alias's destination" "dest@remote.test" "$to"
    case $srs0 in SRS0=*"=Example.ORG=Alice.Smith@$DOMAIN") check "$p: sender rewritten: $srs0" 0 ;; *) check "$p: sender rewritten: $srs0" 1 ;; esac
    expect_eq "$p: Mail::SRS verifies the SRS0 sender with the same secret" \
        "Alice.Smith@Example.ORG" "$(mail_srs_reverse "$srs0" "$OLD_SECRET")"

    # Senders that must leave untouched.
    printf 'someone@%s\talias@%s\t%s-local\nx@excluded.test\talias@%s\t%s-excl\nx@a.corp.test\talias@%s\t%s-sub\n' \
        "$DOMAIN" "$DOMAIN" "$p" "$DOMAIN" "$p" "$DOMAIN" "$p" | send >/dev/null 2>&1
    expect_eq "$p: a local sender leaves untouched" "someone@$DOMAIN" "$(env_from "$(sink_file "$p-local")")"
    expect_eq "$p: an excluded sender leaves untouched" "x@excluded.test" "$(env_from "$(sink_file "$p-excl")")"
    expect_eq "$p: a sender in a subdomain of the excluded .corp.test leaves untouched" "x@a.corp.test" "$(env_from "$(sink_file "$p-sub")")"

    # Bounces: to the SRS0 address, to its lower-cased form, to a forged one.
    local lower forged
    lower=$(echo "$srs0" | tr '[:upper:]' '[:lower:]')
    forged=$(echo "$srs0" | awk -F '=' 'BEGIN { OFS = "=" } { c = tolower(substr($2, 1, 1)); $2 = (c == "q" ? "R" : "Q") substr($2, 2); print }')
    code=$(printf '\t%s\t%s-bounce\n\t%s\t%s-bounce-lc\n\t%s\t%s-forged\n' "$srs0" "$p" "$lower" "$p" "$forged" "$p" | send 2>/dev/null | awk '{ printf "%s ", $2 }')
    expect_eq "$p: bounces accepted, forged one rejected at RCPT (codes)" "250 250 550 " "$code"
    f=$(sink_file "$p-bounce") && to=$(env_to "$f") && from=$(env_from "$f")
    expect_eq "$p: a bounce to the SRS0 address reaches the original sender" "Alice.Smith@Example.ORG" "$to"
    expect_eq "$p: the bounce keeps the null sender" "" "$from"
    expect_eq "$p: a bounce to the lower-cased SRS0 address reaches the sender" \
        "alice.smith@example.org" "$(env_to "$(sink_file "$p-bounce-lc")")"
    grep -F -- "$forged" "$work/maillog" | grep -q "550 5.1.1" && r=0 || r=1
    check "$p: Postfix logged 550 5.1.1 for the forged address" $r

    # SRS1: another forwarder's SRS0 becomes SRS1; a bounce to it goes to that forwarder.
    local other="SRS0=ab+C=2W=orig.example=bob@first.example" srs1
    printf '%s\talias@%s\t%s-srs1\n' "$other" "$DOMAIN" "$p" | send >/dev/null 2>&1
    srs1=$(env_from "$(sink_file "$p-srs1")")
    case $srs1 in SRS1=*"=first.example==ab+C=2W=orig.example=bob@$DOMAIN") check "$p: another forwarder's SRS0 leaves as SRS1: $srs1" 0 ;; *) check "$p: SRS1 sender: $srs1" 1 ;; esac
    expect_eq "$p: Mail::SRS reverses our SRS1 to the first forwarder's SRS0" "$other" "$(mail_srs_reverse "$srs1" "$OLD_SECRET")"
    printf '\t%s\t%s-srs1-bounce\n' "$srs1" "$p" | send >/dev/null 2>&1
    expect_eq "$p: a bounce to the SRS1 address goes back to the first forwarder's SRS0" \
        "$other" "$(env_to "$(sink_file "$p-srs1-bounce")")"

    # Rotation by SIGHUP: the new secret signs, the old address still reverses.
    printf '%s\n%s\n' "$NEW_SECRET" "$OLD_SECRET" >"$secrets"
    kill -HUP "$svc_pid"
    for _ in $(seq 50); do grep -q 'SIGHUP: secrets re-read' "$work/svc.log" && break; sleep 0.1; done
    printf 'Alice.Smith@Example.ORG\talias@%s\t%s-rotated\n\t%s\t%s-old-bounce\n' "$DOMAIN" "$p" "$srs0" "$p" | send >/dev/null 2>&1
    local rotated
    rotated=$(env_from "$(sink_file "$p-rotated")")
    [ "$rotated" != "$srs0" ] && [ "$(mail_srs_reverse "$rotated" "$NEW_SECRET")" = "Alice.Smith@Example.ORG" ] && r=0 || r=1
    check "$p: after SIGHUP the new secret signs ($rotated)" $r
    expect_eq "$p: after SIGHUP an address of the old secret still bounces to the sender" \
        "Alice.Smith@Example.ORG" "$(env_to "$(sink_file "$p-old-bounce")")"

    # The service stopped mid-run (after the first message is in), kept down until a
    # client has met a 451, restarted: every message must arrive.
    local n=60
    for i in $(seq "$n"); do printf 'mid%s@example.net\talias@%s\t%s-mid-%s\n' "$i" "$DOMAIN" "$p" "$i"; done >"$work/mid.in"
    : >"$work/mid.out"
    : >"$work/mid.err"
    send --retry 120 <"$work/mid.in" >"$work/mid.out" 2>"$work/mid.err" &
    local sender_pid=$!
    for _ in $(seq 300); do [ -s "$work/mid.out" ] && break; sleep 0.05; done
    stop_service
    # Over tcp_table Postfix tries a dead map 10 times, 1 s apart, before its 451.
    for _ in $(seq 300); do grep -q '^tempfail .* 451 ' "$work/mid.err" && break; sleep 0.1; done
    start_service "$p"
    wait "$sender_pid"
    local tf accepted arrived=0 r
    tf=$(grep -c '^tempfail .* 451 ' "$work/mid.err" || true)
    accepted=$(grep -c ' 250$' "$work/mid.out" || true)
    [ "$tf" -gt 0 ] && r=0 || r=1
    check "$p: with the service stopped, Postfix answered 451 ($tf times)" $r
    expect_eq "$p: every message accepted once the service was back" "$n" "$accepted"
    for i in $(seq "$n"); do sink_file "$p-mid-$i" >/dev/null && arrived=$((arrived + 1)); done
    expect_eq "$p: every message of the stopped run arrived (none lost)" "$n" "$arrived"
    stop_service
}

suite socketmap
suite unix
suite tcp
postfix -c "$conf" stop >/dev/null 2>&1
postfix_up=""

# postsrsd 1.10 and hostkit srs serve on one secret, one frozen day, over tcp_table.
echo "--- against postsrsd 1.10 over tcp_table"
T=1577836860
libfaketime=$(dpkg -L libfaketime | grep '/libfaketime\.so\.1$' | head -n 1)
read -r pf pr hf hr < <($py -c '
import socket
s = [socket.socket() for _ in range(4)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
printf '%s\n' "$OLD_SECRET" >"$secrets"
LD_PRELOAD="$libfaketime" FAKETIME="@2020-01-01 00:01:00" TZ=UTC \
    /usr/sbin/postsrsd -s "$secrets" -d "$DOMAIN" -l 127.0.0.1 -f "$pf" -r "$pr" -4 \
    >"$work/postsrsd.log" 2>&1 &
psd_pid=$!
"$hostkit" srs serve --domain "$DOMAIN" --secret-file "$secrets" --now "$T" \
    --tcp-forward "127.0.0.1:$hf" --tcp-reverse "127.0.0.1:$hr" >"$work/svc.out" 2>>"$work/svc.log" &
svc_pid=$!
for port in "$pr" "$hr"; do
    for _ in $(seq 50); do
        $py -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1).close()" "$port" 2>/dev/null && break
        sleep 0.1
    done
done
$py "$helpers/senders.py" 2000 2026 "$DOMAIN" >"$work/all"
# What Postfix would use: the value of a 200, the key itself otherwise.
effective() { paste "$1" - | awk -F '\t' '{ print (substr($2, 1, 4) == "ERR " ? $1 : $2) }'; }
$py "$helpers/tcp_table.py" "$pf" <"$work/all" | effective "$work/all" >"$work/all.psd"
$py "$helpers/tcp_table.py" "$hf" <"$work/all" | effective "$work/all" >"$work/all.ours"
# Where postsrsd writes a local part over 64 octets, we send the mail out unchanged
# (RFC 5321; postsrsd #108): those are counted apart. The first 1,000 senders whose
# postsrsd answer fits are compared.
paste "$work/all" "$work/all.psd" "$work/all.ours" | awk -F '\t' -v w="$work" '
    { split($2, a, "@"); long = length(a[1]) > 64 }
    long { print > (w "/long"); next }
    ++n <= 1000 { print $1 > (w "/senders"); print $2 > (w "/psd.fwd"); print $3 > (w "/ours.fwd") }'
compare_lines() { paste -d '\n' "$1" "$2" | awk 'NR % 2 == 1 { w = $0; next } $0 != w { n++ } END { print n + 0 }'; }
n=$(wc -l <"$work/senders")
bad=$(compare_lines "$work/psd.fwd" "$work/ours.fwd")
expect_eq "forward: postsrsd 1.10 and hostkit srs serve agree on $n of $n senders ($(grep -ci '^srs[01]' "$work/senders") of them SRS addresses)" "$n 0" "$(wc -l <"$work/ours.fwd" | tr -d ' ') $bad"
nl=$(wc -l <"$work/long" 2>/dev/null || echo 0)
kept=$(awk -F '\t' '$3 == $1 { k++ } END { print k + 0 }' "$work/long" 2>/dev/null || echo 0)
expect_eq "forward: the $nl senders postsrsd rewrites past 64 octets we leave unchanged" "$nl" "$kept"
grep -i '^srs[01][-+=]' "$work/psd.fwd" >"$work/psd.srs" || true
n=$(wc -l <"$work/psd.srs")
$py "$helpers/tcp_table.py" "$pr" <"$work/psd.srs" >"$work/psd.rev"
$py "$helpers/tcp_table.py" "$hr" <"$work/psd.srs" >"$work/ours.rev"
cmp -s "$work/psd.rev" "$work/ours.rev" && ! grep -q '^ERR' "$work/ours.rev" && r=0 || r=1
check "reverse of postsrsd's $n SRS addresses: the same answers from both" $r
tr '[:upper:]' '[:lower:]' <"$work/psd.srs" | $py "$helpers/tcp_table.py" "$hr" | grep -vc '^ERR' >"$work/lc.n" || true
expect_eq "reverse of the lower-cased addresses: all $n found" "$n" "$(cat "$work/lc.n")"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
