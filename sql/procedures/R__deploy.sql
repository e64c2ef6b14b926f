-- Deploying and activating app versions.
--
-- deploy_version stores a compiled graph (from pyhotmesh.compiler) idempotently: the same
-- version with the same content (compiled graph, or manifest) is a no-op, with different
-- content it is refused (a version is immutable once deployed: deploy a new version instead).
-- activate_version switches the app's active version; the engine runs new jobs on it.

CREATE OR REPLACE FUNCTION hotmesh.deploy_version(
    p_app_id text,
    p_version text,
    p_manifest jsonb,
    p_compiled jsonb
)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    v_now      timestamptz := hotmesh.now();
    v_checksum text := md5(p_compiled::text);
    v_existing text;
    v_existing_manifest jsonb;
    v_graph    jsonb;
BEGIN
    IF coalesce(p_app_id, '') = '' OR coalesce(p_version, '') = '' THEN
        RAISE EXCEPTION 'deploy_version: app id and version are required'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_compiled #>> '{app,id}' IS DISTINCT FROM p_app_id
       OR p_compiled #>> '{app,version}' IS DISTINCT FROM p_version THEN
        RAISE EXCEPTION 'deploy_version: the compiled graph is for app % version %, not % version %',
            p_compiled #>> '{app,id}', p_compiled #>> '{app,version}', p_app_id, p_version
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(p_compiled -> 'graphs') IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'deploy_version: the compiled graph has no graphs array'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    INSERT INTO hotmesh.apps (app_id, settings, created_at, updated_at)
    VALUES (p_app_id, coalesce(p_compiled #> '{app,settings}', '{}'), v_now, v_now)
    ON CONFLICT (app_id) DO NOTHING;

    -- Serialise deploys of one version, so two deployers cannot both insert it.
    PERFORM 1 FROM hotmesh.apps WHERE app_id = p_app_id FOR UPDATE;
    SELECT checksum, manifest INTO v_existing, v_existing_manifest
    FROM hotmesh.app_versions
    WHERE app_id = p_app_id AND version = p_version;
    IF FOUND THEN
        -- the same manifest is the same version, even when this compiler emits more than the
        -- one that stored it (an upgraded deployer that deploys on every start): what is
        -- stored stays, and the engine reads the compiled form of any release
        IF v_existing = v_checksum
           OR (p_manifest IS NOT NULL AND p_manifest <> '{}'::jsonb
               AND v_existing_manifest = p_manifest) THEN
            RETURN 'unchanged';
        END IF;
        RAISE EXCEPTION 'version % of app % is already deployed with different content', p_version, p_app_id
            USING ERRCODE = 'unique_violation',
                  HINT = 'a deployed version never changes: give the manifest a new app.version';
    END IF;

    INSERT INTO hotmesh.app_versions (app_id, version, status, checksum, manifest, compiled,
                                      deployed_at)
    VALUES (p_app_id, p_version, 'deployed', v_checksum, coalesce(p_manifest, '{}'), p_compiled,
            v_now);

    FOR v_graph IN SELECT g FROM jsonb_array_elements(p_compiled -> 'graphs') g LOOP
        INSERT INTO hotmesh.graph_subscriptions (app_id, version, topic, activity_id, publishes,
                                                 graph)
        VALUES (p_app_id, p_version, v_graph ->> 'subscribes', v_graph ->> 'trigger',
                v_graph ->> 'publishes',
                v_graph - 'activities' - 'transitions' - 'hooks');

        INSERT INTO hotmesh.graph_activities (app_id, version, activity_id, topic, type, parent,
                                              ancestors, definition)
        SELECT p_app_id, p_version, a.key, v_graph ->> 'subscribes', a.value ->> 'type',
               a.value ->> 'parent',
               ARRAY(SELECT jsonb_array_elements_text(a.value -> 'ancestors')),
               a.value
        FROM jsonb_each(v_graph -> 'activities') a;

        INSERT INTO hotmesh.graph_transitions (app_id, version, from_activity, ordinal,
                                               to_activity, codes, gate, condition_sql)
        SELECT p_app_id, p_version, t.key, e.ordinality, e.value ->> 'to',
               ARRAY(SELECT jsonb_array_elements_text(e.value -> 'codes'))::integer[],
               coalesce(e.value ->> 'gate', 'and'), e.value ->> 'condition'
        FROM jsonb_each(v_graph -> 'transitions') t,
             jsonb_array_elements(t.value) WITH ORDINALITY e;

        INSERT INTO hotmesh.graph_hooks (app_id, version, topic, ordinal, activity_id,
                                         expected_sql, actual_sql)
        SELECT p_app_id, p_version, h.key, r.ordinality, r.value ->> 'to',
               r.value ->> 'expected', r.value ->> 'actual'
        FROM jsonb_each(v_graph -> 'hooks') h,
             jsonb_array_elements(h.value) WITH ORDINALITY r;
    END LOOP;
    RETURN 'deployed';
END
$$;

CREATE OR REPLACE FUNCTION hotmesh.activate_version(p_app_id text, p_version text)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    v_now      timestamptz := hotmesh.now();
    v_previous text;
BEGIN
    SELECT active_version INTO v_previous
    FROM hotmesh.apps WHERE app_id = p_app_id
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'app % is not deployed', p_app_id
            USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM 1 FROM hotmesh.app_versions WHERE app_id = p_app_id AND version = p_version;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'version % of app % is not deployed', p_version, p_app_id
            USING ERRCODE = 'no_data_found',
                  HINT = 'deploy the manifest first; deployed versions: ' || coalesce(
                      (SELECT string_agg(version, ', ' ORDER BY deployed_at)
                       FROM hotmesh.app_versions WHERE app_id = p_app_id), 'none');
    END IF;
    IF v_previous IS NOT DISTINCT FROM p_version THEN
        RETURN p_version;
    END IF;
    UPDATE hotmesh.app_versions
    SET status = CASE WHEN version = p_version THEN 'activated' ELSE 'deployed' END,
        activated_at = CASE WHEN version = p_version THEN v_now ELSE activated_at END
    WHERE app_id = p_app_id AND (version = p_version OR status = 'activated');
    UPDATE hotmesh.apps SET active_version = p_version, updated_at = v_now
    WHERE app_id = p_app_id;
    RETURN p_version;
END
$$;
