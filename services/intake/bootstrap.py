"""Composition root of the intake service."""
from pathlib import Path

from runtime.service import ServiceSpec
from runtime.settings import ServiceSettings
from services.intake.entrypoints import api, consumer, jobs, policy
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork


class IntakeSettings(ServiceSettings):
    # Key for the pseudonymous child ids and family keys; production sets its own secret.
    pseudonym_key: str = "jbketen-development-only"
    # An urgent report (spoedmelding) accepted incomplete must be completed within this time.
    spoed_aanvultermijn_s: float = 3 * 24 * 3600
    # How often incomplete urgent reports are checked against their deadline.
    bewaking_interval_s: float = 60


SPEC = ServiceSpec(
    name="intake",
    title="jbketen intake",
    description="Care reports (zorgmeldingen) from local teams, and their status in the chain.",
    default_port=8001,
    migrations=Path(__file__).parent / "migrations",
    uow_class=IntakeUnitOfWork,
    settings_class=IntakeSettings,
    policy=policy.POLICY,
    routers=[api.router],
    handlers=consumer.HANDLERS,
    subscriptions=consumer.SUBSCRIPTIONS,
    background=jobs.BACKGROUND,
)
