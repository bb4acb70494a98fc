#!/usr/bin/env bash
# Benchmark: retention planning (`backuptools prune --what-if`) and `list` over an S3 destination (s3rver on
# 127.0.0.1) holding many backups. The S3 twin of retention-plan.sh: same generated backups, same policy, same output.
#
# Usage: tests/bench/retention-plan-s3.sh [COUNT ...]          (default: 10000 100000)
#
# Environment: BACKUPTOOLS_CLI_DLL, BENCH_DIR, BENCH_REPEAT, BENCH_DATABASES as in retention-plan.sh;
#   BACKUPTOOLS_S3RVER   path to s3rver's bin/s3rver.js (default: tests/tools/s3rver/node_modules/s3rver/bin/s3rver.js)
#   BENCH_S3_DATA        s3rver's data folder (default: $BENCH_DIR/s3rver-retention). Kept between runs: a bucket
#                        uploaded once (marked by the object `uploaded`) is reused; delete the folder to upload again.
#   BENCH_S3_SEED        direct (default) or sync: how the generated backups get into the bucket (see below).
#   BENCH_WARMUP         1 (default): one untimed run first, as retention-plan.sh; 0: none (each run is timed).
# Needs: node + tests/tools/s3rver (npm ci --prefix tests/tools/s3rver), awscli, python3, /usr/bin/time.
#
# The backups are generated as a local tree by retention-plan.sh's generator (one definition), then put into the
# bucket `rp-<count>` under the prefix `backups/` (every object: manifest.json and artifact, so the listing is as long
# as a real one), not timed, in one of two ways (BENCH_S3_SEED):
#   direct (default)  writes s3rver's own folder layout (<key>._S3rver_object, ._S3rver_object.md5,
#                     ._S3rver_metadata.json) into its data folder: seconds for 100,000 backups;
#   sync              `aws s3 sync` of the tree through the S3 API: about 100 s per 10,000 backups on 2 shared cores.
# Either way the objects are then served by s3rver over HTTP like any upload; the run checks that prune outputs
# exactly COUNT decisions and list exactly COUNT backups. Timed, like retention-plan.sh: `prune --destination
# s3://rp-<count>/backups --s3-endpoint ... <policy> --what-if --json` (paginated listing of every key, every manifest
# read with one GET, plan, one decision per backup) and `list --json`. Credentials come from the environment
# (AWS_ACCESS_KEY_ID=S3RVER), as in production. Wall time median (best) and peak RSS of the backuptools process.
# s3rver walks its whole bucket folder for every listing page of 1,000 keys, so its own listing time grows with the
# square of the count: that is the server, not BackupTools (see docs/performance.md).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_dir=${BENCH_DIR:-/tmp/backuptools-bench}
repeat=${BENCH_REPEAT:-3}
databases=${BENCH_DATABASES:-4}
seed=${BENCH_S3_SEED:-direct}
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(10000 100000)

. "$repo/tests/bench/lib.sh"
require_tools python3 dotnet node aws
require_time
case $seed in direct|sync) ;; *) die "BENCH_S3_SEED must be direct or sync, not '$seed'" ;; esac

find_cli
export DOTNET_ROLL_FORWARD=Major DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# The generator and the timing helpers of retention-plan.sh (one definition each).
# BENCH_WARMUP=0 drops measure()'s untimed warm-up run (for 100,000 backups, where one run takes minutes).
warmup_filter=cat; [ "${BENCH_WARMUP:-1}" = 0 ] && warmup_filter="grep -v warm-up"
eval "$(sed -n '/^generate() {/,/^}/p; /^median() {/p; /^measure() {/,/^}/p' "$repo/tests/bench/retention-plan.sh" | $warmup_filter)"
for f in generate median measure; do declare -F "$f" >/dev/null || die "cannot load $f() from retention-plan.sh"; done

mkdir -p "$bench_dir"
# s3rver, started as in s3-backup.sh (its data kept here so an uploaded bucket is reused).
s3data=${BENCH_S3_DATA:-$bench_dir/s3rver-retention}
start_s3rver "$s3data"
trap 'kill $s3pid 2>/dev/null || true; wait $s3pid 2>/dev/null || true' EXIT
export AWS_MAX_ATTEMPTS=10

# Uploads the generated tree of COUNT backups into bucket rp-COUNT (skipped when already uploaded).
upload() {
    local src=$1 bucket=$2
    if aws --endpoint-url "$endpoint" s3api head-object --bucket "$bucket" --key uploaded >/dev/null 2>&1; then return 0; fi
    aws --endpoint-url "$endpoint" s3 mb "s3://$bucket" >/dev/null 2>&1 || true
    echo "Putting $src into s3://$bucket/backups ($seed, not timed) ..." >&2
    local t0=$SECONDS
    if [ "$seed" = sync ]; then
        aws --endpoint-url "$endpoint" s3 sync "$src" "s3://$bucket/backups" --exclude ".complete" --only-show-errors \
            || die "aws s3 sync into s3://$bucket failed"
    else
        python3 - "$src" "$s3data/$bucket/backups" <<'PY' || die "seeding s3rver's folder for $bucket failed"
import hashlib, json, os, sys
src, dst = sys.argv[1], sys.argv[2]
for root, dirs, files in os.walk(src):
    rel = os.path.relpath(root, src)
    out = os.path.normpath(os.path.join(dst, rel))
    os.makedirs(out, exist_ok=True)
    for name in files:
        if rel == "." and name == ".complete":
            continue
        with open(os.path.join(root, name), "rb") as f:
            data = f.read()
        base = os.path.join(out, name + "._S3rver_")
        with open(base + "object", "wb") as f:
            f.write(data)
        with open(base + "object.md5", "w") as f:
            f.write(hashlib.md5(data).hexdigest())
        ctype = "application/json" if name.endswith(".json") else "application/octet-stream"
        with open(base + "metadata.json", "w") as f:
            json.dump({"content-type": ctype}, f)
PY
    fi
    echo "  done in $((SECONDS - t0)) s" >&2
    aws --endpoint-url "$endpoint" s3api put-object --bucket "$bucket" --key uploaded >/dev/null
}

echo "BackupTools retention planning benchmark on S3 (s3rver): $repeat run(s) per count, $databases database(s); $(nproc) CPU(s); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
rows=()
for count in "${counts[@]}"; do
    src=$bench_dir/retention-$count-$databases
    generate "$src" "$count"
    bucket=rp-$count
    upload "$src" "$bucket"
    dest=s3://$bucket/backups
    read -r pm pb prss plines < <(measure prune --destination "$dest" --s3-endpoint "$endpoint" --keep-last 24 --keep-daily 14 \
        --keep-weekly 8 --keep-monthly 24 --keep-yearly 10 --keep-tag monthly-close --what-if --json)
    [ "$plines" -eq "$count" ] || die "expected $count decisions, got $plines"
    read -r lm lb lrss llines < <(measure list --destination "$dest" --s3-endpoint "$endpoint" --json)
    [ "$llines" -eq "$count" ] || die "expected $count listed backups, got $llines"
    rows+=("$(printf '%-8s | %-24s %-10s %-8s | %-24s %-10s' "$count" "$pm ($pb)" "$(awk -v k="$prss" 'BEGIN {printf "%.1f", k/1024}')" "$plines" \
        "$lm ($lb)" "$(awk -v k="$lrss" 'BEGIN {printf "%.1f", k/1024}')")")
    echo "${rows[-1]}" >&2
done
printf '%-8s | %-24s %-10s %-8s | %-24s %-10s\n' "backups" "prune --what-if wall s" "peak RSS" "decisions" "list wall s" "peak RSS"
printf '%-8s | %-24s %-10s %-8s | %-24s %-10s\n' "" "median (best)" "MiB" "" "median (best)" "MiB"
printf '%s\n' "${rows[@]}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
