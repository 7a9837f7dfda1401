#!/usr/bin/env bash
# make logs SERVICE=NAME: follows one service's log (JSON lines) from the local stack.
set -euo pipefail
source "$(dirname "$0")/common.sh"
service=${1:-}
if [ -z "$service" ]; then
    echo "usage: make logs SERVICE=NAME, one of:"
    ls "$RUN/logs" 2>/dev/null | sed -n 's/\.log$//p' | sed 's/^/  /'
    exit 2
fi
case "$service" in psync-* | redis | postgres) ;; *) service="psync-$service" ;; esac
[ -f "$RUN/logs/$service.log" ] || { echo "no log for $service in .run/logs (is it one of: $(ls "$RUN/logs" | sed 's/\.log$//' | tr '\n' ' '))"; exit 2; }
exec tail -n 100 -F "$RUN/logs/$service.log"
