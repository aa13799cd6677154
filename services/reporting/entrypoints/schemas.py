"""Request and response bodies of the reporting API."""
from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.vocabulary import GI, GI_NAMEN
from runtime.actualiteit import Actualiteit
from runtime.fields import Line, Text
from services.reporting.domain.duiding import MAX_TEKST, Duiding, Vaststelling

Getal = int | float | None


class KpiOut(BaseModel):
    kpi: str
    naam: str
    name: str
    soort: str = Field(
        description="aantal, verdeling, aandeel, stand, stand_gemiddelde, som or aandeel_in_totaal (see the "
        "catalogue)."
    )
    eenheid: str
    optelbaar: bool = Field(description="Per-GI and per-municipality values sum to the region.")
    periode_type: str
    periode: str
    peildatum: date | None = Field(
        None, description="Reference day of a stock (the period's last day or today)."
    )
    waarde: Getal = Field(
        description="The value for the selection; null when suppressed (or, for a median, share or "
        "mean, without observations: then `aantal`/`noemer` is 0)."
    )
    per_gemeente: dict[str, Getal] = Field(
        description="Per CBS municipality code, over the selected GI: all 13 at the levels published "
        "per municipality (quarter, year, all time), empty per day and month and for regional KPIs. "
        "0 = nothing counted; null = suppressed (listed in `onderdrukt`) or, for a median, share or "
        "mean only, no observations."
    )
    per_gi: dict[str, Getal] = Field(
        description="Per GI ('onbekend' until advised), over the selected municipality: all four; "
        "0 = nothing counted; null = suppressed (listed in `onderdrukt_gi`) or no observations."
    )
    onderdrukt: list[str] = Field(description="Municipalities whose value in `per_gemeente` is suppressed.")
    onderdrukt_gi: list[str] = Field(description="GIs whose value in `per_gi` is suppressed.")
    aantal: int | None = Field(None, description="Observations behind a distribution or mean.")
    gemiddelde: float | None = None
    mediaan: int | None = None
    p90: int | None = None
    teller: int | None = None
    noemer: int | None = None
    instroom: int | None = Field(
        None, description="Inflow of a stock in the period (only with suppression off: flows would "
        "link the suppressed tables of two reference days)."
    )
    uitstroom: int | None = Field(None, description="Outflow of a stock in the period (as `instroom`).")
    afgesproken_aandelen: dict[str, float] | None = Field(
        None, description="For a share of the total (aandeel_consultatie_uren): each GI's agreed share "
        "(percent) of the C&A hours for the period's year, beside its share in `per_gi`; null for all time."
    )
    verdeling: dict[str, int | None] | None = Field(
        None, description="Histogram: value -> observations; for the region and per GI, not per municipality."
    )
    uitsplitsingen: dict[str, dict[str, Getal]] = Field(
        description="Breakdowns (urgentie, maatregel, ...): for the region (month and longer) and per "
        "municipality (quarter, year, all time); not per GI. 0 = nothing counted, null = suppressed."
    )


class KpisOut(BaseModel):
    periode_type: str
    periode: str
    onderdrukkingsdrempel: int
    kpis: list[KpiOut]
    actualiteit: Actualiteit = Field(description="How current these figures are: while reporting "
                                                 "catches up on the chain's events it says so here.")


class TrendPunt(BaseModel):
    periode: str
    kpis: list[KpiOut]


class TrendOut(BaseModel):
    kwartalen: list[TrendPunt]


class HerberekeningIn(BaseModel):
    vervangen: bool = Field(True, description="Replace the live projection when the rebuild differs from it.")


class HerberekeningOut(BaseModel):
    id: UUID
    status: str = Field(description="bezig, gelijk, verschillen, vervangen or mislukt.")
    vervangen: bool
    catalogus_versie: str
    aangevraagd_op: str
    klaar_op: str | None = None
    events: int | None = None
    dossiers: int | None = None
    cellen: int | None = None
    verschillen: int | None = None
    voorbeelden: list[dict] | None = None
    duur_s: float | None = None
    fout: str | None = None

    @classmethod
    def of(cls, r: dict) -> "HerberekeningOut":
        """A rebuild's record (service_layer.herberekening), its moments as ISO 8601 text."""
        return cls(**{
            **r,
            "aangevraagd_op": r["aangevraagd_op"].isoformat(),
            "klaar_op": r["klaar_op"].isoformat() if r.get("klaar_op") else None,
        })


class HerberekeningenOut(BaseModel):
    items: list[HerberekeningOut]


# ---- the GIs' readings, the final marking, the report as JSON and the infographic ---------------

GI_VELD = ("Optional: the token decides for which GI the reading is written. When given, it must be "
           "the token's own GI (another GI is 403).")
AUTEUR = ("The author is the caller: the reading is kept with the token's GI, role and name (`naam`, "
          "if the token gives one) and shown with them in the report and on the dashboard; the "
          "infographic names only the GI. A body never names an author (unknown fields are refused).")


class DuidingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"description": AUTEUR})

    gi: GI | None = Field(default=None, description=GI_VELD)
    kpi: Line(60, min_length=1) | None = Field(
        default=None, description="The KPI the reading explains (an id of GET /v1/kpis/catalogus); "
        "without it, the reading is of the GI's own figures of the quarter as a whole.")
    tekst: Text(MAX_TEKST, min_length=1) = Field(
        description="The GI's reading of the figures: about the figures, never about a child or family "
        "(no personal data).")


class DuidingOut(BaseModel):
    id: UUID
    kwartaal: str
    gi: str
    gi_naam: str
    kpi: str | None = Field(description="The KPI it explains; null: the GI's own figures as a whole.")
    tekst: str
    auteur: str = Field(description="As the report shows the author: the token's name and function "
                                    "(manager), or the function alone.")
    auteur_naam: str | None = Field(description="The name the author's token gave, if any.")
    auteur_rol: str
    addendum: bool = Field(description="Written after the quarter's report was marked final.")
    geschreven_op: datetime

    @classmethod
    def of(cls, d: Duiding) -> "DuidingOut":
        return cls(id=d.id, kwartaal=d.kwartaal, gi=d.gi, gi_naam=GI_NAMEN.get(d.gi, d.gi), kpi=d.kpi,
                   tekst=d.tekst, auteur=d.auteur.getoond, auteur_naam=d.auteur.naam,
                   auteur_rol=d.auteur.rol, addendum=d.addendum, geschreven_op=d.geschreven_op)


class VaststellingOut(BaseModel):
    kwartaal: str
    vastgesteld_op: datetime = Field(description="When the region marked the report final.")

    @classmethod
    def of(cls, v: Vaststelling | None) -> "VaststellingOut | None":
        return None if v is None else cls(kwartaal=v.kwartaal, vastgesteld_op=v.vastgesteld_op)


class DuidingenOut(BaseModel):
    kwartaal: str
    vaststelling: VaststellingOut | None = Field(description="null until the report is marked final.")
    items: list[DuidingOut] = Field(description="Oldest first.")


class RapportKpiOut(KpiOut):
    vorig: Getal = Field(description="The region's value in the previous quarter.")
    definitie: str
    richting: str | None = None
    tabel: dict[str, dict[str, Getal]] | None = Field(
        None, description="Municipality ('*': region) x GI ('*': all), suppressed as `tabel_onderdrukt`.")
    tabel_onderdrukt: list[list[str]] = Field(default_factory=list)


class RapportageOut(BaseModel):
    kwartaal: str
    begin: date
    einde: date
    peildatum: date
    onderdrukkingsdrempel: int
    catalogus_versie: str
    regels: dict[str, str]
    parameters: dict
    kpis: list[RapportKpiOut]
    gemeenten: dict[str, str]
    vaststelling: VaststellingOut | None = Field(description="null until the report is marked final.")
    duidingen: list[DuidingOut] = Field(description="The GIs' readings of the quarter, oldest first.")

    @classmethod
    def of(cls, r: dict) -> "RapportageOut":
        return cls(**{**r, "vaststelling": VaststellingOut.of(r["vaststelling"]),
                      "duidingen": [DuidingOut.of(d) for d in r["duidingen"]]})


class InfographicWaarde(BaseModel):
    waarde: Getal = Field(description="The municipality's published value; null when suppressed or "
                                      "without observations.")
    onderdrukt: bool


class InfographicPunt(InfographicWaarde):
    periode: str


class InfographicDetail(InfographicWaarde):
    kpi: str
    label: str
    eenheid: str


class InfographicCijfer(InfographicWaarde):
    kpi: str
    label: str
    naam: str
    eenheid: str
    richting: str | None
    vorig: InfographicWaarde = Field(description="The previous quarter.")
    reeks: list[InfographicPunt] = Field(description="The quarters up to this one, oldest first.")
    detail: InfographicDetail | None


class InfographicDuiding(BaseModel):
    gi: str
    gi_naam: str
    kpi: str | None
    kpi_naam: str | None
    tekst: str
    addendum: bool
    geschreven_op: datetime


class InfographicOut(BaseModel):
    kwartaal: str
    gemeente: str
    gemeente_naam: str
    onderdrukkingsdrempel: int
    vastgesteld_op: datetime | None
    kwartalen: list[str]
    cijfers: list[InfographicCijfer]
    ontbreekt: list[str] = Field(description="KPIs the infographic reads that the active catalogue lacks.")
    duidingen: list[InfographicDuiding] = Field(
        description="The GIs' readings of the quarter of these figures or of their figures as a whole.")
