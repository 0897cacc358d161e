#!/usr/bin/env bash
# `make run`: database, migrations, demo data, then API + worker + SMTP sink until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL=${DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/network}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
export SMTP_HOST=${SMTP_HOST:-127.0.0.1}
export SMTP_PORT=${SMTP_PORT:-8025}
PORT=${PORT:-8000}
export BASE_URL=${BASE_URL:-http://127.0.0.1:$PORT}
BIN=.venv/bin

$BIN/python scripts/ensure_database.py "$DATABASE_URL"
$BIN/network migrate
$BIN/network seed --demo

staff=$($BIN/network tokens create --email staff@citizenpowered.example)
wales=$($BIN/network tokens create --email partner@wales.example)
france=$($BIN/network tokens create --email partner@france.example)
PORTAL_PASSWORD=${PORTAL_PASSWORD:-demo-portal-password}
for email in staff@citizenpowered.example partner@wales.example partner@france.example \
  gwenllian.ellis@ynysmon.example; do
  printf '%s\n' "$PORTAL_PASSWORD" | $BIN/network users set-password --email "$email" >/dev/null
done

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "stopping..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

mkdir -p var/mail var/log
$BIN/network mailbox --port "$SMTP_PORT" --dir var/mail & pids+=($!)
$BIN/network worker > var/log/worker.log 2>&1 & pids+=($!)
$BIN/network serve --host 127.0.0.1 --port "$PORT" > var/log/api.log 2>&1 & pids+=($!)

for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done

cat <<TXT

  Network CRM is running (Ctrl-C stops everything).

  GraphiQL:   $BASE_URL/graphql
  Health:     $BASE_URL/healthz (alive), $BASE_URL/readyz (database, Redis, migrations)
  Mail sink:  smtp://$SMTP_HOST:$SMTP_PORT, messages saved in var/mail/
  Logs:       var/log/api.log, var/log/worker.log (JSON lines, README "Logs")

  Portal: $BASE_URL/portal/login
    liaison manager (staff)   staff@citizenpowered.example / $PORTAL_PASSWORD
    partner in Wales          partner@wales.example / $PORTAL_PASSWORD
    partner in France         partner@france.example / $PORTAL_PASSWORD
    member contact (My training) gwenllian.ellis@ynysmon.example / $PORTAL_PASSWORD

  Demo bearer tokens (send as 'Authorization: Bearer <token>'):
    staff (liaison manager)   $staff
    partner in Wales          $wales
    partner in France         $france

  Try:
    curl -s $BASE_URL/graphql -H 'Content-Type: application/json' \\
      -H "Authorization: Bearer $wales" \\
      -d '{"query":"{ viewer { email role partner { slug } } cohorts { edges { node { name currentStep } } } }"}'

TXT
wait -n "${pids[@]}" || true
