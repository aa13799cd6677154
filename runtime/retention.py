"""The retention term (bewaartermijn) of a child's file: Jeugdwet art. 7.3.8 keeps it 20 years after
the file closed; after that its personal data are erased by a daily job of each service that holds
them, and only the pseudonymous facts stay (ids, codes, dates, counts)."""
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta

from pydantic import Field

from runtime.clock import REGION_TZ, add_months, local_date
from runtime.processing_log import ERASE
from runtime.settings import ServiceSettings

BEWAARTERMIJN_JAREN = 20  # Jeugdwet art. 7.3.8
DAG_S = 24 * 3600.0


class RetentionSettings(ServiceSettings):
    """Settings of a service that erases personal data past the retention term."""

    # Years a file is kept after it closed (BEWAARTERMIJN_JAREN).
    bewaartermijn_jaren: int = Field(default=BEWAARTERMIJN_JAREN, ge=1, le=100)
    # How often the erasure job runs (daily; also once at start).
    bewaartermijn_interval_s: float = DAG_S


def bewaargrens(now: datetime, jaren: int) -> datetime:
    """The moment before which a closure lies past the term. A file closed on day D (the region's
    calendar) keeps its data up to and including its anniversary D + `jaren` years (29 February's is
    28 February in a year without one) and loses them from the day after: the answer is the start
    of the first closing day whose anniversary is today or later."""
    vandaag, maanden = local_date(now), 12 * jaren
    dag = add_months(vandaag, -maanden)
    while add_months(dag, maanden) < vandaag:  # a month's end clipped the step back
        dag += timedelta(days=1)
    while add_months(dag - timedelta(days=1), maanden) >= vandaag:
        dag -= timedelta(days=1)
    return datetime.combine(dag, time(0), tzinfo=REGION_TZ)


async def in_batches(one_batch: Callable[[object], Awaitable[int]], uow_factory: Callable[[], object],
                     batch: int) -> int:
    """Run `one_batch` (one transaction, returns how many it erased) until a batch is not full.
    Returns how many were erased in all."""
    total = 0
    while (erased := await one_batch(uow_factory())) > 0:
        total += erased
        if erased < batch:
            break
    return total


async def erase_batch(uow, repository: str, *, jaren: int, activity, resource: str,
                      subjects: Callable[[object], list], batch: int) -> int:
    """One batch in one transaction: what `uow.<repository>` holds past the term of `jaren` years
    (its `past_retention(grens, limit)`), each erased (`erase(id, now)`) and logged as an erasure of
    `subjects(item)` in the processing log. Returns how many were erased."""
    now = uow.clock.now()
    async with uow:
        store = getattr(uow, repository)
        verlopen = await store.past_retention(bewaargrens(now, jaren), batch)
        for item in verlopen:
            await store.erase(item.id, now)
            uow.log_processing(activity=activity, subjects=subjects(item), resource=(resource, item.id),
                               action=ERASE)
        await uow.commit()
    return len(verlopen)
