"""The processing log (verwerkingenlogboek): every read and every change of a child's or a family's
data, as NEN 7513 and the Logboek Dataverwerkingen standard (MinBZK) ask for it — who (`sub`,
`rol`, `organisatie`), when, which processing activity of the service's register, about whom (the
pseudonymous `kind_id` and `gezin_id`, never a name or a BSN), which resource, what action, with
what outcome, and the trace and span (operation) it was part of.

A handler calls `UnitOfWork.log_processing`; the records are written at the unit of work's commit,
in the transaction of the processing itself: a change never commits without its records, and a
read returns its body only once its records committed (if they cannot be written, the request
fails). One record per data subject, as the standard asks: a report about two children is two
records, each with the child and its family.

The table is append-only (triggers refuse UPDATE, DELETE and TRUNCATE, runtime schema v3 in
runtime/migrations.py) and hash-chained: each record carries a sequence number and
`hash = SHA-256(previous hash || canonical serialisation of the record)`. A transaction's records
are chained at its COMMIT by a deferred trigger that holds one advisory lock per database, so the
chain is linear and the lock is held only while a commit runs; `verify` walks the chain and
names the first record where a number is missing or a hash does not match.
"""
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import sqlalchemy as sa
from opentelemetry import trace
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from runtime import tables
from runtime.identity import Principal

ACTIONS = READ, CREATE, UPDATE, DELETE, ERASE = ("read", "create", "update", "delete", "erase")
OUTCOMES = OK, ERROR = ("ok", "error")
# A consumer or a job acts as the service itself.
SYSTEEM, PLATFORM = "systeem", "jbketen"
GENESIS = "0" * 64  # the "previous hash" of the first record
# The fields a record's hash covers, in the canonical serialisation (everything but the hashes).
HASHED = ("volgnummer", "tijdstip", "actor_sub", "actor_rol", "actor_organisatie",
          "verwerkingsactiviteit", "kind_id", "gezin_id", "resource_type", "resource_id", "actie",
          "uitkomst", "trace_id", "span_id")
VERIFY_BATCH = 2000


@dataclass(frozen=True)
class Betrokkene:
    """The data subject of a record: a child (with its family), or a family alone."""

    kind_id: UUID | None = None
    gezin_id: UUID | None = None


def betrokkenen(gezin_id: UUID | None, kind_ids: Iterable[UUID | str | None]) -> list[Betrokkene]:
    """One data subject per child (each with the family); the family alone when it has no child."""
    kinderen = list(dict.fromkeys(UUID(str(k)) for k in kind_ids if k))
    if not kinderen:
        return [Betrokkene(gezin_id=gezin_id)]
    return [Betrokkene(kind_id=k, gezin_id=gezin_id) for k in kinderen]


@dataclass(frozen=True)
class Actor:
    sub: str
    rol: str
    organisatie: str

    @classmethod
    def of(cls, principal: Principal | None, service: str) -> "Actor":
        """The caller of the token, or the service itself (a consumer, a job) as a system actor."""
        if principal is None:
            return cls(sub=service, rol=SYSTEEM, organisatie=PLATFORM)
        return cls(sub=principal.sub, rol=principal.rol, organisatie=principal.organisatie)


@dataclass(frozen=True)
class Verwerking:
    """One record, before it has its place in the chain."""

    tijdstip: datetime
    actor: Actor
    activiteit: str
    betrokkene: Betrokkene
    resource_type: str
    resource_id: str
    actie: str
    uitkomst: str
    trace_id: str | None
    span_id: str | None

    def staged(self) -> dict:
        """The record as it waits for its place: its fields, and its canonical JSON up to the
        number the chain gives it (`volgnummer` is the last key in sorted order)."""
        values = self.row(0, GENESIS)
        del values["volgnummer"], values["vorige_hash"], values["hash"]
        return {**values, "inhoud": canonical_prefix(values)}

    def row(self, volgnummer: int, vorige_hash: str) -> dict:
        values = {
            "volgnummer": volgnummer, "tijdstip": self.tijdstip, "actor_sub": self.actor.sub,
            "actor_rol": self.actor.rol, "actor_organisatie": self.actor.organisatie,
            "verwerkingsactiviteit": self.activiteit, "kind_id": self.betrokkene.kind_id,
            "gezin_id": self.betrokkene.gezin_id, "resource_type": self.resource_type,
            "resource_id": self.resource_id, "actie": self.actie, "uitkomst": self.uitkomst,
            "trace_id": self.trace_id, "span_id": self.span_id,
        }
        return {**values, "vorige_hash": vorige_hash, "hash": chain_hash(vorige_hash, values)}


def records(*, tijdstip: datetime, actor: Actor, activiteit: str, subjects: Iterable[Betrokkene],
            resource: tuple[str, object], actie: str, uitkomst: str) -> list[Verwerking]:
    """The records of one processing: one per data subject, in the current trace and span."""
    if actie not in ACTIONS:
        raise ValueError(f"action {actie!r} is not one of {', '.join(ACTIONS)}")
    if uitkomst not in OUTCOMES:
        raise ValueError(f"outcome {uitkomst!r} is not one of {', '.join(OUTCOMES)}")
    subjects = list(subjects)
    if not subjects:
        raise ValueError("a processing of personal data names its data subject(s)")
    trace_id, span_id = current_operation()
    resource_type, resource_id = resource
    return [Verwerking(tijdstip=tijdstip, actor=actor, activiteit=activiteit, betrokkene=s,
                       resource_type=resource_type, resource_id=str(resource_id), actie=actie,
                       uitkomst=uitkomst, trace_id=trace_id, span_id=span_id) for s in subjects]


def current_operation() -> tuple[str | None, str | None]:
    """The current trace id (32 hex) and span id (16 hex), or (None, None) outside a trace."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None, None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


# --- the chain ------------------------------------------------------------------------------------

def _canonical_value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, UUID):
        return str(value)
    return value


def canonical(values) -> bytes:
    """The hashed fields of a record (a dict or a row mapping) as canonical JSON: sorted keys, no
    spaces, UTF-8, moments in UTC with microseconds, UUIDs in their lower-case form."""
    fields = {name: _canonical_value(values[name]) for name in HASHED}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical_prefix(values) -> str:
    """canonical(values) with `volgnummer` left open: the chain's trigger appends the number and
    the closing brace (canonical JSON puts `volgnummer` last)."""
    fields = {name: _canonical_value(values[name]) for name in HASHED if name != "volgnummer"}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text[:-1] + ',"volgnummer":'


assert sorted(HASHED)[-1] == "volgnummer", "the chain's trigger completes the canonical JSON with it"


def chain_hash(vorige_hash: str, values) -> str:
    return hashlib.sha256(vorige_hash.encode("ascii") + b"\n" + canonical(values)).hexdigest()


async def append(session: AsyncSession, verwerkingen: list[Verwerking]) -> None:
    """Add records in this transaction. They wait in `verwerkingen_wachtrij` until COMMIT, where
    a deferred trigger (runtime schema v4) takes the chain's lock, numbers each record after the
    chain's head and completes its hash from `inhoud`; the lock is held only while the commit
    runs, never while the request does its work. A record that cannot be chained fails the commit."""
    if verwerkingen:
        await session.execute(insert(tables.verwerkingen_wachtrij), [v.staged() for v in verwerkingen])


@dataclass(frozen=True)
class Breuk:
    """Where the chain breaks: the record, and why."""

    volgnummer: int
    reden: str  # 'ontbrekend' (records before it are missing), 'keten' or 'gewijzigd'
    toelichting: str


def check_link(row, verwacht_volgnummer: int, vorige_hash: str) -> Breuk | None:
    """Whether one record follows the previous one: the next number, the previous record's hash,
    and a hash that matches its own content."""
    if row.volgnummer != verwacht_volgnummer:
        return Breuk(row.volgnummer, "ontbrekend",
                     f"records {verwacht_volgnummer} to {row.volgnummer - 1} are missing")
    if row.vorige_hash != vorige_hash:
        return Breuk(row.volgnummer, "keten", "its previous hash is not the hash of the record before it")
    if row.hash != chain_hash(row.vorige_hash, row._mapping):
        return Breuk(row.volgnummer, "gewijzigd", "its content does not match its hash: it was changed")
    return None


@dataclass(frozen=True)
class Integriteit:
    records: int
    laatste_hash: str
    breuk: Breuk | None


async def verify(session: AsyncSession) -> Integriteit:
    """Walk the whole chain in order, in batches; stop at the first break."""
    t = tables.verwerkingen
    volgnummer, vorige, gezien = 0, GENESIS, 0
    while True:
        rows = (await session.execute(
            sa.select(t).where(t.c.volgnummer > volgnummer).order_by(t.c.volgnummer).limit(VERIFY_BATCH)
        )).all()
        for row in rows:
            if breuk := check_link(row, volgnummer + 1, vorige):
                return Integriteit(records=gezien, laatste_hash=vorige, breuk=breuk)
            volgnummer, vorige, gezien = row.volgnummer, row.hash, gezien + 1
        if len(rows) < VERIFY_BATCH:
            return Integriteit(records=gezien, laatste_hash=vorige, breuk=None)


# --- queries of the privacy officer ---------------------------------------------------------------

@dataclass(frozen=True)
class Filter:
    """What the privacy officer asks for; every given field narrows the answer. The subject filter
    matches a record of the child, or of its family (`gezin_id`), when both are given."""

    kind_id: UUID | None = None
    gezin_id: UUID | None = None
    sub: str | None = None
    organisatie: str | None = None
    van: datetime | None = None  # inclusive
    tot: datetime | None = None  # exclusive

    def where(self) -> list:
        t = tables.verwerkingen
        subject = [c for c in (t.c.kind_id == self.kind_id if self.kind_id else None,
                               t.c.gezin_id == self.gezin_id if self.gezin_id else None) if c is not None]
        where = [sa.or_(*subject)] if subject else []
        if self.sub:
            where.append(t.c.actor_sub == self.sub)
        if self.organisatie:
            where.append(t.c.actor_organisatie == self.organisatie)
        if self.van:
            where.append(t.c.tijdstip >= self.van)
        if self.tot:
            where.append(t.c.tijdstip < self.tot)
        return where

    @property
    def betrokkene(self) -> Betrokkene:
        return Betrokkene(kind_id=self.kind_id, gezin_id=self.gezin_id)


async def query(session: AsyncSession, selection: Filter, *, limit: int, offset: int
                ) -> tuple[list, int]:
    """Matching records, newest first, and how many match."""
    t = tables.verwerkingen
    where = selection.where()
    rows = (await session.execute(
        sa.select(t).where(*where).order_by(t.c.volgnummer.desc()).limit(limit).offset(offset))).all()
    total = await session.scalar(sa.select(sa.func.count()).select_from(t).where(*where))
    return rows, total
