#!/bin/sh
# pg_tmp.sh - a throwaway PostgreSQL cluster for tests (never for data anyone keeps).
#
#   pg_tmp.sh start DIR PORT [WATCH_PID]   initdb into DIR/data, start on 127.0.0.1:PORT with
#                                          the unix socket in DIR; prints the base location
#                                          postgres://USER@127.0.0.1:PORT (append /DBNAME)
#                                          and creates the database "ktpel" (C collation)
#   pg_tmp.sh createdb DIR PORT NAME       a fresh, empty database NAME (C collation)
#   pg_tmp.sh createschema DIR PORT NAME   a fresh, empty schema NAME in the database "ktpel"
#   pg_tmp.sh stop DIR                     stop the server (immediate) and remove DIR
#
# DIR must exist and be empty (mkdtemp). When running as root the server runs as the
# `postgres` OS user (PostgreSQL refuses root) through runuser, and DIR is given to it.
# WATCH_PID: a watchdog stops the server and removes DIR when that process ends without
# calling stop (a test that crashed), so no server outlives its test.
# Exit status 77 and a line "SKIP: <reason>" when the PostgreSQL binaries are absent.
set -eu

PGBIN="${KTPEL_PGBIN:-/usr/lib/postgresql/15/bin}"
cmd="${1:-}"
dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: pg_tmp.sh start|createdb|stop DIR ..." >&2; exit 2; }

if [ "$(id -u)" -eq 0 ]; then
  PGUSER_OS=postgres
  as_pg() { runuser -u postgres -- "$@"; }
else
  PGUSER_OS="$(id -un)"
  as_pg() { "$@"; }
fi

# sql_in PORT DB SQL: one statement through the unix socket in DIR.
sql_in() {
  psql="$PGBIN/psql"
  [ -x "$psql" ] || psql=psql
  as_pg "$psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$1" -U "$PGUSER_OS" -d "$2" -c "$3" >/dev/null
}

case "$cmd" in
start)
  port="${3:?port}"
  watch="${4:-}"
  for b in initdb pg_ctl postgres; do
    if [ ! -x "$PGBIN/$b" ]; then
      echo "SKIP: PostgreSQL server binaries not found ($PGBIN/$b)"
      exit 77
    fi
  done
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "SKIP: no postgres OS user to run the server"; exit 77; }
    command -v runuser >/dev/null 2>&1 || { echo "SKIP: runuser not found"; exit 77; }
    chown postgres "$dir"
  fi
  # trust on loopback only: the cluster lives for one test run in a private folder.
  as_pg "$PGBIN/initdb" -D "$dir/data" -U "$PGUSER_OS" -A trust -E UTF8 --locale=C \
    --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  # fsync off: a throwaway cluster; durability is the production server's setting.
  as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=40" \
    start >/dev/null 2>&1 || { cat "$dir/server.log" >&2; exit 1; }
  if [ -n "$watch" ]; then
    # Detached: the watchdog ends with the server once WATCH_PID is gone.
    (
      trap '' HUP
      while kill -0 "$watch" 2>/dev/null && [ -d "$dir/data" ]; do sleep 1; done
      if [ -d "$dir/data" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
        rm -rf "$dir"
      fi
    ) </dev/null >/dev/null 2>&1 &
    echo $! >"$dir/watchdog.pid"
  fi
  sql_in "$port" postgres "CREATE DATABASE ktpel TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
  echo "postgres://$PGUSER_OS@127.0.0.1:$port"
  ;;
createdb)
  sql_in "${3:?port}" postgres \
    "CREATE DATABASE \"${4:?name}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
  ;;
createschema)
  sql_in "${3:?port}" ktpel "CREATE SCHEMA \"${4:?name}\""
  ;;
stop)
  if [ -d "$dir/data" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ -f "$dir/watchdog.pid" ]; then
    kill "$(cat "$dir/watchdog.pid")" 2>/dev/null || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "pg_tmp.sh: unknown command $cmd" >&2
  exit 2
  ;;
esac
