#!/usr/bin/env bash
# Stops the test server started by start.sh DIR (listener, PostgreSQL) and unmounts the chroot; DIR/root stays as
# the cache for the next start.
set -uo pipefail
dir=${1:?usage: stop.sh DIR}
[ -d "$dir" ] || exit 0
dir=$(cd "$dir" && pwd)
root=$dir/root
for pidfile in "$dir/listener.pid" "$dir/listener-auth.pid"; do
  if [ -f "$pidfile" ]; then
    kill "$(cat "$pidfile")" 2>/dev/null
    rm -f "$pidfile"
  fi
done
if [ -f "$root/pgdata/postmaster.pid" ]; then
  chroot "$root" su postgres -c "/usr/lib/postgresql/18/bin/pg_ctl -D /pgdata -m immediate -w stop" >/dev/null 2>&1
fi
for m in "$root/dev" "$root/proc"; do
  awk -v m="$m" '$2==m {found=1} END {exit !found}' /proc/mounts && umount -l "$m"
done
rm -f "$dir/uri" "$dir/uri-auth" "$dir/pgport"
exit 0
