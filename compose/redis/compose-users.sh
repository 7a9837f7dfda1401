#!/bin/sh
# compose-users.sh: run once by compose's `redis-users` service before Redis starts.
#
# Renders the ACL users (acl.sh) into the redis-acl volume, owned by Redis, and copies each service's
# password, alone, into that service's own volume (mounted read-only at /run/psync-redis in the service,
# as PSYNC_REDIS_PASSWORD_FILE=/run/psync-redis/password), owned by the image's psync user (10001), mode 0400.
# A service's container thus holds its own password and no other. Passwords are made once and kept.
set -eu
acl=/run/psync-redis/acl
sh /etc/psync-redis/acl.sh "$acl" ${PSYNC_REDIS_GATEWAYS:-}
for directory in /run/psync-redis/users/*/; do
    user=$(basename "$directory")
    [ -s "$acl/$user" ] || { echo "compose-users.sh: no Redis user $user in users.acl (is its broker in PSYNC_REDIS_GATEWAYS?)" >&2; exit 1; }
    cp "$acl/$user" "$directory/password"
    chown 10001:10001 "$directory/password"
    chmod 0400 "$directory/password"
done
# Redis reads the ACL file as its own user in the official image (and as root in others).
if id redis >/dev/null 2>&1; then chown -R redis:redis "$acl"; fi
echo "Redis users ready: $(grep -c '^user ' "$acl/users.acl") in $acl/users.acl"
