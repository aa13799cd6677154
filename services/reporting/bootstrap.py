"""Composition root of the reporting service."""

from pathlib import Path

from runtime.service import ServiceSpec
from services.reporting.entrypoints import api, consumer, policy
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from services.reporting.settings import ReportingSettings

SPEC = ServiceSpec(
    name="reporting",
    title="jbketen rapportage",
    description="Uniform KPIs for the region, projected from the chain's events: per GI, per municipality "
    "and per period, with the KPI catalogue, CSV export, the quarterly report (HTML and PDF) "
    "and a live dashboard. Holds no personal data; small counts are suppressed.",
    default_port=8005,
    migrations=Path(__file__).parent / "migrations",
    uow_class=ReportingUnitOfWork,
    policy=policy.POLICY,
    routers=[api.router],
    settings_class=ReportingSettings,
    handlers=consumer.HANDLERS,
    subscriptions=consumer.SUBSCRIPTIONS,
)
