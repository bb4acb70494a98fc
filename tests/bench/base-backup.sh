#!/usr/bin/env bash
# Benchmark: a BackupTools base backup against pg_basebackup on a generated cluster.
#
# Usage: tests/bench/base-backup.sh [SIZE_MB ...]        (default: 1024)
#
# Environment:
#   BACKUPTOOLS_CLI_DLL  path to backuptools.dll (default: the Release build; built when missing)
#   BENCH_DIR            work folder (default: /tmp/backuptools-basebench); needs about 3x the largest size free
#   BENCH_REPEAT         runs per method and size (default: 3)
#   PG_BIN               PostgreSQL binaries (default: newest /usr/lib/postgresql/*/bin)
#
# Starts a throwaway cluster (as postgres when run as root) on 127.0.0.1 with archive_mode = on (archive_command
# = the CLI's wal-push, as a PITR set-up has it), grows it to about SIZE_MB with realistic rows (vocabulary text,
# random hex, numerics, jsonb, an index), and times with a warm cache (median of BENCH_REPEAT runs):
#   (a) pg_basebackup -Ft -X none -D dir           (uncompressed tar, no checksums of its own beyond backup_manifest)
#   (b) pg_basebackup -Ft -X none -z -D dir        (gzip inside pg_basebackup)
#   (c) backuptools backup --type base             (tar streamed through gzip + SHA-256 + read-back proof, manifest last)
# and prints wall time, stored size and the ratios (c)/(a) and (c)/(b). Results: docs/performance.md.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_dir=${BENCH_DIR:-/tmp/backuptools-basebench}
repeat=${BENCH_REPEAT:-3}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1024)

. "$repo/tests/bench/lib.sh"
pg_bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$pg_bin/initdb" ] || die "no PostgreSQL server binaries (set PG_BIN or apt-get install postgresql)"
require_tools dotnet python3
find_cli

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
rm -rf "$bench_dir"; mkdir -p "$bench_dir"; chmod 755 "$bench_dir"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$bench_dir"
cluster="$bench_dir/cluster"; dest="$bench_dir/dest"
as_pg mkdir -p "$cluster" "$dest"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg "$pg_bin/initdb" -D "$cluster/data" -U bench -A trust -E UTF8 --locale C.UTF-8 --no-sync >/dev/null
cat >> "$cluster/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$cluster'
max_wal_size = 4GB
shared_buffers = 256MB
archive_mode = on
archive_command = 'DOTNET_ROLL_FORWARD=Major $(command -v dotnet) $cli wal-push --destination $dest --database-name bench %p'
CONF
as_pg "$pg_bin/pg_ctl" -D "$cluster/data" -l "$cluster/log" -w start >/dev/null
trap 'as_pg "$pg_bin/pg_ctl" -D "$cluster/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$bench_dir"' EXIT
export PGHOST=127.0.0.1 PGPORT=$port PGUSER=bench
psql() { "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -d postgres "$@"; }

psql -c "CREATE TABLE orders(id bigserial PRIMARY KEY, created_at timestamptz NOT NULL, amount numeric(12,2) NOT NULL, status text NOT NULL, ref text NOT NULL, note text, attrs jsonb NOT NULL)"
grow() { # grow SIZE_MB: insert until the cluster is that big
    while [ "$(psql -tAc "SELECT sum(pg_database_size(oid)) FROM pg_database")" -lt $(($1 * 1024 * 1024)) ]; do
        psql -c "INSERT INTO orders(created_at, amount, status, ref, note, attrs)
          SELECT timestamptz '2020-01-01' + random() * interval '1800 days', round((random() * 2000)::numeric, 2),
                 (ARRAY['new','paid','shipped','delivered','returned'])[1 + (random() * 4)::int], md5(random()::text),
                 (ARRAY['Delivered before noon, left with the neighbour.','Invoice re-issued after VAT correction.','Replacement dispatched from Rotterdam.', NULL])[1 + (random() * 3)::int] || ' #' || (random() * 1e6)::int,
                 jsonb_build_object('channel', (ARRAY['web','app','phone'])[1 + (random() * 2)::int], 'items', 1 + (random() * 9)::int)
          FROM generate_series(1, 200000)"
    done
    psql -c "CHECKPOINT" -c "SELECT pg_switch_wal()" >/dev/null
}

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
time_runs() { # time_runs NAME COMMAND...: prints the median wall seconds of $repeat runs; the last run's output stays in $bench_dir/out
    local t0 t1 i
    for i in $(seq "$repeat"); do
        rm -rf "$bench_dir/out"; as_pg mkdir -p "$bench_dir/out"
        t0=$(now); "$@" >/dev/null 2>&1 || die "$1 failed"; t1=$(now)
        echo "$t1 - $t0" | bc -l
    done | median
}

printf '%-10s %-14s %-14s %-14s %-10s %-10s %-12s %-12s %-12s\n' cluster "(a) -Ft" "(b) -Ft -z" "(c) bt base" "(c)/(a)" "(c)/(b)" "size (a)" "size (b)" "size (c)"
for mb in "${sizes[@]}"; do
    grow "$mb"
    total=$(psql -tAc "SELECT pg_size_pretty(sum(pg_database_size(oid))) FROM pg_database")
    a=$(time_runs "$pg_bin/pg_basebackup" -D "$bench_dir/out" -Ft -X none -c fast); size_a=$(du -sb "$bench_dir/out" | cut -f1)
    b=$(time_runs "$pg_bin/pg_basebackup" -D "$bench_dir/out" -Ft -X none -z -c fast); size_b=$(du -sb "$bench_dir/out" | cut -f1)
    c=$(time_runs dotnet "$cli" backup --source "postgresql://bench@127.0.0.1:$port/postgres" --destination "$bench_dir/out" --database-name bench --type base)
    size_c=$(du -sb "$bench_dir/out" | cut -f1)
    printf '%-10s %-14s %-14s %-14s %-10s %-10s %-12s %-12s %-12s\n' "$total" "${a}s" "${b}s" "${c}s" \
        "$(echo "scale=2; $c / $a" | bc)x" "$(echo "scale=2; $c / $b" | bc)x" "$((size_a / 1048576)) MiB" "$((size_b / 1048576)) MiB" "$((size_c / 1048576)) MiB"
done
