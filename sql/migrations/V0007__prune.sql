-- V0007: what retention (hotmesh.prune, R__prune.sql) needs besides V0001's indexes.
--
-- Deleting expired jobs and done stream rows uses V0001's indexes on expired_at
-- (jobs_expired, worker_streams_processed, engine_streams_processed). Attribute stripping
-- marks the jobs it has stripped with pruned_at, so a second run finds nothing to do; the
-- partial index holds only the jobs not stripped yet (status is deliberately not part of it:
-- the semaphore is updated at every step and must not touch an index). Consumed signals are
-- found by when they were consumed.

ALTER TABLE hotmesh.jobs ADD COLUMN pruned_at timestamptz;  -- set by attribute stripping

CREATE INDEX jobs_unpruned ON hotmesh.jobs (id) WHERE pruned_at IS NULL;

CREATE INDEX signals_consumed ON hotmesh.signals (consumed_at) WHERE consumed_at IS NOT NULL;
