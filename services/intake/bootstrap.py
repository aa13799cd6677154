"""Composition root of the intake service."""
from pathlib import Path

from runtime.pseudonyms import PseudonymSettings
from runtime.retention import RetentionSettings
from runtime.service import ServiceSpec
from services.intake.entrypoints import api, consumer, jobs, policy
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork


class IntakeSettings(PseudonymSettings, RetentionSettings):
    # PSEUDONYM_KEY (runtime.pseudonyms): the key for the pseudonymous child ids and family keys;
    # required, intake refuses to start without a safe one. BEWAARTERMIJN_JAREN (runtime.retention):
    # reports are erased that many years after their family's file closed.
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
