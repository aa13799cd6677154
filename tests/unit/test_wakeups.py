"""Periodic jobs woken by work committed in their process (runtime/wakeups.py)."""

import asyncio

from runtime.wakeups import Wakeups


async def test_a_woken_job_stops_waiting_at_once_and_an_unwoken_one_at_its_interval():
    wakeups = Wakeups()
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert not await wakeups.wait("job", 0.1)
    assert loop.time() - started >= 0.09
    wakeups.wake("job")
    started = loop.time()
    assert await wakeups.wait("job", 5)
    assert loop.time() - started < 0.05
    assert not await wakeups.wait("job", 0.05)  # a wakeup counts once
    wakeups.wake("other")
    assert not await wakeups.wait("job", 0.05)  # per job


async def test_a_wakeup_while_the_job_runs_is_kept_for_its_next_wait():
    wakeups = Wakeups()
    wakeups.wake("job")
    assert await wakeups.wait("job", 1)
    wakeups.wake("job")  # work committed while the job was running
    assert await wakeups.wait("job", 0.01)


async def test_a_wakeup_for_later_comes_then():
    wakeups = Wakeups()
    loop = asyncio.get_running_loop()
    started = loop.time()
    wakeups.wake("job", after_s=0.2)
    assert await wakeups.wait("job", 5)
    assert 0.18 <= loop.time() - started < 1
