"""The worker process reporting computes its KPI answers in ends with the service, however the
service ends (a killed service cannot stop it)."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A "service": starts the worker (no database needed to start it), prints its pid, waits.
DIENST = textwrap.dedent("""
    import asyncio, os, sys, time
    from services.reporting.service_layer.rekenaar import Rekenproces

    async def main():
        werk = Rekenproces("postgresql+asyncpg://nobody@127.0.0.1:1/none")
        pid = await asyncio.get_running_loop().run_in_executor(werk._werkproces(), os.getpid)
        print(pid, flush=True)
        time.sleep(600)

    asyncio.run(main())
""")


def _leeft(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie waits for its parent only
        return stat.read().split(") ")[1][0] != "Z"


def test_the_worker_process_ends_when_its_service_is_killed():
    dienst = subprocess.Popen([sys.executable, "-c", DIENST], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        werker = int(dienst.stdout.readline())
        assert werker != dienst.pid and _leeft(werker)
        dienst.send_signal(signal.SIGKILL)
        dienst.wait()
        deadline = time.monotonic() + 10
        while _leeft(werker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _leeft(werker)
    finally:
        dienst.kill()
        dienst.stdout.close()
