"""Composition root of the reporting service."""

from pathlib import Path

from pydantic import Field

from runtime.service import ServiceSpec
from runtime.settings import ServiceSettings
from services.reporting.entrypoints import api, consumer, policy
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork


class ReportingSettings(ServiceSettings):
    # Per-municipality counts from 1 to this - 1 are suppressed in everything published
    # (JSON, CSV, quarterly report, dashboard), with secondary suppression.
    suppression_threshold: int = 5
    # How often the dashboard page asks for fresh figures.
    dashboard_refresh_s: float = 5.0
    # Worker processes a full rebuild projects the history in (each a share of the dossiers,
    # over one snapshot); 1 projects in the service's own process.
    rebuild_workers: int = Field(default=2, ge=1, le=16)


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
