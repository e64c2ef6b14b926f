-- Job state: how the engine reads and writes a job's attributes.
--
-- jobs_attributes rows of a job:
--   <activity id>/<dimension>   type 'output'  the activity instance's node:
--                                              {"input": {"data"}, "output": {"data", "metadata"},
--                                               "hook": {"data"}}
--   data/<key>                  type 'data'    a top-level key of the job data ($job.data)
--   -<marker>, _<search field>  'marker', 'search'  spread from job.maps keys name[-] / name[_]
-- Writes are per attribute, so parallel branches never overwrite each other's job data.

-- The first p_depth segments of a dimensional address (',0,1,0' at depth 2 is ',0,1'),
-- padded with ',0' when the address is shorter.
-- (SQL, inlined into the queries that call it: engine_context_of runs it for every node read.
-- STABLE, not IMMUTABLE, because array_to_string is: a function whose body is more volatile
-- than it says is never inlined.)
CREATE OR REPLACE FUNCTION hotmesh.engine_dad_at(p_dad text, p_depth integer)
RETURNS text
LANGUAGE sql
STABLE
PARALLEL SAFE
AS $$
    -- padded with p_depth zeros first, then cut: the pad is never short
    SELECT CASE WHEN p_depth <= 0 THEN ''
                ELSE ',' || array_to_string(
                    (string_to_array(substr(p_dad || repeat(',0', p_depth), 2), ','))[1:p_depth],
                    ',')
           END
$$;

-- The job's data object, from its data/<key> attributes.
CREATE OR REPLACE FUNCTION hotmesh.engine_job_data(p_job_id bigint)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
    RETURN (SELECT coalesce(jsonb_object_agg(substr(a.field, 6), a.value), '{}'::jsonb)
            FROM hotmesh.jobs_attributes a
            WHERE a.job_id = p_job_id AND a.type = 'data' AND a.field LIKE 'data/%');
END
$$;

-- The job's metadata, as HotMesh names it ($job.metadata).
CREATE OR REPLACE FUNCTION hotmesh.engine_job_metadata(p_job hotmesh.jobs)
RETURNS jsonb
LANGUAGE sql
STABLE
AS $$
    SELECT coalesce(p_job.context -> 'metadata', '{}'::jsonb) || jsonb_build_object(
        'jid', p_job.key,
        'gid', p_job.gid,
        'app', p_job.app_id,
        'vrs', p_job.version,
        'tpc', p_job.topic,
        'js', p_job.status,
        'jc', p_job.created_at,
        'ju', p_job.updated_at)
$$;

-- The evaluation context of an activity instance: $job plus the nodes of the activities it
-- reads (its compiled `reads`, or only p_needed), each at its own dimension (the instance's
-- address cut to that activity's depth). $job (its data and metadata) is there only when the
-- activity reads it (its compiled reads_job).
CREATE OR REPLACE FUNCTION hotmesh.engine_context(
    p_job hotmesh.jobs,
    p_activity_id text,
    p_dad text,
    p_needed text[] DEFAULT NULL
)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
    RETURN hotmesh.engine_context_of(
        p_job,
        (SELECT g.definition FROM hotmesh.graph_activities g
         WHERE g.app_id = p_job.app_id AND g.version = p_job.version
           AND g.activity_id = p_activity_id),
        p_dad, p_needed);
END
$$;

-- engine_context for a caller that holds the activity's compiled definition already.
--
-- Its query always runs the session's one generic plan. Left to choose (plan_cache_mode auto),
-- Postgres plans it anew on most calls once jobs_attributes has grown past the statistics it
-- was analyzed with: a generic plan then looks dearer than one planned for the field list at
-- hand, and each such plan costs more than the read itself (in the benchmark's W1, 5,588 plans
-- for 8,800 reads, 70 µs each). The setting costs a call under 1 µs.
CREATE OR REPLACE FUNCTION hotmesh.engine_context_of(
    p_job hotmesh.jobs,
    p_definition jsonb,
    p_dad text,
    p_needed text[] DEFAULT NULL
)
RETURNS jsonb
LANGUAGE plpgsql
STABLE
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_activity_id text := p_definition ->> 'id';
    v_fields      text[];
    v_nodes       jsonb;
BEGIN
    -- the attribute fields of the nodes read: at an address of zeros only (the usual), the
    -- compiler's list (reads_fields, a text[] literal: a cast, no set-returning query);
    -- else each read cut to its depth
    IF p_needed IS NULL AND p_dad = repeat(',0', length(p_dad) / 2)
       AND p_definition ? 'reads_fields' THEN
        v_fields := (v_activity_id || '/' || p_dad)
                    || (p_definition ->> 'reads_fields')::text[];
    ELSE
        v_fields := ARRAY[v_activity_id || '/' || p_dad] || ARRAY(
            SELECT r.key || '/' || hotmesh.engine_dad_at(p_dad, r.value::integer)
            FROM jsonb_each_text(coalesce(p_definition -> 'reads', '{}'::jsonb)) r
            WHERE r.key <> v_activity_id AND (p_needed IS NULL OR r.key = ANY (p_needed)));
    END IF;
    SELECT jsonb_object_agg(split_part(a.field, '/', 1), a.value) INTO v_nodes
    FROM hotmesh.jobs_attributes a
    WHERE a.job_id = p_job.id AND a.field = ANY (v_fields);
    IF NOT coalesce((p_definition ->> 'reads_job')::boolean, true) THEN
        RETURN coalesce(v_nodes, '{}'::jsonb);  -- nothing reads $job: not built at all
    END IF;
    RETURN jsonb_build_object(
               '$job', jsonb_build_object(
                   'data', hotmesh.engine_job_data(p_job.id),
                   'metadata', hotmesh.engine_job_metadata(p_job)))
           || coalesce(v_nodes, '{}'::jsonb);
END
$$;

-- Evaluate a compiled expression ({"sql": …, "value"?: …, "fast"?: …}); constants need no
-- evaluation, and a fast form needs no dynamic SQL.
CREATE OR REPLACE FUNCTION hotmesh.engine_eval(p_expression jsonb, p_context jsonb)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
BEGIN
    IF p_expression IS NULL OR jsonb_typeof(p_expression) = 'null' THEN
        RETURN NULL;
    ELSIF p_expression ? 'value' THEN
        RETURN p_expression -> 'value';
    ELSIF p_expression ? 'fast' THEN
        RETURN hotmesh.eval_fast(p_expression -> 'fast', p_context);
    END IF;
    RETURN hotmesh.eval_expression(p_expression ->> 'sql', p_context);
END
$$;

-- Merge into an activity instance's node (top-level keys replace: output, hook, input).
CREATE OR REPLACE FUNCTION hotmesh.engine_save_node(
    p_job_id bigint,
    p_activity_id text,
    p_dad text,
    p_node jsonb
)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO hotmesh.jobs_attributes AS a (job_id, field, value, type)
    VALUES (p_job_id, p_activity_id || '/' || p_dad, p_node, 'output')
    ON CONFLICT (job_id, field) DO UPDATE SET value = a.value || excluded.value;
END
$$;

-- Apply an activity's job.maps: each entry's value becomes a job data key (undefined values
-- are skipped); name[-] / name[_] entries spread an object into marker / search fields.
CREATE OR REPLACE FUNCTION hotmesh.engine_apply_job_maps(
    p_job_id bigint,
    p_entries jsonb,
    p_context jsonb
)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_entry jsonb;
    v_value jsonb;
BEGIN
    FOR v_entry IN SELECT e FROM jsonb_array_elements(coalesce(p_entries, '[]')) e LOOP
        v_value := hotmesh.engine_eval(v_entry, p_context);
        CONTINUE WHEN v_value IS NULL;
        IF v_entry ->> 'spread' IS NULL THEN
            INSERT INTO hotmesh.jobs_attributes AS a (job_id, field, value, type)
            VALUES (p_job_id, 'data/' || (v_entry ->> 'key'), v_value, 'data')
            ON CONFLICT (job_id, field) DO UPDATE SET value = excluded.value;
        ELSIF jsonb_typeof(v_value) = 'object' THEN
            INSERT INTO hotmesh.jobs_attributes AS a (job_id, field, value, type)
            SELECT p_job_id, f.key, f.value,
                   CASE WHEN left(f.key, 1) = '-' THEN 'marker'
                        WHEN left(f.key, 1) = '_' THEN 'search'
                        ELSE 'other' END
            FROM jsonb_each(v_value) f
            ON CONFLICT (job_id, field) DO UPDATE SET value = excluded.value;
        END IF;
    END LOOP;
END
$$;
