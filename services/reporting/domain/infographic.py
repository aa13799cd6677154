"""The infographic of one municipality for one quarter: the few numbers a council member reads, their
trend over the previous quarters and the GIs' reading. Pure: it is put together from the published
(suppressed) figures per quarter, exactly as `GET /v1/kpis?gemeente=...` serves them; it computes
no number of its own.
"""

from dataclasses import dataclass

from services.reporting.domain.duiding import Duiding, Kwartaalduidingen


@dataclass(frozen=True)
class Cijfer:
    """One number of the infographic: a KPI of the catalogue and, beside it, a detail KPI."""

    kpi: str
    label: str
    detail: str | None = None
    detail_label: str = ""


# In the order a council member reads them. `uithuisplaatsingen_gestart` is shown once the
# catalogue has it; a KPI the active catalogue lacks is listed under `ontbreekt`.
CIJFERS = (
    Cijfer("meldingen_ontvangen", "meldingen ontvangen"),
    Cijfer("kinderen_in_zorg", "kinderen in zorg bij een GI"),
    Cijfer("wachtlijst", "kinderen wachtend op een vaste jeugdbeschermer",
           "wachtdagen_wachtenden", "gemiddeld wachtend (dagen)"),
    Cijfer("aandeel_jb_binnen_norm", "dekking: vaste jeugdbeschermer binnen de norm",
           "kinderen_jb_binnen_norm", "kinderen binnen de norm"),
    Cijfer("uithuisplaatsingen_gestart", "uithuisplaatsingen gestart"),
    Cijfer("herhaalde_meldingen", "herhaalde meldingen",
           "aandeel_herhaalde_meldingen", "van alle meldingen"),
)


def kpi_ids(catalogus_ids) -> list[str]:
    """The KPIs the infographic reads that the catalogue has (main and detail)."""
    ids = set(catalogus_ids)
    wanted = [k for c in CIJFERS for k in (c.kpi, c.detail) if k]
    return [k for k in wanted if k in ids]


def _waarde(kpi: dict | None, gemeente: str) -> dict:
    """A municipality's published value: `onderdrukt` when suppressed (the value is then null)."""
    if kpi is None:
        return {"waarde": None, "onderdrukt": False}
    waarde = kpi["per_gemeente"].get(gemeente)
    return {"waarde": waarde, "onderdrukt": waarde is None and gemeente in kpi["onderdrukt"]}


def samenstellen(*, gemeente: str, gemeente_naam: str, reeks: list[dict], duidingen: Kwartaalduidingen,
                 kpi_namen: dict[str, str], gi_namen: dict[str, str], onderdrukkingsdrempel: int,
                 richtingen: dict[str, str | None]) -> dict:
    """The infographic from the quarters' published figures (`reeks`: the trend, oldest first,
    the infographic's quarter last), JSON-ready."""
    per_kwartaal = [(p["periode"], {k["kpi"]: k for k in p["kpis"]}) for p in reeks]
    kwartaal, nu = per_kwartaal[-1]
    cijfers = []
    for c in CIJFERS:
        if c.kpi not in kpi_namen:
            continue
        vorig = per_kwartaal[-2][1].get(c.kpi) if len(per_kwartaal) > 1 else None
        cijfers.append({
            "kpi": c.kpi, "label": c.label, "naam": kpi_namen[c.kpi], "eenheid": nu[c.kpi]["eenheid"],
            "richting": richtingen.get(c.kpi),
            **_waarde(nu[c.kpi], gemeente),
            "vorig": _waarde(vorig, gemeente),
            "reeks": [{"periode": code, **_waarde(kpis.get(c.kpi), gemeente)} for code, kpis in per_kwartaal],
            "detail": None if c.detail not in kpi_namen else {
                "kpi": c.detail, "label": c.detail_label, "eenheid": nu[c.detail]["eenheid"],
                **_waarde(nu[c.detail], gemeente)},
        })
    getoond = {k for c in CIJFERS for k in (c.kpi, c.detail) if k}
    lezingen = [d for d in duidingen.duidingen
                if d.kpi is None or d.kpi in getoond]
    return {
        "kwartaal": kwartaal,
        "gemeente": gemeente,
        "gemeente_naam": gemeente_naam,
        "onderdrukkingsdrempel": onderdrukkingsdrempel,
        "vastgesteld_op": duidingen.vaststelling.vastgesteld_op if duidingen.vaststelling else None,
        "kwartalen": [code for code, _ in per_kwartaal],
        "cijfers": cijfers,
        "ontbreekt": [c.kpi for c in CIJFERS if c.kpi not in kpi_namen],
        "duidingen": [_lezing(d, kpi_namen, gi_namen) for d in lezingen],
    }


def _lezing(d: Duiding, kpi_namen: dict[str, str], gi_namen: dict[str, str]) -> dict:
    """A reading as the infographic shows it: the GI, never the author's name."""
    return {"gi": d.gi, "gi_naam": gi_namen.get(d.gi, d.gi), "kpi": d.kpi,
            "kpi_naam": kpi_namen.get(d.kpi) if d.kpi else None, "tekst": d.tekst,
            "addendum": d.addendum, "geschreven_op": d.geschreven_op}
