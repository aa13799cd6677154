"""Composition root of the intake service: what it contributes to the runtime, and the handler maps
its message bus dispatches by (commands and events declared next to the handlers)."""
from pathlib import Path

from runtime.ports import DEFAULT_PORTS
from runtime.service import ServiceSpec
from services.intake.entrypoints import api, jobs, policy
from services.intake.service_layer import handlers
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from services.intake.settings import IntakeSettings

SPEC = ServiceSpec(
    name="intake",
    title="jbketen intake",
    description="Care reports (zorgmeldingen) from local teams, and their status in the chain.",
    default_port=DEFAULT_PORTS["intake"],
    migrations=Path(__file__).parent / "migrations",
    uow_class=IntakeUnitOfWork,
    settings_class=IntakeSettings,
    policy=policy.POLICY,
    routers=[api.router],
    commands=handlers.COMMAND_HANDLERS,
    events=handlers.EVENT_HANDLERS,
    background=jobs.BACKGROUND,
)
