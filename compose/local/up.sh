#!/usr/bin/env bash
# make up: the whole system on this machine as plain processes, from nothing (or from what an
# earlier `make up` left: it reuses whatever is still there and running).
#
#   Redis (AOF on) and PostgreSQL under .run/, release builds of every executable, brokersim, the
#   services and one gateway per broker in $PSYNC_GATEWAYS; the CLI's config; a demo (a user, two
#   portfolios, five accounts, a schedule every 5 minutes) and a first sync.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

PACKAGES="pkg-config libhiredis-dev libpq-dev libcurl4-openssl-dev libssl-dev redis-server postgresql openssl curl jq"

build() {
    command -v swift >/dev/null || fail "Swift 6.3 is needed to build (https://www.swift.org/install/linux/)"
    say "building release binaries (the first build takes a few minutes)"
    swift build -c release --quiet
}

# Secrets are generated once, kept in files only we can read, and handed to the services as *_FILE paths.
make_secrets() {
    mkdir -p "$RUN/secrets" "$RUN/logs" "$RUN/pids"
    chmod 700 "$RUN/secrets"
    local name
    for name in postgres_password monitor_session_secret; do
        [ -s "$RUN/secrets/$name" ] || (umask 077 && openssl rand -hex 24 > "$RUN/secrets/$name")
    done
    make_tokens
    # Redis: one ACL user per service and per gateway broker, each with its own password file (compose/redis/users.acl).
    sh "$ROOT/compose/redis/acl.sh" "$REDIS_SECRETS" $PSYNC_GATEWAYS
    [ -s "$RUN/secrets/master_key" ] || (umask 077 && openssl rand -hex 32 > "$RUN/secrets/master_key")
    # psync-webhooks seals the webhook signing secrets with its own key; no other process reads it.
    [ -s "$RUN/secrets/webhooks_key" ] || (umask 077 && openssl rand -hex 32 > "$RUN/secrets/webhooks_key")
    (umask 077 && printf 'postgres://psync:%s@127.0.0.1:%s/psync\n' "$(cat "$RUN/secrets/postgres_password")" "$PSYNC_POSTGRES_PORT" \
        > "$RUN/secrets/postgres_url")
}

# One token per identity, each in its own file under $TOKENS (made once, 0600), and $TOKEN_HASHES, the hashes every
# service accepts (PSYNC_TOKENS_FILE), written anew each time from the token files. Each service gets only its own
# token (PSYNC_SERVICE_TOKEN_FILE); only the CLI's config holds the admin and read tokens. A gateway token is made
# for every broker in PSYNC_GATEWAYS and KNOWN_BROKERS. Rotating one: README.md ("Tokens and identities").
make_tokens() {
    mkdir -p "$TOKENS"
    chmod 700 "$TOKENS"
    # Installations from before one token per service keep their people's tokens; the shared service token goes.
    local person
    for person in admin read; do
        if [ ! -s "$TOKENS/$person" ] && [ -s "$RUN/secrets/${person}_token" ]; then
            mv "$RUN/secrets/${person}_token" "$TOKENS/$person"
        fi
        rm -f "$RUN/secrets/${person}_token"
    done
    rm -f "$RUN/secrets/service_token"
    local identities=() identity broker
    for identity in admin read scheduler dispatcher persistence monitor webhooks; do
        identities+=("$identity=$TOKENS/$identity")
    done
    # shellcheck disable=SC2086 # the broker lists are words
    for broker in $(printf '%s\n' $PSYNC_GATEWAYS $KNOWN_BROKERS | awk '!seen[$0]++'); do
        identities+=("gateway:$broker=$TOKENS/gateway-$broker")
    done
    sh "$ROOT/compose/tokens/tokens.sh" "$TOKEN_HASHES" "${identities[@]}" || fail "the tokens could not be made (above)"
}

# token_file NAME: the token file of the service started as NAME (psync-gateway-zerodha: gateway-ZERODHA); none for brokersim.
token_file() {
    case $1 in
        psync-brokersim) ;;
        psync-gateway-*) local broker=${1#psync-gateway-}; echo "$TOKENS/gateway-${broker^^}" ;;
        psync-*) echo "$TOKENS/${1#psync-}" ;;
    esac
}

start_redis() {
    mkdir -p "$RUN/redis"
    if alive "$RUN/pids/redis.pid" redis-server; then
        if redis-cli -p "$PSYNC_REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
            # An earlier make up started it without users: restart it with them (the append-only file keeps the data).
            say "restarting Redis with its ACL users"
            redis-cli -p "$PSYNC_REDIS_PORT" shutdown >/dev/null 2>&1 || true
            for _ in $(seq 1 50); do alive "$RUN/pids/redis.pid" redis-server || break; sleep 0.1; done
        else
            # Users of gateways added to PSYNC_GATEWAYS since it started.
            redis_cli acl load | grep -q OK || fail "Redis refused the ACL file $REDIS_SECRETS/users.acl"
            return
        fi
    fi
    say "starting Redis on 127.0.0.1:$PSYNC_REDIS_PORT (append-only file on, ACL users, default user off)"
    redis-server --port "$PSYNC_REDIS_PORT" --bind 127.0.0.1 --dir "$RUN/redis" --appendonly yes --appendfsync everysec \
        --daemonize yes --pidfile "$RUN/pids/redis.pid" --logfile "$RUN/logs/redis.log" --save "" --aclfile "$REDIS_SECRETS/users.acl"
    for _ in $(seq 1 50); do
        redis_cli ping | grep -q PONG && return
        sleep 0.1
    done
    fail "Redis did not start; see $RUN/logs/redis.log"
}

start_postgres() {
    local bin data="$RUN/postgres/data"
    bin=$(postgres_bin)
    mkdir -p "$RUN/postgres"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$RUN/postgres"
    if [ ! -s "$data/PG_VERSION" ]; then
        say "creating a PostgreSQL cluster in ${RUN#"$ROOT"/}/postgres"
        local pwfile="$RUN/postgres/.pw"
        (umask 077 && cat "$RUN/secrets/postgres_password" > "$pwfile")
        [ "$(id -u)" = 0 ] && chown postgres:postgres "$pwfile"
        as_postgres "$bin/initdb" -D "$data" -U psync --pwfile="$pwfile" -A scram-sha-256 -E UTF8 >"$RUN/logs/initdb.log" 2>&1 \
            || fail "initdb failed; see $RUN/logs/initdb.log"
        rm -f "$pwfile"
    fi
    if ! as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        say "starting PostgreSQL on 127.0.0.1:$PSYNC_POSTGRES_PORT"
        touch "$RUN/logs/postgres.log"
        [ "$(id -u)" = 0 ] && chown postgres:postgres "$RUN/logs/postgres.log"
        as_postgres "$bin/pg_ctl" -D "$data" -l "$RUN/logs/postgres.log" -w -t 60 \
            -o "-p $PSYNC_POSTGRES_PORT -c listen_addresses=127.0.0.1 -k $RUN/postgres" start >/dev/null \
            || fail "PostgreSQL did not start; see $RUN/logs/postgres.log"
    fi
    PGPASSWORD=$(cat "$RUN/secrets/postgres_password") psql -h 127.0.0.1 -p "$PSYNC_POSTGRES_PORT" -U psync -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'psync'" | grep -q 1 \
        || PGPASSWORD=$(cat "$RUN/secrets/postgres_password") psql -h 127.0.0.1 -p "$PSYNC_POSTGRES_PORT" -U psync -d postgres -qc \
            "CREATE DATABASE psync"
}

# The settings every service shares; secrets only as file paths.
common_environment() {
    export PSYNC_REDIS_URL="redis://127.0.0.1:$PSYNC_REDIS_PORT/0"
    # The tokens every service accepts, as hashes (brokersim too: its control routes take the admin token). A
    # person's token set in the calling shell would be accepted beside them, and a PSYNC_SERVICE_TOKEN would win over
    # each service's own file: none of them reaches a service.
    export PSYNC_TOKENS_FILE="$TOKEN_HASHES"
    unset PSYNC_ADMIN_TOKEN PSYNC_ADMIN_TOKEN_FILE PSYNC_READ_TOKEN PSYNC_READ_TOKEN_FILE PSYNC_SERVICE_TOKEN PSYNC_SERVICE_TOKEN_FILE
    export PSYNC_MASTER_KEY_FILE="$RUN/secrets/master_key"
    export PSYNC_MONITOR_SESSION_SECRET_FILE="$RUN/secrets/monitor_session_secret"
    export PSYNC_HTTP_HOST=127.0.0.1
    export PSYNC_LOG_FORMAT=json
    export PSYNC_PERSISTENCE_URL="http://127.0.0.1:$PSYNC_PERSISTENCE_PORT"
    export PSYNC_DISPATCHER_URL="http://127.0.0.1:$PSYNC_DISPATCHER_PORT"
    export PSYNC_SCHEDULER_URL="http://127.0.0.1:$PSYNC_SCHEDULER_PORT"
    export PSYNC_WEBHOOKS_URL="http://127.0.0.1:$PSYNC_WEBHOOKS_PORT"
    local brokersim="http://127.0.0.1:$PSYNC_BROKERSIM_PORT" broker variable
    for broker in SANDBOX ZERODHA ALPACA UPSTOX; do
        variable="PSYNC_${broker}_BASE_URL"
        export "$variable=${!variable:-$brokersim}"
    done
    export PSYNC_ALPACA_PAPER_BASE_URL="${PSYNC_ALPACA_PAPER_BASE_URL:-$brokersim/alpaca-paper}"
    # brokersim speaks Dhan under /dhan, so a DHAN gateway added to PSYNC_GATEWAYS never calls the real Dhan by default.
    export PSYNC_DHAN_BASE_URL="${PSYNC_DHAN_BASE_URL:-$brokersim/dhan}"
}

# start NAME PORT BINARY [ARGUMENTS…]: starts one service unless it already runs, logging to .run/logs/NAME.log.
start() {
    local name=$1 port=$2 binary=$3
    shift 3
    local pidfile="$RUN/pids/$name.pid" log="$RUN/logs/$name.log"
    if alive "$pidfile" "$binary"; then return; fi
    touch "$log"
    OFFSET[$name]=$(stat -c %s "$log")
    (
        export PSYNC_HTTP_PORT="$port"
        [ "$name" = psync-persistence ] && export PSYNC_POSTGRES_URL_FILE="$RUN/secrets/postgres_url"
        [ "$name" = psync-webhooks ] && export PSYNC_WEBHOOKS_KEY_FILE="$RUN/secrets/webhooks_key"
        # Each service presents its own token (a gateway its broker's) when it calls another; brokersim calls no one.
        local token
        token=$(token_file "$name")
        if [ -n "$token" ]; then
            [ -s "$token" ] || fail "$name has no token in $token (make_tokens makes it)"
            export PSYNC_SERVICE_TOKEN_FILE="$token"
        fi
        # Each service is its own Redis user (brokersim does not use Redis).
        if [ -s "$REDIS_SECRETS/$name" ]; then
            export PSYNC_REDIS_USER="$name" PSYNC_REDIS_PASSWORD_FILE="$REDIS_SECRETS/$name"
        fi
        nohup "$BIN/$binary" "$@" >>"$log" 2>&1 </dev/null &
        echo $! > "$pidfile"
    )
    STARTED="$STARTED $name"
}

# Waits until every service started just now has logged its ready line.
wait_ready() {
    local name deadline=$((SECONDS + 90))
    for name in $STARTED; do
        # Only what this start wrote counts: the log keeps earlier runs' lines.
        until tail -c "+$((OFFSET[$name] + 1))" "$RUN/logs/$name.log" | grep -q '"message":"ready"'; do
            alive "$RUN/pids/$name.pid" || fail "$name exited; see $RUN/logs/$name.log: $(tail -n 5 "$RUN/logs/$name.log")"
            [ $SECONDS -lt $deadline ] || fail "$name is not ready after 90 s; see $RUN/logs/$name.log"
            sleep 0.2
        done
    done
}

declare -A OFFSET
start_services() {
    common_environment
    STARTED=""
    start psync-brokersim "$PSYNC_BROKERSIM_PORT" psync-brokersim
    start psync-persistence "$PSYNC_PERSISTENCE_PORT" psync-persistence
    wait_ready
    [ -z "$STARTED" ] || say "started:$STARTED"
    STARTED=""
    start psync-dispatcher "$PSYNC_DISPATCHER_PORT" psync-dispatcher
    start psync-scheduler "$PSYNC_SCHEDULER_PORT" psync-scheduler
    start psync-monitor "$PSYNC_MONITOR_PORT" psync-monitor
    start psync-webhooks "$PSYNC_WEBHOOKS_PORT" psync-webhooks
    local broker
    for broker in $PSYNC_GATEWAYS; do
        # Gateways bind any free port and announce it in their heartbeat; the CLI finds them there.
        start "psync-gateway-${broker,,}" 0 psync-gateway --broker "$broker"
    done
    wait_ready
    [ -z "$STARTED" ] || say "started:$STARTED"
}

# The CLI's settings, shell-sourceable; also the CLI's config file unless the user has their own.
write_cli_config() {
    (umask 077 && cat > "$RUN/psync.env" <<CONFIG
# Written by make up: source it (. .run/psync.env) or let psync read it as its config file.
PSYNC_PERSISTENCE_URL=http://127.0.0.1:$PSYNC_PERSISTENCE_PORT
PSYNC_DISPATCHER_URL=http://127.0.0.1:$PSYNC_DISPATCHER_PORT
PSYNC_SCHEDULER_URL=http://127.0.0.1:$PSYNC_SCHEDULER_PORT
PSYNC_MONITOR_URL=http://127.0.0.1:$PSYNC_MONITOR_PORT
PSYNC_WEBHOOKS_URL=http://127.0.0.1:$PSYNC_WEBHOOKS_PORT
PSYNC_BROKERSIM_URL=http://127.0.0.1:$PSYNC_BROKERSIM_PORT
PSYNC_ADMIN_TOKEN=$(cat "$TOKENS/admin")
PSYNC_READ_TOKEN=$(cat "$TOKENS/read")
CONFIG
    )
    local config_dir="${XDG_CONFIG_HOME:-$HOME/.config}/psync"
    mkdir -p "$config_dir"
    if [ ! -e "$config_dir/config" ] || [ "$(readlink "$config_dir/config")" = "$RUN/psync.env" ]; then
        ln -sfn "$RUN/psync.env" "$config_dir/config"
    else
        echo "note: $config_dir/config is yours, so it was left alone; use 'PSYNC_CONFIG=$RUN/psync.env psync …'"
    fi
}

psync() { PSYNC_CONFIG="$RUN/psync.env" "$BIN/psync" "$@"; }

# The CLI finds gateways through their heartbeats (the monitor's registry): wait until each broker has one
# announcing its address (the first beat can come before the server has bound its port).
wait_for_gateways() {
    local broker deadline=$((SECONDS + 30))
    for broker in $PSYNC_GATEWAYS; do
        until psync workers --json 2>/dev/null | jq -e --arg broker "$broker" \
            'any(.[]; .heartbeat.service == "psync-gateway" and .heartbeat.broker == $broker and .state == "alive" and .heartbeat.rpcAddress != null)' >/dev/null; do
            [ $SECONDS -lt $deadline ] || fail "no $broker gateway heartbeat after 30 s; see $RUN/logs/psync-gateway-${broker,,}.log"
            sleep 0.2
        done
    done
}

# A user, two portfolios, five accounts (three SANDBOX, two in Kite's format, all served by brokersim),
# credentials sealed by the gateways, and a schedule every 5 minutes. Each piece is found by its name
# first and made only when missing, so an interrupted `make up` finishes the demo the next time.
seed_demo() {
    local email="demo@portfolio-sync.local" user long trading
    say "the demo: a user, two portfolios, five accounts, a schedule every 5 minutes (made where missing)"
    user=$(psync user list --json | jq -r --arg email "$email" 'first(.items[] | select(.email == $email) | .id) // empty')
    [ -n "$user" ] || user=$(psync user add --email "$email" --name "Demo User" --json | jq -r .id)
    long=$(demo_portfolio "$user" "Long term")
    trading=$(demo_portfolio "$user" "Trading")
    local index
    for index in 1 2 3; do
        demo_account "$long" SANDBOX "Sandbox $index" "{\"token\":\"demo-sandbox-$index\"}"
    done
    if [[ " $PSYNC_GATEWAYS " == *" ZERODHA "* ]]; then
        for index in 1 2; do
            demo_account "$trading" ZERODHA "Kite $index" "{\"api_key\":\"demokitekey\",\"access_token\":\"kite-demo-$index\"}"
        done
    fi
    psync schedule list --json | jq -e 'any(.items[]; .schedule.definition.name == "demo: every 5 minutes")' >/dev/null \
        || psync schedule add --name "demo: every 5 minutes" --every 5m --all --action holdings >/dev/null
}

# demo_portfolio USER NAME: the id of the user's portfolio of that name, made if missing.
demo_portfolio() {
    local id
    id=$(psync portfolio list --user "$1" --json | jq -r --arg name "$2" 'first(.items[] | select(.name == $name) | .id) // empty')
    [ -n "$id" ] || id=$(psync portfolio add --user "$1" --name "$2" --currency INR --json | jq -r .id)
    echo "$id"
}

# demo_account PORTFOLIO BROKER LABEL CREDENTIALS: the account, made if missing, with credentials if it has none.
demo_account() {
    local account
    account=$(psync account list --portfolio "$1" --json | jq -c --arg wanted "$3" 'first(.items[] | select(.label == $wanted)) // empty')
    [ -n "$account" ] || account=$(psync account add --portfolio "$1" --broker "$2" --label "$3" --json)
    if [ "$(jq -r .hasCredentials <<<"$account")" != true ]; then
        printf '%s' "$4" | psync credentials set "$(jq -r .id <<<"$account")" >/dev/null
    fi
}

show_demo() {
    say "a first sync"
    psync sync --all --wait || true
    local portfolio
    for portfolio in $(psync portfolio list --json | jq -r '[.items[] | select(.name == "Long term" or .name == "Trading")] | sort_by(.id) | .[].id'); do
        say "holdings of portfolio $portfolio"
        psync holdings --portfolio "$portfolio"
        psync totals --portfolio "$portfolio"
    done
}

main() {
    install_missing $PACKAGES
    build
    make_secrets
    start_redis
    start_postgres
    start_services
    write_cli_config
    wait_for_gateways
    seed_demo
    show_demo
    cat <<DONE

$(say "portfolio-sync is running")
  monitor      http://127.0.0.1:$PSYNC_MONITOR_PORT/
  login token  $(cat "$TOKENS/admin")   (admin; read-only: $(cat "$TOKENS/read"))
  CLI          export PATH="$BIN:\$PATH"; psync status   (settings: ${RUN#"$ROOT"/}/psync.env, also ~/.config/psync/config)
  logs         make logs SERVICE=psync-dispatcher   (all under .run/logs/)
  stop         make down   (keeps the data; make clean removes it)
DONE
}

# Sourcing the script (tests, debugging) defines the steps without running them.
[[ "${BASH_SOURCE[0]}" != "$0" ]] || main "$@"
