#!/bin/sh
# tokens.sh HASHFILE IDENTITY=FILE…: the bearer tokens of portfolio-sync, one per identity, and the file of
# their hashes that every service reads as PSYNC_TOKENS_FILE.
#
# IDENTITY is admin, read, scheduler, dispatcher, persistence, monitor, webhooks or gateway:BROKER (one per broker).
# FILE holds that identity's token; when it is missing or empty, a random one is made (32 random bytes as
# 64 hex digits, what `openssl rand -hex 32` gives; mode 0600) and kept from then on. FILE.previous, when it
# exists, is a token being rotated out: its hash is accepted too, until the file is removed.
# HASHFILE is written anew (mode 0644) with a line `identity sha256-hex` per token: 64 lowercase hex digits of
# SHA-256 over the token's bytes, as `printf %s "$token" | sha256sum` prints them. No token is ever printed.
#
# A token is what its file holds without the trailing CR/LF (as the services read *_FILE settings); it must be
# 16 or more printable ASCII characters without spaces, and not a placeholder ("change-me", or a unit of at
# most 4 characters repeated, as the services refuse them). POSIX sh and coreutils only: it runs on the host
# (make up) and in compose's one-shot `tokens` service (compose-tokens.sh).
set -eu
export LC_ALL=C
fail() { echo "tokens.sh: $*" >&2; exit 1; }
[ $# -ge 2 ] || { echo "usage: tokens.sh HASHFILE IDENTITY=FILE…" >&2; exit 2; }
hashfile=$1
shift
cr=$(printf '\r')

# valid IDENTITY: whether it is one the services know (see Principal in Shared/Contracts).
valid() {
    case $1 in
        admin | read | scheduler | dispatcher | persistence | monitor | webhooks) return 0 ;;
        gateway:*)
            broker=${1#gateway:}
            case $broker in "" | *[!A-Z0-9_]*) return 1 ;; esac
            [ ${#broker} -le 32 ]
            ;;
        *) return 1 ;;
    esac
}

# new_token FILE: a new random token in FILE, written whole or not at all.
new_token() {
    (
        umask 077
        mkdir -p "$(dirname "$1")"
        head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$1.partial"
        printf '\n' >> "$1.partial"
        mv -f "$1.partial" "$1"
    )
}

# placeholder TOKEN: whether it is a value nobody replaced (SecretPolicy.isPlaceholder in the services).
placeholder() {
    case $(printf %s "$1" | tr '[:upper:]' '[:lower:]') in
        *changeme* | *change-me* | *change_me* | *replaceme* | *replace-me* | *replace_me* | *placeholder*) return 0 ;;
    esac
    for period in 1 2 3 4; do
        if [ ${#1} -le $period ] || [ $((${#1} % period)) -ne 0 ]; then continue; fi
        unit=$(printf %s "$1" | cut -c1-$period)
        rest=$1
        while [ -n "$rest" ]; do
            case $rest in "$unit"*) rest=${rest#"$unit"} ;; *) break ;; esac
        done
        [ -n "$rest" ] || return 0
    done
    return 1
}

# line IDENTITY FILE: the line `identity sha256-hex` of the token in FILE, after checking the token.
line() {
    [ -r "$2" ] || fail "$2 (the token of $1) cannot be read"
    token=$(cat "$2")
    while :; do
        case $token in
            *"$cr") token=${token%"$cr"} ;;
            *"
") token=${token%?} ;;
            *) break ;;
        esac
    done
    [ ${#token} -ge 16 ] || fail "$2 (the token of $1) must hold at least 16 characters"
    case $token in *[!!-~]*) fail "$2 (the token of $1) may hold only printable ASCII characters, no spaces" ;; esac
    ! placeholder "$token" || fail "$2 (the token of $1) is a placeholder; replace it with a random value (openssl rand -hex 32)"
    printf '%s %s\n' "$1" "$(printf %s "$token" | sha256sum | cut -d' ' -f1)"
}

output="$hashfile.partial"
trap 'rm -f "$output"' EXIT
umask 022
: > "$output"
printf '# identity sha256-hex: the tokens portfolio-sync accepts (PSYNC_TOKENS_FILE), written by compose/tokens/tokens.sh\n# from the token files; edits here are lost the next time it runs (rotate with FILE.previous instead).\n' >> "$output"
for pair in "$@"; do
    identity=${pair%%=*}
    file=${pair#*=}
    if [ "$identity" = "$pair" ] || [ -z "$file" ]; then fail "expected IDENTITY=FILE, got '$pair'"; fi
    valid "$identity" || fail "'$identity' is not an identity (admin, read, scheduler, dispatcher, persistence, monitor, webhooks or gateway:BROKER)"
    [ -s "$file" ] || new_token "$file"
    line "$identity" "$file" >> "$output"
    [ ! -e "$file.previous" ] || line "$identity" "$file.previous" >> "$output"
done
# One token proves one identity: the services refuse to start when two identities share a hash.
shared=$(grep -v '^#' "$output" | sort -u | cut -d' ' -f2 | sort | uniq -d | head -n 1)
if [ -n "$shared" ]; then
    fail "$(grep " $shared\$" "$output" | cut -d' ' -f1 | sort -u | paste -sd' ' | sed 's/ / and /g') share one token: give each identity its own"
fi
chmod 0644 "$output"
mv -f "$output" "$hashfile"
