"""Composition root of the triage service."""
from pathlib import Path

from runtime.service import ServiceSpec
from services.triage.entrypoints import api, consumer
from services.triage.service_layer.unit_of_work import TriageUnitOfWork

SPEC = ServiceSpec(
    name="triage",
    title="jbketen triage",
    description="Target-group rules (doelgroepenbepaling) and the RvdK advice on the GI.",
    default_port=8002,
    migrations=Path(__file__).parent / "migrations",
    uow_class=TriageUnitOfWork,
    routers=[api.router],
    handlers=consumer.HANDLERS,
    subscriptions=consumer.SUBSCRIPTIONS,
)
