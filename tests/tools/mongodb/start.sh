#!/usr/bin/env bash
# A MongoDB-compatible test server: Microsoft DocumentDB (PostgreSQL 18 + postgresql-18-documentdb) in a Debian sid
# chroot, reached through the wire-protocol listener in Listener/ (framing, handshake and error codes only).
#   start.sh DIR   builds the chroot in DIR/root when missing (DIR caches it: ~1 GB, ~2 minutes the first time),
#                  starts PostgreSQL on a free port inside it and the listener on another free port, and prints
#                  mongodb://127.0.0.1:PORT/?directConnection=true
#                  DIR/trace.bson records every command passed to DocumentDB (the pass-through test reads it);
#                  a second listener with --auth (commands only after SCRAM-SHA-256 authentication as a PostgreSQL
#                  role, as mongod with authorization on) writes its URI to DIR/uri-auth; DIR/pgport is PostgreSQL's
#   stop.sh DIR    stops both and unmounts
# Needs root (debootstrap, chroot, mount). Everything listens on 127.0.0.1 only.
set -euo pipefail
dir=${1:?usage: start.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
root=$dir/root
log() { echo "mongodb test server: $*" >&2; }
[ "$(id -u)" -eq 0 ] || { log "needs root (debootstrap, chroot, mount)"; exit 2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mounted() { awk -v m="$1" '$2==m {found=1} END {exit !found}' /proc/mounts; }
mount_chroot() {
  mounted "$root/proc" || mount -t proc proc "$root/proc"
  mounted "$root/dev" || mount --bind /dev "$root/dev"
}

build_chroot() {
  command -v debootstrap >/dev/null 2>&1 || {
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq debootstrap >/dev/null
  }
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
  rm -rf "$root.partial"
  log "debootstrap sid from $mirror into $root (first run only)"
  debootstrap --variant=minbase sid "$root.partial" "$mirror" >"$dir/debootstrap.log" 2>&1 || {
    tail -20 "$dir/debootstrap.log" >&2; exit 1; }
  printf '#!/bin/sh\nexit 101\n' > "$root.partial/usr/sbin/policy-rc.d"; chmod +x "$root.partial/usr/sbin/policy-rc.d"
  # A throwaway test server: dpkg need not fsync every file it unpacks (much faster on a busy disk).
  echo force-unsafe-io > "$root.partial/etc/dpkg/dpkg.cfg.d/backuptools-unsafe-io"
  mv "$root.partial" "$root"
  mount_chroot
  # The mirror's sid Release file may be past its Valid-Until date.
  chroot "$root" apt-get -o Acquire::Check-Valid-Until=false update -qq >"$dir/apt.log" 2>&1 || { tail -20 "$dir/apt.log" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y -qq --no-install-recommends postgresql-18-documentdb \
    >>"$dir/apt.log" 2>&1 || { tail -20 "$dir/apt.log" >&2; exit 1; }
  touch "$root/.backuptools-ready"
}

build_listener() {
  # Rebuilt when its sources are newer than the build (dotnet build is incremental anyway).
  dotnet build "$here/Listener/Listener.csproj" -c Release -nologo -v quiet -o "$dir/listener" >"$dir/listener-build.log" 2>&1 || {
    tail -30 "$dir/listener-build.log" >&2; exit 1; }
}

[ -f "$root/.backuptools-ready" ] || build_chroot
mount_chroot
[ -f "$dir/listener.pid" ] && kill -0 "$(cat "$dir/listener.pid")" 2>/dev/null && { log "already running ($dir)"; cat "$dir/uri"; exit 0; }
build_listener

pgbin=/usr/lib/postgresql/18/bin
pgport=$(free_port)
rm -rf "$root/pgdata"
mkdir -m 700 "$root/pgdata"
chroot "$root" chown postgres:postgres /pgdata
chroot "$root" su postgres -c "$pgbin/initdb -D /pgdata -A trust -U postgres --no-sync" >"$dir/initdb.log" 2>&1 || {
  tail -20 "$dir/initdb.log" >&2; exit 1; }
cat >> "$root/pgdata/postgresql.conf" <<X
listen_addresses = '127.0.0.1'
port = $pgport
unix_socket_directories = '/tmp'
shared_preload_libraries = 'pg_cron,pg_documentdb_core,pg_documentdb'
cron.database_name = 'postgres'
fsync = off
full_page_writes = off
synchronous_commit = off
X
chroot "$root" su postgres -c "$pgbin/pg_ctl -D /pgdata -l /pgdata/log.txt -w -t 60 start" >/dev/null
echo "$pgport" > "$dir/pgport"
chroot "$root" su postgres -c "psql -q -h 127.0.0.1 -p $pgport -U postgres -c 'CREATE EXTENSION documentdb CASCADE'" >/dev/null

# start_listener NAME ARGS...: a listener on a free port; its pid in DIR/NAME.pid, its URI in DIR/uri(-auth)
start_listener() {
  local name=$1; shift
  local port; port=$(free_port)
  nohup dotnet "$dir/listener/Listener.dll" --listen "127.0.0.1:$port" \
    --postgres "Host=127.0.0.1;Port=$pgport;Username=postgres;Database=postgres" "$@" >"$dir/$name.log" 2>&1 &
  echo $! > "$dir/$name.pid"
  for _ in $(seq 1 100); do
    grep -q '^listening' "$dir/$name.log" 2>/dev/null && break
    kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null || { cat "$dir/$name.log" >&2; exit 1; }
    sleep 0.1
  done
  grep -q '^listening' "$dir/$name.log" || { log "$name did not start"; cat "$dir/$name.log" >&2; exit 1; }
  listener_uri="mongodb://127.0.0.1:$port/?directConnection=true"
}

rm -f "$dir/trace.bson"
# shellcheck disable=SC2086 # the extra arguments are words
start_listener listener --trace "$dir/trace.bson" ${BACKUPTOOLS_MONGO_LISTENER_ARGS:-}
uri=$listener_uri
start_listener listener-auth --auth
echo "$listener_uri" > "$dir/uri-auth"
echo "$uri" | tee "$dir/uri"
