-- Least-privilege worker roles: provision, list, revoke, rotate (run by an administrator).
--
-- A worker role is a LOGIN role named hmsh_wrk_<app>_<stream>__<stream>..., a member of the
-- NOLOGIN group hotmesh_worker (which may execute the secured functions, V0005), with a row in
-- hotmesh.worker_credentials naming the one app and the streams it serves. That row, not the
-- role's app.allowed_streams setting (a session can SET it), is what the secured functions
-- trust (R__worker_secured.sql).
--
-- These functions run with the caller's rights: the caller needs CREATEROLE (and, from
-- PostgreSQL 16, ADMIN OPTION on hotmesh_worker). Every argument is validated before anything
-- changes, and DDL is only built with format('%I', '%L').

-- The stream names of a credential: validated, without duplicates, sorted (byte order, so the
-- role name is the same in every database whatever its collation).
-- App ids follow hotmesh.apps; a stream name is 1-200 characters of A-Z a-z 0-9 _ . : / -
-- starting with a letter or digit (no comma: app.allowed_streams is a comma-separated list).
CREATE OR REPLACE FUNCTION hotmesh.worker_stream_names(p_app_id text, p_streams text[])
RETURNS text[]
LANGUAGE plpgsql
IMMUTABLE
AS $$
DECLARE
    v_bad     text;
    v_streams text[];
BEGIN
    IF p_app_id IS NULL OR p_app_id !~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$' THEN
        RAISE EXCEPTION 'worker role: app id must be 1-63 characters of A-Z a-z 0-9 _ . - '
                        'starting with a letter or digit, got %',
                        coalesce(quote_literal(left(p_app_id, 80)), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_streams IS NULL OR cardinality(p_streams) NOT BETWEEN 1 AND 100 THEN
        RAISE EXCEPTION 'worker role: stream names must be an array of 1 to 100 names'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT s INTO v_bad
    FROM unnest(p_streams) s
    WHERE s IS NULL OR s !~ '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,199}$'
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'worker role: a stream name must be 1-200 characters of '
                        'A-Z a-z 0-9 _ . : / - starting with a letter or digit, got %',
                        coalesce(quote_literal(left(v_bad, 80)), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT array_agg(d.s ORDER BY d.s COLLATE "C") INTO v_streams
    FROM (SELECT DISTINCT s FROM unnest(p_streams) s) d;
    RETURN v_streams;
END
$$;

-- The role name for an app and its streams. It is exactly hmsh_wrk_<app>_<s1>__<s2>... when
-- every name is lower-case letters and digits and the whole fits PostgreSQL's 63 characters:
-- then no two stream sets share it. Otherwise (other characters folded to '_', or cut), a
-- hash of the exact app and stream names ends it, so that two stream sets never collide.
CREATE OR REPLACE FUNCTION hotmesh.worker_role_name(p_app_id text, p_streams text[])
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
AS $$
DECLARE
    v_streams text[] := hotmesh.worker_stream_names(p_app_id, p_streams);
    v_name    text := 'hmsh_wrk_' || p_app_id || '_' || array_to_string(v_streams, '__');
BEGIN
    IF length(v_name) <= 63 AND p_app_id ~ '^[a-z0-9]+$'
       AND NOT EXISTS (SELECT 1 FROM unnest(v_streams) s WHERE s !~ '^[a-z0-9]+$') THEN
        RETURN v_name;
    END IF;
    RETURN left(regexp_replace(lower(v_name), '[^a-z0-9_]', '_', 'g'), 52) || '_'
           || left(md5(p_app_id || chr(10) || array_to_string(v_streams, chr(10))), 10);
END
$$;

-- A password for CREATE/ALTER ROLE: given (a password, or a SCRAM verifier computed by the
-- client so that the password itself never reaches the server), else 256 random bits.
CREATE OR REPLACE FUNCTION hotmesh.worker_password(p_password text)
RETURNS text
LANGUAGE plpgsql
VOLATILE
AS $$
BEGIN
    IF p_password IS NULL THEN
        -- gen_random_uuid() draws from the server's strong random source (pg_strong_random)
        RETURN replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
    END IF;
    IF p_password = '' OR length(p_password) > 1000 THEN
        RAISE EXCEPTION 'worker role: a password must be 1-1000 characters'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN p_password;
END
$$;

-- The credential row of a worker role an administrator names (rotate, revoke), locked.
-- Refuses anything that is not a provisioned hotmesh worker role of this database, so that
-- no other role (postgres, the app's own) can be altered through these functions.
CREATE OR REPLACE FUNCTION hotmesh.worker_credential_for_update(p_role_name text)
RETURNS hotmesh.worker_credentials
LANGUAGE plpgsql
AS $$
DECLARE
    v_credential hotmesh.worker_credentials;
BEGIN
    IF p_role_name IS NULL OR p_role_name !~ '^hmsh_wrk_[a-z0-9_]+$'
       OR length(p_role_name) > 63 THEN
        RAISE EXCEPTION 'worker role: % is not a hotmesh worker role name (hmsh_wrk_...)',
                        coalesce(quote_literal(left(p_role_name, 80)), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO v_credential
    FROM hotmesh.worker_credentials c
    WHERE c.role_name = p_role_name
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'worker role: no worker role % was provisioned in this database',
                        quote_literal(p_role_name)
            USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM hotmesh.worker_check_role(p_role_name, true);
    RETURN v_credential;
END
$$;

-- A worker role holds no role attribute besides LOGIN and INHERIT, and no membership besides
-- hotmesh_worker: a role that does was not made by provision_worker_role, and these functions
-- neither hand it out nor change it.
CREATE OR REPLACE FUNCTION hotmesh.worker_check_role(p_role_name text, p_must_exist boolean)
RETURNS void
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    v_role pg_roles;
BEGIN
    SELECT * INTO v_role FROM pg_roles r WHERE r.rolname = p_role_name;
    IF NOT FOUND THEN
        IF p_must_exist THEN
            RAISE EXCEPTION 'worker role: role % no longer exists', quote_literal(p_role_name)
                USING ERRCODE = 'undefined_object';
        END IF;
        RETURN;
    END IF;
    IF v_role.rolsuper OR v_role.rolcreaterole OR v_role.rolcreatedb OR v_role.rolreplication
       OR v_role.rolbypassrls
       OR EXISTS (SELECT 1 FROM pg_auth_members m
                  WHERE m.member = v_role.oid AND m.roleid <> 'hotmesh_worker'::regrole) THEN
        RAISE EXCEPTION 'worker role: role % has attributes or memberships of its own and is '
                        'not a hotmesh worker role', quote_literal(p_role_name)
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$$;

-- Create the worker role of an app's streams, or, when it exists, give it a new password and
-- restore it (provisioning again is idempotent and undoes a revocation). Returns the role name
-- and the password (the generated one when none was given).
CREATE OR REPLACE FUNCTION hotmesh.provision_worker_role(
    p_app_id text,
    p_streams text[],
    p_password text DEFAULT NULL
)
RETURNS TABLE (role_name text, password text)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    v_streams  text[] := hotmesh.worker_stream_names(p_app_id, p_streams);
    v_role     text := hotmesh.worker_role_name(p_app_id, p_streams);
    v_password text := hotmesh.worker_password(p_password);
    v_other    hotmesh.worker_credentials;
BEGIN
    -- the name is derived from the streams: another app or stream set under it is a hash
    -- collision, never to be resolved by handing over the role
    SELECT * INTO v_other FROM hotmesh.worker_credentials c
    WHERE c.role_name = v_role
      AND (c.app_id <> p_app_id OR c.stream_names <> v_streams);
    IF FOUND THEN
        RAISE EXCEPTION 'worker role: % already serves app % streams %', quote_literal(v_role),
                        quote_literal(v_other.app_id), v_other.stream_names
            USING ERRCODE = 'duplicate_object';
    END IF;
    PERFORM hotmesh.worker_check_role(v_role, false);

    IF EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = v_role) THEN
        EXECUTE format('ALTER ROLE %I WITH LOGIN INHERIT PASSWORD %L', v_role, v_password);
    ELSE
        EXECUTE format('CREATE ROLE %I WITH LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE '
                       'NOREPLICATION NOBYPASSRLS PASSWORD %L', v_role, v_password);
    END IF;
    IF NOT pg_has_role(v_role, 'hotmesh_worker', 'MEMBER') THEN
        EXECUTE format('GRANT hotmesh_worker TO %I', v_role);
    END IF;
    -- for a DBA's eyes (and HotMesh's habit); never trusted by the secured functions, so an
    -- administrator who may not set it (PostgreSQL 15+: a custom setting needs a superuser or
    -- GRANT SET ON PARAMETER) provisions without it
    BEGIN
        EXECUTE format('ALTER ROLE %I SET app.allowed_streams = %L', v_role,
                       array_to_string(v_streams, ','));
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'app.allowed_streams not set on role % (informational only): %',
                     v_role, SQLERRM;
    END;

    INSERT INTO hotmesh.worker_credentials AS c (role_name, app_id, stream_names, created_at)
    VALUES (v_role, p_app_id, v_streams, hotmesh.now())
    ON CONFLICT (role_name) DO UPDATE
    SET stream_names = excluded.stream_names,
        rotated_at   = hotmesh.now(),
        revoked_at   = NULL;

    RETURN QUERY SELECT v_role, v_password;
END
$$;

-- The worker roles of this database (of one app, or all), revoked ones included.
CREATE OR REPLACE FUNCTION hotmesh.list_worker_roles(p_app_id text DEFAULT NULL)
RETURNS TABLE (
    role_name text,
    app_id text,
    stream_names text[],
    created_at timestamptz,
    rotated_at timestamptz,
    revoked_at timestamptz,
    can_login boolean
)
LANGUAGE sql
STABLE
AS $$
    SELECT c.role_name, c.app_id, c.stream_names, c.created_at, c.rotated_at, c.revoked_at,
           coalesce(r.rolcanlogin, false)
    FROM hotmesh.worker_credentials c
    LEFT JOIN pg_roles r ON r.rolname = c.role_name
    WHERE p_app_id IS NULL OR c.app_id = p_app_id
    ORDER BY c.created_at, c.role_name
$$;

-- Revoke a worker role: it can no longer log in, loses the group's grants (so sessions still
-- open can call nothing either), and its row stays for audit. Returns when it was revoked
-- (the first time, when revoked twice).
CREATE OR REPLACE FUNCTION hotmesh.revoke_worker_role(p_role_name text)
RETURNS timestamptz
LANGUAGE plpgsql
AS $$
DECLARE
    v_credential hotmesh.worker_credentials := hotmesh.worker_credential_for_update(p_role_name);
    v_revoked_at timestamptz;
BEGIN
    EXECUTE format('ALTER ROLE %I WITH NOLOGIN', v_credential.role_name);
    IF pg_has_role(v_credential.role_name, 'hotmesh_worker', 'MEMBER') THEN
        EXECUTE format('REVOKE hotmesh_worker FROM %I', v_credential.role_name);
    END IF;
    UPDATE hotmesh.worker_credentials c
    SET revoked_at = coalesce(c.revoked_at, hotmesh.now())
    WHERE c.role_name = v_credential.role_name
    RETURNING c.revoked_at INTO v_revoked_at;
    RETURN v_revoked_at;
END
$$;

-- Give a worker role a new password (given, or generated and returned). The old one stops
-- working at once; sessions already open stay open. A revoked role is provisioned again
-- instead.
CREATE OR REPLACE FUNCTION hotmesh.rotate_worker_password(
    p_role_name text,
    p_password text DEFAULT NULL
)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    v_credential hotmesh.worker_credentials := hotmesh.worker_credential_for_update(p_role_name);
    v_password   text := hotmesh.worker_password(p_password);
BEGIN
    IF v_credential.revoked_at IS NOT NULL THEN
        RAISE EXCEPTION 'worker role: % is revoked; provision it again to restore it',
                        quote_literal(v_credential.role_name)
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    EXECUTE format('ALTER ROLE %I WITH PASSWORD %L', v_credential.role_name, v_password);
    UPDATE hotmesh.worker_credentials c
    SET rotated_at = hotmesh.now()
    WHERE c.role_name = v_credential.role_name;
    RETURN v_password;
END
$$;

-- Administrators only (V0005 makes new functions non-PUBLIC for the migrating role; this
-- holds even when another role applies the file).
REVOKE ALL ON FUNCTION hotmesh.worker_stream_names(text, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.worker_role_name(text, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.worker_password(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.worker_credential_for_update(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.worker_check_role(text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.provision_worker_role(text, text[], text) FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.list_worker_roles(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.revoke_worker_role(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION hotmesh.rotate_worker_password(text, text) FROM PUBLIC;
