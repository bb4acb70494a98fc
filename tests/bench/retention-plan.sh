#!/usr/bin/env bash
# Benchmark: retention planning (`backuptools prune --what-if`) over a destination holding many backups.
#
# Usage: tests/bench/retention-plan.sh [COUNT ...]            (default: 100000 10000)
#
# Environment:
#   BACKUPTOOLS_CLI_DLL  path to backuptools.dll (default: src/BackupTools.Cli/bin/Release/net8.0/backuptools.dll,
#                        built with `dotnet build src/BackupTools.Cli -c Release` when missing)
#   BENCH_DIR            work folder (default: /tmp/backuptools-bench); generated destinations are kept there and
#                        reused by later runs (delete them to regenerate). 100,000 backups take about 0.5 GB of inodes/blocks.
#   BENCH_REPEAT         runs per count (default: 3)
#   BENCH_DATABASES      databases the backups are spread over (default: 4)
#
# The destination is generated directly (no real backups): per backup a folder <db>/<backupId>/ with a small
# artifact and a manifest.json in the format BackupTools writes, one backup every 15 minutes per database, every
# 50th tagged `monthly-close`, going back from 2026-11-20. Measured: `prune --destination D --keep-last 24
# --keep-daily 14 --keep-weekly 8 --keep-monthly 24 --keep-yearly 10 --keep-tag monthly-close --what-if --json`,
# i.e. listing every backup folder, reading and parsing every manifest (and verification log), planning, and
# writing one decision per backup; nothing is deleted. Wall time (median, best) and peak RSS (max over runs),
# from a warm page cache (one untimed run first). `list --json` over the same destination is timed too, to show
# how much of the time is reading manifests rather than planning. Results are recorded in docs/performance.md.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_dir=${BENCH_DIR:-/tmp/backuptools-bench}
repeat=${BENCH_REPEAT:-3}
databases=${BENCH_DATABASES:-4}
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(100000 10000)

. "$repo/tests/bench/lib.sh"
require_tools python3 dotnet
require_time

find_cli
export DOTNET_ROLL_FORWARD=Major DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

mkdir -p "$bench_dir"

# Writes COUNT backups spread over DATABASES databases into DEST (skipped when DEST/.complete exists).
generate() {
    local dest=$1 count=$2
    [ -f "$dest/.complete" ] && return 0
    rm -rf "$dest"
    echo "Generating $count backups in $dest ..." >&2
    python3 - "$dest" "$count" "$databases" <<'PY'
import hashlib, json, os, sys
from datetime import datetime, timedelta, timezone
dest, count, dbs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t0 = datetime(2026, 11, 20, 2, 0, 0, tzinfo=timezone.utc)
for i in range(count):
    db = f"db{i % dbs}"
    completed = t0 - timedelta(minutes=15 * (i // dbs))
    started = completed - timedelta(seconds=7)
    bid = started.strftime("%Y%m%dT%H%M%S.") + f"{started.microsecond // 1000:03d}Z-{i:08x}"
    folder = os.path.join(dest, db, bid)
    os.makedirs(folder)
    content = f"backup {bid} of {db}\n".encode()
    sha = hashlib.sha256(content).hexdigest()
    with open(os.path.join(folder, db + ".sqlite3.gz"), "wb") as f:
        f.write(content)
    manifest = {
        "formatVersion": 1, "backupId": bid, "engine": "sqlite", "database": db, "source": f"/data/{db}.db",
        "toolVersions": {"sqlite": "3.46.1"}, "backupToolsVersion": "bench", "host": "bench",
        "startedAt": started.isoformat(), "completedAt": completed.isoformat(), "durationSeconds": 7.0,
        "artifacts": [{"name": db + ".sqlite3.gz", "role": "database", "format": "sqlite3", "storedBytes": len(content),
                       "sha256": sha, "uncompressedBytes": 4096 * 1024, "uncompressedSha256": sha, "compression": "gzip",
                       "compressionLevel": 6, "encryption": "none", "checksumFile": db + ".sqlite3.gz.sha256"}],
        "tables": [{"name": "customers", "rows": 50000}, {"name": "orders", "rows": 250000 + i}],
        "tags": ["monthly-close"] if i % 50 == 0 else [],
        "sourceChecks": [{"name": "integrity_check", "passed": True, "detail": "ok"}],
        "engineDetails": {"pageSize": "4096", "encoding": "UTF-8"},
    }
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
open(os.path.join(dest, ".complete"), "w").close()
PY
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# Runs the CLI with ARGS REPEAT times (after one warm-up) and prints "median best maxrss_kib lines".
measure() {
    local out=$bench_dir/retention-out.jsonl times=() rss=0 lines=0
    dotnet "$cli" "$@" >"$out" 2>/dev/null || die "warm-up run failed: backuptools $*"
    for _ in $(seq "$repeat"); do
        /usr/bin/time -f "%e %M" -o "$bench_dir/retention-time" dotnet "$cli" "$@" >"$out" 2>/dev/null || die "backuptools $* failed"
        read -r wall kib <"$bench_dir/retention-time"
        times+=("$wall")
        [ "$kib" -gt "$rss" ] && rss=$kib
        lines=$(wc -l <"$out")
    done
    local med best
    med=$(printf '%s\n' "${times[@]}" | median)
    best=$(printf '%s\n' "${times[@]}" | sort -n | head -1)
    echo "$med $best $rss $lines"
}

echo "BackupTools retention planning benchmark: $repeat run(s) per count, $databases database(s); $(nproc) CPU(s); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s | %-24s %-10s %-8s | %-24s %-10s\n' "backups" "prune --what-if wall s" "peak RSS" "decisions" "list wall s" "peak RSS"
printf '%-8s | %-24s %-10s %-8s | %-24s %-10s\n' "" "median (best)" "MiB" "" "median (best)" "MiB"
for count in "${counts[@]}"; do
    dest=$bench_dir/retention-$count-$databases
    generate "$dest" "$count"
    read -r pm pb prss plines < <(measure prune --destination "$dest" --keep-last 24 --keep-daily 14 --keep-weekly 8 \
        --keep-monthly 24 --keep-yearly 10 --keep-tag monthly-close --what-if --json)
    [ "$plines" -eq "$count" ] || die "expected $count decisions, got $plines"
    read -r lm lb lrss _ < <(measure list --destination "$dest" --json)
    printf '%-8s | %-24s %-10s %-8s | %-24s %-10s\n' "$count" "$pm ($pb)" "$(awk -v k="$prss" 'BEGIN {printf "%.1f", k/1024}')" "$plines" \
        "$lm ($lb)" "$(awk -v k="$lrss" 'BEGIN {printf "%.1f", k/1024}')"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
