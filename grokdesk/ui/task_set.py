"""The tasks one part of the window runs on the loop: kept until they end, awaited or
cancelled together at quit.

asyncio keeps only weak references to tasks, so a task nobody holds can vanish mid-run;
and the quit order needs to know what is still running. asyncio is imported where the
tasks start, not with the window's first frame.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio


class TaskSet:
    """Holds the tasks it started; ``on_failure`` hears of each that raised."""

    def __init__(self, on_failure: Callable[[BaseException], None] | None = None) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._on_failure = on_failure

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        import asyncio

        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    async def wait(self) -> None:
        """Until every task running now has ended."""
        import asyncio

        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def cancel(self) -> None:
        """Cancel every task and wait until they have ended."""
        for task in self._tasks:
            task.cancel()
        await self.wait()

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if task.cancelled() or self._on_failure is None:
            return
        if (exc := task.exception()) is not None:
            self._on_failure(exc)
