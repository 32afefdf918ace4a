"""TaskSet: what the controller and the transfers run on the loop, held until it ends."""

from __future__ import annotations

import asyncio

from grokdesk.ui.task_set import TaskSet


def test_a_failure_is_reported_once_and_a_cancellation_is_not() -> None:
    failures: list[BaseException] = []

    async def fail() -> None:
        raise ValueError("broken")

    async def scenario() -> None:
        tasks = TaskSet(failures.append)
        tasks.spawn(fail())
        slow = tasks.spawn(asyncio.sleep(3600))
        assert tasks.busy
        await asyncio.sleep(0.01)
        assert tasks.busy, "the slow task is still held"
        await tasks.cancel()
        assert slow.cancelled() and not tasks.busy

    asyncio.run(scenario())
    assert [str(exc) for exc in failures] == ["broken"]


def test_wait_returns_once_every_task_has_ended_whatever_its_outcome() -> None:
    ended: list[str] = []

    async def finish(name: str, delay: float, error: bool = False) -> None:
        await asyncio.sleep(delay)
        ended.append(name)
        if error:
            raise RuntimeError(name)

    async def scenario() -> None:
        tasks = TaskSet()
        tasks.spawn(finish("quick", 0.0))
        tasks.spawn(finish("late", 0.05, error=True))
        await tasks.wait()
        assert not tasks.busy

    asyncio.run(scenario())
    assert ended == ["quick", "late"]
