-- Users, portfolios, brokers, accounts and their sealed credentials.

CREATE TABLE users (
    id          bigserial PRIMARY KEY,
    email       text NOT NULL,
    name        text NOT NULL,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_active ON users (id) WHERE active;

CREATE TABLE portfolios (
    id             bigserial PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name           text NOT NULL,
    base_currency  char(3) NOT NULL CHECK (base_currency ~ '^[A-Z]{3}$'),
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, name)
);
CREATE INDEX portfolios_user ON portfolios (user_id);

CREATE TABLE broker_types (
    code     text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_]*$'),
    name     text NOT NULL,
    enabled  boolean NOT NULL DEFAULT true
);
INSERT INTO broker_types (code, name) VALUES
    ('ZERODHA', 'Zerodha Kite Connect'),
    ('ALPACA', 'Alpaca'),
    ('UPSTOX', 'Upstox'),
    ('VESTED', 'Vested (statement import)'),
    ('SANDBOX', 'Sandbox broker (psync-brokersim)');

CREATE TABLE broker_accounts (
    id                   bigserial PRIMARY KEY,
    portfolio_id         bigint NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    broker_code          text NOT NULL REFERENCES broker_types (code),
    label                text NOT NULL,
    external_user_id     text,
    api_key_id           text,
    status               text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'reauth_required')),
    last_synced_at       timestamptz,
    last_error           text,
    current_snapshot_id  bigint,
    current_as_of        timestamptz,
    current_positions_snapshot_id  bigint,
    current_positions_as_of        timestamptz,
    transactions_cursor  text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (portfolio_id, label)
);
CREATE INDEX broker_accounts_portfolio ON broker_accounts (portfolio_id);
CREATE INDEX broker_accounts_reauth ON broker_accounts (id) WHERE status = 'reauth_required';
CREATE INDEX broker_accounts_broker ON broker_accounts (broker_code);

-- Only the sealed box (AES-256-GCM, nonce and tag inside) is stored; the key stays with the gateway.
CREATE TABLE credentials (
    account_id  bigint PRIMARY KEY REFERENCES broker_accounts (id) ON DELETE CASCADE,
    key_id      text NOT NULL,
    sealed_box  bytea NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credentials_key ON credentials (key_id);
