#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL cluster on loopback from Debian's binaries.
#
#   url=$(bash scripts/throwaway-postgres.sh start DIR)   # prints postgresql://tunedd@127.0.0.1:PORT/tunedd
#   bash scripts/throwaway-postgres.sh stop DIR
#
# Trust authentication on 127.0.0.1 only, fsync off: for tests and demos, never for data you keep.
# As root the server runs as the `postgres` system user (PostgreSQL refuses to run as root).
set -euo pipefail
action=${1:?start or stop}
dir=$(realpath -m "${2:?directory}")
bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)")
[ -x "$bin/initdb" ] || { echo "PostgreSQL binaries not found (apt-get install postgresql)" >&2; exit 1; }
as=()
[ "$(id -u)" = 0 ] && as=(runuser -u postgres --)

case "$action" in
  start)
    port=${PGPORT_THROWAWAY:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
    rm -rf "$dir" && mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    "${as[@]}" "$bin/initdb" -D "$dir/data" -U tunedd --auth=trust -E UTF8 --no-sync >/dev/null
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U tunedd tunedd
    echo "postgresql://tunedd@127.0.0.1:$port/tunedd"
    ;;
  stop)
    [ -d "$dir/data" ] && "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
