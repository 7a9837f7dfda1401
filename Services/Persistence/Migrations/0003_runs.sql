-- Schedules, runs and jobs: every job has a row from the moment it is queued.

CREATE TABLE schedules (
    id               bigserial PRIMARY KEY,
    name             text NOT NULL UNIQUE,
    kind             text NOT NULL CHECK (kind IN ('interval', 'cron', 'once')),
    every_seconds    integer CHECK (every_seconds > 0),
    cron             text,
    time_zone        text NOT NULL DEFAULT 'UTC',
    run_at           timestamptz,
    scope_kind       text NOT NULL CHECK (scope_kind IN ('all', 'user', 'portfolio', 'account')),
    scope_id         bigint,
    actions          text[] NOT NULL,
    enabled          boolean NOT NULL DEFAULT true,
    misfire_policy   text NOT NULL DEFAULT 'once' CHECK (misfire_policy IN ('skip', 'once', 'all')),
    last_run_at      timestamptz,
    total_run_count  integer NOT NULL DEFAULT 0,
    next_run_at      timestamptz,
    version          bigint NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'interval') = (every_seconds IS NOT NULL)),
    CHECK ((kind = 'cron') = (cron IS NOT NULL)),
    CHECK ((kind = 'once') = (run_at IS NOT NULL)),
    CHECK ((scope_kind = 'all') = (scope_id IS NULL))
);
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE enabled;

-- A fire is recorded before it is dispatched, once: a failover can never dispatch it twice.
CREATE TABLE schedule_fires (
    schedule_id  bigint NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    fire_time    timestamptz NOT NULL,
    fired_at     timestamptz NOT NULL DEFAULT now(),
    -- The leader's fencing token; NULL for a manual run-now.
    fence        bigint,
    -- When the fire was on the dispatch stream; NULL until then (a scheduler died in between).
    sent_at      timestamptz,
    PRIMARY KEY (schedule_id, fire_time)
);
CREATE INDEX schedule_fires_unsent ON schedule_fires (fired_at) WHERE sent_at IS NULL;

-- The highest fencing token seen: a leader whose token is older may no longer record fires.
CREATE TABLE scheduler_fence (
    id     integer PRIMARY KEY CHECK (id = 1),
    fence  bigint NOT NULL
);
INSERT INTO scheduler_fence (id, fence) VALUES (1, 0);

CREATE TABLE runs (
    id                  bigserial PRIMARY KEY,
    trigger             text NOT NULL CHECK (trigger IN ('manual', 'schedule')),
    schedule_id         bigint REFERENCES schedules (id) ON DELETE SET NULL,
    fire_time           timestamptz,
    scope_kind          text NOT NULL CHECK (scope_kind IN ('all', 'user', 'portfolio', 'account')),
    scope_id            bigint,
    actions             text[] NOT NULL,
    status              text NOT NULL DEFAULT 'dispatching' CHECK (status IN ('dispatching', 'running', 'finished')),
    requested_by        text,
    request_id          text,
    total_jobs          integer NOT NULL DEFAULT 0,
    succeeded           integer NOT NULL DEFAULT 0,
    failed              integer NOT NULL DEFAULT 0,
    dead                integer NOT NULL DEFAULT 0,
    reauth_required     integer NOT NULL DEFAULT 0,
    skipped_users       integer NOT NULL DEFAULT 0,
    skipped_portfolios  integer NOT NULL DEFAULT 0,
    skipped_accounts    integer NOT NULL DEFAULT 0,
    skipped_reauth      integer NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now(),
    dispatched_at       timestamptz,
    finished_at         timestamptz,
    deadline_at         timestamptz
);
CREATE UNIQUE INDEX runs_fire ON runs (schedule_id, fire_time) WHERE schedule_id IS NOT NULL AND fire_time IS NOT NULL;
CREATE INDEX runs_created ON runs (created_at DESC);
CREATE INDEX runs_unfinished ON runs (id) WHERE status <> 'finished';
CREATE INDEX runs_finished_at ON runs (finished_at) WHERE status = 'finished';

-- Per portfolio of a run: when its last job ends, its totals are recomputed (once).
CREATE TABLE run_portfolios (
    run_id                bigint NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    portfolio_id          bigint NOT NULL,
    total_jobs            integer NOT NULL,
    finished_jobs         integer NOT NULL DEFAULT 0,
    totals_recomputed_at  timestamptz,
    PRIMARY KEY (run_id, portfolio_id)
);

CREATE TABLE jobs (
    id               bigserial PRIMARY KEY,
    run_id           bigint REFERENCES runs (id) ON DELETE CASCADE,
    account_id       bigint NOT NULL REFERENCES broker_accounts (id) ON DELETE CASCADE,
    portfolio_id     bigint NOT NULL,
    broker_code      text NOT NULL,
    action           text NOT NULL CHECK (action IN ('holdings', 'transactions', 'positions')),
    status           text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'retrying', 'succeeded', 'failed', 'dead')),
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text,
    error_kind       text,
    worker           text,
    queued_at        timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    next_attempt_at  timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_run ON jobs (run_id, status, id);
CREATE INDEX jobs_account ON jobs (account_id, queued_at DESC);
CREATE INDEX jobs_queued ON jobs (queued_at DESC);
CREATE INDEX jobs_open ON jobs (broker_code, queued_at) WHERE status IN ('queued', 'running', 'retrying');
CREATE INDEX jobs_status ON jobs (status, id DESC);
CREATE INDEX jobs_broker ON jobs (broker_code, id DESC);

CREATE TABLE job_attempts (
    job_id       bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    attempt      integer NOT NULL,
    worker       text,
    started_at   timestamptz,
    finished_at  timestamptz,
    outcome      text NOT NULL,
    error_kind   text,
    error        text,
    PRIMARY KEY (job_id, attempt)
);

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    scope       text NOT NULL,
    action      text NOT NULL,
    entity      text NOT NULL,
    entity_id   text,
    before      jsonb,
    after       jsonb,
    request_id  text
);
CREATE INDEX audit_log_at ON audit_log (at DESC);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, id DESC);

-- Bumped by every schedule create, edit or delete, so schedulers notice edits by polling one row.
CREATE TABLE schedule_changes (
    id    integer PRIMARY KEY CHECK (id = 1),
    mark  bigint NOT NULL
);
INSERT INTO schedule_changes (id, mark) VALUES (1, 0);
