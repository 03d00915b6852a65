#!/usr/bin/env bash
# Load test (docs/benchmarks.md, "Load test"): gunicorn on PostgreSQL over a generated province,
# Locust's working morning (loadtest/locustfile.py) headless, bounded in time, loopback only.
#   DATABASE_URL  the generated database (qlvb generate --documents 1000000 ...), required
#   USERS (200) SPAWN_RATE (20) DURATION (60s) GUNICORN_WORKERS (5)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to a database filled by qlvb generate}"
USERS="${USERS:-200}" SPAWN_RATE="${SPAWN_RATE:-20}" DURATION="${DURATION:-60s}"
WORKERS="${GUNICORN_WORKERS:-5}"
export QLVB_DATA_DIR="${QLVB_DATA_DIR:-$PWD/data/loadtest}" QLVB_DB_CONN_MAX_AGE=60
# Plain HTTP on loopback: cookies without the Secure flag, else the client never sends them back.
export QLVB_SECURE_COOKIES=0
mkdir -p "$QLVB_DATA_DIR" data/loadtest
PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv/bin/gunicorn qlvb.wsgi --bind "127.0.0.1:$PORT" --workers "$WORKERS" --threads 2 --timeout 120 \
  --access-logfile /dev/null --error-logfile data/loadtest/gunicorn.log &
GUNICORN=$!
trap 'kill "$GUNICORN" 2>/dev/null; wait "$GUNICORN" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/tai-khoan/dang-nhap/" && break; sleep 1; done
.venv/bin/locust -f loadtest/locustfile.py --headless --host "http://127.0.0.1:$PORT" \
  -u "$USERS" -r "$SPAWN_RATE" -t "$DURATION" --only-summary --csv data/loadtest/result
