#!/usr/bin/env bash
# Starts the web server, the task worker and the scheduler; stops all three together.
set -euo pipefail
HOST=${1:-127.0.0.1}
PORT=${2:-8000}
BIN=.venv/bin
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

$BIN/python manage.py db_worker --queue-name '*' &
pids+=($!)
$BIN/python manage.py crontask &
pids+=($!)
$BIN/gunicorn comptoir.wsgi:application --bind "$HOST:$PORT" --workers 2 --access-logfile - &
pids+=($!)

cat <<MSG

  Comptoir is running on http://$HOST:$PORT  (Ctrl-C stops everything)

  Demo logins (password: demo-password-2026)
    customer  claire.martin@exemple.fr     portal: http://$HOST:$PORT/
    customer  julien.roux@exemple.fr
    agent     agent@comptoir.localhost
    admin     admin@comptoir.localhost     admin:  http://$HOST:$PORT/admin/

MSG
wait -n "${pids[@]}"
