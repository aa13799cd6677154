"""Nothing the reporting service hides can be recovered from what it publishes.

An attacker, written without the service's suppression code, collects every published view of a
small, skewed history (the JSON of GET /v1/kpis for every filter combination and period, the CSV
export, the quarterly reports, the trend), treats each null as an unknown and every number as a
constant, sets up the equations that hold between the figures (GIs and municipalities add up to
their totals, breakdown values to the total they break down, days to months, months to quarters,
quarters to years, years to all time; with unknowns for what is never published: municipalities
per day and month, municipality x GI x breakdown value) and solves them exactly (fractions),
together with the inequality the service guards against as well: counts are never negative, so
the unknown parts of a published total that sum to 0 are all 0. No hidden value may follow;
every value it does derive must be the true one.
"""

import asyncio
import csv
import html.parser
import io
from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta
from fractions import Fraction
from typing import NamedTuple
from uuid import uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.vocabulary import GEMEENTEN
from runtime.errors import InvalidInput
from runtime.messagebus import MessageBus
from services.reporting.adapters.repository import CijferRepository, DuidingRepository
from services.reporting.bootstrap import SPEC
from services.reporting.domain.cijfers import Rij
from services.reporting.domain.commands import ExportKpis, ReadKpis, ReadKwartaalrapportage, ReadTrend
from services.reporting.domain.duiding import Kwartaalduidingen
from services.reporting.domain.periodes import Periode, periodes_van
from services.reporting.entrypoints import weergave
from services.reporting.service_layer.herberekening import Achtergrond, Verdeling
from services.reporting.service_layer.rekenaar import Rekenaar
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from services.reporting.settings import ReportingSettings
from tests.clock import pinned
from tests.fakes import InMemoryTransaction, bootstrap_test_bus

KPI = "meldingen_ontvangen"
GIS = ("JBRR", "WSS", "LJR", "onbekend")
G = sorted(GEMEENTEN)
ALLE = "*"  # the attacker's own name for "summed over all"
DIMS = {"urgentie": ("regulier", "spoed"), "doelgroep": ("grijs_gebied", "jeugdreclassering", "lvb"),
        "kader": ("civiel", "geen")}
ONDERDRUKKINGSDREMPEL = 5
SETTINGS = ReportingSettings(onderdrukkingsdrempel=ONDERDRUKKINGSDREMPEL)


class Melding(NamedTuple):
    dag: date
    gemeente: str
    gi: str
    urgentie: str
    doelgroep: str
    kader: str


# ---- a fake database under the real handlers ---------------------------------------------------


def projectie(meldingen: Iterable[Melding]) -> dict[tuple[str, str], list[Rij]]:
    """The cells the projection stores for reports received: totals per day and longer, breakdowns
    per month and longer."""
    cellen: Counter = Counter()
    for m in meldingen:
        for ptype, code in periodes_van(m.dag, True):
            cellen[(ptype, code, m.gi, m.gemeente, "", "")] += 1
        for ptype, code in periodes_van(m.dag, False):
            for dim in DIMS:
                cellen[(ptype, code, m.gi, m.gemeente, dim, getattr(m, dim))] += 1
    rijen: dict[tuple[str, str], list[Rij]] = {}
    for (ptype, code, gi, g, dim, val), n in cellen.items():
        rijen.setdefault((ptype, code), []).append(Rij(KPI, gi, g, dim, val, n, 0))
    return rijen


class _Cijfers(CijferRepository):
    def __init__(self, rijen):
        super().__init__(None)
        self.data = rijen
        self.projectie = uuid4().hex

    async def rijen(self, periode_type, periodes, kpis=None):
        return {p: [r for r in self.data.get((periode_type, p), []) if not kpis or r.kpi in kpis]
                for p in periodes}

    async def standen(self, peildatum, kpis=None):
        return []

    async def periodes(self, periode_type):
        return sorted(code for t, code in self.data if t == periode_type)

    async def versie(self):
        return self.projectie, 0  # its own data: never another fake's cached answer

    async def kwartalen(self):
        return await self.periodes("kwartaal")

    async def tellingen(self, perioden, kpis=None):
        """As the database sums them: counts per municipality x GI, breakdowns over the GIs."""
        result = {}
        for p in perioden:
            som: Counter = Counter()
            for r in self.data.get(p, []):
                if not r.aantal or r.dimensie.startswith(("hist", "stroom")) or (kpis and r.kpi not in kpis):
                    continue
                gi = r.gi if r.dimensie == "" else "*"
                som[(r.kpi, gi, r.gemeente, r.dimensie, r.waarde)] += r.aantal
            result[p] = [Rij(*k, n, 0) for k, n in som.items()]
        return result


class _Sessie:
    async def execute(self, *args, **kwargs):
        return None


class _GeenDuidingen(DuidingRepository):
    """No GI has read any quarter yet (the report reads the readings beside the figures)."""

    def __init__(self):
        super().__init__(None)

    async def get(self, kwartaal, *, vergrendeld=False):
        return Kwartaalduidingen(kwartaal)


class Uow(InMemoryTransaction, ReportingUnitOfWork):
    """The reporting unit of work over the figures of a fake database, for the read handlers."""

    def __init__(self, rijen):
        self.rijen = rijen
        super().__init__("reporting", SETTINGS, pinned())

    def bind(self, session) -> None:
        self.cijfers = _Cijfers(self.rijen)
        self.duidingen = _GeenDuidingen()
        self.session = _Sessie()

    @property
    def database(self) -> str:
        return f"nep:{self.cijfers.projectie}"  # a fake database of its own


def bus(uow: Uow) -> MessageBus:
    return bootstrap_test_bus(SPEC, uow, uow.settings, uow.clock, sessions=None, verdeling=Verdeling(),
                             achtergrond=Achtergrond(), rekenaar=Rekenaar())


# ---- what the service publishes ----------------------------------------------------------------


class View(NamedTuple):
    periode: Periode
    gi: str | None
    gemeente: str | None
    kpi: dict


def perioden(meldingen: list[Melding]) -> list[Periode]:
    """Every period touching the history: all time, its years with all their quarters, the months of
    quarters with reports, the days with reports."""
    dagen = {m.dag for m in meldingen}
    jaren = sorted({d.year for d in dagen})
    kwartalen = [f"{j}-Q{q}" for j in jaren for q in range(1, 5)]
    actief = {f"{d.year}-Q{(d.month - 1) // 3 + 1}" for d in dagen}
    maanden = [f"{k[:4]}-{3 * int(k[-1]) - 2 + i:02d}" for k in sorted(actief) for i in range(3)]
    return [Periode("totaal", "totaal"), *(Periode("jaar", str(j)) for j in jaren),
            *(Periode("kwartaal", k) for k in kwartalen), *(Periode("maand", m) for m in maanden),
            *(Periode("dag", d.isoformat()) for d in sorted(dagen))]


async def _views(rijen, periodes: list[Periode]) -> list[View]:
    """Every view of GET /v1/kpis (ReadKpis) and, for the region, of the export (ExportKpis)."""
    reporting = bus(Uow(rijen))
    out = []
    for p in periodes:
        for gi in (None, *GIS):
            for gemeente in (None, *G):
                if gi is None and gemeente is None:
                    commando = ExportKpis(kpi=[KPI], periode=p.code, periode_type=p.type)
                else:
                    commando = ReadKpis(kpi=[KPI], gi=gi, gemeente=gemeente, periode=p.code,
                                        periode_type=p.type)
                try:
                    antwoord = await reporting.handle(commando)
                except InvalidInput:
                    continue  # not published per municipality at this level
                rows = antwoord[1] if isinstance(commando, ExportKpis) else antwoord.kpis
                out.append(View(p, gi, gemeente, rows[0]))
    return out


async def _rapporten(rijen, periodes: list[Periode]) -> tuple[list[dict], list[View]]:
    """The quarterly reports, and the trend over all quarters (as the dashboard reads it)."""
    kwartalen = [p for p in periodes if p.type == "kwartaal"]
    rapporten = [await bus(Uow(rijen)).handle(ReadKwartaalrapportage(p.code)) for p in kwartalen]
    trend = await bus(Uow(rijen)).handle(ReadTrend([KPI], kwartalen=len(kwartalen), tot=kwartalen[-1].code))
    return rapporten, [View(Periode("kwartaal", t["periode"]), None, None, t["kpis"][0]) for t in trend]


def publicaties(meldingen: list[Melding]):
    rijen = projectie(meldingen)
    periodes = perioden(meldingen)
    rapporten, trend = asyncio.run(_rapporten(rijen, periodes))
    return asyncio.run(_views(rijen, periodes)) + trend, rapporten


# ---- the attacker ------------------------------------------------------------------------------

Naam = tuple  # (periode_type, periode, gemeente, gi, dimensie, waarde)


class Kennis:
    """What the published views say about each figure: a number, or hidden (null)."""

    def __init__(self):
        self.waarden: dict[Naam, Fraction] = {}
        self.verborgen: set[Naam] = set()

    def zie(self, naam: Naam, value) -> None:
        if value is None:
            self.verborgen.add(naam)
            return
        assert self.waarden.setdefault(naam, Fraction(value)) == value, f"{naam}: two values published"

    def view(self, v: View) -> None:
        p, k = v.periode, v.kpi
        rij, kolom = v.gemeente or ALLE, v.gi or ALLE
        self.zie((p.type, p.code, rij, kolom, "", ""), k["waarde"])
        for key, per, naam, filter_ in (("per_gemeente", G, lambda g: (g, kolom), v.gemeente),
                                        ("per_gi", GIS, lambda i: (rij, i), v.gi)):
            for x in per:
                if x in k[key]:
                    self.zie((p.type, p.code, *naam(x), "", ""), k[key][x])
                elif k[key] and not filter_:  # left out of an unfiltered list: nothing counted there
                    self.zie((p.type, p.code, *naam(x), "", ""), 0)
        for dim, values in k["uitsplitsingen"].items():
            for val in DIMS[dim]:
                self.zie((p.type, p.code, rij, kolom, dim, val), values.get(val, 0))
        self.tabel(p, k.get("tabel") or {})

    def tabel(self, p: Periode, tabel: dict) -> None:
        for g, row in tabel.items():
            for i, value in row.items():
                self.zie((p.type, p.code, ALLE if g == "*" else g, ALLE if i == "*" else i, "", ""), value)

    def csv(self, p: Periode, text: str) -> None:
        for r in csv.DictReader(io.StringIO(text)):
            g = ALLE if r["gemeente"] == "regio" else r["gemeente"]
            i = ALLE if r["gi"] == "alle" else r["gi"]
            self.zie((p.type, p.code, g, i, "", ""), None if r["onderdrukt"] == "ja" else int(r["waarde"]))


def _kinderen(p: Periode, periodes: list[Periode]) -> list[Periode]:
    def binnen(c):
        return c.begin is not None and (p.begin is None or (p.begin <= c.begin and c.einde <= p.einde))

    onder = {"totaal": "jaar", "jaar": "kwartaal", "kwartaal": "maand", "maand": "dag"}.get(p.type)
    return [c for c in periodes if c.type == onder and binnen(c)]


def _splitsingen(p: Periode) -> list[tuple[str, str]]:
    """('', '') for the totals and every breakdown value (months and longer)."""
    return [("", "")] + ([(d, v) for d, vs in DIMS.items() for v in vs] if p.type != "dag" else [])


def vergelijkingen(periodes: list[Periode]) -> list[tuple[Naam, list[Naam]]]:
    """(total, parts) for every relation the attacker knows between the figures: per period the
    municipalities and the GIs add up (for the totals and for every breakdown value, also per
    municipality x GI), breakdown values add up to their total, and a period is the sum of the
    periods it consists of."""
    eqs = []
    for p in periodes:
        c = lambda g, i, d="", v="", p=p: (p.type, p.code, g, i, d, v)  # noqa: E731
        for d, v in _splitsingen(p):
            eqs += [(c(g, ALLE, d, v), [c(g, i, d, v) for i in GIS]) for g in [*G, ALLE]]
            eqs += [(c(ALLE, i, d, v), [c(g, i, d, v) for g in G]) for i in [*GIS, ALLE]]
        for d in DIMS if p.type != "dag" else ():
            eqs += [(c(g, i), [c(g, i, d, v) for v in DIMS[d]]) for g in [*G, ALLE] for i in [*GIS, ALLE]]
        kinderen = _kinderen(p, periodes)
        for d, v in _splitsingen(kinderen[0]) if kinderen else ():
            eqs += [(c(g, i, d, v), [(k.type, k.code, g, i, d, v) for k in kinderen])
                    for g in [*G, ALLE] for i in [*GIS, ALLE]]
    return eqs


def _propageer(bekend: dict, eqs, gepubliceerd: set) -> bool:
    """Equations with one unknown; and, in an equation between published figures, unknown parts of
    a known total that sum to 0 (counts are never negative)."""
    changed = False
    for totaal, delen in eqs:
        onbekend = [d for d in delen if d not in bekend]
        if totaal in bekend:
            rest = bekend[totaal] - sum(bekend[d] for d in delen if d in bekend)
            nul = rest == 0 and all(d in gepubliceerd for d in onbekend)
            if len(onbekend) == 1 or (onbekend and nul):
                for d in onbekend:
                    bekend[d] = rest if len(onbekend) == 1 else Fraction(0)
                changed = True
        elif not onbekend:
            bekend[totaal] = sum(bekend[d] for d in delen)
            changed = True
    return changed


def _stelsel(bekend: dict, eqs) -> list[tuple[dict, Fraction]]:
    """The equations over the unknowns: ({unknown: coefficient}, right-hand side)."""
    rows = []
    for totaal, delen in eqs:
        row, rhs = Counter(), Fraction(0)
        for naam, coef in [(totaal, -1), *((d, 1) for d in delen)]:
            if naam in bekend:
                rhs -= coef * bekend[naam]
            else:
                row[naam] += coef
        row = {n: Fraction(c) for n, c in row.items() if c}
        if row:
            rows.append((row, rhs))
        else:
            assert rhs == 0, "the published figures contradict each other"
    return rows


def _trek_af(row: dict, rhs: Fraction, f: Fraction, prow: dict, prhs: Fraction) -> Fraction:
    """row -= f * prow (in place); returns the new right-hand side."""
    for n, c in prow.items():
        x = row.get(n, 0) - f * c
        if x:
            row[n] = x
        else:
            row.pop(n, None)
    return rhs - f * prhs


def _los_op(bekend: dict, eqs) -> dict:
    """Gauss-Jordan over the fractions: the unknowns the equations determine, with their values."""
    pivots: dict = {}  # pivot -> (row with coefficient 1 at the pivot, rhs)
    in_rij: dict = {}  # unknown -> pivots whose row holds it
    for row, rhs in sorted(_stelsel(bekend, eqs), key=lambda r: len(r[0])):
        for p in [n for n in row if n in pivots]:
            rhs = _trek_af(row, rhs, row[p], *pivots[p])
        if not row:
            assert rhs == 0, "the published figures contradict each other"
            continue
        p = min(row, key=lambda n: (len(in_rij.get(n, ())), repr(n)))
        f = row[p]
        row, rhs = {n: c / f for n, c in row.items()}, rhs / f
        for q in list(in_rij.get(p, ())):
            qrow, qrhs = pivots[q]
            oud = set(qrow)
            qrhs = _trek_af(qrow, qrhs, qrow[p], row, rhs)
            pivots[q] = (qrow, qrhs)
            for n in oud - set(qrow):
                in_rij[n].discard(q)
            for n in set(qrow) - oud:
                in_rij.setdefault(n, set()).add(q)
        pivots[p] = (row, rhs)
        for n in row:
            in_rij.setdefault(n, set()).add(p)
    return {p: rhs for p, (row, rhs) in pivots.items() if len(row) == 1}


def aanval(kennis: Kennis, periodes: list[Periode]) -> dict[Naam, Fraction]:
    bekend = dict(kennis.waarden)
    gepubliceerd = kennis.verborgen | set(kennis.waarden)
    eqs = vergelijkingen(periodes)
    while True:
        while _propageer(bekend, eqs, gepubliceerd):
            pass
        nieuw = _los_op(bekend, eqs)
        if not nieuw:
            return bekend
        bekend.update(nieuw)


def waarheid(meldingen: list[Melding], naam: Naam) -> int:
    ptype, code, g, i, d, v = naam
    p = Periode(ptype, code)
    return sum(
        1 for m in meldingen
        if (p.begin is None or p.begin <= m.dag <= p.einde) and g in (ALLE, m.gemeente) and i in (ALLE, m.gi)
        and (d == "" or getattr(m, d) == v)
    )


def herleid(meldingen: list[Melding]) -> tuple[Kennis, dict]:
    views, rapporten = publicaties(meldingen)
    kennis = Kennis()
    for v in views:
        kennis.view(v)
        if v.kpi.get("tabel"):
            kennis.csv(v.periode, weergave.csv([v.kpi]))
    for r in rapporten:
        k = next(k for k in r["kpis"] if k["kpi"] == KPI)
        kennis.tabel(Periode("kwartaal", r["kwartaal"]), k["tabel"])
    bekend = aanval(kennis, perioden(meldingen))
    for naam, value in bekend.items():
        assert value == waarheid(meldingen, naam), f"{naam}: derived {value}, not {waarheid(meldingen, naam)}"
    return kennis, bekend


def assert_niets_herleidbaar(meldingen: list[Melding]) -> None:
    kennis, bekend = herleid(meldingen)
    herleid_ = sorted(n for n in kennis.verborgen if n in bekend)
    assert not herleid_, f"recovered {[(n, int(bekend[n])) for n in herleid_[:5]]} of {len(herleid_)}"


# ---- small, skewed histories -------------------------------------------------------------------


@st.composite
def historie(draw) -> list[Melding]:
    """A few reports, most of them in one or two municipalities and GIs, on a few days."""
    start = draw(st.sampled_from([date(2026, 2, 20), date(2025, 12, 12)]))
    heet_g = draw(st.lists(st.sampled_from(G), min_size=1, max_size=2, unique=True))
    heet_k = draw(st.lists(st.sampled_from(GIS), min_size=1, max_size=2, unique=True))
    dagen = draw(st.lists(st.integers(0, 100), min_size=1, max_size=4, unique=True))
    out = []
    for _ in range(draw(st.integers(1, 24))):
        skew = draw(st.integers(0, 3)) > 0
        out.append(Melding(
            start + timedelta(days=draw(st.sampled_from(dagen))),
            draw(st.sampled_from(heet_g if skew else G)),
            draw(st.sampled_from(heet_k if skew else GIS)),
            *(draw(st.sampled_from(DIMS[d])) for d in DIMS),
        ))
    return out


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(historie())
def test_no_hidden_value_follows_from_all_published_views(meldingen):
    assert_niets_herleidbaar(meldingen)


# ---- the attacks of the issue, one by one -------------------------------------------------------


def _per_filter(meldingen: list[Melding], periode: Periode) -> dict[tuple, dict]:
    """GET /v1/kpis?kpi=meldingen_ontvangen&periode=... for every gi x gemeente, by (gi, gemeente)."""
    return {(v.gi, v.gemeente): v.kpi for v in asyncio.run(_views(projectie(meldingen), [periode]))}


def _som(waarden: Iterable) -> int | None:
    waarden = list(waarden)
    return None if None in waarden else sum(waarden)


def test_the_region_total_minus_the_other_municipalities_no_longer_gives_gm0599_at_jbrr():
    """The issue's attack: GET /v1/kpis shows the region and the GIs, a per-municipality filter the
    other municipalities (as 0 where they have nothing), and GM0599 x JBRR, suppressed, follows as
    GM0599's total - (region - region at JBRR) + what the other municipalities have outside JBRR."""
    paren = [("GM0556", "JBRR"), ("GM0599", "JBRR"), ("GM0599", "LJR"), *[("GM0599", "WSS")] * 4,
             ("GM0599", "onbekend"), ("GM0606", "JBRR")]
    meldingen = [Melding(date(2026, 3, 2), g, k, "regulier", "lvb", "civiel") for g, k in paren]
    views = _per_filter(meldingen, Periode("totaal", "totaal"))
    assert views[("JBRR", None)]["per_gemeente"]["GM0599"] is None  # hidden: 1 report

    def buiten_jbrr(g):  # what municipality g has outside JBRR, from GET /v1/kpis?gemeente=g
        k = views[(None, g)]
        rest = _som(k["per_gi"].get(i, 0) for i in GIS if i != "JBRR")
        if rest is None and k["waarde"] is not None and k["per_gi"].get("JBRR", 0) is not None:
            rest = k["waarde"] - k["per_gi"].get("JBRR", 0)
        return rest

    regio = views[(None, None)]
    delen = [views[(None, "GM0599")]["waarde"], regio["waarde"], regio["per_gi"]["JBRR"],
             *(buiten_jbrr(g) for g in G if g != "GM0599")]
    assert None in delen, f"GM0599 x JBRR = {delen[0] - (delen[1] - delen[2]) + sum(delen[3:])}"
    assert_niets_herleidbaar(meldingen)


def test_a_breakdown_of_the_region_minus_the_other_municipalities_no_longer_gives_a_hidden_value():
    """Urgent reports: the region's count minus every other municipality's (GET /v1/kpis?gemeente=)
    gave GM0599's 2, suppressed in its own row only."""
    meldingen = [Melding(date(2026, 8, 3), "GM0599", "JBRR", "spoed", "lvb", "civiel")] * 2
    meldingen += [Melding(date(2026, 8, 3), "GM0599", "WSS", "regulier", "lvb", "civiel")] * 28
    meldingen += [Melding(date(2026, 8, 4), "GM0606", "JBRR", "spoed", "lvb", "geen")] * 6
    meldingen += [Melding(date(2026, 8, 4), "GM0606", "WSS", "regulier", "lvb", "geen")] * 10
    views = _per_filter(meldingen, Periode("kwartaal", "2026-Q3"))
    assert views[(None, "GM0599")]["uitsplitsingen"]["urgentie"]["spoed"] is None
    anderen = _som(views[(None, g)]["uitsplitsingen"].get("urgentie", {}).get("spoed", 0)
                   for g in G if g != "GM0599")
    regio = views[(None, None)]["uitsplitsingen"]["urgentie"]["spoed"]
    assert anderen is None, f"GM0599 urgent = {regio - anderen}"
    assert_niets_herleidbaar(meldingen)


class _Tabel(html.parser.HTMLParser):
    """The municipality x GI table of one KPI in the quarterly report: {row name: [cell texts]}."""

    def __init__(self, kpi: str):
        super().__init__()
        self.kpi, self.binnen, self.rijen, self.rij = kpi, False, {}, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.binnen = dict(attrs).get("data-kpi") == self.kpi
        elif tag == "tr" and self.binnen:
            self.rij = []
        elif tag == "td" and self.rij is not None:
            self.rij.append("")

    def handle_endtag(self, tag):
        if tag == "tr" and self.rij:
            self.rijen[self.rij[0]] = self.rij[1:]
        if tag in ("tr", "table"):
            self.rij = None
        self.binnen = self.binnen and tag != "table"

    def handle_data(self, data):
        if self.rij:
            self.rij[-1] += data


def test_the_quarterly_reports_region_row_minus_the_months_no_longer_gives_a_hidden_cell():
    """The report's region row at JBRR minus the other municipalities' JBRR cells, those hidden in
    the report read from the month figures per municipality, gave GM0599's 3 at JBRR."""
    meldingen = [Melding(date(2026, 1, 12), "GM0599", "JBRR", "regulier", "lvb", "civiel")] * 3
    meldingen += [Melding(date(2026, 2, 10), "GM0606", "JBRR", "regulier", "lvb", "civiel")] * 7
    meldingen += [Melding(date(2026, 2, 11), "GM0606", "WSS", "regulier", "lvb", "civiel")] * 20
    meldingen += [Melding(date(2026, 2, 11), "GM0599", "WSS", "regulier", "lvb", "civiel")] * 30
    rijen = projectie(meldingen)
    rapport = asyncio.run(bus(Uow(rijen)).handle(ReadKwartaalrapportage("2026-Q1")))
    tabel = _Tabel(KPI)
    tabel.feed(weergave.rapport_html(rapport))
    jbrr = GIS.index("JBRR")
    assert tabel.rijen["Rotterdam (GM0599)"][jbrr] == weergave.ONDERDRUKT
    regio = int(tabel.rijen["Regio"][jbrr])
    maanden = [_per_filter(meldingen, Periode("maand", f"2026-{m:02d}"))[("JBRR", None)] for m in (1, 2, 3)]

    def in_kwartaal(g):  # a cell of the report, or the sum of the month figures per municipality
        tekst = tabel.rijen.get(f"{GEMEENTEN[g]} ({g})", ["0"] * len(GIS))[jbrr]  # no row: nothing
        if tekst.isdigit():
            return int(tekst)
        # left out of a listed month, or a month without any: nothing counted there
        per_maand = [m["per_gemeente"].get(g, 0 if m["per_gemeente"] or m["waarde"] == 0 else None)
                     for m in maanden]
        return _som(per_maand)

    anderen = _som(in_kwartaal(g) for g in G if g != "GM0599")
    assert anderen is None, f"GM0599 x JBRR = {regio - anderen}"
    assert_niets_herleidbaar(meldingen)


def test_per_gemeente_lists_all_13_municipalities_in_every_view_published_per_municipality():
    meldingen = [Melding(date(2026, 8, 3), "GM0599", "WSS", "regulier", "lvb", "civiel")] * 6
    for periode in (Periode("kwartaal", "2026-Q3"), Periode("jaar", "2026"), Periode("totaal", "totaal")):
        for (gi, gemeente), k in _per_filter(meldingen, periode).items():
            assert list(k["per_gemeente"]) == G, (periode, gi, gemeente)
            assert list(k["per_gi"]) == list(GIS), (periode, gi, gemeente)
            assert k["per_gemeente"]["GM0613"] == 0 and "GM0613" not in k["onderdrukt"]
