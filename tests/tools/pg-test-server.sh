#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1 for the Pester suite (the xunit suites start their own through PgCluster).
#   pg-test-server.sh start DIR   initdb in DIR (as the postgres user when run as root: initdb and postgres refuse root),
#                                 SCRAM password auth, a free port; prints the superuser URI (password included) to use
#                                 as BACKUPTOOLS_TEST_PG
#   pg-test-server.sh stop DIR    stops it and removes DIR
set -euo pipefail
cmd=${1:?start|stop}
root=${2:?folder}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin" >&2; exit 2; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$cmd" in
  start)
    mkdir -p "$root"; chmod 755 "$root"
    password="pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    printf '%s\n' "$password" > "$root/pwfile"
    [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$root"
    as_pg "$bin/initdb" -D "$root/data" -U bt_admin --pwfile "$root/pwfile" -A scram-sha-256 -E UTF8 --locale C.UTF-8 --no-sync >/dev/null
    rm -f "$root/pwfile"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_pg "$bin/pg_ctl" -D "$root/data" -l "$root/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$root -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
      start >/dev/null
    echo "postgresql://bt_admin:$password@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -d "$root/data" ] && as_pg "$bin/pg_ctl" -D "$root/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$root"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
