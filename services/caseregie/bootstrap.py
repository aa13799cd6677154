"""Composition root of the caseregie service."""
from pathlib import Path

from runtime.service import ServiceSpec
from services.caseregie.entrypoints import api, consumer
from services.caseregie.service_layer.unit_of_work import CaseregieUnitOfWork

SPEC = ServiceSpec(
    name="caseregie",
    title="jbketen caseregie",
    description="Cases at the GIs (one family, one plan), fixed youth protector and transfers. "
                "GI case systems integrate here.",
    default_port=8003,
    migrations=Path(__file__).parent / "migrations",
    uow_class=CaseregieUnitOfWork,
    routers=[api.router],
    handlers=consumer.HANDLERS,
    subscriptions=consumer.SUBSCRIPTIONS,
)
