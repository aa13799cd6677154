"""Composition root of the capacity service: what it contributes to the runtime, and the handler
maps its message bus dispatches by (commands and events declared next to the handlers)."""
from pathlib import Path

from runtime.service import ServiceSpec
from services.capacity.adapters.kennisgeving_kanalen import Kanalen
from services.capacity.entrypoints import api, jobs, policy
from services.capacity.service_layer import escalaties, handlers
from services.capacity.service_layer.unit_of_work import CapacityUnitOfWork
from services.capacity.settings import CapacitySettings

# Its own dependency, beside the runtime's: the channels escalation notifications go out through.
DEPENDENCIES = {"kanalen": Kanalen}


def dependencies(runtime) -> dict:
    """The service's own dependencies; the escalation plans are read (and checked) at start, so an
    invalid plan file stops the service instead of a staffing report that would open an escalation."""
    escalaties.plan_van(runtime.settings)
    return DEPENDENCIES

SPEC = ServiceSpec(
    name="capacity",
    title="jbketen capaciteit",
    description="Live availability per GI and expertise (staffing minus children in care, with the "
                "waiting list), pushed to the RvdK on the compacted topic capacity.signals and as a "
                "Server-Sent Events stream; regional escalations when the GIs run out, following the "
                "escalation plan: parties told per level, acknowledgements, measures in force.",
    default_port=8004,
    migrations=Path(__file__).parent / "migrations",
    uow_class=CapacityUnitOfWork,
    settings_class=CapacitySettings,
    policy=policy.POLICY,
    routers=[api.router],
    commands=handlers.COMMAND_HANDLERS,
    events=handlers.EVENT_HANDLERS,
    background=jobs.BACKGROUND,
    dependencies=dependencies,
)
