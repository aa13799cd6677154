"""Composition root of the reporting service."""
from pathlib import Path

from runtime.service import ServiceSpec
from services.reporting.entrypoints import api, consumer
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork

SPEC = ServiceSpec(
    name="reporting",
    title="jbketen rapportage",
    description="Uniform KPIs for the region, projected from the chain's events. Holds no personal data.",
    default_port=8005,
    migrations=Path(__file__).parent / "migrations",
    uow_class=ReportingUnitOfWork,
    routers=[api.router],
    handlers=consumer.HANDLERS,
    subscriptions=consumer.SUBSCRIPTIONS,
)
