"""From the events of one dossier (a family, or an escalation) to its contributions to the KPI cells.

A contribution (Bijdrage) says: this dossier adds `aantal` (and `som`, e.g. days) to KPI `kpi` on
calendar day `datum`, for GI `gi` and municipality `gemeente`, in breakdown `dimensie` = `waarde`
('' for the KPI's total). The projection is the sum of all dossiers' contributions, spread over
the periods containing each day. Facts are keyed by their natural ids (report, advice, measure,
case, transfer, escalation), so a fact delivered twice counts once and the order of arrival does
not matter. Pure: no I/O.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import NamedTuple

from contracts.vocabulary import OverdrachtReden, Plaatsingsvorm
from runtime.clock import add_months
from services.reporting.domain.events import (
    ADVIES,
    CONSULTATIE,
    CONSULTATIE_UREN,
    DRANG,
    ESCALATIE,
    ESCALATIE_BEVESTIGD,
    ESCALATIE_VOORBIJ,
    GESLOTEN,
    JEUGDBESCHERMER,
    JEUGDHULP,
    MAATREGEL,
    MELDING,
    OVERDRACHT_AANGEVRAAGD,
    OVERDRACHT_AFGEWEZEN,
    OVERGEDRAGEN,
    TOEWIJZING,
    TRIAGE,
    UITHUISPLAATSING,
    UITHUISPLAATSING_EINDE,
)
from services.reporting.domain.periodes import (
    MET_DAG,
    ZONDER_DAG,
    _parse,
    als_datum,
    lokale_datum,
    periodes_van,
)

ONBEKEND = "onbekend"  # not yet advised or assigned to a GI: kept so per-GI figures add up
REGIO = "regio"  # regional figures (escalations) have no GI or municipality
STROOM = "stroom"  # stock KPIs are stored as inflow ('in') and outflow ('uit')
HIST = "hist"  # histogram of a distribution KPI: waarde = the value (days, hours)
# 24-hour care (the JBRR plan of 2016: "plaatsingen in de 24-uurs zorg", crisis beds and the
# living and treatment groups): a placement in an institution's group or on a 24-hour crisis bed.
VORMEN_24UURS = frozenset({Plaatsingsvorm.RESIDENTIEEL.value, Plaatsingsvorm.CRISISPLEK_24UURS.value})
JEUGDHULP_BINNEN_MAANDEN = 3  # youth care on time: within 3 calendar months of the measure's start
CONSULTATIE_VOOR_MAANDEN = 6  # a report preceded by C&A for the family in the 6 months before it
UREN_SCHAAL = 100  # C&A hours are summed in hundredths of an hour (exact, whole numbers)


class Bijdrage(NamedTuple):
    kpi: str
    datum: date
    gi: str
    gemeente: str
    dimensie: str
    waarde: str
    aantal: int
    som: int


# A projected cell: (kpi, periode_type, periode, gi, gemeente, dimensie, waarde) -> [aantal, som]
CelSleutel = tuple[str, str, str, str, str, str, str]


def _moment(value: str) -> datetime:
    return _parse(value)


def _categorie(overdracht: dict) -> str:
    """The reason category the requesting GI chose. History stored before the events carried it
    holds a category under `reden` (derived from the free text, which itself was never kept)."""
    return overdracht.get("categorie") or overdracht.get("reden") or OverdrachtReden.OVERIG


def _earliest(current: dict | None, candidate: dict, field: str) -> dict:
    return candidate if current is None or _moment(candidate[field]) < _moment(current[field]) else current


def _laatst_geregistreerd(current: dict | None, candidate: dict, field: str) -> dict:
    """Of two records of one fact the one registered last (a correction); the same moment: the
    larger content, so the order of arrival never matters."""
    if current is None:
        return candidate
    def key(d):
        return _moment(d[field]), json.dumps(d, sort_keys=True)
    return candidate if key(candidate) > key(current) else current


def _alle_kinderen(current: dict, d: dict) -> list[dict]:
    kinderen = {k["kind_id"] for k in current["kinderen"]} | {k["kind_id"] for k in d["kinderen"]}
    return [{"kind_id": k} for k in sorted(kinderen)]


class _Uitvoer:
    """Where a dossier's contributions go: a list of Bijdragen (`voeg`); see Optelling for sums."""

    def __init__(self):
        self.items: list[Bijdrage] = []

    def voeg(self, kpi, datum, gi, gemeente, dimensie, waarde, som) -> None:
        self.items.append(Bijdrage(kpi, datum, gi, gemeente, dimensie, waarde, 1, som))

    def telling(self, kpi, datum, gi, gemeente, **dims) -> None:
        self.voeg(kpi, datum, gi, gemeente, "", "", 0)
        for dim, val in dims.items():
            self.voeg(kpi, datum, gi, gemeente, dim, str(val), 0)

    def verdeling(self, kpi, datum, gi, gemeente, waarde: int, **dims) -> None:
        self.voeg(kpi, datum, gi, gemeente, "", "", waarde)
        self.voeg(kpi, datum, gi, gemeente, HIST, str(waarde), 0)
        for dim, val in dims.items():
            self.voeg(kpi, datum, gi, gemeente, dim, str(val), waarde)
            self.voeg(kpi, datum, gi, gemeente, f"{HIST}:{dim}", f"{val}:{waarde}", 0)

    def stroom(self, kpi, datum, gi, gemeente, richting: str, som: int = 0) -> None:
        self.voeg(kpi, datum, gi, gemeente, STROOM, richting, som)

    def hoeveelheid(self, kpi, datum, gi, gemeente, som: int, **dims) -> None:
        """A quantity (hours) summed: `aantal` counts the records, `som` adds the quantity."""
        self.voeg(kpi, datum, gi, gemeente, "", "", som)
        for dim, val in dims.items():
            self.voeg(kpi, datum, gi, gemeente, dim, str(val), som)


class Dossier:
    """The facts of one dossier, collected from its events in any order."""

    def __init__(self):
        self.meldingen: dict[str, dict] = {}
        self.triages: dict[str, dict] = {}
        self.adviezen: dict[str, dict] = {}
        self.maatregelen: dict[str, dict] = {}
        self.toewijzingen: dict[tuple[str, str], dict] = {}
        self.jeugdbeschermers: dict[tuple[str, str], dict] = {}
        self.aanvragen: dict[str, dict] = {}
        self.afwijzingen: dict[str, dict] = {}
        self.overdrachten: dict[str, dict] = {}
        self.sluitingen: dict[tuple[str, str], dict] = {}
        self.drang: dict[tuple[str, str], dict] = {}
        self.escalaties: dict[str, dict] = {}
        self.escalaties_voorbij: dict[str, dict] = {}
        self.bevestigingen: dict[tuple[str, str, int], dict] = {}
        self.plaatsingen: dict[str, dict] = {}
        self.plaatsing_einden: dict[str, dict] = {}
        self.jeugdhulp: dict[str, dict] = {}
        self.consultaties: dict[str, dict] = {}
        self.consultatie_uren: dict[str, dict] = {}

    def voeg_toe(self, event_type: str, d: dict) -> None:
        handler = _VOEG_TOE.get(event_type)
        if handler is not None:  # approvals change no figure: a transfer counts when it is carried out
            handler(self, d)

    def _melding(self, d: dict) -> None:
        self.meldingen[d["melding_id"]] = d

    def _triage(self, d: dict) -> None:
        key = d["melding_id"]
        current = self.triages.get(key)
        if current is None or (_moment(d["besloten_op"]), d["regel"]) > (
            _moment(current["besloten_op"]),
            current["regel"],
        ):
            self.triages[key] = d

    def _advies(self, d: dict) -> None:
        self.adviezen[d["advies_id"]] = d

    def _maatregel(self, d: dict) -> None:
        self.maatregelen[d["maatregel_id"]] = d

    def _toewijzing(self, d: dict) -> None:
        key = (d["casus_id"], d["melding_id"])
        current = self.toewijzingen.get(key)
        if current is not None:  # the same assignment again: one fact, all its children
            d = {**_earliest(current, d, "toegewezen_op"), "kinderen": _alle_kinderen(current, d)}
        self.toewijzingen[key] = d

    def _jeugdbeschermer(self, d: dict) -> None:
        key = (d["casus_id"], d["toegewezen_op"])
        current = self.jeugdbeschermers.get(key)
        if current is not None:
            d = {**current, "kinderen": _alle_kinderen(current, d)}
        self.jeugdbeschermers[key] = d

    def _aanvraag(self, d: dict) -> None:
        self.aanvragen[d["overdracht_id"]] = d

    def _afwijzing(self, d: dict) -> None:
        self.afwijzingen[d["overdracht_id"]] = _earliest(
            self.afwijzingen.get(d["overdracht_id"]), d, "afgewezen_op"
        )

    def _overdracht(self, d: dict) -> None:
        self.overdrachten[d["overdracht_id"]] = d

    def _sluiting(self, d: dict) -> None:
        self.sluitingen[(d["casus_id"], d["gesloten_op"])] = d

    def _drang_signaal(self, d: dict) -> None:
        key = (d["casus_id"], d["termijn"])
        self.drang[key] = _earliest(self.drang.get(key), d, "gesignaleerd_op")

    def _escalatie(self, d: dict) -> None:
        key = d["escalatie_id"]
        current = self.escalaties.get(key)
        if current is None or d["niveau"] > current["niveau"]:
            first = _earliest(current, d, "gestart_op")
            self.escalaties[key] = {**d, "gestart_op": first["gestart_op"]}

    def _escalatie_voorbij(self, d: dict) -> None:
        self.escalaties_voorbij[d["escalatie_id"]] = d

    def _bevestiging(self, d: dict) -> None:
        """A party acknowledges a level once: of two records the first (the same moment: the
        smaller content, so the order of arrival never matters)."""
        key = (d["escalatie_id"], d["partij"], d["niveau"])
        current = self.bevestigingen.get(key)
        def sort_key(x):
            return _moment(x["bevestigd_op"]), json.dumps(x, sort_keys=True)
        if current is None or sort_key(d) < sort_key(current):
            self.bevestigingen[key] = d

    def _plaatsing(self, d: dict) -> None:
        pid = d["plaatsing_id"]
        self.plaatsingen[pid] = _laatst_geregistreerd(self.plaatsingen.get(pid), d, "geregistreerd_op")

    def _plaatsing_einde(self, d: dict) -> None:
        pid = d["plaatsing_id"]
        self.plaatsing_einden[pid] = _laatst_geregistreerd(self.plaatsing_einden.get(pid), d,
                                                           "geregistreerd_op")

    def _jeugdhulp(self, d: dict) -> None:
        jid = d["jeugdhulp_id"]
        self.jeugdhulp[jid] = _laatst_geregistreerd(self.jeugdhulp.get(jid), d, "geregistreerd_op")

    def _consultatie(self, d: dict) -> None:
        cid = d["consultatie_id"]
        self.consultaties[cid] = _laatst_geregistreerd(self.consultaties.get(cid), d, "aangevraagd_op")

    def _consultatie_uren(self, d: dict) -> None:
        rid = d["registratie_id"]
        self.consultatie_uren[rid] = _laatst_geregistreerd(self.consultatie_uren.get(rid), d,
                                                           "geregistreerd_op")

    # ---- contributions -------------------------------------------------------------------------

    def bijdragen(self, norm_dagen: int) -> list[Bijdrage]:
        out = _Uitvoer()
        self.lever(out, norm_dagen)
        return out.items

    def lever(self, out: _Uitvoer, norm_dagen: int) -> None:
        """Hand every contribution of this dossier to `out`."""
        laatste_advies = self._laatste_advies_per_melding()
        eerste_toewijzing = self._eerste_toewijzing_per_melding()
        self._meldingen(out, laatste_advies, eerste_toewijzing)
        self._adviezen(out, laatste_advies)
        eerste_jb = self._kinderen(out)
        self._maatregelen(out, laatste_advies, eerste_toewijzing, eerste_jb, norm_dagen)
        self._overdrachten(out)
        self._drang(out)
        self._escalaties(out)
        self._plaatsingen(out)
        self._consultaties(out)

    def _laatste_advies_per_melding(self) -> dict[str, dict]:
        result: dict[str, dict] = {}
        for a in self.adviezen.values():
            current = result.get(a["melding_id"])
            if current is None or (_moment(a["geadviseerd_op"]), a["advies_id"]) > (
                _moment(current["geadviseerd_op"]),
                current["advies_id"],
            ):
                result[a["melding_id"]] = a
        return result

    def _eerste_toewijzing_per_melding(self) -> dict[str, dict]:
        result: dict[str, dict] = {}
        for t in self.toewijzingen.values():
            current = result.get(t["melding_id"])
            if current is None or (_moment(t["toegewezen_op"]), t["casus_id"]) < (
                _moment(current["toegewezen_op"]),
                current["casus_id"],
            ):
                result[t["melding_id"]] = t
        return result

    def _meldingen(self, out: _Uitvoer, advies: dict, toewijzing: dict) -> None:
        for mid, m in self.meldingen.items():
            dag = lokale_datum(m["ontvangen_op"])
            if mid in toewijzing:
                gi = toewijzing[mid]["gi"]
            elif mid in advies:
                gi = advies[mid]["gi"]
            else:
                gi = ONBEKEND
            triage = self.triages.get(mid)
            doelgroep = (triage or advies.get(mid) or {}).get("doelgroep") or ONBEKEND
            out.telling(
                "meldingen_ontvangen",
                dag,
                gi,
                m["gemeente"],
                urgentie=m["urgentie"],
                doelgroep=doelgroep,
                kader=m.get("kader") or "geen",
            )
            if m.get("herhaald_beroep"):
                out.telling("herhaalde_meldingen", dag, gi, m["gemeente"], urgentie=m["urgentie"])
            if self._consultatie_voor(m, dag):
                out.telling("meldingen_na_consultatie", dag, gi, m["gemeente"], urgentie=m["urgentie"])

    def _consultatie_voor(self, m: dict, dag: date) -> bool:
        """The family asked for C&A before the report, on or after the day 6 calendar months
        before the report's day."""
        sinds, ontvangen = add_months(dag, -CONSULTATIE_VOOR_MAANDEN), _moment(m["ontvangen_op"])
        return any(_moment(c["aangevraagd_op"]) < ontvangen and lokale_datum(c["aangevraagd_op"]) >= sinds
                   for c in self.consultaties.values())

    def _adviezen(self, out: _Uitvoer, advies: dict) -> None:
        for mid, a in advies.items():
            dag = lokale_datum(a["geadviseerd_op"])
            out.telling(
                "adviezen", dag, a["gi"], a["gemeente"], urgentie=a["urgentie"], doelgroep=a["doelgroep"]
            )
            if a["afwijking"]:
                out.telling(
                    "adviezen_afwijking", dag, a["gi"], a["gemeente"], voorgestelde_gi=a["voorgestelde_gi"]
                )
            m = self.meldingen.get(mid)
            if m is not None:
                out.verdeling(
                    "doorlooptijd_melding_advies",
                    dag,
                    a["gi"],
                    a["gemeente"],
                    (dag - lokale_datum(m["ontvangen_op"])).days,
                    urgentie=m["urgentie"],
                )

    def _kinderen(self, out: _Uitvoer) -> dict[tuple[str, str], date]:
        """Each child's path through its case: waiting list, in care, protector, transfer, closure.
        Returns the first protector day per (case, child)."""
        eerste_jb: dict[tuple[str, str], date] = {}
        for casus_id, stappen in self._stappen_per_casus().items():
            kinderen: dict[str, dict] = {}  # kind_id -> state while in this case
            for moment, _, soort, e in sorted(stappen, key=lambda s: (_moment(s[0]), s[1])):
                dag = lokale_datum(moment)
                for kind_id in (k["kind_id"] for k in e["kinderen"]):
                    k = kinderen.get(kind_id)
                    if soort == "toewijzing":
                        if k is None or not k["actief"]:
                            kinderen[kind_id] = _in_zorg(out, e, dag)
                    elif k is not None and k["actief"]:  # else not (or no longer) in this case
                        _STAPPEN[soort](self, out, e, dag, k, (casus_id, kind_id), eerste_jb)
        return eerste_jb

    def _stappen_per_casus(self) -> dict[str, list[tuple]]:
        """Per case its steps (moment, order within a moment, kind, event)."""
        per_casus: dict[str, list[tuple]] = defaultdict(list)
        for t in self.toewijzingen.values():
            per_casus[t["casus_id"]].append((t["toegewezen_op"], 0, "toewijzing", t))
        for o in self.overdrachten.values():
            per_casus[o["casus_id"]].append((o["overgedragen_op"], 1, "overdracht", o))
        for j in self.jeugdbeschermers.values():
            per_casus[j["casus_id"]].append((j["toegewezen_op"], 2, "jb", j))
        for s in self.sluitingen.values():
            per_casus[s["casus_id"]].append((s["gesloten_op"], 3, "sluiting", s))
        return per_casus

    def _kind_overgedragen(self, out: _Uitvoer, e: dict, dag: date, k: dict, sleutel, eerste_jb) -> None:
        """The child moves with its case to another GI: out there, in (and waiting) here."""
        out.stroom("kinderen_in_zorg", dag, k["gi"], k["gemeente"], "uit")
        if k["wacht_sinds"] is not None:
            out.stroom("wachtlijst", dag, k["gi"], k["gemeente"], "uit", k["wacht_sinds"].toordinal())
        k.update(gi=e["naar_gi"], gemeente=e["gemeente"], wacht_sinds=dag)
        out.stroom("kinderen_in_zorg", dag, k["gi"], k["gemeente"], "in")
        out.stroom("wachtlijst", dag, k["gi"], k["gemeente"], "in", dag.toordinal())

    def _kind_beschermd(self, out: _Uitvoer, e: dict, dag: date, k: dict, sleutel, eerste_jb) -> None:
        """The child's fixed protector: off the waiting list; the first one also ends the lead times."""
        if k["wacht_sinds"] is None:
            return  # a change of protector: no waiting involved
        out.stroom("wachtlijst", dag, k["gi"], k["gemeente"], "uit", k["wacht_sinds"].toordinal())
        out.verdeling("wachtdagen", dag, k["gi"], k["gemeente"], (dag - k["wacht_sinds"]).days)
        k["wacht_sinds"] = None
        if sleutel in eerste_jb:
            return
        eerste_jb[sleutel] = dag
        out.verdeling("doorlooptijd_toewijzing_jeugdbeschermer", dag, k["gi"], k["gemeente"],
                      (dag - k["toegewezen"]).days)
        m = self.meldingen.get(k["melding_id"])
        if m is not None:
            out.verdeling("doorlooptijd_keten", dag, k["gi"], k["gemeente"],
                          (dag - lokale_datum(m["ontvangen_op"])).days, urgentie=m["urgentie"])

    def _kind_uit_zorg(self, out: _Uitvoer, e: dict, dag: date, k: dict, sleutel, eerste_jb) -> None:
        """The case closes: the child leaves the waiting list and care, and its measure ends."""
        if k["wacht_sinds"] is not None:
            out.stroom("wachtlijst", dag, k["gi"], k["gemeente"], "uit", k["wacht_sinds"].toordinal())
        out.stroom("kinderen_in_zorg", dag, k["gi"], k["gemeente"], "uit")
        k["actief"] = False
        self._einde_maatregel(out, sleutel[1], dag, k, e["reden"])

    def _einde_maatregel(self, out: _Uitvoer, kind_id: str, dag: date, k: dict, reden: str) -> None:
        """The child's measure ends with its case: the latest measure for it that started by then."""
        lopend = [
            m
            for m in self.maatregelen.values()
            if als_datum(m["startdatum"]) <= dag and any(c["kind_id"] == kind_id for c in m["kinderen"])
        ]
        if not lopend:
            return
        m = max(lopend, key=lambda m: (m["startdatum"], m["maatregel_id"]))
        out.telling(
            "maatregelen_beeindigd", dag, k["gi"], k["gemeente"], maatregel=m["maatregel"], sluitreden=reden
        )
        out.verdeling(
            "duur_maatregel",
            dag,
            k["gi"],
            k["gemeente"],
            (dag - als_datum(m["startdatum"])).days,
            maatregel=m["maatregel"],
        )

    def _maatregelen(
        self, out: _Uitvoer, advies: dict, toewijzing: dict, eerste_jb: dict, norm_dagen: int
    ) -> None:
        """The measures started, their children's protector within the norm, the lead times from
        advice to measure and from the first measure to the case's assignment."""
        toewijzingen_per_melding: dict[str, list[dict]] = defaultdict(list)
        for t in self.toewijzingen.values():
            toewijzingen_per_melding[t["melding_id"]].append(t)
        eerste_maatregel: dict[str, dict] = {}
        jeugdhulp = self._jeugdhulp_per_kind()
        for m in self.maatregelen.values():
            self._maatregel_gestart(out, m, toewijzingen_per_melding[m["melding_id"]], eerste_jb,
                                    norm_dagen, jeugdhulp)
            a = advies.get(m["melding_id"])
            if a is not None:
                start = als_datum(m["startdatum"])
                out.verdeling("doorlooptijd_advies_maatregel", start, m["gi"], m["gemeente"],
                              (start - lokale_datum(a["geadviseerd_op"])).days, maatregel=m["maatregel"])
            current = eerste_maatregel.get(m["melding_id"])
            if current is None or (m["startdatum"], m["maatregel_id"]) < (current["startdatum"],
                                                                           current["maatregel_id"]):
                eerste_maatregel[m["melding_id"]] = m
        for mid, t in toewijzing.items():
            dag = lokale_datum(t["toegewezen_op"])
            out.telling("casussen_toegewezen", dag, t["gi"], t["gemeente"], maatregel=t["maatregel"])
            m = eerste_maatregel.get(mid)
            if m is not None:
                out.verdeling("doorlooptijd_maatregel_toewijzing", dag, t["gi"], t["gemeente"],
                              (dag - als_datum(m["startdatum"])).days, maatregel=m["maatregel"])

    def _jeugdhulp_per_kind(self) -> dict[str, list[date]]:
        per_kind: dict[str, list[date]] = defaultdict(list)
        for j in self.jeugdhulp.values():
            per_kind[j["kind_id"]].append(als_datum(j["startdatum"]))
        return per_kind

    @staticmethod
    def _maatregel_gestart(out: _Uitvoer, m: dict, toewijzingen: list[dict], eerste_jb: dict,
                           norm_dagen: int, jeugdhulp: dict[str, list[date]]) -> None:
        """Per child of a measure: the measure started, its protector within the norm, and its
        youth care within 3 calendar months of the start."""
        start = als_datum(m["startdatum"])
        uiterlijk = add_months(start, JEUGDHULP_BINNEN_MAANDEN)
        for kind in m["kinderen"]:
            kind_id = kind["kind_id"]
            out.telling("maatregelen_gestart", start, m["gi"], m["gemeente"], maatregel=m["maatregel"],
                        route=m["route"])
            jb = [eerste_jb[(t["casus_id"], kind_id)] for t in toewijzingen
                  if (t["casus_id"], kind_id) in eerste_jb]
            if jb and max(0, (min(jb) - start).days) <= norm_dagen:
                out.telling("kinderen_jb_binnen_norm", start, m["gi"], m["gemeente"],
                            maatregel=m["maatregel"])
            if any(start <= d <= uiterlijk for d in jeugdhulp.get(kind_id, ())):
                out.telling("kinderen_jeugdhulp_binnen_3_maanden", start, m["gi"], m["gemeente"],
                            maatregel=m["maatregel"])

    def _overdrachten(self, out: _Uitvoer) -> None:
        for a in self.aanvragen.values():
            out.telling(
                "overdrachten_aangevraagd",
                lokale_datum(a["aangevraagd_op"]),
                a["van_gi"],
                a["gemeente"],
                naar_gi=a["naar_gi"],
                reden=_categorie(a),
            )
        for oid, r in self.afwijzingen.items():
            aanvraag = self.aanvragen.get(oid)
            out.telling(
                "overdrachten_afgewezen",
                lokale_datum(r["afgewezen_op"]),
                aanvraag["van_gi"] if aanvraag else ONBEKEND,
                r["gemeente"],
            )
        for o in self.overdrachten.values():
            out.telling(
                "overdrachten_uitgevoerd",
                lokale_datum(o["overgedragen_op"]),
                o["van_gi"],
                o["gemeente"],
                naar_gi=o["naar_gi"],
                reden=_categorie(o),
            )

    def _drang(self, out: _Uitvoer) -> None:
        for (casus_id, termijn), d in self.drang.items():
            kpi = "drang_over_3_maanden" if termijn.startswith("3") else "drang_over_6_maanden"
            dag = lokale_datum(d["gesignaleerd_op"])
            out.stroom(kpi, dag, d["gi"], d["gemeente"], "in")
            sluiting = [
                s["gesloten_op"]
                for (c, _), s in self.sluitingen.items()
                if c == casus_id and _moment(s["gesloten_op"]) >= _moment(d["gesignaleerd_op"])
            ]
            if sluiting:
                out.stroom(kpi, lokale_datum(min(sluiting, key=_moment)), d["gi"], d["gemeente"], "uit")

    def _escalaties(self, out: _Uitvoer) -> None:
        for eid in self.escalaties.keys() | self.escalaties_voorbij.keys():
            raised, cleared = self.escalaties.get(eid), self.escalaties_voorbij.get(eid)
            niveau = max((raised or {}).get("niveau", 0), (cleared or {}).get("hoogste_niveau", 0))
            gestart = (raised or cleared)["gestart_op"]
            begin = lokale_datum(gestart)
            out.telling("escalaties", begin, REGIO, REGIO, niveau=niveau)
            out.stroom("escalaties_open", begin, REGIO, REGIO, "in")
            if cleared is not None:
                einde = lokale_datum(cleared["beeindigd_op"])
                out.stroom("escalaties_open", einde, REGIO, REGIO, "uit")
                uren = int((_moment(cleared["beeindigd_op"]) - _moment(gestart)).total_seconds() // 3600)
                out.verdeling("escalatieduur", einde, REGIO, REGIO, uren)
        for b in self.bevestigingen.values():
            minuten = (_moment(b["bevestigd_op"]) - _moment(b["niveau_sinds"])).total_seconds() // 60
            out.verdeling("tijd_tot_bevestiging", lokale_datum(b["bevestigd_op"]), REGIO, REGIO, int(minuten),
                          partij=b["partij"], niveau=b["niveau"])

    def _plaatsingen(self, out: _Uitvoer) -> None:
        """Placements started (from their start's record: the GI that placed), ended (their
        duration, at the GI that ended them) and each child's days placed (a stock)."""
        per_kind: dict[str, list[tuple]] = defaultdict(list)
        for pid in self.plaatsingen.keys() | self.plaatsing_einden.keys():
            p, einde = self.plaatsingen.get(pid) or self.plaatsing_einden[pid], self.plaatsing_einden.get(pid)
            start = als_datum(p["startdatum"])
            out.telling("uithuisplaatsingen_gestart", start, p["gi"], p["gemeente"], vorm=p["vorm"])
            if p["in_netwerk"]:
                out.telling("uithuisplaatsingen_netwerk", start, p["gi"], p["gemeente"], vorm=p["vorm"])
            if p["vorm"] in VORMEN_24UURS:
                out.telling("uithuisplaatsingen_24uurs", start, p["gi"], p["gemeente"], vorm=p["vorm"])
            eind = als_datum(einde["einddatum"]) if einde else None
            if einde is not None:
                out.verdeling("duur_uithuisplaatsing", eind, einde["gi"], einde["gemeente"],
                              (eind - als_datum(einde["startdatum"])).days, vorm=einde["vorm"])
            per_kind[p["kind_id"]].append((start, eind, pid, p["gi"], p["gemeente"]))
        for plaatsingen in per_kind.values():
            _uithuis(out, plaatsingen)

    def _consultaties(self, out: _Uitvoer) -> None:
        for c in self.consultaties.values():
            out.telling("consultaties", lokale_datum(c["aangevraagd_op"]), c["gi"], c["gemeente"],
                        categorie=c["categorie"])
        for u in self.consultatie_uren.values():
            out.hoeveelheid("consultatie_uren", als_datum(u["datum"]), u["gi"], u["gemeente"],
                            round(float(u["uren"]) * UREN_SCHAAL), categorie=u["categorie"])


def _uithuis(out: _Uitvoer, plaatsingen: list[tuple]) -> None:
    """A child's days out of home (stock kinderen_uithuisgeplaatst): placed on day d when one of
    its placements runs (startdatum <= d < einddatum), at the GI and municipality of the placement
    that started last of those running; in and out whenever that changes."""
    huidig = None
    for dag in sorted({p[0] for p in plaatsingen} | {p[1] for p in plaatsingen if p[1] is not None}):
        lopend = [p for p in plaatsingen if p[0] <= dag and (p[1] is None or p[1] > dag)]
        nieuw = max(lopend, key=lambda p: (p[0], p[2]))[3:] if lopend else None
        if nieuw != huidig:
            if huidig is not None:
                out.stroom("kinderen_uithuisgeplaatst", dag, *huidig, "uit")
            if nieuw is not None:
                out.stroom("kinderen_uithuisgeplaatst", dag, *nieuw, "in")
            huidig = nieuw


_VOEG_TOE = {
    MELDING: Dossier._melding,
    TRIAGE: Dossier._triage,
    ADVIES: Dossier._advies,
    MAATREGEL: Dossier._maatregel,
    TOEWIJZING: Dossier._toewijzing,
    JEUGDBESCHERMER: Dossier._jeugdbeschermer,
    OVERDRACHT_AANGEVRAAGD: Dossier._aanvraag,
    OVERDRACHT_AFGEWEZEN: Dossier._afwijzing,
    OVERGEDRAGEN: Dossier._overdracht,
    GESLOTEN: Dossier._sluiting,
    DRANG: Dossier._drang_signaal,
    ESCALATIE: Dossier._escalatie,
    ESCALATIE_VOORBIJ: Dossier._escalatie_voorbij,
    ESCALATIE_BEVESTIGD: Dossier._bevestiging,
    UITHUISPLAATSING: Dossier._plaatsing,
    UITHUISPLAATSING_EINDE: Dossier._plaatsing_einde,
    JEUGDHULP: Dossier._jeugdhulp,
    CONSULTATIE: Dossier._consultatie,
    CONSULTATIE_UREN: Dossier._consultatie_uren,
}


def dossier(events: Iterable[tuple[str, dict]]) -> Dossier:
    result = Dossier()
    for event_type, data in events:
        result.voeg_toe(event_type, data)
    return result


def bijdragen(events: Iterable[tuple[str, dict]], norm_dagen: int) -> list[Bijdrage]:
    """All contributions of one dossier, from its (minimised) events in any order."""
    return dossier(events).bijdragen(norm_dagen)


# ---- sums of many dossiers, at their lowest period level ----------------------------------------

# Where a contribution is kept: totals and flows from the day up, breakdowns from the month,
# distributions (histograms) from the quarter (index into periodes_van(dag, True)).
DAG_NIVEAU, MAAND_NIVEAU, KWARTAAL_NIVEAU = 0, 1, 2
# A sum packs aantal and som into one int (som * 2**32 + aantal), so millions of sums hold no
# objects for the garbage collector and half the memory; aantal stays within 0 .. 2**32 - 1.
_BITS = 32
_MASK = (1 << _BITS) - 1


def laagste_niveau(dimensie: str) -> int:
    if dimensie in ("", STROOM):
        return DAG_NIVEAU
    return KWARTAAL_NIVEAU if dimensie.startswith(HIST) else MAAND_NIVEAU


class Optelling(_Uitvoer):
    """Contributions of many dossiers summed per cell of its lowest period level (see
    laagste_niveau): (kpi, periode, gi, gemeente, dimensie, waarde) -> packed (aantal, som).
    Summing them up into the higher levels gives the projection (the rebuild does that in the
    database). The same cells as `_Uitvoer`, written out per kind for speed."""

    def __init__(self):
        super().__init__()
        self.sommen: dict[tuple[str, str, str, str, str, str], int] = {}

    def voeg(self, kpi, datum, gi, gemeente, dimensie, waarde, som) -> None:
        key = (kpi, periodes_van(datum, True)[laagste_niveau(dimensie)][1], gi, gemeente, dimensie, waarde)
        self.sommen[key] = self.sommen.get(key, 0) + 1 + (som << _BITS)

    def telling(self, kpi, datum, gi, gemeente, **dims) -> None:
        sommen, niveaus = self.sommen, periodes_van(datum, True)
        key = (kpi, niveaus[DAG_NIVEAU][1], gi, gemeente, "", "")
        sommen[key] = sommen.get(key, 0) + 1
        maand = niveaus[MAAND_NIVEAU][1]
        for dim, val in dims.items():
            key = (kpi, maand, gi, gemeente, dim, str(val))
            sommen[key] = sommen.get(key, 0) + 1

    def verdeling(self, kpi, datum, gi, gemeente, waarde: int, **dims) -> None:
        sommen, niveaus, packed = self.sommen, periodes_van(datum, True), 1 + (waarde << _BITS)
        key = (kpi, niveaus[DAG_NIVEAU][1], gi, gemeente, "", "")
        sommen[key] = sommen.get(key, 0) + packed
        maand, kwartaal = niveaus[MAAND_NIVEAU][1], niveaus[KWARTAAL_NIVEAU][1]
        key = (kpi, kwartaal, gi, gemeente, HIST, str(waarde))
        sommen[key] = sommen.get(key, 0) + 1
        for dim, val in dims.items():
            key = (kpi, maand, gi, gemeente, dim, str(val))
            sommen[key] = sommen.get(key, 0) + packed
            key = (kpi, kwartaal, gi, gemeente, f"{HIST}:{dim}", f"{val}:{waarde}")
            sommen[key] = sommen.get(key, 0) + 1

    def stroom(self, kpi, datum, gi, gemeente, richting: str, som: int = 0) -> None:
        key = (kpi, periodes_van(datum, True)[DAG_NIVEAU][1], gi, gemeente, STROOM, richting)
        self.sommen[key] = self.sommen.get(key, 0) + 1 + (som << _BITS)

    def tel(self, dossier: Dossier, norm_dagen: int) -> None:
        dossier.lever(self, norm_dagen)

    def rijen(self) -> Iterable[tuple[str, str, str, str, str, str, int, int]]:
        """(kpi, periode, gi, gemeente, dimensie, waarde, aantal, som) per summed cell."""
        for key, v in self.sommen.items():
            yield (*key, v & _MASK, v >> _BITS)

    def leeg(self) -> None:
        self.sommen = {}


def cellen(
    items: Iterable[Bijdrage], totaal: dict[CelSleutel, list[int]] | None = None
) -> dict[CelSleutel, list[int]]:
    """Contributions summed per projected cell (every period containing the day)."""
    per_dag: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for b in items:
        acc = per_dag[b[:6]]
        acc[0] += b.aantal
        acc[1] += b.som
    return uitspreiden(per_dag, totaal)


def dossiers_cellen(
    dossiers: Iterable[Iterable[tuple[str, dict]]], norm_dagen: int
) -> dict[CelSleutel, list[int]]:
    """The cells of several dossiers (each its events) together."""
    totaal: dict[CelSleutel, list[int]] = {}
    for events in dossiers:
        cellen(bijdragen(events, norm_dagen), totaal)
    return totaal


def uitspreiden(
    per_dag: dict[tuple, list[int]], totaal: dict[CelSleutel, list[int]] | None = None
) -> dict[CelSleutel, list[int]]:
    """Day-level sums (kpi, datum, gi, gemeente, dimensie, waarde) spread over all period levels."""
    result: dict[CelSleutel, list[int]] = totaal if totaal is not None else {}
    for (kpi, dag, gi, gemeente, dimensie, waarde), (aantal, som) in per_dag.items():
        for ptype, code in periodes_van(dag, True)[laagste_niveau(dimensie):]:
            key = (kpi, ptype, code, gi, gemeente, dimensie, waarde)
            acc = result.get(key)
            if acc is None:
                result[key] = [aantal, som]
            else:
                acc[0] += aantal
                acc[1] += som
    return result


def verschil(
    oud: dict[CelSleutel, list[int]], nieuw: dict[CelSleutel, list[int]]
) -> dict[CelSleutel, tuple[int, int]]:
    """What to add to the projection to go from `oud` to `nieuw` (zero changes left out)."""
    delta = {}
    for key in oud.keys() | nieuw.keys():
        a0, s0 = oud.get(key, (0, 0))
        a1, s1 = nieuw.get(key, (0, 0))
        if a1 != a0 or s1 != s0:
            delta[key] = (a1 - a0, s1 - s0)
    return delta


__all__ = [
    "HIST",
    "MET_DAG",
    "ONBEKEND",
    "REGIO",
    "STROOM",
    "ZONDER_DAG",
    "Bijdrage",
    "Dossier",
    "Optelling",
    "bijdragen",
    "cellen",
    "dossier",
    "dossiers_cellen",
    "laagste_niveau",
    "uitspreiden",
    "verschil",
]


def _in_zorg(out: _Uitvoer, e: dict, dag: date) -> dict:
    """A child assigned with its case: in care and waiting for a protector from this day."""
    k = {"actief": True, "gi": e["gi"], "gemeente": e["gemeente"], "wacht_sinds": dag, "toegewezen": dag,
         "melding_id": e["melding_id"]}
    out.stroom("wachtlijst", dag, k["gi"], k["gemeente"], "in", dag.toordinal())
    out.stroom("kinderen_in_zorg", dag, k["gi"], k["gemeente"], "in")
    return k


# A step of a child's path in its case, after its assignment: kind -> what it changes.
_STAPPEN = {"overdracht": Dossier._kind_overgedragen, "jb": Dossier._kind_beschermd,
            "sluiting": Dossier._kind_uit_zorg}
