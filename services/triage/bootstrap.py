"""Composition root of the triage service: what it contributes to the runtime, and the handler maps
its message bus dispatches by (commands and events declared next to the handlers)."""
from pathlib import Path

from runtime.ports import DEFAULT_PORTS
from runtime.service import ServiceSpec
from services.triage.adapters import regelsets
from services.triage.entrypoints import api, jobs, policy
from services.triage.service_layer import handlers
from services.triage.service_layer.unit_of_work import TriageUnitOfWork
from services.triage.settings import TriageSettings

regelsets.versies()  # an invalid ruleset file stops the service here, not at the first report

SPEC = ServiceSpec(
    name="triage",
    title="jbketen triage",
    description="Target-group rules (doelgroepenbepaling), the RvdK advice on the GI (a proposal "
                "the RvdK confirms or overrides) and the measure the court imposed.",
    default_port=DEFAULT_PORTS["triage"],
    migrations=Path(__file__).parent / "migrations",
    uow_class=TriageUnitOfWork,
    settings_class=TriageSettings,
    policy=policy.POLICY,
    routers=[api.router],
    commands=handlers.COMMAND_HANDLERS,
    events=handlers.EVENT_HANDLERS,
    background=jobs.BACKGROUND,
)
