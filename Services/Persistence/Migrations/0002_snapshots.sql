-- Holdings (and positions) arrive as whole snapshots: an account's current holdings are its latest
-- complete holdings snapshot; its current positions, its latest positions snapshot.

CREATE TABLE holding_snapshots (
    id                  bigserial PRIMARY KEY,
    account_id          bigint NOT NULL REFERENCES broker_accounts (id) ON DELETE CASCADE,
    kind                text NOT NULL DEFAULT 'holdings' CHECK (kind IN ('holdings', 'positions')),
    run_id              bigint,
    job_id              bigint,
    source_snapshot_id  text NOT NULL,
    as_of               timestamptz NOT NULL,
    row_count           integer NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, source_snapshot_id)
);
-- One snapshot per job: a result delivered twice, or fetched twice after a crash, is stored once.
CREATE UNIQUE INDEX holding_snapshots_job ON holding_snapshots (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX holding_snapshots_account ON holding_snapshots (account_id, id DESC);
CREATE INDEX holding_snapshots_created ON holding_snapshots (created_at);

ALTER TABLE broker_accounts
    ADD CONSTRAINT broker_accounts_current_snapshot FOREIGN KEY (current_snapshot_id) REFERENCES holding_snapshots (id) ON DELETE SET NULL,
    ADD CONSTRAINT broker_accounts_current_positions FOREIGN KEY (current_positions_snapshot_id) REFERENCES holding_snapshots (id) ON DELETE SET NULL;

CREATE TABLE holdings (
    snapshot_id         bigint NOT NULL REFERENCES holding_snapshots (id) ON DELETE CASCADE,
    line                integer NOT NULL,
    account_id          bigint NOT NULL,
    symbol              text NOT NULL,
    exchange            text,
    isin                text,
    asset_type          text NOT NULL,
    quantity            numeric NOT NULL,
    avg_price           numeric NOT NULL,
    last_price          numeric,
    currency            char(3) NOT NULL,
    cost_value          numeric NOT NULL,
    market_value        numeric,
    meta                jsonb,
    source_snapshot_id  text NOT NULL,
    as_of               timestamptz NOT NULL,
    PRIMARY KEY (snapshot_id, line)
);

CREATE TABLE transactions (
    id           bigserial PRIMARY KEY,
    account_id   bigint NOT NULL REFERENCES broker_accounts (id) ON DELETE CASCADE,
    external_id  text NOT NULL,
    kind         text NOT NULL,
    symbol       text,
    exchange     text,
    isin         text,
    quantity     numeric,
    price        numeric,
    amount       numeric,
    currency     char(3) NOT NULL,
    occurred_at  timestamptz NOT NULL,
    meta         jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, external_id)
);
CREATE INDEX transactions_account ON transactions (account_id, id DESC);
CREATE INDEX transactions_account_time ON transactions (account_id, occurred_at);

CREATE TABLE portfolio_totals (
    id              bigserial PRIMARY KEY,
    portfolio_id    bigint NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    currency        char(3) NOT NULL,
    as_of           timestamptz NOT NULL,
    cost_value      numeric NOT NULL,
    market_value    numeric NOT NULL,
    unrealised_pnl  numeric NOT NULL,
    holdings_count  integer NOT NULL,
    run_id          bigint,
    UNIQUE (portfolio_id, currency, as_of)
);
CREATE INDEX portfolio_totals_portfolio ON portfolio_totals (portfolio_id, id DESC);
