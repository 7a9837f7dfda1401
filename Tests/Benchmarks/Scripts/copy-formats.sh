#!/usr/bin/env bash
# What loading a snapshot's rows costs the Postgres server, by COPY format and by the holdings table's checks:
# 200,000 holdings rows (10,000 snapshots × 20) in our schema's shape, loaded by psql's \copy, median of 3.
# Compares text against binary COPY, and the table with a per-row foreign key to holding_snapshots (before
# migration 0007) against without. Starts its own server in a temporary folder on a free loopback port.
# Usage: Tests/Benchmarks/Scripts/copy-formats.sh   (make bench runs it)
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/psync-copy-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"
as_postgres "$bin/initdb -D $dir/data -A trust -U postgres --no-sync >/dev/null"
as_postgres "$bin/pg_ctl -D $dir/data -l $dir/log -w -o '-p $port -k $dir -c listen_addresses=127.0.0.1 -c shared_buffers=128MB' start >/dev/null"
trap 'as_postgres "$bin/pg_ctl -D $dir/data -m fast stop >/dev/null"; rm -rf "$dir"' EXIT
sql() { psql -h 127.0.0.1 -p "$port" -U postgres -qAt "$@"; }
sql <<'SQL'
CREATE TABLE snaps (id bigserial PRIMARY KEY, account_id bigint);
INSERT INTO snaps (account_id) SELECT g FROM generate_series(1, 10000) g;
CREATE TABLE rows_fk (snapshot_id bigint NOT NULL REFERENCES snaps (id) ON DELETE CASCADE, line int NOT NULL, account_id bigint NOT NULL,
    symbol text NOT NULL, exchange text, isin text, asset_type text NOT NULL, quantity numeric NOT NULL, avg_price numeric NOT NULL,
    last_price numeric, currency char(3) NOT NULL, cost_value numeric NOT NULL, market_value numeric, free_quantity numeric,
    unsettled_quantity numeric, pledged_quantity numeric, lot text, multiplier numeric, meta jsonb, source_snapshot_id text NOT NULL,
    as_of timestamptz NOT NULL, PRIMARY KEY (snapshot_id, line));
CREATE TABLE rows_plain (LIKE rows_fk INCLUDING ALL);
INSERT INTO rows_plain SELECT s, l, s, 'SYM' || l, 'NSE', 'INE009A0' || (1000 + l), 'stock', 10 + l, 1500.25, 1600.75, 'INR', 15002.5, 16007.5,
    10 + l, 0, 0, NULL, NULL, NULL, 'src-' || s, now() FROM generate_series(1, 10000) s, generate_series(0, 19) l;
SQL
sql -c "\\copy rows_plain TO '$dir/rows.txt'"
sql -c "\\copy rows_plain TO '$dir/rows.bin' WITH (FORMAT binary)"
measure() { # table format file -> median ms of 3
    local times=()
    for _ in 1 2 3; do
        sql -c "TRUNCATE $1" -c "CHECKPOINT"
        times+=("$(sql -c '\timing on' -c "\\copy $1 FROM '$3' WITH (FORMAT $2)" | sed -nE 's/^Time: ([0-9.]+) ms.*/\1/p')")
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n 2p
}
echo "| 200,000 rows (10,000 snapshots × 20) | median of 3 |"
echo "| --- | --- |"
echo "| text COPY, no foreign key (since migration 0007) | $(measure rows_plain text "$dir/rows.txt") ms ($(stat -c %s "$dir/rows.txt") bytes) |"
echo "| binary COPY, no foreign key | $(measure rows_plain binary "$dir/rows.bin") ms ($(stat -c %s "$dir/rows.bin") bytes) |"
echo "| text COPY, per-row foreign key (before migration 0007) | $(measure rows_fk text "$dir/rows.txt") ms |"
