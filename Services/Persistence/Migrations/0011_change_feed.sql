-- Issue 19: the change feed and webhooks.
--
-- `feed_events` is the feed: one row per event, written in the transaction that made the change (a snapshot's
-- commit, a failed login, a run's end), so an event exists exactly when its change does and a redelivered result,
-- which changes nothing, adds none. `seq` orders the feed; `id` is the event's stable identity, sent with every
-- delivery of it so a receiver can de-duplicate. `data` is the event's payload (its versioned schema is in the
-- contracts, `FeedEventType`), kept as the text we wrote.
CREATE TABLE feed_events (
    seq           bigserial PRIMARY KEY,
    id            uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    type          text NOT NULL
                  CHECK (type IN ('holdings.changed', 'transactions.added', 'account.reauth_required', 'account.reauth_soon', 'run.finished')),
    version       integer NOT NULL,
    account_id    bigint,
    portfolio_id  bigint,
    user_id       bigint,
    broker_code   text,
    run_id        bigint,
    -- An event that must be raised once per occasion (a token's expiry warning) names the occasion here.
    once_key      text UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    data          json NOT NULL
);
CREATE INDEX feed_events_account ON feed_events (account_id, seq) WHERE account_id IS NOT NULL;
CREATE INDEX feed_events_portfolio ON feed_events (portfolio_id, seq) WHERE portfolio_id IS NOT NULL;
CREATE INDEX feed_events_created ON feed_events (created_at);

-- A webhook subscription: where to send which events. The signing secret is sealed by psync-webhooks with its own key;
-- nothing else can read it.
CREATE TABLE webhook_subscriptions (
    id               bigserial PRIMARY KEY,
    url              text NOT NULL CHECK (length(url) <= 2000),
    event_types      text[] NOT NULL CHECK (cardinality(event_types) > 0),
    portfolio_id     bigint REFERENCES portfolios (id) ON DELETE CASCADE,
    user_id          bigint REFERENCES users (id) ON DELETE CASCADE,
    description      text CHECK (length(description) <= 500),
    secret_sealed    text NOT NULL,
    status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    -- Since when every attempt has failed (NULL after a success); a day of that disables the subscription.
    failing_since    timestamptz,
    disabled_at      timestamptz,
    disabled_reason  text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- One event to one subscription. Deliveries of one subscription that share an `ordering_key` (the account, or 0 for
-- events about no account) are sent one at a time in `event_seq` order: only the oldest pending one is ever claimed.
CREATE TABLE webhook_deliveries (
    id                bigserial PRIMARY KEY,
    subscription_id   bigint NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_seq         bigint NOT NULL REFERENCES feed_events (seq) ON DELETE CASCADE,
    ordering_key      bigint NOT NULL,
    status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts          integer NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    leased_until      timestamptz,
    leased_by         text,
    first_attempt_at  timestamptz,
    last_attempt_at   timestamptz,
    delivered_at      timestamptz,
    last_status_code  integer,
    last_error        text,
    last_duration_ms  integer,
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (subscription_id, event_seq)
);
CREATE INDEX webhook_deliveries_line ON webhook_deliveries (subscription_id, ordering_key, event_seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, id DESC);

-- Every attempt, for the delivery log: what the receiver answered and how long it took.
CREATE TABLE webhook_attempts (
    delivery_id   bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt       integer NOT NULL,
    started_at    timestamptz NOT NULL,
    duration_ms   integer NOT NULL,
    status_code   integer,
    error         text,
    worker        text NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);

-- Every event is planned for the active subscriptions that want it, in the transaction that wrote it.
CREATE FUNCTION plan_webhook_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_deliveries (subscription_id, event_seq, ordering_key)
    SELECT s.id, e.seq, coalesce(e.account_id, 0)
    FROM new_events e
    JOIN webhook_subscriptions s ON s.status = 'active' AND e.type = ANY (s.event_types)
        AND (s.portfolio_id IS NULL OR s.portfolio_id = e.portfolio_id)
        AND (s.user_id IS NULL OR s.user_id = e.user_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER feed_events_plan_deliveries AFTER INSERT ON feed_events
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION plan_webhook_deliveries();
