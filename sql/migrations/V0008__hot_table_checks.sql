-- V0008: the tables written at every workflow step keep no CHECK constraints.
--
-- Postgres re-reads every CHECK expression of a table from its stored text on each INSERT or
-- UPDATE statement (the parsed form lives only as long as one statement). worker_streams is
-- written three times per workflow step (publish, claim, answer), and its six checks were 9 %
-- of the backend's instructions per workflow (callgrind, W1 loop); the one check of
-- jobs_attributes (written twice per step) was another 4 %. Every value they guarded
-- comes only through stream_publish, which validates it with a clear error (stream name,
-- reclaimCount, the retry policy fields) before anything is written; the engine's own inserts
-- set none of them. Workers hold no table privileges (V0005), so nobody else writes here.
ALTER TABLE hotmesh.worker_streams
    DROP CONSTRAINT worker_streams_stream_name_check,
    DROP CONSTRAINT worker_streams_reclaim_count_check,
    DROP CONSTRAINT worker_streams_max_attempts_check,
    DROP CONSTRAINT worker_streams_backoff_coefficient_check,
    DROP CONSTRAINT worker_streams_maximum_interval_s_check,
    DROP CONSTRAINT worker_streams_initial_interval_s_check;

-- Attribute types are written only by the engine's functions, each with a literal type.
ALTER TABLE hotmesh.jobs_attributes DROP CONSTRAINT jobs_attributes_type_check;
