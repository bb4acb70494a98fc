#!/usr/bin/env bash
# Benchmark: `backuptools copy` of one backup from a folder to S3 (s3rver on 127.0.0.1) vs `aws s3 cp --recursive` of
# the same backup folder; and `backuptools copy` S3 -> Azure (Azurite), store to store, vs a download-then-upload of
# the same backup (`aws s3 cp --recursive` to a folder, then `backuptools copy` folder -> Azure). Prints the load
# average before and after: the figures are only comparable on an otherwise idle machine.
#
# Usage: tests/bench/copy.sh [SIZE_MB ...]          (default: 1024; the backup's artifact is SIZE_MB of random bytes)
#
# Environment: BACKUPTOOLS_CLI_DLL, BENCH_DIR, BENCH_REPEAT (default 3), BENCH_BT_ARGS (more flags for the local->S3
# copy, e.g. "--s3-concurrency 10" to match aws s3 cp's default of 10 requests at once).
# Needs: node + tests/tools/s3rver and tests/tools/azurite (npm ci), awscli, sqlite3, /usr/bin/time.
# The artifact is incompressible random data stored with --compression none, so both sides move the same bytes.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_dir=${BENCH_DIR:-/tmp/backuptools-bench}
repeat=${BENCH_REPEAT:-3}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1024)

. "$repo/tests/bench/lib.sh"
require_tools sqlite3 dotnet node aws python3
require_time
find_cli

mkdir -p "$bench_dir"
s3data=$bench_dir/s3rver-copy
rm -rf "$s3data"
start_s3rver "$s3data"
azjs=$repo/tests/tools/azurite/node_modules/azurite/dist/src/blob/main.js
[ -f "$azjs" ] || die "Azurite is not installed: npm ci --prefix tests/tools/azurite"
azport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
node "$azjs" --blobHost 127.0.0.1 --blobPort "$azport" --skipApiVersionCheck --inMemoryPersistence --silent >/dev/null 2>&1 &
azpid=$!
trap 'kill $s3pid $azpid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$s3data"' EXIT
export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$azport/devstoreaccount1;"
python3 - "$azport" <<'PY'
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/devstoreaccount1?comp=list", timeout=1)
    except urllib.error.HTTPError:
        break
    except Exception:
        time.sleep(0.2)
PY
aws --endpoint-url "$endpoint" s3 mb s3://bench >/dev/null

az_container() { # az_container NAME: creates a container in Azurite (Shared Key signed by hand; no az CLI here)
    python3 - "$azport" "$1" <<'PY'
import base64, hashlib, hmac, sys, urllib.request
from email.utils import formatdate
port, name = sys.argv[1], sys.argv[2]
account = "devstoreaccount1"
key = base64.b64decode("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==")
date, version = formatdate(usegmt=True), "2021-08-06"
string = "\n".join(["PUT", "", "", "", "", "", "", "", "", "", "", "", f"x-ms-date:{date}\nx-ms-version:{version}",
                    f"/{account}/{account}/{name}\nrestype:container"])
sig = base64.b64encode(hmac.new(key, string.encode(), hashlib.sha256).digest()).decode()
req = urllib.request.Request(f"http://127.0.0.1:{port}/{account}/{name}?restype=container", method="PUT", data=None,
                             headers={"x-ms-date": date, "x-ms-version": version, "Authorization": f"SharedKey {account}:{sig}"})
urllib.request.urlopen(req).read()
PY
}

wall() { /usr/bin/time -f '%e' -o "$1" "${@:2}" >/dev/null; cat "$1"; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "size_mb run aws_s3_cp_s bt_copy_local_to_s3_s ratio bt_copy_s3_to_azure_s download_then_upload_s ratio_azure"
for mb in "${sizes[@]}"; do
    src=$bench_dir/copy_src_${mb}
    rm -rf "$src"; mkdir -p "$src"
    db=$src/random.sqlite
    sqlite3 "$db" "CREATE TABLE b(x BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $mb) INSERT INTO b SELECT randomblob(1048000) FROM n;"
    location=$(dotnet "$cli" backup --source "$db" --destination "$src/backups" --compression none --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["Location"])')
    for ((r = 1; r <= repeat; r++)); do
        cat "$location"/* >/dev/null
        raw=$(wall "$bench_dir/t.raw" aws --endpoint-url "$endpoint" s3 cp --recursive --quiet "$location" "s3://bench/raw/$mb/$r/")
        bt=$(wall "$bench_dir/t.bt" dotnet "$cli" copy --path "$location" --destination "s3://bench/bt/$mb/$r" --s3-endpoint "$endpoint" ${BENCH_BT_ARGS:-})
        key=$(basename "$(dirname "$location")")/$(basename "$location")
        az_container "bench$r-$mb"
        az=$(wall "$bench_dir/t.az" dotnet "$cli" copy --path "s3://bench/bt/$mb/$r/$key" \
            --destination "az://bench$r-$mb" --s3-endpoint "$endpoint" 2>/dev/null || echo "n/a")
        # The baseline the store-to-store copy avoids: the whole backup downloaded to a folder, then uploaded.
        az_container "benchdl$r-$mb"
        rm -rf "$bench_dir/dl"
        dl=$(wall "$bench_dir/t.dl" aws --endpoint-url "$endpoint" s3 cp --recursive --quiet "s3://bench/bt/$mb/$r/$key" "$bench_dir/dl/$key")
        ul=$(wall "$bench_dir/t.ul" dotnet "$cli" copy --path "$bench_dir/dl/$key" --destination "az://benchdl$r-$mb" 2>/dev/null || echo "n/a")
        rm -rf "$bench_dir/dl"
        dlul=$(python3 -c "print(f'{$dl+$ul:.2f}')" 2>/dev/null || echo "n/a")
        echo "$mb $r $raw $bt $(python3 -c "print(f'{$bt/$raw:.2f}')") $az $dlul $(python3 -c "print(f'{$az/$dlul:.2f}')" 2>/dev/null || echo n/a)"
    done
    rm -rf "$src"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
