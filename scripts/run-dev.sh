#!/usr/bin/env bash
# The demo portal on the embedded defaults (SQLite, kombu's filesystem broker): the web
# server, one Celery worker and Celery beat. Ctrl-C (or any of them exiting) stops all three.
set -uo pipefail
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
export DEBUG=${DEBUG:-1}

pids=()
stop() {
  trap - INT TERM EXIT
  kill "${pids[@]}" 2>/dev/null
  wait 2>/dev/null
  echo "Stopped web, worker and beat."
}
trap stop INT TERM EXIT

"$PY" -m celery -A gridsafety worker --loglevel=WARNING --pool=solo & pids+=($!)
"$PY" -m celery -A gridsafety beat --loglevel=WARNING & pids+=($!)
"$PY" manage.py runserver --noreload "$HOST:$PORT" & pids+=($!)

cat <<BANNER

  GridSafety is running at  http://$HOST:$PORT/
  Demo logins (password: gridsafety-demo, demo only):
    admin      school admin (safety office)      principal  level 1, the whole school
    manager    level-2 leader (teaching)         office     level-3 office head (general affairs)
    teacher    class teacher, level 4            guard      security guard at the gate, level 4
    villager   outside grid member (village)     donghu_principal, donghu_teacher  a second school
    bureau     county education bureau staff: both schools' figures side by side
  Ctrl-C stops the web server, the worker and beat.

BANNER

wait -n
