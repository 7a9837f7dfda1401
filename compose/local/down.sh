#!/usr/bin/env bash
# make down: stops what `make up` started, by the pids it recorded, and keeps every byte of data.
# Services get SIGTERM together and 10 s to drain before SIGKILL; Postgres a fast shutdown; Redis a SHUTDOWN
# that writes its append-only file.
set -euo pipefail
source "$(dirname "$0")/common.sh"

stopped=""
# stop_all "name|pid file|binary"…: SIGTERM to all at once, then up to 10 s for each to drain, then SIGKILL.
stop_all() {
    local line name pidfile binary pid deadline=$((SECONDS + 10))
    declare -A pids=()
    for line in "$@"; do
        IFS='|' read -r name pidfile binary <<<"$line"
        if alive "$pidfile" "$binary"; then
            pid=$(cat "$pidfile")
            kill -TERM "$pid" 2>/dev/null && pids[$name]=$pid
        fi
        rm -f "$pidfile"
    done
    for name in "${!pids[@]}"; do
        while kill -0 "${pids[$name]}" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
        if kill -0 "${pids[$name]}" 2>/dev/null; then
            echo "$name did not stop within 10 s of SIGTERM; killing it"
            kill -KILL "${pids[$name]}" 2>/dev/null || true
        fi
        stopped="$stopped $name"
    done
}

# Every service started (gateways included: they finish their in-flight jobs while draining).
PSYNC_GATEWAYS=$(ls "$RUN/pids" 2>/dev/null | sed -n 's/^psync-gateway-\(.*\)\.pid$/\1/p' | tr 'a-z' 'A-Z' | tr '\n' ' ')
mapfile -t all < <(services)
stop_all "${all[@]}"

if [ -s "$RUN/postgres/data/PG_VERSION" ]; then
    bin=$(postgres_bin)
    if as_postgres "$bin/pg_ctl" -D "$RUN/postgres/data" status >/dev/null 2>&1; then
        as_postgres "$bin/pg_ctl" -D "$RUN/postgres/data" -m fast -w stop >/dev/null
        stopped="$stopped postgres"
    fi
fi
if alive "$RUN/pids/redis.pid" redis-server; then
    redis_cli shutdown >/dev/null || true
    for _ in $(seq 1 50); do alive "$RUN/pids/redis.pid" redis-server || break; sleep 0.1; done
    # SIGTERM makes Redis write its append-only file too, when SHUTDOWN was refused.
    if alive "$RUN/pids/redis.pid" redis-server; then stop_all "redis|$RUN/pids/redis.pid|redis-server"; else stopped="$stopped redis"; fi
    rm -f "$RUN/pids/redis.pid"
fi

if [ -n "$stopped" ]; then echo "stopped:$stopped (data kept in .run/; make clean removes it)"; else echo "nothing was running"; fi
