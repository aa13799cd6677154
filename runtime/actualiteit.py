"""How current a service's figures are: what it publishes while it catches up says so.

After a restart (or a lost broker) a consumer reads a backlog; until it has, its figures are
complete only up to the newest event it handled. Every figure a service publishes (capacity,
KPIs) carries this block, so a reader never takes a half-updated picture for the present.
"""
from fastapi import Request

from contracts.events import Actualiteit
from runtime.consumer import EventConsumer


async def of(consumer: EventConsumer | None) -> Actualiteit:
    if consumer is None:
        return Actualiteit.van(None, 0)
    lag = await consumer.lag() if consumer.joined else None
    return Actualiteit.van(consumer.last_event_time, lag)


async def actualiteit(request: Request) -> Actualiteit:
    """FastAPI dependency: the block for this service's answer."""
    return await of(request.app.state.runtime.consumer)
