-- V0006: the quorum (LISTEN/NOTIFY among an app's engines and workers).
--
-- Members: every engine and worker that joined an app's quorum, with the backend of the
-- session that LISTENs for it. A roll call knows from here how many answers to expect and
-- ends as soon as all have answered, instead of always waiting its full delay. Unlogged: after
-- a crash the rows are gone and members join again when they reconnect; rows of sessions that
-- ended are removed whenever members are counted.
CREATE UNLOGGED TABLE hotmesh.quorum_members (
    app_id      text NOT NULL,
    guid        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('engine', 'worker')),
    topic       text,                 -- a worker's topic
    backend_pid integer NOT NULL,     -- the LISTEN session that answers for the member
    joined_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (app_id, guid)
);

-- Quorum messages longer than a NOTIFY can carry (8000 bytes) travel by reference: the message
-- is stored here and its id is NOTIFied. Unlogged and short-lived: rows are deleted after ten
-- minutes (a member that missed one misses a hint, as with a lost NOTIFY).
CREATE UNLOGGED TABLE hotmesh.quorum_payloads (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id     text NOT NULL,
    payload    jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quorum_payloads_created ON hotmesh.quorum_payloads (created_at);

-- Throttles: besides everyone ('global') and one worker topic ('topic'), a rate can be set for
-- all engines ('engines') or all workers ('workers'), so that a member joining later inherits
-- exactly the rate that was meant for it (HotMesh stores an engines-only throttle as the global
-- rate, which workers started later then inherit).
ALTER TABLE hotmesh.throttles DROP CONSTRAINT throttles_scope_check;
ALTER TABLE hotmesh.throttles ADD CONSTRAINT throttles_scope_check
    CHECK (scope IN ('global', 'engines', 'workers', 'topic', 'guid'));
