-- A consumer's callback failed on a message it holds: retry it later or dead-letter it.
--
-- The policy is the message's own (its retry columns, set at publish), else p_policy (the
-- consumer's configured retry), else the defaults: 3 attempts, coefficient 10, 120 s cap, 1 s
-- initial interval. After failed attempt k (1-based), while k < maximumAttempts, the message
-- becomes visible again after min(initial × coefficient^k, maximumInterval) seconds; otherwise
-- it is dead-lettered with the error kept in last_error.
-- outcome: 'retried', 'dead_lettered', or 'lost' when the lease was no longer held.

CREATE OR REPLACE FUNCTION hotmesh.stream_fail(
    p_consumer text,
    p_id bigint,
    p_delivery integer,
    p_error jsonb,
    p_policy jsonb DEFAULT NULL,
    OUT outcome text,
    OUT attempt integer,
    OUT visible_at timestamptz
)
LANGUAGE plpgsql
AS $$
DECLARE
    v_now      timestamptz := hotmesh.now();
    v_fallback record;
    v_message  hotmesh.worker_streams%ROWTYPE;
    v_max      integer;
    v_delay_s  numeric;
BEGIN
    SELECT * INTO v_fallback FROM hotmesh.retry_policy(p_policy);
    -- an engine message's job is locked before the message (the engine's lock order)
    PERFORM 1 FROM hotmesh.jobs j
    JOIN hotmesh.worker_streams s ON s.app_id = j.app_id AND s.job_key = j.key
    WHERE s.id = p_id AND s.job_key <> '' AND j.is_live
    FOR UPDATE OF j;

    SELECT * INTO v_message
    FROM hotmesh.worker_streams s
    WHERE s.id = p_id
      AND s.deliveries = p_delivery
      AND s.reserved_by = p_consumer
      AND s.reserved_at IS NOT NULL
      AND s.expired_at IS NULL
    FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'lost';
        RETURN;
    END IF;

    attempt := v_message.retry_attempt + 1;
    v_max := coalesce(v_message.max_attempts, v_fallback.max_attempts, 3);

    IF attempt < v_max THEN
        v_delay_s := hotmesh.retry_delay_seconds(
            attempt,
            coalesce(v_message.initial_interval_s, v_fallback.initial_interval_s, 1),
            coalesce(v_message.backoff_coefficient, v_fallback.backoff_coefficient, 10),
            coalesce(v_message.maximum_interval_s, v_fallback.maximum_interval_s, 120));
        visible_at := v_now + v_delay_s * interval '1 second';
        UPDATE hotmesh.worker_streams s
        SET retry_attempt    = attempt,
            visible_at       = stream_fail.visible_at,
            reserved_at      = NULL,
            reserved_by      = NULL,
            lease_expires_at = NULL,
            last_error       = p_error
        WHERE s.id = p_id;
        outcome := 'retried';
    ELSE
        UPDATE hotmesh.worker_streams s
        SET retry_attempt      = attempt,
            expired_at         = v_now,
            dead_lettered_at   = v_now,
            dead_letter_reason = format('failed %s of %s attempts', attempt, v_max),
            last_error         = p_error
        WHERE s.id = p_id;
        outcome := 'dead_lettered';
        -- an engine message's job must not wait forever: it gets the error as the response
        PERFORM hotmesh.engine_fail_message(v_message, p_error);
    END IF;
END
$$;

-- Dead-letter a held message at once (a poison message, an error not worth retrying).
CREATE OR REPLACE FUNCTION hotmesh.stream_dead_letter(
    p_consumer text,
    p_id bigint,
    p_delivery integer,
    p_reason text,
    p_error jsonb DEFAULT NULL
)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
    v_now     timestamptz := hotmesh.now();
    v_message hotmesh.worker_streams;
BEGIN
    PERFORM 1 FROM hotmesh.jobs j
    JOIN hotmesh.worker_streams s ON s.app_id = j.app_id AND s.job_key = j.key
    WHERE s.id = p_id AND s.job_key <> '' AND j.is_live
    FOR UPDATE OF j;
    UPDATE hotmesh.worker_streams s
    SET expired_at         = v_now,
        dead_lettered_at   = v_now,
        dead_letter_reason = coalesce(p_reason, 'dead-lettered by consumer'),
        last_error         = coalesce(p_error, s.last_error)
    WHERE s.id = p_id
      AND s.deliveries = p_delivery
      AND s.reserved_by = p_consumer
      AND s.reserved_at IS NOT NULL
      AND s.expired_at IS NULL
    RETURNING s.* INTO v_message;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM hotmesh.engine_fail_message(
        v_message, coalesce(p_error, jsonb_build_object('message', v_message.dead_letter_reason)));
    RETURN true;
END
$$;
