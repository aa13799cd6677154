"""intake's processing log over HTTP: the runtime's routes (register, records, chain check) and the
search by BSN. The BSN travels in a POST body, never in a URL, so no access log ever holds it."""
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from contracts.bsn import is_valid_bsn
from runtime import processing_log_api
from runtime.access import authenticated
from runtime.fields import Line, Moment, Page
from runtime.http import message_bus, unit_of_work
from runtime.identity import Principal
from runtime.messagebus import MessageBus
from runtime.processing_log import Filter
from services.intake.adapters.verwerkingsactiviteiten import REGISTER
from services.intake.domain.commands import FindBetrokkene


def _elfproef(bsn: str) -> str:
    if not is_valid_bsn(bsn):
        raise PydanticCustomError("bsn", "not a valid BSN (it fails the eleven-test)")
    return bsn


class ZoekopdrachtIn(BaseModel):
    """Which records to find: those of the child with this BSN, or of its family."""

    model_config = ConfigDict(extra="forbid")

    bsn: Annotated[str, Field(pattern=r"^\d{9}$", description=(
        "The BSN of a child or a parent; intake turns it into the child's and the family's "
        "pseudonymous ids and forgets it.")), AfterValidator(_elfproef)]
    sub: Line(200) | None = Field(default=None, description="Only this actor's records.")
    organisatie: Line(200) | None = Field(default=None, description="Only this organisation's records.")
    van: Moment | None = Field(default=None, description="From this moment (inclusive).")
    tot: Moment | None = Field(default=None, description="Until this moment (exclusive).")


def router() -> APIRouter:
    api = processing_log_api.router(REGISTER)

    @api.post("/verwerkingen/zoekopdrachten", response_model=processing_log_api.VerwerkingenPage,
              summary="The processing log of a child or family, found by BSN; newest first",
              description="Answers a family's question \"who looked at our file\": the records of the "
                          "child with this BSN and of the family of any report with it (a child's or a "
                          "parent's BSN). The BSN goes in the body, so it never lands in an access log; "
                          "it is not stored, and this query is itself logged under the pseudonyms.")
    async def post_verwerkingen_zoekopdracht(
        body: ZoekopdrachtIn, uow=Depends(unit_of_work), bus: MessageBus = Depends(message_bus),
        principal: Principal = Depends(authenticated),
        page_size: Annotated[int, Query(alias="pageSize", ge=1, le=200)] = 50, page: Page = 1,
    ):
        betrokkene = await bus.handle(FindBetrokkene(body.bsn))
        selection = Filter(kind_id=betrokkene.kind_id, gezin_id=betrokkene.gezin_id, sub=body.sub,
                           organisatie=body.organisatie, van=body.van, tot=body.tot)
        return await processing_log_api.search(uow, principal, REGISTER, selection, page, page_size)

    return api
