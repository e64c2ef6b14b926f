-- V0005: least-privilege worker roles.
--
-- A worker role reaches the database only through the SECURITY DEFINER functions of
-- R__worker_secured.sql: no table privileges, and EXECUTE on nothing else in schema hotmesh.
-- Worker roles need USAGE on the schema to call their functions, and PostgreSQL lets PUBLIC
-- execute every new function, so this migration takes EXECUTE away from PUBLIC on every
-- hotmesh function, and on the functions the migrating role creates from now on.

-- Which app a credential serves (no earlier version wrote this table, so no row lacks one).
-- The role name shape is checked here too: rotate and revoke only ever touch rows of this table.
ALTER TABLE hotmesh.worker_credentials
    ADD COLUMN app_id text NOT NULL,
    ADD CONSTRAINT worker_credentials_role_name
        CHECK (role_name ~ '^hmsh_wrk_[a-z0-9_]+$' AND length(role_name) <= 63),
    ADD CONSTRAINT worker_credentials_stream_names
        CHECK (cardinality(stream_names) >= 1);

-- The NOLOGIN group every worker role is a member of; it holds the EXECUTE grants.
-- Roles are cluster-wide and every database of a cluster runs this migration (perhaps at the
-- same time: the migration lock is per database), so it is created only when missing.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hotmesh_worker') THEN
        BEGIN
            CREATE ROLE hotmesh_worker NOLOGIN;
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN
                NULL;  -- another database's migration created it meanwhile
            WHEN insufficient_privilege THEN
                RAISE EXCEPTION 'role hotmesh_worker does not exist and % may not create roles',
                                current_user
                    USING ERRCODE = 'insufficient_privilege',
                          HINT = 'run CREATE ROLE hotmesh_worker NOLOGIN as a role with '
                                 'CREATEROLE, then migrate again';
        END;
    END IF;
    -- a group that can log in, or holds more than its grants, is not ours to hand out
    IF EXISTS (SELECT 1 FROM pg_roles
               WHERE rolname = 'hotmesh_worker'
                 AND (rolcanlogin OR rolsuper OR rolcreaterole OR rolcreatedb
                      OR rolreplication OR rolbypassrls)) THEN
        RAISE EXCEPTION 'role hotmesh_worker exists with LOGIN or other role attributes'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'hotmesh_worker must be a plain NOLOGIN group role';
    END IF;
END
$$;

GRANT USAGE ON SCHEMA hotmesh TO hotmesh_worker;

-- Nothing in the schema is PUBLIC (tables never were; this is defence in depth).
REVOKE ALL ON ALL TABLES IN SCHEMA hotmesh FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA hotmesh FROM PUBLIC;
REVOKE EXECUTE ON ALL ROUTINES IN SCHEMA hotmesh FROM PUBLIC;

-- Functions created later (a new R__ file, a new function in one) must not be PUBLIC either;
-- CREATE OR REPLACE keeps the grants of a function that exists. PostgreSQL cannot revoke a
-- default privilege per schema (ALTER DEFAULT PRIVILEGES IN SCHEMA only undoes its own
-- grants), so this is the migrating role's default in this whole database: functions it
-- creates in other schemas of this database are not PUBLIC either (docs/security.md).
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON ROUTINES FROM PUBLIC;
