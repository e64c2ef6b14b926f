"""A consumer's throttle (pyhotmesh/throttle.py): validation, sleeping, pausing, and new
values taking effect in the middle of a wait. Waits have deadlines; durations are not
asserted."""

from __future__ import annotations

import asyncio

import pytest

from pyhotmesh.throttle import MAX_THROTTLE, PAUSED, Throttle, ThrottleError, validate_throttle


def test_valid_throttles_are_integers_from_minus_one_to_the_int_maximum():
    assert [validate_throttle(v) for v in (-1, 0, 1, MAX_THROTTLE)] == [-1, 0, 1, 2_147_483_647]
    for bad in (-2, MAX_THROTTLE + 1, 1.0, "5", None, True, False):
        with pytest.raises(ThrottleError, match=r"from -1 \(pause\) to 2,147,483,647 ms"):
            validate_throttle(bad)
    assert issubclass(ThrottleError, ValueError)
    with pytest.raises(ThrottleError):
        Throttle(-3)
    throttle = Throttle()
    with pytest.raises(ThrottleError):
        throttle.set(2**31)
    assert throttle.ms == 0, "a refused value changes nothing"


async def test_no_throttle_does_not_wait():
    await asyncio.wait_for(Throttle().wait(), 1)


async def test_a_throttle_sleeps_and_then_returns():
    await asyncio.wait_for(Throttle(20).wait(), 5)


async def test_a_pause_holds_until_resumed():
    throttle = Throttle(PAUSED)
    assert throttle.paused
    waiting = asyncio.create_task(throttle.wait())
    await asyncio.sleep(0.2)
    assert not waiting.done(), "paused: the consumer waits"
    throttle.set(0)
    await asyncio.wait_for(waiting, 5)


async def test_lowering_a_long_throttle_ends_the_sleep_at_once():
    throttle = Throttle(3_600_000)
    waiting = asyncio.create_task(throttle.wait())
    await asyncio.sleep(0.05)
    throttle.set(1)  # 1 ms, counted from when the wait began: already over
    await asyncio.wait_for(waiting, 5)


async def test_a_pause_arriving_during_a_sleep_holds_the_consumer():
    throttle = Throttle(50)
    waiting = asyncio.create_task(throttle.wait())
    throttle.set(PAUSED)
    await asyncio.sleep(0.3)
    assert not waiting.done()
    throttle.set(10)
    await asyncio.wait_for(waiting, 5)


async def test_closing_releases_a_paused_consumer_for_good():
    throttle = Throttle(PAUSED)
    waiting = asyncio.create_task(throttle.wait())
    await asyncio.sleep(0.05)
    throttle.close()
    await asyncio.wait_for(waiting, 5)
    await asyncio.wait_for(throttle.wait(), 1)


# -- the consumers that wait it ---------------------------------------------------------------

TWO_STEPS = """
app:
  id: steps
  version: '1'
  graphs:
    - subscribes: steps.start
      activities:
        t1: {type: trigger}
        s1: {type: worker, topic: steps.work, input: {maps: {n: 1}}}
        s2:
          type: worker
          topic: steps.work
          input: {maps: {n: 2}}
          job: {maps: {last: '{$self.output.data.n}'}}
      transitions:
        t1: [{to: s1}]
        s1: [{to: s2}]
"""


async def test_a_paused_worker_takes_no_next_step_with_its_answer(dsn, db):
    """respond_next hands the answering worker the step it enqueues; a throttled worker
    must not take it that way either."""
    from pyhotmesh import HotMesh

    seen: list[int] = []

    async def callback(message: dict) -> dict:
        seen.append(message["data"]["n"])
        if message["data"]["n"] == 1:
            hotmesh.workers[0].throttle.set(PAUSED)  # paused while answering step 1
        return {"data": {"n": message["data"]["n"]}}

    hotmesh = await HotMesh.init(
        app_id="steps", engine={"connection": dsn, "poll_interval": 0.05},
        workers=[{"topic": "steps.work", "callback": callback, "poll_interval": 0.05}])
    try:
        await hotmesh.deploy(TWO_STEPS)
        await hotmesh.activate("1")
        job_id = await hotmesh.pub("steps.start", {})

        async def step_two_queued():
            return db.execute("SELECT count(*) FROM hotmesh.worker_streams WHERE"
                              " message #>> '{metadata,aid}' = 's2' AND reserved_at IS NULL"
                              " AND expired_at IS NULL").fetchone()[0] == 1

        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while not await step_two_queued():
            assert loop.time() < deadline, "step 2 was never queued"
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        assert seen == [1] and await step_two_queued(), "the paused worker left step 2 queued"
        hotmesh.workers[0].throttle.set(0)
        assert (await hotmesh.wait_for(job_id, timeout=20))["data"] == {"last": 2}
        assert seen == [1, 2]
    finally:
        await hotmesh.stop()
