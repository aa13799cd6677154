"""The processing log over HTTP, the same in every service that logs: the register of processing
activities (every role; it holds no personal data), the records for the privacy officer (role
`privacy`: by data subject, actor, organisation and period) and the check of the hash chain.

The privacy officer's own reading of the log is a processing too: each query and each check is
logged (activity `<service>.verwerkingen-inzien`), with the data subject the query names.
"""
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from runtime import processing_log
from runtime.access import authenticated
from runtime.fields import Moment, Page
from runtime.http import unit_of_work
from runtime.identity import Principal
from runtime.processing_log import READ, Betrokkene, Filter
from runtime.processing_register import Register
from runtime.uow import UnitOfWork

PageSize = Annotated[int, Query(alias="pageSize", ge=1, le=200)]
Caller = Annotated[Principal, Depends(authenticated)]


class VerwerkingsactiviteitOut(BaseModel):
    id: str = Field(description="The activity and its version; a record names the version it was made under.")
    naam: str
    doel: str = Field(description="The purpose of the processing.")
    grondslag: list[str] = Field(description="The legal basis (AVG and the law the task comes from).")
    categorieen_betrokkenen: list[str]
    categorieen_gegevens: list[str]
    bewaartermijn: str
    verwerkingsverantwoordelijke: str


class ActorOut(BaseModel):
    sub: str = Field(description="The token's subject, or the service itself for a consumer or job.")
    rol: str = Field(description="The token's role, or 'systeem'.")
    organisatie: str


class BetrokkeneOut(BaseModel):
    kind_id: UUID | None = Field(description="The child's pseudonymous id.")
    gezin_id: UUID | None = Field(description="The family's pseudonymous id.")


class ResourceOut(BaseModel):
    type: str
    id: str


class VerwerkingOut(BaseModel):
    volgnummer: int = Field(description="Place in the hash chain (1, 2, 3, ... without gaps).")
    tijdstip: datetime
    actor: ActorOut
    verwerkingsactiviteit: str = Field(description="Id of the activity in GET /verwerkingsactiviteiten.")
    betrokkene: BetrokkeneOut
    resource: ResourceOut
    actie: str = Field(description="'read', 'create', 'update', 'delete' or 'erase'.")
    uitkomst: str = Field(description="'ok' or 'error'.")
    trace_id: str | None = Field(description="W3C trace id (32 hex) of the request or event.")
    span_id: str | None = Field(description="Span id (16 hex) of the operation.")
    vorige_hash: str
    hash: str = Field(description="SHA-256 over vorige_hash and the record's canonical JSON.")

    @classmethod
    def of(cls, row) -> "VerwerkingOut":
        return cls(
            volgnummer=row.volgnummer, tijdstip=row.tijdstip,
            actor=ActorOut(sub=row.actor_sub, rol=row.actor_rol, organisatie=row.actor_organisatie),
            verwerkingsactiviteit=row.verwerkingsactiviteit,
            betrokkene=BetrokkeneOut(kind_id=row.kind_id, gezin_id=row.gezin_id),
            resource=ResourceOut(type=row.resource_type, id=row.resource_id), actie=row.actie,
            uitkomst=row.uitkomst, trace_id=row.trace_id, span_id=row.span_id,
            vorige_hash=row.vorige_hash, hash=row.hash)


class VerwerkingenPage(BaseModel):
    items: list[VerwerkingOut]
    total: int


class BreukOut(BaseModel):
    volgnummer: int = Field(description="The first record where the chain breaks.")
    reden: str = Field(description="'ontbrekend' (records before it are missing), 'keten' (its previous "
                                   "hash is not the hash of the record before it) or 'gewijzigd' (its "
                                   "content does not match its hash).")
    toelichting: str


class IntegriteitOut(BaseModel):
    status: str = Field(description="'ok' or 'gebroken'.")
    records: int = Field(description="Records checked and found in order (up to the break).")
    laatste_hash: str = Field(description="The hash of the last record found in order.")
    breuk: BreukOut | None


async def search(uow: UnitOfWork, principal: Principal, register: Register, selection: Filter,
                 page: int, page_size: int) -> VerwerkingenPage:
    """The matching records, the query itself logged (with the subject it names) before they return."""
    async with uow:
        rows, total = await processing_log.query(uow.session, selection, limit=page_size,
                                                 offset=(page - 1) * page_size)
        uow.log_processing(activity=register.log_inzien, subjects=[selection.betrokkene],
                           resource=("verwerkingen", "zoekopdracht"), action=READ, actor=principal)
        await uow.commit()
    return VerwerkingenPage(items=[VerwerkingOut.of(r) for r in rows], total=total)


def router(register: Register) -> APIRouter:
    """The register, the records and the chain check of one service (names = policy keys)."""
    api = APIRouter(tags=["verwerkingen"])

    @api.get("/verwerkingsactiviteiten", response_model=list[VerwerkingsactiviteitOut],
             summary="The register of processing activities of this service (AVG art. 30)",
             description="Every activity a record of the processing log names, with its purpose, "
                         "legal basis, categories of data subjects and data, and retention. "
                         + register.toelichting)
    async def list_verwerkingsactiviteiten():
        return [a.as_dict() for a in register.activiteiten]

    @api.get("/verwerkingen", response_model=VerwerkingenPage,
             summary="The processing log: who processed whose data, when, why; newest first",
             description="Filters narrow the answer: a child (`kindId`) or a family (`gezinId`; both: "
                         "records of either), the actor (`sub`), the actor's organisation, and a period "
                         "(`van` inclusive, `tot` exclusive). This query is itself logged.")
    async def list_verwerkingen(
        principal: Caller, uow=Depends(unit_of_work),
        kind_id: Annotated[UUID | None, Query(alias="kindId")] = None,
        gezin_id: Annotated[UUID | None, Query(alias="gezinId")] = None,
        sub: Annotated[str | None, Query(max_length=200)] = None,
        organisatie: Annotated[str | None, Query(max_length=200)] = None,
        van: Annotated[Moment | None, Query()] = None,
        tot: Annotated[Moment | None, Query()] = None,
        page_size: PageSize = 50, page: Page = 1,
    ):
        selection = Filter(kind_id=kind_id, gezin_id=gezin_id, sub=sub, organisatie=organisatie,
                           van=van, tot=tot)
        return await search(uow, principal, register, selection, page, page_size)

    @api.get("/verwerkingen/integriteit", response_model=IntegriteitOut,
             summary="Check the processing log's hash chain: ok, or the first record where it breaks",
             description="Walks every record in order: a missing record (a gap in `volgnummer`), a "
                         "record whose previous hash does not match, or one whose content no longer "
                         "matches its hash is reported as the first break.")
    async def get_verwerkingen_integriteit(principal: Caller, uow=Depends(unit_of_work)):
        async with uow:
            result = await processing_log.verify(uow.session)
            uow.log_processing(activity=register.log_inzien, subjects=[Betrokkene()],
                               resource=("verwerkingen", "integriteit"), action=READ, actor=principal)
            await uow.commit()
        breuk = BreukOut(**result.breuk.__dict__) if result.breuk else None
        return IntegriteitOut(status="gebroken" if breuk else "ok", records=result.records,
                              laatste_hash=result.laatste_hash, breuk=breuk)

    return api
