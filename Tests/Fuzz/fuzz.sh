#!/usr/bin/env bash
# make fuzz: schemathesis against every service's /openapi.json, with an admin token, a service's token and none.
#
# Starts a private local stack (its own Redis, PostgreSQL and services under a temporary folder, on
# the port block 7301-7399), installs schemathesis into .venv from PyPI, fetches each service's
# description and runs the generated requests with the checks: not_a_server_error (zero 5xx),
# status_code_conformance, content_type_conformance, and our error_envelope (hooks.py: every 4xx in
# our envelope). Crashes show up as connection failures and fail the run too.
#   FUZZ_EXAMPLES=N   examples per operation (default 30)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
export PSYNC_RUN_DIR=$(mktemp -d /tmp/psync-fuzz.XXXXXX)
chmod 755 "$PSYNC_RUN_DIR"
export PSYNC_REDIS_PORT=7379 PSYNC_POSTGRES_PORT=7332 PSYNC_SCHEDULER_PORT=7301 PSYNC_DISPATCHER_PORT=7302 \
    PSYNC_PERSISTENCE_PORT=7303 PSYNC_MONITOR_PORT=7304 PSYNC_BROKERSIM_PORT=7390 PSYNC_GATEWAYS="SANDBOX"
EXAMPLES=${FUZZ_EXAMPLES:-30}

source compose/local/up.sh
trap 'compose/local/down.sh >/dev/null 2>&1 || true; rm -rf "$PSYNC_RUN_DIR"' EXIT

if [ ! -x .venv/bin/schemathesis ]; then
    say "installing schemathesis into .venv (PyPI)"
    python3 -m venv .venv
    .venv/bin/pip install -q schemathesis
fi
make_secrets
start_redis
start_postgres
start_services
admin=$(cat "$TOKENS/admin")
gateway=$(grep -o '"http.address":"[^"]*"' "$RUN/logs/psync-gateway-sandbox.log" | tail -n 1 | cut -d'"' -f4)

declare -A urls=(
    [psync-persistence]="http://127.0.0.1:$PSYNC_PERSISTENCE_PORT" [psync-dispatcher]="http://127.0.0.1:$PSYNC_DISPATCHER_PORT"
    [psync-scheduler]="http://127.0.0.1:$PSYNC_SCHEDULER_PORT" [psync-monitor]="http://127.0.0.1:$PSYNC_MONITOR_PORT"
    [psync-gateway]="$gateway"
)
# The service token each one is fuzzed with: that of a service that calls it (each token opens only its own calls),
# or, for those no service calls, another's (every call then gets 403 in the envelope).
declare -A callers=(
    [psync-persistence]=gateway-SANDBOX [psync-dispatcher]=monitor [psync-scheduler]=monitor
    [psync-monitor]=scheduler [psync-gateway]=monitor
)
failed=""
summary=""
for service in psync-persistence psync-dispatcher psync-scheduler psync-monitor psync-gateway; do
    url=${urls[$service]}
    curl -fsS -H "Authorization: Bearer $admin" "$url/openapi.json" > "$RUN/$service.openapi.json"
    for who in admin service anonymous; do
        headers=()
        case $who in
            admin) headers=(--header "Authorization: Bearer $admin") ;;
            service) headers=(--header "Authorization: Bearer $(cat "$TOKENS/${callers[$service]}")") ;;
        esac
        say "schemathesis: $service ($who)"
        log="$RUN/$service-$who.fuzz.log"
        set +e
        SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$ROOT/Tests/Fuzz" .venv/bin/schemathesis run "$RUN/$service.openapi.json" --url "$url" \
            "${headers[@]}" --checks not_a_server_error,status_code_conformance,content_type_conformance,error_envelope \
            --max-examples "$([ $who = anonymous ] && echo 5 || echo "$EXAMPLES")" --warnings off --workers 1 --request-timeout 30 \
            --phases examples,coverage,fuzzing --suppress-health-check all --seed 1 --no-color >"$log" 2>&1
        status=$?
        set -e
        tail -n 6 "$log"
        summary="$summary$(printf '%-18s %-9s exit %s  %s' "$service" "$who" "$status" "$(grep -E 'test cases|passed|failed' "$log" | tail -n 1)")\n"
        if [ $status -ne 0 ]; then
            failed="$failed $service/$who"
            cp "$log" "$ROOT/.build/fuzz-$service-$who.log" 2>/dev/null || true
        fi
    done
done
# Every service must still be alive: a crash is a failure even if schemathesis missed it.
while IFS='|' read -r name pidfile binary; do
    alive "$pidfile" "$binary" || failed="$failed $name(crashed)"
done < <(services)
printf '\n%b' "$summary"
if [ -n "$failed" ]; then
    echo "make fuzz: FAILED:$failed (logs in .build/fuzz-*.log)"
    exit 1
fi
echo "make fuzz: zero 5xx, zero crashes, every 4xx in the error envelope"
