-- V0003: what the engine needs besides V0001's tables.
--
-- activity_instances is the collation ledger: one row per activity instance (job, activity,
-- dimension), written in the same transaction as the step it records, so a replayed, late or
-- duplicate message finds its step already recorded and changes nothing. Worker responses are
-- recorded on their worker_streams row (responded_at): a second response to the same message
-- is a duplicate.

CREATE TABLE hotmesh.activity_instances (
    job_id       bigint NOT NULL REFERENCES hotmesh.jobs ON DELETE CASCADE,
    activity_id  text NOT NULL,
    dimension    text NOT NULL,               -- the dimensional address, e.g. ',0,0'
    entered_at   timestamptz NOT NULL,        -- leg 1 ran
    arrivals     integer NOT NULL DEFAULT 1,  -- leg-1 arrivals (a join is arrived at twice)
    sources      text[] NOT NULL DEFAULT '{}', -- the activities it was arrived at from: a
                                              -- second arrival from the same one is a replay
    leg2_count   integer NOT NULL DEFAULT 0,  -- leg-2 entries (responses, signals, re-entries)
    finalized_at timestamptz,                 -- no further leg 2 is accepted
    PRIMARY KEY (job_id, activity_id, dimension)
);

ALTER TABLE hotmesh.worker_streams ADD COLUMN responded_at timestamptz;

-- Jobs waiting for a signal or a timer are found by job; completed jobs by their expiry.
CREATE INDEX engine_streams_due ON hotmesh.engine_streams (app_id, visible_at, id)
    WHERE reserved_at IS NULL AND expired_at IS NULL;
