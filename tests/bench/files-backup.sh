#!/usr/bin/env bash
# Benchmark: a folder backup (files engine) against `tar -czf` + `sha256sum`, and an incremental after 1 % of the
# files changed against the full backup.
#
# Usage: tests/bench/files-backup.sh [SIZE_MB]        (default: 2000)
#
# Environment:
#   BACKUPTOOLS_CLI_DLL  path to backuptools.dll (default: the Release build; built when missing)
#   BENCH_DIR            work folder (default: /tmp/backuptools-bench; the generated tree files_<SIZE>mb is kept)
#   BENCH_REPEAT         rounds (default: 3); the table shows median and best wall time
#
# The tree: 90 % of the bytes in many small files (1-64 KiB; text-like, compressible), 10 % in a few large files
# (half random, half text), nested folders. Prints a Markdown table (recorded in docs/performance.md).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_dir=${BENCH_DIR:-/tmp/backuptools-bench}
repeat=${BENCH_REPEAT:-3}
mb=${1:-2000}

. "$repo/tests/bench/lib.sh"
require_tools tar gzip sha256sum python3 dotnet
require_time
[[ "$mb" =~ ^[0-9]+$ ]] || die "size '$mb' is not a number of MB"
find_cli

tree="$bench_dir/files_${mb}mb"
if [ ! -d "$tree" ]; then
    echo "Generating $tree..." >&2
    python3 - "$tree" "$mb" <<'PY'
import os, random, sys
root, mb = sys.argv[1], int(sys.argv[2])
rng = random.Random(19)
words = [("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10)))).encode() for _ in range(5000)]
def text(n):
    out = bytearray()
    while len(out) < n:
        out += b" ".join(rng.choice(words) for _ in range(64)) + b"\n"
    return bytes(out[:n])
total, small_budget = mb * 1024 * 1024, mb * 1024 * 1024 * 9 // 10
written, i = 0, 0
while written < small_budget:
    d = os.path.join(root, f"d{i // 500:03d}", f"s{(i // 50) % 10}")
    os.makedirs(d, exist_ok=True)
    n = rng.randint(1024, 64 * 1024)
    with open(os.path.join(d, f"f{i:06d}.txt"), "wb") as f: f.write(text(n))
    written += n; i += 1
big = os.path.join(root, "large"); os.makedirs(big, exist_ok=True)
for j in range(8):
    n = (total - small_budget) // 8
    with open(os.path.join(big, f"large{j}.bin"), "wb") as f:
        f.write(os.urandom(n) if j % 2 == 0 else text(n))
PY
fi
files=$(find "$tree" -type f | wc -l)
work="$bench_dir/files-run"
rm -rf "$work"; mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

# run NAME COMMAND...: one timed run; appends "NAME wall cpu" to $work/times
run() {
    local name=$1; shift
    /usr/bin/time -f "%e %U %S" -o "$work/t" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; die "$name failed"; }
    read -r wall user sys < "$work/t"
    echo "$name $wall $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')" >> "$work/times"
}

for r in $(seq "$repeat"); do
    rm -rf "$work/raw" "$work/dest"; mkdir -p "$work/raw"
    run raw bash -c "tar -czf '$work/raw/set.tar.gz' -C '$tree' . && sha256sum '$work/raw/set.tar.gz' > '$work/raw/set.tar.gz.sha256'"
    run full dotnet "$cli" backup --source "$tree" --destination "$work/dest" --database-name bench
    # 1 % of the files changed (appended to), then an incremental
    find "$tree" -type f -name '*.txt' | awk -v n="$files" 'NR % 100 == 0' | while read -r f; do echo "change $r" >> "$f"; done
    run incremental dotnet "$cli" backup --source "$tree" --destination "$work/dest" --database-name bench --type incremental
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
best() { sort -n | head -1; }
stat_of() { grep "^$1 " "$work/times" | awk -v c="$2" '{print $c}'; }
raw=$(stat_of raw 2 | median); full=$(stat_of full 2 | median); inc=$(stat_of incremental 2 | median)
echo "files backup benchmark: $mb MB in $files files; $repeat round(s); $(nproc) CPU(s); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| | wall s (median / best) | CPU s (median) | ratio |"
echo "| --- | --- | --- | --- |"
echo "| tar -czf + sha256sum | $raw / $(stat_of raw 2 | best) | $(stat_of raw 3 | median) | 1.00 |"
echo "| backuptools backup (full) | $full / $(stat_of full 2 | best) | $(stat_of full 3 | median) | $(ratio "$full" "$raw") x raw |"
echo "| backuptools backup --type incremental (1 % changed) | $inc / $(stat_of incremental 2 | best) | $(stat_of incremental 3 | median) | $(ratio "$inc" "$full") x full |"
