"""A consumer's throttle: how long to wait before each dequeue, or paused.

The quorum sets it (``throttle(...)`` anywhere in the mesh, or the persisted rate when the
consumer joins); the consumer awaits ``wait()`` before each dequeue. A new value takes effect
at once, even in the middle of a wait: lowering the throttle or resuming ends a long sleep or
a pause immediately instead of when it would have ended.
"""

from __future__ import annotations

import asyncio

from .errors import HotMeshError

PAUSED = -1
MAX_THROTTLE = 2_147_483_647  # ms, as in HotMesh (a Postgres integer)


class ThrottleError(HotMeshError, ValueError):
    """A throttle value outside -1 … 2,147,483,647 ms."""

    code = 400


def validate_throttle(value: object) -> int:
    """``value`` as a throttle (ms), or ThrottleError naming what is allowed."""
    if isinstance(value, bool) or not isinstance(value, int) or not (
            PAUSED <= value <= MAX_THROTTLE):
        raise ThrottleError(
            f"throttle must be an integer from -1 (pause) to {MAX_THROTTLE:,} ms "
            f"(0 resumes), got {value!r}")
    return value


class Throttle:
    """Milliseconds to wait before each dequeue: 0 none, > 0 that long, -1 paused."""

    def __init__(self, ms: int = 0) -> None:
        self.ms = validate_throttle(ms)
        self._changed = asyncio.Event()
        self._closed = False

    @property
    def paused(self) -> bool:
        return self.ms == PAUSED

    def set(self, ms: int) -> None:
        """A new value; a consumer waiting in ``wait()`` re-evaluates it at once."""
        self.ms = validate_throttle(ms)
        self._changed.set()

    def close(self) -> None:
        """The consumer stops: ``wait()`` returns at once from now on."""
        self._closed = True
        self._changed.set()

    async def wait(self) -> None:
        """Wait the throttle (measured from the call), or while paused. A change counts from
        the same start: a lowered throttle whose time has passed ends the wait at once."""
        if self.ms == 0 or self._closed:
            return
        loop = asyncio.get_running_loop()
        started = loop.time()
        while not self._closed and self.ms != 0:
            self._changed.clear()
            timeout = None
            if self.ms > 0:
                timeout = started + self.ms / 1000 - loop.time()
                if timeout <= 0:
                    return
            try:
                await asyncio.wait_for(self._changed.wait(), timeout)
            except asyncio.TimeoutError:
                return
