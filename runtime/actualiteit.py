"""How current a service's figures are: what it publishes while it catches up says so.

After a restart (or a lost broker) a consumer reads a backlog; until it has, its figures are
complete only up to the newest event it handled. Every figure a service publishes (capacity,
KPIs) carries this block, so a reader never takes a half-updated picture for the present.
"""
from datetime import datetime

from fastapi import Request
from pydantic import BaseModel, Field

from runtime.consumer import EventConsumer


class Actualiteit(BaseModel):
    bijgewerkt_tot: datetime | None = Field(
        description="The moment of the newest event this service has handled since it started: its "
                    "figures are complete up to here (null: none handled yet since the start).")
    achterstand: int | None = Field(
        description="Events on its topics it has not read yet (null: not known yet, the service "
                    "is still joining its consumer group); 0 when it is up to date.")
    bijgewerkt: bool = Field(description="True when nothing is left to read: the figures are current.")


async def of(consumer: EventConsumer | None) -> Actualiteit:
    if consumer is None:
        return Actualiteit(bijgewerkt_tot=None, achterstand=0, bijgewerkt=True)
    lag = await consumer.lag() if consumer.joined else None
    return Actualiteit(bijgewerkt_tot=consumer.last_event_time, achterstand=lag, bijgewerkt=lag == 0)


async def actualiteit(request: Request) -> Actualiteit:
    """FastAPI dependency: the block for this service's answer."""
    return await of(request.app.state.runtime.consumer)
