-- V0001: the tables of the whole engine, in schema hotmesh.
--
-- One set of tables serves every app; rows carry app_id and the functions in sql/procedures
-- enforce isolation. Time columns are filled by the functions from hotmesh.now() so that tests
-- can move a test clock; the now() defaults only serve rows written by hand.

CREATE SCHEMA IF NOT EXISTS hotmesh;

-- The test clock: hotmesh.now() reads this row when the setting hotmesh.clock = 'test'.
CREATE TABLE hotmesh.test_clock (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    now       timestamptz NOT NULL
);

-- Apps and their deployed graph versions ------------------------------------------------------

CREATE TABLE hotmesh.apps (
    app_id         text PRIMARY KEY
                   CHECK (app_id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
    active_version text,
    settings       jsonb NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hotmesh.app_versions (
    app_id       text NOT NULL REFERENCES hotmesh.apps ON DELETE CASCADE,
    version      text NOT NULL CHECK (version <> ''),
    status       text NOT NULL DEFAULT 'deployed' CHECK (status IN ('deployed', 'activated')),
    checksum     text NOT NULL,
    manifest     jsonb NOT NULL,              -- the validated manifest, as deployed
    compiled     jsonb NOT NULL,              -- the compiled graph (see the compiler)
    deployed_at  timestamptz NOT NULL DEFAULT now(),
    activated_at timestamptz,
    PRIMARY KEY (app_id, version)
);

-- Jobs and their attributes -------------------------------------------------------------------

-- status is the semaphore: > 0 running (open obligations), 0 complete, -1 pending,
-- < -100,000,000 interrupted.
CREATE TABLE hotmesh.jobs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id          text NOT NULL REFERENCES hotmesh.apps ON DELETE CASCADE,
    key             text NOT NULL,            -- the job id users see (jid)
    gid             text NOT NULL,            -- generation id: tells a re-created key apart
    version         text,
    topic           text,                     -- the graph's subscribes topic
    entity          text,
    status          integer NOT NULL DEFAULT 0,
    is_live         boolean NOT NULL DEFAULT true,
    context         jsonb NOT NULL DEFAULT '{}',
    parent_key      text,
    parent_activity text,
    parent_dimension text,
    origin_key      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    expired_at      timestamptz
);
CREATE UNIQUE INDEX jobs_live_key ON hotmesh.jobs (app_id, key) WHERE is_live;
CREATE INDEX jobs_key ON hotmesh.jobs (key);
CREATE INDEX jobs_entity ON hotmesh.jobs (app_id, entity, created_at) WHERE entity IS NOT NULL;
CREATE INDEX jobs_expired ON hotmesh.jobs (expired_at) WHERE expired_at IS NOT NULL;
CREATE INDEX jobs_parent ON hotmesh.jobs (parent_key) WHERE parent_key IS NOT NULL;

-- One row per job field: activity outputs by dimension, job data, Durable markers, search fields.
CREATE TABLE hotmesh.jobs_attributes (
    job_id bigint NOT NULL REFERENCES hotmesh.jobs ON DELETE CASCADE,
    field  text NOT NULL,
    value  jsonb,
    type   text NOT NULL DEFAULT 'data'
           CHECK (type IN ('data', 'output', 'marker', 'search', 'status', 'other')),
    PRIMARY KEY (job_id, field)
);

-- Streams ------------------------------------------------------------------------------------

-- Worker streams: one row per message for a worker topic (stream_name) of an app.
-- A message is ready when reserved_at and expired_at are NULL and visible_at has passed;
-- a dequeue leases it until lease_expires_at; ack and dead-letter set expired_at (rows stay
-- for inspection until pruned). Retry policy columns left NULL fall back to the consumer's
-- policy, then to the defaults (3 attempts, coefficient 10, 120 s cap, 1 s initial interval).
CREATE TABLE hotmesh.worker_streams (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id             text NOT NULL,
    stream_name        text NOT NULL CHECK (stream_name <> ''),
    job_key            text NOT NULL DEFAULT '',
    activity_id        text NOT NULL DEFAULT '',
    dimension          text NOT NULL DEFAULT '',
    msg_type           text NOT NULL DEFAULT '',
    workflow_name      text NOT NULL DEFAULT '',
    message            jsonb NOT NULL,
    priority           integer NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    visible_at         timestamptz NOT NULL DEFAULT now(),
    reserved_at        timestamptz,
    reserved_by        text,
    lease_expires_at   timestamptz,
    deliveries         integer NOT NULL DEFAULT 0,    -- also the fencing token of a lease
    reclaims           integer NOT NULL DEFAULT 0,    -- leases that expired unanswered
    reclaim_count      integer NOT NULL DEFAULT 5 CHECK (reclaim_count >= 0),
    retry_attempt      integer NOT NULL DEFAULT 0,    -- error retries so far
    max_attempts       integer CHECK (max_attempts >= 1),
    backoff_coefficient numeric CHECK (backoff_coefficient >= 1),
    maximum_interval_s numeric CHECK (maximum_interval_s > 0),
    initial_interval_s numeric CHECK (initial_interval_s > 0),
    last_error         jsonb,
    expired_at         timestamptz,
    dead_lettered_at   timestamptz,
    dead_letter_reason text
);
CREATE INDEX worker_streams_ready ON hotmesh.worker_streams
    (app_id, stream_name, priority DESC, id)
    WHERE reserved_at IS NULL AND expired_at IS NULL;
CREATE INDEX worker_streams_inflight ON hotmesh.worker_streams
    (app_id, stream_name, lease_expires_at)
    WHERE reserved_at IS NOT NULL AND expired_at IS NULL;
CREATE INDEX worker_streams_job ON hotmesh.worker_streams (job_key) WHERE job_key <> '';
CREATE INDEX worker_streams_dead ON hotmesh.worker_streams
    (app_id, stream_name, dead_lettered_at) WHERE dead_lettered_at IS NOT NULL;
CREATE INDEX worker_streams_processed ON hotmesh.worker_streams (expired_at)
    WHERE expired_at IS NOT NULL;

-- Engine streams: deferred engine work of an app (timers, cascades past the inline bound),
-- consumed inside SQL by the engine. Same lease and dead-letter columns as worker streams.
CREATE TABLE hotmesh.engine_streams (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id             text NOT NULL,
    job_key            text NOT NULL DEFAULT '',
    activity_id        text NOT NULL DEFAULT '',
    dimension          text NOT NULL DEFAULT '',
    msg_type           text NOT NULL DEFAULT '',
    message            jsonb NOT NULL,
    priority           integer NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    visible_at         timestamptz NOT NULL DEFAULT now(),
    reserved_at        timestamptz,
    reserved_by        text,
    lease_expires_at   timestamptz,
    deliveries         integer NOT NULL DEFAULT 0,
    reclaims           integer NOT NULL DEFAULT 0,
    reclaim_count      integer NOT NULL DEFAULT 5 CHECK (reclaim_count >= 0),
    last_error         jsonb,
    expired_at         timestamptz,
    dead_lettered_at   timestamptz,
    dead_letter_reason text
);
CREATE INDEX engine_streams_ready ON hotmesh.engine_streams
    (app_id, priority DESC, visible_at, id)
    WHERE reserved_at IS NULL AND expired_at IS NULL;
CREATE INDEX engine_streams_inflight ON hotmesh.engine_streams (app_id, lease_expires_at)
    WHERE reserved_at IS NOT NULL AND expired_at IS NULL;
CREATE INDEX engine_streams_job ON hotmesh.engine_streams (job_key) WHERE job_key <> '';
CREATE INDEX engine_streams_dead ON hotmesh.engine_streams (app_id, dead_lettered_at)
    WHERE dead_lettered_at IS NOT NULL;
CREATE INDEX engine_streams_processed ON hotmesh.engine_streams (expired_at)
    WHERE expired_at IS NOT NULL;

-- Signals: hook registrations (a waiter) and signals that arrived before their waiter --------

CREATE TABLE hotmesh.signals (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id      text NOT NULL,
    topic       text NOT NULL,                -- the hook topic
    signal_key  text NOT NULL,                -- the value the hook rule resolved to
    kind        text NOT NULL CHECK (kind IN ('waiter', 'early')),
    job_id      bigint REFERENCES hotmesh.jobs ON DELETE CASCADE,
    activity_id text,
    dimension   text,
    payload     jsonb,
    status      text,
    code        integer,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    consumed_at timestamptz
);
CREATE INDEX signals_open ON hotmesh.signals (app_id, topic, signal_key, kind)
    WHERE consumed_at IS NULL;
CREATE INDEX signals_job ON hotmesh.signals (job_id) WHERE job_id IS NOT NULL;

-- Least-privilege worker roles (the row stays after revocation, for audit) -------------------

CREATE TABLE hotmesh.worker_credentials (
    role_name    text PRIMARY KEY,
    stream_names text[] NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    rotated_at   timestamptz,
    revoked_at   timestamptz
);

-- Throttles, persisted so that consumers joining later inherit them --------------------------
-- throttle_ms: 0 none, > 0 a pause before each dequeue, -1 paused.

CREATE TABLE hotmesh.throttles (
    app_id      text NOT NULL,
    scope       text NOT NULL CHECK (scope IN ('global', 'topic', 'guid')),
    target      text NOT NULL DEFAULT '',
    throttle_ms integer NOT NULL CHECK (throttle_ms >= -1),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (app_id, scope, target)
);
