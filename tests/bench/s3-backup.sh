#!/usr/bin/env bash
# Benchmark: BackupTools CLI backup of a SQLite database straight to S3 (s3rver on 127.0.0.1) vs. the runbook way:
#   sqlite3 src ".backup f" && gzip -6 f && sha256sum f.gz > f.gz.sha256 && aws s3 cp f.gz s3://... && aws s3 cp f.gz.sha256 s3://...
#
# Usage: tests/bench/s3-backup.sh [SIZE_MB ...]          (default: 500)
#
# Environment: BACKUPTOOLS_CLI_DLL, BENCH_DIR, BENCH_REPEAT as in sqlite-backup.sh (same generated databases, reused);
#   BENCH_S3_CONCURRENCY  --s3-concurrency for the CLI (default 4)
# Needs: node + tests/tools/s3rver (npm ci --prefix tests/tools/s3rver), awscli, sqlite3, gzip, sha256sum, /usr/bin/time.
# The PostgreSQL 1 GB row (pg_dump -Fc ... vs backuptools) belongs with the PostgreSQL benchmark (tests/bench, lead).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_dir=${BENCH_DIR:-/tmp/backuptools-bench}
repeat=${BENCH_REPEAT:-3}
concurrency=${BENCH_S3_CONCURRENCY:-4}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(500)

. "$repo/tests/bench/lib.sh"
require_tools sqlite3 gzip sha256sum dotnet node aws
require_time

find_cli

# The same generated databases as sqlite-backup.sh: take its data generator from there (one definition).
eval "$(sed -n '/^note_text=/p; /^generate() {/,/^}/p' "$repo/tests/bench/sqlite-backup.sh")"
declare -F generate >/dev/null || die "cannot load generate() from sqlite-backup.sh"

mkdir -p "$bench_dir"
s3data=$bench_dir/s3rver-data
rm -rf "$s3data"
start_s3rver "$s3data"
trap 'kill $s3pid 2>/dev/null || true; wait $s3pid 2>/dev/null || true; rm -rf "$s3data"' EXIT
aws --endpoint-url "$endpoint" s3 mb s3://bench >/dev/null

timed() { # timed OUTFILE cmd... -> "wall cpu rss_kib"
    local out=$1; shift
    /usr/bin/time -f '%e %U %S %M' -o "$out" "$@" >/dev/null
    awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$out" >"$out.x" && mv "$out.x" "$out"
}
sum_runs() { # sum_runs FILE... -> "wall cpu maxrss"
    cat "$@" | awk '{ w += $1; c += $2; if ($3 > m) m = $3 } END { printf "%.2f %.2f %d\n", w, c, m }'
}
stat_of() {
    awk -v c="$3" '{ print $c }' "$2" | sort -g | awk -v how="$1" '{ a[NR] = $1 } END {
        if (how == "min") print a[1]; else if (how == "max") print a[NR];
        else print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

results=()
for mb in "${sizes[@]}"; do
    db="$bench_dir/bench_${mb}mb.sqlite"
    if [ ! -f "$db" ]; then echo "Generating $db (~$mb MB)..." >&2; generate "$db" $((mb * 1024 * 1024)); fi
    raw_log="$bench_dir/s3raw_$mb.log"; cli_log="$bench_dir/s3cli_$mb.log"
    rm -f "$raw_log" "$cli_log"
    work="$bench_dir/s3run"
    for ((r = 1; r <= repeat; r++)); do
        echo "[$mb MB] run $r/$repeat: runbook (sqlite3 .backup, gzip -6, sha256sum, aws s3 cp)" >&2
        rm -rf "$work"; mkdir -p "$work/tmp"; cat "$db" >/dev/null
        f="$work/bench_$r.sqlite"
        timed "$work/1.t" sqlite3 "$db" ".backup '$f'"
        timed "$work/2.t" gzip -6 "$f"
        timed "$work/3.t" sh -c "cd '$work' && sha256sum '$(basename "$f").gz' > '$(basename "$f").gz.sha256'"
        timed "$work/4.t" aws --endpoint-url "$endpoint" s3 cp "$f.gz" "s3://bench/runbook/$mb/$r/"
        timed "$work/5.t" aws --endpoint-url "$endpoint" s3 cp "$f.gz.sha256" "s3://bench/runbook/$mb/$r/"
        echo "$(sum_runs "$work"/[1-5].t) $(stat -c %s "$f.gz")" >>"$raw_log"

        echo "[$mb MB] run $r/$repeat: backuptools backup --destination s3://..." >&2
        rm -rf "$work"; mkdir -p "$work/tmp"; cat "$db" >/dev/null
        timed "$work/cli.t" dotnet "$cli" backup --source "$db" --destination "s3://bench/bt/$mb" --temp-path "$work/tmp" \
            --s3-endpoint "$endpoint" --s3-concurrency "$concurrency"
        stored=$(aws --endpoint-url "$endpoint" s3 ls --recursive "s3://bench/bt/$mb/" | awk '/\.gz$/ { print $3 }' | tail -1)
        [ -n "$stored" ] || die "the CLI stored no .gz artifact"
        echo "$(cat "$work/cli.t") $stored" >>"$cli_log"
        aws --endpoint-url "$endpoint" s3 rm --recursive --quiet "s3://bench/" >/dev/null
        rm -rf "$work"
    done
    row="$mb $(stat -c %s "$db")"
    for log in "$raw_log" "$cli_log"; do
        row="$row $(stat_of median "$log" 1) $(stat_of min "$log" 1) $(stat_of median "$log" 2) $(stat_of max "$log" 3) $(stat_of median "$log" 4)"
    done
    results+=("$row")
done

echo
echo "BackupTools SQLite -> S3 (s3rver on 127.0.0.1) benchmark: $repeat run(s) per method; $(nproc) CPU(s); cli --s3-concurrency $concurrency"
echo "runbook = sqlite3 .backup + gzip -6 + sha256sum + aws s3 cp (x2); cli = backuptools backup --destination s3://...; wall = median (best)"
printf '%-7s %7s | %-13s %-13s %-11s | %7s %7s | %7s %7s | %7s %7s\n' "size" "db MiB" "runbook s" "cli s" "cli/runbook" "rb CPU" "cli CPU" "rb RSS" "cli RSS" "rb.gz" "cli.gz"
for row in "${results[@]}"; do
    read -r mb db_bytes rw rwb rc rr ro cw cwb cc cr co <<<"$row"
    awk -v mb="$mb" -v db="$db_bytes" -v rw="$rw" -v rwb="$rwb" -v rc="$rc" -v rr="$rr" -v ro="$ro" \
        -v cw="$cw" -v cwb="$cwb" -v cc="$cc" -v cr="$cr" -v co="$co" 'BEGIN {
        printf "%-7s %7.1f | %-13s %-13s %-11s | %7.1f %7.1f | %7.1f %7.1f | %7.1f %7.1f\n",
            mb " MB", db / 1048576, sprintf("%.2f (%.2f)", rw, rwb), sprintf("%.2f (%.2f)", cw, cwb),
            sprintf("%.2f (%.2f)", (rw > 0 ? cw / rw : 0), (rwb > 0 ? cwb / rwb : 0)),
            rc, cc, rr / 1024, cr / 1024, ro / 1048576, co / 1048576 }'
done
echo "(RSS in MiB: peak of the largest single process; runbook CPU/wall summed over its five commands)"
