"""The platform's operations, for operations staff (role beheer) only: send the outbox again, see
what the consumer dead-lettered (the reason and where it came from, never the payload: operations
never see a child's file), and re-drive a dead letter through this service's own consumer once its
cause is fixed."""
from datetime import datetime
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from runtime import tables
from runtime.consumer import Unprocessable, letter_record
from runtime.errors import Conflict, NotFound
from runtime.fields import Moment, Page
from runtime.uow import AlreadyProcessed

OPEN, HERVERWERKT, MISLUKT = "open", "herverwerkt", "mislukt"
Status = Literal["open", "herverwerkt"]
LetterId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The dead letter's id.")]


class HerpublicatieIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sinds: Moment | None = Field(default=None, description="Only events from this moment on (with "
                                 "its offset); empty: the whole outbox.")


class HerpublicatieOut(BaseModel):
    herpubliceerd: int = Field(description="Events queued to be sent again.")


class HerverwerkingOut(BaseModel):
    tijdstip: datetime = Field(description="When it was tried.")
    uitkomst: Literal["herverwerkt", "mislukt"] = Field(
        description="`herverwerkt`: handled and kept; `mislukt`: still failing, nothing kept.")
    reden: str | None = Field(description="Why it failed (null when it succeeded): what failed and "
                                          "where, never the data it failed on.")


class DeadLetterOut(BaseModel):
    id: int
    event_id: str | None
    event_type: str | None = Field(description="The record's ce_type header, if it had one.")
    topic: str
    partition: int
    offset: int
    reason: str = Field(description="Why the consumer could not process it.")
    failed_at: datetime
    status: Status = Field(description="`open` until a re-drive succeeded, then `herverwerkt`.")
    herverwerkingen: int = Field(description="Re-drives tried so far.")
    laatste_herverwerking: HerverwerkingOut | None = Field(
        description="The last re-drive; null when none was tried.")


class DeadLettersPage(BaseModel):
    items: list[DeadLetterOut]
    total: int


class StillFailing(Conflict):
    title = "The event still cannot be processed"


class AlreadyRedriven(Conflict):
    title = "Already processed"


def operations_router() -> APIRouter:
    router = APIRouter(tags=["platform"])

    @router.post("/outbox/herpublicaties", status_code=202, response_model=HerpublicatieOut,
                 summary="Send this service's published events again (after a broker lost its data)")
    async def herpublicatie(body: HerpublicatieIn, request: Request) -> HerpublicatieOut:
        count = await request.app.state.runtime.relay.republish(body.sinds)
        return HerpublicatieOut(herpubliceerd=count)

    _dead_letter_routes(router)
    return router


def _dead_letter_routes(router: APIRouter) -> None:
    @router.get("/dode-brieven", response_model=DeadLettersPage,
                summary="Events this service's consumer could not process, newest first (no payloads)")
    async def dode_brieven(request: Request,
                           page_size: Annotated[int, Query(alias="pageSize", ge=1, le=200)] = 50,
                           page: Page = 1,
                           status: Annotated[Status | None, Query(description="Only letters with this "
                                                                  "status.")] = None) -> DeadLettersPage:
        return await _dead_letters(request.app.state.runtime.sessions, status, page_size,
                                   (page - 1) * page_size)

    @router.get("/dode-brieven/{id}", response_model=DeadLetterOut, responses=_errors(404),
                summary="One dead letter (no payload)")
    async def dode_brief(id: LetterId, request: Request) -> DeadLetterOut:
        return _out(await _letter(request.app.state.runtime.sessions, id))

    @router.post("/dode-brieven/{id}/herverwerking", response_model=DeadLetterOut,
                 responses=_errors(404, 409),
                 summary="Process a dead letter again through this service's consumer (its cause fixed)",
                 description="The stored event is read and handled again as the consumer would, in one "
                             "transaction, exactly once: 200 with the letter `herverwerkt`; 409 when it "
                             "still fails (the letter stays `open`, the attempt recorded, nothing kept) "
                             "or when it was processed already.")
    async def herverwerking(id: LetterId, request: Request) -> DeadLetterOut:
        return await _redrive(request.app.state.runtime, id)


def _errors(*codes: int) -> dict:
    what = {404: "No dead letter with this id",
            409: "Still failing (the reason in `detail`; nothing kept), or processed already"}
    return {code: {"description": what[code]} for code in codes}


def _out(r) -> DeadLetterOut:
    last = None
    if r.last_redrive_at is not None:
        last = HerverwerkingOut(tijdstip=r.last_redrive_at, uitkomst=r.last_redrive_outcome,
                                reden=r.last_redrive_reason)
    return DeadLetterOut(id=r.id, event_id=r.event_id, event_type=(r.headers or {}).get("ce_type"),
                         topic=r.topic, partition=r.partition, offset=r.offset, reason=r.reason,
                         failed_at=r.failed_at, status=r.status, herverwerkingen=r.redrive_attempts,
                         laatste_herverwerking=last)


_t = tables.dead_letters
# What a list or an answer shows: never the key, the value or any header but ce_type.
_SHOWN = (_t.c.id, _t.c.event_id, _t.c.headers, _t.c.topic, _t.c.partition, _t.c.offset, _t.c.reason,
          _t.c.failed_at, _t.c.status, _t.c.redrive_attempts, _t.c.last_redrive_at,
          _t.c.last_redrive_outcome, _t.c.last_redrive_reason)


async def _dead_letters(sessions, status: str | None, limit: int, offset: int) -> DeadLettersPage:
    where = [_t.c.status == status] if status else []
    async with sessions() as session:
        total = await session.scalar(sa.select(sa.func.count()).select_from(_t).where(*where))
        rows = (await session.execute(
            sa.select(*_SHOWN).where(*where).order_by(_t.c.id.desc()).limit(limit).offset(offset))).all()
    return DeadLettersPage(total=total, items=[_out(r) for r in rows])


async def _letter(sessions, letter_id: int, *columns):
    async with sessions() as session:
        row = (await session.execute(
            sa.select(*_SHOWN, *columns).where(_t.c.id == letter_id))).first()
    if row is None:
        raise NotFound(f"no dead letter {letter_id} in this service")
    return row


async def _redrive(runtime, letter_id: int) -> DeadLetterOut:
    """Through the consumer, the letter marked `herverwerkt` in the same transaction; a failure
    recorded on the letter afterwards, in a transaction of its own."""
    row = await _letter(runtime.sessions, letter_id, _t.c.key, _t.c.value, _t.c.value_encoding)
    if row.status == HERVERWERKT:
        raise AlreadyRedriven(f"dead letter {letter_id} was processed again already "
                              f"({row.last_redrive_at.isoformat()}); nothing is done twice")
    if runtime.consumer is None:
        raise Conflict(f"{runtime.spec.name} consumes no events: it cannot process dead letter "
                       f"{letter_id} again")
    record = letter_record(topic=row.topic, partition=row.partition, offset=row.offset, key=row.key,
                           headers=row.headers, value=row.value, value_encoding=row.value_encoding)
    now = runtime.clock.now()
    try:
        await runtime.consumer.redrive(record, within=lambda session: _done(session, letter_id, now))
    except AlreadyProcessed as exc:
        raise AlreadyRedriven(f"event {row.event_id} of dead letter {letter_id} was processed "
                              "already; nothing is done twice") from exc
    except Unprocessable as exc:
        await _failed(runtime.sessions, letter_id, now, str(exc))
        raise StillFailing(f"dead letter {letter_id} still cannot be processed: {exc}") from exc
    return _out(await _letter(runtime.sessions, letter_id))


async def _done(session: AsyncSession, letter_id: int, now: datetime) -> None:
    marked = await session.scalar(
        sa.update(_t).where(_t.c.id == letter_id, _t.c.status == OPEN)
        .values(status=HERVERWERKT, redrive_attempts=_t.c.redrive_attempts + 1, last_redrive_at=now,
                last_redrive_outcome=HERVERWERKT, last_redrive_reason=None)
        .returning(_t.c.id))
    if marked is None:  # another re-drive of this letter committed meanwhile: undo this one
        raise AlreadyRedriven(f"dead letter {letter_id} was processed again meanwhile; "
                              "nothing is done twice")


async def _failed(sessions, letter_id: int, now: datetime, reason: str) -> None:
    async with sessions() as session, session.begin():
        await session.execute(
            sa.update(_t).where(_t.c.id == letter_id, _t.c.status == OPEN)
            .values(redrive_attempts=_t.c.redrive_attempts + 1, last_redrive_at=now,
                    last_redrive_outcome=MISLUKT, last_redrive_reason=reason))
