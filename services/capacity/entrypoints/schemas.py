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
from services.capacity.domain.escalatieplan import MAATREGELEN, Escalatieplan
from services.capacity.domain.kennisgeving import Bevestiging, Kennisgeving
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
    escalatieplan_versie: str | None = Field(
        description="The escalation plan version it follows (active when it opened); null before plans.")
    niveau_sinds: datetime = Field(description="When it reached its current level.")
    maatregelen: list[str] = Field(description="Codes of the plan's measures in force at its level.")

    @classmethod
    def of(cls, e: Escalatie, nu: datetime) -> "EscalatieOut":
        return cls(id=e.id, status="open" if e.open else "gesloten", niveau=e.niveau,
                   redenen=list(e.redenen), cijfers=wire.escalatiecijfers(e.cijfers.samengevat()),
                   cijfers_bij_einde=(wire.escalatiecijfers(e.cijfers_bij_einde.samengevat())
                                      if e.cijfers_bij_einde else None),
                   gestart_op=e.gestart_op, beeindigd_op=e.beeindigd_op, duur_seconden=int(e.duur_s(nu)),
                   escalatieplan_versie=e.plan_versie, niveau_sinds=e.op_niveau_sinds,
                   maatregelen=list(e.maatregelen))


Partij = Literal["rvdk", "JBRR", "WSS", "LJR", "grjr"]


class MaatregelOut(BaseModel):
    code: str
    omschrijving: str


class KennisgevingOut(BaseModel):
    onderwerp: str = Field(description="'niveau 2' (the level reached) or 'week 2026-W48' (a week's figure).")
    niveau: int
    partij: Partij
    kanaal: Literal["event", "webhook", "email"]
    status: Literal["verzonden", "wachtend", "nieuwe_poging", "niet_ingesteld", "vervallen"] = Field(
        description="verzonden: it went out (the event: with the commit; a webhook: answered 2xx; an "
                    "e-mail: accepted by the server); niet_ingesteld: no target set for this party; "
                    "vervallen: a level's notice not sent yet when the escalation ended (`vervallen_op`): "
                    "not sent any more.")
    aangemaakt_op: datetime
    verzonden_op: datetime | None
    pogingen: int
    laatste_poging_op: datetime | None
    laatste_fout: str | None
    volgende_poging_op: datetime | None
    vervallen_op: datetime | None = None

    @classmethod
    def of(cls, k: Kennisgeving) -> "KennisgevingOut":
        return cls(onderwerp=k.onderwerp, niveau=k.niveau, partij=k.partij, kanaal=k.kanaal, status=k.status,
                   aangemaakt_op=k.aangemaakt_op, verzonden_op=k.verzonden_op, pogingen=k.pogingen,
                   laatste_poging_op=k.laatste_poging_op, laatste_fout=k.laatste_fout,
                   volgende_poging_op=k.volgende_poging_op, vervallen_op=k.vervallen_op)


class BevestigingIn(BaseModel):
    niveau: int | None = Field(default=None, ge=1, le=3,
                               description="The level acknowledged; when given, it must be the current one.")


class BevestigingOut(BaseModel):
    escalatie_id: UUID
    partij: Partij
    niveau: int
    bevestigd_op: datetime
    rol: str = Field(description="The role of the token that acknowledged.")

    @classmethod
    def of(cls, b: Bevestiging) -> "BevestigingOut":
        return cls(escalatie_id=b.escalatie_id, partij=b.partij, niveau=b.niveau, bevestigd_op=b.bevestigd_op,
                   rol=b.rol)


class EscalatieDetailOut(EscalatieOut):
    niveau_partijen: list[Partij] = Field(description="The parties of the current level (who acknowledge).")
    kennisgevingen: list[KennisgevingOut] = Field(description="Who was told through which channel, and when.")
    bevestigingen: list[BevestigingOut] = Field(description="Who acknowledged which level, and when.")
    openstaand: list[Partij] = Field(description="Parties of the current level that did not acknowledge it.")
    ophogen_op: datetime | None = Field(
        description="When it goes up a level unless those parties acknowledge (null: not raised for that).")
    maatregelen_in_werking: list[MaatregelOut] = Field(description="The measures in force and their meaning.")

    @classmethod
    def van(cls, r: dict) -> "EscalatieDetailOut":
        e: Escalatie = r["escalatie"]
        plan: Escalatieplan = r["plan"]
        return cls(**EscalatieOut.of(e, r["nu"]).model_dump(),
                   niveau_partijen=list(plan.niveau(e.niveau).partijen),
                   kennisgevingen=[KennisgevingOut.of(k) for k in r["kennisgevingen"]],
                   bevestigingen=[BevestigingOut.of(b) for b in r["bevestigingen"]],
                   openstaand=r["openstaand"] if e.open else [], ophogen_op=r["ophogen_op"],
                   maatregelen_in_werking=[MaatregelOut(code=m, omschrijving=MAATREGELEN.get(m, m))
                                           for m in (e.maatregelen if e.open else ())])


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
