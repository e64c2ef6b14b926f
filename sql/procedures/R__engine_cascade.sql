-- The cascade: running activities one after another inside the caller's transaction.
--
-- An entry point (pub, respond, signal, engine_step) hands engine_cascade the first work items
-- of a job; each item runs one leg of one activity instance (engine_run) and yields the items
-- that follow (children on taken transitions, a re-entered cycle ancestor, …). Items for other
-- jobs (a child job's result for its parent) run in the same transaction. The cascade is
-- bounded: past p_limit items the rest is deferred to engine_streams as 'transition' messages,
-- which engine_step runs later, so a runaway cycle cannot hold a transaction forever.
--
-- A work item: {"job_id", "aid", "dad", "leg": 1|2, "kind", "status", "code", "data"}.

-- p_locked: a job the caller has locked already (row locks last until the transaction ends, so
-- a job locked once is only read again, without another lock).
DROP FUNCTION IF EXISTS hotmesh.engine_cascade(jsonb, integer);
CREATE OR REPLACE FUNCTION hotmesh.engine_cascade(
    p_items jsonb,
    p_limit integer DEFAULT 1000,
    p_locked bigint DEFAULT NULL
)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    v_queue  jsonb := p_items;
    v_item   jsonb;
    v_ran    integer := 0;
    v_job    hotmesh.jobs;
    v_job_id bigint;
    v_locked bigint[] := ARRAY[p_locked];
BEGIN
    WHILE jsonb_array_length(v_queue) > 0 LOOP
        IF v_ran >= p_limit THEN
            INSERT INTO hotmesh.engine_streams (app_id, job_key, activity_id, dimension,
                                                msg_type, message, priority, created_at,
                                                visible_at)
            SELECT j.app_id, j.key, q.item ->> 'aid', q.item ->> 'dad', 'transition', q.item,
                   4, hotmesh.now(), hotmesh.now()
            FROM jsonb_array_elements(v_queue) q (item)
            JOIN hotmesh.jobs j ON j.id = (q.item ->> 'job_id')::bigint;
            RETURN v_ran;
        END IF;
        v_item := v_queue -> 0;
        v_queue := v_queue - 0;
        v_ran := v_ran + 1;
        v_job_id := (v_item ->> 'job_id')::bigint;
        IF v_job_id = ANY (v_locked) THEN
            SELECT * INTO v_job FROM hotmesh.jobs WHERE id = v_job_id;
        ELSE
            SELECT * INTO v_job FROM hotmesh.jobs WHERE id = v_job_id FOR UPDATE;
            v_locked := v_locked || v_job_id;
        END IF;
        CONTINUE WHEN NOT FOUND;
        v_queue := v_queue || hotmesh.engine_run(v_job, v_item);
    END LOOP;
    RETURN v_ran;
END
$$;

-- Move the semaphore by p_delta; when it reaches 0 the job completes (engine_complete).
-- Returns the items completion produced (the parent's result), or []. A step that hands its
-- obligation to exactly one child moves nothing and writes nothing (jobs.updated_at is when
-- the semaphore last moved). The caller holds the job's row lock (engine_cascade takes it;
-- engine_start_job's job is its own), so the status read here is the one the update sees.
CREATE OR REPLACE FUNCTION hotmesh.engine_settle(p_job_id bigint, p_delta integer)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_status integer;
BEGIN
    IF p_delta = 0 THEN
        RETURN '[]'::jsonb;
    END IF;
    SELECT status INTO v_status FROM hotmesh.jobs WHERE id = p_job_id;
    IF v_status > 0 AND v_status + p_delta = 0 THEN
        -- the last obligation: completion writes the status with its own update of the row
        -- (one update, not two: a second one in the same transaction also repeats the row's
        -- foreign key check)
        RETURN hotmesh.engine_complete(p_job_id, NULL, p_closing => true);
    END IF;
    UPDATE hotmesh.jobs
    SET status = status + p_delta, updated_at = hotmesh.now()
    WHERE id = p_job_id AND status > 0;
    RETURN '[]'::jsonb;
END
$$;

-- The transitions an activity takes after a leg with status code p_code, as leg-1 items of
-- its children (in YAML order) at the child dimension p_dad || ',0'. p_next is the activity's
-- compiled "next" (present when none of its transitions has a condition: the children by
-- code), which spares the look-up of a single child.
DROP FUNCTION IF EXISTS hotmesh.engine_children(hotmesh.jobs, text, text, integer, jsonb);
CREATE OR REPLACE FUNCTION hotmesh.engine_children(
    p_job hotmesh.jobs,
    p_activity_id text,
    p_dad text,
    p_code integer,
    p_context jsonb,
    p_next jsonb DEFAULT NULL
)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_targets jsonb := p_next -> p_code::text;
BEGIN
    IF p_next IS NOT NULL AND v_targets IS NULL THEN
        RETURN '[]'::jsonb;
    ELSIF jsonb_array_length(v_targets) = 1 THEN
        RETURN jsonb_build_array(jsonb_build_object(
            'job_id', p_job.id, 'aid', v_targets ->> 0, 'dad', p_dad || ',0', 'leg', 1,
            'from', p_activity_id));
    END IF;
    RETURN (
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'job_id', p_job.id, 'aid', t.to_activity, 'dad', p_dad || ',0', 'leg', 1,
               'from', p_activity_id) ORDER BY t.ordinal), '[]'::jsonb)
    FROM hotmesh.graph_transitions t
    WHERE t.app_id = p_job.app_id
      AND t.version = p_job.version
      AND t.from_activity = p_activity_id
      AND p_code = ANY (t.codes)
      AND (t.condition_sql IS NULL OR hotmesh.eval_condition(t.condition_sql, p_context)));
END
$$;
