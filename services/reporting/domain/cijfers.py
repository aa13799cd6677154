"""KPI values from the projected cells of one period, with suppression. Pure.

Counts and stocks add up over cells; medians, p90, means and shares are computed per cell (or
per margin) from the merged counts and distributions underneath, never from other medians.
"""

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from contracts.vocabulary import GEMEENTEN
from services.reporting.domain import onderdrukking
from services.reporting.domain.model import Catalogus, Kpi
from services.reporting.domain.onderdrukking import TOTAAL
from services.reporting.domain.projectie import HIST, ONBEKEND

GIS = ("JBRR", "WSS", "LJR", ONBEKEND)


class Rij(NamedTuple):
    """A projected cell of one period (the period itself is implied)."""

    kpi: str
    gi: str
    gemeente: str
    dimensie: str
    waarde: str
    aantal: int
    som: int


class Stand(NamedTuple):
    """Cumulated in- and outflow of a stock KPI up to the reference day."""

    kpi: str
    gi: str
    gemeente: str
    richting: str  # 'in' or 'uit'
    aantal: int
    som: int


@dataclass
class Stat:
    aantal: int = 0
    som: int = 0
    teller: int = 0
    hist: Counter = field(default_factory=Counter)

    def __add__(self, other: "Stat") -> "Stat":
        return Stat(
            self.aantal + other.aantal,
            self.som + other.som,
            self.teller + other.teller,
            self.hist + other.hist,
        )

    def voeg_toe(self, other: "Stat") -> None:
        self.aantal += other.aantal
        self.som += other.som
        self.teller += other.teller
        if other.hist:
            self.hist.update(other.hist)


def percentiel(hist: dict[int, int], p: float) -> int | None:
    """Nearest rank: the smallest value v with at least p% of the observations <= v."""
    n = sum(hist.values())
    if n <= 0:
        return None
    rank = max(1, math.ceil(p / 100 * n))
    seen = 0
    for value in sorted(hist):
        seen += hist[value]
        if seen >= rank:
            return value
    return max(hist)


def _som(stats: Iterable[Stat]) -> Stat:
    total = Stat()
    for s in stats:
        total.voeg_toe(s)
    return total


class _Invoer:
    """The rows of one period, sorted per KPI."""

    def __init__(self, rijen: Iterable[Rij], standen: Iterable[Stand]):
        self.cellen: dict[str, dict[tuple[str, str], Stat]] = {}
        self.dims: dict[tuple[str, str], dict[tuple[str, str, str], Stat]] = {}
        self.stromen: dict[str, dict[tuple[str, str], Stat]] = {}
        for r in rijen:
            if r.dimensie == "":
                s = self._stat(self.cellen, r.kpi, (r.gemeente, r.gi))
                s.aantal, s.som = r.aantal, r.som
            elif r.dimensie == HIST:
                self._stat(self.cellen, r.kpi, (r.gemeente, r.gi)).hist[int(r.waarde)] += r.aantal
            elif r.dimensie.startswith(HIST + ":"):
                val, _, n = r.waarde.rpartition(":")
                dim = r.dimensie.split(":", 1)[1]
                self._stat(self.dims, (r.kpi, dim), (r.gemeente, r.gi, val)).hist[int(n)] += r.aantal
            elif r.dimensie == "stroom":
                s = self._stat(self.stromen, r.kpi, (r.gemeente, r.gi))
                if r.waarde == "in":
                    s.aantal += r.aantal
                else:
                    s.teller += r.aantal  # outflow in the period
            else:
                s = self._stat(self.dims, (r.kpi, r.dimensie), (r.gemeente, r.gi, r.waarde))
                s.aantal += r.aantal
                s.som += r.som
        self.standen: dict[str, dict[tuple[str, str], Stat]] = {}
        for s in standen:
            stat = self._stat(self.standen, s.kpi, (s.gemeente, s.gi))
            sign = 1 if s.richting == "in" else -1
            stat.aantal += sign * s.aantal
            stat.som += sign * s.som

    @staticmethod
    def _stat(store: dict, key, cel) -> Stat:
        table = store.setdefault(key, {})
        stat = table.get(cel)
        if stat is None:
            stat = table[cel] = Stat()
        return stat

    def cellen_van(self, kpi: Kpi) -> dict[tuple[str, str], Stat]:
        if kpi.soort in ("stand", "stand_gemiddelde"):
            return dict(self.standen.get(kpi.basis if kpi.soort == "stand_gemiddelde" else kpi.id, {}))
        if kpi.soort == "aandeel":
            teller, noemer = self.cellen.get(kpi.teller, {}), self.cellen.get(kpi.noemer, {})
            return {
                cel: Stat(aantal=noemer.get(cel, Stat()).aantal, teller=teller.get(cel, Stat()).aantal)
                for cel in teller.keys() | noemer.keys()
            }
        return dict(self.cellen.get(kpi.id, {}))


def _waarde(kpi: Kpi, s: Stat, peildag: int):
    if kpi.soort in ("aantal", "stand"):
        return s.aantal
    if kpi.soort == "verdeling":
        return percentiel(s.hist, 50)
    if kpi.soort == "aandeel":
        return round(100 * s.teller / s.aantal, 1) if s.aantal > 0 else None
    return round((peildag * s.aantal - s.som) / s.aantal, 1) if s.aantal > 0 else None  # stand_gemiddelde


def _details(kpi: Kpi, s: Stat) -> dict:
    if kpi.soort == "verdeling":
        return {
            "aantal": s.aantal,
            "gemiddelde": round(s.som / s.aantal, 1) if s.aantal else None,
            "mediaan": percentiel(s.hist, 50),
            "p90": percentiel(s.hist, 90),
        }
    if kpi.soort == "aandeel":
        return {"teller": s.teller, "noemer": s.aantal}
    if kpi.soort == "stand_gemiddelde":
        return {"aantal": s.aantal}
    return {}


def _leeg(kpi: Kpi) -> dict:
    return (
        {"aantal": None, "gemiddelde": None, "mediaan": None, "p90": None}
        if kpi.soort == "verdeling"
        else {"teller": None, "noemer": None}
        if kpi.soort == "aandeel"
        else {"aantal": None}
        if kpi.soort == "stand_gemiddelde"
        else {}
    )


def bereken(
    catalogus: Catalogus,
    rijen: Iterable[Rij],
    standen: Iterable[Stand],
    *,
    periode_type: str,
    periode: str,
    peildatum: date,
    drempel: int,
    kpis: Iterable[str] | None = None,
    gi: str | None = None,
    gemeente: str | None = None,
    met_tabel: bool = False,
) -> list[dict]:
    """Every requested KPI for one period: the value, per municipality and per GI (both over
    the slice the filters select), breakdowns and, per kind, the details. Per-municipality
    values below `drempel` are suppressed (null), with secondary suppression."""
    invoer = _Invoer(rijen, standen)
    wanted = set(kpis) if kpis else None
    result = []
    for kpi in catalogus.kpis:
        if wanted is not None and kpi.id not in wanted:
            continue
        base = {
            "kpi": kpi.id,
            "naam": kpi.naam,
            "name": kpi.name,
            "soort": kpi.soort,
            "eenheid": kpi.eenheid,
            "optelbaar": kpi.optelbaar,
            "periode_type": periode_type,
            "periode": periode,
        }
        if kpi.soort in ("stand", "stand_gemiddelde"):
            base["peildatum"] = peildatum.isoformat()
        base.update(_kpi(kpi, invoer, drempel, gi, gemeente, peildatum.toordinal(), met_tabel))
        result.append(base)
    return result


def _kpi(
    kpi: Kpi,
    invoer: _Invoer,
    drempel: int,
    gi: str | None,
    gemeente: str | None,
    peildag: int,
    met_tabel: bool,
) -> dict:
    cellen = invoer.cellen_van(kpi)
    if kpi.regionaal:
        s = _som(cellen.values())
        if gi or gemeente:
            return {
                "waarde": None,
                "per_gemeente": {},
                "per_gi": {},
                "onderdrukt": [],
                **_leeg(kpi),
                "uitsplitsingen": {},
            }
        out = {
            "waarde": _waarde(kpi, s, peildag),
            "per_gemeente": {},
            "per_gi": {},
            "onderdrukt": [],
            **_details(kpi, s),
            "uitsplitsingen": _uitsplitsingen(kpi, invoer, None, None, False, 0),
        }
        if kpi.soort == "verdeling":
            out["verdeling"] = {str(k): v for k, v in sorted(s.hist.items())}
        if met_tabel:
            out["tabel"] = {TOTAAL: {TOTAAL: out["waarde"]}}
        return out

    # The municipality x GI table with margins, and what to suppress in it.
    stats: dict[tuple[str, str], Stat] = {}
    for (g, k), s in cellen.items():
        for key in ((g, k), (g, TOTAAL), (TOTAAL, k), (TOTAAL, TOTAAL)):
            acc = stats.get(key)
            if acc is None:
                acc = stats[key] = Stat()
            acc.voeg_toe(s)
    extra = set()
    if kpi.soort == "aandeel":
        extra = {
            key
            for key, s in stats.items()
            if onderdrukking.is_klein(s.teller, drempel)
            or onderdrukking.is_klein(s.aantal - s.teller, drempel)
        }
    # The whole region: every municipality and GI, empty cells included, so that an empty cell
    # (shown suppressed) can protect a small one before a regional total has to.
    raster = {(g, k): 0 for g in GEMEENTEN for k in GIS}
    raster.update({cel: max(0, s.aantal) for cel, s in cellen.items()})
    _, onderdrukt = onderdrukking.tabel(raster, drempel, extra)

    rij, kolom = gemeente or TOTAAL, gi or TOTAAL

    def value(key):
        return None if key in onderdrukt else _waarde(kpi, stats.get(key, Stat()), peildag)

    gemeenten = sorted({g for g, _ in cellen} | {g for g, k in onderdrukt if g != TOTAAL})
    gis = sorted({k for _, k in cellen} | {k for g, k in onderdrukt if k != TOTAAL})

    def shown(key):
        return (
            key in stats or key in onderdrukt
        )  # an empty cell chosen to protect another is shown suppressed

    per_gemeente = {
        g: value((g, kolom)) for g in ([gemeente] if gemeente else gemeenten) if shown((g, kolom))
    }
    per_gi = {k: value((rij, k)) for k in ([gi] if gi else gis) if shown((rij, k))}
    sel = stats.get((rij, kolom), Stat())
    verborgen = (rij, kolom) in onderdrukt
    out = {
        "waarde": value((rij, kolom)),
        "per_gemeente": per_gemeente,
        "per_gi": per_gi,
        "onderdrukt": sorted(g for g, v in per_gemeente.items() if v is None),
        **(_leeg(kpi) if verborgen else _details(kpi, sel)),
        "uitsplitsingen": _uitsplitsingen(kpi, invoer, gi, gemeente, verborgen, drempel),
    }
    if kpi.soort == "verdeling":
        hist = {str(k): v for k, v in sorted(sel.hist.items())}
        if gemeente:
            hidden = onderdrukking.rij(hist, verborgen, drempel)
            hist = {k: (None if k in hidden else v) for k, v in hist.items()}
        out["verdeling"] = hist
    if met_tabel:
        out["tabel"] = {
            g: {k: value((g, k)) for k in [*gis, TOTAAL] if shown((g, k))} for g in [*gemeenten, TOTAAL]
        }
    if kpi.soort == "stand" and not gemeente:
        flows = invoer.stromen.get(kpi.id, {})
        s = _som(v for (g, k), v in flows.items() if gi is None or k == gi)
        out["instroom"], out["uitstroom"] = s.aantal, s.teller
    return out


def _uitsplitsingen(
    kpi: Kpi, invoer: _Invoer, gi: str | None, gemeente: str | None, verborgen: bool, drempel: int
) -> dict[str, dict[str, int | None]]:
    result = {}
    if kpi.soort not in ("aantal", "verdeling"):
        return result
    for dim in kpi.dimensies:
        per_waarde: dict[str, Stat] = {}
        for (g, k, val), s in invoer.dims.get((kpi.id, dim), {}).items():
            if (gi is None or k == gi) and (gemeente is None or g == gemeente):
                per_waarde.setdefault(val, Stat()).voeg_toe(s)
        if not per_waarde:
            continue  # not kept at this level (days have totals only) or nothing counted
        if kpi.soort == "verdeling":
            hists: dict[str, Counter] = {}
            for key, s in _hist_dims(invoer, kpi.id, dim).items():
                g, k, val = key
                if (gi is None or k == gi) and (gemeente is None or g == gemeente):
                    hists.setdefault(val, Counter()).update(s.hist)
            values = {val: percentiel(hists.get(val, Counter()), 50) for val in sorted(per_waarde)}
        else:
            values = {val: s.aantal for val, s in sorted(per_waarde.items())}
        if gemeente:
            hidden = onderdrukking.rij({v: s.aantal for v, s in per_waarde.items()}, verborgen, drempel)
            values = {v: (None if v in hidden else x) for v, x in values.items()}
        result[dim] = values
    return result


def _hist_dims(invoer: _Invoer, kpi_id: str, dim: str) -> dict[tuple[str, str, str], Stat]:
    return invoer.dims.get((kpi_id, f"{HIST}:{dim}"), {})
