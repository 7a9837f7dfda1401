#!/usr/bin/env bash
# make compose-test: the compose stack, here, offline, on loopback only.
#
#   1. installs Debian's docker.io, docker-compose and debootstrap if missing;
#   2. starts its own dockerd under a temporary folder with no bridge, no iptables, no forwarding;
#   3. builds a base image with `debootstrap --variant=minbase bookworm` (plus the runtime libraries,
#      redis-server and postgresql) and `docker import`s it as debian:bookworm-slim and psync-offline-base;
#   4. builds our image from the host's release binaries (the Dockerfile's `prebuilt` stage);
#   5. brings the stack up with every service on the host network (docker-compose.hostnet.yml),
#      scales gateway-sandbox to 3, seeds accounts and syncs them through the CLI container;
#   6. checks every account synced and all three replicas did work; tears down; stops dockerd by pid.
#
# Network rule: all traffic stays on loopback. No bridge or private-range network is ever created;
# the script aborts if `docker network ls --filter driver=bridge` shows one.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../local/common.sh"   # ROOT, say, install_missing
cd "$ROOT"
fail() { printf 'compose-test: FAILED: %s\n' "$*" >&2; exit 1; }

ACCOUNTS=${COMPOSE_TEST_ACCOUNTS:-60}
REPLICAS=3
WORK=$(mktemp -d /tmp/psync-compose-test.XXXXXX)
CACHE="$ROOT/.build/compose-test"      # the debootstrap tarball, reused across runs
BASE_TAR="$CACHE/bookworm-base.tar"
# Everything we use must come from Debian: prefer its docker client over any other on PATH.
DOCKER=/usr/bin/docker
COMPOSE=(docker-compose --project-name psync-compose-test --project-directory "$ROOT/compose"
    -f "$ROOT/compose/docker-compose.yml" -f "$ROOT/compose/docker-compose.hostnet.yml"
    -f "$ROOT/compose/test/docker-compose.offline.yml" --env-file "$WORK/env")

DOCKERD_PID=""
cleanup() {
    local status=$?
    set +e
    if [ -n "$DOCKERD_PID" ]; then
        if [ $status -ne 0 ]; then
            say "logs of the failed run"
            "${COMPOSE[@]}" logs --no-color --tail 30 2>&1 | tail -n 150
        fi
        "${COMPOSE[@]}" down --volumes --timeout 15 >/dev/null 2>&1
        kill -TERM "$DOCKERD_PID" 2>/dev/null
        for _ in $(seq 1 100); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$DOCKERD_PID" 2>/dev/null
        say "dockerd (pid $DOCKERD_PID) stopped"
    fi
    umount -R "$WORK/docker/data" 2>/dev/null
    rm -rf "$WORK" 2>/dev/null
    exit $status
}
trap cleanup EXIT

start_dockerd() {
    mkdir -p "$WORK/docker/data" "$WORK/docker/exec"
    export DOCKER_HOST="unix://$WORK/docker/docker.sock"
    local driver
    for driver in overlay2 vfs; do
        say "starting dockerd (storage $driver, no bridge, no iptables, no forwarding)"
        dockerd --data-root "$WORK/docker/data" --exec-root "$WORK/docker/exec" --pidfile "$WORK/docker/dockerd.pid" \
            --host "$DOCKER_HOST" --storage-driver "$driver" \
            --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
            >"$WORK/docker/dockerd.log" 2>&1 &
        DOCKERD_PID=$!
        for _ in $(seq 1 100); do
            $DOCKER info >/dev/null 2>&1 && break
            kill -0 "$DOCKERD_PID" 2>/dev/null || break
            sleep 0.2
        done
        if $DOCKER info >/dev/null 2>&1; then
            # A run that only works with vfs says so; overlay2 fails inside some containers.
            return
        fi
        kill "$DOCKERD_PID" 2>/dev/null; wait "$DOCKERD_PID" 2>/dev/null || true
        DOCKERD_PID=""
        echo "dockerd did not start with $driver: $(tail -n 3 "$WORK/docker/dockerd.log")"
    done
    fail "dockerd did not start; see above"
}

check_no_bridge() {
    local bridges
    bridges=$($DOCKER network ls --filter driver=bridge --format '{{.Name}}')
    [ -z "$bridges" ] || fail "a bridge network exists ($bridges); this test only runs with host networking"
}

base_image() {
    mkdir -p "$CACHE"
    if [ ! -s "$BASE_TAR" ]; then
        say "debootstrap --variant=minbase bookworm (once; cached in .build/compose-test)"
        local rootfs="$WORK/rootfs"
        debootstrap --variant=minbase \
            --include=libhiredis0.14,libpq5,libcurl4,libssl3,libstdc++6,ca-certificates,tzdata,curl,redis-server,postgresql-15,passwd \
            bookworm "$rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 \
            || fail "debootstrap failed: $(tail -n 5 "$WORK/debootstrap.log")"
        chroot "$rootfs" sh -c 'apt-get clean; rm -rf /var/lib/apt/lists/*'
        tar -C "$rootfs" -cf "$BASE_TAR.partial" . && mv "$BASE_TAR.partial" "$BASE_TAR"
        rm -rf "$rootfs"
    fi
    say "docker import of the bookworm base"
    $DOCKER import "$BASE_TAR" psync-offline-base:bookworm >/dev/null
    $DOCKER tag psync-offline-base:bookworm debian:bookworm-slim
}

stage_binaries() {
    say "staging the host's release binaries and the Swift runtime they link"
    [ -x .build/release/psync-gateway ] || swift build -c release
    rm -rf compose/.prebuilt && mkdir -p compose/.prebuilt/bin compose/.prebuilt/lib
    local product
    for product in psync psync-scheduler psync-dispatcher psync-gateway psync-persistence psync-monitor psync-webhooks psync-brokersim; do
        cp ".build/release/$product" compose/.prebuilt/bin/
    done
    # The Swift runtime is not in Debian: copy the toolchain's libraries the binaries load.
    ldd compose/.prebuilt/bin/* | awk '/=> \// && $3 !~ /^\/(usr\/)?lib\// { print $3 }' | sort -u \
        | xargs -r cp -t compose/.prebuilt/lib/
}

write_env() {
    umask 077
    local port=17100
    cat > "$WORK/env" <<ENV
PSYNC_IMAGE=psync-compose-test:latest
PSYNC_IMAGE_TARGET=prebuilt
REDIS_IMAGE=psync-offline-base:bookworm
POSTGRES_IMAGE=psync-offline-base:bookworm
PSYNC_ADMIN_TOKEN=$(openssl rand -hex 16)
PSYNC_READ_TOKEN=$(openssl rand -hex 16)
PSYNC_MASTER_KEY=$(openssl rand -hex 32)
PSYNC_MONITOR_SESSION_SECRET=$(openssl rand -hex 32)
PSYNC_WEBHOOKS_KEY=$(openssl rand -hex 32)
POSTGRES_PASSWORD=$(openssl rand -hex 16)
PSYNC_HTTP_HOST=127.0.0.1
PSYNC_REDIS_BIND=127.0.0.1
PSYNC_REDIS_HOST=127.0.0.1
PSYNC_POSTGRES_HOST=127.0.0.1
PSYNC_PERSISTENCE_HOST=127.0.0.1
PSYNC_DISPATCHER_HOST=127.0.0.1
PSYNC_SCHEDULER_HOST=127.0.0.1
PSYNC_MONITOR_HOST=127.0.0.1
PSYNC_WEBHOOKS_HOST=127.0.0.1
PSYNC_REDIS_PORT=$((port + 79))
PSYNC_POSTGRES_PORT=$((port + 32))
PSYNC_SCHEDULER_PORT=$((port + 1))
PSYNC_DISPATCHER_PORT=$((port + 2))
PSYNC_PERSISTENCE_PORT=$((port + 3))
PSYNC_MONITOR_PORT=$((port + 4))
PSYNC_WEBHOOKS_PORT=$((port + 5))
PSYNC_BROKERSIM_PORT=$((port + 90))
PSYNC_SANDBOX_BASE_URL=http://127.0.0.1:$((port + 90))
PSYNC_ZERODHA_BASE_URL=http://127.0.0.1:$((port + 90))
# Few jobs in flight per replica and a broker that takes 50 ms, so every replica gets a share.
PSYNC_GATEWAY_CONCURRENCY=4
PSYNC_SIM_LATENCY=50ms
ENV
    umask 022
}

# Each service holds its own token and no person's: no token in any running container's environment, and every
# service (a broker's replicas together) has a token of its own, listed in the tokens file under its identity.
check_tokens() {
    local container service broker hash identity owners=""
    for container in $($DOCKER ps --format '{{.Names}}'); do
        if $DOCKER inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$container" \
            | grep -qE '^PSYNC_(ADMIN|READ|SERVICE)_TOKEN='; then
            fail "$container has a token in its environment"
        fi
        service=$($DOCKER inspect --format '{{index .Config.Labels "com.docker.compose.service"}}' "$container")
        case $service in
            scheduler | dispatcher | persistence | monitor | webhooks) identity=$service ;;
            gateway-*) broker=${service#gateway-}; identity="gateway:${broker^^}" ;;
            *) continue ;;
        esac
        # shellcheck disable=SC2016 # expanded in the container
        hash=$($DOCKER exec "$container" sh -c 'printf %s "$(cat /run/psync-token/token)" | sha256sum | cut -d" " -f1')
        $DOCKER exec "$container" grep -qx "$identity $hash" /run/psync-tokens/tokens.sha256 \
            || fail "$container: its token is not in tokens.sha256 as $identity"
        owners="$owners$hash $service"$'\n'
    done
    [ -z "$(sort -u <<<"$owners" | cut -d' ' -f1 | sort | uniq -d)" ] || fail "two services share a token"
    say "tokens: $(sort -u <<<"$owners" | grep -c .) services, each with its own token; none in any environment"
}

# psync inside the stack's own CLI container (host network, the stack's settings).
psync() { "${COMPOSE[@]}" run --rm -T cli psync "$@"; }
# The same CLI from the host for the many small calls (a container per call costs a second each).
host_psync() {
    env -i PATH="$PATH" HOME="$WORK" PSYNC_ADMIN_TOKEN="$(sed -n 's/^PSYNC_ADMIN_TOKEN=//p' "$WORK/env")" \
        PSYNC_PERSISTENCE_URL="http://127.0.0.1:$(sed -n 's/^PSYNC_PERSISTENCE_PORT=//p' "$WORK/env")" \
        PSYNC_MONITOR_URL="http://127.0.0.1:$(sed -n 's/^PSYNC_MONITOR_PORT=//p' "$WORK/env")" \
        "$ROOT/.build/release/psync" "$@"
}

main() {
    install_missing docker.io docker-compose debootstrap jq curl
    start_dockerd
    check_no_bridge
    base_image
    stage_binaries
    write_env
    say "building the image from the host's binaries"
    "${COMPOSE[@]}" build persistence
    check_no_bridge
    say "docker-compose up, gateway-sandbox scaled to $REPLICAS"
    "${COMPOSE[@]}" up -d --scale gateway-sandbox=$REPLICAS
    check_no_bridge
    local deadline=$((SECONDS + 180)) unhealthy
    until unhealthy=$($DOCKER ps --format '{{.Names}} {{.Status}}' | grep -v '(healthy)' || true); [ -z "$unhealthy" ]; do
        [ $SECONDS -lt $deadline ] || fail "not healthy after 180 s: $unhealthy"
        sleep 2
    done
    $DOCKER ps --format 'table {{.Names}}\t{{.Status}}'
    local running
    running=$($DOCKER ps --filter name=gateway-sandbox --format '{{.Names}}' | wc -l)
    [ "$running" -eq $REPLICAS ] || fail "$running gateway-sandbox replicas run, expected $REPLICAS"
    check_tokens

    say "seeding $ACCOUNTS SANDBOX accounts through the CLI (gateways found through the monitor)"
    local user portfolio account index
    user=$(host_psync user add --email compose@test.local --name "Compose Test" --json | jq -r .id)
    portfolio=$(host_psync portfolio add --user "$user" --name "Compose" --currency INR --json | jq -r .id)
    for index in $(seq 1 "$ACCOUNTS"); do
        account=$(host_psync account add --portfolio "$portfolio" --broker SANDBOX --label "compose $index" --json | jq -r .id)
        printf '{"token":"compose-%s"}' "$index" | host_psync credentials set "$account" >/dev/null
    done

    say "psync sync --all --wait (in the cli container)"
    psync sync --all --wait | tail -n 5
    local run
    run=$(psync runs list --json | jq -r '.items[0].id')
    psync runs show "$run" --json > "$WORK/run.json"
    local succeeded
    succeeded=$(jq -r '.run.counts.succeeded' "$WORK/run.json")
    [ "$succeeded" = "$ACCOUNTS" ] || fail "run $run: $succeeded of $ACCOUNTS jobs succeeded"
    local synced=0
    for account in $(host_psync account list --portfolio "$portfolio" --json | jq -r '.items[].id'); do
        [ "$(host_psync holdings --account "$account" --json | jq '.holdings | length')" -gt 0 ] && synced=$((synced + 1))
    done
    [ "$synced" = "$ACCOUNTS" ] || fail "$synced of $ACCOUNTS accounts have holdings"
    psync jobs list --run "$run" --limit 1000 --json > "$WORK/jobs.json"
    local workers
    workers=$(jq -r '[.items[].worker] | unique | length' "$WORK/jobs.json")
    jq -r '.items | group_by(.worker) | map("  \(.[0].worker): \(length) jobs") | .[]' "$WORK/jobs.json"
    [ "$workers" -eq $REPLICAS ] || fail "$workers replicas did work, expected all $REPLICAS"
    check_no_bridge
    say "compose-test passed: $ACCOUNTS accounts synced by $REPLICAS gateway-sandbox replicas, host network only"
}

[[ "${BASH_SOURCE[0]}" != "$0" ]] || main "$@"
