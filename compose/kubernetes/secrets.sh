#!/bin/sh
# secrets.sh DIRECTORY: the Secrets (and the psync-tokens ConfigMap) of portfolio-sync on Kubernetes, as YAML on
# standard output, for `kubectl apply -n psync -f -`. Nothing secret goes on a command line or into the environment.
#
# DIRECTORY keeps what is made (mode 0700; made once, reused after, so running it again changes nothing):
#   redis/       each Redis ACL user's password and users.acl with their hashes (compose/redis/acl.sh)
#   tokens/      one bearer token per identity and tokens.sha256, their hashes (compose/tokens/tokens.sh)
#   master-key   the key that seals broker credentials (64 hex digits): back it up with the database
#   webhooks-key the key that seals webhook signing secrets (64 hex digits): back it up with the database too
#   monitor-session-secret, postgres-password
# PSYNC_GATEWAYS: the brokers with gateways (default "SANDBOX ZERODHA ALPACA UPSTOX", the Deployments of base/).
# PSYNC_POSTGRES_URL: your Postgres (e.g. postgres://psync:PASSWORD@db1:5432,db2:5432/psync?target_session_attrs=read-write);
# default: the URL kept from a previous run, else overlays/local's Postgres with the password made here.
# Needs only sh and coreutils; talks to no cluster.
set -eu
[ $# -eq 1 ] || { echo "usage: secrets.sh DIRECTORY   (then: secrets.sh DIRECTORY | kubectl apply -n psync -f -)" >&2; exit 2; }
directory=$1
here=$(cd "$(dirname "$0")" && pwd)
compose=$(dirname "$here")
gateways=${PSYNC_GATEWAYS:-SANDBOX ZERODHA ALPACA UPSTOX}
umask 077
mkdir -p "$directory/tokens"
chmod 700 "$directory"

# random FILE: 32 random bytes as 64 hex digits in FILE, made once.
random() {
    [ -s "$1" ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$1"
}
random "$directory/master-key"
random "$directory/webhooks-key"
random "$directory/monitor-session-secret"
random "$directory/postgres-password"
# shellcheck disable=SC2086
sh "$compose/redis/acl.sh" "$directory/redis" $gateways
set -- admin="$directory/tokens/admin" read="$directory/tokens/read"
for service in scheduler dispatcher persistence monitor webhooks; do set -- "$@" "$service=$directory/tokens/$service"; done
for broker in $gateways; do set -- "$@" "gateway:$broker=$directory/tokens/gateway-$broker"; done
sh "$compose/tokens/tokens.sh" "$directory/tokens.sha256" "$@"
# The Postgres URL: PSYNC_POSTGRES_URL when given (it replaces the one kept), else the one kept, else the local one.
if [ -n "${PSYNC_POSTGRES_URL:-}" ]; then
    printf '%s' "$PSYNC_POSTGRES_URL" > "$directory/postgres-url"
elif [ ! -s "$directory/postgres-url" ]; then
    printf 'postgres://psync:%s@postgres:5432/psync' "$(cat "$directory/postgres-password")" > "$directory/postgres-url"
fi
# The user names KEDA logs in with (a name, not a secret; kept beside the password it goes with).
for broker in $gateways; do
    printf 'psync-gateway-%s' "$(printf '%s' "$broker" | tr 'A-Z' 'a-z')" > "$directory/redis/user-$broker"
done

# secret NAME KEY=FILE…: a Secret as YAML, each key's value the file's bytes (base64), made here with no cluster.
secret() {
    printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\ntype: Opaque\ndata:\n' "$1"
    shift
    for pair in "$@"; do
        printf '  %s: %s\n' "${pair%%=*}" "$(base64 -w0 < "${pair#*=}")"
    done
}

# The tokens' hashes: no secret, a ConfigMap.
printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: psync-tokens\ndata:\n  tokens.sha256: |\n'
sed 's/^/    /' "$directory/tokens.sha256"
for service in scheduler dispatcher persistence monitor; do
    if [ "$service" = monitor ]; then
        secret "psync-$service" token="$directory/tokens/$service" redis-password="$directory/redis/psync-$service" \
            session-secret="$directory/monitor-session-secret"
    else
        secret "psync-$service" token="$directory/tokens/$service" redis-password="$directory/redis/psync-$service"
    fi
done
for broker in $gateways; do
    lower=$(printf '%s' "$broker" | tr 'A-Z' 'a-z')
    secret "psync-gateway-$lower" token="$directory/tokens/gateway-$broker" \
        redis-password="$directory/redis/psync-gateway-$lower" redis-user="$directory/redis/user-$broker"
done
secret psync-master-key master-key="$directory/master-key"
# psync-webhooks uses no Redis: its token and the key that seals webhook secrets.
secret psync-webhooks token="$directory/tokens/webhooks" key="$directory/webhooks-key"
secret psync-postgres url="$directory/postgres-url" password="$directory/postgres-password"
# For Redis: users.acl (hashes only) for overlays/local's Redis; load the same file into yours in production.
secret psync-redis-acl users.acl="$directory/redis/users.acl"
# For people: the psync CLI pod's tokens (admin and read-only).
secret psync-cli admin-token="$directory/tokens/admin" read-token="$directory/tokens/read"
