"""The Python stream client and the NOTIFY contract, against a real Postgres."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from psycopg import sql
from psycopg_pool import AsyncConnectionPool

from pyhotmesh.stream import EncodedResponse, Streams, _jsonb, error_payload


@pytest.fixture
async def streams(dsn):
    pool = AsyncConnectionPool(dsn, min_size=1, max_size=2, kwargs={"autocommit": True},
                               open=False)
    await pool.open()
    yield Streams(pool, "app")
    await pool.close()


async def test_publish_dequeue_ack_round_trip(streams):
    ids = await streams.publish("t", [{"data": {"n": i}} for i in range(3)], priority=2)
    held = await streams.dequeue("t", "me", 10, 5000)
    assert [m.id for m in held] == ids
    assert [m.data["data"]["n"] for m in held] == [0, 1, 2]
    assert {m.delivery for m in held} == {1} and {m.priority for m in held} == {2}
    assert await streams.ack("me", held[:2]) == set(ids[:2])
    assert await streams.ack("me", held[:2]) == set(), "a second ack is a no-op"
    assert await streams.depth("t") == 1
    assert await streams.stats("t") == {
        "ready": 0, "delayed": 0, "in_flight": 1, "done": 2, "dead_lettered": 0}


async def test_a_heartbeat_never_waits_on_a_message_being_settled(dsn, streams):
    """A heartbeat skips a message another transaction has locked (an answer in flight):
    waiting for it could deadlock with a batch of answers that locks in another order."""
    await streams.publish("t", [{"data": {"n": i}} for i in range(2)])
    held = await streams.dequeue("t", "me", 10, 5000)
    async with await psycopg.AsyncConnection.connect(dsn) as settling:
        await settling.execute("SELECT 1 FROM hotmesh.worker_streams WHERE id = %s FOR UPDATE",
                               (held[0].id,))
        kept = await asyncio.wait_for(streams.heartbeat("me", held, 5000), 5)
        assert kept == {held[1].id}
        await settling.rollback()
    assert await streams.heartbeat("me", held, 5000) == {m.id for m in held}


async def test_dequeue_orders_by_priority_then_id(streams):
    low = await streams.publish("p", {"data": "low"})
    high = await streams.publish("p", {"data": "high"}, priority=5)
    held = await streams.dequeue("p", "me", 10, 5000)
    assert [m.id for m in held] == high + low


async def test_publish_rejects_bad_options_and_stores_nothing(streams):
    with pytest.raises(psycopg.errors.InvalidParameterValue,
                       match="unknown retry policy field maxAttempts"):
        await streams.publish("t", {"data": 1}, retry={"maxAttempts": 3})
    with pytest.raises(psycopg.errors.InvalidParameterValue,
                       match="option priority must be an integer"):
        await streams.publish("t", {"data": 1}, priority=1.5)  # type: ignore[arg-type]
    assert await streams.depth("t") == 0


async def test_fail_reports_the_outcome(streams):
    await streams.publish("f", {"data": 1}, retry={"maximumAttempts": 2})
    [held] = await streams.dequeue("f", "me", 1, 5000)
    first = await streams.fail("me", held, error_payload(RuntimeError("x")))
    assert first.outcome == "retried" and first.attempt == 1
    again = await streams.fail("me", held, error_payload(RuntimeError("x")))
    assert again.outcome == "lost", "the lease ended with the first failure"


async def test_dead_letter_keeps_the_message(streams):
    await streams.publish("d", {"data": "poison"})
    [held] = await streams.dequeue("d", "me", 1, 5000)
    assert await streams.dead_letter("me", held, "poison message", {"message": "bad"})
    assert await streams.stats("d") == {
        "ready": 0, "delayed": 0, "in_flight": 0, "done": 0, "dead_lettered": 1}


def test_error_payload_names_the_error():
    class Coded(Exception):
        code = 422

    payload = error_payload(Coded("bad input"))
    assert payload["message"] == "bad input" and payload["name"] == "Coded"
    assert payload["code"] == 422 and "Coded: bad input" in payload["stack"]
    assert error_payload(KeyError())["message"] == "KeyError"


async def test_one_notification_per_statement_and_stream_never_per_row(dsn, streams):
    channel = await streams.channel("n")
    other = await streams.channel("other")
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as listener:
        for name in (channel, other):
            await listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(name)))
        await streams.publish("n", {"data": "nobody waits: no NOTIFY"})
        await streams.listen_idle(channel, "me", listener.info.backend_pid)
        await streams.listen_idle(other, "me", listener.info.backend_pid)
        await streams.publish("n", [{"data": i} for i in range(100)])
        await streams.publish("n", [{"data": i} for i in range(100)])
        await streams.publish("n", {"data": "later"}, delay_ms=60_000)
        received = []

        async def collect():
            async for note in listener.notifies():
                received.append(note.channel)

        try:
            await asyncio.wait_for(collect(), timeout=0.5)
        except asyncio.TimeoutError:
            pass
    assert received == [channel, channel], \
        "one per publishing statement while a consumer waits; none when delayed or unwaited"


async def test_a_busy_consumer_is_not_notified(dsn, streams):
    channel = await streams.channel("busy")
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as listener:
        await listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        await streams.listen_idle(channel, "me", listener.info.backend_pid)
        await streams.listen_busy(channel, "me")
        await streams.publish("busy", {"data": 1})
        received = []

        async def collect():
            async for note in listener.notifies():
                received.append(note.channel)

        try:
            await asyncio.wait_for(collect(), timeout=0.3)
        except asyncio.TimeoutError:
            pass
    assert received == []


async def test_a_dead_listeners_registration_is_cleaned_up(dsn, streams, db):
    channel = await streams.channel("gone")
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as listener:
        await streams.listen_idle(channel, "ghost", listener.info.backend_pid)
    await asyncio.sleep(0.2)  # the session has ended
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as other:
        await streams.listen_idle(channel, "alive", other.info.backend_pid)
        rows = db.execute("SELECT consumer FROM hotmesh.stream_listeners WHERE channel = %s",
                          (channel,)).fetchall()
    assert rows == [("alive",)]


async def test_registering_without_waiting_gives_way_to_a_publisher_in_flight(dsn, streams, db):
    """listen_idle(wait=False) registers only when no publisher of the channel is between its
    insert and its commit; otherwise it says so at once instead of queueing every later
    publisher behind its exclusive lock."""
    channel = await streams.channel("inflight")
    async with await psycopg.AsyncConnection.connect(dsn) as publisher:  # one open transaction
        await publisher.execute(
            "SELECT hotmesh.stream_publish(%s, 'inflight', '{\"data\": 1}')", (streams.app_id,))
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as listener:
            pid = listener.info.backend_pid
            started = asyncio.get_running_loop().time()
            assert await streams.listen_idle(channel, "me", pid, wait=False) is False
            assert asyncio.get_running_loop().time() - started < 1.0, "it did not wait"
            assert db.execute("SELECT count(*) FROM hotmesh.stream_listeners WHERE channel = %s",
                              (channel,)).fetchone()[0] == 0
            await publisher.commit()
            assert await streams.listen_idle(channel, "me", pid, wait=False) is True
            assert db.execute("SELECT consumer FROM hotmesh.stream_listeners WHERE channel = %s",
                              (channel,)).fetchall() == [("me",)]


async def test_an_encoded_response_is_sent_as_its_own_text(streams):
    """The worker host encodes a response once; what reaches Postgres is that text, not the
    dict encoded again (the dict here says otherwise on purpose, to tell the two apart)."""
    response = EncodedResponse({"data": {"n": 1}}, '{"data": {"n": 2}, "code": 200}')
    plain = {"data": {"n": 3}}
    async with streams.pool.connection() as conn:
        sent = await (await conn.execute("SELECT %b::jsonb, %b::jsonb",
                                         (_jsonb(response), _jsonb(plain)))).fetchone()
    assert sent == ({"data": {"n": 2}, "code": 200}, {"data": {"n": 3}})
    assert response["data"] == {"n": 1}  # still the dict it was made from, for telemetry
