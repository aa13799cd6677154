"""Composition root of the capacity service."""
from pathlib import Path

from runtime.service import ServiceSpec
from services.capacity.entrypoints import api, consumer
from services.capacity.service_layer.unit_of_work import CapacityUnitOfWork

SPEC = ServiceSpec(
    name="capacity",
    title="jbketen capaciteit",
    description="Live availability per GI, pushed to the RvdK on the compacted topic capacity.signals.",
    default_port=8004,
    migrations=Path(__file__).parent / "migrations",
    uow_class=CapacityUnitOfWork,
    routers=[api.router],
    handlers=consumer.HANDLERS,
    subscriptions=consumer.SUBSCRIPTIONS,
)
