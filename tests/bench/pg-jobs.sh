#!/usr/bin/env bash
# Benchmark: a parallel PostgreSQL backup (backuptools backup --jobs N) against pg_dump -Fc on a generated database.
#
# Usage: tests/bench/pg-jobs.sh [SIZE_MB ...]        (default: 1024)
#
# Environment:
#   BACKUPTOOLS_CLI_DLL  path to backuptools.dll (default: the Release build; built when missing)
#   BENCH_DIR            work folder (default: /tmp/backuptools-pgjobs); needs about 3x the largest size free
#   BENCH_REPEAT         runs per method and size (default: 3)
#   BENCH_JOBS           parallel jobs (default: 2)
#   BENCH_TABLES         tables the data is spread over (default: 4); pg_dump --jobs parallelizes per table
#   PG_BIN               PostgreSQL server/client binaries (default: newest /usr/lib/postgresql/*/bin)
#
# Starts a throwaway cluster (as the postgres user when run as root) on 127.0.0.1, generates a database of about
# SIZE_MB (pg_database_size) spread evenly over BENCH_TABLES tables of realistic rows (text from a vocabulary and
# random hex, numerics, jsonb, timestamps, an index each). Then times, per size (median of BENCH_REPEAT runs, warm
# cache):
#   (a) pg_dump -Fc -f file                          the single-process baseline the target is measured against
#   (b) pg_dump -Fd -j N -f dir                      the raw parallel dump: the floor for (c)
#   (c) backuptools backup --jobs N                  directory dump into a temp folder, tar + SHA-256 into the destination
#   (d) backuptools backup                           one job, custom format, for reference
# and prints wall time, peak RSS, the ratios (c)/(a) (target: at most 0.6x), (c)/(b) and (d)/(a), the stored sizes,
# and the load average before and after (other work on the machine skews the figures). Results: docs/performance.md.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_dir=${BENCH_DIR:-/tmp/backuptools-pgjobs}
repeat=${BENCH_REPEAT:-3}
jobs=${BENCH_JOBS:-2}
tables=${BENCH_TABLES:-4}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1024)

. "$repo/tests/bench/lib.sh"
pg_bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$pg_bin/initdb" ] || die "no PostgreSQL server binaries (set PG_BIN or apt-get install postgresql)"
require_tools dotnet python3
require_time
find_cli

mkdir -p "$bench_dir"
chmod 755 "$bench_dir"
start_pg_cluster "$bench_dir/cluster"

generate() { # generate DB SIZE_MB: TABLES tables of about SIZE_MB/TABLES each
    local db=$1 mb=$2 t size
    psql -d postgres -c "CREATE DATABASE $db"
    for t in $(seq "$tables"); do
        psql -d "$db" -c "CREATE TABLE events_$t(id bigserial PRIMARY KEY, at timestamptz NOT NULL, amount numeric(12,2) NOT NULL,
            kind text NOT NULL, ref text NOT NULL, note text, attrs jsonb NOT NULL)"
        size=0
        while [ "$size" -lt $((mb * 1024 * 1024 / tables)) ]; do
            psql -d "$db" -c "INSERT INTO events_$t(at, amount, kind, ref, note, attrs)
SELECT timestamptz '2020-01-01' + random() * interval '1800 days', round((random() * 2000)::numeric, 2),
       (ARRAY['order','refund','shipment','login','invoice','ticket'])[1 + (random() * 5)::int], md5(random()::text),
       (ARRAY['Delivered before noon, left with the neighbour.','Invoice re-issued after VAT correction.','Payment matched manually by reference.',
              'Replacement dispatched from Rotterdam.','Partial refund approved by support.', NULL])[1 + (random() * 5)::int] || ' #' || (random() * 1e6)::int,
       jsonb_build_object('channel', (ARRAY['web','app','phone','store'])[1 + (random() * 3)::int], 'items', 1 + (random() * 9)::int,
                          'score', round(random()::numeric, 4), 'session', md5(random()::text))
FROM generate_series(1, 200000)"
            size=$(psql -d "$db" -At -c "SELECT pg_total_relation_size('events_$t')")
        done
        psql -d "$db" -c "CREATE INDEX ON events_$t(at)"
    done
    psql -d "$db" -c "VACUUM ANALYZE"
}

load() { cut -d' ' -f1-3 /proc/loadavg; }

load_before=$(load)
results=()
for mb in "${sizes[@]}"; do
    db="jobs_${mb}"
    echo "== generating ${mb} MB database $db over $tables tables" >&2
    generate "$db" "$mb"
    actual=$(psql -d "$db" -At -c "SELECT pg_database_size(current_database()) / 1048576")
    work="$bench_dir/run_$mb"; rm -rf "$work"; mkdir -p "$work/temp"
    for m in dumpfc dumpfd clijobs cli; do : >"$work/$m.log"; done
    "$pg_bin/pg_dump" -Fc -d "$db" >/dev/null  # warm the cache
    for i in $(seq "$repeat"); do
        echo "   run $i/$repeat (load $(load))" >&2
        rm -rf "$work/f.dump" "$work/f.dir" "$work/dest" "$work/dest1"
        bench_measure "$work/dumpfc.log" "$pg_bin/pg_dump" -Fc -d "$db" -f "$work/f.dump"
        bench_measure "$work/dumpfd.log" "$pg_bin/pg_dump" -Fd -j "$jobs" -d "$db" -f "$work/f.dir"
        bench_measure "$work/clijobs.log" dotnet "$cli" backup --source "postgresql://bench@127.0.0.1:$port/$db" --destination "$work/dest" --database-name "$db" \
            --jobs "$jobs" --temp-path "$work/temp"
        bench_measure "$work/cli.log" dotnet "$cli" backup --source "postgresql://bench@127.0.0.1:$port/$db" --destination "$work/dest1" --database-name "$db"
    done
    [ -z "$(ls -A "$work/temp")" ] || die "the parallel dump's temp folder was not removed: $(ls -A "$work/temp")"
    stored_fc=$(stat -c %s "$work/f.dump"); stored_fd=$(du -sb "$work/f.dir" | awk '{print $1}')
    stored_jobs=$(du -sb "$work/dest/$db" | awk '{print $1}')
    row="$mb $actual"
    for m in dumpfc dumpfd clijobs cli; do
        row="$row $(bench_col "$work/$m.log" 1 | bench_median) $(bench_col "$work/$m.log" 2 | sort -n | tail -1)"
    done
    results+=("$row $stored_fc $stored_fd $stored_jobs")
    psql -d postgres -c "DROP DATABASE $db"
    rm -rf "$work"
done

echo
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}'), $(nproc) cores, $jobs jobs, $tables tables; wall = median of $repeat runs (s); RSS = peak (MiB)"
echo "load average (1/5/15 min): before $load_before, after $(load)"
printf '%-8s | %-16s %-16s %-16s %-16s | %-9s %-9s %-9s | %s\n' size "pg_dump -Fc" "pg_dump -Fd -j$jobs" "bt --jobs $jobs" "bt (1 job)" "bt-j/-Fc" "bt-j/-Fd" "bt/-Fc" "stored MiB (-Fc/-Fd/bt-j)"
for r in "${results[@]}"; do
    echo "$r" | awk '{
        printf "%4d MB  | %6.2fs %6.1fMiB  %6.2fs %6.1fMiB  %6.2fs %6.1fMiB  %6.2fs %6.1fMiB  | %8.2fx %8.2fx %8.2fx | %.0f / %.0f / %.0f\n",
            $2, $3, $4/1024, $5, $6/1024, $7, $8/1024, $9, $10/1024, $7/$3, $7/$5, $9/$3, $11/1048576, $12/1048576, $13/1048576 }'
done
