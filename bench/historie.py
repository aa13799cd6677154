"""A synthetic event history of the chain: reports with their follow-up events, as the services
publish them (contract-shaped JSON data), for the KPI tests and the rebuild benchmark.

Families report again (re-reports, siblings joining the open case), measures of every kind,
protectors after a wait, transfers requested, rejected and carried out, drang limits, closures
and regional escalations; the children's out-of-home placements (some moving on to a next one,
some registered again as a correction) and youth care of the cases' children; local teams' C&A
requests (for the family before its report, some without a family) with the hours spent on them.
Deterministic for a seed. Events come per report, not in time order. The placements, youth care and
C&A come from a random stream of their own, and so do the parties' acknowledgements of each
escalation level, so the rest of a seed's history is what it was before.
"""

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from contracts.vocabulary import (
    GEMEENTEN,
    ConsultatieCategorie,
    Jeugdhulpvorm,
    OverdrachtReden,
    Plaatsingsvorm,
    Sluitreden,
)

GIS = ("JBRR", "WSS", "LJR")
# Rough share of reports per municipality (Rotterdam is most of the region).
GEWICHT = {
    "GM0599": 46,
    "GM0613": 2,
    "GM0489": 4,
    "GM0502": 5,
    "GM0542": 2,
    "GM1621": 4,
    "GM0556": 2,
    "GM1930": 6,
    "GM0597": 3,
    "GM0606": 6,
    "GM0622": 5,
    "GM1992": 5,
    "GM1924": 3,
}
DOELGROEPEN = (
    ("lvb", "lvb", ("WSS",)),
    ("jeugdreclassering", "jeugdreclassering", ("JBRR", "LJR")),
    ("complexe_scheiding", "complexe_scheiding", ("JBRR",)),
    ("grijs_gebied", None, GIS),
)
# A transfer's free-text reason and the category the requesting GI chose with it.
REDENEN = (
    ("Gezin verhuist naar Rotterdam-Zuid", OverdrachtReden.VERHUIZING),
    ("Expertise LVB nodig", OverdrachtReden.EXPERTISE),
    ("Wachtlijst bij de GI te lang", OverdrachtReden.CAPACITEIT),
    ("Vertrouwensbreuk met het gezin", OverdrachtReden.RELATIE),
    ("Anders", OverdrachtReden.OVERIG),
)
MAATREGELEN = (
    ("OTS", "rechtbank"),
    ("OTS", "rechtbank"),
    ("OTS", "rechtbank"),
    ("JR", "rechtbank"),
    ("voogdij", "rechtbank"),
    ("drang", "jb_plein"),
    ("drang", "jb_plein"),
)


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class _Gen:
    def __init__(self, rng: random.Random, begin: datetime, eind: datetime,
                 extra: random.Random | None = None, bevestiging: random.Random | None = None):
        self.rng = rng
        self.x = extra or random.Random(0)  # placements, youth care and C&A: a stream of their own
        self.b = bevestiging or random.Random(0)  # escalations' acknowledgements: one of their own
        self.begin, self.eind = begin, eind
        self.gezinnen: list[dict] = []  # families seen: id, gemeente, kinderen, open casus, closed at
        self.gemeenten = list(GEWICHT)
        self.gewichten = [GEWICHT[g] for g in self.gemeenten]

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def xuuid(self) -> str:
        return str(uuid.UUID(int=self.x.getrandbits(128), version=4))

    def melding(self) -> list[tuple[str, dict]]:
        rng = self.rng
        span = (self.eind - self.begin).total_seconds()
        ontvangen = self.begin + timedelta(seconds=rng.random() * span * 0.98)
        herhaald = False
        gezin = None
        if self.gezinnen and rng.random() < 0.12:
            gezin = rng.choice(self.gezinnen[-2000:])
            gesloten = gezin.get("gesloten_op")
            herhaald = bool(
                gesloten and gesloten < ontvangen and (ontvangen - gesloten) < timedelta(days=365)
            )
        if gezin is None:
            gezin = {
                "id": self.uuid(),
                "gemeente": rng.choices(self.gemeenten, self.gewichten)[0],
                "kinderen": [self.uuid() for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))],
            }
            self.gezinnen.append(gezin)
        kinderen = [
            {"kind_id": k, "leeftijd": rng.randint(0, 17)}
            for k in (gezin["kinderen"] if rng.random() < 0.7 else [self.uuid()])
        ]
        melding_id = self.uuid()
        gemeente = gezin["gemeente"]
        urgentie = "spoed" if rng.random() < 0.2 else "regulier"
        base = {"melding_id": melding_id, "gezin_id": gezin["id"], "gemeente": gemeente}
        out: list[tuple[str, dict, datetime]] = []

        def emit(event_type: str, data: dict, moment: datetime) -> None:
            if moment <= self.eind:
                out.append((event_type, data, moment))

        emit(
            "nl.jbketen.melding.received.v1",
            {
                **base,
                "urgentie": urgentie,
                "kader": rng.choice(("civiel", "straf", "drang", None)),
                "kinderen": kinderen,
                "zorgen": ["veiligheid"],
                "kenmerken": [],
                "herhaald_beroep": herhaald,
                "ontvangen_op": _ts(ontvangen),
            },
            ontvangen,
        )
        self._consultaties(emit, gezin, ontvangen)
        if rng.random() > 0.95:
            return self._klaar(out)
        doelgroep, expertise, geschikt = rng.choice(DOELGROEPEN)
        getrieerd = ontvangen + timedelta(minutes=rng.randint(1, 600))
        emit(
            "nl.jbketen.triage.completed.v1",
            {
                **base,
                "doelgroep": doelgroep,
                "expertise": expertise,
                "geschikte_gis": list(geschikt),
                "regelset_versie": "2026.1",
                "regel": doelgroep,
                "toelichting": "Synthetisch.",
                "besloten_op": _ts(getrieerd),
            },
            getrieerd,
        )
        if rng.random() > 0.9:
            return self._klaar(out)
        voorgesteld = rng.choice(geschikt)
        afwijking = rng.random() < 0.08
        gi = rng.choice([g for g in GIS if g != voorgesteld]) if afwijking else voorgesteld
        geadviseerd = getrieerd + timedelta(
            days=rng.choice((0, 0, 1, 2, 3, 5, 8, 13, 21)), hours=rng.randint(0, 8)
        )
        advies_id = self.uuid()
        emit(
            "nl.jbketen.advies.issued.v1",
            {
                "advies_id": advies_id,
                **base,
                "urgentie": urgentie,
                "doelgroep": doelgroep,
                "gi": gi,
                "reden": "Synthetisch advies.",
                "voorgestelde_gi": voorgesteld,
                "afwijking": afwijking,
                "afwijking_reden": "Synthetisch." if afwijking else None,
                "bevestigd_door": "rvdk",
                "kinderen": kinderen,
                "geadviseerd_op": _ts(geadviseerd),
            },
            geadviseerd,
        )
        if rng.random() > 0.85:
            return self._klaar(out)
        maatregel, route = rng.choice(MAATREGELEN)
        start = (geadviseerd + timedelta(days=rng.randint(0, 40))).date()
        opgelegd = datetime(start.year, start.month, start.day, 10, tzinfo=UTC)
        raadsonderzoek = route == "rechtbank" or rng.random() < 0.5
        emit(
            "nl.jbketen.maatregel.imposed.v1",
            {
                "maatregel_id": self.uuid(),
                **base,
                "advies_id": advies_id,
                "doelgroep": doelgroep,
                "maatregel": maatregel,
                "route": route,
                "raadsonderzoek": raadsonderzoek,
                "startdatum": start.isoformat(),
                "gi": gi,
                "kinderen": kinderen,
                "opgelegd_op": _ts(opgelegd),
            },
            opgelegd,
        )
        if rng.random() > 0.95:
            return self._klaar(out)
        toegewezen = opgelegd + timedelta(days=rng.choice((0, 0, 1, 2, 4, 9)), hours=rng.randint(0, 6))
        casus = gezin.get("casus")
        nieuw = not (casus and casus["open"] and casus["gi"] == gi and casus["sinds"] < toegewezen)
        if nieuw:
            casus = gezin["casus"] = {"id": self.uuid(), "gi": gi, "open": True, "sinds": toegewezen}
        emit(
            "nl.jbketen.casus.assigned.v1",
            {
                "casus_id": casus["id"],
                **base,
                "gi": gi,
                "doelgroep": doelgroep,
                "maatregel": maatregel,
                "nieuwe_casus": nieuw,
                "kinderen": kinderen,
                "toegewezen_op": _ts(toegewezen),
            },
            toegewezen,
        )
        nu = toegewezen
        huidige_gi = gi
        heeft_jb = False
        if rng.random() < 0.9:
            wacht = timedelta(days=int(rng.expovariate(1 / 9)), hours=rng.randint(1, 9))
            nu = nu + wacht
            heeft_jb = True
            emit(
                "nl.jbketen.jeugdbeschermer.assigned.v1",
                {
                    "casus_id": casus["id"],
                    "gemeente": gemeente,
                    "gi": huidige_gi,
                    "jeugdbeschermer_id": f"JB-{rng.randint(1, 999):03d}",
                    "kinderen": [{"kind_id": k["kind_id"], "wachtdagen": wacht.days} for k in kinderen],
                    "toegewezen_op": _ts(nu),
                },
                nu,
            )
        if maatregel == "drang":
            if not raadsonderzoek:
                moment = opgelegd + timedelta(days=92)
                emit(
                    "nl.jbketen.drang.overdue.v1",
                    {
                        "casus_id": casus["id"],
                        "gemeente": gemeente,
                        "gi": huidige_gi,
                        "termijn": "3_maanden_zonder_raadsonderzoek",
                        "startdatum": start.isoformat(),
                        "gesignaleerd_op": _ts(moment),
                    },
                    moment,
                )
            if rng.random() < 0.3:
                moment = opgelegd + timedelta(days=183)
                emit(
                    "nl.jbketen.drang.overdue.v1",
                    {
                        "casus_id": casus["id"],
                        "gemeente": gemeente,
                        "gi": huidige_gi,
                        "termijn": "6_maanden",
                        "startdatum": start.isoformat(),
                        "gesignaleerd_op": _ts(moment),
                    },
                    moment,
                )
        if rng.random() < 0.04:
            overdracht_id = self.uuid()
            naar = rng.choice([g for g in GIS if g != huidige_gi])
            reden, categorie = rng.choice(REDENEN)
            gevraagd = nu + timedelta(days=rng.randint(5, 60))
            emit(
                "nl.jbketen.overdracht.requested.v1",
                {
                    "overdracht_id": overdracht_id,
                    "casus_id": casus["id"],
                    "gemeente": gemeente,
                    "van_gi": huidige_gi,
                    "naar_gi": naar,
                    "reden": reden,
                    "categorie": categorie.value,
                    "aangevraagd_op": _ts(gevraagd),
                },
                gevraagd,
            )
            besluit = gevraagd + timedelta(days=rng.randint(1, 10))
            emit(
                "nl.jbketen.overdracht.approved.v1",
                {
                    "overdracht_id": overdracht_id,
                    "casus_id": casus["id"],
                    "gemeente": gemeente,
                    "gi": huidige_gi,
                    "manager": "Manager A",
                    "goedgekeurd_op": _ts(besluit),
                },
                besluit,
            )
            if rng.random() < 0.35:
                emit(
                    "nl.jbketen.overdracht.rejected.v1",
                    {
                        "overdracht_id": overdracht_id,
                        "casus_id": casus["id"],
                        "gemeente": gemeente,
                        "gi": naar,
                        "manager": "Manager B",
                        "reden": "Geen ruimte",
                        "afgewezen_op": _ts(besluit),
                    },
                    besluit,
                )
            else:
                emit(
                    "nl.jbketen.overdracht.approved.v1",
                    {
                        "overdracht_id": overdracht_id,
                        "casus_id": casus["id"],
                        "gemeente": gemeente,
                        "gi": naar,
                        "manager": "Manager B",
                        "goedgekeurd_op": _ts(besluit + timedelta(minutes=5)),
                    },
                    besluit,
                )
                nu = besluit + timedelta(minutes=10)
                emit(
                    "nl.jbketen.casus.transferred.v1",
                    {
                        "casus_id": casus["id"],
                        "overdracht_id": overdracht_id,
                        "gemeente": gemeente,
                        "van_gi": huidige_gi,
                        "naar_gi": naar,
                        "reden": reden,
                        "categorie": categorie.value,
                        "kinderen": kinderen,
                        "overgedragen_op": _ts(nu),
                    },
                    nu,
                )
                huidige_gi = casus["gi"] = naar
                if rng.random() < 0.8:
                    nu = nu + timedelta(days=rng.randint(0, 20), hours=2)
                    emit(
                        "nl.jbketen.jeugdbeschermer.assigned.v1",
                        {
                            "casus_id": casus["id"],
                            "gemeente": gemeente,
                            "gi": huidige_gi,
                            "jeugdbeschermer_id": "JB-900",
                            "kinderen": [{"kind_id": k["kind_id"], "wachtdagen": 1} for k in kinderen],
                            "toegewezen_op": _ts(nu),
                        },
                        nu,
                    )
        self._jeugdhulp_en_plaatsingen(emit, casus["id"], base, gi, huidige_gi, start, kinderen)
        if nieuw and rng.random() < 0.65 and heeft_jb:
            gesloten = nu + timedelta(days=rng.randint(30, 540))
            if gesloten <= self.eind:
                casus["open"] = False
                gezin["gesloten_op"] = gesloten
            emit(
                "nl.jbketen.casus.closed.v1",
                {
                    "casus_id": casus["id"],
                    "gezin_id": gezin["id"],
                    "gemeente": gemeente,
                    "gi": huidige_gi,
                    "reden": rng.choice([s.value for s in Sluitreden]),
                    "kinderen": kinderen,
                    "gesloten_op": _ts(gesloten),
                },
                gesloten,
            )
        return self._klaar(out)

    def _consultaties(self, emit, gezin: dict, ontvangen: datetime) -> None:
        """C&A asked by the local team: for this family before its report (some longer than 6
        months before), and now and then one without a family; with the hours spent on each."""
        x = self.x
        if x.random() < 0.3:
            moment = ontvangen - timedelta(days=x.randint(0, 300), hours=x.randint(0, 12),
                                           minutes=x.randint(1, 59))
            self._consultatie(emit, gezin["gemeente"], gezin["id"] if x.random() < 0.85 else None, moment)
        if x.random() < 0.08:
            moment = self.begin + timedelta(seconds=x.random() * (self.eind - self.begin).total_seconds())
            self._consultatie(emit, x.choices(self.gemeenten, self.gewichten)[0], None, moment)

    def _consultatie(self, emit, gemeente: str, gezin_id: str | None, moment: datetime) -> None:
        x = self.x
        cid, categorie = self.xuuid(), x.choice(list(ConsultatieCategorie)).value
        gi, expertise = x.choice(GIS), categorie if x.random() < 0.6 else None
        emit("nl.jbketen.consultatie.requested.v1",
             {"consultatie_id": cid, "gemeente": gemeente, "categorie": categorie, "gezin_id": gezin_id,
              "gi": gi, "expertise": expertise, "reden": "Synthetisch: volgens de factsheet.",
              "aangevraagd_op": _ts(moment)},
             moment)
        for _ in range(x.choice((0, 1, 1, 2, 3))):
            dag = (moment + timedelta(days=x.randint(0, 25))).date()
            geregistreerd = datetime(dag.year, dag.month, dag.day, 16, tzinfo=UTC)
            geregistreerd += timedelta(days=x.randint(0, 3))
            emit("nl.jbketen.consultatie.uren-recorded.v1",
                 {"consultatie_id": cid, "registratie_id": self.xuuid(), "gemeente": gemeente,
                  "categorie": categorie,
                  "gi": gi, "uren": x.choice((0.25, 0.5, 1.0, 1.5, 2.0, 3.75)), "datum": dag.isoformat(),
                  "geregistreerd_op": _ts(geregistreerd)}, geregistreerd)

    def _jeugdhulp_en_plaatsingen(self, emit, casus_id: str, base: dict, gi: str, laatste_gi: str,
                                  start: date, kinderen: list[dict]) -> None:
        """Per child of the case: youth care (mostly within 3 months of the measure's start, some
        later, some before it) and now and then an out-of-home placement, some moving on to a next."""
        x = self.x
        for kind in kinderen:
            if x.random() < 0.7:
                begin = start + timedelta(days=x.choice((-10, 0, 5, 20, 45, 80, 91, 92, 130, 200)))
                self._casus_event(emit, "nl.jbketen.jeugdhulp.started.v1", begin, {
                    "jeugdhulp_id": self.xuuid(), "casus_id": casus_id, "gezin_id": base["gezin_id"],
                    "gemeente": base["gemeente"], "gi": gi, "kind_id": kind["kind_id"],
                    "vorm": x.choice(list(Jeugdhulpvorm)).value, "startdatum": begin.isoformat()})
            if x.random() < 0.18:
                begin = start + timedelta(days=x.randint(0, 120))
                self._plaatsingen(emit, casus_id, base, gi, laatste_gi, begin, kind["kind_id"])

    def _plaatsingen(self, emit, casus_id, base, gi, laatste_gi, begin: date, kind_id: str) -> None:
        x = self.x
        for _ in range(x.choice((1, 1, 1, 2, 3))):
            vorm = x.choice(list(Plaatsingsvorm)).value
            plaatsing = {"plaatsing_id": self.xuuid(), "casus_id": casus_id, "gemeente": base["gemeente"],
                         "kind_id": kind_id, "vorm": vorm,
                         "in_netwerk": vorm == Plaatsingsvorm.NETWERKPLEEGZORG or x.random() < 0.05,
                         "startdatum": begin.isoformat()}
            start = {**plaatsing, "gezin_id": base["gezin_id"], "gi": gi}
            self._casus_event(emit, "nl.jbketen.uithuisplaatsing.started.v1", begin, start)
            if x.random() < 0.05:  # registered again, corrected
                self._casus_event(emit, "nl.jbketen.uithuisplaatsing.started.v1", begin + timedelta(days=4),
                                  {**start, "vorm": Plaatsingsvorm.GEZINSHUIS.value, "in_netwerk": False})
            if x.random() < 0.35:
                return  # still placed
            einde = begin + timedelta(days=int(x.expovariate(1 / 120)))
            self._casus_event(emit, "nl.jbketen.uithuisplaatsing.ended.v1", einde,
                              {**plaatsing, "gi": laatste_gi, "einddatum": einde.isoformat()})
            begin = einde + timedelta(days=x.choice((0, 0, 3, 30)))

    def _casus_event(self, emit, event_type: str, dag: date, data: dict) -> None:
        """A GI system's record of the day `dag`, registered that day or a few days later."""
        moment = datetime(dag.year, dag.month, dag.day, 10, tzinfo=UTC) + timedelta(days=self.x.randint(0, 3))
        emit(event_type, {**data, "geregistreerd_op": _ts(moment)}, moment)

    def escalatie(self) -> list[tuple[str, dict]]:
        rng = self.rng
        gestart = self.begin + timedelta(seconds=rng.random() * (self.eind - self.begin).total_seconds())
        eid = self.uuid()
        cijfers = {
            "vrije_plaatsen_regio": rng.randint(-5, 3),
            "gis_op_of_over_norm": ["WSS"],
            "wachtend": rng.randint(5, 40),
            "langste_wachtdagen": rng.randint(10, 60),
        }
        out = []
        moment = gestart
        niveaus = []  # (level, since)
        for niveau in range(1, rng.choice((1, 1, 2, 3)) + 1):
            niveaus.append((niveau, moment))
            out.append(
                (
                    "nl.jbketen.escalatie.raised.v1",
                    {
                        "escalatie_id": eid,
                        "niveau": niveau,
                        "redenen": ["wachtlijst boven drempel"],
                        "cijfers": cijfers,
                        "gestart_op": _ts(gestart),
                        "tijdstip": _ts(moment),
                    },
                    moment,
                )
            )
            moment += timedelta(hours=rng.randint(1, 30))
        einde = moment + timedelta(hours=rng.randint(1, 200))
        if rng.random() < 0.85:
            out.append(
                (
                    "nl.jbketen.escalatie.cleared.v1",
                    {
                        "escalatie_id": eid,
                        "hoogste_niveau": niveau,
                        "cijfers": cijfers,
                        "gestart_op": _ts(gestart),
                        "beeindigd_op": _ts(einde),
                    },
                    einde,
                )
            )
        tot = [m for _, m in niveaus[1:]] + [einde if out[-1][0].endswith("cleared.v1") else self.eind]
        for (niveau, sinds), uiterlijk in zip(niveaus, tot, strict=True):
            self._bevestigingen(out, eid, gestart, niveau, sinds, uiterlijk)
        return self._klaar(out)

    def _bevestigingen(self, out: list, eid: str, gestart: datetime, niveau: int, sinds: datetime,
                       uiterlijk: datetime) -> None:
        """The parties told at this level (the RvdK and the GIs; from level 2 also the region)
        acknowledging it, most within hours, some not before the level ends (then not at all)."""
        b = self.b
        for partij in ("rvdk", *GIS, *(("grjr",) if niveau > 1 else ())):
            if b.random() < 0.2:
                continue
            bevestigd = sinds + timedelta(minutes=int(b.expovariate(1 / 240)) + b.randint(0, 59),
                                          seconds=b.randint(0, 59))
            if bevestigd < uiterlijk:
                out.append(("nl.jbketen.escalatie.bevestigd.v1",
                            {"escalatie_id": eid, "partij": partij, "niveau": niveau,
                             "niveau_sinds": _ts(sinds), "bevestigd_op": _ts(bevestigd),
                             "gestart_op": _ts(gestart)}, bevestigd))

    def _klaar(self, out):
        return [(t, d) for t, d, m in out if m <= self.eind]


def genereer(
    meldingen: int,
    *,
    seed: int = 1,
    begin: date = date(2025, 1, 1),
    eind: date = date(2026, 9, 30),
    escalaties: int | None = None,
) -> Iterator[tuple[str, dict]]:
    """(event type, data) for `meldingen` reports with their follow-ups, plus escalations."""
    rng = random.Random(seed)
    gen = _Gen(
        rng,
        datetime(begin.year, begin.month, begin.day, tzinfo=UTC),
        datetime(eind.year, eind.month, eind.day, 23, 59, tzinfo=UTC),
        random.Random(f"issue15:{seed}"),
        random.Random(f"issue16:{seed}"),
    )
    n_esc = escalaties if escalaties is not None else max(2, meldingen // 2000)
    esc_every = max(1, meldingen // max(1, n_esc))
    for i in range(meldingen):
        yield from gen.melding()
        if n_esc and i % esc_every == 0:
            n_esc -= 1
            yield from gen.escalatie()


__all__ = ["GEMEENTEN", "genereer"]
