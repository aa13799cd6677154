"""Use cases of the GI systems' webhooks: register them, fan case events out to them, deliver.
A target is checked at registration and again at every delivery (domain: its shape; adapter: the
addresses it resolves to); a secret is shown once and stored encrypted."""
import asyncio
from collections.abc import Awaitable, Callable
from uuid import UUID

from contracts import Event
from contracts.vocabulary import GI
from runtime.clock import Clock
from runtime.consumer import Unprocessable
from runtime.errors import InvalidInput, NotFound
from services.caseregie.adapters import wire
from services.caseregie.adapters.webhook_client import Resolve, WebhookClient, controleer_doel, secret_box
from services.caseregie.domain import events
from services.caseregie.domain import webhooks as wh
from services.caseregie.domain.commands import (
    DeleteWebhook,
    DeliverWebhooks,
    ListAfleveringen,
    ListWebhooks,
    ReadWebhook,
    RegisterWebhook,
)
from services.caseregie.domain.webhooks import Aflevering, Webhook
from services.caseregie.service_layer.unit_of_work import CaseregieUnitOfWork
from services.caseregie.settings import CaseregieSettings

# POSTs a signed body to a URL after checking the target under the policy, connecting to the
# checked address; returns None when acknowledged (2xx), else what went wrong (or why refused).
Post = Callable[[str, bytes, dict[str, str], wh.Doelbeleid], Awaitable[str | None]]

UNREADABLE_SECRET = ("the signing secret cannot be decrypted: is the key that encrypted it still in "
                     "CASEREGIE_WEBHOOK_SECRET_KEY?")


def beleid(settings: CaseregieSettings) -> wh.Doelbeleid:
    """The target policy of the settings."""
    return wh.Doelbeleid(allow_http=settings.webhook_allow_http, allow_private=settings.webhook_allow_private)


async def register(cmd: RegisterWebhook, uow: CaseregieUnitOfWork, clock: Clock, settings: CaseregieSettings,
                   resolve: Resolve) -> Webhook:
    """A new webhook with a fresh secret (plain only in the returned object, to be shown once).
    The target must pass the checks now: 400 naming `url` otherwise."""
    rules = beleid(settings)
    webhook = Webhook.registreer(cmd.gi, cmd.url, clock.now(), rules)
    try:
        async with asyncio.timeout(settings.webhook_timeout_s):
            await controleer_doel(webhook.url, rules, resolve)
    except TimeoutError:
        raise InvalidInput("its host could not be resolved in time", field="url") from None
    box = secret_box(settings)
    async with uow:
        await uow.webhooks.add(webhook, box)
        await uow.commit()
    return webhook


async def _webhook(webhook_id: UUID, uow: CaseregieUnitOfWork, gi: GI) -> Webhook:
    """Another GI's webhook does not exist for the caller: 404, worded like one that does not."""
    webhook = await uow.webhooks.get(webhook_id)
    if webhook is None or gi != webhook.gi:
        raise NotFound(f"webhook {webhook_id} not found")
    return webhook


async def get(cmd: ReadWebhook, uow: CaseregieUnitOfWork) -> Webhook:
    async with uow:
        return await _webhook(cmd.webhook_id, uow, cmd.gi)


async def list_webhooks(cmd: ListWebhooks, uow: CaseregieUnitOfWork) -> list[Webhook]:
    async with uow:
        return await uow.webhooks.list(gi=cmd.gi)


async def delete(cmd: DeleteWebhook, uow: CaseregieUnitOfWork) -> None:
    """Removes the webhook with its deliveries; pending ones are not sent any more."""
    async with uow:
        await _webhook(cmd.webhook_id, uow, cmd.gi)
        await uow.webhooks.delete(cmd.webhook_id)
        await uow.commit()


async def afleveringen(cmd: ListAfleveringen, uow: CaseregieUnitOfWork) -> tuple[list[Aflevering], int]:
    async with uow:
        await _webhook(cmd.webhook_id, uow, cmd.gi)
        return await uow.webhooks.afleveringen(cmd.webhook_id, limit=cmd.limit, offset=cmd.offset)


async def on_casus_event(event: Event, uow: CaseregieUnitOfWork, clock: Clock) -> None:
    """Consumed from caseregie's own topic: one delivery per webhook of every GI the event concerns.
    The runtime's event-id ledger (and the unique webhook + event id) make a redelivery add nothing."""
    ce = uow.incoming
    if ce is None:
        raise Unprocessable("a case event for the webhooks must come from the consumer")
    now = clock.now()
    bericht = wh.bericht(ce.id, ce.type, ce.time, ce.subject, ce.data)
    casus_event = wire.to_domain(event)
    async with uow:
        overdracht = None
        decision = isinstance(casus_event, events.OverdrachtApproved | events.OverdrachtRejected)
        if decision and not casus_event.naar_gi:
            # recorded before decisions named both GIs: the stored transfer does
            overdracht = await uow.casussen.get_overdracht(casus_event.overdracht_id)
        hooks = await uow.webhooks.for_gis(wh.ontvangers(casus_event, overdracht))
        await uow.webhooks.add_afleveringen([Aflevering.voor(hook, bericht, now) for hook in hooks])
        if hooks:
            uow.wake_after_commit(DeliverWebhooks)  # sent now, not at the job's next interval
        await uow.commit()


OpenClient = Callable[[float], WebhookClient]  # a client with this timeout (an async context manager)


async def deliver_webhooks(cmd: DeliverWebhooks, uow_factory: Callable[[], CaseregieUnitOfWork], clock: Clock,
                           settings: CaseregieSettings, webhook_client: OpenClient) -> int:
    """Batch after batch while they come back full (more may be due). Returns how many were sent."""
    sent = 0
    async with webhook_client(settings.webhook_timeout_s) as client:
        while (batch := await deliver(uow_factory(), client.post, clock, settings)) > 0:
            sent += batch
            if batch < settings.webhook_batch_size:
                break
    return sent


async def deliver(uow: CaseregieUnitOfWork, post: Post, clock: Clock, settings: CaseregieSettings) -> int:
    """Send the due deliveries (locked with SKIP LOCKED, so replicas never send the same row at once)
    and record each attempt. Returns how many were sent."""
    rules = beleid(settings)
    async with uow:
        due = await uow.webhooks.claim_due(clock.now(), settings.webhook_batch_size, secret_box(settings))
        if not due:
            return 0

        async def send(aflevering: Aflevering, webhook: Webhook) -> None:
            body = wh.body(aflevering.bericht)
            try:
                if webhook.secret is None:
                    fout = UNREADABLE_SECRET
                else:
                    headers = wh.headers(webhook.secret, aflevering.event_id, int(clock.timestamp()), body)
                    fout = await post(webhook.url, body.encode(), headers, rules)
            except Exception as exc:  # whatever the receiver did, try again later
                fout = f"{type(exc).__name__}: {exc}"
            aflevering.poging(clock.now(), fout, settings.webhook_retry_base_s, settings.webhook_retry_max_s)

        await asyncio.gather(*(send(a, w) for a, w in due))
        await uow.webhooks.save_afleveringen([a for a, _ in due])
        if retries := [a.volgende_poging_op for a, _ in due if a.afgeleverd_op is None
                       and a.volgende_poging_op]:
            uow.wake_after_commit(DeliverWebhooks, at=min(retries))  # the first retry, when it is due
        await uow.commit()
    return len(due)
