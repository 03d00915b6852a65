#!/usr/bin/env bash
# Runs a command with DATABASE_URL pointing at the local PostgreSQL, starting the server when it
# is installed but down. Says clearly when PostgreSQL is not available on this machine.
set -uo pipefail
PGURL="${QLVB_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/qlvb}"

if ! command -v pg_isready >/dev/null 2>&1 && ! ls /etc/postgresql >/dev/null 2>&1; then
  echo "================================================================================"
  echo "PostgreSQL is not installed on this machine: the PostgreSQL half of the suite did NOT run."
  echo "Install it (apt-get install postgresql) or set QLVB_TEST_POSTGRES_URL."
  echo "================================================================================"
  [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "qlvb: starting the local PostgreSQL server"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "PostgreSQL is installed but could not be started: the PostgreSQL half of the suite did NOT run." >&2
  exit 1
fi
DATABASE_URL="$PGURL" exec "$@"
