"""Request and response bodies of the reporting API."""
from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field

from runtime.actualiteit import Actualiteit

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
