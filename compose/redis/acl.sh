#!/bin/sh
# acl.sh DIRECTORY [BROKER…]: the Redis users of portfolio-sync, ready for `redis-server --aclfile`.
#
# Reads users.acl beside this script (the single source: make up, compose and the tests all use it),
# gives each user a random password kept in DIRECTORY/<user> (made once, mode 0600, reused after),
# and writes DIRECTORY/users.acl with the SHA-256 of each password (never the password itself).
# A template line with @BROKER@ becomes one user per BROKER given. POSIX sh and coreutils only:
# it runs on the host (make up), in the Redis image (compose) and from the tests.
set -eu
[ $# -ge 1 ] || { echo "usage: acl.sh DIRECTORY [BROKER…]" >&2; exit 2; }
directory=$1
shift
template="$(cd "$(dirname "$0")" && pwd)/users.acl"
[ -r "$template" ] || { echo "acl.sh: $template cannot be read" >&2; exit 1; }
for broker in "$@"; do
    case $broker in
        "" | *[!A-Z0-9_]*) echo "acl.sh: broker codes are capital letters, digits and _, got '$broker'" >&2; exit 2 ;;
    esac
done
umask 077
mkdir -p "$directory"
chmod 700 "$directory"

# password USER: the user's password, made on first use.
password() {
    if [ ! -s "$directory/$1" ]; then
        head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$directory/$1.partial"
        mv "$directory/$1.partial" "$directory/$1"
    fi
    cat "$directory/$1"
}

# render LINE: the line with the user's password hash after its `on`; users that are `off` get none.
render() {
    name=$(printf '%s\n' "$1" | cut -d' ' -f2)
    case " $1 " in
        *" on "*)
            hash=$(password "$name" | tr -d '\n' | sha256sum | cut -d' ' -f1)
            printf '%s\n' "$1" | sed "s/ on / on #$hash /"
            ;;
        *) printf '%s\n' "$1" ;;
    esac
}

output="$directory/users.acl.partial"
: > "$output"
grep -v -e '^#' -e '^[[:space:]]*$' "$template" | while IFS= read -r line; do
    case $line in
        *@BROKER@*)
            for broker in "$@"; do
                lower=$(printf '%s' "$broker" | tr 'A-Z' 'a-z')
                render "$(printf '%s\n' "$line" | sed "s/@BROKER@/$broker/g; s/@broker@/$lower/g")" >> "$output"
            done
            ;;
        *) render "$line" >> "$output" ;;
    esac
done
mv "$output" "$directory/users.acl"
