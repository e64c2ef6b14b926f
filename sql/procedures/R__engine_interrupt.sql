-- Interrupting and scrubbing jobs.
--
-- An interrupted job's semaphore drops below -100,000,000 (HotMesh's marker), its queued worker
-- messages, timers and signal registrations are retired so nothing runs for it any more, and
-- its error (code 410 unless given) is recorded. With throw (the default) an awaiting parent
-- receives the error as its await activity's result. A completed job is left as it is.

CREATE OR REPLACE FUNCTION hotmesh.engine_interrupt_job(p_job_id bigint, p_options jsonb)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_now    timestamptz := hotmesh.now();
    v_job    hotmesh.jobs;
    v_code   integer := coalesce((p_options ->> 'code')::integer, 410);
    v_expire double precision := hotmesh.js_to_number(p_options -> 'expire');
    v_error  jsonb;
    v_md     jsonb;
    v_parent hotmesh.jobs;
BEGIN
    v_error := jsonb_build_object(
        'message', coalesce(p_options ->> 'reason', 'job interrupted'),
        'code', v_code, 'is_interrupt', true)
        || CASE WHEN p_options ? 'stack' THEN jsonb_build_object('stack', p_options -> 'stack')
                ELSE '{}'::jsonb END;
    UPDATE hotmesh.jobs
    SET status = status - 1000000000,
        context = jsonb_set(context, '{metadata,err}', v_error, true),
        updated_at = v_now,
        expired_at = v_now + CASE WHEN v_expire > 0 AND v_expire NOT IN ('Infinity', 'NaN')
                                  THEN v_expire ELSE 1 END * interval '1 second'
    WHERE id = p_job_id AND status > -100000000
      AND status <> 0  -- a completed job keeps its result (HotMesh refuses to interrupt it)
    RETURNING * INTO v_job;
    IF NOT FOUND THEN
        RETURN '[]'::jsonb;  -- already interrupted or complete
    END IF;
    UPDATE hotmesh.worker_streams SET expired_at = v_now
    WHERE job_key = v_job.key AND app_id = v_job.app_id AND expired_at IS NULL;
    UPDATE hotmesh.engine_streams SET expired_at = v_now
    WHERE job_key = v_job.key AND app_id = v_job.app_id AND expired_at IS NULL;
    UPDATE hotmesh.signals SET consumed_at = v_now
    WHERE job_id = v_job.id AND consumed_at IS NULL;
    PERFORM hotmesh.notify_listeners(hotmesh.job_channel(v_job.app_id), jsonb_build_object(
        'type', 'job', 'jid', v_job.key, 'gid', v_job.gid, 'topic', v_job.topic,
        'status', 'interrupted')::text);

    v_md := coalesce(v_job.context -> 'metadata', '{}'::jsonb);
    IF coalesce((p_options ->> 'throw')::boolean, true) AND v_md ? 'pj'
       AND coalesce((v_md ->> 'px')::boolean, false) = false THEN
        SELECT * INTO v_parent FROM hotmesh.jobs
        WHERE app_id = v_job.app_id AND key = v_md ->> 'pj' AND gid = v_md ->> 'pg';
        IF FOUND THEN
            RETURN jsonb_build_array(jsonb_build_object(
                'job_id', v_parent.id, 'aid', v_md ->> 'pa', 'dad', v_md ->> 'pd', 'leg', 2,
                'kind', 'result', 'status', 'error', 'code', v_code, 'data', v_error));
        END IF;
    END IF;
    RETURN '[]'::jsonb;
END
$$;

-- Interrupt the live job p_key. An unknown job raises P0002, unless p_missing_ok (the
-- interrupt activity's target: HotMesh interrupts another job best-effort) returns [].
DROP FUNCTION IF EXISTS hotmesh.engine_interrupt_key(text, text, jsonb);
CREATE OR REPLACE FUNCTION hotmesh.engine_interrupt_key(
    p_app_id text,
    p_key text,
    p_options jsonb,
    p_missing_ok boolean DEFAULT false
)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_job_id bigint;
BEGIN
    SELECT id INTO v_job_id FROM hotmesh.jobs
    WHERE app_id = p_app_id AND key = p_key AND is_live
    FOR UPDATE;
    IF NOT FOUND AND p_missing_ok THEN
        RETURN '[]'::jsonb;
    ELSIF NOT FOUND THEN
        RAISE EXCEPTION '% Not Found', p_key USING ERRCODE = 'no_data_found';
    END IF;
    RETURN hotmesh.engine_interrupt_job(v_job_id, p_options);
END
$$;

-- interrupt(topic, job id, {reason, throw, code, expire, stack}): stop a running job.
CREATE OR REPLACE FUNCTION hotmesh.interrupt(
    p_app_id text,
    p_key text,
    p_options jsonb DEFAULT '{}'
)
RETURNS text
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM hotmesh.engine_cascade(
        hotmesh.engine_interrupt_key(p_app_id, p_key, coalesce(p_options, '{}')));
    RETURN p_key;
END
$$;

-- scrub(job id): delete a job and everything it left (attributes, ledger, queued messages).
CREATE OR REPLACE FUNCTION hotmesh.scrub(p_app_id text, p_key text)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    v_count integer;
BEGIN
    UPDATE hotmesh.worker_streams SET expired_at = hotmesh.now()
    WHERE job_key = p_key AND app_id = p_app_id AND expired_at IS NULL;
    UPDATE hotmesh.engine_streams SET expired_at = hotmesh.now()
    WHERE job_key = p_key AND app_id = p_app_id AND expired_at IS NULL;
    DELETE FROM hotmesh.jobs WHERE app_id = p_app_id AND key = p_key;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;
