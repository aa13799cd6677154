"""The platform's operations, for operations staff (role beheer) only: send the outbox again,
and see what the consumer dead-lettered (the reason and where it came from, never the payload:
operations never see a child's file)."""
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from runtime import tables
from runtime.fields import Moment, Page


class HerpublicatieIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sinds: Moment | None = Field(default=None, description="Only events from this moment on (with "
                                 "its offset); empty: the whole outbox.")


class HerpublicatieOut(BaseModel):
    herpubliceerd: int = Field(description="Events queued to be sent again.")


class DeadLetterOut(BaseModel):
    id: int
    event_id: str | None
    event_type: str | None = Field(description="The record's ce_type header, if it had one.")
    topic: str
    partition: int
    offset: int
    reason: str
    failed_at: datetime


class DeadLettersPage(BaseModel):
    items: list[DeadLetterOut]
    total: int


def operations_router() -> APIRouter:
    router = APIRouter(tags=["platform"])

    @router.post("/outbox/herpublicaties", status_code=202, response_model=HerpublicatieOut,
                 summary="Send this service's published events again (after a broker lost its data)")
    async def herpublicatie(body: HerpublicatieIn, request: Request) -> HerpublicatieOut:
        count = await request.app.state.runtime.relay.republish(body.sinds)
        return HerpublicatieOut(herpubliceerd=count)

    @router.get("/deadletters", response_model=DeadLettersPage,
                summary="Events this service's consumer could not process, newest first (no payloads)")
    async def deadletters(request: Request,
                          page_size: Annotated[int, Query(alias="pageSize", ge=1, le=200)] = 50,
                          page: Page = 1) -> DeadLettersPage:
        return await _dead_letters(request.app.state.runtime.sessions, page_size, (page - 1) * page_size)

    return router


async def _dead_letters(sessions, limit: int, offset: int) -> DeadLettersPage:
    t = tables.dead_letters
    async with sessions() as session:
        total = await session.scalar(sa.select(sa.func.count()).select_from(t))
        rows = (await session.execute(
            sa.select(t.c.id, t.c.event_id, t.c.headers, t.c.topic, t.c.partition, t.c.offset, t.c.reason,
                      t.c.failed_at).order_by(t.c.id.desc()).limit(limit).offset(offset))).all()
    return DeadLettersPage(total=total, items=[
        DeadLetterOut(id=r.id, event_id=r.event_id, event_type=(r.headers or {}).get("ce_type"),
                      topic=r.topic, partition=r.partition, offset=r.offset, reason=r.reason,
                      failed_at=r.failed_at) for r in rows])
