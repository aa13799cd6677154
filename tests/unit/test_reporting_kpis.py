"""Every KPI of the catalogue checked on generated histories against an independent, plain
computation from the raw events (replaying each case's history, sorting lists for medians),
and the additivity of the counts and stocks. The projection path here is the pure domain
(dossiers -> contributions -> cells -> figures); tests/integration runs the same through SQL."""

import math
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bench.historie import genereer
from contracts.ca_verdeling import afgesproken_aandelen
from contracts.vocabulary import OverdrachtReden
from runtime.clock import add_months
from services.reporting.adapters import catalogus as catalogus_bron
from services.reporting.domain.cijfers import Rij, Stand, bereken
from services.reporting.domain.minimalisatie import dossier_van, minimaliseer
from services.reporting.domain.periodes import Periode
from services.reporting.domain.projectie import STROOM, bijdragen, cellen
from tests.clock import TODAY

TZ = ZoneInfo("Europe/Amsterdam")
VANDAAG = TODAY  # the suite's pinned date (tests/clock.py), the same the service reads
PERIODES = [
    Periode("kwartaal", "2026-Q1"),
    Periode("kwartaal", "2025-Q4"),
    Periode("maand", "2026-05"),
    Periode("jaar", "2026"),
    Periode("dag", "2026-03-02"),
    Periode("totaal", "totaal"),
]


def dag(ts: str) -> date:
    return datetime.fromisoformat(ts).astimezone(TZ).date()


def t(ts: str) -> datetime:
    return datetime.fromisoformat(ts)


class Referentie:
    """The KPIs straight from the raw (full) events, written without the projection's code."""

    def __init__(self, events, norm_dagen: int):
        self.norm = norm_dagen
        by = defaultdict(list)
        for event_type, data in events:
            by[event_type.split(".")[2] + "." + event_type.split(".")[3]].append(data)
        self.meldingen = {m["melding_id"]: m for m in by["melding.received"]}
        self.triage = {}
        for x in sorted(by["triage.completed"], key=lambda x: (t(x["besloten_op"]), x["regel"])):
            self.triage[x["melding_id"]] = x
        self.advies = {}
        for a in sorted(by["advies.issued"], key=lambda a: (t(a["geadviseerd_op"]), a["advies_id"])):
            self.advies[a["melding_id"]] = a
        self.maatregelen = list({m["maatregel_id"]: m for m in by["maatregel.imposed"]}.values())
        self.toewijzingen = by["casus.assigned"]
        self.eerste_toewijzing = {}
        for x in sorted(
            self.toewijzingen, key=lambda x: (t(x["toegewezen_op"]), x["casus_id"]), reverse=True
        ):
            self.eerste_toewijzing[x["melding_id"]] = x
        self.jbs, self.transfers, self.sluitingen = (
            by["jeugdbeschermer.assigned"],
            by["casus.transferred"],
            by["casus.closed"],
        )
        self.aanvragen = {a["overdracht_id"]: a for a in by["overdracht.requested"]}
        self.afwijzingen = {}
        for r in sorted(by["overdracht.rejected"], key=lambda r: t(r["afgewezen_op"]), reverse=True):
            self.afwijzingen[r["overdracht_id"]] = r
        self.drang = {}
        for d in sorted(by["drang.overdue"], key=lambda d: t(d["gesignaleerd_op"]), reverse=True):
            self.drang[(d["casus_id"], d["termijn"])] = d
        self.raised, self.cleared = (
            by["escalatie.raised"],
            {c["escalatie_id"]: c for c in by["escalatie.cleared"]},
        )
        self.obs = defaultdict(list)  # kpi -> [(day, gi, gemeente, value)]
        self._standen = {}
        self._stromen()
        self._plaatsingen(by)
        self._jeugdhulp(by)
        self._consultaties(by)
        self._bevestigingen(by)

    def _o(self, kpi, day, gi, gemeente, value=1):
        self.obs[kpi].append((day, gi, gemeente, value))

    def _stromen(self):
        for mid, m in self.meldingen.items():
            gi = (self.eerste_toewijzing.get(mid) or self.advies.get(mid) or {"gi": "onbekend"})["gi"]
            self._o("meldingen_ontvangen", dag(m["ontvangen_op"]), gi, m["gemeente"])
            if m["herhaald_beroep"]:
                self._o("herhaalde_meldingen", dag(m["ontvangen_op"]), gi, m["gemeente"])
        for mid, a in self.advies.items():
            d = dag(a["geadviseerd_op"])
            self._o("adviezen", d, a["gi"], a["gemeente"])
            if a["afwijking"]:
                self._o("adviezen_afwijking", d, a["gi"], a["gemeente"])
            if mid in self.meldingen:
                self._o(
                    "doorlooptijd_melding_advies",
                    d,
                    a["gi"],
                    a["gemeente"],
                    (d - dag(self.meldingen[mid]["ontvangen_op"])).days,
                )
        eerste_jb = self._kinderen(None)[3]
        for m in self.maatregelen:
            start = date.fromisoformat(m["startdatum"])
            for k in m["kinderen"]:
                self._o("maatregelen_gestart", start, m["gi"], m["gemeente"])
                jb = [
                    eerste_jb[(x["casus_id"], k["kind_id"])]
                    for x in self.toewijzingen
                    if x["melding_id"] == m["melding_id"] and (x["casus_id"], k["kind_id"]) in eerste_jb
                ]
                if jb and max(0, (min(jb) - start).days) <= self.norm:
                    self._o("kinderen_jb_binnen_norm", start, m["gi"], m["gemeente"])
            a = self.advies.get(m["melding_id"])
            if a:
                self._o(
                    "doorlooptijd_advies_maatregel",
                    start,
                    m["gi"],
                    m["gemeente"],
                    (start - dag(a["geadviseerd_op"])).days,
                )
        for mid, x in self.eerste_toewijzing.items():
            d = dag(x["toegewezen_op"])
            self._o("casussen_toegewezen", d, x["gi"], x["gemeente"])
            eigen = [m for m in self.maatregelen if m["melding_id"] == mid]
            if eigen:
                m = min(eigen, key=lambda m: (m["startdatum"], m["maatregel_id"]))
                self._o(
                    "doorlooptijd_maatregel_toewijzing",
                    d,
                    x["gi"],
                    x["gemeente"],
                    (d - date.fromisoformat(m["startdatum"])).days,
                )
        for a in self.aanvragen.values():
            self._o("overdrachten_aangevraagd", dag(a["aangevraagd_op"]), a["van_gi"], a["gemeente"])
        for oid, r in self.afwijzingen.items():
            self._o(
                "overdrachten_afgewezen",
                dag(r["afgewezen_op"]),
                self.aanvragen[oid]["van_gi"] if oid in self.aanvragen else "onbekend",
                r["gemeente"],
            )
        for x in self.transfers:
            self._o("overdrachten_uitgevoerd", dag(x["overgedragen_op"]), x["van_gi"], x["gemeente"])
        for eid in {r["escalatie_id"] for r in self.raised} | set(self.cleared):
            start = min(
                [t(r["gestart_op"]) for r in self.raised if r["escalatie_id"] == eid]
                or [t(self.cleared[eid]["gestart_op"])]
            )
            self._o("escalaties", start.astimezone(TZ).date(), "regio", "regio")
            if eid in self.cleared:
                einde = t(self.cleared[eid]["beeindigd_op"])
                self._o(
                    "escalatieduur",
                    einde.astimezone(TZ).date(),
                    "regio",
                    "regio",
                    int((einde - start).total_seconds() // 3600),
                )

    @staticmethod
    def _laatst(records, key):
        """Per id the record registered last (ties: the larger content)."""
        out = {}
        for r in sorted(records, key=lambda r: (t(r["geregistreerd_op"]), repr(sorted(r.items())))):
            out[r[key]] = r
        return out

    def _bevestigingen(self, by):
        """Time to acknowledge: per escalation, party and level its first acknowledgement, whole
        minutes from the level's start, on the acknowledgement's day; kept with party and level."""
        eerste = {}
        for b in sorted(by["escalatie.bevestigd"], key=lambda b: t(b["bevestigd_op"]), reverse=True):
            eerste[(b["escalatie_id"], b["partij"], b["niveau"])] = b
        self.bevestigingen = []  # (day, partij, niveau, minutes)
        for (_, partij, niveau), b in eerste.items():
            minuten = math.floor((t(b["bevestigd_op"]) - t(b["niveau_sinds"])).total_seconds() / 60)
            self._o("tijd_tot_bevestiging", dag(b["bevestigd_op"]), "regio", "regio", minuten)
            self.bevestigingen.append((dag(b["bevestigd_op"]), partij, str(niveau), minuten))

    def _plaatsingen(self, by):
        started = self._laatst(by["uithuisplaatsing.started"], "plaatsing_id")
        self.einden = self._laatst(by["uithuisplaatsing.ended"], "plaatsing_id")
        self.plaatsingen = {pid: started.get(pid) or self.einden[pid]
                            for pid in set(started) | set(self.einden)}
        for p in self.plaatsingen.values():
            start = date.fromisoformat(p["startdatum"])
            self._o("uithuisplaatsingen_gestart", start, p["gi"], p["gemeente"])
            if p["in_netwerk"]:
                self._o("uithuisplaatsingen_netwerk", start, p["gi"], p["gemeente"])
            if p["vorm"] in ("residentieel", "crisisplek_24uurs"):
                self._o("uithuisplaatsingen_24uurs", start, p["gi"], p["gemeente"])
        for e in self.einden.values():
            eind = date.fromisoformat(e["einddatum"])
            self._o("duur_uithuisplaatsing", eind, e["gi"], e["gemeente"],
                    (eind - date.fromisoformat(e["startdatum"])).days)

    def uithuisgeplaatst(self, peildatum: date) -> dict[tuple[str, str], int]:
        """Per (gemeente, gi): the children placed on the day, each once, where its running
        placement that started last is."""
        lopend = defaultdict(list)
        for pid, p in self.plaatsingen.items():
            einde = self.einden.get(pid)
            if date.fromisoformat(p["startdatum"]) <= peildatum and (
                    einde is None or date.fromisoformat(einde["einddatum"]) > peildatum):
                lopend[p["kind_id"]].append((p["startdatum"], pid, p))
        out = Counter()
        for runs in lopend.values():
            p = sorted(runs)[-1][2]
            out[(p["gemeente"], p["gi"])] += 1
        return out

    def _jeugdhulp(self, by):
        jh = defaultdict(set)
        for j in self._laatst(by["jeugdhulp.started"], "jeugdhulp_id").values():
            jh[j["kind_id"]].add(date.fromisoformat(j["startdatum"]))
        for m in self.maatregelen:
            start = date.fromisoformat(m["startdatum"])
            for k in m["kinderen"]:
                if any(start <= d <= add_months(start, 3) for d in jh[k["kind_id"]]):
                    self._o("kinderen_jeugdhulp_binnen_3_maanden", start, m["gi"], m["gemeente"])

    def _consultaties(self, by):
        per_gezin = defaultdict(list)
        for c in {c["consultatie_id"]: c for c in by["consultatie.requested"]}.values():
            self._o("consultaties", dag(c["aangevraagd_op"]), c["gi"], c["gemeente"])
            if c.get("gezin_id"):
                per_gezin[c["gezin_id"]].append(c)
        for u in self._laatst(by["consultatie.uren-recorded"], "registratie_id").values():
            self._o("consultatie_uren", date.fromisoformat(u["datum"]), u["gi"], u["gemeente"],
                    round(u["uren"] * 100))
        for mid, m in self.meldingen.items():
            d = dag(m["ontvangen_op"])
            if any(t(c["aangevraagd_op"]) < t(m["ontvangen_op"])
                   and dag(c["aangevraagd_op"]) >= add_months(d, -6) for c in per_gezin[m["gezin_id"]]):
                gi = (self.eerste_toewijzing.get(mid) or self.advies.get(mid) or {"gi": "onbekend"})["gi"]
                self._o("meldingen_na_consultatie", d, gi, m["gemeente"])

    def _kinderen(self, peildatum: date | None):
        """Replay every case up to the day (None: all): who is waiting / in care at the end, and
        the observations of waits, lead times and ended measures."""
        stappen = defaultdict(list)
        for x in self.toewijzingen:
            stappen[x["casus_id"]].append((t(x["toegewezen_op"]), 0, "toe", x))
        for x in self.transfers:
            stappen[x["casus_id"]].append((t(x["overgedragen_op"]), 1, "over", x))
        for x in self.jbs:
            stappen[x["casus_id"]].append((t(x["toegewezen_op"]), 2, "jb", x))
        for x in self.sluitingen:
            stappen[x["casus_id"]].append((t(x["gesloten_op"]), 3, "dicht", x))
        wachtend, in_zorg, eerste_jb = defaultdict(list), defaultdict(int), {}
        for casus_id, lijst in stappen.items():
            state = {}
            for moment, _, soort, e in sorted(lijst, key=lambda s: (s[0], s[1])):
                d = moment.astimezone(TZ).date()
                if peildatum is not None and d > peildatum:
                    break
                for kid in (k["kind_id"] for k in e["kinderen"]):
                    s = state.get(kid)
                    if soort == "toe":
                        if not (s and s["actief"]):
                            state[kid] = {
                                "actief": True,
                                "gi": e["gi"],
                                "gem": e["gemeente"],
                                "wacht": d,
                                "toe": d,
                                "melding": e["melding_id"],
                            }
                        continue
                    if not (s and s["actief"]):
                        continue
                    if soort == "over":
                        s.update(gi=e["naar_gi"], gem=e["gemeente"], wacht=d)
                    elif soort == "jb" and s["wacht"] is not None:
                        if peildatum is None:
                            self._o("wachtdagen", d, s["gi"], s["gem"], (d - s["wacht"]).days)
                        s["wacht"] = None
                        if (casus_id, kid) not in eerste_jb:
                            eerste_jb[(casus_id, kid)] = d
                            if peildatum is None:
                                self._o(
                                    "doorlooptijd_toewijzing_jeugdbeschermer",
                                    d,
                                    s["gi"],
                                    s["gem"],
                                    (d - s["toe"]).days,
                                )
                                m = self.meldingen.get(s["melding"])
                                if m:
                                    self._o(
                                        "doorlooptijd_keten",
                                        d,
                                        s["gi"],
                                        s["gem"],
                                        (d - dag(m["ontvangen_op"])).days,
                                    )
                    elif soort == "dicht":
                        s["actief"] = False
                        lopend = [
                            m
                            for m in self.maatregelen
                            if date.fromisoformat(m["startdatum"]) <= d
                            and kid in [c["kind_id"] for c in m["kinderen"]]
                        ]
                        if lopend and peildatum is None:
                            m = max(lopend, key=lambda m: (m["startdatum"], m["maatregel_id"]))
                            self._o("maatregelen_beeindigd", d, s["gi"], s["gem"])
                            self._o(
                                "duur_maatregel",
                                d,
                                s["gi"],
                                s["gem"],
                                (d - date.fromisoformat(m["startdatum"])).days,
                            )
            for s in state.values():
                if s["actief"]:
                    in_zorg[(s["gem"], s["gi"])] += 1
                    if s["wacht"] is not None:
                        wachtend[(s["gem"], s["gi"])].append(s["wacht"])
        return wachtend, in_zorg, None, eerste_jb

    def standen(self, peildatum: date) -> dict[str, dict[tuple[str, str], float]]:
        if peildatum not in self._standen:
            self._standen[peildatum] = self._bereken_standen(peildatum)
        return self._standen[peildatum]

    def _bereken_standen(self, peildatum: date) -> dict[str, dict[tuple[str, str], float]]:
        wachtend, in_zorg, _, _ = self._kinderen(peildatum)
        out = {
            "wachtlijst": {k: len(v) for k, v in wachtend.items()},
            "kinderen_in_zorg": dict(in_zorg),
            "wachtdagen_wachtenden": wachtend,
            "drang_over_3_maanden": defaultdict(int),
            "drang_over_6_maanden": defaultdict(int),
            "escalaties_open": defaultdict(int),
            "kinderen_uithuisgeplaatst": self.uithuisgeplaatst(peildatum),
        }
        for (casus_id, termijn), d in self.drang.items():
            if dag(d["gesignaleerd_op"]) > peildatum:
                continue
            dicht = [
                s
                for s in self.sluitingen
                if s["casus_id"] == casus_id and t(s["gesloten_op"]) >= t(d["gesignaleerd_op"])
            ]
            if dicht and dag(min(dicht, key=lambda s: t(s["gesloten_op"]))["gesloten_op"]) <= peildatum:
                continue
            kpi = "drang_over_3_maanden" if termijn.startswith("3") else "drang_over_6_maanden"
            out[kpi][(d["gemeente"], d["gi"])] += 1
        for eid in {r["escalatie_id"] for r in self.raised}:
            start = min(t(r["gestart_op"]) for r in self.raised if r["escalatie_id"] == eid)
            if start.astimezone(TZ).date() <= peildatum and not (
                eid in self.cleared and dag(self.cleared[eid]["beeindigd_op"]) <= peildatum
            ):
                out["escalaties_open"][("regio", "regio")] += 1
        return out

    def totaal(self, kpi: str) -> int:
        return len(self.obs[kpi])


def _nearest_rank(values: list[int], p: int) -> int | None:
    if not values:
        return None
    values = sorted(values)
    return values[max(1, math.ceil(p / 100 * len(values))) - 1]


def verwacht(ref: Referentie, kpi, periode: Periode, select) -> object:
    """The expected value of `kpi` over the cells that `select(gemeente, gi)` accepts."""
    catalogus = catalogus_bron.actief()
    k = catalogus.kpi(kpi)
    begin, einde = periode.begin, periode.einde

    def binnen(d):
        return (begin is None or d >= begin) and (einde is None or d <= einde)

    if k.soort in ("stand", "stand_gemiddelde"):
        peil = periode.peildatum(VANDAAG)
        stand = ref.standen(peil)
        if k.soort == "stand_gemiddelde":
            dagen = [
                (peil - w).days
                for key, ws in stand["wachtdagen_wachtenden"].items()
                if select(*key)
                for w in ws
            ]
            return round(sum(dagen) / len(dagen), 1) if dagen else None
        return sum(v for key, v in stand[kpi].items() if select(*key))
    if k.soort == "aandeel":
        teller = verwacht(ref, k.teller, periode, select)
        noemer = verwacht(ref, k.noemer, periode, select)
        return round(100 * teller / noemer, 1) if noemer else None
    if k.soort == "aandeel_in_totaal":  # the selection's share of its municipality's (or the region's)
        row, totaal = select
        deel, geheel = verwacht(ref, k.basis, periode, row), verwacht(ref, k.basis, periode, totaal)
        return round(100 * deel / geheel, 1) if geheel else None
    values = [v for d, gi, gem, v in ref.obs[kpi] if binnen(d) and select(gem, gi)]
    if k.soort == "aantal":
        return len(values)
    if k.soort == "som":
        return round(sum(values) / 100, 2)
    # Distributions are kept per quarter and longer; a day or month has its count and mean only.
    return None if periode.type in ("dag", "maand") else _nearest_rank(values, 50)


def vergelijk(rows: list[dict], ref: Referentie, periode: Periode) -> None:
    by_kpi = {r["kpi"]: r for r in rows}
    assert set(by_kpi) == set(catalogus_bron.actief().ids)
    for kpi, r in by_kpi.items():
        label = f"{kpi} {periode.code}"
        if r["soort"] == "aandeel_in_totaal":
            _vergelijk_in_totaal(r, ref, kpi, periode)
            continue
        assert r["waarde"] == verwacht(ref, kpi, periode, lambda g, i: True), label
        for gi, value in r["per_gi"].items():
            assert value == verwacht(ref, kpi, periode, lambda g, i, gi=gi: i == gi), f"{label} {gi}"
        for gem, value in r["per_gemeente"].items():
            assert value == verwacht(ref, kpi, periode, lambda g, i, gem=gem: g == gem), f"{label} {gem}"
        if r["soort"] == "verdeling":
            values = [
                v
                for d, gi, gem, v in ref.obs[kpi]
                if (periode.begin is None or periode.begin <= d <= periode.einde)
            ]
            p90 = None if periode.type in ("dag", "maand") else _nearest_rank(values, 90)
            assert (r["aantal"], r["p90"]) == (len(values), p90), label
            assert r["gemiddelde"] == (round(sum(values) / len(values), 1) if values else None), label


def _vergelijk_in_totaal(r: dict, ref: Referentie, kpi: str, periode: Periode, gi: str | None = None) -> None:
    """A share of the total: per GI of the region's hours; per municipality, of that
    municipality's hours (over the GI filtered on, else all: 100)."""
    def alle(g, i):
        return True

    def van(gi_, gem=None):
        return lambda g, i: (gi_ is None or i == gi_) and (gem is None or g == gem)

    assert r["waarde"] == verwacht(ref, kpi, periode, (van(gi), alle)), kpi
    for i, value in r["per_gi"].items():
        assert value == verwacht(ref, kpi, periode, (van(i), alle)), (kpi, i)
    for gem, value in r["per_gemeente"].items():
        assert value == verwacht(ref, kpi, periode, (van(gi, gem), van(None, gem))), (kpi, gem)
    jaar = None if periode.type == "totaal" else afgesproken_aandelen(int(periode.code[:4]))
    assert r["afgesproken_aandelen"] == (jaar and {str(g): round(a * 100, 1) for g, a in jaar.items()}), kpi


# ---- the pure projection path ------------------------------------------------------------------


def projecteer(events, norm_dagen):
    """Dossiers as the database forms them (a case's events go to its family), then cells."""
    minimal = [(et, minimaliseer(et, d)) for et, d in events]
    casus_dossier = {}
    for et, d in minimal:
        if d.get("casus_id") and dossier_van(et, d):
            casus_dossier.setdefault(d["casus_id"], dossier_van(et, d))
    dossiers = defaultdict(list)
    for et, d in minimal:
        key = dossier_van(et, d) or casus_dossier.get(d.get("casus_id")) or f"casus:{d['casus_id']}"
        dossiers[key].append((et, d))
    totaal = {}
    for evs in dossiers.values():
        cellen(bijdragen(evs, norm_dagen), totaal)
    return totaal


def figures(cells, periode: Periode, onderdrukkingsdrempel=0, vandaag: date | None = None, **filters):
    rijen = [
        Rij(k[0], k[3], k[4], k[5], k[6], a, s)
        for k, (a, s) in cells.items()
        if k[1] == periode.type and k[2] == periode.code and (a or s)
    ]
    peil = periode.peildatum(vandaag or VANDAAG)
    stand = defaultdict(lambda: [0, 0])
    for k, (a, s) in cells.items():
        if k[1] == "dag" and k[5] == STROOM and date.fromisoformat(k[2]) <= peil:
            acc = stand[(k[0], k[3], k[4], k[6])]
            acc[0] += a
            acc[1] += s
    standen = [Stand(*key, a, s) for key, (a, s) in stand.items()]
    return bereken(
        catalogus_bron.actief(),
        rijen,
        standen,
        periode_type=periode.type,
        periode=periode.code,
        peildatum=peil,
        onderdrukkingsdrempel=onderdrukkingsdrempel,
        **filters,
    )


@pytest.fixture(scope="module", params=[1, 2])
def historie(request):
    events = list(
        genereer(1000, seed=request.param, begin=date(2025, 6, 1), eind=date(2026, 9, 30), escalaties=6)
    )
    norm = catalogus_bron.actief().norm_dagen
    return events, Referentie(events, norm), projecteer(events, norm)


@pytest.mark.parametrize("periode", PERIODES, ids=lambda p: p.code)
def test_every_kpi_equals_the_independent_computation(historie, periode):
    _, ref, cells = historie
    vergelijk(figures(cells, periode), ref, periode)


@pytest.mark.parametrize("periode", PERIODES, ids=lambda p: p.code)
def test_counts_and_stocks_add_up_per_gi_and_per_municipality(historie, periode):
    _, _, cells = historie
    for r in figures(cells, periode):
        if not r["optelbaar"] or r["kpi"].startswith("escalatie"):
            continue
        som = (lambda xs: round(sum(xs), 2)) if r["soort"] == "som" else sum  # hours: two decimals
        assert som(r["per_gi"].values()) == r["waarde"], r["kpi"]
        assert som(r["per_gemeente"].values()) == r["waarde"], r["kpi"]
        for dim, values in r["uitsplitsingen"].items():
            assert som(values.values()) == r["waarde"], (r["kpi"], dim)


def test_slices_add_up_too(historie):
    _, _, cells = historie
    periode = Periode("jaar", "2026")
    regio = {r["kpi"]: r for r in figures(cells, periode)}
    per_gi = defaultdict(int)
    for gi in ("JBRR", "WSS", "LJR", "onbekend"):
        for r in figures(cells, periode, gi=gi):
            if r["optelbaar"] and r["waarde"] is not None:
                per_gi[r["kpi"]] += r["waarde"]
                assert round(sum(r["per_gemeente"].values()), 2) == r["waarde"]
    for kpi, total in per_gi.items():
        assert round(total, 2) == regio[kpi]["waarde"], kpi


def test_a_fact_delivered_twice_or_late_counts_once(historie):
    events, _, cells = historie
    norm = catalogus_bron.actief().norm_dagen
    again = projecteer(list(reversed(events)) + events[:300], norm)
    assert {k: v for k, v in again.items() if any(v)} == {k: v for k, v in cells.items() if any(v)}


def test_stored_events_hold_no_personal_data():
    for event_type, data in genereer(50, seed=4):
        kept = minimaliseer(event_type, data)
        flat = repr(kept)
        for forbidden in (
            "toelichting",
            "leeftijd",
            "jeugdbeschermer_id",
            "manager",
            "afwijking_reden",
            "redenen",
            "Synthetisch",
            "JB-",
            "Manager",
        ):
            assert forbidden not in flat, (event_type, forbidden)


AANGEVRAAGD = "nl.jbketen.overdracht.requested.v1"
OVERGEDRAGEN = "nl.jbketen.casus.transferred.v1"


def test_of_a_transfer_only_the_chosen_category_is_stored_never_the_free_text():
    for event_type, data in genereer(300, seed=5):
        if event_type in (AANGEVRAAGD, OVERGEDRAGEN):
            kept = minimaliseer(event_type, data)
            assert "reden" not in kept and data["reden"] not in repr(kept)
            assert kept["categorie"] == data["categorie"] in set(OverdrachtReden)


def test_transfers_are_counted_per_category_the_requesting_gi_chose(historie):
    events, _, cells = historie
    rows = {r["kpi"]: r for r in figures(cells, Periode("totaal", "totaal"))}
    for kpi, event_type in (
        ("overdrachten_aangevraagd", AANGEVRAAGD),
        ("overdrachten_uitgevoerd", OVERGEDRAGEN),
    ):
        per_transfer = {d["overdracht_id"]: d["categorie"] for et, d in events if et == event_type}
        expected = Counter(per_transfer.values())
        assert len(expected) > 1, kpi  # the history has several categories
        assert rows[kpi]["uitsplitsingen"]["reden"] == dict(sorted(expected.items())), kpi


def _transfer(categorie: str, reden: str) -> list[tuple[str, dict]]:
    common = {
        "overdracht_id": "o1",
        "casus_id": "c1",
        "gemeente": "GM0599",
        "van_gi": "JBRR",
        "naar_gi": "WSS",
    }
    return [
        (AANGEVRAAGD, {**common, "reden": reden, "categorie": categorie,
                       "aangevraagd_op": "2026-03-02T10:00:00+00:00"}),
        (OVERGEDRAGEN, {**common, "reden": reden, "categorie": categorie, "kinderen": [{"kind_id": "k1"}],
                        "overgedragen_op": "2026-03-09T10:00:00+00:00"}),
    ]


def _per_categorie(cells) -> dict[str, dict[str, int]]:
    out = defaultdict(dict)
    for (kpi, ptype, _, gi, gemeente, dim, waarde), (aantal, _) in cells.items():
        if dim == "reden" and ptype == "maand" and aantal:
            assert (gi, gemeente) == ("JBRR", "GM0599")
            out[kpi][waarde] = aantal
    return dict(out)


def test_the_category_comes_from_the_event_never_from_the_free_text():
    # The text speaks of a move; the requesting GI chose expertise: expertise counts.
    cells = projecteer(_transfer("expertise", "Gezin verhuist naar Schiedam, wachtlijst"), 7)
    assert _per_categorie(cells) == {
        "overdrachten_aangevraagd": {"expertise": 1},
        "overdrachten_uitgevoerd": {"expertise": 1},
    }
    cells = projecteer(_transfer("overig", "Expertise LVB nodig"), 7)
    assert _per_categorie(cells) == {
        "overdrachten_aangevraagd": {"overig": 1},
        "overdrachten_uitgevoerd": {"overig": 1},
    }


def test_history_stored_before_events_carried_the_category_keeps_its_stored_category():
    """Such history holds a category (never the free text) under `reden`: a rebuild keeps it."""
    oud = [(et, {k: v for k, v in minimaliseer(et, d).items() if k != "categorie"} | {"reden": "capaciteit"})
           for et, d in _transfer("relatie", "Wachtlijst")]
    totaal = {}
    cellen(bijdragen(oud, 7), totaal)
    assert _per_categorie(totaal) == {
        "overdrachten_aangevraagd": {"capaciteit": 1},
        "overdrachten_uitgevoerd": {"capaciteit": 1},
    }


def test_days_are_calendar_days_in_rotterdam():
    # 23:30 UTC on 31 March 2026 is 1 April in Rotterdam (summer time): Q2.
    events = [
        (
            "nl.jbketen.melding.received.v1",
            {
                "melding_id": "m1",
                "gezin_id": "g1",
                "gemeente": "GM0599",
                "urgentie": "spoed",
                "kader": None,
                "kinderen": [{"kind_id": "k1", "leeftijd": 3}],
                "zorgen": [],
                "kenmerken": [],
                "herhaald_beroep": False,
                "ontvangen_op": "2026-03-31T23:30:00+00:00",
            },
        )
    ]
    cells = projecteer(events, 7)
    assert ("meldingen_ontvangen", "kwartaal", "2026-Q2", "onbekend", "GM0599", "", "") in cells
    assert ("meldingen_ontvangen", "dag", "2026-04-01", "onbekend", "GM0599", "", "") in cells
    assert timedelta(0) == timedelta(0)


# ---- issue 15: placements, youth care on time, C&A ---------------------------------------------

NIEUW = ("uithuisplaatsingen_gestart", "uithuisplaatsingen_netwerk", "uithuisplaatsingen_24uurs",
         "kinderen_uithuisgeplaatst", "duur_uithuisplaatsing", "kinderen_jeugdhulp_binnen_3_maanden",
         "consultaties", "consultatie_uren", "meldingen_na_consultatie")


def test_the_generated_histories_exercise_every_new_kpi(historie):
    _, ref, cells = historie
    rows = {r["kpi"]: r for r in figures(cells, Periode("jaar", "2026"))}
    for kpi in NIEUW:
        assert rows[kpi]["waarde"], kpi
        if kpi != "kinderen_uithuisgeplaatst":
            assert {"JBRR", "WSS", "LJR"} <= {gi for _, gi, _, _ in ref.obs[kpi]}, kpi  # every GI has some
    assert 0 < rows["aandeel_jeugdhulp_binnen_3_maanden"]["waarde"] < 100
    assert 0 < rows["aandeel_meldingen_na_consultatie"]["waarde"] < 100


@pytest.mark.parametrize("periode", PERIODES, ids=lambda p: p.code)
def test_a_gis_share_of_each_municipalitys_hours_against_the_agreed_share(historie, periode):
    _, ref, cells = historie
    for gi in ("JBRR", "WSS", "LJR"):
        r = next(r for r in figures(cells, periode, gi=gi) if r["kpi"] == "aandeel_consultatie_uren")
        _vergelijk_in_totaal(r, ref, "aandeel_consultatie_uren", periode, gi)
    r = next(r for r in figures(cells, Periode("kwartaal", "2026-Q1"))
             if r["kpi"] == "aandeel_consultatie_uren")
    assert r["afgesproken_aandelen"] == {"JBRR": 45.0, "WSS": 30.0, "LJR": 25.0}
    assert round(sum(v for v in r["per_gi"].values()), 0) == 100


def test_the_duration_of_placements_per_kind_of_placement(historie):
    _, ref, cells = historie
    r = next(r for r in figures(cells, Periode("totaal", "totaal")) if r["kpi"] == "duur_uithuisplaatsing")
    per_vorm = defaultdict(list)
    for e in ref.einden.values():
        duur = date.fromisoformat(e["einddatum"]) - date.fromisoformat(e["startdatum"])
        per_vorm[e["vorm"]].append(duur.days)
    assert r["uitsplitsingen"]["vorm"] == {v: _nearest_rank(d, 50) for v, d in sorted(per_vorm.items())}


def _tabel(rows_per_gi: dict, kpi: str) -> tuple[dict, set]:
    """The municipality x GI table of a KPI as published (per_gemeente under every GI filter and
    without one, per_gi): the values shown and the cells hidden."""
    shown, hidden = {}, set()
    for gi, rows in rows_per_gi.items():
        r = next(r for r in rows if r["kpi"] == kpi)
        for g, v in r["per_gemeente"].items():
            (hidden.add((g, gi)) if v is None else shown.__setitem__((g, gi), v))
        if gi == "*":
            shown.update({("*", i): v for i, v in r["per_gi"].items()})
            shown[("*", "*")] = r["waarde"]
    return shown, hidden


def _per_cel(cells, periode: Periode, kpi: str) -> dict[tuple[str, str], int]:
    """The records (placements, children, requests, registrations, reports) per (gemeente, gi)."""
    return {(k[4], k[3]): a for k, (a, _) in cells.items()
            if k[0] == kpi and k[1] == periode.type and k[2] == periode.code and k[5] == "" and a}


@pytest.mark.parametrize("periode", [Periode("kwartaal", "2026-Q1"), Periode("jaar", "2026")], ids=str)
def test_the_new_kpis_are_suppressed_like_the_others(historie, periode):
    """Primary: every municipality (x GI) cell resting on 1-4 records is hidden; shares are hidden
    where their counts are; no hidden cell follows from the published table (exact attack)."""
    from fractions import Fraction

    from services.reporting.domain.onderdrukking import TOTAAL
    from tests.unit.test_reporting_onderdrukking import herleidbaar, vergelijkingen

    _, _, cells = historie
    gis = ("JBRR", "WSS", "LJR", "onbekend")
    rows = {"*": figures(cells, periode, 5), **{gi: figures(cells, periode, 5, gi=gi) for gi in gis}}
    open_ = {"*": figures(cells, periode), **{gi: figures(cells, periode, gi=gi) for gi in gis}}

    def sleutel(g, i):
        return TOTAAL if g == "*" else g, TOTAAL if i == "*" else i

    for kpi in ("uithuisplaatsingen_gestart", "uithuisplaatsingen_netwerk", "uithuisplaatsingen_24uurs",
                "kinderen_jeugdhulp_binnen_3_maanden", "consultaties", "consultatie_uren",
                "meldingen_na_consultatie"):
        _, hidden = _tabel(rows, kpi)
        waar, _ = _tabel(open_, kpi)
        per_cel, per_gemeente = _per_cel(cells, periode, kpi), Counter()
        for (g, _), n in per_cel.items():
            per_gemeente[g] += n
        klein = {c for c, n in per_cel.items() if n < 5}
        klein |= {(g, "*") for g, n in per_gemeente.items() if n < 5}
        assert klein and klein <= hidden, kpi
        waarden = {sleutel(*c): Fraction(str(v)) for c, v in waar.items()}
        assert not herleidbaar(waarden, {sleutel(*c) for c in hidden}, vergelijkingen(waarden)), kpi
    for share, basis in (("aandeel_uithuisplaatsingen_netwerk", "uithuisplaatsingen_netwerk"),
                         ("aandeel_jeugdhulp_binnen_3_maanden", "kinderen_jeugdhulp_binnen_3_maanden"),
                         ("aandeel_meldingen_na_consultatie", "meldingen_na_consultatie"),
                         ("aandeel_consultatie_uren", "consultatie_uren")):
        assert _tabel(rows, basis)[1] <= _tabel(rows, share)[1], share


PLAATSING = "nl.jbketen.uithuisplaatsing.started.v1"
PLAATSING_EINDE = "nl.jbketen.uithuisplaatsing.ended.v1"
JEUGDHULP = "nl.jbketen.jeugdhulp.started.v1"
CONSULTATIE = "nl.jbketen.consultatie.requested.v1"
UREN = "nl.jbketen.consultatie.uren-recorded.v1"
GEZIN = {"gezin_id": "g1", "gemeente": "GM0599"}


def _plaatsing(pid, kind, vorm, start, eind=None, gi="JBRR", registratie="2026-01-05T10:00:00+00:00"):
    data = {"plaatsing_id": pid, "casus_id": "c1", **GEZIN, "gi": gi, "kind_id": kind, "vorm": vorm,
            "in_netwerk": vorm == "netwerkpleegzorg", "startdatum": start, "geregistreerd_op": registratie}
    out = [(PLAATSING, data)]
    if eind:
        einde = {k: v for k, v in data.items() if k != "gezin_id"}
        out.append((PLAATSING_EINDE, {**einde, "einddatum": eind,
                                      "geregistreerd_op": f"{eind}T12:00:00+00:00"}))
    return out


# The hand-made histories below lie in 2026: their figures are read as on a day after all of them,
# whatever moment the suite's clock is pinned to (a stock on a day after "today" is today's).
NA_DE_VOORBEELDEN = date(2026, 12, 31)


def _waarden(events, periode: Periode) -> dict:
    return {r["kpi"]: r for r in figures(projecteer(events, 7), periode, vandaag=NA_DE_VOORBEELDEN)}


def test_placements_24_hour_care_is_residential_or_a_crisis_bed_and_a_child_is_placed_once():
    events = [*_plaatsing("p1", "k1", "crisisplek_24uurs", "2026-01-10", "2026-02-01"),
              *_plaatsing("p2", "k1", "netwerkpleegzorg", "2026-02-01"),  # moved on: the same child
              *_plaatsing("p3", "k2", "residentieel", "2026-01-20", "2026-03-01"),
              *_plaatsing("p4", "k2", "gezinshuis", "2026-02-15", "2026-04-01")]  # overlaps p3
    q1 = _waarden(events, Periode("kwartaal", "2026-Q1"))
    assert q1["uithuisplaatsingen_gestart"]["waarde"] == 4
    vormen = q1["uithuisplaatsingen_24uurs"]["uitsplitsingen"]["vorm"]
    assert vormen == {"crisisplek_24uurs": 1, "residentieel": 1}
    assert q1["aandeel_uithuisplaatsingen_netwerk"]["waarde"] == 25.0
    for dag_, kinderen in (("2026-01-09", 0), ("2026-01-10", 1), ("2026-02-01", 2), ("2026-02-20", 2),
                           ("2026-03-31", 2), ("2026-04-01", 1)):
        assert _waarden(events, Periode("dag", dag_))["kinderen_uithuisgeplaatst"]["waarde"] == kinderen, dag_
    assert q1["duur_uithuisplaatsing"]["verdeling"] == {"22": 1, "40": 1}  # p4 ended in Q2


def test_a_placement_registered_again_counts_as_its_last_registration():
    first = _plaatsing("p1", "k1", "residentieel", "2026-01-10")
    again = _plaatsing("p1", "k1", "gezinshuis", "2026-01-12", registratie="2026-01-20T09:00:00+00:00")
    for events in ([*first, *again], [*again, *first]):
        q1 = _waarden(events, Periode("kwartaal", "2026-Q1"))
        assert q1["uithuisplaatsingen_gestart"]["uitsplitsingen"]["vorm"] == {"gezinshuis": 1}
        assert q1["uithuisplaatsingen_24uurs"]["waarde"] == 0
        assert _waarden(events, Periode("dag", "2026-01-11"))["kinderen_uithuisgeplaatst"]["waarde"] == 0


def _maatregel(start: str) -> tuple[str, dict]:
    return ("nl.jbketen.maatregel.imposed.v1", {
        "maatregel_id": "m1", "melding_id": "r1", "advies_id": "a1", **GEZIN, "doelgroep": "lvb",
        "maatregel": "OTS", "route": "rechtbank", "raadsonderzoek": True, "startdatum": start, "gi": "WSS",
        "kinderen": [{"kind_id": "k1"}, {"kind_id": "k2"}, {"kind_id": "k3"}],
        "opgelegd_op": f"{start}T10:00:00+00:00"})


def _jeugdhulp(kind: str, start: str) -> tuple[str, dict]:
    return (JEUGDHULP, {"jeugdhulp_id": f"j-{kind}", "casus_id": "c1", **GEZIN, "gi": "WSS", "kind_id": kind,
                        "vorm": "ambulant", "startdatum": start,
                        "geregistreerd_op": f"{start}T10:00:00+00:00"})


def test_youth_care_on_time_is_within_3_calendar_months_of_the_measures_start():
    # 30 November + 3 months = 28 February (2027 has no 29 February).
    for k2, k3, op_tijd in (("2027-02-28", "2026-11-29", 2), ("2027-03-01", "2026-11-30", 2)):
        events = [_maatregel("2026-11-30"), _jeugdhulp("k1", "2026-12-15"), _jeugdhulp("k2", k2),
                  _jeugdhulp("k3", k3)]
        r = _waarden(events, Periode("kwartaal", "2026-Q4"))
        assert r["kinderen_jeugdhulp_binnen_3_maanden"]["waarde"] == op_tijd, (k2, k3)
        assert r["aandeel_jeugdhulp_binnen_3_maanden"]["waarde"] == round(100 * op_tijd / 3, 1)
    # While the 3 months run, a child without youth care counts as not (yet) on time.
    assert _waarden([_maatregel("2026-11-30")], Periode("kwartaal", "2026-Q4"))[
        "aandeel_jeugdhulp_binnen_3_maanden"]["waarde"] == 0.0


def _melding(mid: str, ontvangen: str, gezin: str = "g1") -> tuple[str, dict]:
    return ("nl.jbketen.melding.received.v1", {
        "melding_id": mid, "gezin_id": gezin, "gemeente": "GM0599", "urgentie": "regulier", "kader": None,
        "kinderen": [{"kind_id": "k1"}], "herhaald_beroep": False, "ontvangen_op": ontvangen})


def _consultatie(cid: str, op: str, gezin: str | None = "g1") -> tuple[str, dict]:
    return (CONSULTATIE, {"consultatie_id": cid, "gemeente": "GM0599", "categorie": "overig",
                          "gezin_id": gezin, "gi": "LJR", "expertise": None, "reden": "Volgens het aandeel.",
                          "aangevraagd_op": op})


def test_a_report_preceded_by_c_and_a_for_its_family_in_the_6_months_before():
    base = [_melding("r1", "2026-08-31T10:00:00+00:00")]
    for c, telt in ((_consultatie("c1", "2026-02-28T08:00:00+00:00"), True),  # 31 Aug - 6 months = 28 Feb
                    (_consultatie("c1", "2026-02-27T20:00:00+00:00"), False),
                    (_consultatie("c1", "2026-08-31T09:59:00+00:00"), True),
                    (_consultatie("c1", "2026-08-31T10:01:00+00:00"), False),  # after the report
                    (_consultatie("c1", "2026-05-01T10:00:00+00:00", gezin="g2"), False),
                    (_consultatie("c1", "2026-05-01T10:00:00+00:00", gezin=None), False)):
        r = _waarden([*base, c], Periode("jaar", "2026"))
        assert r["meldingen_na_consultatie"]["waarde"] == int(telt), c
        assert r["consultaties"]["waarde"] == 1 and r["consultaties"]["per_gi"]["LJR"] == 1


def test_c_and_a_hours_are_summed_per_record_in_hundredths_and_shared_out_per_gi():
    def uren(rid, gi, u, dag_):
        return (UREN, {"consultatie_id": "c1", "registratie_id": rid, "gemeente": "GM0599",
                       "categorie": "lvb", "gi": gi, "uren": u, "datum": dag_,
                       "geregistreerd_op": f"{dag_}T18:00:00+00:00"})

    events = [_consultatie("c1", "2026-03-01T10:00:00+00:00", gezin=None),
              uren("u1", "LJR", 0.25, "2026-03-02"), uren("u1", "LJR", 0.25, "2026-03-02"),
              uren("u2", "LJR", 1.1, "2026-03-31"), uren("u3", "JBRR", 2.0, "2026-04-01")]
    assert dossier_van(*events[1]) == "consultatie:c1"
    q1, jaar = _waarden(events, Periode("kwartaal", "2026-Q1")), _waarden(events, Periode("jaar", "2026"))
    assert q1["consultatie_uren"]["waarde"] == 1.35 and q1["consultatie_uren"]["per_gi"]["LJR"] == 1.35
    assert jaar["consultatie_uren"]["uitsplitsingen"]["categorie"] == {"lvb": 3.35}
    aandeel = jaar["aandeel_consultatie_uren"]
    assert aandeel["per_gi"] == {"JBRR": 59.7, "WSS": 0.0, "LJR": 40.3, "onbekend": 0.0}
    assert aandeel["afgesproken_aandelen"] == {"JBRR": 45.0, "WSS": 30.0, "LJR": 25.0}
    altijd = _waarden(events, Periode("totaal", "totaal"))["aandeel_consultatie_uren"]
    assert altijd["afgesproken_aandelen"] is None


# ---- issue 16: time to acknowledge an escalation -------------------------------------------------

BEVESTIGD = "nl.jbketen.escalatie.bevestigd.v1"


def _bevestigd(partij: str, niveau: int, sinds: str, op: str, eid: str = "e1") -> tuple[str, dict]:
    return (BEVESTIGD, {"escalatie_id": eid, "partij": partij, "niveau": niveau, "niveau_sinds": sinds,
                        "bevestigd_op": op, "gestart_op": "2026-03-30T08:00:00+00:00"})


LANGER = [p for p in PERIODES if p.type not in ("dag", "maand")]  # where distributions are kept


@pytest.mark.parametrize("periode", LANGER, ids=lambda p: p.code)
def test_time_to_acknowledge_per_party_and_level_equals_the_independent_computation(historie, periode):
    """The median per party and per level, from the generated escalations' acknowledgements."""
    _, ref, cells = historie
    r = next(r for r in figures(cells, periode) if r["kpi"] == "tijd_tot_bevestiging")
    binnen = [b for b in ref.bevestigingen if periode.begin is None or periode.begin <= b[0] <= periode.einde]
    for dim, index in (("partij", 1), ("niveau", 2)):
        verwacht = defaultdict(list)
        for b in binnen:
            verwacht[b[index]].append(b[3])
        mediaan = {v: _nearest_rank(xs, 50) for v, xs in verwacht.items()}
        assert r["uitsplitsingen"].get(dim, {}) == mediaan, dim
    assert (r["per_gi"], r["per_gemeente"]) == ({}, {})  # regional, like the other escalation KPIs


def test_the_generated_histories_acknowledge_at_every_level_by_every_party(historie):
    _, ref, cells = historie
    r = next(r for r in figures(cells, Periode("totaal", "totaal")) if r["kpi"] == "tijd_tot_bevestiging")
    assert set(r["uitsplitsingen"]["partij"]) == {"rvdk", "JBRR", "WSS", "LJR", "grjr"}
    assert set(r["uitsplitsingen"]["niveau"]) == {"1", "2", "3"}
    assert r["aantal"] == len(ref.bevestigingen) > 10 and r["p90"] > r["mediaan"] > 0


def test_time_to_acknowledge_counts_a_partys_first_acknowledgement_in_whole_minutes_on_its_day():
    events = [
        _bevestigd("WSS", 1, "2026-03-31T20:00:00+00:00", "2026-03-31T21:29:59+00:00"),  # 89 min, Q1
        _bevestigd("WSS", 1, "2026-03-31T20:00:00+00:00", "2026-04-01T09:00:00+00:00"),  # again: not
        _bevestigd("rvdk", 1, "2026-03-31T20:00:00+00:00", "2026-03-31T23:30:00+00:00"),  # 1 April here
        _bevestigd("rvdk", 2, "2026-04-01T20:00:00+00:00", "2026-04-02T20:00:00+00:00"),  # 24 hours
    ]
    assert {dossier_van(*e) for e in events} == {"escalatie:e1"}
    for volgorde in (events, list(reversed(events))):
        q1 = _waarden(volgorde, Periode("kwartaal", "2026-Q1"))
        q2 = _waarden(volgorde, Periode("kwartaal", "2026-Q2"))
        assert q1["tijd_tot_bevestiging"]["verdeling"] == {"89": 1}
        assert q2["tijd_tot_bevestiging"]["verdeling"] == {"210": 1, "1440": 1}
        assert q2["tijd_tot_bevestiging"]["uitsplitsingen"] == {"partij": {"rvdk": 210},
                                                                 "niveau": {"1": 210, "2": 1440}}
        assert q2["tijd_tot_bevestiging"]["eenheid"] == "minuten"
        maand = _waarden(volgorde, Periode("maand", "2026-04"))["tijd_tot_bevestiging"]
        assert (maand["aantal"], maand["gemiddelde"], maand["mediaan"]) == (2, 825.0, None)


def test_only_the_ids_codes_and_moments_of_an_acknowledgement_are_kept():
    _, data = _bevestigd("grjr", 3, "2026-04-01T20:00:00+00:00", "2026-04-02T08:00:00+00:00")
    assert minimaliseer(BEVESTIGD, {**data, "toelichting": "vrije tekst"}) == data
