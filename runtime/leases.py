"""Periodic jobs run once per interval across a service's replicas.

Every replica runs the same job loop; before a run it claims the job's row in `job_leases`
(runtime schema v7). The claim moves `ran_at` to now only when the last run (by any replica) began
at least an interval ago, in one statement, so of replicas that try at once exactly one wins. When
the replica that has been running a job dies, the others find its run an interval old and one of
them takes it over. No two runs of a job begin less than an interval apart; the jobs themselves
lock the rows they work on (SKIP LOCKED), so a run that outlasts its interval is still safe.
"""
import os
import socket
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker

# Who holds a lease: this process, readable by operations (host, pid and a random part).
INSTANCE = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

_CLAIM = sa.text(
    "INSERT INTO job_leases (job, ran_at, holder) VALUES (:job, :now, :holder) "
    "ON CONFLICT (job) DO UPDATE SET ran_at = EXCLUDED.ran_at, holder = EXCLUDED.holder "
    "WHERE job_leases.ran_at <= :due RETURNING job")


async def claim(sessions: async_sessionmaker, job: str, now: datetime, interval_s: float,
                holder: str = INSTANCE) -> bool:
    """True when this replica runs `job` now (its last run began at least `interval_s` ago, or never).
    A run begun a little early by a clock of another replica is allowed for by a tenth of the interval."""
    due = now - timedelta(seconds=interval_s * 0.9)
    async with sessions() as session, session.begin():
        won = (await session.execute(_CLAIM, {"job": job, "now": now, "holder": holder, "due": due})).first()
    return won is not None


async def holders(sessions: async_sessionmaker) -> dict[str, tuple[str, datetime]]:
    """Each job's last runner and when it began (for health and tests)."""
    async with sessions() as session:
        rows = (await session.execute(sa.text("SELECT job, holder, ran_at FROM job_leases"))).all()
    return {row.job: (row.holder, row.ran_at) for row in rows}
