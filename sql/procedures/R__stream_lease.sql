-- What a consumer does with messages it holds: ack, heartbeat, release.
--
-- Each takes parallel arrays of message ids and the delivery (fencing token) dequeue returned,
-- so one call serves one message or a batch. A message whose lease was lost (reclaimed and
-- perhaps delivered again) is left alone and missing from the result: a late consumer can
-- never ack or extend somebody else's delivery.
--
-- Each runs its statement with the session's one generic plan (a nested loop over the ids
-- held). Left to choose, Postgres planned the ack anew on 4,395 of 10,861 calls in the
-- streams benchmark (0.2 ms a plan, more than the update itself): a plan made for the list at
-- hand looks cheaper than the generic one, which assumes a list of ten.

-- Ack: the message is done. The row is kept (expired_at set) until retention prunes it.
CREATE OR REPLACE FUNCTION hotmesh.stream_ack(
    p_consumer text,
    p_ids bigint[],
    p_deliveries integer[]
)
RETURNS SETOF bigint
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    PERFORM hotmesh.check_lease_arrays(p_ids, p_deliveries);
    RETURN QUERY
    UPDATE hotmesh.worker_streams s
    SET expired_at = hotmesh.now()
    FROM unnest(p_ids, p_deliveries) AS held (id, delivery)
    WHERE s.id = held.id
      AND s.deliveries = held.delivery
      AND s.reserved_by = p_consumer
      AND s.reserved_at IS NOT NULL
      AND s.expired_at IS NULL
    RETURNING s.id;
END
$$;

-- Heartbeat: extend the leases still held to now + p_lease_ms; returns the ids still held
-- (a message another transaction has locked is left out: see below).
CREATE OR REPLACE FUNCTION hotmesh.stream_heartbeat(
    p_consumer text,
    p_ids bigint[],
    p_deliveries integer[],
    p_lease_ms integer DEFAULT 30000
)
RETURNS SETOF bigint
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    PERFORM hotmesh.check_lease_arrays(p_ids, p_deliveries);
    IF p_lease_ms IS NULL OR p_lease_ms < 1 THEN
        RAISE EXCEPTION 'stream_heartbeat: lease must be a positive number of milliseconds, got %',
            p_lease_ms
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- SKIP LOCKED: a message locked right now is being settled (answered, acked) or
    -- reclaimed, and needs no longer lease. Waiting for it instead would deadlock with a
    -- batch of answers that locks the same messages in another order (by job).
    RETURN QUERY
    WITH held AS MATERIALIZED (
        SELECT s.id
        FROM hotmesh.worker_streams s
        JOIN unnest(p_ids, p_deliveries) AS h (id, delivery)
          ON s.id = h.id AND s.deliveries = h.delivery
        WHERE s.reserved_by = p_consumer
          AND s.reserved_at IS NOT NULL
          AND s.expired_at IS NULL
        FOR UPDATE OF s SKIP LOCKED
    )
    UPDATE hotmesh.worker_streams s
    SET lease_expires_at = hotmesh.now() + p_lease_ms * interval '1 millisecond'
    FROM held
    WHERE s.id = held.id
    RETURNING s.id;
END
$$;

-- Release: give messages back unprocessed (a consumer stopping); they are ready at once and
-- the release counts as neither a reclaim nor a retry.
CREATE OR REPLACE FUNCTION hotmesh.stream_release(
    p_consumer text,
    p_ids bigint[],
    p_deliveries integer[]
)
RETURNS SETOF bigint
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    PERFORM hotmesh.check_lease_arrays(p_ids, p_deliveries);
    RETURN QUERY
    UPDATE hotmesh.worker_streams s
    SET reserved_at = NULL,
        reserved_by = NULL,
        lease_expires_at = NULL
    FROM unnest(p_ids, p_deliveries) AS held (id, delivery)
    WHERE s.id = held.id
      AND s.deliveries = held.delivery
      AND s.reserved_by = p_consumer
      AND s.reserved_at IS NOT NULL
      AND s.expired_at IS NULL
    RETURNING s.id;
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.check_lease_arrays(p_ids bigint[], p_deliveries integer[])
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
AS $$
BEGIN
    IF p_ids IS NULL OR p_deliveries IS NULL
       OR cardinality(p_ids) <> cardinality(p_deliveries) THEN
        RAISE EXCEPTION 'message ids and deliveries must be arrays of the same length'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$$;
