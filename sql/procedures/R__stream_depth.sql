-- How much is in a worker stream.

-- Depth: messages not yet done (ready, delayed or in flight).
CREATE OR REPLACE FUNCTION hotmesh.stream_depth(p_app_id text, p_stream text)
RETURNS bigint
LANGUAGE sql
STABLE
AS $$
    SELECT count(*)
    FROM hotmesh.worker_streams s
    WHERE s.app_id = p_app_id
      AND s.stream_name = p_stream
      AND s.expired_at IS NULL
$$;

-- The stream's messages by state, for operators.
CREATE OR REPLACE FUNCTION hotmesh.stream_stats(
    p_app_id text,
    p_stream text,
    OUT ready bigint,
    OUT delayed bigint,
    OUT in_flight bigint,
    OUT done bigint,
    OUT dead_lettered bigint
)
LANGUAGE sql
STABLE
AS $$
    SELECT count(*) FILTER (WHERE s.expired_at IS NULL AND s.reserved_at IS NULL
                                  AND s.visible_at <= hotmesh.now()),
           count(*) FILTER (WHERE s.expired_at IS NULL AND s.reserved_at IS NULL
                                  AND s.visible_at > hotmesh.now()),
           count(*) FILTER (WHERE s.expired_at IS NULL AND s.reserved_at IS NOT NULL),
           count(*) FILTER (WHERE s.expired_at IS NOT NULL AND s.dead_lettered_at IS NULL),
           count(*) FILTER (WHERE s.dead_lettered_at IS NOT NULL)
    FROM hotmesh.worker_streams s
    WHERE s.app_id = p_app_id
      AND s.stream_name = p_stream
$$;
