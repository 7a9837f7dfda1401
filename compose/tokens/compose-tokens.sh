#!/bin/sh
# compose-tokens.sh [rotate NAME | retire NAME]: run by compose's one-shot `tokens` service before the services start.
#
# Each service's bearer token is made once (tokens.sh), alone in that service's own volume, mounted at
# /run/psync-tokens/services/NAME here (NAME: scheduler, dispatcher, persistence, monitor, gateway-BROKER) and
# read-only at /run/psync-token in the service (PSYNC_SERVICE_TOKEN_FILE=/run/psync-token/token), owned by the
# image's psync user (10001), mode 0400; gateway replicas of one broker share their broker's. The hashes of those
# tokens and of the people's tokens (PSYNC_ADMIN_TOKEN and PSYNC_READ_TOKEN of .env, given to this step alone and
# never written to a volume) go to /run/psync-tokens/hashes/tokens.sha256, mode 0644, which every service mounts
# read-only (PSYNC_TOKENS_FILE=/run/psync-tokens/tokens.sha256). The mounted volumes say which identities exist.
#
#   rotate NAME   the service's token becomes token.previous (still accepted) and a new one is made
#   retire NAME   token.previous is removed: the old token is no longer accepted
# (docker compose run --rm tokens sh /etc/psync-tokens/compose-tokens.sh rotate scheduler; README.md says the rest.)
set -eu
services=/run/psync-tokens/services
hashes=/run/psync-tokens/hashes
fail() { echo "compose-tokens.sh: $*" >&2; exit 1; }
# names: the token volumes mounted, by name.
names() { for directory in "$services"/*/; do basename "$directory"; done | paste -sd' ' -; }

if [ $# -gt 0 ]; then
    [ $# -eq 2 ] || fail "usage: compose-tokens.sh [rotate NAME | retire NAME]"
    case $2 in "" | *[!A-Za-z0-9_-]*) fail "'$2' is not a service's name (one of: $(names))" ;; esac
    [ -d "$services/$2" ] || fail "no token volume for '$2' (one of: $(names))"
    case $1 in
        rotate)
            [ ! -e "$services/$2/token.previous" ] || fail "$2 is already rotating: retire $2 first"
            [ -s "$services/$2/token" ] || fail "$2 has no token yet"
            mv "$services/$2/token" "$services/$2/token.previous"
            ;;
        retire) rm -f "$services/$2/token.previous" ;;
        *) fail "usage: compose-tokens.sh [rotate NAME | retire NAME]" ;;
    esac
fi

# The people's tokens, in files on this container's tmpfs only, for tokens.sh to hash.
people=$(mktemp -d)
trap 'rm -rf "$people"' EXIT
(
    umask 077
    printf '%s\n' "${PSYNC_ADMIN_TOKEN:?PSYNC_ADMIN_TOKEN must be set in compose/.env}" > "$people/PSYNC_ADMIN_TOKEN"
    printf '%s\n' "${PSYNC_READ_TOKEN:?PSYNC_READ_TOKEN must be set in compose/.env}" > "$people/PSYNC_READ_TOKEN"
)
set -- "admin=$people/PSYNC_ADMIN_TOKEN" "read=$people/PSYNC_READ_TOKEN"
for directory in "$services"/*/; do
    name=$(basename "$directory")
    case $name in
        gateway-*) identity="gateway:${name#gateway-}" ;;
        *) identity=$name ;;
    esac
    set -- "$@" "$identity=$services/$name/token"
done
sh /etc/psync-tokens/tokens.sh "$hashes/tokens.sha256" "$@"
chmod 0755 "$hashes"
for directory in "$services"/*/; do
    for file in "$directory"token "$directory"token.previous; do
        [ -e "$file" ] || continue
        chown 10001:10001 "$file"
        chmod 0400 "$file"
    done
done
echo "tokens ready: $(grep -vc '^#' "$hashes/tokens.sha256") accepted in tokens.sha256 ($(names), admin, read)"
