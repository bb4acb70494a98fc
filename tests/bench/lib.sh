# Shared preamble of the benchmarks (sourced, not run): error exit, tool checks, /usr/bin/time, and the CLI build.
# The sourcing script sets `repo` (the repository root) first.

bench_name=$(basename "$0")

# die MESSAGE: usage/setup error of the benchmark (exit 2).
die() { echo "$bench_name: $*" >&2; exit 2; }

# require_tools TOOL...: each must be on PATH.
require_tools() {
    local tool
    for tool in "$@"; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
}

# require_time: GNU time at /usr/bin/time (wall, CPU and peak RSS); installed with apt-get when running as root.
require_time() {
    if [ ! -x /usr/bin/time ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq time >/dev/null; } || true
    fi
    [ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian/Ubuntu: apt-get install time)"
}

# cli: BACKUPTOOLS_CLI_DLL, else the Release build (built when missing). Sets the variable `cli`.
find_cli() {
    cli=${BACKUPTOOLS_CLI_DLL:-$repo/src/BackupTools.Cli/bin/Release/net8.0/backuptools.dll}
    if [ ! -f "$cli" ]; then
        [ -z "${BACKUPTOOLS_CLI_DLL:-}" ] || die "BACKUPTOOLS_CLI_DLL=$cli does not exist"
        echo "Building the CLI (Release)..." >&2
        dotnet build "$repo/src/BackupTools.Cli" -c Release -v quiet -nologo >&2
    fi
    [ -f "$cli" ] || die "no CLI at $cli"
}

# start_s3rver DATA_DIR: s3rver (tests/tools/s3rver, or BACKUPTOOLS_S3RVER) on a free loopback port with its data in
# DATA_DIR; sets `endpoint` and `s3pid`, exports the awscli settings for it, and waits until it answers. The caller
# owns the EXIT trap (kill $s3pid, and whatever else it cleans up).
start_s3rver() {
    local data=$1 port node_opts=
    local js=${BACKUPTOOLS_S3RVER:-$repo/tests/tools/s3rver/node_modules/s3rver/bin/s3rver.js}
    [ -f "$js" ] || die "s3rver is not installed: npm ci --prefix tests/tools/s3rver"
    require_tools node aws python3
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    endpoint=http://127.0.0.1:$port
    mkdir -p "$data"
    [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 17 ] && node_opts=--openssl-legacy-provider
    NODE_OPTIONS=$node_opts node "$js" -d "$data" -a 127.0.0.1 -p "$port" -s >/dev/null 2>&1 &
    s3pid=$!
    export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1
    export AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_RESPONSE_CHECKSUM_VALIDATION=when_required
    local _
    for _ in $(seq 100); do aws --endpoint-url "$endpoint" s3 ls >/dev/null 2>&1 && return 0; sleep 0.2; done
    die "s3rver did not start on $endpoint"
}

# start_pg_cluster DIR: a throwaway PostgreSQL cluster in DIR (as the postgres user when run as root) on a free
# loopback port, trust auth for user bench. Needs `pg_bin`. Sets `port`, exports PGHOST/PGPORT/PGUSER, defines
# as_pg and psql, and sets the EXIT trap that stops the cluster and removes DIR.
start_pg_cluster() {
    pg_cluster=$1
    as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    rm -rf "$pg_cluster"; mkdir -p "$pg_cluster"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$pg_cluster"
    as_pg "$pg_bin/initdb" -D "$pg_cluster/data" -U bench -A trust -E UTF8 --locale C.UTF-8 --no-sync >/dev/null
    as_pg "$pg_bin/pg_ctl" -D "$pg_cluster/data" -l "$pg_cluster/log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$pg_cluster -c max_wal_size=4GB -c shared_buffers=256MB" start >/dev/null
    trap 'as_pg "$pg_bin/pg_ctl" -D "$pg_cluster/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$pg_cluster"' EXIT
    export PGHOST=127.0.0.1 PGPORT=$port PGUSER=bench
    psql() { "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
}

# bench_measure OUTFILE cmd...: runs cmd under /usr/bin/time and appends "wall_seconds peak_rss_kb" to OUTFILE.
bench_measure() {
    local out=$1; shift
    /usr/bin/time -f '%e %M' -o "$out.one" "$@" >/dev/null
    cat "$out.one" >>"$out"; rm -f "$out.one"
}

# bench_median: the median of the numbers on stdin. bench_col FILE N: column N of FILE.
bench_median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
bench_col() { awk -v c="$2" '{ print $c }' "$1"; }
