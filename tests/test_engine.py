"""The engine end to end: HotMesh's functional scenarios (reference/core.md §10.1) ported to
pyhotmesh, with real workers against a real Postgres."""

from __future__ import annotations

import asyncio
import textwrap

import pytest
import psycopg
from psycopg import sql

from pyhotmesh import HotMesh
from pyhotmesh.engine import DuplicateJobError, JobNotFoundError, PubSubTimeoutError
from pyhotmesh.stream import Streams

FAST = 0.05  # poll intervals in tests: NOTIFY does the work, polling is the safety net


@pytest.fixture
async def mesh(dsn):
    """make(app_id, yaml, workers=[...]) -> a HotMesh with the manifest deployed and active."""
    created: list[HotMesh] = []

    async def make(app_id: str, manifest: str, workers=(), activate: str | None = "1",
                   **engine) -> HotMesh:
        instance = await HotMesh.init(
            app_id=app_id,
            engine={"connection": dsn, "poll_interval": FAST, **engine},
            workers=[{"poll_interval": FAST, **worker} for worker in workers],
        )
        created.append(instance)
        if manifest:
            await instance.deploy(textwrap.dedent(manifest))
            if activate:
                await instance.activate(activate)
        return instance

    yield make
    for instance in created:
        await instance.stop()


@pytest.fixture
def test_clock(dsn, db):
    """Every connection opened from now on reads the shared test clock."""
    db.execute(sql.SQL("ALTER DATABASE {} SET hotmesh.clock = 'test'").format(
        sql.Identifier(db.info.dbname)))
    db.execute("SET hotmesh.clock = 'test'")  # this session was open before
    db.execute("SELECT hotmesh.set_test_clock('2030-01-01 00:00:00+00')")

    def advance(seconds: float) -> None:
        db.execute("SELECT hotmesh.advance_test_clock(%s * interval '1 second')", (seconds,))

    return advance


async def eventually(predicate, timeout: float = 20.0):
    """Await an async predicate until it returns something truthy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def echo(field: str):
    async def callback(message: dict) -> dict:
        return {"metadata": message["metadata"], "data": {field: message["data"]}}
    return callback


SEQUENCE = """
app:
  id: seq
  version: '1'
  graphs:
    - subscribes: seq.start
      publishes: seq.done
      activities:
        t1:
          type: trigger
          job: {maps: {input: '{$self.output.data.n}'}}
        a1:
          type: worker
          topic: seq.double
          input: {maps: {n: '{t1.output.data.n}'}}
          job: {maps: {a1: '{$self.output.data.n}'}}
        a2:
          type: worker
          topic: seq.double
          input: {maps: {n: '{a1.output.data.n}'}}
          job: {maps: {a2: '{$self.output.data.n}'}}
        a3:
          type: worker
          topic: seq.double
          input: {maps: {n: '{a2.output.data.n}'}}
          job: {maps: {result: '{$self.output.data.n}'}}
      transitions:
        t1: [{to: a1}]
        a1: [{to: a2}]
        a2: [{to: a3}]
"""


async def double(message: dict) -> dict:
    return {"metadata": message["metadata"], "data": {"n": message["data"]["n"] * 2}}


async def test_sequence_of_three_workers(mesh):
    hm = await mesh("seq", SEQUENCE, [{"topic": "seq.double", "callback": double}])
    output = await hm.pubsub("seq.start", {"n": 3})
    assert output["data"] == {"input": 3, "a1": 6, "a2": 12, "result": 24}
    assert output["metadata"]["js"] == 0
    assert await hm.get_status(output["metadata"]["jid"]) == 0


async def test_answers_take_the_next_steps_but_never_more_than_the_free_slots(mesh, db):
    """A busy worker answers in batches and is handed the steps its answers enqueue (leased
    at their insert), yet never runs more than `concurrency` callbacks at once."""
    running = peak = 0

    async def slow_double(message: dict) -> dict:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.005)
        running -= 1
        return await double(message)

    hm = await mesh("seq", SEQUENCE, [{"topic": "seq.double", "callback": slow_double,
                                       "concurrency": 4}])
    job_ids = [await hm.pub("seq.start", {"n": n}) for n in range(60)]
    for n, job_id in enumerate(job_ids):
        await hm.wait_for(job_id, timeout=60)
        assert (await hm.get_state("seq.start", job_id))["data"]["result"] == n * 8
    worker = hm.workers[0]
    assert peak <= 4
    assert worker.counts["taken"] > 0, dict(worker.counts)
    assert worker.counts["responded"] == 180
    leased = db.execute("SELECT count(*) FROM hotmesh.worker_streams WHERE app_id = 'seq'"
                        " AND stream_name = 'seq.double' AND responded_at IS NULL").fetchone()[0]
    assert leased == 0, "every step was answered, taken ones included"


async def test_an_answer_that_fails_frees_its_slots_and_the_step_is_answered_again(
        mesh, monkeypatch):
    """An answer call that fails (the database gone for a moment) gives back the slots it
    reserved for the steps it would take: the worker dequeues again, finds the step once its
    lease ran out, and answers it. Before, the dequeue loop waited for a slot that nothing
    would free, and the job never completed."""
    failures = []
    respond_next = Streams.respond_next

    async def fail_once(self, *args, **kwargs):
        if not failures:
            failures.append(True)
            await asyncio.sleep(0.05)  # in flight a while, as a call to the database is
            raise psycopg.OperationalError("the connection dropped (injected)")
        return await respond_next(self, *args, **kwargs)

    monkeypatch.setattr(Streams, "respond_next", fail_once)
    hm = await mesh("seq", SEQUENCE, [{"topic": "seq.double", "callback": double,
                                       "concurrency": 1, "reclaim_delay": 300}])
    output = await hm.pubsub("seq.start", {"n": 1}, timeout=30)
    assert output["data"]["result"] == 8
    assert failures == [True]


async def test_only_an_instance_that_waits_listens_for_completions(mesh, db):
    """A worker host never waits on jobs: it must not LISTEN to (and receive) the completions
    another instance asked for."""
    worker_host = await mesh("seq", SEQUENCE, [{"topic": "seq.double", "callback": double}],
                             readonly=True)
    client = await mesh("seq", "", readonly=True)

    def listeners() -> int:
        return db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE query = %s",
            (f'LISTEN "{worker_host._job_channel}"',)).fetchone()[0]

    assert listeners() == 0
    output = await client.pubsub("seq.start", {"n": 1})
    assert output["data"]["result"] == 8
    assert listeners() == 1  # the client's, not the worker host's
    assert not worker_host._finished


REUSED = """
app:
  id: reuse
  version: '1'
  graphs:
    - subscribes: reuse.start
      expire: 0.01
      activities:
        t1:
          type: trigger
          stats: {id: '{$self.input.data.id}'}
        w1:
          type: worker
          topic: reuse.echo
          input: {maps: {n: '{t1.output.data.n}'}}
          job: {maps: {n: '{$self.output.data.n}'}}
      transitions:
        t1: [{to: w1}]
"""


async def echo_n(message: dict) -> dict:
    return {"data": {"n": message["data"]["n"]}}


async def test_pubsub_waits_on_the_notice_and_tells_a_reused_ids_jobs_apart(mesh):
    """Registered before pub, pubsub waits on the completion notice without asking for the
    status; a job id used again (its first job expired 10 ms after) gets its own job's result,
    not the notice of the first one."""
    hm = await mesh("reuse", REUSED, [{"topic": "reuse.echo", "callback": echo_n}])
    asked = []
    get_status = hm.get_status

    async def counting_get_status(job_id):
        asked.append(job_id)
        return await get_status(job_id)

    hm.get_status = counting_get_status
    first = await hm.pubsub("reuse.start", {"id": "r-1", "n": 1})
    assert first["data"] == {"n": 1}
    await asyncio.sleep(0.05)  # the first job expires: its id is free again
    second = await hm.pubsub("reuse.start", {"id": "r-1", "n": 2})
    assert second["data"] == {"n": 2}
    assert first["metadata"]["gid"] != second["metadata"]["gid"]
    assert asked == [], "the notices sufficed"
    # a job published before anything waited: wait_for asks for the status
    await hm._leave_job_channel()
    job_id = await hm.pub("reuse.start", {"id": "r-2", "n": 3})
    assert (await hm.wait_for(job_id))["data"] == {"n": 3}
    assert asked == ["r-2"]


async def test_pub_then_get_state_and_export(mesh):
    hm = await mesh("seq", SEQUENCE, [{"topic": "seq.double", "callback": double}])
    job_id = await hm.pub("seq.start", {"n": 1})
    await eventually(lambda: _done(hm, job_id))
    state = await hm.get_state("seq.start", job_id)
    assert state["data"]["result"] == 8
    exported = await hm.export(job_id)
    assert [step["activity"] for step in exported["timeline"]] == ["t1", "a1", "a2", "a3"]
    assert exported["status"] == 0 and exported["data"]["result"] == 8
    raw = await hm.get_raw(job_id)
    assert raw["data/result"] == 8 and "a3/,0,0,0,0" in raw
    assert await hm.get_query_state(job_id, ["data/a1", "data/a2"]) == {"data/a1": 2,
                                                                       "data/a2": 4}


async def _done(hm: HotMesh, job_id: str) -> bool:
    return await hm.get_status(job_id) == 0


async def test_the_seeds_myapp_graph_runs_with_pub_then_get_state(mesh):
    from pathlib import Path
    manifest = (Path(__file__).with_name("manifests") / "myapp.yaml").read_text()
    hm = await mesh("myapp", manifest, [{
        "topic": "order.process",
        "callback": lambda m: {"metadata": m["metadata"],
                               "data": {"orderId": m["data"]["id"], "status": "fulfilled"}},
    }])
    job_id = await hm.pub("order.placed", {"id": "ORD-123"})
    await eventually(lambda: _done(hm, job_id))
    exported = await hm.export(job_id)
    assert exported["timeline"][1]["output"]["data"] == {"orderId": "ORD-123",
                                                         "status": "fulfilled"}


DUPLICATE = """
app:
  id: dup
  version: '1'
  graphs:
    - subscribes: dup.start
      expire: 120
      activities:
        t1:
          type: trigger
          stats: {id: '{$self.input.data.id}'}
        w1: {type: worker, topic: dup.work}
      transitions:
        t1: [{to: w1}]
"""


async def test_duplicate_job_ids_are_refused_and_change_nothing(mesh, db):
    hm = await mesh("dup", DUPLICATE)  # no worker: the first job stays open
    assert await hm.pub("dup.start", {"id": "job-1"}) == "job-1"
    with pytest.raises(DuplicateJobError, match="duplicate job: job-1 already exists"):
        await hm.pub("dup.start", {"id": "job-1"})
    assert db.execute("SELECT count(*) FROM hotmesh.jobs").fetchone() == (1,)
    assert db.execute("SELECT count(*) FROM hotmesh.worker_streams").fetchone() == (1,)


async def test_unknown_topics_and_jobs_are_named(mesh):
    hm = await mesh("dup", DUPLICATE)
    with pytest.raises(Exception, match="no graph of app dup .* subscribes to topic nope"):
        await hm.pub("nope", {})
    with pytest.raises(JobNotFoundError, match="ghost Not Found") as err:
        await hm.get_state("dup.start", "ghost")
    assert err.value.code == 404


PARALLEL = """
app:
  id: par
  version: '1'
  graphs:
    - subscribes: par.start
      activities:
        t1: {type: trigger}
        a: {type: worker, topic: par.a, job: {maps: {a: '{$self.output.data.v}'}}}
        b: {type: worker, topic: par.b, job: {maps: {b: '{$self.output.data.v}'}}}
        c: {type: worker, topic: par.c, job: {maps: {c: '{$self.output.data.v}'}}}
        join:
          type: hook
          job: {maps: {joined: true}}
      transitions:
        t1: [{to: a}, {to: b}, {to: c}]
        a: [{to: join}]
        b: [{to: join}]
        c: [{to: join}]
"""


def delayed(value: str, seconds: float):
    async def callback(message: dict) -> dict:
        await asyncio.sleep(seconds)
        return {"metadata": message["metadata"], "data": {"v": value}}
    return callback


@pytest.mark.parametrize("delays", [(0.0, 0.1, 0.2), (0.2, 0.1, 0.0)],
                         ids=["in-order", "reversed"])
async def test_parallel_branches_join_exactly(mesh, db, delays):
    hm = await mesh("par", PARALLEL, [
        {"topic": "par.a", "callback": delayed("A", delays[0])},
        {"topic": "par.b", "callback": delayed("B", delays[1])},
        {"topic": "par.c", "callback": delayed("C", delays[2])},
    ])
    output = await hm.pubsub("par.start", {})
    assert output["data"] == {"a": "A", "b": "B", "c": "C", "joined": True}
    arrivals = db.execute("SELECT arrivals FROM hotmesh.activity_instances"
                          " WHERE activity_id = 'join'").fetchall()
    assert arrivals == [(3,)], "the join runs once and counts every arriving branch"


AWAIT = """
app:
  id: aw
  version: '1'
  graphs:
    - subscribes: aw.parent
      activities:
        p1: {type: trigger}
        call:
          type: await
          topic: aw.child
          await: '{p1.output.data.wait}'
          input: {maps: {x: '{p1.output.data.x}'}}
          job: {maps: {child: '{$self.output.data}'}}
      transitions:
        p1: [{to: call}]
    - subscribes: aw.child
      activities:
        c1: {type: trigger}
        cw:
          type: worker
          topic: aw.work
          input: {maps: {x: '{c1.output.data.x}'}}
          job: {maps: {y: '{$self.output.data.y}'}}
      transitions:
        c1: [{to: cw}]
"""


async def times_ten(message: dict) -> dict:
    return {"metadata": message["metadata"], "data": {"y": message["data"]["x"] * 10}}


async def test_await_true_resumes_the_parent_with_the_childs_data(mesh):
    hm = await mesh("aw", AWAIT, [{"topic": "aw.work", "callback": times_ten}])
    output = await hm.pubsub("aw.parent", {"x": 4, "wait": True})
    assert output["data"] == {"child": {"y": 40}}


async def test_await_false_returns_the_child_id_at_once(mesh, db):
    hm = await mesh("aw", AWAIT, [{"topic": "aw.work", "callback": times_ten}])
    output = await hm.pubsub("aw.parent", {"x": 4, "wait": False})
    child_id = output["data"]["child"]["job_id"]
    child = await eventually(lambda: _state_when_done(hm, child_id))
    assert child["data"] == {"y": 40}
    parent_key = db.execute("SELECT parent_key FROM hotmesh.jobs WHERE key = %s",
                            (child_id,)).fetchone()[0]
    assert parent_key == output["metadata"]["jid"]


async def _state_when_done(hm: HotMesh, job_id: str):
    if await hm.get_status(job_id) == 0:
        return await hm.get_state(None, job_id)
    return None


HOOKS = """
app:
  id: hk
  version: '1'
  graphs:
    - subscribes: hk.start
      activities:
        t1:
          type: trigger
          stats: {id: '{$self.input.data.id}'}
        wait:
          type: hook
          sleep: '{t1.output.data.sleep}'
          job: {maps: {approved: '{$self.hook.data.approved}'}}
        done:
          type: hook
          job: {maps: {finished: true}}
      transitions:
        t1: [{to: wait}]
        wait: [{to: done}]
      hooks:
        hk.approve:
          - to: wait
            conditions:
              match:
                - expected: '{$job.metadata.jid}'
                  actual: '{$self.hook.data.id}'
"""


async def test_a_hook_is_resumed_by_its_signal(mesh):
    hm = await mesh("hk", HOOKS)
    job_id = await hm.pub("hk.start", {"id": "h-1"})
    assert await hm.get_status(job_id) == 1, "the job waits for the signal"
    assert await hm.signal("hk.approve", {"id": "h-1", "approved": True}) == "delivered"
    output = await hm.wait_for(job_id)
    assert output["data"] == {"approved": True, "finished": True}


async def test_a_signal_before_its_waiter_is_kept_and_delivered(mesh):
    hm = await mesh("hk", HOOKS)
    assert await hm.signal("hk.approve", {"id": "h-2", "approved": "early"}) == "pending"
    job_id = await hm.pub("hk.start", {"id": "h-2"})
    output = await hm.wait_for(job_id)
    assert output["data"]["approved"] == "early"


async def test_a_second_signal_for_a_finished_hook_changes_nothing(mesh, db):
    hm = await mesh("hk", HOOKS)
    job_id = await hm.pub("hk.start", {"id": "h-3"})
    await hm.signal("hk.approve", {"id": "h-3", "approved": 1})
    await hm.wait_for(job_id)
    assert await hm.signal("hk.approve", {"id": "h-3", "approved": 2}) == "pending"
    assert (await hm.get_state(None, job_id))["data"]["approved"] == 1


async def test_sleep_and_awaken_on_the_test_clock(mesh, test_clock):
    hm = await mesh("hk", HOOKS)
    job_id = await hm.pub("hk.start", {"id": "s-1", "sleep": 30})
    await asyncio.sleep(0.3)
    assert await hm.get_status(job_id) == 1, "not before its time"
    test_clock(30)
    output = await hm.wait_for(job_id)
    assert output["data"]["finished"] is True
    assert "approved" not in output["data"], "the timer's payload has no approval"


async def test_hook_timeout_signal_wins(mesh, test_clock, db):
    hm = await mesh("hk", HOOKS)
    job_id = await hm.pub("hk.start", {"id": "t-1", "sleep": 60})
    await hm.signal("hk.approve", {"id": "t-1", "approved": "signal"})
    output = await hm.wait_for(job_id)
    assert output["data"]["approved"] == "signal"
    test_clock(61)
    await asyncio.sleep(0.3)  # the engine loop would run the timer now, were it armed
    timer = db.execute("SELECT dead_lettered_at, expired_at IS NOT NULL FROM"
                       " hotmesh.engine_streams WHERE msg_type = 'timehook'").fetchone()
    assert timer == (None, True), "the timer was retired when the signal won"
    assert (await hm.get_state(None, job_id))["data"]["approved"] == "signal"


async def test_hook_timeout_timer_wins(mesh, test_clock):
    hm = await mesh("hk", HOOKS)
    job_id = await hm.pub("hk.start", {"id": "t-2", "sleep": 5})
    test_clock(5)
    await hm.wait_for(job_id)
    assert await hm.signal("hk.approve", {"id": "t-2", "approved": "late"}) == "pending"
    assert "approved" not in (await hm.get_state(None, job_id))["data"]


async def test_signal_and_timer_racing_complete_the_hook_exactly_once(mesh, test_clock, db):
    hm = await mesh("hk", HOOKS)
    job_ids = [await hm.pub("hk.start", {"id": f"r-{n}", "sleep": 1}) for n in range(20)]
    test_clock(1)
    await asyncio.gather(*(hm.signal("hk.approve", {"id": j, "approved": True})
                           for j in job_ids))
    for job_id in job_ids:
        await hm.wait_for(job_id)
    runs = db.execute("SELECT count(*), sum(leg2_count) FROM hotmesh.activity_instances"
                      " WHERE activity_id = 'wait'").fetchone()
    assert runs == (20, 20), "each hook ran its leg 2 once, whichever came first"
    finished = db.execute("SELECT count(*) FROM hotmesh.activity_instances"
                          " WHERE activity_id = 'done'").fetchone()
    assert finished == (20,)


async def test_dynamic_sleep_comes_from_the_job(mesh, test_clock, db):
    hm = await mesh("hk", HOOKS)
    await hm.pub("hk.start", {"id": "d-1", "sleep": 7})
    delay = db.execute("SELECT visible_at - hotmesh.now() FROM hotmesh.engine_streams"
                       " WHERE job_key = 'd-1'").fetchone()[0]
    assert delay.total_seconds() == 7


SIGNALS = """
app:
  id: sg
  version: '1'
  graphs:
    - subscribes: sg.wait
      activities:
        w1:
          type: trigger
          stats: {id: '{$self.input.data.id}'}
        listen:
          type: hook
          job: {maps: {got: '{$self.hook.data.value}'}}
      transitions:
        w1: [{to: listen}]
      hooks:
        sg.go:
          - to: listen
            conditions:
              match:
                - expected: '{w1.output.data.group}'
                  actual: '{$self.hook.data.group}'
    - subscribes: sg.send
      activities:
        s1: {type: trigger}
        send:
          type: signal
          subtype: '{s1.output.data.mode}'
          topic: sg.go
          signal: {maps: {group: '{s1.output.data.group}', value: '{s1.output.data.value}'}}
      transitions:
        s1: [{to: send}]
"""


async def test_a_signal_activity_signals_one_waiter(mesh):
    hm = await mesh("sg", SIGNALS.replace("subtype: '{s1.output.data.mode}'", "subtype: one"))
    waiting = await hm.pub("sg.wait", {"id": "one", "group": "g1"})
    await hm.pubsub("sg.send", {"group": "g1", "value": 42})
    assert (await hm.wait_for(waiting))["data"] == {"got": 42}


async def test_signal_all_reaches_every_waiter(mesh):
    hm = await mesh("sg", SIGNALS.replace("subtype: '{s1.output.data.mode}'", "subtype: all"))
    waiting = [await hm.pub("sg.wait", {"id": f"all-{n}", "group": f"g{n}"}) for n in range(3)]
    await hm.pubsub("sg.send", {"group": "any", "value": "all"})
    for job_id in waiting:
        assert (await hm.wait_for(job_id))["data"] == {"got": "all"}


async def test_signal_all_from_the_client(mesh):
    hm = await mesh("sg", SIGNALS.replace("subtype: '{s1.output.data.mode}'", "subtype: one"))
    waiting = [await hm.pub("sg.wait", {"id": f"c-{n}", "group": "g"}) for n in range(3)]
    reached = await hm.signal_all("sg.go", {"value": "client"})
    assert sorted(reached) == sorted(waiting)
    for job_id in waiting:
        assert (await hm.wait_for(job_id))["data"] == {"got": "client"}


KEEPALIVE = """
app:
  id: ka
  version: '1'
  graphs:
    - subscribes: ka.start
      activities:
        t1:
          type: trigger
          stats: {id: '{$self.input.data.id}'}
        inbox:
          type: hook
          job: {maps: {last: '{$self.hook.data.n}'}}
      transitions:
        t1: [{to: inbox}]
      hooks:
        ka.msg:
          - to: inbox
            conditions:
              match:
                - expected: '{$job.metadata.jid}'
                  actual: '{$self.hook.data.id}'
"""


async def test_code_202_keeps_a_hook_open_until_a_200(mesh, db):
    hm = await mesh("ka", KEEPALIVE)
    job_id = await hm.pub("ka.start", {"id": "k-1"})
    for n in (1, 2):
        assert await hm.signal("ka.msg", {"id": "k-1", "n": n}, "pending", 202) == "delivered"
        assert await hm.get_status(job_id) == 1
        assert (await hm.get_state(None, job_id))["data"]["last"] == n
    assert await hm.signal("ka.msg", {"id": "k-1", "n": 3}) == "delivered"
    assert (await hm.wait_for(job_id))["data"]["last"] == 3
    entries = db.execute("SELECT leg2_count FROM hotmesh.activity_instances"
                         " WHERE activity_id = 'inbox'").fetchone()
    assert entries == (3,)


CYCLE = """
app:
  id: cy
  version: '1'
  graphs:
    - subscribes: cy.start
      activities:
        t1: {type: trigger}
        pivot:
          type: hook
          job: {maps: {count: '{$self.output.data.n}'}}
        step:
          type: worker
          topic: cy.inc
          input: {maps: {n: '{pivot.output.data.n}'}}
        again:
          type: cycle
          ancestor: pivot
          input: {maps: {n: '{step.output.data.n}'}}
        finish:
          type: hook
          job: {maps: {done: '{step.output.data.n}'}}
      transitions:
        t1: [{to: pivot}]
        pivot: [{to: step}]
        step:
          - to: again
            conditions:
              match:
                - expected: true
                  actual: {'@pipe': [['{step.output.data.n}', 5], ['{@conditional.less_than}']]}
          - to: finish
            conditions:
              match:
                - expected: true
                  actual: {'@pipe': [['{step.output.data.n}', 5], ['{@conditional.gte}']]}
"""


async def increment(message: dict) -> dict:
    return {"metadata": message["metadata"], "data": {"n": (message["data"].get("n") or 0) + 1}}


async def test_a_cycle_runs_five_iterations_then_exits(mesh, db):
    hm = await mesh("cy", CYCLE, [{"topic": "cy.inc", "callback": increment}])
    output = await hm.pubsub("cy.start", {})
    assert output["data"]["done"] == 5 and output["data"]["count"] == 4
    dimensions = [row[0] for row in db.execute(
        "SELECT dimension FROM hotmesh.activity_instances WHERE activity_id = 'step'"
        " ORDER BY entered_at, dimension").fetchall()]
    assert dimensions == [",0,0,0", ",0,1,0", ",0,2,0", ",0,3,0", ",0,4,0"]


EMIT = """
app:
  id: em
  version: '1'
  graphs:
    - subscribes: em.start
      publishes: em.out
      activities:
        t1: {type: trigger}
        first:
          type: worker
          topic: em.work
          emit: true
          job: {maps: {first: '{$self.output.data.v}'}}
        second:
          type: worker
          topic: em.work
          job: {maps: {second: '{$self.output.data.v}'}}
      transitions:
        t1: [{to: first}]
        first: [{to: second}]
"""


async def test_emit_publishes_interim_results_then_the_final_one(mesh):
    seen: list[dict] = []
    hm = await mesh("em", EMIT, [{"topic": "em.work", "callback": delayed("x", 0.1)}])
    await hm.sub("em.out", lambda topic, output: seen.append(dict(output["data"])))
    output = await hm.pubsub("em.start", {})
    assert output["data"] == {"first": "x", "second": "x"}
    await eventually(lambda: _async(len(seen) >= 2))
    assert seen[0] == {"first": "x"} and seen[-1] == {"first": "x", "second": "x"}


async def _async(value):
    return value


# HotMesh's emit app (tests/$setup/apps/emit) as an awaited child whose last hook waits for a
# signal, and a parent whose await routes the child's interim result (code 202)
EMIT_TO_PARENT = """
app:
  id: ep
  version: '1'
  graphs:
    - subscribes: emit.test
      publishes: emit.tested
      activities:
        t1:
          type: trigger
          stats: {id: '{$self.input.data.id}'}
          job: {maps: {done: false}}
        w1:
          type: worker
          topic: emit.test.worker
          emit: true
          job: {maps: {status: '{$self.output.data.status}'}}
        a1:
          type: hook
          job: {maps: {done: true}}
      transitions:
        t1: [{to: w1}]
        w1: [{to: a1}]
      hooks:
        emit.finish:
          - to: a1
            conditions:
              match:
                - expected: '{$job.metadata.jid}'
                  actual: '{$self.hook.data.id}'
    - subscribes: emit.parent
      activities:
        p1: {type: trigger}
        call:
          type: await
          topic: emit.test
          input: {maps: {id: '{p1.output.data.child}'}}
          job: {maps: {child: '{$self.output.data}'}}
        interim:
          type: hook
          job: {maps: {interim: '{call.output.data}'}}
      transitions:
        p1: [{to: call}]
        call:
          - to: interim
            conditions: {code: 202}
"""


async def test_emit_gives_an_awaiting_parent_the_interim_state_then_the_result(mesh, db):
    seen: list[dict] = []
    hm = await mesh("ep", EMIT_TO_PARENT, [{"topic": "emit.test.worker", "callback": lambda m: {
        "metadata": m["metadata"], "data": {"status": "success"}}}])
    await hm.sub("emit.tested", lambda topic, output: seen.append(dict(output["data"])))
    parent = await hm.pub("emit.parent", {"child": "emitter-1"})
    state = await eventually(lambda: _state_with(hm, parent, "interim"))
    assert state["data"]["interim"] == {"done": False, "status": "success"}, \
        "the parent's await got the child's job data after w1, with code 202"
    assert await hm.get_status(parent) == 1 and await hm.get_status("emitter-1") == 1
    assert await hm.signal("emit.finish", {"id": "emitter-1"}) == "delivered"
    output = await hm.wait_for(parent)
    assert output["data"] == {"interim": {"done": False, "status": "success"},
                              "child": {"done": True, "status": "success"}}
    legs = db.execute("SELECT leg2_count, finalized_at IS NOT NULL FROM"
                      " hotmesh.activity_instances WHERE activity_id = 'call'").fetchall()
    assert legs == [(2, True)], "the interim entry, then the result closed the await once"
    await eventually(lambda: _async(len(seen) >= 2))
    assert seen[0] == {"done": False, "status": "success"} and seen[-1]["done"] is True, \
        "subscribers get the interim state too, then the final one"


async def _state_with(hm: HotMesh, job_id: str, field: str):
    state = await hm.get_state(None, job_id)
    return state if field in state["data"] else None


INTERRUPT = """
app:
  id: it
  version: '1'
  graphs:
    - subscribes: it.start
      activities:
        t1:
          type: trigger
          stats: {id: '{$self.input.data.id}'}
        park:
          type: hook
          sleep: 3600
        stop:
          type: interrupt
          target: '{t1.output.data.target}'
          reason: '{t1.output.data.reason}'
      transitions:
        t1:
          - to: park
          - to: stop
            conditions:
              match: [{expected: true, actual: '{t1.output.data.interrupt}'}]
"""


async def test_interrupt_from_the_client_sets_410_and_retires_timers(mesh, db):
    hm = await mesh("it", INTERRUPT)
    job_id = await hm.pub("it.start", {"id": "i-1"})
    await hm.interrupt("it.start", job_id, reason="stop now")
    status = await hm.get_status(job_id)
    assert status < -100_000_000
    state = await hm.get_state(None, job_id)
    assert state["metadata"]["err"] == {"message": "stop now", "code": 410,
                                        "is_interrupt": True}
    assert db.execute("SELECT count(*) FROM hotmesh.engine_streams WHERE expired_at IS NULL"
                      ).fetchone() == (0,)


async def test_an_interrupt_activity_stops_its_own_job(mesh):
    hm = await mesh("it", INTERRUPT)
    job_id = await hm.pub("it.start", {"id": "i-2", "interrupt": True, "reason": "self"})
    assert await hm.get_status(job_id) < -100_000_000
    assert (await hm.get_state(None, job_id))["metadata"]["err"]["message"] == "self"


async def test_an_interrupt_activity_stops_another_job(mesh):
    hm = await mesh("it", INTERRUPT)
    victim = await hm.pub("it.start", {"id": "victim"})
    await hm.pub("it.start", {"id": "killer", "interrupt": True, "target": "victim"})
    assert await hm.get_status(victim) < -100_000_000
    assert await hm.get_status("killer") == 1, "the interrupter goes on (its hook parks)"


async def test_an_interrupt_activity_whose_target_is_missing_goes_on(mesh):
    hm = await mesh("it", INTERRUPT)
    await hm.pub("it.start", {"id": "loner", "interrupt": True, "target": "nobody"})
    assert await hm.get_status("loner") == 1, "best-effort: the missing target is skipped"
    with pytest.raises(JobNotFoundError):
        await hm.interrupt("it.start", "nobody")  # from the client it is still an error


STATUS = """
app:
  id: st
  version: '1'
  graphs:
    - subscribes: st.start
      activities:
        t1: {type: trigger}
        check:
          type: worker
          topic: st.check
        handled:
          type: hook
          job: {maps: {handled: '{check.output.data.message}'}}
      transitions:
        t1: [{to: check}]
        check:
          - to: handled
            conditions: {code: 422}
"""


def fail_with(code: int):
    async def callback(message: dict) -> dict:
        return {"metadata": message["metadata"], "status": "error", "code": code,
                "data": {"message": f"failed with {code}"}}
    return callback


async def test_a_422_error_is_routed_by_its_code(mesh):
    hm = await mesh("st", STATUS, [{"topic": "st.check", "callback": fail_with(422)}])
    output = await hm.pubsub("st.start", {})
    assert output["data"] == {"handled": "failed with 422"}


async def test_an_uncaught_error_ends_the_job_with_it(mesh):
    hm = await mesh("st", STATUS, [{"topic": "st.check", "callback": fail_with(500)}])
    output = await hm.pubsub("st.start", {})
    assert output["metadata"]["err"] == {"message": "failed with 500", "code": 500,
                                         "activity_id": "check"}
    assert output["data"]["$error"]["code"] == 597 and output["data"]["done"] is True


# HotMesh's status test, pending part (tests/functional/status, app def v3): the worker answers
# 202 with 49 %, and later sends the final response (200, 99 %) through add
PENDING_WORKER = """
app:
  id: def
  version: '1'
  graphs:
    - subscribes: def.test
      activities:
        t1: {type: trigger}
        a1:
          type: worker
          topic: work.do
          input: {maps: {code: '{t1.output.data.code}'}}
          job:
            maps:
              code: '{$self.output.data.code}'
              percentage: '{$self.output.data.percentage}'
              message: success
        a202:
          type: hook
          job: {maps: {progress: '{a1.output.data.percentage}'}}
      transitions:
        t1: [{to: a1}]
        a1:
          - to: a202
            conditions: {code: 202}
"""


async def test_a_pending_worker_response_is_completed_later_with_add(mesh, db):
    received: list[dict] = []

    async def work(message: dict) -> dict:
        received.append(message)
        return {"metadata": message["metadata"], "status": "pending", "code": 202,
                "data": {"code": 202, "percentage": 49}}

    hm = await mesh("def", PENDING_WORKER, [{"topic": "work.do", "callback": work}])
    job_id = await hm.pub("def.test", {"code": 202})
    state = await eventually(lambda: _state_with(hm, job_id, "progress"))
    assert state["data"] == {"code": 202, "percentage": 49, "message": "success", "progress": 49}
    assert await hm.get_status(job_id) == 1, "the pending worker keeps the job running"
    await asyncio.sleep(0.2)
    assert len(received) == 1, "the message answered pending is not delivered again"

    metadata = received[0]["metadata"]
    assert await hm.add({"metadata": metadata, "status": "success", "code": 200,
                         "data": {"code": 200, "percentage": 99}}) == "applied"
    output = await hm.wait_for(job_id)
    assert output["data"] == {"code": 200, "percentage": 99, "message": "success",
                              "progress": 49}
    assert await hm.add({"metadata": metadata, "data": {"code": 200}}) == "duplicate"
    assert await hm.add({"metadata": metadata, "status": "pending", "code": 202,
                         "data": {}}) == "duplicate"
    assert db.execute("SELECT leg2_count FROM hotmesh.activity_instances"
                      " WHERE activity_id = 'a1'").fetchone() == (2,)
    with pytest.raises(JobNotFoundError):
        await hm.add({"metadata": {**metadata, "jid": "ghost"}, "data": {}})
    with pytest.raises(ValueError, match="metadata"):
        await hm.add({"data": {}})


async def test_an_exception_exhausting_its_retries_fails_the_activity(mesh, test_clock):
    calls = 0

    async def flaky(message: dict) -> dict:
        nonlocal calls
        calls += 1
        raise RuntimeError("inventory service down")

    hm = await mesh("st", STATUS, [{"topic": "st.check", "callback": flaky,
                                    "retry": {"maximumAttempts": 2, "initialInterval": 1,
                                              "backoffCoefficient": 1}}])
    job_id = await hm.pub("st.start", {})
    # the clock moves once the retry is recorded (its time counts from the failure)
    await eventually(lambda: _async(hm.workers[0].counts["retried"] == 1))
    test_clock(1)
    output = await hm.wait_for(job_id)
    assert calls == 2
    assert output["metadata"]["err"]["message"] == "inventory service down"


async def test_pubsub_times_out_and_the_job_completes_later(mesh):
    hm = await mesh("seq", SEQUENCE, [{"topic": "seq.double", "callback": delayed_double}])
    with pytest.raises(PubSubTimeoutError) as err:
        await hm.pubsub("seq.start", {"n": 1}, timeout=0.2)
    assert err.value.code == 504
    job_id = str(err.value).split()[1]
    output = await hm.wait_for(job_id, timeout=10)
    assert output["data"]["result"] == 8


async def delayed_double(message: dict) -> dict:
    await asyncio.sleep(0.2)
    return await double(message)


async def test_scrub_removes_a_job(mesh, db):
    hm = await mesh("seq", SEQUENCE, [{"topic": "seq.double", "callback": double}])
    output = await hm.pubsub("seq.start", {"n": 1})
    await hm.scrub(output["metadata"]["jid"])
    with pytest.raises(JobNotFoundError):
        await hm.get_status(output["metadata"]["jid"])
    assert db.execute("SELECT count(*) FROM hotmesh.jobs_attributes").fetchone() == (0,)


async def test_psub_receives_completions_by_pattern(mesh):
    seen: list[tuple[str, int]] = []
    hm = await mesh("seq", SEQUENCE, [{"topic": "seq.double", "callback": double}])
    await hm.psub("seq.*", lambda topic, output: seen.append((topic, output["data"]["result"])))
    await hm.pubsub("seq.start", {"n": 2})
    await eventually(lambda: _async(seen))
    assert seen == [("seq.done", 16)]
    await hm.punsub("seq.*")


PENDING = DUPLICATE.replace("dup", "pen")


async def test_a_pending_job_does_not_start(mesh, db):
    hm = await mesh("pen", PENDING)
    job_id = await hm.pub("pen.start", {"id": "p-1"}, pending=60)
    assert await hm.get_status(job_id) == -1
    assert db.execute("SELECT count(*) FROM hotmesh.worker_streams").fetchone() == (0,)


async def test_redeploy_runs_new_jobs_on_the_new_version(mesh):
    hm = await mesh("seq", SEQUENCE, [{"topic": "seq.double", "callback": double}])
    before = await hm.pubsub("seq.start", {"n": 1})
    assert before["metadata"]["vrs"] == "1"
    await hm.deploy(textwrap.dedent(SEQUENCE).replace("version: '1'", "version: '2'")
                    .replace("result: '{$self.output.data.n}'", "result: 'v2'"))
    await hm.activate("2")
    after = await hm.pubsub("seq.start", {"n": 1})
    assert after["metadata"]["vrs"] == "2" and after["data"]["result"] == "v2"


async def test_a_job_keeps_its_version_when_a_new_one_is_activated(mesh):
    hm = await mesh("hk", HOOKS)
    job_id = await hm.pub("hk.start", {"id": "v-1"})
    await hm.deploy(textwrap.dedent(HOOKS).replace("version: '1'", "version: '2'")
                    .replace("finished: true", "finished: v2"))
    await hm.activate("2")
    await hm.signal("hk.approve", {"id": "v-1", "approved": True})
    output = await hm.wait_for(job_id)
    assert output["metadata"]["vrs"] == "1" and output["data"]["finished"] is True


THRESHOLD = """
app:
  id: th
  version: '1'
  graphs:
    - subscribes: th.start
      activities:
        t1: {type: trigger}
        main: {type: worker, topic: th.main, job: {maps: {main: done}}}
        late:
          type: hook
          statusThreshold: '{t1.output.data.threshold}'
          job: {maps: {late: ran}}
      transitions:
        t1: [{to: main}]
        main: [{to: late}]
"""


@pytest.mark.parametrize(("threshold", "late_runs"), [(1, False), (0, True)])
async def test_status_threshold_skips_an_activity_when_only_it_is_left(mesh, threshold,
                                                                       late_runs):
    hm = await mesh("th", THRESHOLD, [{"topic": "th.main", "callback": delayed("x", 0)}])
    output = await hm.pubsub("th.start", {"threshold": threshold})
    assert output["data"]["main"] == "done"
    assert ("late" in output["data"]) is late_runs
    assert output["metadata"]["js"] == 0


AWAIT_ERRORS = """
app:
  id: ae
  version: '1'
  graphs:
    - subscribes: ae.parent
      activities:
        p1: {type: trigger}
        call:
          type: await
          topic: ae.child
          job: {maps: {child: '{$self.output.data}'}}
        recover:
          type: hook
          job: {maps: {recovered: '{call.output.data.message}'}}
      transitions:
        p1: [{to: call}]
        call:
          - to: recover
            conditions: {code: 500}
    - subscribes: ae.child
      activities:
        c1: {type: trigger}
        cw: {type: worker, topic: ae.work}
      transitions:
        c1: [{to: cw}]
"""


async def test_a_childs_error_reaches_the_awaiting_parent(mesh):
    hm = await mesh("ae", AWAIT_ERRORS, [{"topic": "ae.work", "callback": fail_with(500)}])
    output = await hm.pubsub("ae.parent", {})
    assert output["data"]["recovered"] == "failed with 500"
    assert output["data"]["child"] == {"message": "failed with 500", "code": 500,
                                       "activity_id": "cw"}, "job maps see the error too"


async def test_an_unhandled_child_error_ends_the_parent_too(mesh):
    hm = await mesh("ae", AWAIT_ERRORS, [{"topic": "ae.work", "callback": fail_with(422)}])
    output = await hm.pubsub("ae.parent", {})
    assert output["metadata"]["err"]["code"] == 422
    assert output["data"]["$error"]["code"] == 597


CALCULATOR = """
app:
  id: calc
  version: '1'
  graphs:
    - subscribes: calc.run
      publishes: calc.done
      activities:
        t1: {type: trigger}
        add:
          type: worker
          topic: calc.add
          input: {maps: {values: '{t1.output.data.values}'}}
          job: {maps: {sum: '{$self.output.data.sum}'}}
      transitions:
        t1: [{to: add}]
"""


async def test_a_calculator_worker_succeeds_after_retries(mesh, test_clock):
    attempts = 0

    async def add(message: dict) -> dict:
        nonlocal attempts
        attempts += 1
        if attempts < 3:
            raise ConnectionError("calculator unavailable")
        return {"data": {"sum": sum(message["data"]["values"])}}

    hm = await mesh("calc", CALCULATOR, [{"topic": "calc.add", "callback": add, "retry": {
        "maximumAttempts": 3, "backoffCoefficient": 2, "initialInterval": 1}}])
    job_id = await hm.pub("calc.run", {"values": [1, 2, 3, 4]})
    # the clock moves once each retry is scheduled (not merely once the callback has raised:
    # the retry's time is counted from when the failure is recorded)
    await eventually(lambda: _async(hm.workers[0].counts["retried"] == 1))
    test_clock(2)   # first retry after 1 × 2¹ s
    await eventually(lambda: _async(hm.workers[0].counts["retried"] == 2))
    test_clock(4)   # second after 1 × 2² s
    output = await hm.wait_for(job_id)
    assert output["data"] == {"sum": 10} and attempts == 3


async def test_sub_receives_each_completion_until_unsub(mesh):
    seen: list[int] = []
    hm = await mesh("calc", CALCULATOR, [{"topic": "calc.add", "callback": lambda m: {
        "data": {"sum": sum(m["data"]["values"])}}}])
    await hm.sub("calc.done", lambda topic, output: seen.append(output["data"]["sum"]))
    await hm.pubsub("calc.run", {"values": [1, 1]})
    await eventually(lambda: _async(seen == [2]))
    await hm.unsub("calc.done")
    await hm.pubsub("calc.run", {"values": [5]})
    await asyncio.sleep(0.3)
    assert seen == [2], "no more callbacks after unsub"


async def test_signals_racing_their_waiters_registration_each_arrive_once(mesh, db):
    hm = await mesh("hk", HOOKS)

    async def race(n: int) -> str:
        job = asyncio.create_task(hm.pub("hk.start", {"id": f"race-{n}"}))
        await hm.signal("hk.approve", {"id": f"race-{n}", "approved": n})
        return await job

    job_ids = await asyncio.gather(*(race(n) for n in range(30)))
    for n, job_id in enumerate(job_ids):
        assert (await hm.wait_for(job_id))["data"]["approved"] == n
    left = db.execute("SELECT count(*) FROM hotmesh.signals WHERE consumed_at IS NULL"
                      ).fetchone()
    assert left == (0,), "every signal met its waiter; nothing is left waiting"


async def test_a_cycle_keeps_its_version_when_a_new_one_is_activated_mid_run(mesh):
    gate = asyncio.Event()

    async def slow_increment(message: dict) -> dict:
        if message["data"].get("n") == 2:
            await gate.wait()
        return await increment(message)

    hm = await mesh("cy", CYCLE, [{"topic": "cy.inc", "callback": slow_increment}])
    job_id = await hm.pub("cy.start", {})
    await eventually(lambda: _running_with(hm, job_id))
    await hm.deploy(textwrap.dedent(CYCLE).replace("version: '1'", "version: '2'")
                    .replace("done: '{step.output.data.n}'", "done: v2"))
    await hm.activate("2")
    gate.set()
    output = await hm.wait_for(job_id)
    assert output["metadata"]["vrs"] == "1" and output["data"]["done"] == 5


async def _running_with(hm: HotMesh, job_id: str) -> bool:
    state = await hm.get_state(None, job_id)
    return state["data"].get("count") == 2


async def test_the_completion_notice_carries_a_small_output_and_a_large_one_is_read_back(mesh):
    hm = await mesh("calc", CALCULATOR, [{"topic": "calc.add", "callback": lambda m: {
        "data": {"sum": sum(m["data"]["values"]) if m["data"]["values"] else "x" * 7000}}}])
    small = await hm.pubsub("calc.run", {"values": [1, 2]})
    assert small["data"] == {"sum": 3}
    notice = hm._finished[small["metadata"]["jid"]]
    assert notice["output"] == small  # no read-back needed
    large = await hm.pubsub("calc.run", {"values": []})
    assert large["data"] == {"sum": "x" * 7000}  # read back: too long for a NOTIFY payload
    assert "output" not in hm._finished[large["metadata"]["jid"]]
