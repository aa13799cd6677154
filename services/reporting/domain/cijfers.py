"""KPI values from the projected cells of one period, with suppression. Pure.

Counts and stocks add up over cells; medians, p90, means and shares are computed per cell (or
per margin) from the merged counts and distributions underneath, never from other medians.

What is shown per municipality comes from one suppression (`onderdrukking`) over the whole
table set of a KPI: municipality x GI and municipality x breakdown value, for all time, every
year and every quarter together (a `Familie`), since those add up to each other. Days and months
show the region and the GIs only. The same suppressed cells feed every view: the JSON for any
filter, the table behind the CSV and the quarterly report, the trends and the dashboard.
"""

import logging
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from contracts.ca_verdeling import afgesproken_aandelen
from contracts.vocabulary import GEMEENTEN, GI
from services.reporting.domain import onderdrukking
from services.reporting.domain.model import Catalogus, Kpi
from services.reporting.domain.onderdrukking import TOTAAL
from services.reporting.domain.periodes import JAAR, KWARTAAL
from services.reporting.domain.periodes import TOTAAL as ALTIJD
from services.reporting.domain.projectie import HIST, ONBEKEND, STROOM

GIS = (*(gi.value for gi in GI), ONBEKEND)  # every GI, then the cases not yet advised
logger = logging.getLogger(__name__)


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
        if kpi.soort == "aandeel_in_totaal":
            return dict(self.cellen.get(kpi.basis, {}))
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
    if kpi.soort == "som":
        return _schaal(kpi, s.som)
    if kpi.soort == "aandeel_in_totaal":  # teller: the cell's sum, aantal: its row's (see _in_totaal)
        return round(100 * s.teller / s.aantal, 1) if s.aantal > 0 else None
    if kpi.soort == "verdeling":
        return percentiel(s.hist, 50)
    if kpi.soort == "aandeel":
        return round(100 * s.teller / s.aantal, 1) if s.aantal > 0 else None
    return round((peildag * s.aantal - s.som) / s.aantal, 1) if s.aantal > 0 else None  # stand_gemiddelde


def _schaal(kpi: Kpi, som: int) -> float | int:
    return som if kpi.schaal == 1 else round(som / kpi.schaal, 2)


def _in_totaal(stats: dict[tuple[str, str], Stat]) -> dict[tuple[str, str], Stat]:
    """A cell's share of its row: its sum over the sum of all GIs in the same municipality (or in
    the region), from the basis sums with their margins."""
    rijen = {g: s.som for (g, k), s in stats.items() if k == TOTAAL}
    return {(g, k): Stat(aantal=totaal, teller=stats.get((g, k), Stat()).som)
            for g, totaal in rijen.items() for k in (*GIS, TOTAAL)}


def afgesproken(periode_type: str, periode: str) -> dict[str, float] | None:
    """The agreed shares (percent) of the C&A hours per GI for the period's year; None for all
    time or a year before any agreement."""
    if periode_type == ALTIJD:
        return None
    try:
        return {str(gi): round(100 * a, 1) for gi, a in afgesproken_aandelen(int(periode[:4])).items()}
    except LookupError:
        return None


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


# ---- what is published per municipality, and what is suppressed --------------------------------

# Levels at which per-municipality figures are published (with suppression on); days and months
# have the region and the GIs only.
PER_GEMEENTE = (KWARTAAL, JAAR, ALTIJD)
PeriodeSleutel = tuple[str, str]  # (periode_type, periode)


@dataclass
class Familie:
    """The rows of every period published per municipality: all time, every year, every quarter
    of those years. They are suppressed together, since all time is the sum of the years and a
    year the sum of its quarters. `gekoppeld=False`: a single period on its own (no links)."""

    rijen: dict[PeriodeSleutel, list[Rij]]
    gekoppeld: bool = True
    _per_kpi: dict[str, list[tuple[PeriodeSleutel, Rij]]] = field(default_factory=dict, repr=False)
    _tellingen: dict[str, frozenset] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for p, rijen in self.rijen.items():
            for r in rijen:
                if not r.dimensie.startswith((HIST, STROOM)):
                    self._per_kpi.setdefault(r.kpi, []).append((p, r))

    @classmethod
    def alleen(cls, periode: PeriodeSleutel, rijen: Iterable[Rij]) -> "Familie":
        return cls({periode: list(rijen)}, gekoppeld=False)

    @staticmethod
    def perioden_van(kwartalen: Iterable[str]) -> list[PeriodeSleutel]:
        """All time, the years of the given quarters and all four quarters of each."""
        jaren = sorted({k[:4] for k in kwartalen})
        return [(ALTIJD, ALTIJD), *((JAAR, j) for j in jaren),
                *((KWARTAAL, f"{j}-Q{q}") for j in jaren for q in range(1, 5))]

    def kinderen(self) -> dict[PeriodeSleutel, list[PeriodeSleutel]]:
        if not self.gekoppeld:
            return {}
        jaren = sorted(code for t, code in self.rijen if t == JAAR)
        links = {(ALTIJD, ALTIJD): [(JAAR, j) for j in jaren]}
        links.update({(JAAR, j): [(KWARTAAL, f"{j}-Q{q}") for q in range(1, 5)] for j in jaren})
        return links

    def tellingen(self, kpi: Kpi) -> frozenset:
        """The counts the suppression of a count or distribution KPI rests on:
        ((periode, gemeente, gi, dimensie, waarde), aantal), breakdowns summed over the GIs."""
        if kpi.id not in self._tellingen:
            data: Counter = Counter()
            dims = set(kpi.dimensies)
            for p, r in self._per_kpi.get(kpi.id, ()):
                if r.dimensie == "":
                    data[(p, r.gemeente, r.gi, "", "")] += r.aantal
                elif r.dimensie in dims:
                    data[(p, r.gemeente, TOTAAL, r.dimensie, r.waarde)] += r.aantal
            self._tellingen[kpi.id] = frozenset(item for item in data.items() if item[1])
        return self._tellingen[kpi.id]


@dataclass(frozen=True)
class Zicht:
    """What of one KPI in one period may be shown: regional values always; per municipality only
    at the levels in PER_GEMEENTE, minus the suppressed cells (gemeente, gi, dimensie, waarde)."""

    per_gemeente: bool = True
    alles: bool = False  # suppression off (threshold <= 1): everything, at every level
    onderdrukt: frozenset = frozenset()

    def verborgen(self, g: str, k: str, d: str = "", v: str = "") -> bool:
        if self.alles or g == TOTAAL:
            return False
        if not self.per_gemeente or (d and k != TOTAAL):
            return True  # not published at this level / no breakdown per municipality x GI
        return (g, k, d, v) in self.onderdrukt


def _tabelset(data: frozenset, dims: tuple[str, ...], perioden, kinderen) -> onderdrukking.Tabelset:
    waarden = dict(data)
    waarden_per_dim = {d: sorted({c[4] for c in waarden if c[3] == d}) for d in dims}
    waarden_per_dim = {d: vs for d, vs in waarden_per_dim.items() if vs}  # nothing counted
    return onderdrukking.gekoppelde_tabellen(
        waarden, list(perioden), dict(kinderen), sorted(GEMEENTEN), list(GIS), waarden_per_dim
    )


@lru_cache(maxsize=512)
def _beveilig(data: frozenset, dims: tuple[str, ...], perioden: tuple, kinderen: tuple,
              onderdrukkingsdrempel: int):
    """Suppressed cells per period of one KPI's linked table set (cached: same data, same answer)."""
    ts = _tabelset(data, dims, perioden, kinderen)
    try:
        onderdrukt = onderdrukking.beveilig(ts, ts.primair(onderdrukkingsdrempel))
    except ValueError:  # only on inconsistent input: then nothing per municipality is shown
        logger.warning("suppression failed; hiding every per-municipality value", exc_info=True)
        onderdrukt = ts.vrij
    per_periode: dict[PeriodeSleutel, set] = {p: set() for p in perioden}
    for p, g, k, d, v in onderdrukt:
        per_periode[p].add((g, k, d, v))
    return {p: frozenset(s) for p, s in per_periode.items()}


class _Onderdrukking:
    """The published view (Zicht) of every KPI in one period."""

    def __init__(self, invoer: "_Invoer", familie: Familie, periode: PeriodeSleutel,
                 onderdrukkingsdrempel: int):
        self.invoer, self.familie, self.periode = invoer, familie, periode
        self.onderdrukkingsdrempel = onderdrukkingsdrempel
        self.perioden = tuple(sorted(set(familie.rijen) | {periode}))
        self.kinderen = tuple((p, tuple(c)) for p, c in sorted(familie.kinderen().items()))
        self._cache: dict[str, Zicht] = {}

    def zicht(self, kpi: Kpi, catalogus: Catalogus) -> Zicht:
        if self.onderdrukkingsdrempel <= 1:
            return Zicht(alles=True)
        if self.periode[0] not in PER_GEMEENTE:
            return Zicht(per_gemeente=False)
        if kpi.id not in self._cache:
            self._cache[kpi.id] = Zicht(onderdrukt=self._onderdrukt(kpi, catalogus))
        return self._cache[kpi.id]

    def _onderdrukt(self, kpi: Kpi, catalogus: Catalogus) -> frozenset:
        if kpi.soort == "aandeel":
            return self._aandeel(kpi, catalogus)
        if kpi.soort == "aandeel_in_totaal":
            return self._in_totaal(kpi, catalogus)
        if kpi.soort in ("stand", "stand_gemiddelde"):
            basis = kpi.basis if kpi.soort == "stand_gemiddelde" else kpi.id
            data = frozenset(
                ((self.periode, g, k, "", ""), s.aantal)
                for (g, k), s in self.invoer.standen.get(basis, {}).items() if s.aantal
            )
            return _beveilig(data, (), (self.periode,), (), self.onderdrukkingsdrempel)[self.periode]
        data = self.familie.tellingen(kpi)
        onderdrukt = _beveilig(data, kpi.dimensies, self.perioden, self.kinderen, self.onderdrukkingsdrempel)
        return onderdrukt[self.periode]

    def _in_totaal(self, kpi: Kpi, catalogus: Catalogus) -> frozenset:
        """Hidden wherever its basis sum is, and a whole municipality's row where the row total is
        (a share times the published total would give the hidden sum, and the other way round)."""
        onder = self.zicht(catalogus.kpi(kpi.basis), catalogus).onderdrukt
        basis = {(g, k) for g, k, d, _ in onder if d == ""}
        rijen = {g for g, k in basis if k == TOTAAL}
        return frozenset({(g, k, "", "") for g, k in basis}
                         | {(g, k, "", "") for g in rijen for k in (*GIS, TOTAAL)})

    def _aandeel(self, kpi: Kpi, catalogus: Catalogus) -> frozenset:
        """Hidden wherever its numerator or denominator is, and where either the numerator or the
        rest (denominator - numerator) is small; then, like a table of counts, never one hidden
        cell alone in a row or column."""
        teller = self.zicht(catalogus.kpi(kpi.teller), catalogus).onderdrukt
        noemer = self.zicht(catalogus.kpi(kpi.noemer), catalogus).onderdrukt
        result = {(g, k) for g, k, d, _ in teller | noemer if d == ""}
        cellen = self.invoer.cellen_van(kpi)
        for (g, k), s in _marges(cellen).items():
            rest = s.aantal - s.teller
            if g != TOTAAL and (onderdrukking.is_klein(s.teller, self.onderdrukkingsdrempel)
                                or onderdrukking.is_klein(rest, self.onderdrukkingsdrempel)):
                result.add((g, k))
        ts = onderdrukking.tabelset({c: s.aantal for c, s in cellen.items()}, sorted(GEMEENTEN), list(GIS))
        return frozenset((g, k, "", "") for g, k in onderdrukking.secundair(ts, result, ts.bekend_nul()))


def _marges(cellen: dict[tuple[str, str], Stat]) -> dict[tuple[str, str], Stat]:
    stats: dict[tuple[str, str], Stat] = {}
    for (g, k), s in cellen.items():
        for key in ((g, k), (g, TOTAAL), (TOTAAL, k), (TOTAAL, TOTAAL)):
            acc = stats.get(key)
            if acc is None:
                acc = stats[key] = Stat()
            acc.voeg_toe(s)
    return stats


# ---- the published figures ---------------------------------------------------------------------


def bereken(
    catalogus: Catalogus,
    rijen: Iterable[Rij],
    standen: Iterable[Stand],
    *,
    periode_type: str,
    periode: str,
    peildatum: date,
    onderdrukkingsdrempel: int,
    kpis: Iterable[str] | None = None,
    gi: str | None = None,
    gemeente: str | None = None,
    met_tabel: bool = False,
    familie: Familie | None = None,
) -> list[dict]:
    """Every requested KPI for one period: the value, per municipality and per GI, breakdowns
    and, per kind, the details. Per-municipality values are suppressed (null) over the whole
    `familie` of linked periods (default: this period alone, `rijen`)."""
    rijen = list(rijen)
    invoer = _Invoer(rijen, standen)
    sleutel = (periode_type, periode)
    if familie is None or sleutel not in familie.rijen:
        familie = Familie.alleen(sleutel, rijen)
    onderdrukt = _Onderdrukking(invoer, familie, sleutel, onderdrukkingsdrempel)
    wanted = set(kpis) if kpis else None
    result = []
    for kpi in catalogus.kpis:
        if wanted is None or kpi.id in wanted:
            zicht = onderdrukt.zicht(kpi, catalogus)
            result.append({
                **_basis(kpi, periode_type, periode, peildatum),
                **_kpi(kpi, invoer, zicht, gi, gemeente, peildatum.toordinal(), met_tabel),
            })
    return result


def _basis(kpi: Kpi, periode_type: str, periode: str, peildatum: date) -> dict:
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
    if kpi.soort == "aandeel_in_totaal":
        base["afgesproken_aandelen"] = afgesproken(periode_type, periode)
    return base


def _regionaal(kpi: Kpi, invoer: "_Invoer", gefilterd: bool, peildag: int, met_tabel: bool) -> dict:
    """A regional KPI (escalations): no GI or municipality, so nothing per GI or municipality."""
    s = _som(invoer.cellen_van(kpi).values())
    out = {"per_gemeente": {}, "per_gi": {}, "onderdrukt": [], "onderdrukt_gi": []}
    if gefilterd:
        return {**out, "waarde": None, **_leeg(kpi), "uitsplitsingen": {}}
    out.update(waarde=_waarde(kpi, s, peildag), **_details(kpi, s))
    out["uitsplitsingen"] = _uitsplitsingen(kpi, invoer, Zicht(alles=True), None, None)
    if kpi.soort == "verdeling":
        out["verdeling"] = {str(k): v for k, v in sorted(s.hist.items())}
    if met_tabel:
        out["tabel"] = {TOTAAL: {TOTAAL: out["waarde"]}}
        out["tabel_onderdrukt"] = []
    return out


def _kpi(
    kpi: Kpi, invoer: "_Invoer", zicht: Zicht, gi: str | None, gemeente: str | None, peildag: int,
    met_tabel: bool,
) -> dict:
    if kpi.regionaal:
        return _regionaal(kpi, invoer, bool(gi or gemeente), peildag, met_tabel)
    stats = _marges(invoer.cellen_van(kpi))
    if kpi.soort == "aandeel_in_totaal":
        stats = _in_totaal(stats)
    rij, kolom = gemeente or TOTAAL, gi or TOTAAL

    def value(g, k):
        return None if zicht.verborgen(g, k) else _waarde(kpi, stats.get((g, k), Stat()), peildag)

    gemeenten = sorted(GEMEENTEN) if zicht.alles or zicht.per_gemeente else []
    verborgen = zicht.verborgen(rij, kolom)
    out = {
        "waarde": value(rij, kolom),
        "per_gemeente": {g: value(g, kolom) for g in gemeenten},
        "per_gi": {k: value(rij, k) for k in GIS},
        # The municipality asked for is listed too when its value is hidden at this level (a month or
        # week is never published per municipality): a null is always explained.
        "onderdrukt": [g for g in gemeenten if zicht.verborgen(g, kolom)]
        + ([rij] if verborgen and rij != TOTAAL and rij not in gemeenten else []),
        "onderdrukt_gi": [k for k in GIS if zicht.verborgen(rij, k)],
        **(_leeg(kpi) if verborgen else _details(kpi, stats.get((rij, kolom), Stat()))),
        "uitsplitsingen": _uitsplitsingen(kpi, invoer, zicht, gi, gemeente),
    }
    if kpi.soort == "verdeling":
        hist = stats.get((rij, kolom), Stat()).hist
        shown = not verborgen and (zicht.alles or rij == TOTAAL)  # histograms: region and GIs
        out["verdeling"] = {str(k): v for k, v in sorted(hist.items())} if shown else None
    if met_tabel:
        rijen = [*gemeenten, TOTAAL]
        out["tabel"] = {g: {k: value(g, k) for k in [*GIS, TOTAAL]} for g in rijen}
        out["tabel_onderdrukt"] = [[g, k] for g in rijen for k in [*GIS, TOTAAL] if zicht.verborgen(g, k)]
    if kpi.soort == "stand" and not gemeente and zicht.alles:  # flows link the stocks of two days
        flows = invoer.stromen.get(kpi.id, {})
        s = _som(v for (g, k), v in flows.items() if gi is None or k == gi)
        out["instroom"], out["uitstroom"] = s.aantal, s.teller
    return out


def _uitsplitsingen(
    kpi: Kpi, invoer: "_Invoer", zicht: Zicht, gi: str | None, gemeente: str | None
) -> dict[str, dict[str, int | None]]:
    """Per breakdown value: counts (every value seen in the region this period; 0 = none), or for
    a distribution the median (values with observations, or suppressed: null)."""
    result = {}
    if kpi.soort not in ("aantal", "som", "verdeling") or (gi and not zicht.alles):
        return result  # with suppression on: no breakdowns per GI (see the README)
    rij, kolom = gemeente or TOTAAL, gi or TOTAAL

    def gekozen(g, k):
        return (gi is None or k == gi) and (gemeente is None or g == gemeente)

    for dim in kpi.dimensies:
        cellen = invoer.dims.get((kpi.id, dim), {})
        waarden = sorted({val for (_, _, val), s in cellen.items() if s.aantal})
        if not waarden:
            continue  # not kept at this level (days have totals only) or nothing counted
        aantal, som, hists = Counter(), Counter(), {}
        for (g, k, val), s in cellen.items():  # a distribution's histogram is in the same cell
            if gekozen(g, k):
                aantal[val] += s.aantal
                som[val] += s.som
                hists.setdefault(val, Counter()).update(s.hist)
        uit = {}
        for v in waarden:
            if zicht.verborgen(rij, kolom, dim, v):
                uit[v] = None
            elif kpi.soort == "aantal":
                uit[v] = aantal[v]
            elif kpi.soort == "som":
                uit[v] = _schaal(kpi, som[v])
            elif aantal[v]:
                uit[v] = percentiel(hists.get(v, Counter()), 50)
        result[dim] = uit
    return result

