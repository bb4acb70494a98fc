#!/usr/bin/env bash
# Benchmark: BackupTools compression levels (gzip, zstd, none) with and without OpenPGP encryption, against the
# raw tools on the same bytes: gzip -6, zstd -3, gpg --symmetric (AES-256) and gzip -6 | gpg --symmetric.
#
# Usage: tests/bench/compression-encryption.sh [SIZE_MB]        (default: 500)
#
# Environment:
#   BACKUPTOOLS_CLI_DLL  path to backuptools.dll (default: the Release build; built when missing)
#   BENCH_DIR            work folder (default: /tmp/backuptools-bench, shared with sqlite-backup.sh so the
#                        generated database bench_<SIZE>mb.sqlite is reused; generated through that script
#                        when missing)
#   BENCH_REPEAT         rounds (default: 3); each round runs every method once, so twins see the same load;
#                        the table shows median and best wall time and median CPU time
#   BENCH_ONLY           a bash regex: run only the rows whose name matches (e.g. 'gzip 6|none')
#
# Prints a Markdown table (recorded in docs/performance.md): wall seconds, CPU seconds, throughput in MiB/s of
# plaintext, stored size and ratio (plaintext / stored), and for each encrypted run the share of the backup time
# that encryption costs (its wall time minus the same run without encryption, over its wall time).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_dir=${BENCH_DIR:-/tmp/backuptools-bench}
repeat=${BENCH_REPEAT:-3}
mb=${1:-500}

. "$repo/tests/bench/lib.sh"
require_tools sqlite3 gzip zstd gpg dotnet
require_time
[[ "$mb" =~ ^[0-9]+$ ]] || die "size '$mb' is not a number of MB"

find_cli

db="$bench_dir/bench_${mb}mb.sqlite"
if [ ! -f "$db" ]; then
    echo "Generating $db through sqlite-backup.sh..." >&2
    BENCH_DIR="$bench_dir" BENCH_REPEAT=1 "$repo/tests/bench/sqlite-backup.sh" "$mb" >/dev/null
fi
db_bytes=$(stat -c %s "$db")

work="$bench_dir/crypto-run"
rm -rf "$work"; mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
export GNUPGHOME="$work/gnupg"
mkdir -m 700 "$GNUPGHOME"
pass="$work/pass"; printf 'benchmark passphrase\n' >"$pass"; chmod 600 "$pass"
gpg --batch --pinentry-mode loopback --passphrase '' --quick-gen-key 'Bench <bench@example.invalid>' rsa3072 sign,cert never 2>/dev/null
fpr=$(gpg --list-keys --with-colons | awk -F: '/^fpr/ { print $10; exit }')
gpg --batch --pinentry-mode loopback --passphrase '' --quick-add-key "$fpr" rsa3072 encr never 2>/dev/null
gpg --armor --export "$fpr" >"$work/public.asc"

timed() { # timed LOG OUTPUT_FILE cmd...  (shell string) -> appends "wall cpu stored_bytes"
    local log=$1 out=$2; shift 2
    cat "$db" >/dev/null # warm page cache
    /usr/bin/time -f '%e %U %S' -o "$work/t" bash -c "$*" >/dev/null
    local bytes file=$out
    if [ "$out" = artifact ]; then # the CLI's artifact: the one file that is neither the sidecar nor the manifest
        file=$(find "$work/dest" -type f ! -name '*.sha256' ! -name 'manifest.json' | head -n 1)
        [ -n "$file" ] || die "the CLI wrote no artifact (command: $*)"
    fi
    bytes=$(stat -c %s "$file")
    awk -v b="$bytes" '{ printf "%s %.2f %s\n", $1, $2 + $3, b }' "$work/t" >>"$log"
}

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

declare -a names=() outs=() cmds=() logs=()
add() { # add NAME OUTPUT COMMAND
    if [ -n "${BENCH_ONLY:-}" ] && ! [[ "$1" =~ $BENCH_ONLY ]]; then return; fi
    names+=("$1"); outs+=("$2"); cmds+=("$3"); logs+=("$work/$(echo "$1" | tr -c 'a-zA-Z0-9' '_').log")
}

bt="dotnet '$cli' backup --source '$db' --temp-path '$work/tmp' --destination '$work/dest'"
art=artifact

add "gzip -6 (raw tool)"                    "$work/out.gz"   "gzip -6 -c '$db' > '$work/out.gz'"
add "zstd -3 (raw tool)"                    "$work/out.zst"  "zstd -3 -q -c '$db' > '$work/out.zst'"
add "gpg --symmetric AES256 (raw tool)"     "$work/out.gpg"  "gpg --batch --pinentry-mode loopback --passphrase-file '$pass' --cipher-algo AES256 --compress-algo none -c -o '$work/out.gpg' '$db'"
add "gzip -6 | gpg --symmetric (raw tools)" "$work/out.gpg"  "gzip -6 -c '$db' | gpg --batch --pinentry-mode loopback --passphrase-file '$pass' --cipher-algo AES256 --compress-algo none -c -o '$work/out.gpg'"
add "backuptools none"                      "$art" "$bt --compression none"
add "backuptools gzip 1"                    "$art" "$bt --compression gzip --compression-level 1"
add "backuptools gzip 6"                    "$art" "$bt --compression gzip --compression-level 6"
add "backuptools gzip 9"                    "$art" "$bt --compression gzip --compression-level 9"
add "backuptools zstd 1"                    "$art" "$bt --compression zstd --compression-level 1"
add "backuptools zstd 3"                    "$art" "$bt --compression zstd --compression-level 3"
add "backuptools zstd 9"                    "$art" "$bt --compression zstd --compression-level 9"
add "backuptools none + passphrase"         "$art" "$bt --compression none --passphrase-file '$pass'"
add "backuptools gzip 6 + passphrase"       "$art" "$bt --compression gzip --compression-level 6 --passphrase-file '$pass'"
add "backuptools gzip 6 + public key"       "$art" "$bt --compression gzip --compression-level 6 --recipient '$work/public.asc'"
add "backuptools zstd 3 + passphrase"       "$art" "$bt --compression zstd --compression-level 3 --passphrase-file '$pass'"

# Rounds: every method once per round, so a method and its encrypted twin see the same load.
for ((r = 1; r <= repeat; r++)); do
    for i in "${!names[@]}"; do
        echo "[$mb MB] round $r/$repeat: ${names[$i]}" >&2
        rm -rf "$work/dest" "$work/out"*; mkdir -p "$work/tmp"
        timed "${logs[$i]}" "${outs[$i]}" "${cmds[$i]}"
    done
done

declare -A wall=() cpu=()
echo
echo "Compression and encryption benchmark: $(basename "$db"), $((db_bytes / 1048576)) MiB, $repeat run(s) per row (median wall), $(nproc) CPU(s), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| method | wall s (median) | wall s (best) | CPU s | MiB/s (best) | stored MiB | ratio | encryption share (best wall) | encryption share (CPU) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for i in "${!names[@]}"; do
    name=${names[$i]}; log=${logs[$i]}
    w=$(awk '{ print $1 }' "$log" | median); c=$(awk '{ print $2 }' "$log" | median); s=$(awk '{ print $3 }' "$log" | median)
    best=$(awk '{ print $1 }' "$log" | sort -g | head -n 1)
    wall[$name]=$best; cpu[$name]=$c
    base=""; basecpu=""
    case "$name" in
        "backuptools none + passphrase") ref="backuptools none" ;;
        "backuptools gzip 6 + passphrase"|"backuptools gzip 6 + public key") ref="backuptools gzip 6" ;;
        "backuptools zstd 3 + passphrase") ref="backuptools zstd 3" ;;
        *) ref="" ;;
    esac
    if [ -n "$ref" ]; then base=${wall[$ref]}; basecpu=${cpu[$ref]}; fi
    awk -v n="$name" -v w="$w" -v b="$best" -v c="$c" -v s="$s" -v db="$db_bytes" -v base="$base" -v basecpu="$basecpu" 'BEGIN {
        share = (base == "") ? "" : sprintf("%.1f %%", 100 * (b - base) / b)
        cshare = (basecpu == "") ? "" : sprintf("%.1f %%", 100 * (c - basecpu) / c)
        printf "| %s | %.2f | %.2f | %.2f | %.0f | %.1f | %.2f | %s | %s |\n", n, w, b, c, db / 1048576 / b, s / 1048576, db / s, share, cshare }'
done
