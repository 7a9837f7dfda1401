# Shared by the local-stack scripts (sourced): where things live, which ports, how to tell what runs.
# Everything the local stack writes is under .run/ (git-ignored): data, logs, pids, secrets, the CLI's config.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUN="${PSYNC_RUN_DIR:-$ROOT/.run}"
BIN="$ROOT/.build/release"

# The port block (override any of them from the environment).
: "${PSYNC_REDIS_PORT:=7179}"
: "${PSYNC_POSTGRES_PORT:=7132}"
: "${PSYNC_SCHEDULER_PORT:=7101}"
: "${PSYNC_DISPATCHER_PORT:=7102}"
: "${PSYNC_PERSISTENCE_PORT:=7103}"
: "${PSYNC_MONITOR_PORT:=7104}"
: "${PSYNC_WEBHOOKS_PORT:=7105}"
: "${PSYNC_BROKERSIM_PORT:=7190}"
# One gateway per broker in use; ZERODHA talks to brokersim unless PSYNC_ZERODHA_BASE_URL says otherwise.
: "${PSYNC_GATEWAYS:=SANDBOX ZERODHA}"

# Redis users and their password files (compose/redis/users.acl renders into this folder).
REDIS_SECRETS="$RUN/secrets/redis"
# One bearer token per identity (admin, read, each service, gateway-<BROKER> per broker), and the hashes every
# service accepts (compose/tokens/tokens.sh writes both).
TOKENS="$RUN/secrets/tokens"
TOKEN_HASHES="$RUN/secrets/tokens.sha256"
# Brokers whose gateway token is made even when PSYNC_GATEWAYS leaves them out, so a gateway added later finds one.
KNOWN_BROKERS="SANDBOX ZERODHA ALPACA UPSTOX DHAN"

# redis_cli ARGUMENTS…: redis-cli as the operator user; the password goes in on standard input, never in argv.
redis_cli() {
    if [ -s "$REDIS_SECRETS/psync-admin" ]; then
        redis-cli -p "$PSYNC_REDIS_PORT" --user psync-admin --askpass "$@" < "$REDIS_SECRETS/psync-admin" 2>/dev/null
    else
        redis-cli -p "$PSYNC_REDIS_PORT" "$@" 2>/dev/null
    fi
}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf 'make up: %s\n' "$*" >&2; exit 1; }

# install_missing PACKAGE…: installs, with apt-get, those of the Debian packages that are not installed.
install_missing() {
    local missing="" package sudo=""
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $package"
    done
    [ -z "$missing" ] && return
    [ "$(id -u)" = 0 ] || sudo=sudo
    say "installing:$missing"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
}

# Whether the process recorded in pid file $1 is alive and is the program $2.
alive() {
    local pid
    [ -f "$1" ] || return 1
    pid=$(cat "$1")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    [ -z "${2:-}" ] || tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2"
}

# Runs a command as the postgres user when we are root (initdb and postgres refuse root).
as_postgres() {
    if [ "$(id -u)" = 0 ]; then setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; else "$@"; fi
}

postgres_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && { echo "$dir"; return; }
    done
    fail "PostgreSQL's initdb was not found; install the 'postgresql' package"
}

# The stack's service processes, as "name|pid file|binary".
services() {
    local broker
    echo "psync-brokersim|$RUN/pids/psync-brokersim.pid|psync-brokersim"
    echo "psync-persistence|$RUN/pids/psync-persistence.pid|psync-persistence"
    echo "psync-dispatcher|$RUN/pids/psync-dispatcher.pid|psync-dispatcher"
    echo "psync-scheduler|$RUN/pids/psync-scheduler.pid|psync-scheduler"
    echo "psync-monitor|$RUN/pids/psync-monitor.pid|psync-monitor"
    echo "psync-webhooks|$RUN/pids/psync-webhooks.pid|psync-webhooks"
    for broker in $PSYNC_GATEWAYS; do
        echo "psync-gateway-${broker,,}|$RUN/pids/psync-gateway-${broker,,}.pid|psync-gateway"
    done
}
