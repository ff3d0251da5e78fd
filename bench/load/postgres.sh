#!/usr/bin/env bash
# A private PostgreSQL for load comparisons of dialog persistence (db_url postgres://…), on 127.0.0.1 only.
#
#   bench/load/postgres.sh start DIR PORT   initdb in DIR (if new), start on PORT, create user parley/secret and
#                                           database parley, create the dialog schema (parley db init); prints the URL
#   bench/load/postgres.sh stop DIR         stop it (by the postmaster's pid, fast shutdown)
#
# Runs the server as user postgres when started as root (PostgreSQL refuses root). Needs the Debian package postgresql.
set -euo pipefail
cmd=${1:?start or stop}; dir=${2:?data directory}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "postgres.sh: PostgreSQL not installed (apt-get install -y postgresql)" >&2; exit 1; }
as=(); [ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)
root=$(cd "$(dirname "$0")/../.." && pwd)

case "$cmd" in
  start)
    port=${3:?port}
    if [ ! -f "$dir/PG_VERSION" ]; then
      mkdir -p "$dir"; [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
      "${as[@]}" "$bin/initdb" -D "$dir" -U postgres --auth=trust >/dev/null
    fi
    "${as[@]}" "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
    psql=("${as[@]}" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qtA)
    "${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname='parley'" | grep -q 1 \
      || "${psql[@]}" -c "CREATE USER parley PASSWORD 'secret'"
    "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname='parley'" | grep -q 1 \
      || "${psql[@]}" -c "CREATE DATABASE parley OWNER parley"
    url="postgres://parley:secret@127.0.0.1:$port/parley"
    dotnet "$root/src/Parley.Server/bin/Release/net10.0/parley.dll" db init --db-url "$url" >&2
    echo "$url"
    ;;
  stop)
    "${as[@]}" "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    ;;
  *) echo "postgres.sh: start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
