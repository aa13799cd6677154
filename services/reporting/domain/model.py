"""KPI definitions and how counts are shaped. Pure: no I/O, no personal data."""
from dataclasses import dataclass

ONBEKEND = "onbekend"  # not yet advised to a GI: kept so per-GI figures still add up to the region


@dataclass(frozen=True)
class Kpi:
    id: str
    naam: str
    name: str
    definitie: str
    mijlpaal: str  # which fact timestamp puts a report in this count


KPIS: tuple[Kpi, ...] = (
    Kpi("meldingen_ontvangen", "Meldingen ontvangen", "Reports received",
        "Number of care reports accepted by intake (event melding.received), by municipality of the "
        "report and by the GI it was later advised to ('onbekend' until advised).", "ontvangen_op"),
    Kpi("adviezen", "Adviezen RvdK", "RvdK advices",
        "Number of reports for which the RvdK advised a GI (event advies.issued), by advised GI.",
        "geadviseerd_op"),
    Kpi("casussen_toegewezen", "Casussen toegewezen", "Cases assigned",
        "Number of reports whose case was opened at a GI (event casus.assigned), by that GI.",
        "toegewezen_op"),
)


@dataclass(frozen=True)
class Telling:
    kpi: str
    gemeente: str
    gi: str
    aantal: int


def vorm(tellingen: list[Telling]) -> list[dict]:
    """Totals per KPI with breakdowns per municipality and per GI; both sum to the total."""
    result = []
    for kpi in KPIS:
        rows = [t for t in tellingen if t.kpi == kpi.id]
        per_gemeente: dict[str, int] = {}
        per_gi: dict[str, int] = {}
        for t in rows:
            per_gemeente[t.gemeente] = per_gemeente.get(t.gemeente, 0) + t.aantal
            per_gi[t.gi] = per_gi.get(t.gi, 0) + t.aantal
        result.append({"kpi": kpi.id, "naam": kpi.naam, "name": kpi.name,
                       "waarde": sum(t.aantal for t in rows),
                       "per_gemeente": dict(sorted(per_gemeente.items())),
                       "per_gi": dict(sorted(per_gi.items()))})
    return result
