#!/usr/bin/env bash
# make load: 50 editors and 5 reviewers for 60 s against the production server (gunicorn) on
# 127.0.0.1, on SQLite and then on PostgreSQL; prints the figures and checks for lost writes.
# Usage: scripts/load/run.sh [sqlite] [postgres]
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.venv/bin
USERS=${KOJO_LOAD_USERS:-55}        # 50 editors + 5 reviewers (fixed counts in the locustfile)
SPAWN_RATE=${KOJO_LOAD_SPAWN_RATE:-5}
RUN_TIME=${KOJO_LOAD_SECONDS:-60}
PORT=${KOJO_LOAD_PORT:-8765}
status=0
# Each run's p95 targets, printed together at the end.
SUMMARY=$(mktemp /tmp/kojo-load-summary.XXXXXX)
export KOJO_LOAD_SUMMARY=$SUMMARY

run_one() {
  local db=$1 work
  work=$(mktemp -d /tmp/kojo-load.XXXXXX)
  export DJANGO_DEBUG=false DJANGO_HTTPS=false DJANGO_ALLOWED_HOSTS=127.0.0.1
  DJANGO_SECRET_KEY=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(50))')
  export DJANGO_SECRET_KEY
  if [[ $db == postgres ]]; then
    dropdb -h 127.0.0.1 -U postgres --if-exists kojo_load
    createdb -h 127.0.0.1 -U postgres kojo_load
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/kojo_load
  else
    export DATABASE_URL="sqlite:///$work/db.sqlite3"
  fi
  "$BIN/python" scripts/load/machine.py "before the $db run"
  "$BIN/python" scripts/load/prepare.py --accounts "$work/accounts.json"
  "$BIN/python" manage.py collectstatic --noinput --verbosity 0
  KOJO_BIND=127.0.0.1:$PORT KOJO_ACCESS_LOG="$work/access.log" \
    "$BIN/gunicorn" --config gunicorn.conf.py kojo_shishin.wsgi > "$work/server.log" 2>&1 &
  local server=$!
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/accounts/login/" && break; sleep 0.2; done
  # Statistics restart once every user has signed in and the run ends RUN_TIME seconds later
  # (see the locustfile); -t is only a safety net.
  KOJO_LOAD_ACCOUNTS="$work/accounts.json" KOJO_LOAD_SAVED="$work/saved.json" \
    "$BIN/locust" -f scripts/load/locustfile.py --headless --only-summary \
      -u "$USERS" -r "$SPAWN_RATE" -t "$((RUN_TIME + 180))s" \
      --host "http://127.0.0.1:$PORT" --csv "$work/stats" > "$work/locust.log" 2>&1 || true
  kill "$server"; wait "$server" || true
  cat "$work/server.log" "$work/access.log" > "$work/all-server.log"
  "$BIN/python" scripts/load/verify.py --label "$db ($(nproc) cores, ${RUN_TIME} s, $USERS users)" \
    --stats "$work/stats_stats.csv" --saved "$work/saved.json" --server-log "$work/server.log" || status=1
  echo "(files: $work)"
}

for db in "${@:-sqlite postgres}"; do
  for one in $db; do run_one "$one"; done
done
echo
echo "## Targets"
cat "$SUMMARY"
"$BIN/python" scripts/load/machine.py "after the runs"
rm -f "$SUMMARY"
exit $status
