"""Composition root of the reporting service: what it contributes to the runtime, and the handler
maps its message bus dispatches by (commands and events declared next to the handlers). The
rebuild runs outside one unit of work: it gets the sessions, how to share out the work and
where the instance keeps the rebuilds it runs in the background."""

from pathlib import Path

from runtime.service import Runtime, ServiceSpec
from services.reporting.entrypoints import api, policy
from services.reporting.service_layer import handlers, herberekening, rekenaar
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from services.reporting.settings import ReportingSettings


def dependencies(runtime: Runtime) -> dict:
    settings = runtime.settings
    return {"sessions": runtime.sessions,
            "verdeling": herberekening.Verdeling(settings.rebuild_workers, settings.database_url),
            "achtergrond": herberekening.Achtergrond(),  # the rebuilds this instance runs
            # where the answers of GET /v1/kpis are computed (closed when the service stops)
            "rekenaar": rekenaar.Rekenproces(settings.database_url) if settings.kpi_worker_process
            else rekenaar.Rekenaar()}


SPEC = ServiceSpec(
    name="reporting",
    title="jbketen rapportage",
    description="Uniform KPIs for the region, projected from the chain's events: per GI, per municipality "
    "and per period, with the KPI catalogue, CSV export, the quarterly report (HTML and PDF) "
    "and a live dashboard, the GIs' readings (duidingen) of each quarter and an infographic per "
    "municipality. Holds no personal data of children or families (a reading keeps its author's name, "
    "as the token gives it); small counts are suppressed.",
    default_port=8005,
    migrations=Path(__file__).parent / "migrations",
    uow_class=ReportingUnitOfWork,
    policy=policy.POLICY,
    routers=[api.router],
    settings_class=ReportingSettings,
    commands=handlers.COMMAND_HANDLERS,
    events=handlers.EVENT_HANDLERS,
    dependencies=dependencies,
)
