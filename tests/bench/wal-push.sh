#!/usr/bin/env bash
# Benchmark: `backuptools wal-push` (one process per segment, as archive_command runs it) against the runbook's
# archive_command `cp %p A/%f && gzip -6 A/%f && sha256sum A/%f.gz > A/%f.gz.sha256`.
#
# Usage: tests/bench/wal-push.sh [SEGMENTS]        (default: 1000)
#
# Environment:
#   BACKUPTOOLS_CLI_DLL  path to backuptools.dll (default: the Release build; built when missing)
#   BENCH_DIR            work folder (default: /tmp/backuptools-walbench); needs SEGMENTS x 16 MB x 1.3 free
#   BENCH_REAL=24        distinct real segments to generate (the corpus is these, repeated under new names)
#   PG_BIN               PostgreSQL server binaries (default: newest /usr/lib/postgresql/*/bin)
#
# The corpus is real WAL: a throwaway cluster (as the postgres user when run as root) writes BENCH_REAL segments of
# inserts and updates (text, numbers, jsonb, indexes, full-page images after checkpoints); they are copied under
# SEGMENTS consecutive names. Both methods then archive every segment, one after the other, each segment by its own
# process(es), from a warm page cache. Printed: wall time, segments/s, MB/s of WAL, per-segment latency (median, p95)
# and the ratio. backuptools does more per segment: zstd -3, SHA-256 of plaintext and stored bytes, a read-back proof
# (the stored bytes are decompressed and compared), fsync, atomic rename and the entry. Results: docs/performance.md.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_dir=${BENCH_DIR:-/tmp/backuptools-walbench}
segments=${1:-1000}
real=${BENCH_REAL:-24}

. "$repo/tests/bench/lib.sh"
pg_bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$pg_bin/initdb" ] || die "no PostgreSQL server binaries (set PG_BIN or apt-get install postgresql)"
require_tools gzip sha256sum dotnet python3
find_cli

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir -p "$bench_dir"; chmod 755 "$bench_dir"
corpus="$bench_dir/corpus"
if [ "$(ls "$corpus" 2>/dev/null | wc -l)" -lt "$real" ]; then
    echo "Generating $real real WAL segments..." >&2
    cluster="$bench_dir/cluster"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    rm -rf "$cluster" "$corpus"; mkdir -p "$cluster" "$corpus"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$cluster"
    as_pg "$pg_bin/initdb" -D "$cluster/data" -U bench -A trust -E UTF8 --locale C.UTF-8 --no-sync >/dev/null
    as_pg "$pg_bin/pg_ctl" -D "$cluster/data" -l "$cluster/log" -w -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$cluster -c wal_keep_size=4GB -c max_wal_size=4GB -c checkpoint_timeout=30s" start >/dev/null
    trap 'as_pg "$pg_bin/pg_ctl" -D "$cluster/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$cluster"' EXIT
    psql() { "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U bench -d postgres "$@"; }
    psql -c "CREATE TABLE t (id bigserial primary key, account int, note text, amount numeric(12,2), doc jsonb, at timestamptz default now())" \
         -c "CREATE INDEX ON t (account)"
    first=$(psql -At -c "SELECT pg_walfile_name(pg_current_wal_lsn())")
    while :; do
        psql -c "INSERT INTO t (account, note, amount, doc) SELECT (random()*10000)::int, 'order ' || md5(g::text) || ' for customer ' || (g % 977), (random()*1000)::numeric(12,2), jsonb_build_object('sku', g % 5000, 'qty', g % 7, 'tags', jsonb_build_array('a', 'b')) FROM generate_series(1, 50000) g" \
             -c "UPDATE t SET amount = amount + 1 WHERE id % 17 = 0" -c "CHECKPOINT"
        current=$(psql -At -c "SELECT pg_walfile_name(pg_current_wal_lsn())")
        [ $(( 16#${current:16:8} - 16#${first:16:8} )) -gt "$real" ] && break
    done
    seq_first=$(( 16#${first:16:8} ))
    for i in $(seq 0 $((real - 1))); do
        cp "$cluster/data/pg_wal/$(printf '%s%08X' "${first:0:16}" $((seq_first + i)))" "$corpus/$i"
    done
    as_pg "$pg_bin/pg_ctl" -D "$cluster/data" -m fast -w stop >/dev/null; rm -rf "$cluster"; trap - EXIT
fi

# SEGMENTS names (timeline 1, from 000000010000000100000000 on), each a copy of a corpus segment.
pg_wal="$bench_dir/pg_wal"
rm -rf "$pg_wal"; mkdir -p "$pg_wal"
names=()
for i in $(seq 0 $((segments - 1))); do
    name=$(printf '00000001%08X%08X' $((1 + i / 256)) $((i % 256)))
    cp "$corpus/$((i % real))" "$pg_wal/$name"
    names+=("$name")
done
cat "$pg_wal"/* > /dev/null # warm cache

# run_all LABEL COMMAND...: runs COMMAND with %p/%f replaced per segment; prints per-segment latencies (ms) to $out.
run_all() {
    local label=$1; shift
    local out="$bench_dir/$label.lat"
    : > "$out"
    local start end t0 t1 name cmd
    start=$(date +%s.%N)
    for name in "${names[@]}"; do
        cmd=${*//%p/$pg_wal/$name}; cmd=${cmd//%f/$name}
        t0=$(date +%s%N)
        bash -c "$cmd" >/dev/null
        t1=$(date +%s%N)
        echo $(( (t1 - t0) / 1000000 )) >> "$out"
    done
    end=$(date +%s.%N)
    python3 - "$label" "$start" "$end" "$out" "$segments" <<'PY'
import sys, statistics
label, start, end, out, n = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], int(sys.argv[5])
lat = sorted(int(l) for l in open(out))
wall = end - start
p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))]
print(f"{label:<12} wall {wall:8.1f} s   {n / wall:6.2f} segments/s   {n * 16 / wall:7.1f} MB/s WAL   latency median {statistics.median(lat):5.0f} ms  p95 {p95:5.0f} ms")
with open(out + ".wall", "w") as f: f.write(str(wall))
PY
}

raw="$bench_dir/archive-raw"; bt="$bench_dir/archive-bt"
rm -rf "$raw" "$bt"; mkdir -p "$raw" "$bt"
echo "wal-push of $segments segments of 16 MiB ($real distinct real segments), $(nproc) cores" >&2
run_all raw "cp %p $raw/%f && gzip -6 $raw/%f && sha256sum $raw/%f.gz > $raw/%f.gz.sha256"
run_all backuptools "dotnet $cli wal-push --destination $bt --database-name bench %p"
python3 - "$bench_dir" <<'PY'
import sys, os
d = sys.argv[1]
raw = float(open(os.path.join(d, "raw.lat.wall")).read()); bt = float(open(os.path.join(d, "backuptools.lat.wall")).read())
print(f"ratio backuptools/raw wall: {bt / raw:.2f}x")
PY
echo "stored: raw $(du -sb "$raw" | cut -f1) bytes, backuptools $(du -sb "$bt" | cut -f1) bytes" >&2
rm -rf "$raw" "$bt" "$pg_wal"
