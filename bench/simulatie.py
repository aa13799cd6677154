"""Benchmark of the what-if simulation (figures, not a test): `make bench-simulatie`.

1. Generates a year of the region's history (default 10,000 reports, 1-3 children each, staffing
   changes every month, cases closing after 20-400 days, a year of cases still in care at its start)
   and writes it into a fresh triage database, in the tables triage fills from the events it reads
   (not measured). The history is made by the chain's own rules (the model with the shipped
   ruleset), so it is what the chain would have recorded.
2. Times the simulation of that year through triage's message bus on real PostgreSQL
   (`RunSimulatie`: read the history, replay it with a candidate ruleset and changed staffing,
   compare per GI per month, store the result and the processing log's records): 3 runs.
3. Times the raw parts in the same run: reading the same rows with plain SQL, and the pure replay
   in memory; prints the ratios. Goal: a year in under a minute.
Embedded PostgreSQL (or BENCH_DATABASE_URL); no broker needed.

    python -m bench.simulatie --reports 10000
"""
import argparse
import asyncio
import copy
import os
import random
import statistics
import time
import uuid
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from contracts.vocabulary import GI, Kenmerk, Zorg
from deploy.stack import ROOT, database_url_for, embedded_postgres
from runtime import db
from runtime.clock import REGION_TZ, FixedClock
from runtime.identity import REGIO, Principal
from runtime.service import service_bus
from services.triage.adapters import regelsets
from services.triage.adapters.orm import capaciteit_historie, kind_verlopen, simulatie_meldingen
from services.triage.bootstrap import SPEC as TRIAGE
from services.triage.domain.commands import RunSimulatie
from services.triage.domain.events import Kind
from services.triage.domain.model import bepaal_doelgroep
from services.triage.domain.simulatie import (
    Aanmelding,
    Bezetting,
    Bezettingsmoment,
    Bezettingswijziging,
    Geschiedenis,
    Kindverloop,
    Periode,
    Scenario,
    simuleer,
)

JAAR = 2025
PERIODE = Periode(date(JAAR, 1, 1), date(JAAR, 12, 31))
ZORGEN, KENMERKEN = [z.value for z in Zorg], [k.value for k in Kenmerk]


def _moment(rng: random.Random, begin: datetime, dagen: int) -> datetime:
    return begin + timedelta(seconds=rng.randrange(dagen * 86400))


def genereer(reports: int, seed: int) -> tuple[Geschiedenis, dict[uuid.UUID, bool]]:
    """The inputs of a year and its reality, made by the model with the shipped ruleset."""
    rng = random.Random(seed)
    vorig_jaar = datetime(JAAR - 1, 1, 1, tzinfo=REGION_TZ)
    begin = PERIODE.begin
    # Staffing sized so that the region runs at about its norm: some months children wait.
    per_gi = {GI.JBRR: 0.45, GI.WSS: 0.3, GI.LJR: 0.25}
    in_zorg_verwacht = reports * 2 * 200 / 365
    bezetting = [Bezettingsmoment(vorig_jaar, gi, Bezetting(int(in_zorg_verwacht * aandeel / 15), 0, 15))
                 for gi, aandeel in per_gi.items()]
    for maand in range(1, 13):
        for gi, aandeel in per_gi.items():
            jb = int(in_zorg_verwacht * aandeel / 15 * rng.uniform(0.85, 1.1))
            bezetting.append(Bezettingsmoment(datetime(JAAR, maand, 1, 9, tzinfo=REGION_TZ), gi,
                                              Bezetting(jb, rng.randrange(0, max(1, jb // 10)), 15)))
    meldingen, verlopen = {}, []
    for i in range(reports + reports // 2):  # a half year of cases still in care at the start
        in_periode = i < reports
        moment = _moment(rng, begin, 365) if in_periode else _moment(rng, begin - timedelta(days=180), 180)
        m = Aanmelding(melding_id=uuid.uuid4(), gezin_id=uuid.uuid4(),
                       zorgen=tuple(rng.sample(ZORGEN, rng.randint(1, 3))),
                       kenmerken=tuple(rng.sample(KENMERKEN, rng.randint(0, 2))),
                       kader=rng.choice(["civiel", "straf", "drang", None]),
                       kinderen=tuple(Kind(uuid.uuid4(), rng.randint(0, 17))
                                      for _ in range(rng.randint(1, 3))))
        duur = timedelta(days=rng.randint(20, 400))
        meldingen[m.melding_id] = m
        gi = rng.choice(list(GI))
        for k in m.kinderen:
            verlopen.append(Kindverloop(casus_id=m.melding_id, kind_id=k.kind_id, gezin_id=m.gezin_id,
                                        melding_id=m.melding_id, gi=gi, toegewezen_op=moment,
                                        beschermer_op=moment if not in_periode else None,
                                        gesloten_op=moment + duur))
    invoer = Geschiedenis(PERIODE, meldingen, tuple(verlopen), (), tuple(bezetting), ())
    regelset = regelsets.nieuwste_bestand().regelset
    werkelijk = simuleer(invoer, Scenario(regelset))
    grijs = {m.melding_id: bepaal_doelgroep(regelset, list(m.zorgen), list(m.kenmerken),
                                            [k.leeftijd for k in m.kinderen], m.kader).grijs_gebied
             for m in meldingen.values()}
    voor = tuple(v for v in verlopen if v.toegewezen_op < begin)
    return Geschiedenis(PERIODE, meldingen, voor + werkelijk.verlopen, werkelijk.standen, tuple(bezetting),
                        ()), grijs


async def laad(sessions, geschiedenis: Geschiedenis, grijs: dict) -> int:
    """Write the history into triage's tables, as its event handlers would have."""
    rows = 0
    async with sessions() as s, s.begin():
        await s.execute(sa.insert(simulatie_meldingen), [dict(
            melding_id=m.melding_id, gezin_id=m.gezin_id, zorgen=list(m.zorgen), kenmerken=list(m.kenmerken),
            kader=m.kader, kinderen=[{"kind_id": str(k.kind_id), "leeftijd": k.leeftijd} for k in m.kinderen],
            grijs_gebied=grijs[m.melding_id], besloten_op=PERIODE.begin)
            for m in geschiedenis.meldingen.values()])
        await s.execute(sa.insert(kind_verlopen), [dict(
            casus_id=v.casus_id, kind_id=v.kind_id, gezin_id=v.gezin_id, melding_id=v.melding_id,
            gi=v.gi.value,
            toegewezen_op=v.toegewezen_op, beschermer_op=v.beschermer_op, gesloten_op=v.gesloten_op)
            for v in geschiedenis.verlopen])
        staffing = {}
        for b in sorted(geschiedenis.bezetting, key=lambda b: b.tijdstip):
            staffing.setdefault(b.gi, []).append(b)
        figuren = {}
        for stand in geschiedenis.standen:  # one figure per GI per moment: the last
            b = max((x for x in staffing[stand.gi] if x.tijdstip <= stand.tijdstip), key=lambda x: x.tijdstip)
            figuren[stand.gi, stand.tijdstip] = dict(
                gi=stand.gi.value, tijdstip=stand.tijdstip, vrije_plaatsen=stand.vrije_plaatsen,
                wachtend=stand.wachtend, jeugdbeschermers=b.bezetting.jeugdbeschermers,
                afwezig=b.bezetting.afwezig, caseload_norm=b.bezetting.caseload_norm)
        await s.execute(sa.insert(capaciteit_historie), list(figuren.values()))
        rows = len(geschiedenis.meldingen) + len(geschiedenis.verlopen) + len(figuren)
    return rows


def kandidaat() -> dict:
    """The shipped ruleset with the grey area sent to LJR only: a change every month shows."""
    bron = copy.deepcopy(regelsets.nieuwste_bestand().bron)
    bron["versie"] = "2099.1"
    bron["expertises"]["alles_ljr"] = ["LJR"]
    bron["regels"][-1]["expertise"] = "alles_ljr"
    return bron


async def meet(url: str, reports: int, seed: int, runs: int) -> None:
    await db.ensure_database(url)
    engine = db.create_engine(url)
    await db.migrate(engine, TRIAGE.migrations)
    sessions = db.session_factory(engine)
    t0 = time.monotonic()
    geschiedenis, grijs = genereer(reports, seed)
    rows = await laad(sessions, geschiedenis, grijs)
    print(f"history: {reports:,} reports in {JAAR}, {len(geschiedenis.verlopen):,} children's courses, "
          f"{len(geschiedenis.standen):,} published figures ({rows:,} rows, made and loaded in "
          f"{time.monotonic() - t0:.1f} s)")
    clock = FixedClock(datetime(JAAR + 1, 3, 1, 12, tzinfo=REGION_TZ))
    settings = TRIAGE.settings_class.for_service("triage", TRIAGE.default_port)
    bus = service_bus(TRIAGE, lambda: TRIAGE.uow_class(sessions, "triage", settings=settings, clock=clock),
                      settings, clock)
    cmd = RunSimulatie(Principal(sub="bench", rol=REGIO, organisatie="GRJR"), PERIODE.van, PERIODE.tot,
                       regelset=kandidaat(),
                       bezetting={GI.WSS: Bezettingswijziging(jeugdbeschermers_erbij=10)})
    simulaties = []
    for _ in range(runs):
        t = time.monotonic()
        simulatie = await bus.handle(cmd)
        simulaties.append(time.monotonic() - t)
    raw = []
    for _ in range(runs):
        t = time.monotonic()
        async with sessions() as s:
            for table in (kind_verlopen, simulatie_meldingen, capaciteit_historie):
                (await s.execute(sa.select(table))).all()
        raw.append(time.monotonic() - t)
    async with bus.dependencies["uow_factory"]() as uow:
        gelezen = await uow.simulatie.geschiedenis(PERIODE)
    t = time.monotonic()
    simuleer(gelezen, Scenario(regelsets.nieuwste_bestand().regelset))
    in_memory = time.monotonic() - t
    await engine.dispose()
    med, raw_med = statistics.median(simulaties), statistics.median(raw)
    print(f"simulation of the year (RunSimulatie, end to end): median {med:.2f} s over {runs} runs "
          f"({', '.join(f'{x:.2f}' for x in simulaties)}); goal < 60 s: {'met' if med < 60 else 'NOT met'}")
    print(f"  {simulatie.meldingen:,} reports replayed, {len(simulatie.maanden)} months x 3 GIs")
    print(f"raw: reading the same rows with plain SQL {raw_med:.2f} s; the replay alone in memory "
          f"{in_memory:.2f} s")
    print(f"ratio: simulation / raw read {med / raw_med:.1f}x; simulation / in-memory replay "
          f"{med / in_memory:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    server = os.environ.get("BENCH_DATABASE_URL") or embedded_postgres(ROOT / ".data" / "bench" / "postgres")
    url = database_url_for(server, f"simulatie_{uuid.uuid4().hex[:8]}", "bench")
    asyncio.run(meet(url, args.reports, args.seed, args.runs))


if __name__ == "__main__":
    main()
