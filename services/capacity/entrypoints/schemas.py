"""Request and response bodies of the capacity API."""
from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from contracts.events import EscalatieCijfers
from contracts.vocabulary import GI
from runtime.actualiteit import Actualiteit
from services.capacity.adapters import wire
from services.capacity.domain.escalatie import Escalatie
from services.capacity.domain.model import GiCapaciteit


class TeamIn(BaseModel):
    expertise: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,49}$", max_length=50,
                           description="Expertise or area team, e.g. 'lvb', 'jeugdreclassering', 'algemeen'.")
    jeugdbeschermers: int = Field(ge=0, le=10000, description="Youth protectors in this team.")
    afwezig: int = Field(default=0, ge=0, le=10000, description="Of whom temporarily absent.")


class BezettingIn(BaseModel):
    jeugdbeschermers: int | None = Field(
        default=None, ge=0, le=10000,
        description="Youth protectors at work; required without teams, else the teams' sum.")
    caseload_norm: int = Field(ge=1, le=100, description="Children per youth protector.")
    afwezig: int | None = Field(default=None, ge=0, le=10000,
                                description="Youth protectors temporarily absent (with teams: their sum).")
    teams: list[TeamIn] | None = Field(default=None, max_length=100,
                                       description="Staffing per expertise or area team.")


class ExpertiseOut(BaseModel):
    expertise: str
    plaatsen: int
    kinderen_in_zorg: int
    vrije_plaatsen: int


class CapaciteitOut(BaseModel):
    gi: GI
    jeugdbeschermers: int
    afwezig: int
    caseload_norm: int
    plaatsen: int = Field(description="Norm slots: available youth protectors x caseload norm.")
    kinderen_in_zorg: int
    vrije_plaatsen: int
    wachtend: int = Field(description="Children in care without a fixed youth protector.")
    langste_wachtdagen: int
    per_expertise: list[ExpertiseOut]
    teams: list[TeamIn]
    bijgewerkt_op: datetime | None

    @classmethod
    def of(cls, c: GiCapaciteit) -> "CapaciteitOut":
        return cls(
            gi=c.gi, jeugdbeschermers=c.jeugdbeschermers, afwezig=c.afwezig, caseload_norm=c.caseload_norm,
            plaatsen=c.plaatsen, kinderen_in_zorg=c.kinderen_in_zorg, vrije_plaatsen=c.vrije_plaatsen,
            wachtend=c.wachtend, langste_wachtdagen=c.langste_wachtdagen,
            per_expertise=[ExpertiseOut(expertise=e.expertise, plaatsen=e.plaatsen,
                                        kinderen_in_zorg=e.kinderen_in_zorg, vrije_plaatsen=e.vrije_plaatsen)
                           for e in c.per_expertise],
            teams=[TeamIn(expertise=t.expertise, jeugdbeschermers=t.jeugdbeschermers, afwezig=t.afwezig)
                   for t in c.teams],
            bijgewerkt_op=c.bijgewerkt_op)


class HistorieRegel(BaseModel):
    tijdstip: datetime
    oorzaak: str
    jeugdbeschermers: int
    afwezig: int
    caseload_norm: int
    kinderen_in_zorg: int
    vrije_plaatsen: int
    wachtend: int
    langste_wachtdagen: int


class Overzicht(BaseModel):
    gis: list[CapaciteitOut]
    regio: dict[str, int]
    tijdstip: datetime | None = Field(default=None, description="The past moment shown, if one was asked.")
    actualiteit: Actualiteit = Field(description="How current these figures are: while capacity catches "
                                                 "up on case events (after a restart) it says so here.")


class EscalatieOut(BaseModel):
    id: UUID
    status: Literal["open", "gesloten"]
    niveau: int = Field(description="Number of conditions met (1-3) at its highest.")
    redenen: list[str]
    cijfers: EscalatieCijfers = Field(description="The figures that raised it (at its level).")
    cijfers_bij_einde: EscalatieCijfers | None
    gestart_op: datetime
    beeindigd_op: datetime | None
    duur_seconden: int = Field(description="Until the end, or until now while open.")

    @classmethod
    def of(cls, e: Escalatie, nu: datetime) -> "EscalatieOut":
        return cls(id=e.id, status="open" if e.open else "gesloten", niveau=e.niveau,
                   redenen=list(e.redenen), cijfers=wire.escalatiecijfers(e.cijfers.samengevat()),
                   cijfers_bij_einde=(wire.escalatiecijfers(e.cijfers_bij_einde.samengevat())
                                      if e.cijfers_bij_einde else None),
                   gestart_op=e.gestart_op, beeindigd_op=e.beeindigd_op, duur_seconden=int(e.duur_s(nu)))


class EscalatiesPage(BaseModel):
    items: list[EscalatieOut]
    total: int


class HerberekeningOut(BaseModel):
    gelijk: bool = Field(description="True when the view rebuilt from the log equals the live view.")
    verschillen: list[str]
    gebeurtenissen: int = Field(description="Log entries folded.")
    live: list[CapaciteitOut]
    herberekend: list[CapaciteitOut]
    tijdstip: datetime
