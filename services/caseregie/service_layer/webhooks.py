"""Use cases of the GI systems' webhooks: register them, fan case events out to them, deliver.
A target is checked at registration and again at every delivery (domain: its shape; adapter: the
addresses it resolves to); a secret is shown once and stored encrypted."""
import asyncio
from collections.abc import Awaitable, Callable
from uuid import UUID

from contracts.events import Event, OverdrachtApproved, OverdrachtRejected
from contracts.vocabulary import GI
from runtime.consumer import Unprocessable
from runtime.errors import InvalidInput, NotFound
from services.caseregie.adapters.webhook_client import Resolve, controleer_doel, secret_box, system_resolve
from services.caseregie.domain import webhooks as wh
from services.caseregie.domain.webhooks import Aflevering, Webhook
from services.caseregie.service_layer.unit_of_work import CaseregieUnitOfWork

# POSTs a signed body to a URL after checking the target under the policy, connecting to the
# checked address; returns None when acknowledged (2xx), else what went wrong (or why refused).
Post = Callable[[str, bytes, dict[str, str], wh.Doelbeleid], Awaitable[str | None]]

UNREADABLE_SECRET = ("the signing secret cannot be decrypted: is the key that encrypted it still in "
                     "CASEREGIE_WEBHOOK_SECRET_KEY?")


def beleid(settings) -> wh.Doelbeleid:
    """The target policy of the settings (strict without settings)."""
    return wh.Doelbeleid(allow_http=getattr(settings, "webhook_allow_http", False),
                         allow_private=getattr(settings, "webhook_allow_private", False))


async def register(gi: GI, url: str, uow: CaseregieUnitOfWork, *,
                   resolve: Resolve = system_resolve) -> Webhook:
    """A new webhook with a fresh secret (plain only in the returned object, to be shown once).
    The target must pass the checks now: 400 naming `url` otherwise."""
    rules = beleid(uow.settings)
    webhook = Webhook.registreer(gi, url, uow.clock.now(), rules)
    try:
        async with asyncio.timeout(uow.settings.webhook_timeout_s):
            await controleer_doel(webhook.url, rules, resolve)
    except TimeoutError:
        raise InvalidInput("its host could not be resolved in time", field="url") from None
    box = secret_box(uow.settings)
    async with uow:
        await uow.webhooks.add(webhook, box)
        await uow.commit()
    return webhook


async def _webhook(webhook_id: UUID, uow: CaseregieUnitOfWork, gi: GI | None) -> Webhook:
    """Another GI's webhook does not exist for the caller: 404, worded like one that does not."""
    webhook = await uow.webhooks.get(webhook_id)
    if webhook is None or (gi is not None and gi != webhook.gi):
        raise NotFound(f"webhook {webhook_id} not found")
    return webhook


async def get(webhook_id: UUID, uow: CaseregieUnitOfWork, *, gi: GI | None = None) -> Webhook:
    async with uow:
        return await _webhook(webhook_id, uow, gi)


async def list_webhooks(uow: CaseregieUnitOfWork, *, gi: GI | None) -> list[Webhook]:
    async with uow:
        return await uow.webhooks.list(gi=gi)


async def delete(webhook_id: UUID, uow: CaseregieUnitOfWork, *, gi: GI | None = None) -> None:
    """Removes the webhook with its deliveries; pending ones are not sent any more."""
    async with uow:
        await _webhook(webhook_id, uow, gi)
        await uow.webhooks.delete(webhook_id)
        await uow.commit()


async def afleveringen(webhook_id: UUID, uow: CaseregieUnitOfWork, *, gi: GI | None = None, limit: int,
                       offset: int) -> tuple[list[Aflevering], int]:
    async with uow:
        await _webhook(webhook_id, uow, gi)
        return await uow.webhooks.afleveringen(webhook_id, limit=limit, offset=offset)


async def on_casus_event(event: Event, uow: CaseregieUnitOfWork) -> None:
    """Consumed from caseregie's own topic: one delivery per webhook of every GI the event concerns.
    The runtime's event-id ledger (and the unique webhook + event id) make a redelivery add nothing."""
    ce = uow.incoming
    if ce is None:
        raise Unprocessable("a case event for the webhooks must come from the consumer")
    now = uow.clock.now()
    bericht = wh.bericht(ce.id, ce.type, ce.time, ce.subject, ce.data)
    async with uow:
        overdracht = None
        if isinstance(event, OverdrachtApproved | OverdrachtRejected) and not event.naar_gi:
            # recorded before decisions named both GIs: the stored transfer does
            overdracht = await uow.casussen.get_overdracht(event.overdracht_id)
        hooks = await uow.webhooks.for_gis(wh.ontvangers(event, overdracht))
        await uow.webhooks.add_afleveringen([Aflevering.voor(hook, bericht, now) for hook in hooks])
        await uow.commit()


async def deliver(uow: CaseregieUnitOfWork, post: Post, *, batch_size: int, retry_base_s: float,
                  retry_max_s: float) -> int:
    """Send the due deliveries (locked with SKIP LOCKED, so replicas never send the same row at once)
    and record each attempt. Returns how many were sent."""
    rules = beleid(uow.settings)
    async with uow:
        due = await uow.webhooks.claim_due(uow.clock.now(), batch_size, secret_box(uow.settings))
        if not due:
            return 0

        async def send(aflevering: Aflevering, webhook: Webhook) -> None:
            body = wh.body(aflevering.bericht)
            timestamp = int(uow.clock.timestamp())
            try:
                if webhook.secret is None:
                    fout = UNREADABLE_SECRET
                else:
                    headers = wh.headers(webhook.secret, aflevering.event_id, timestamp, body)
                    fout = await post(webhook.url, body.encode(), headers, rules)
            except Exception as exc:  # whatever the receiver did, try again later
                fout = f"{type(exc).__name__}: {exc}"
            aflevering.poging(uow.clock.now(), fout, retry_base_s, retry_max_s)

        await asyncio.gather(*(send(a, w) for a, w in due))
        await uow.webhooks.save_afleveringen([a for a, _ in due])
        await uow.commit()
    return len(due)
