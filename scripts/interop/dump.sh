#!/usr/bin/env bash
# hostkit dump verify / dump run against the real mariadb-dump: a throwaway MariaDB
# server (Debian's mariadbd, started by hand on a Unix socket under a temporary
# directory), a fixture with BLOBs, NULLs, quotes, newlines, semicolons and NUL bytes,
# every dump option variant, and every way a dump fails.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
need_packages mariadb-server mariadb-client zstd gzip

HK=$(hostkit_bin)
W=$(mktemp -d /tmp/hostkit-dump.XXXXXX)
SOCK=$W/mysqld.sock
SERVER_PID=

stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID"
        while kill -0 "$SERVER_PID" 2>/dev/null; do sleep 0.2; done
    fi
    SERVER_PID=
}
cleanup() {
    stop_server
    rm -rf "$W"
}
trap cleanup EXIT

start_server() {
    if [ ! -d "$W/data/mysql" ]; then
        mariadb-install-db --user=root --datadir="$W/data" --auth-root-authentication-method=normal \
            --skip-test-db >"$W/install.log" 2>&1 || { cat "$W/install.log"; exit 1; }
    fi
    mariadbd --no-defaults --user=root --datadir="$W/data" --socket="$SOCK" \
        --pid-file="$W/mysqld.pid" --skip-networking --log-error="$W/error.log" \
        --innodb-buffer-pool-size=128M --event-scheduler=OFF >/dev/null 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 120); do
        mariadb-admin --socket="$SOCK" -uroot ping >/dev/null 2>&1 && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.25
    done
    echo "mariadbd did not start"; cat "$W/error.log"; exit 1
}

SQL() { mariadb --socket="$SOCK" -uroot "$@"; }
DUMP=(mariadb-dump --socket="$SOCK" -uroot)

passed=0
failed=0
table=()
# check NAME EXPECTED_VERDICT FILE [REASON_SUBSTRING]
check() {
    local name=$1 want=$2 file=$3 reason=${4:-}
    local line verdict why
    line=$("$HK" dump verify --json "$file" || true)
    verdict=$(printf '%s' "$line" | sed -n 's/.*"verdict":"\([a-z_]*\)".*/\1/p')
    why=$(printf '%s' "$line" | sed -n 's/.*"reason":"\([^"]*\)".*/\1/p')
    if [ "$verdict" = "$want" ] && { [ -z "$reason" ] || [[ "$why" == *"$reason"* ]]; }; then
        passed=$((passed + 1))
        table+=("$(printf '%-34s %-12s %-12s ok    %s' "$name" "$want" "$verdict" "${why:0:90}")")
    else
        failed=$((failed + 1))
        table+=("$(printf '%-34s %-12s %-12s FAIL  %s' "$name" "$want" "$verdict" "$why (want: $reason)")")
    fi
}
# expect NAME CONDITION-DESCRIPTION then run the test command
expect() {
    local name=$1 what=$2
    shift 2
    if "$@"; then
        passed=$((passed + 1))
        table+=("$(printf '%-34s %-12s %-12s ok    %s' "$name" "-" "-" "$what")")
    else
        failed=$((failed + 1))
        table+=("$(printf '%-34s %-12s %-12s FAIL  %s' "$name" "-" "-" "$what")")
    fi
}
size() { stat -c %s "$1" 2>/dev/null || echo 0; }
wait_size() { # wait until FILE has at least N bytes (or the process PID ended)
    local f=$1 n=$2 pid=$3
    for _ in $(seq 1 2000); do
        [ "$(size "$f")" -ge "$n" ] && return 0
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.005
    done
}

start_server
SQL < "$HERE/dump/fixture.sql"
D=$W/dumps
mkdir -p "$D/tab"
chmod 777 "$D/tab"

# --- every option variant ---------------------------------------------------------
SMALL=(--databases shop odd-db --ignore-table=shop.big)
"${DUMP[@]}" "${SMALL[@]}" > "$D/normal.sql"
check "normal" complete "$D/normal.sql"
"${DUMP[@]}" --compact "${SMALL[@]}" > "$D/compact.sql"
check "--compact" undecidable "$D/compact.sql" "nothing proves"
"${DUMP[@]}" --skip-comments "${SMALL[@]}" > "$D/skip_comments.sql"
check "--skip-comments" complete "$D/skip_comments.sql"
"${DUMP[@]}" --skip-dump-date "${SMALL[@]}" > "$D/skip_dump_date.sql"
check "--skip-dump-date" complete "$D/skip_dump_date.sql"
"${DUMP[@]}" --all-databases --ignore-table=shop.big --ignore-database=brokenview > "$D/all.sql"
check "--all-databases" complete "$D/all.sql"
"${DUMP[@]}" --single-transaction "${SMALL[@]}" > "$D/single_txn.sql"
check "--single-transaction" complete "$D/single_txn.sql"
"${DUMP[@]}" --routines --triggers --events "${SMALL[@]}" > "$D/routines.sql"
check "--routines --triggers --events" complete "$D/routines.sql"
"${DUMP[@]}" --hex-blob "${SMALL[@]}" > "$D/hex_blob.sql"
check "--hex-blob" complete "$D/hex_blob.sql"
"${DUMP[@]}" --skip-extended-insert "${SMALL[@]}" > "$D/skip_ext.sql"
check "--skip-extended-insert" complete "$D/skip_ext.sql"
"${DUMP[@]}" --no-data "${SMALL[@]}" > "$D/no_data.sql"
check "--no-data" complete "$D/no_data.sql"
"${DUMP[@]}" --no-create-info "${SMALL[@]}" > "$D/no_create_info.sql"
check "--no-create-info" complete "$D/no_create_info.sql"
"${DUMP[@]}" --insert-ignore --complete-insert "${SMALL[@]}" > "$D/insert_ignore.sql"
check "--insert-ignore --complete-insert" complete "$D/insert_ignore.sql"
"${DUMP[@]}" --xml shop customers orders > "$D/dump.xml"
check "--xml" complete "$D/dump.xml"
"${DUMP[@]}" --tab="$D/tab" shop customers orders
check "--tab: customers.sql" complete "$D/tab/customers.sql"
check "--tab: customers.txt (data)" not_a_dump "$D/tab/customers.txt"
gzip -c "$D/normal.sql" > "$D/normal.sql.gz"
check "gzip" complete "$D/normal.sql.gz"
zstd -q -c "$D/normal.sql" > "$D/normal.sql.zst"
check "zstd" complete "$D/normal.sql.zst"
# Two gzip members (what some tools write): still one complete dump.
head -c 40000 "$D/normal.sql" | gzip -c > "$D/multi.sql.gz"
tail -c +40001 "$D/normal.sql" | gzip -c >> "$D/multi.sql.gz"
check "gzip, two members" complete "$D/multi.sql.gz"
# Rows counted against the server.
want_rows=$(SQL -N -e "SELECT (SELECT COUNT(*) FROM shop.customers)+(SELECT COUNT(*) FROM shop.orders)+(SELECT COUNT(*) FROM shop.medium)+(SELECT COUNT(*) FROM \`odd-db\`.\`we\`\`ird tbl\`)")
got_rows=$("$HK" dump verify --json "$D/normal.sql" | sed -n 's/.*"rows":\([0-9]*\).*/\1/p')
expect "row count" "rows in the dump ($got_rows) = rows on the server ($want_rows)" [ "$got_rows" = "$want_rows" ]
got_rows=$("$HK" dump verify --json "$D/skip_ext.sql" | sed -n 's/.*"rows":\([0-9]*\).*/\1/p')
expect "row count, one INSERT per row" "rows ($got_rows) = $want_rows" [ "$got_rows" = "$want_rows" ]

# --- a cut at every 4 KiB offset -------------------------------------------------
total=$(size "$D/normal.sql")
cuts=0
cut_ok=0
for ((off = 4096; off < total; off += 4096)); do
    cuts=$((cuts + 1))
    v=$(head -c "$off" "$D/normal.sql" | "$HK" dump verify --json - || true)
    if [[ "$v" == *'"verdict":"incomplete"'* ]]; then
        cut_ok=$((cut_ok + 1))
    fi
done
expect "cut at every 4 KiB" "$cut_ok of $cuts cuts of $total bytes incomplete" [ "$cut_ok" = "$cuts" ]

# Cut right after the last UNLOCK TABLES: every statement is whole, only the end is gone.
n=$(grep -an '^UNLOCK TABLES;$' "$D/normal.sql" | tail -1 | cut -d: -f1)
head -n "$n" "$D/normal.sql" > "$D/cut_after_unlock.sql"
check "cut after the last UNLOCK TABLES" incomplete "$D/cut_after_unlock.sql" "no \`-- Dump completed\`"
# Cut at a row boundary inside an extended INSERT (the file ends with "),\n").
n=$(grep -an '),$' "$D/normal.sql" | sed -n 500p | cut -d: -f1)
head -n "$n" "$D/normal.sql" > "$D/cut_at_row.sql"
check "cut at a row boundary" incomplete "$D/cut_at_row.sql" "cut while dumping table \`shop\`.\`medium\`"
# A full disk from the first write: an empty file.
: > "$D/empty.sql"
check "empty file (ENOSPC at once)" not_a_dump "$D/empty.sql"

# --- failures of a real dump of shop.big (300 000 rows, ~70 MB) ------------------
BIG=(--databases shop odd-db)
# Client killed by SIGKILL (the OOM killer).
"${DUMP[@]}" "${BIG[@]}" > "$D/client_kill.sql" &
P=$!
wait_size "$D/client_kill.sql" 4000000 "$P"
kill -KILL "$P" 2>/dev/null || true
wait "$P" 2>/dev/null || true
check "client SIGKILL" incomplete "$D/client_kill.sql" "cut while dumping table \`shop\`.\`big\`"

# The connection killed on the server side (Error 2013): the INSERT is closed cleanly.
"${DUMP[@]}" "${BIG[@]}" > "$D/conn_kill.sql" 2> "$D/conn_kill.err" &
P=$!
wait_size "$D/conn_kill.sql" 4000000 "$P"
ID=$(SQL -N -e "SELECT id FROM information_schema.processlist WHERE info LIKE 'SELECT /*!40001 SQL_NO_CACHE */%' LIMIT 1")
[ -n "$ID" ] && SQL -e "KILL $ID"
rc=0
wait "$P" || rc=$?
expect "connection KILL: tool fails" "mariadb-dump exit $rc (nonzero)" [ "$rc" -ne 0 ]
check "connection KILL (Error 2013)" incomplete "$D/conn_kill.sql" "cut while dumping table \`shop\`.\`big\`"

# The server killed by SIGKILL mid-dump, then restarted.
"${DUMP[@]}" "${BIG[@]}" > "$D/server_kill.sql" 2> "$D/server_kill.err" &
P=$!
wait_size "$D/server_kill.sql" 4000000 "$P"
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=
wait "$P" || true
check "server SIGKILL" incomplete "$D/server_kill.sql" "cut while dumping table \`shop\`.\`big\`"
start_server

# Disk full: a 3 MiB file-size limit (the write fails with EFBIG).
( trap '' XFSZ; ulimit -f 3072; "${DUMP[@]}" "${BIG[@]}" > "$D/disk_full.sql" 2> "$D/disk_full.err" ) || true
check "disk full (ulimit -f 3 MiB)" incomplete "$D/disk_full.sql" "cut while dumping table"

# dump | gzip without pipefail: the dump fails (no binary log), gzip exits 0.
set +o pipefail
"${DUMP[@]}" --master-data=2 --databases shop 2>/dev/null | gzip -c > "$D/pipeline.sql.gz"
set -o pipefail
expect "dump|gzip: gzip -t passes" "the broken pipeline's file is valid gzip" gzip -t "$D/pipeline.sql.gz"
check "dump | gzip, dump failed" incomplete "$D/pipeline.sql.gz" "no \`-- Dump completed\`"

# A truncated .gz (an interrupted copy).
"${DUMP[@]}" "${BIG[@]}" | gzip -c > "$D/big.sql.gz"
check "gzip of the big dump" complete "$D/big.sql.gz"
head -c $(( $(size "$D/big.sql.gz") / 2 )) "$D/big.sql.gz" > "$D/truncated.sql.gz"
check "truncated .gz" incomplete "$D/truncated.sql.gz" "cut while dumping table \`shop\`.\`big\`"
# The same with the gzip trailer's CRC flipped.
cp "$D/normal.sql.gz" "$D/badcrc.sql.gz"
printf '\x00\x00\x00\x00' | dd of="$D/badcrc.sql.gz" bs=1 seek=$(( $(size "$D/badcrc.sql.gz") - 8 )) conv=notrunc status=none
check "gzip with a bad CRC" incomplete "$D/badcrc.sql.gz" "fails its check"

# --force with a broken view: the trailer is there, and so is "-- failed on".
"${DUMP[@]}" --force --databases brokenview > "$D/force.sql" 2>/dev/null || true
check "--force, broken view" incomplete "$D/force.sql" "failed on view"
"${DUMP[@]}" --databases brokenview > "$D/noforce.sql" 2>/dev/null || true
check "broken view without --force" incomplete "$D/noforce.sql"

# --- hostkit dump run end to end -------------------------------------------------
rc=0
"$HK" dump run --output "$D/run.sql.gz" -- "${DUMP[@]}" "${BIG[@]}" > "$D/run.out" || rc=$?
expect "dump run .gz: exit 0" "exit $rc, $(cat "$D/run.out")" [ "$rc" -eq 0 ]
check "dump run .gz: output" complete "$D/run.sql.gz"
rc=0
"$HK" dump run --output "$D/run.sql.zst" -- "${DUMP[@]}" "${SMALL[@]}" > "$D/run2.out" || rc=$?
expect "dump run .zst: exit 0" "exit $rc" [ "$rc" -eq 0 ]
check "dump run .zst: output" complete "$D/run.sql.zst"
rc=0
"$HK" dump run --output "$D/runfail.sql.gz" -- "${DUMP[@]}" --master-data=2 --databases shop \
    > "$D/run3.out" 2>/dev/null || rc=$?
ok=0
[ "$rc" -eq 1 ] && [ ! -e "$D/runfail.sql.gz" ] && [ -e "$D/runfail.sql.gz.partial" ] && ok=1
expect "dump run, failing dump" "exit $rc (1), only .partial left" [ "$ok" -eq 1 ]
rc=0
"$HK" dump run --output "$D/runforce.sql" -- "${DUMP[@]}" --force --databases brokenview \
    > "$D/run4.out" 2>/dev/null || rc=$?
expect "dump run, --force broken view" "exit $rc (1)" [ "$rc" -eq 1 ]

stop_server

echo
printf '%-34s %-12s %-12s %s\n' "scenario" "expected" "got" "result"
printf '%s\n' "${table[@]}"
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
