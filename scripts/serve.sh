#!/usr/bin/env bash
# `make run`: the web server and one worker, on SQLite, until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
export QLVB_SECURE_COOKIES="${QLVB_SECURE_COOKIES:-0}"  # plain http on the laptop
.venv/bin/qlvb worker &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo "qlvb: http://127.0.0.1:8000  (tài khoản mẫu: xem README)"
.venv/bin/qlvb runserver --noreload 127.0.0.1:8000
