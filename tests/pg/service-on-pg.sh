#!/bin/sh
# service-on-pg.sh - run the service's own test suites (tests/unit/service/test_*.c) on
# PostgreSQL instead of SQLite, without touching them: a copy of svc_test.h is patched so each
# test case gets a fresh schema of a throwaway cluster (pg_tmp.sh) as its database location,
# the copies are compiled and linked like the build links them, and run.
#
#   tests/pg/service-on-pg.sh BUILD_DIR [suite ...]     e.g. build-pg flow queue import
#
# A manual check (not a ctest test: the unit suites of tests/unit/store link only ktpel_store).
# Until svc_test.h has a hook of its own (an env variable naming the location), this is how the
# service is tested on PostgreSQL. Prints one line per suite; exit status 1 if any failed.
set -eu

src="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(cd "${1:?usage: service-on-pg.sh BUILD_DIR [suite ...]}" && pwd)"
shift
suites="${*:-}"
if [ -z "$suites" ]; then
  for f in "$src"/tests/unit/service/test_*.c; do
    n="$(basename "$f" .c)"
    suites="$suites ${n#test_}"
  done
fi

work="$(mktemp -d /tmp/ktpel-svcpg-XXXXXX)"
pgdir="$(mktemp -d /tmp/ktpel-pg-XXXXXX)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 55499)"
cleanup() {
  sh "$src/tests/pg/pg_tmp.sh" stop "$pgdir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
out="$(sh "$src/tests/pg/pg_tmp.sh" start "$pgdir" "$port" $$)" || { echo "$out"; exit 0; }
case "$out" in SKIP*) echo "$out"; exit 0 ;; esac

mkdir -p "$work/unit/service" "$work/run"
cp "$src"/tests/unit/service/*.c "$src"/tests/unit/service/svc_test.h "$work/unit/service/"
h="$work/unit/service/svc_test.h"
# The hook: a fresh schema per t_setup_dir(), the data folder where SQLite's would be.
grep -q 'snprintf(t_db, sizeof t_db, "%s/k.db", t_dir);' "$h" &&
  grep -q 'cfg.db_path = t_db;' "$h" && grep -q 'static char t_db\[128\];' "$h" || {
  echo "service-on-pg: svc_test.h changed; update the patch in $0" >&2
  exit 1
}
sed -i \
  -e 's|static char t_db\[128\];|static char t_db[256];|' \
  -e 's|snprintf(t_db, sizeof t_db, "%s/k.db", t_dir);|&\
    { static int pg_n; char pg_cmd[512]; snprintf(pg_cmd, sizeof pg_cmd, "sh '"$src"'/tests/pg/pg_tmp.sh createschema '"$pgdir"' '"$port"' s%d_%d", (int)getpid(), ++pg_n); if (system(pg_cmd) != 0) return -1; snprintf(t_db, sizeof t_db, "'"$out"'/ktpel?options=-csearch_path%%3Ds%d_%d", (int)getpid(), pg_n); }|' \
  -e 's|cfg.db_path = t_db;|&\
    static char pg_data[128]; snprintf(pg_data, sizeof pg_data, "%s/data", t_dir); cfg.data_dir = pg_data;|' "$h"

# The service derives some file paths from the database location (receipt.key beside it):
# give that relative folder a place in the run folder.
mkdir -p "$work/run/$(echo "$out" | sed 's|//|/|')"

failed=0
for s in $suites; do
  link="$build/tests/CMakeFiles/service_test_$s.dir/link.txt"
  if [ ! -f "$link" ]; then
    echo "$s: not built in $build (cmake --build $build --target service_test_$s)"
    failed=1
    continue
  fi
  obj="$work/test_$s.o"
  if ! cc -O1 -g -std=c17 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -I"$src/src" -I"$work" \
      -c "$work/unit/service/test_$s.c" -o "$obj" 2>"$work/cc_$s.log"; then
    echo "$s: does not compile (see below)"; head -5 "$work/cc_$s.log"; failed=1; continue
  fi
  cmd="$(sed -e "s|CMakeFiles/service_test_$s.dir/unit/service/test_$s.c.o|$obj|" \
              -e "s|-o service_test_$s|-o $work/t_$s|" "$link")"
  if ! (cd "$build/tests" && eval "$cmd") >"$work/ld_$s.log" 2>&1; then
    echo "$s: does not link against $build (rebuild it)"; failed=1; continue
  fi
  res="$(cd "$work/run" && KTPEL_SHARED="${KTPEL_SHARED:-$src/../shared}" KTPEL_SOURCE="$src" \
         timeout 300 "$work/t_$s" 2>&1 || true)"
  summary="$(echo "$res" | grep -E '^\[  (PASSED|FAILED)  \] [0-9]' | tr '\n' ' ')"
  echo "$s: $summary"
  echo "$res" | grep -E '^\[  FAILED  \] test_|^got |LINE' | sed 's/^/    /' | head -12
  echo "$res" | grep -q 'FAILED  \] [0-9]' && failed=1
  if echo "$res" | grep -qE 'Sanitizer|runtime error'; then
    echo "$res" | grep -E 'Sanitizer|runtime error' | sed 's/^/    /' | head -5
    failed=1
  fi
done
exit $failed
