#!/usr/bin/env bash
# Benchmark: BackupTools CLI backup of a SQLite database vs. the raw tools (sqlite3 .backup + gzip -6).
#
# Usage: tests/bench/sqlite-backup.sh [SIZE_MB ...]          (default: 500 100)
#
# Environment:
#   BACKUPTOOLS_CLI_DLL  path to backuptools.dll (default: src/BackupTools.Cli/bin/Release/net8.0/backuptools.dll,
#                        built with `dotnet build src/BackupTools.Cli -c Release` when missing)
#   BENCH_DIR            work folder (default: /tmp/backuptools-bench); needs about 3x the largest size free.
#                        Generated databases are kept there and reused by later runs (delete them to regenerate).
#   BENCH_REPEAT         runs per method and size (default: 3)
#
# Measures, per size: wall time (median and best), CPU time and peak RSS of (a) `sqlite3 src ".backup dst"` then
# `gzip -6 dst` and (b) `dotnet backuptools.dll backup --source src --destination d`; the ratio (b)/(a); output
# sizes. Results are recorded in docs/performance.md.
# Both runs start from a warm page cache (the source is read once before each run).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_dir=${BENCH_DIR:-/tmp/backuptools-bench}
repeat=${BENCH_REPEAT:-3}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(500 100)

. "$repo/tests/bench/lib.sh"
require_tools sqlite3 gzip dotnet
require_time

find_cli

mkdir -p "$bench_dir"

# ---------------------------------------------------------------------------------------------------------
# Data: orders (text, numbers, ISO timestamps, random hex references, free-text notes) with two indexes,
# customers, and attachments holding random (incompressible) blobs; about a fifth of the bytes are blobs,
# so gzip -6 reaches roughly 2.5:1, like a typical OLTP database with some binary content.
# Rows are added in batches of ~8 MB until the file reaches the requested size.
# ---------------------------------------------------------------------------------------------------------
note_text='Customer asked for delivery before noon; parcel left with the neighbour at number twelve. Invoice re-issued after VAT number correction. Payment received by bank transfer, reference matched manually. Replacement item dispatched from the Rotterdam warehouse, tracking number sent by email. Complaint about damaged packaging, photo attached, partial refund approved by support lead. Gift wrap requested, card message: happy birthday, with love from all of us. Address validated against postal database; apartment number added by courier.'

generate() {
    local db=$1 target_bytes=$2 tmp="$1.partial"
    rm -f "$tmp"
    sqlite3 "$tmp" <<SQL >/dev/null
PRAGMA page_size = 4096;
PRAGMA journal_mode = WAL;
CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE, city TEXT, created_at TEXT NOT NULL);
CREATE TABLE orders(id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), created_at TEXT NOT NULL,
    amount REAL NOT NULL, currency TEXT NOT NULL, status TEXT NOT NULL, sku TEXT NOT NULL, ref TEXT NOT NULL, note TEXT);
CREATE INDEX orders_customer ON orders(customer_id);
CREATE INDEX orders_created ON orders(created_at);
CREATE TABLE attachments(id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id), mime TEXT NOT NULL, data BLOB NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
INSERT INTO customers(id, name, email, city, created_at)
SELECT i,
       printf('%s %s', CASE abs(random()) % 6 WHEN 0 THEN 'Anna' WHEN 1 THEN 'Bram' WHEN 2 THEN 'Chloé' WHEN 3 THEN 'Dmitri' WHEN 4 THEN 'Eva' ELSE 'Farid' END,
              CASE abs(random()) % 6 WHEN 0 THEN 'de Vries' WHEN 1 THEN 'Müller' WHEN 2 THEN 'Okafor' WHEN 3 THEN 'Rossi' WHEN 4 THEN 'Nguyen' ELSE 'Smith' END),
       printf('user%d.%s@example.org', i, lower(hex(randomblob(3)))),
       CASE abs(random()) % 5 WHEN 0 THEN 'Rotterdam' WHEN 1 THEN 'Lyon' WHEN 2 THEN 'Leipzig' WHEN 3 THEN 'Porto' ELSE 'Gdańsk' END,
       strftime('%Y-%m-%dT%H:%M:%SZ', 1500000000 + abs(random()) % 200000000, 'unixepoch')
FROM n;
SQL
    local size=0 batch=0
    while [ "$size" -lt "$target_bytes" ]; do
        batch=$((batch + 1))
        sqlite3 "$tmp" <<SQL >/dev/null
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25000)
INSERT INTO orders(customer_id, created_at, amount, currency, status, sku, ref, note)
SELECT 1 + abs(random()) % 50000,
       strftime('%Y-%m-%dT%H:%M:%fZ', 1700000000 + abs(random()) % 63072000, 'unixepoch'),
       round((abs(random()) % 10000000) / 100.0, 2),
       CASE abs(random()) % 4 WHEN 0 THEN 'EUR' WHEN 1 THEN 'USD' WHEN 2 THEN 'GBP' ELSE 'CHF' END,
       CASE abs(random()) % 5 WHEN 0 THEN 'new' WHEN 1 THEN 'paid' WHEN 2 THEN 'shipped' WHEN 3 THEN 'delivered' ELSE 'refunded' END,
       printf('SKU-%06d-%s', abs(random()) % 200000, char(65 + abs(random()) % 26, 65 + abs(random()) % 26)),
       lower(hex(randomblob(8))),
       substr('$note_text', 1 + abs(random()) % 300, 20 + abs(random()) % 160)
FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 750)
INSERT INTO attachments(order_id, mime, data)
SELECT (SELECT max(id) FROM orders) - abs(random()) % 25000,
       CASE abs(random()) % 3 WHEN 0 THEN 'image/jpeg' WHEN 1 THEN 'application/pdf' ELSE 'image/png' END,
       randomblob(500 + abs(random()) % 3000)
FROM n;
COMMIT;
SQL
        size=$(sqlite3 "$tmp" "PRAGMA wal_checkpoint(TRUNCATE);" "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size;" | tail -1)
    done
    sqlite3 "$tmp" "PRAGMA journal_mode = DELETE;" >/dev/null
    mv "$tmp" "$db"
}

# ---------------------------------------------------------------------------------------------------------
# Timing: /usr/bin/time gives wall seconds (%e), CPU seconds (%U user + %S system) and peak RSS in KiB (%M)
# of one process. Each run appends "wall cpu rss_kib output_bytes" to a log; the raw tools' run is two
# processes, so its wall and CPU are summed and its RSS is the larger of the two.
# ---------------------------------------------------------------------------------------------------------
timed() { # timed OUTFILE cmd...  -> OUTFILE holds "wall cpu rss_kib"
    local out=$1; shift
    /usr/bin/time -f '%e %U %S %M' -o "$out" "$@" >/dev/null
    awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$out" >"$out.x" && mv "$out.x" "$out"
}

stat_of() { # stat_of median|min|max FILE COLUMN
    awk -v c="$3" '{ print $c }' "$2" | sort -g | awk -v how="$1" '{ a[NR] = $1 } END {
        if (how == "min") print a[1]; else if (how == "max") print a[NR];
        else print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

warm() { cat "$1" >/dev/null; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "n/a")
results=()
for mb in "${sizes[@]}"; do
    [[ "$mb" =~ ^[0-9]+$ ]] && [ "$mb" -gt 0 ] || die "size '$mb' is not a number of MB"
    db="$bench_dir/bench_${mb}mb.sqlite"
    if [ ! -f "$db" ]; then
        echo "Generating $db (~$mb MB)..." >&2
        generate "$db" $((mb * 1024 * 1024))
    fi
    db_bytes=$(stat -c %s "$db")
    raw_log="$bench_dir/raw_$mb.log"; cli_log="$bench_dir/cli_$mb.log"
    rm -f "$raw_log" "$cli_log"
    work="$bench_dir/run"
    for ((r = 1; r <= repeat; r++)); do
        echo "[$mb MB] run $r/$repeat: sqlite3 .backup + gzip -6" >&2
        rm -rf "$work"; mkdir -p "$work/tmp"
        warm "$db"
        timed "$work/backup.t" sqlite3 "$db" ".backup '$work/raw.sqlite'"
        timed "$work/gzip.t" gzip -6 "$work/raw.sqlite"
        read -r w1 c1 m1 <"$work/backup.t"; read -r w2 c2 m2 <"$work/gzip.t"
        awk -v w1="$w1" -v w2="$w2" -v c1="$c1" -v c2="$c2" -v m1="$m1" -v m2="$m2" -v o="$(stat -c %s "$work/raw.sqlite.gz")" \
            'BEGIN { printf "%.2f %.2f %d %d\n", w1 + w2, c1 + c2, (m1 > m2 ? m1 : m2), o }' >>"$raw_log"

        echo "[$mb MB] run $r/$repeat: backuptools backup" >&2
        rm -rf "$work"; mkdir -p "$work/tmp"
        warm "$db"
        timed "$work/cli.t" dotnet "$cli" backup --source "$db" --destination "$work/dest" --temp-path "$work/tmp"
        artifact=$(find "$work/dest" -name '*.gz' -type f 2>/dev/null | head -1 || true)
        [ -n "$artifact" ] || die "the CLI wrote no .gz artifact under $work/dest"
        [ -f "$(dirname "$artifact")/manifest.json" ] || die "the CLI backup has no manifest.json"
        read -r w c m <"$work/cli.t"
        echo "$w $c $m $(stat -c %s "$artifact")" >>"$cli_log"
        rm -rf "$work"
    done
    row="$mb $db_bytes"
    for log in "$raw_log" "$cli_log"; do
        row="$row $(stat_of median "$log" 1) $(stat_of min "$log" 1) $(stat_of median "$log" 2) $(stat_of max "$log" 3) $(stat_of median "$log" 4)"
    done
    results+=("$row")
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "n/a")

echo
echo "BackupTools SQLite backup benchmark: $repeat run(s) per method; $(nproc) CPU(s); load average before: $load_before, after: $load_after"
echo "raw = sqlite3 .backup then gzip -6; cli = dotnet $(basename "$cli") backup; wall = median (best); CPU = median user+sys; RSS = peak over runs"
printf '%-7s %7s | %-13s %-13s %-11s | %7s %7s | %7s %7s | %7s %7s\n' \
    "size" "db MiB" "raw wall s" "cli wall s" "cli/raw" "raw CPU" "cli CPU" "raw RSS" "cli RSS" "raw.gz" "cli.gz"
printf '%-7s %7s | %-13s %-13s %-11s | %7s %7s | %7s %7s | %7s %7s\n' \
    "" "" "" "" "" "s" "s" "MiB" "MiB" "MiB" "MiB"
for row in "${results[@]}"; do
    read -r mb db_bytes rw rwb rc rr ro cw cwb cc cr co <<<"$row"
    awk -v mb="$mb" -v db="$db_bytes" -v rw="$rw" -v rwb="$rwb" -v rc="$rc" -v rr="$rr" -v ro="$ro" \
        -v cw="$cw" -v cwb="$cwb" -v cc="$cc" -v cr="$cr" -v co="$co" 'BEGIN {
        printf "%-7s %7.1f | %-13s %-13s %-11s | %7.1f %7.1f | %7.1f %7.1f | %7.1f %7.1f\n",
            mb " MB", db / 1048576,
            sprintf("%.2f (%.2f)", rw, rwb), sprintf("%.2f (%.2f)", cw, cwb),
            sprintf("%.2f (%.2f)", (rw > 0 ? cw / rw : 0), (rwb > 0 ? cwb / rwb : 0)),
            rc, cc, rr / 1024, cr / 1024, ro / 1048576, co / 1048576 }'
done
