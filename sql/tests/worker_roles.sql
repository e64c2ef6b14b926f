-- Worker roles: the V0005 lock-down, and provision / list / revoke / rotate
-- (R__worker_roles.sql). Roles are cluster-wide: every one made here is rolled back.
BEGIN;
SELECT plan(88);

-- The lock-down (V0005) -----------------------------------------------------------------------

SELECT ok((SELECT NOT rolcanlogin AND NOT rolsuper FROM pg_roles WHERE rolname = 'hotmesh_worker'),
          'the group role hotmesh_worker exists and cannot log in');
SELECT ok(has_schema_privilege('hotmesh_worker', 'hotmesh', 'USAGE'),
          'hotmesh_worker may use the schema');
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.pronamespace = 'hotmesh'::regnamespace
      AND has_function_privilege('public', p.oid, 'EXECUTE')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')$$,
    'no hotmesh function is executable by PUBLIC (pgTAP''s own aside, when installed there)');
SELECT is_empty($$
    SELECT c.oid::regclass FROM pg_class c
    WHERE c.relnamespace = 'hotmesh'::regnamespace AND c.relkind IN ('r', 'S', 'v', 'm', 'p')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
      AND (has_table_privilege('public', c.oid, 'SELECT')
           OR has_table_privilege('hotmesh_worker', c.oid, 'SELECT')
           OR has_table_privilege('hotmesh_worker', c.oid, 'INSERT')
           OR has_table_privilege('hotmesh_worker', c.oid, 'UPDATE')
           OR has_table_privilege('hotmesh_worker', c.oid, 'DELETE'))$$,
    'neither PUBLIC nor hotmesh_worker holds a privilege on any hotmesh table or sequence');

-- functions made later by the migrating role are not PUBLIC, and CREATE OR REPLACE keeps that
CREATE FUNCTION hotmesh.probe_later() RETURNS integer LANGUAGE sql AS 'SELECT 1';
SELECT ok(NOT has_function_privilege('public', 'hotmesh.probe_later()', 'EXECUTE'),
          'a function created after V0005 is not executable by PUBLIC');
CREATE OR REPLACE FUNCTION hotmesh.probe_later() RETURNS integer LANGUAGE sql AS 'SELECT 2';
SELECT ok(NOT has_function_privilege('public', 'hotmesh.probe_later()', 'EXECUTE'),
          'nor after CREATE OR REPLACE');
SELECT ok(NOT has_function_privilege('hotmesh_worker', 'hotmesh.probe_later()', 'EXECUTE'),
          'nor by hotmesh_worker');

SELECT is_empty($$
    SELECT p.proname FROM pg_proc p
    WHERE p.pronamespace = 'hotmesh'::regnamespace
      AND p.proname IN ('provision_worker_role', 'list_worker_roles', 'revoke_worker_role',
                        'rotate_worker_password', 'worker_role_name', 'worker_stream_names',
                        'worker_password', 'worker_credential_for_update', 'worker_check_role')
      AND has_function_privilege('hotmesh_worker', p.oid, 'EXECUTE')$$,
    'hotmesh_worker may not run the administration functions');

SELECT throws_ok($$INSERT INTO hotmesh.worker_credentials (role_name, app_id, stream_names)
                   VALUES ('postgres', 'shop', '{pay}')$$,
                 '23514', NULL, 'a credential row must name a hmsh_wrk_ role');
SELECT throws_ok($$INSERT INTO hotmesh.worker_credentials (role_name, app_id, stream_names)
                   VALUES ('hmsh_wrk_shop', 'shop', '{}')$$,
                 '23514', NULL, 'a credential row names at least one stream');

-- Names -------------------------------------------------------------------------------------

SELECT is(hotmesh.worker_stream_names('shop', ARRAY['ship', 'pay', 'ship', 'Z.x']),
          ARRAY['Z.x', 'pay', 'ship'],
          'stream names are deduplicated and sorted in byte order');
SELECT is(hotmesh.worker_stream_names('shop', ARRAY['a-b_c.d:e/f']), ARRAY['a-b_c.d:e/f'],
          'letters, digits, _ . : / - are allowed in stream names');

SELECT throws_ok(format('SELECT hotmesh.worker_stream_names(%L, ARRAY[%L])', 'shop', bad),
                 '22023', NULL, format('the stream name %s is refused', descr))
FROM (VALUES ('', 'empty'),
             ('a,b', 'with a comma'),
             ('a b', 'with a space'),
             ('a''b', 'with a quote'),
             ('a;b', 'with a semicolon'),
             ('a$$b', 'with $$'),
             ('a\b', 'with a backslash'),
             ('é', 'in unicode'),
             ('_a', 'starting with _'),
             (repeat('a', 201), 'of 201 characters'),
             (E'a\nb', 'with a newline')) AS t (bad, descr);
SELECT throws_ok($$SELECT hotmesh.worker_stream_names('shop', ARRAY['a', NULL])$$, '22023', NULL,
                 'a NULL stream name is refused');
SELECT throws_ok($$SELECT hotmesh.worker_stream_names('shop', '{}')$$, '22023', NULL,
                 'an empty stream list is refused');
SELECT throws_ok($$SELECT hotmesh.worker_stream_names('shop', NULL)$$, '22023', NULL,
                 'a NULL stream list is refused');
SELECT throws_ok(format('SELECT hotmesh.worker_stream_names(%L, %L)', 'shop',
                        (SELECT array_agg('s' || i) FROM generate_series(1, 101) i)),
                 '22023', NULL, 'more than 100 streams are refused');
SELECT throws_ok(format('SELECT hotmesh.worker_stream_names(%L, ARRAY[''pay''])', bad),
                 '22023', NULL, format('the app id %s is refused', descr))
FROM (VALUES ('', 'empty'), ('sh op', 'with a space'), ('sh''op', 'with a quote'),
             (repeat('a', 64), 'of 64 characters')) AS t (bad, descr);

SELECT is(hotmesh.worker_role_name('shop', ARRAY['ship', 'pay']), 'hmsh_wrk_shop_pay__ship',
          'lower-case letters and digits give the exact name, streams sorted');
SELECT is(hotmesh.worker_role_name('shop', ARRAY['pay', 'ship', 'pay']),
          hotmesh.worker_role_name('shop', ARRAY['ship', 'pay']),
          'the same stream set in any order gives the same role');
SELECT matches(hotmesh.worker_role_name('shop', ARRAY['order.check']),
               '^hmsh_wrk_shop_order_check_[0-9a-f]{10}$',
               'a folded name ends with a hash');
SELECT isnt(hotmesh.worker_role_name('shop', ARRAY['order.check']),
            hotmesh.worker_role_name('shop', ARRAY['order_check']),
            'stream names that fold alike give different roles');
SELECT isnt(hotmesh.worker_role_name('a_b', ARRAY['c']), hotmesh.worker_role_name('a', ARRAY['b_c']),
            'app and stream boundaries cannot be confused');
SELECT isnt(hotmesh.worker_role_name('Shop', ARRAY['pay']), hotmesh.worker_role_name('shop', ARRAY['pay']),
            'app ids that differ in case give different roles');
SELECT is(length(hotmesh.worker_role_name('shop', ARRAY[repeat('x', 200), repeat('y', 200)])), 63,
          'a long name is cut to 63 characters');
SELECT isnt(hotmesh.worker_role_name('shop', ARRAY[repeat('x', 60) || 'a']),
            hotmesh.worker_role_name('shop', ARRAY[repeat('x', 60) || 'b']),
            'two long stream sets that share the kept prefix do not collide');
SELECT matches(hotmesh.worker_role_name('shop', ARRAY[repeat('x', 60) || 'a']),
               '^hmsh_wrk_[a-z0-9_]{1,54}$', 'every role name is of [a-z0-9_]');

SELECT matches(hotmesh.worker_password(NULL), '^[0-9a-f]{64}$',
               'a generated password is 256 random bits in hex');
SELECT isnt(hotmesh.worker_password(NULL), hotmesh.worker_password(NULL),
            'generated passwords differ');
SELECT is(hotmesh.worker_password('s3cret'), 's3cret', 'a given password is used as given');
SELECT throws_ok($$SELECT hotmesh.worker_password('')$$, '22023', NULL,
                 'an empty password is refused');

-- Provision ----------------------------------------------------------------------------------

CREATE TEMP TABLE provisioned AS
SELECT * FROM hotmesh.provision_worker_role('shop', ARRAY['ship', 'pay'], 'first');

SELECT is((SELECT role_name FROM provisioned), 'hmsh_wrk_shop_pay__ship',
          'provision returns the role name');
SELECT is((SELECT password FROM provisioned), 'first', 'and the password given');
SELECT ok((SELECT rolcanlogin AND rolinherit AND NOT (rolsuper OR rolcreaterole OR rolcreatedb
                  OR rolreplication OR rolbypassrls)
           FROM pg_roles WHERE rolname = 'hmsh_wrk_shop_pay__ship'),
          'the role can log in and holds no other attribute');
SELECT ok(pg_has_role('hmsh_wrk_shop_pay__ship', 'hotmesh_worker', 'MEMBER'),
          'the role is a member of hotmesh_worker');
SELECT is((SELECT array_agg(m.roleid::regrole::text) FROM pg_auth_members m
           WHERE m.member = 'hmsh_wrk_shop_pay__ship'::regrole),
          ARRAY['hotmesh_worker'], 'and of nothing else');
SELECT is((SELECT s.setconfig FROM pg_db_role_setting s
           WHERE s.setrole = 'hmsh_wrk_shop_pay__ship'::regrole AND s.setdatabase = 0),
          ARRAY['app.allowed_streams=pay,ship'],
          'app.allowed_streams is set on the role, for DBAs to see');
SELECT ok((SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid
           WHERE rolname = 'hmsh_wrk_shop_pay__ship'),
          'the password is stored as a SCRAM verifier');
SELECT results_eq($$SELECT role_name, app_id, stream_names, revoked_at IS NULL, rotated_at IS NULL
                    FROM hotmesh.worker_credentials$$,
                  $$VALUES ('hmsh_wrk_shop_pay__ship', 'shop', ARRAY['pay', 'ship'], true, true)$$,
                  'the credential row names the app and the sorted streams');

CREATE TEMP TABLE verifier AS
SELECT rolpassword FROM pg_authid WHERE rolname = 'hmsh_wrk_shop_pay__ship';
SELECT is((SELECT password FROM hotmesh.provision_worker_role('shop', ARRAY['pay', 'ship'])) ~ '^[0-9a-f]{64}$',
          true, 'provisioning again without a password generates one');
SELECT isnt((SELECT rolpassword FROM pg_authid WHERE rolname = 'hmsh_wrk_shop_pay__ship'),
            (SELECT rolpassword FROM verifier), 'provisioning again resets the password');
SELECT is((SELECT count(*) FROM hotmesh.worker_credentials), 1::bigint,
          'provisioning again keeps one credential row');
SELECT ok((SELECT rotated_at IS NOT NULL FROM hotmesh.worker_credentials),
          'and records the new password as a rotation');
SELECT is((SELECT count(*) FROM pg_auth_members
           WHERE member = 'hmsh_wrk_shop_pay__ship'::regrole), 1::bigint,
          'and grants the group once');

-- the verifier of the password 'verified' (psycopg: pgconn.encrypt_password)
CREATE TEMP TABLE scram (verifier text);
INSERT INTO scram VALUES ('SCRAM-SHA-256$4096:GNrrgd/q1/q8OI7pH/bXQg==$tc0oRn/4milBN5NZEHtuUU'
                          'npHYMey9M+eIIZJC7UQNw=:2mjx9URyfwV/ymD1Z5h0yMAnMlApTZcl2qzkHSQ0i3w=');
SELECT is((SELECT password FROM hotmesh.provision_worker_role(
               'shop', ARRAY['pay'], (SELECT verifier FROM scram))),
          (SELECT verifier FROM scram),
          'a SCRAM verifier computed by the client is accepted');
SELECT is((SELECT rolpassword FROM pg_authid WHERE rolname = 'hmsh_wrk_shop_pay'),
          (SELECT verifier FROM scram),
          'and stored as it is: the password never reached the server');

-- a role that merely has the name of a worker role is never taken over
CREATE ROLE hmsh_wrk_shop_admin SUPERUSER NOLOGIN;
SELECT throws_ok($$SELECT * FROM hotmesh.provision_worker_role('shop', ARRAY['admin'], 'x')$$,
                 '42501', NULL, 'provisioning over a superuser of the same name is refused');
SELECT ok((SELECT rolsuper AND NOT rolcanlogin AND rolpassword IS NULL FROM pg_authid
           WHERE rolname = 'hmsh_wrk_shop_admin'),
          'and leaves that role as it was');
CREATE ROLE hmsh_wrk_shop_reader NOLOGIN IN ROLE pg_read_all_data;
SELECT throws_ok($$SELECT * FROM hotmesh.provision_worker_role('shop', ARRAY['reader'], 'x')$$,
                 '42501', NULL, 'provisioning over a role with other memberships is refused');
SELECT ok(NOT EXISTS (SELECT 1 FROM hotmesh.worker_credentials
                      WHERE role_name IN ('hmsh_wrk_shop_admin', 'hmsh_wrk_shop_reader')),
          'and stores no credential for them');

-- an administrator that is no superuser: CREATEROLE and the grants docs/security.md names
CREATE ROLE hmsh_test_dba CREATEROLE;
GRANT USAGE ON SCHEMA hotmesh TO hmsh_test_dba;
GRANT EXECUTE ON ALL ROUTINES IN SCHEMA hotmesh TO hmsh_test_dba;
GRANT SELECT, INSERT, UPDATE ON hotmesh.worker_credentials TO hmsh_test_dba;
GRANT hotmesh_worker TO hmsh_test_dba WITH ADMIN OPTION;
SET LOCAL ROLE hmsh_test_dba;
SELECT * FROM hotmesh.provision_worker_role('shop', ARRAY['dba'], 'x');
RESET ROLE;
SELECT ok((SELECT rolcanlogin FROM pg_roles WHERE rolname = 'hmsh_wrk_shop_dba')
          AND pg_has_role('hmsh_wrk_shop_dba', 'hotmesh_worker', 'MEMBER'),
          'an administrator with CREATEROLE provisions a worker role');
SELECT is((SELECT count(*) FROM pg_db_role_setting
           WHERE setrole = 'hmsh_wrk_shop_dba'::regrole), 0::bigint,
          'without app.allowed_streams when it may not set it (informational only)');
DELETE FROM hotmesh.worker_credentials WHERE role_name = 'hmsh_wrk_shop_dba';

-- List ----------------------------------------------------------------------------------------

SELECT * FROM hotmesh.provision_worker_role('mail', ARRAY['send'], 'x');
SELECT results_eq($$SELECT role_name, app_id, stream_names, can_login
                    FROM hotmesh.list_worker_roles() ORDER BY role_name$$,
                  $$VALUES ('hmsh_wrk_mail_send', 'mail', ARRAY['send'], true),
                           ('hmsh_wrk_shop_pay', 'shop', ARRAY['pay'], true),
                           ('hmsh_wrk_shop_pay__ship', 'shop', ARRAY['pay', 'ship'], true)$$,
                  'list_worker_roles lists every worker role of the database');
SELECT results_eq($$SELECT role_name FROM hotmesh.list_worker_roles('mail')$$,
                  ARRAY['hmsh_wrk_mail_send'], 'or those of one app');

-- Revoke ------------------------------------------------------------------------------------

SELECT ok(hotmesh.revoke_worker_role('hmsh_wrk_mail_send') IS NOT NULL,
          'revoke returns when the role was revoked');
SELECT ok((SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = 'hmsh_wrk_mail_send'),
          'a revoked role cannot log in');
SELECT ok(NOT pg_has_role('hmsh_wrk_mail_send', 'hotmesh_worker', 'MEMBER'),
          'a revoked role leaves hotmesh_worker (open sessions lose the grants too)');
SELECT results_eq($$SELECT revoked_at IS NOT NULL, can_login
                    FROM hotmesh.list_worker_roles('mail')$$,
                  $$VALUES (true, false)$$,
                  'a revoked role stays listed, with revoked_at');
CREATE TEMP TABLE first_revocation AS
SELECT revoked_at FROM hotmesh.worker_credentials WHERE role_name = 'hmsh_wrk_mail_send';
SELECT is(hotmesh.revoke_worker_role('hmsh_wrk_mail_send'),
          (SELECT revoked_at FROM first_revocation),
          'revoking twice keeps the first revocation time');

SELECT * FROM hotmesh.provision_worker_role('mail', ARRAY['send'], 'back');
SELECT ok((SELECT revoked_at IS NULL AND can_login FROM hotmesh.list_worker_roles('mail')),
          'provisioning a revoked role again restores it');
SELECT ok(pg_has_role('hmsh_wrk_mail_send', 'hotmesh_worker', 'MEMBER'),
          'with its group');

-- Rotate ------------------------------------------------------------------------------------

DELETE FROM verifier;
INSERT INTO verifier SELECT rolpassword FROM pg_authid WHERE rolname = 'hmsh_wrk_mail_send';
UPDATE hotmesh.worker_credentials SET rotated_at = NULL WHERE role_name = 'hmsh_wrk_mail_send';
SELECT matches(hotmesh.rotate_worker_password('hmsh_wrk_mail_send'), '^[0-9a-f]{64}$',
               'rotate generates and returns a new password');
SELECT isnt((SELECT rolpassword FROM pg_authid WHERE rolname = 'hmsh_wrk_mail_send'),
            (SELECT rolpassword FROM verifier), 'the stored password changed');
SELECT ok((SELECT rotated_at IS NOT NULL FROM hotmesh.worker_credentials
           WHERE role_name = 'hmsh_wrk_mail_send'), 'rotated_at is set');
SELECT is(hotmesh.rotate_worker_password('hmsh_wrk_mail_send', 'it''s; $$ \ ü'), 'it''s; $$ \ ü',
          'a given password is set as given, quotes and all');

SELECT hotmesh.revoke_worker_role('hmsh_wrk_mail_send');
SELECT throws_ok($$SELECT hotmesh.rotate_worker_password('hmsh_wrk_mail_send')$$, '55000', NULL,
                 'a revoked role''s password is not rotated');

-- Only provisioned worker roles are touched -----------------------------------------------------

DELETE FROM verifier;
INSERT INTO verifier SELECT rolpassword FROM pg_authid WHERE rolname = current_user;
SELECT throws_ok(format('SELECT hotmesh.rotate_worker_password(%L, ''x'')', current_user),
                 '22023', NULL, 'rotating the password of the current superuser is refused');
SELECT throws_ok($$SELECT hotmesh.rotate_worker_password('postgres', 'x')$$, '22023', NULL,
                 'rotating the password of postgres is refused');
SELECT throws_ok($$SELECT hotmesh.revoke_worker_role('postgres')$$, '22023', NULL,
                 'revoking postgres is refused');
SELECT throws_ok($$SELECT hotmesh.revoke_worker_role('hmsh_wrk_shop_admin')$$, '42704', NULL,
                 'revoking a role named like a worker but never provisioned is refused');
SELECT throws_ok($$SELECT hotmesh.revoke_worker_role('hmsh_wrk_x"; DROP ROLE postgres; --')$$,
                 '22023', NULL, 'a role name that is no worker role name is refused');
SELECT throws_ok($$SELECT hotmesh.revoke_worker_role(NULL)$$, '22023', NULL,
                 'a NULL role name is refused');
-- a credential row whose role was made a superuser by hand: hands off
ALTER ROLE hmsh_wrk_shop_pay SUPERUSER;
SELECT throws_ok($$SELECT hotmesh.revoke_worker_role('hmsh_wrk_shop_pay')$$, '42501', NULL,
                 'a worker role that became a superuser is not revoked through these functions');
SELECT throws_ok($$SELECT hotmesh.rotate_worker_password('hmsh_wrk_shop_pay', 'x')$$, '42501',
                 NULL, 'nor is its password rotated');
SELECT is((SELECT rolpassword FROM pg_authid WHERE rolname = current_user),
          (SELECT rolpassword FROM verifier), 'the current user''s password is unchanged');

SELECT * FROM finish();
ROLLBACK;
