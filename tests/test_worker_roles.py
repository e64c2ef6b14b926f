"""Least-privilege worker roles with real logins: TCP, password authentication (scram-sha-256
on the throwaway server), provisioned roles doing the work of a worker and nothing else.

Roles are cluster-wide: every test provisions under app ids of its own and drops the roles it
made (the `apps` fixture).
"""

from __future__ import annotations

import asyncio
import inspect
import secrets

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from pyhotmesh import HotMesh, Worker
from pyhotmesh.errors import ConfigurationError
from pyhotmesh.roles import WorkerRoleError
from pyhotmesh.secured_stream import SecuredStreams, secured_conninfo

SECURED_FUNCTIONS = sorted([
    "worker_ack", "worker_channel", "worker_dead_letter", "worker_dequeue", "worker_fail",
    "worker_heartbeat", "worker_listen_busy", "worker_listen_idle", "worker_reclaim",
    "worker_release",
    "worker_respond", "worker_respond_batch", "worker_respond_batch_next", "worker_respond_next",
])


@pytest.fixture
def apps(server_dsn):
    """new() -> an app id of this test alone; the worker roles of those apps are dropped after."""
    made: list[str] = []

    def new() -> str:
        made.append(f"r{secrets.token_hex(5)}")
        return made[-1]

    yield new
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        for app in made:
            for (role,) in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s",
                                        (f"hmsh\\_wrk\\_{app}\\_%",)).fetchall():
                conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.fixture
def checks_passwords(dsn):
    """These tests need a server that checks passwords over TCP (the throwaway cluster does;
    a HOTMESH_TEST_DSN server with trust authentication does not): say so, never pass."""
    try:
        psycopg.connect(make_conninfo(dsn, password="surely-not-" + secrets.token_hex(8))).close()
    except psycopg.OperationalError:
        return
    pytest.fail("the test server accepted a wrong password over TCP: worker-role tests need "
                "password authentication (run them on the throwaway cluster)")


def as_role(dsn: str, role: dict[str, str]) -> str:
    """The DSN of the test database, logging in as the provisioned role."""
    return make_conninfo(dsn, user=role["role_name"], password=role["password"])


def login(dsn: str, role: dict[str, str]) -> psycopg.Connection:
    return psycopg.connect(as_role(dsn, role), autocommit=True)


def refused(dsn: str, role: dict[str, str]) -> bool:
    try:
        login(dsn, role).close()
    except psycopg.OperationalError:
        return True
    return False


# -- a worker role does a worker's work --------------------------------------------------------

async def test_a_provisioned_role_dequeues_acks_and_responds_on_its_streams(
        dsn, db, apps, checks_passwords):
    app = apps()
    role = await HotMesh.provision_worker_role(dsn, ["plain", "calc"], app_id=app)
    assert role["role_name"] == f"hmsh_wrk_{app}_calc__plain"
    hm = await HotMesh.init(app_id=app, engine={"connection": dsn, "poll_interval": 0.05})
    try:
        await hm.deploy(CALC.format(app=app))
        await hm.activate("1")
        job_id = await hm.pub(f"{app}.start", {"n": 4})
        db.execute("SELECT hotmesh.stream_publish(%s, 'plain', %s)",
                   (app, Jsonb([{"data": {"k": 1}}, {"data": {"k": 2}}])))

        pool = AsyncConnectionPool(as_role(dsn, role), min_size=1, max_size=2,
                                   kwargs={"autocommit": True}, open=False)
        await pool.open()
        try:
            streams = SecuredStreams(pool, app)
            plain = await streams.dequeue("plain", "me", 10, 30_000)
            assert [m.data["data"]["k"] for m in plain] == [1, 2]
            assert await streams.heartbeat("me", plain, 30_000) == {m.id for m in plain}
            assert await streams.ack("me", plain[:1]) == {plain[0].id}
            assert await streams.release("me", plain[1:]) == {plain[1].id}

            [step] = await streams.dequeue("calc", "me", 10, 30_000)
            assert step.for_engine and step.data["data"] == {"n": 4}
            assert await streams.respond(step, {"data": {"n": 8}}) == "applied"
            assert await streams.respond(step, {"data": {"n": 9}}) == "duplicate"
        finally:
            await pool.close()
        output = await hm.wait_for(job_id, timeout=10)
        assert output["data"] == {"result": 8}
    finally:
        await hm.stop()


CALC = """
app:
  id: {app}
  version: '1'
  graphs:
    - subscribes: {app}.start
      activities:
        t1:
          type: trigger
        w1:
          type: worker
          topic: calc
          input: {{maps: {{n: '{{t1.output.data.n}}'}}}}
          job: {{maps: {{result: '{{$self.output.data.n}}'}}}}
      transitions:
        t1: [{{to: w1}}]
"""

SEQUENCE = """
app:
  id: {app}
  version: '1'
  graphs:
    - subscribes: {app}.start
      activities:
        t1:
          type: trigger
          job: {{maps: {{input: '{{$self.output.data.n}}'}}}}
        a1:
          type: worker
          topic: double
          input: {{maps: {{n: '{{t1.output.data.n}}'}}}}
          job: {{maps: {{a1: '{{$self.output.data.n}}'}}}}
        a2:
          type: worker
          topic: double
          input: {{maps: {{n: '{{a1.output.data.n}}'}}}}
          job: {{maps: {{a2: '{{$self.output.data.n}}'}}}}
        a3:
          type: worker
          topic: square
          input: {{maps: {{n: '{{a2.output.data.n}}'}}}}
          job: {{maps: {{result: '{{$self.output.data.n}}'}}}}
      transitions:
        t1: [{{to: a1}}]
        a1: [{{to: a2}}]
        a2: [{{to: a3}}]
"""


async def test_a_workflow_completes_through_hotmesh_init_with_worker_credentials(
        dsn, db, apps, checks_passwords):
    app = apps()
    doubler = await HotMesh.provision_worker_role(dsn, ["double"], app_id=app)
    squarer = await HotMesh.provision_worker_role(dsn, ["square"], app_id=app)
    seen_by: set[str] = set()

    async def double(message: dict) -> dict:
        return {"metadata": message["metadata"], "data": {"n": message["data"]["n"] * 2}}

    async def square(message: dict) -> dict:
        return {"metadata": message["metadata"], "data": {"n": message["data"]["n"] ** 2}}

    hm = await HotMesh.init(
        app_id=app,
        engine={"connection": dsn, "poll_interval": 0.05},
        workers=[
            {"topic": "double", "callback": double, "poll_interval": 0.05, "concurrency": 2,
             "worker_credentials": {"user": doubler["role_name"],
                                    "password": doubler["password"]}},
            {"topic": "square", "callback": square, "poll_interval": 0.05,
             "worker_credentials": {"user": squarer["role_name"],
                                    "password": squarer["password"]}},
        ])
    try:
        await hm.deploy(SEQUENCE.format(app=app))
        await hm.activate("1")
        assert all(isinstance(w.streams, SecuredStreams) for w in hm.workers)
        outputs = await asyncio.gather(*(hm.pubsub(f"{app}.start", {"n": n}) for n in (1, 2, 3)))
        assert [o["data"] for o in outputs] == [
            {"input": n, "a1": 2 * n, "a2": 4 * n, "result": 16 * n * n} for n in (1, 2, 3)]
        assert all(o["metadata"]["js"] == 0 for o in outputs)

        # the work was done by sessions of the worker roles, which also registered as idle
        # listeners of their own channels (worker_listen_idle with their LISTEN session)
        for (user,) in db.execute(
                "SELECT DISTINCT usename FROM pg_stat_activity WHERE usename LIKE 'hmsh_wrk_%%'"
                " AND datname = current_database()").fetchall():
            seen_by.add(user)
        assert seen_by == {doubler["role_name"], squarer["role_name"]}
        rows = db.execute(
            "SELECT stream_name, count(*) FILTER (WHERE responded_at IS NOT NULL), count(*)"
            " FROM hotmesh.worker_streams WHERE app_id = %s GROUP BY 1 ORDER BY 1",
            (app,)).fetchall()
        assert rows == [("double", 6, 6), ("square", 3, 3)]

        async def registered():
            return db.execute(
                "SELECT count(*) FROM hotmesh.stream_listeners l JOIN pg_stat_activity a"
                " ON a.pid = l.backend_pid WHERE a.usename LIKE 'hmsh_wrk_%%'"
                " AND l.consumer = ANY(%s)", ([w.guid for w in hm.workers],)).fetchone()[0] == 2
        await eventually(registered)
    finally:
        await hm.stop()


async def test_a_failing_callback_is_retried_and_dead_lettered_through_the_secured_functions(
        dsn, db, apps, checks_passwords):
    app = apps()
    role = await HotMesh.provision_worker_role(dsn, ["flaky"], app_id=app)
    db.execute("SELECT hotmesh.stream_publish(%s, 'flaky', %s, %s)",
               (app, Jsonb({"data": {}}),
                Jsonb({"retry": {"maximumAttempts": 2, "initialInterval": 0.001,
                                 "backoffCoefficient": 1, "maximumInterval": 0.01}})))
    attempts = 0

    async def flaky(message: dict) -> None:
        nonlocal attempts
        attempts += 1
        raise RuntimeError("down")

    worker = await Worker(app_id=app, topic="flaky", callback=flaky, connection=dsn,
                          poll_interval=0.05,
                          worker_credentials={"user": role["role_name"],
                                              "password": role["password"]}).start()
    try:
        await eventually(lambda: worker.counts["dead_lettered"] == 1)
    finally:
        await worker.stop()
    assert attempts == 2 and worker.counts["retried"] == 1
    assert db.execute("SELECT dead_letter_reason FROM hotmesh.worker_streams WHERE app_id = %s",
                      (app,)).fetchone() == ("failed 2 of 2 attempts",)


# -- and nothing else --------------------------------------------------------------------------

async def test_a_worker_role_holds_no_privilege_on_any_table(dsn, db, apps, checks_passwords):
    role = await HotMesh.provision_worker_role(dsn, ["t"], app_id=apps())
    tables = db.execute(
        "SELECT c.relname, (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid"
        "                   AND a.attnum > 0 AND a.attidentity = '' ORDER BY a.attnum LIMIT 1)"
        " FROM pg_class c WHERE c.relnamespace = 'hotmesh'::regnamespace AND c.relkind = 'r'"
        " ORDER BY 1").fetchall()
    assert len(tables) >= 15, "every table of the schema"
    with login(dsn, role) as conn:
        for table, column in tables:
            target = sql.Identifier("hotmesh", table)
            for statement in (
                    sql.SQL("SELECT 1 FROM {} LIMIT 0").format(target),
                    sql.SQL("INSERT INTO {} DEFAULT VALUES").format(target),
                    sql.SQL("UPDATE {} SET {} = {} WHERE false").format(
                        target, sql.Identifier(column), sql.Identifier(column)),
                    sql.SQL("DELETE FROM {} WHERE false").format(target),
                    sql.SQL("TRUNCATE {}").format(target)):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(statement)


async def test_a_worker_role_executes_its_secured_functions_and_nothing_else(
        dsn, apps, checks_passwords):
    app = apps()
    role = await HotMesh.provision_worker_role(dsn, ["t"], app_id=app)
    with login(dsn, role) as conn:
        executable = conn.execute(
            "SELECT p.proname FROM pg_proc p WHERE p.pronamespace = 'hotmesh'::regnamespace"
            " AND has_function_privilege(p.oid, 'EXECUTE') ORDER BY 1").fetchall()
        assert [name for (name,) in executable] == SECURED_FUNCTIONS
        for call in (
                "SELECT hotmesh.pub(%(app)s, 'x', '{}')",
                "SELECT hotmesh.respond(1, '{}')",
                "SELECT hotmesh.respond_next(1, '{}', 'me')",
                "SELECT * FROM hotmesh.stream_dequeue(%(app)s, 't', 'me')",
                "SELECT * FROM hotmesh.stream_ack('me', '{1}', '{1}')",
                "SELECT * FROM hotmesh.stream_publish(%(app)s, 't', '{}')",
                "SELECT hotmesh.engine_step(%(app)s)",
                "SELECT hotmesh.get_state(%(app)s, 'j')",
                "SELECT hotmesh.signal(%(app)s, 'x', '{}')",
                "SELECT hotmesh.listen_idle('c', 'me', pg_backend_pid())",
                "SELECT hotmesh.provision_worker_role(%(app)s, '{t,u}')",
                "SELECT hotmesh.worker_authorize(%(app)s, 'u')",
                "SELECT hotmesh.set_test_clock(now())"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
                conn.execute(call, {"app": app})


async def test_a_worker_role_cannot_dequeue_or_listen_on_another_stream(
        dsn, db, apps, checks_passwords):
    app = apps()
    role = await HotMesh.provision_worker_role(dsn, ["mine"], app_id=app)
    db.execute("SELECT hotmesh.stream_publish(%s, 'theirs', %s)", (app, Jsonb({"data": 1})))
    with login(dsn, role) as conn:
        # a session that widens app.allowed_streams itself gains nothing
        conn.execute("SET app.allowed_streams = 'mine,theirs'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege,
                           match='access denied: stream "theirs" not in allowed streams'):
            conn.execute("SELECT * FROM hotmesh.worker_dequeue(%s, 'theirs', 'me')", (app,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="access denied"):
            conn.execute("SELECT hotmesh.worker_channel(%s, 'theirs')", (app,))
        theirs = db.execute("SELECT hotmesh.stream_channel(%s, 'theirs')", (app,)).fetchone()[0]
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="access denied"):
            conn.execute("SELECT hotmesh.worker_listen_idle(%s, 'me', pg_backend_pid())",
                         (theirs,))
        # its own channel, with its own session: registered
        mine = conn.execute("SELECT hotmesh.worker_channel(%s, 'mine')", (app,)).fetchone()[0]
        conn.execute("SELECT hotmesh.worker_listen_idle(%s, 'me', pg_backend_pid())", (mine,))
        # but not with a session of somebody else
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="not a session of role"):
            conn.execute("SELECT hotmesh.worker_listen_idle(%s, 'me', %s)",
                         (mine, db.info.backend_pid))
        # the message of the other stream cannot be answered or acked by id either
        [(other_id,)] = db.execute("SELECT id FROM hotmesh.worker_streams WHERE app_id = %s",
                                   (app,)).fetchall()
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match='stream "theirs"'):
            conn.execute("SELECT hotmesh.worker_respond(%s, '{}')", (other_id,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match='stream "theirs"'):
            conn.execute("SELECT * FROM hotmesh.worker_ack('me', %s, '{1}')", ([other_id],))
    assert db.execute("SELECT reserved_at, responded_at FROM hotmesh.worker_streams"
                      " WHERE id = %s", (other_id,)).fetchone() == (None, None)
    assert db.execute("SELECT count(*) FROM hotmesh.stream_listeners WHERE channel = %s",
                      (theirs,)).fetchone() == (0,)

    # a worker configured for a stream outside its role says so at start
    worker = Worker(app_id=app, topic="theirs", callback=lambda m: None, connection=dsn,
                    worker_credentials={"user": role["role_name"], "password": role["password"]})
    with pytest.raises(ConfigurationError, match=f"may not consume {app}/theirs"):
        await worker.start()
    await worker.stop()


# -- lifecycle ---------------------------------------------------------------------------------

async def test_a_revoked_role_cannot_log_in_and_is_listed_with_revoked_at(
        dsn, apps, checks_passwords):
    app = apps()
    role = await HotMesh.provision_worker_role(dsn, ["t"], app_id=app)
    still_open = login(dsn, role)
    try:
        revoked_at = await HotMesh.revoke_worker_role(dsn, role["role_name"])
        assert refused(dsn, role)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            still_open.execute("SELECT * FROM hotmesh.worker_dequeue(%s, 't', 'me')", (app,))
    finally:
        still_open.close()
    [listed] = await HotMesh.list_worker_roles(dsn, app)
    assert listed["role_name"] == role["role_name"] and listed["stream_names"] == ["t"]
    assert listed["revoked_at"] == revoked_at and listed["can_login"] is False
    with pytest.raises(WorkerRoleError, match="revoked"):
        await HotMesh.rotate_worker_password(dsn, role["role_name"])
    worker = Worker(app_id=app, topic="t", callback=lambda m: None, connection=dsn,
                    worker_credentials={"user": role["role_name"], "password": role["password"]})
    with pytest.raises(ConfigurationError, match="cannot log in"):
        await worker.start()


async def test_after_rotation_the_old_password_is_refused_and_the_new_one_works(
        dsn, apps, checks_passwords):
    role = await HotMesh.provision_worker_role(dsn, ["t"], app_id=apps())
    rotated = await HotMesh.rotate_worker_password(dsn, role["role_name"])
    assert rotated["role_name"] == role["role_name"]
    assert rotated["password"] != role["password"]
    assert refused(dsn, role)
    login(dsn, rotated).close()
    chosen = await HotMesh.rotate_worker_password(dsn, role["role_name"], "my own password")
    assert chosen["password"] == "my own password"
    assert refused(dsn, rotated)
    login(dsn, chosen).close()
    [listed] = await HotMesh.list_worker_roles(dsn)
    assert listed["rotated_at"] is not None and listed["revoked_at"] is None


async def test_provisioning_again_is_idempotent(dsn, db, apps, checks_passwords):
    app = apps()
    first = await HotMesh.provision_worker_role(dsn, ["b", "a"], app_id=app)
    again = await HotMesh.provision_worker_role(dsn, ["a", "b", "a"], "second", app_id=app)
    assert again == {"role_name": first["role_name"], "password": "second"}
    assert refused(dsn, first), "provisioning again resets the password"
    login(dsn, again).close()
    listed = await HotMesh.list_worker_roles(dsn, app)
    assert [(r["role_name"], r["stream_names"]) for r in listed] == [
        (first["role_name"], ["a", "b"])]
    assert db.execute("SELECT count(*) FROM pg_auth_members WHERE member = %s::regrole",
                      (first["role_name"],)).fetchone() == (1,)

    await HotMesh.revoke_worker_role(dsn, first["role_name"])
    restored = await HotMesh.provision_worker_role(dsn, ["a", "b"], app_id=app)
    with login(dsn, restored) as conn:
        conn.execute("SELECT * FROM hotmesh.worker_dequeue(%s, 'a', 'me')", (app,))
    [listed] = await HotMesh.list_worker_roles(dsn, app)
    assert listed["revoked_at"] is None and listed["can_login"] is True


async def test_an_administrator_with_createrole_manages_worker_roles(
        server_dsn, dsn, db, apps, checks_passwords):
    """Not a superuser: CREATEROLE, ADMIN OPTION on the group, and the grants docs/security.md
    names."""
    app = apps()
    admin = {"role_name": f"hmsh_admin_{app}", "password": secrets.token_hex(16)}
    name = sql.Identifier(admin["role_name"])
    db.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEROLE PASSWORD {}").format(
        name, sql.Literal(admin["password"])))
    try:
        for grant in ("GRANT USAGE ON SCHEMA hotmesh TO {}",
                      "GRANT EXECUTE ON ALL ROUTINES IN SCHEMA hotmesh TO {}",
                      "GRANT SELECT, INSERT, UPDATE ON hotmesh.worker_credentials TO {}",
                      "GRANT hotmesh_worker TO {} WITH ADMIN OPTION"):
            db.execute(sql.SQL(grant).format(name))
        admin_dsn = as_role(dsn, admin)
        role = await HotMesh.provision_worker_role(admin_dsn, ["t"], app_id=app)
        with login(dsn, role) as conn:
            conn.execute("SELECT * FROM hotmesh.worker_dequeue(%s, 't', 'me')", (app,))
        rotated = await HotMesh.rotate_worker_password(admin_dsn, role["role_name"])
        assert refused(dsn, role)
        login(dsn, rotated).close()
        await HotMesh.revoke_worker_role(admin_dsn, role["role_name"])
        assert refused(dsn, rotated)
        [listed] = await HotMesh.list_worker_roles(admin_dsn, app)
        assert listed["revoked_at"] is not None
        with pytest.raises(WorkerRoleError):  # the admin's own role is no worker role
            await HotMesh.revoke_worker_role(admin_dsn, "hmsh_wrk_" + app)
    finally:
        db.execute(sql.SQL("DROP OWNED BY {}").format(name))
        with psycopg.connect(server_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE {}").format(name))


# -- injection ---------------------------------------------------------------------------------

def snapshot(server_dsn: str, dsn: str) -> tuple:
    """Every role with its attributes, memberships and settings, and every credential row."""
    with psycopg.connect(server_dsn) as conn:
        roles = conn.execute(
            "SELECT rolname, rolsuper, rolcanlogin, rolcreaterole, rolcreatedb, rolinherit,"
            " rolreplication, rolbypassrls, rolpassword FROM pg_authid ORDER BY 1").fetchall()
        members = conn.execute("SELECT roleid::regrole::text, member::regrole::text"
                               " FROM pg_auth_members ORDER BY 1, 2").fetchall()
        settings = conn.execute("SELECT setdatabase, setrole, setconfig FROM pg_db_role_setting"
                                " ORDER BY 1, 2").fetchall()
    with psycopg.connect(dsn) as conn:
        credentials = conn.execute("SELECT * FROM hotmesh.worker_credentials"
                                   " ORDER BY role_name").fetchall()
        tables = conn.execute("SELECT count(*) FROM pg_class"
                              " WHERE relnamespace = 'hotmesh'::regnamespace").fetchone()
    return roles, members, settings, credentials, tables


async def test_injection_attempts_fail_cleanly_and_change_nothing(
        server_dsn, dsn, apps, checks_passwords):
    app = apps()
    existing = await HotMesh.provision_worker_role(dsn, ["t"], app_id=app)
    superuser = conninfo_to_dict(dsn)["user"]
    before = snapshot(server_dsn, dsn)

    attempts = [
        # stream names
        lambda: HotMesh.provision_worker_role(dsn, ["x'; DROP ROLE postgres; --"], app_id=app),
        lambda: HotMesh.provision_worker_role(dsn, ['x"; CREATE ROLE evil SUPERUSER; --'],
                                              app_id=app),
        lambda: HotMesh.provision_worker_role(dsn, ["$$; ALTER ROLE hotmesh NOSUPERUSER; $$"],
                                              app_id=app),
        lambda: HotMesh.provision_worker_role(dsn, ["a" * 300], app_id=app),
        lambda: HotMesh.provision_worker_role(dsn, ["ünïcödé"], app_id=app),
        lambda: HotMesh.provision_worker_role(dsn, ["back\\slash"], app_id=app),
        lambda: HotMesh.provision_worker_role(dsn, ["nul\x00byte"], app_id=app),
        lambda: HotMesh.provision_worker_role(dsn, ["t,theirs"], app_id=app),  # widen the GUC
        lambda: HotMesh.provision_worker_role(dsn, ["t;", "u"], app_id=app),
        lambda: HotMesh.provision_worker_role(dsn, [], app_id=app),
        lambda: HotMesh.provision_worker_role(dsn, "t", app_id=app),
        # app ids
        lambda: HotMesh.provision_worker_role(dsn, ["t"], app_id="shop'; DROP TABLE x; --"),
        lambda: HotMesh.provision_worker_role(dsn, ["t"], app_id="a" * 100),
        lambda: HotMesh.provision_worker_role(dsn, ["t"], app_id=""),
        # role names of rotate and revoke
        lambda: HotMesh.rotate_worker_password(dsn, "postgres", "owned"),
        lambda: HotMesh.rotate_worker_password(dsn, superuser, "owned"),
        lambda: HotMesh.rotate_worker_password(dsn, "hmsh_wrk_x'; ALTER ROLE postgres"
                                                    " PASSWORD 'owned", "owned"),
        lambda: HotMesh.revoke_worker_role(dsn, '"; DROP ROLE hotmesh_worker; --'),
        lambda: HotMesh.revoke_worker_role(dsn, superuser),
        lambda: HotMesh.revoke_worker_role(dsn, "hmsh_wrk_" + "a" * 100),
        lambda: HotMesh.revoke_worker_role(dsn, "hmsh_wrk_never_provisioned"),
        lambda: HotMesh.revoke_worker_role(dsn, existing["role_name"] + "\x00"),
        lambda: HotMesh.revoke_worker_role(dsn, "hmsh_wrk_ünï"),
        # passwords that cannot be stored
        lambda: HotMesh.rotate_worker_password(dsn, existing["role_name"], "nul\x00byte"),
        lambda: HotMesh.rotate_worker_password(dsn, existing["role_name"], ""),
        lambda: HotMesh.provision_worker_role(dsn, ["t"], "", app_id=app),
    ]
    for number, attempt in enumerate(attempts):
        with pytest.raises((ConfigurationError, WorkerRoleError)):
            await attempt()
        assert snapshot(server_dsn, dsn) == before, f"attempt {number} changed something"
    login(dsn, existing).close()


@pytest.mark.parametrize("password", [
    "it's", 'quo"ted', "semi;colon; DROP ROLE postgres; --", "$$dollar$$", "$x$ $x$",
    "back\\slash\\", "\\'; DROP ROLE postgres; --", "' OR '1'='1", "ünï©ødé 🔑", " spaced ",
    "E'\\x00'", "a" * 500,
])
async def test_passwords_are_stored_safely_and_work(
        server_dsn, dsn, db, apps, checks_passwords, password):
    app = apps()
    role = await HotMesh.provision_worker_role(dsn, ["t"], password, app_id=app)
    assert role["password"] == password
    login(dsn, role).close()
    # also through the SQL functions alone, where the password itself is sent (%L-quoted)
    db.execute("SELECT hotmesh.rotate_worker_password(%s, %s)", (role["role_name"], password))
    login(dsn, role).close()
    with psycopg.connect(server_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'evil'"
                            " OR (rolname LIKE 'hmsh_wrk_%%' AND rolsuper)").fetchone() == (0,)


# -- configuration -----------------------------------------------------------------------------

def test_worker_credentials_replace_user_and_password_of_the_connection():
    conninfo = secured_conninfo("postgresql://admin:secret@db.example:5433/shop",
                                {"user": "hmsh_wrk_shop_pay", "password": "p w'\\"})
    assert conninfo_to_dict(conninfo) == {
        "user": "hmsh_wrk_shop_pay", "password": "p w'\\", "host": "db.example",
        "port": "5433", "dbname": "shop"}


@pytest.mark.parametrize("credentials", [
    {}, {"user": "u"}, {"password": "p"}, {"user": "", "password": "p"},
    {"user": "u", "password": 1}, {"user": "u", "password": "p", "host": "elsewhere"},
    {"user": "u\x00", "password": "p"}, "u:p",
])
def test_bad_worker_credentials_are_refused(credentials):
    with pytest.raises(ConfigurationError, match="worker_credentials"):
        Worker(app_id="a", topic="t", callback=lambda m: None, connection="dbname=x",
               worker_credentials=credentials)


async def eventually(predicate, timeout: float = 20.0):
    """Wait until predicate() (plain or async) is true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = predicate()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)

