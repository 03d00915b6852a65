#!/usr/bin/env bash
# Load test (docs/benchmarks.md, "Load test"): gunicorn on PostgreSQL over a generated province,
# Locust's working morning (loadtest/locustfile.py) headless, bounded in time, loopback only.
#   DATABASE_URL   the generated database (qlvb generate --documents 1000000 ...), required
#   QLVB_DATA_DIR  the data folder the generator wrote the attachments into (and its secret key)
#   USERS (200) SPAWN_RATE (10) DURATION (120s, after every person has signed in)
#   THINK ("0.2,0.8" seconds between clicks) GUNICORN_WORKERS (3) GUNICORN_THREADS (4)
# Statistics are reset once every person has signed in: the figures are the steady morning; the
# sign-ins (argon2, once per person) are printed on their own.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to a database filled by qlvb generate}"
USERS="${USERS:-200}" SPAWN_RATE="${SPAWN_RATE:-10}" DURATION="${DURATION:-120s}"
WORKERS="${GUNICORN_WORKERS:-3}" THREADS="${GUNICORN_THREADS:-4}"
export QLVB_DATA_DIR="${QLVB_DATA_DIR:-$PWD/data/loadtest}" QLVB_DB_CONN_MAX_AGE=60 THINK
# Plain HTTP on loopback: cookies without the Secure flag, else the client never sends them back.
export QLVB_SECURE_COOKIES=0
OUT="${LOADTEST_OUT:-$PWD/data/loadtest}"
mkdir -p "$QLVB_DATA_DIR" "$OUT"
# The total run: every person spawned (USERS / SPAWN_RATE seconds and their sign-ins), then the
# measured DURATION.
RAMP=$(( (USERS + SPAWN_RATE - 1) / SPAWN_RATE ))
SECONDS_MEASURED=$(.venv/bin/python -c "
import re, sys; m = re.fullmatch(r'(\d+)([smh]?)', sys.argv[1]); print(int(m[1]) * {'': 1, 's': 1, 'm': 60, 'h': 3600}[m[2]])
" "$DURATION")
PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv/bin/gunicorn qlvb.wsgi --bind "127.0.0.1:$PORT" --workers "$WORKERS" --threads "$THREADS" \
  --worker-class gthread --timeout 120 --backlog 2048 \
  --access-logfile /dev/null --error-logfile "$OUT/gunicorn.log" &
GUNICORN=$!
trap 'kill "$GUNICORN" 2>/dev/null; wait "$GUNICORN" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/tai-khoan/dang-nhap/" && break; sleep 1; done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
.venv/bin/locust -f loadtest/locustfile.py --headless --host "http://127.0.0.1:$PORT" \
  -u "$USERS" -r "$SPAWN_RATE" -t "$((RAMP + SECONDS_MEASURED))s" --reset-stats \
  --only-summary --csv "$OUT/result"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
