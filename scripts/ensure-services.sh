#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on 127.0.0.1; start local servers if they are
# installed but stopped. Assumes no more than the server binaries.
set -euo pipefail
cd "$(dirname "$0")/.."

PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}

pg_up() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$PGHOST" -p "$PGPORT"
  else
    (exec 3<>"/dev/tcp/$PGHOST/$PGPORT") 2>/dev/null
  fi
}

redis_up() {
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null
  fi
}

wait_for() {  # wait_for <check> <name>
  for _ in $(seq 1 50); do "$1" && return 0; sleep 0.2; done
  echo "error: $2 did not come up on 127.0.0.1" >&2
  return 1
}

if ! pg_up; then
  echo "PostgreSQL is not answering on $PGHOST:$PGPORT; trying to start it" >&2
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
    version=$(ls /etc/postgresql | sort -V | tail -1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  else
    initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 || true)
    [ -n "$initdb" ] || initdb=$(command -v initdb || true)
    if [ -z "$initdb" ]; then
      echo "error: no PostgreSQL server is installed here." >&2
      echo "       Install PostgreSQL 15+ or run 'docker compose up -d postgres redis mailbox'." >&2
      exit 1
    fi
    bindir=$(dirname "$initdb")
    datadir="$PWD/var/postgres"
    if [ ! -f "$datadir/PG_VERSION" ]; then
      mkdir -p "$datadir"
      runas=""
      if [ "$(id -u)" = 0 ]; then chown -R postgres "$datadir" 2>/dev/null && runas="postgres"; fi
      ${runas:+su $runas -c} "$bindir/initdb -D $datadir -U postgres --auth=trust -E UTF8" >/dev/null
    fi
    if [ "$(id -u)" = 0 ]; then
      su postgres -c "$bindir/pg_ctl -D $datadir -o '-p $PGPORT -k /tmp' -l $datadir/log start" >/dev/null
    else
      "$bindir/pg_ctl" -D "$datadir" -o "-p $PGPORT -k /tmp" -l "$datadir/log" start >/dev/null
    fi
  fi
  wait_for pg_up PostgreSQL
fi

if ! redis_up; then
  echo "Redis is not answering on 127.0.0.1:$REDIS_PORT; trying to start it" >&2
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "error: no Redis server is installed here." >&2
    echo "       Install Redis 7 or run 'docker compose up -d postgres redis mailbox'." >&2
    exit 1
  fi
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no >/dev/null
  wait_for redis_up Redis
fi
echo "PostgreSQL and Redis are up"
