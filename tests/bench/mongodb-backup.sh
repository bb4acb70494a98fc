#!/usr/bin/env bash
# Benchmark: BackupTools against a plain driver loop (every collection read as raw BSON in _id order into one gzip
# file: the runbook's `mongodump | gzip` stand-in, since no mongodump exists here) on the DocumentDB test server.
#
# Usage: tests/bench/mongodb-backup.sh [SIZE_MB ...]        (default: 1024 256)
#
# Environment:
#   BACKUPTOOLS_CLI_DLL    path to backuptools.dll (default: the Release build; built when missing)
#   BENCH_DIR              work folder (default: /tmp/backuptools-mongobench)
#   BENCH_REPEAT           runs per method and size (default: 3)
#   BACKUPTOOLS_MONGODB_CACHE  the test server's chroot cache (default /var/tmp/backuptools-mongodb; root needed)
#   BACKUPTOOLS_TEST_MONGODB   URI of a test server already running (then none is started or stopped)
#
# Per size: (a) driver loop -> gzip   (b) backuptools backup (gzip)   (c) backuptools restore --create-database;
# wall time (median), documents/s, MB/s of BSON, peak RSS; ratio (b)/(a); the load average before each size (the
# machine may be shared); at the end the peak RSS of backup and restore per size (flat = streamed).
# Results: docs/performance.md.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_dir=${BENCH_DIR:-/tmp/backuptools-mongobench}
repeat=${BENCH_REPEAT:-3}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1024 256)

. "$repo/tests/bench/lib.sh"
require_tools gzip dotnet
require_time
find_cli
export AWS_EC2_METADATA_DISABLED=true

server_dir=${BACKUPTOOLS_MONGODB_CACHE:-/var/tmp/backuptools-mongodb}
if [ -n "${BACKUPTOOLS_TEST_MONGODB:-}" ]; then
    uri=$BACKUPTOOLS_TEST_MONGODB
    trap 'rm -rf "$bench_dir"' EXIT
else
    uri=$("$repo/tests/tools/mongodb/start.sh" "$server_dir")
    trap '"$repo/tests/tools/mongodb/stop.sh" "$server_dir"; rm -rf "$bench_dir"' EXIT
fi
mkdir -p "$bench_dir"
dotnet build "$repo/tests/bench/mongodb/MongoBench.csproj" -c Release -nologo -v quiet -o "$bench_dir/tool" >&2
bench() { dotnet "$bench_dir/tool/MongoBench.dll" "$@"; }
db_uri() { echo "${uri/\/\?//$1?}"; }

# timed LABEL CMD...: runs CMD, appends "seconds rss_kb" to $bench_dir/LABEL.times
timed() {
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$bench_dir/t" "$@" >/dev/null 2>"$bench_dir/err" || { cat "$bench_dir/err" >&2; die "$label failed"; }
    cat "$bench_dir/t" >> "$bench_dir/$label.times"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
peak() { awk '{print $2}' "$1" | sort -n | tail -1; }

printf '%-8s %-34s %10s %12s %10s %10s\n' size method seconds docs/s MB/s peakRSS_MB
memory=()
for mb in "${sizes[@]}"; do
    db=bench_$mb
    bench drop "$(db_uri "$db")" "$db" - ; bench drop "$(db_uri "${db}_r")" "${db}_r" -
    generated=$(bench generate "$(db_uri "$db")" "$db" "$mb")
    printf '%-8s %s; load average before timing: %s\n' "${mb}MB" "$generated" "$(cut -d' ' -f1-3 /proc/loadavg)"
    docs=${generated%% *}
    rm -f "$bench_dir"/*.times
    for _ in $(seq "$repeat"); do
        timed loop dotnet "$bench_dir/tool/MongoBench.dll" dump "$(db_uri "$db")" "$db" "$bench_dir/loop.bson.gz"
        rm -rf "$bench_dir/dest"
        timed backup dotnet "$cli" backup --source "$(db_uri "$db")" --destination "$bench_dir/dest" --database-name "$db"
        timed restore dotnet "$cli" restore --path "$(ls -d "$bench_dir/dest/$db"/*)" --target "$(db_uri "${db}_r")" --create-database --force
    done
    for m in loop backup restore; do
        s=$(awk '{print $1}' "$bench_dir/$m.times" | median)
        label=$(case $m in loop) echo "(a) driver loop | gzip";; backup) echo "(b) backuptools backup";; restore) echo "(c) backuptools restore";; esac)
        printf '%-8s %-34s %10s %12.0f %10.1f %10.0f\n' "${mb}MB" "$label" "$s" "$(awk -v a="$docs" -v b="$s" 'BEGIN {print a / b}')" "$(awk -v a="$mb" -v b="$s" 'BEGIN {print a / b}')" "$(( $(peak "$bench_dir/$m.times") / 1024 ))"
    done
    a=$(awk '{print $1}' "$bench_dir/loop.times" | median); b=$(awk '{print $1}' "$bench_dir/backup.times" | median)
    printf '%-8s ratio (b)/(a) = %.2f; load average after: %s\n' "${mb}MB" "$(awk -v a="$a" -v b="$b" 'BEGIN {print b / a}')" "$(cut -d' ' -f1-3 /proc/loadavg)"
    memory+=("${mb}MB: backup $(( $(peak "$bench_dir/backup.times") / 1024 )) MB, restore $(( $(peak "$bench_dir/restore.times") / 1024 )) MB")
    bench drop "$(db_uri "$db")" "$db" - ; bench drop "$(db_uri "${db}_r")" "${db}_r" -
done
echo "peak RSS by size (flat when streaming): ${memory[*]}"
