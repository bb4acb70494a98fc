#!/usr/bin/env bash
# Benchmark: BackupTools CLI against the raw PostgreSQL tools on a generated database.
#
# Usage: tests/bench/postgres-backup.sh [SIZE_MB ...]        (default: 1024 256)
#
# Environment:
#   BACKUPTOOLS_CLI_DLL  path to backuptools.dll (default: the Release build; built when missing)
#   BENCH_DIR            work folder (default: /tmp/backuptools-pgbench); needs about 3x the largest size free
#   BENCH_REPEAT         runs per method and size (default: 3)
#   PG_BIN               PostgreSQL server/client binaries (default: newest /usr/lib/postgresql/*/bin)
#   BENCH_S3=1           also the S3 row: (f) pg_dump -Fc -f f && sha256sum f && aws s3 cp f s3://... against
#                        (g) backuptools backup --destination s3://... (s3rver on 127.0.0.1; needs node + npm ci
#                        --prefix tests/tools/s3rver, and awscli)
#
# Starts a throwaway cluster (as the postgres user when run as root) on 127.0.0.1, generates a database of about
# SIZE_MB (pg_database_size) with realistic rows: text from a vocabulary and random hex, numerics, jsonb
# documents and timestamps, plus two indexes. Then times, per size (median of BENCH_REPEAT runs, warm cache):
#   backup:  (a) pg_dump -Fc -f file   (b) pg_dump | gzip > f && sha256sum f (the runbook way)   (c) backuptools backup
#   restore: (d) createdb + pg_restore -j 2 -d db file                                            (e) backuptools restore --jobs 2 --create-database
# and prints wall time, ratios (c)/(a), (c)/(b), (e)/(d), and peak RSS of each. Results: docs/performance.md.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_dir=${BENCH_DIR:-/tmp/backuptools-pgbench}
repeat=${BENCH_REPEAT:-3}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1024 256)

. "$repo/tests/bench/lib.sh"
pg_bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$pg_bin/initdb" ] || die "no PostgreSQL server binaries (set PG_BIN or apt-get install postgresql)"
require_tools gzip sha256sum dotnet
require_time

find_cli

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir -p "$bench_dir"
chmod 755 "$bench_dir"
cluster="$bench_dir/cluster"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rm -rf "$cluster"; mkdir -p "$cluster"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$cluster"
as_pg "$pg_bin/initdb" -D "$cluster/data" -U bench -A trust -E UTF8 --locale C.UTF-8 --no-sync >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$cluster/data" -l "$cluster/log" -w -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$cluster -c max_wal_size=4GB -c shared_buffers=256MB" start >/dev/null
trap 'as_pg "$pg_bin/pg_ctl" -D "$cluster/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$cluster"' EXIT
export PGHOST=127.0.0.1 PGPORT=$port PGUSER=bench
psql() { "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

s3=${BENCH_S3:-0}
if [ "$s3" = 1 ]; then
    rm -rf "$bench_dir/s3rver-data"
    start_s3rver "$bench_dir/s3rver-data"
    trap 'kill $s3pid 2>/dev/null; as_pg "$pg_bin/pg_ctl" -D "$cluster/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$cluster" "$bench_dir/s3rver-data"' EXIT
    aws --endpoint-url "$endpoint" s3 mb s3://bench >/dev/null
fi

generate() { # generate DB SIZE_MB
    local db=$1 mb=$2
    psql -d postgres -c "CREATE DATABASE $db"
    psql -d "$db" <<'SQL'
CREATE TABLE customers(id int PRIMARY KEY, name text NOT NULL, email text NOT NULL, city text, created_at timestamptz NOT NULL);
INSERT INTO customers SELECT g, (ARRAY['Anna','Bram','Chloé','Dmitri','Eva','Farid'])[1 + g % 6] || ' ' || (ARRAY['de Vries','Müller','Okafor','Rossi','Nguyen','Smith'])[1 + (g / 7) % 6],
       'user' || g || '.' || substr(md5(g::text), 1, 6) || '@example.org', (ARRAY['Rotterdam','Lyon','Leipzig','Porto','Gdańsk'])[1 + g % 5],
       timestamptz '2019-01-01' + (g % 100000) * interval '17 minutes' FROM generate_series(1, 100000) g;
CREATE TABLE orders(id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, created_at timestamptz NOT NULL,
    amount numeric(12,2) NOT NULL, status text NOT NULL, sku text NOT NULL, ref text NOT NULL, note text, attrs jsonb NOT NULL);
CREATE INDEX orders_customer ON orders(customer_id);
SQL
    local size=0
    while [ "$size" -lt $((mb * 1024 * 1024)) ]; do
        psql -d "$db" <<'SQL'
INSERT INTO orders(customer_id, created_at, amount, status, sku, ref, note, attrs)
SELECT 1 + (random() * 99999)::int, timestamptz '2020-01-01' + random() * interval '1800 days', round((random() * 2000)::numeric, 2),
       (ARRAY['new','paid','shipped','delivered','returned','cancelled'])[1 + (random() * 5)::int],
       'SKU-' || lpad(((random() * 200000)::int)::text, 6, '0'), md5(random()::text),
       (ARRAY['Delivered before noon, left with the neighbour.','Invoice re-issued after VAT correction.','Payment matched manually by reference.',
              'Replacement dispatched from Rotterdam.','Partial refund approved by support.','Gift wrap requested, card enclosed.',
              'Address validated, apartment number added.', NULL])[1 + (random() * 7)::int] || ' #' || (random() * 1e6)::int,
       jsonb_build_object('channel', (ARRAY['web','app','phone','store'])[1 + (random() * 3)::int], 'items', 1 + (random() * 9)::int,
                          'coupon', CASE WHEN random() < 0.2 THEN upper(substr(md5(random()::text), 1, 8)) END,
                          'score', round(random()::numeric, 4), 'session', md5(random()::text))
FROM generate_series(1, 400000);
SQL
        size=$(psql -d "$db" -At -c "SELECT pg_database_size(current_database())")
    done
    psql -d "$db" -c "CREATE INDEX orders_created ON orders(created_at)" -c "VACUUM ANALYZE"
}

measure() { # measure OUTFILE cmd...: appends "wall rss_kb"
    local out=$1; shift
    /usr/bin/time -f '%e %M' -o "$out.one" "$@" >/dev/null
    cat "$out.one" >>"$out"; rm -f "$out.one"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
col() { awk -v c="$2" '{ print $c }' "$1"; }

results=()
best=()
s3results=()
for mb in "${sizes[@]}"; do
    db="bench_${mb}"
    echo "== generating ${mb} MB database $db" >&2
    generate "$db" "$mb"
    actual=$(psql -d "$db" -At -c "SELECT pg_database_size(current_database()) / 1048576")
    work="$bench_dir/run_$mb"; rm -rf "$work"; mkdir -p "$work"
    for m in dumpfc runbook cli restore clirestore s3runbook s3cli; do : >"$work/$m.log"; done
    "$pg_bin/pg_dump" -Fc -d "$db" >/dev/null  # warm the cache
    for i in $(seq "$repeat"); do
        echo "   run $i/$repeat" >&2
        rm -f "$work/f.dump" "$work/f.sql.gz"; rm -rf "$work/dest"
        measure "$work/dumpfc.log" "$pg_bin/pg_dump" -Fc -d "$db" -f "$work/f.dump"
        measure "$work/runbook.log" bash -c "'$pg_bin/pg_dump' -d '$db' | gzip > '$work/f.sql.gz' && sha256sum '$work/f.sql.gz'"
        measure "$work/cli.log" dotnet "$cli" backup --source "postgresql://bench@127.0.0.1:$port/$db" --destination "$work/dest" --database-name "$db"
        # Each restore starts from the same state: the other's database dropped (its autovacuum would compete) and a checkpoint.
        psql -d postgres -c "DROP DATABASE IF EXISTS r_raw" -c "DROP DATABASE IF EXISTS r_cli" -c "CHECKPOINT"
        measure "$work/restore.log" bash -c "'$pg_bin/createdb' r_raw && '$pg_bin/pg_restore' -j 2 --exit-on-error -d r_raw '$work/f.dump'"
        psql -d postgres -c "DROP DATABASE IF EXISTS r_raw" -c "CHECKPOINT"
        location=$(ls -d "$work/dest/$db"/*/ | head -1)
        measure "$work/clirestore.log" dotnet "$cli" restore --path "$location" --target r_cli --create-database --jobs 2 --temp-path "$work"
        if [ "$s3" = 1 ]; then
            rm -f "$work/f.dump"
            measure "$work/s3runbook.log" bash -c "'$pg_bin/pg_dump' -Fc -d '$db' -f '$work/f.dump' && sha256sum '$work/f.dump' > '$work/f.dump.sha256' && aws --endpoint-url '$endpoint' s3 cp --quiet '$work/f.dump' s3://bench/runbook/$mb/$i/ && aws --endpoint-url '$endpoint' s3 cp --quiet '$work/f.dump.sha256' s3://bench/runbook/$mb/$i/"
            measure "$work/s3cli.log" dotnet "$cli" backup --source "postgresql://bench@127.0.0.1:$port/$db" --destination "s3://bench/bt/$mb" --database-name "$db" --s3-endpoint "$endpoint"
        fi
    done
    stored_raw=$(stat -c %s "$work/f.dump"); stored_runbook=$(stat -c %s "$work/f.sql.gz")
    stored_cli=$(du -b --max-depth=0 "$work/dest/$db" | awk '{print $1}')
    row="$mb $actual"
    for m in dumpfc runbook cli restore clirestore; do
        row="$row $(col "$work/$m.log" 1 | median) $(col "$work/$m.log" 2 | sort -n | tail -1)"
    done
    results+=("$row $stored_raw $stored_runbook $stored_cli")
    best+=("$mb $actual $(col "$work/dumpfc.log" 1 | sort -n | head -1) $(col "$work/runbook.log" 1 | sort -n | head -1) $(col "$work/cli.log" 1 | sort -n | head -1) $(col "$work/restore.log" 1 | sort -n | head -1) $(col "$work/clirestore.log" 1 | sort -n | head -1)")
    if [ "$s3" = 1 ]; then
        s3results+=("$mb $actual $(col "$work/s3runbook.log" 1 | median) $(col "$work/s3runbook.log" 2 | sort -n | tail -1) $(col "$work/s3cli.log" 1 | median) $(col "$work/s3cli.log" 2 | sort -n | tail -1)")
    fi
    psql -d postgres -c "DROP DATABASE IF EXISTS r_raw" -c "DROP DATABASE IF EXISTS r_cli" -c "DROP DATABASE $db"
done

echo
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}'), $(nproc) cores; wall = median of $repeat runs (s); RSS = peak (MiB)"
printf '%-8s | %-16s %-16s %-16s | %-9s %-9s | %-16s %-16s | %-8s | %s\n' size "pg_dump -Fc" "dump|gzip+sha" "backuptools" "cli/-Fc" "cli/gzip" "pg_restore -j2" "bt restore -j2" "rst ratio" "stored MiB (-Fc/gzip/bt)"
for r in "${results[@]}"; do
    echo "$r" | awk '{
        printf "%4d MB  | %6.2fs %6.1fMiB  %6.2fs %6.1fMiB  %6.2fs %6.1fMiB  | %8.2fx %8.2fx | %6.2fs %6.1fMiB  %6.2fs %6.1fMiB  | %7.2fx | %.0f / %.0f / %.0f\n",
            $2, $3, $4/1024, $5, $6/1024, $7, $8/1024, $7/$3, $7/$5, $9, $10/1024, $11, $12/1024, $11/$9, $13/1048576, $14/1048576, $15/1048576 }'
done
echo
echo "Best of $repeat runs (s): the least disturbed run of each method, for a busy machine"
printf '%-8s | %-12s %-14s %-12s | %-9s %-9s | %-14s %-14s | %s\n' size "pg_dump -Fc" "dump|gzip+sha" "backuptools" "cli/-Fc" "cli/gzip" "pg_restore -j2" "bt restore -j2" "rst ratio"
for r in "${best[@]}"; do
    echo "$r" | awk '{ printf "%4d MB  | %10.2fs %12.2fs %10.2fs | %8.2fx %8.2fx | %12.2fs %12.2fs | %7.2fx\n", $2, $3, $4, $5, $5/$3, $5/$4, $6, $7, $7/$6 }'
done
if [ "$s3" = 1 ]; then
    echo
    echo "S3 (s3rver on 127.0.0.1): runbook = pg_dump -Fc -f f && sha256sum f && aws s3 cp f (+ sidecar); cli = backuptools backup --destination s3://..."
    printf '%-8s | %-18s %-18s | %s\n' size "runbook" "backuptools" "cli/runbook"
    for r in "${s3results[@]}"; do
        echo "$r" | awk '{ printf "%4d MB  | %6.2fs %6.1fMiB   %6.2fs %6.1fMiB   | %6.2fx\n", $2, $3, $4/1024, $5, $6/1024, $5/$3 }'
    done
fi
