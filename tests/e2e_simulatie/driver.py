"""Plays a generated year (jaar.py) live on a stack steered by its clock file, as the chain's outside
parties: the local teams report, the GIs report their staffing, give waiting cases a fixed protector
and close cases; the RvdK follows every proposal (the stack runs with AUTO_CONFIRM).

For each step in time order: the clock file is set to the step's moment, the step is done, and the
chain is left to settle; then every GI gives its waiting cases a protector as soon as it has room
(oldest waiting case first, a case only when all its waiting children fit, stopping at the first
that does not), from capacity's figure and caseregie's waiting list, and the chain settles again.
The chain has settled (`Stilte`) when every service's consumer group has committed every record on
the topics it reads, no outbox holds an event to send, and the topics did not grow meanwhile: so
every event of the step was handled everywhere, the capacity signals in triage included. Each time
it checks what the services show against what the play did (capacity's figures, triage's known
capacity, the waiting lists) and stops at the first difference.

What the play did is kept as a Verloop (model.py), from the chain's own answers: the GI, the grey
area and the days of each case, each GI's figure at each month's end as capacity published it, and
the region's escalations.
"""
import asyncio
import time as wall_time
from collections import defaultdict
from datetime import datetime, time, timedelta
from uuid import UUID

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts.topics import TOPICS
from deploy.stack import SERVICES, Stack
from runtime.clock import REGION_TZ, Clock, add_months, local_date
from runtime.identity import BEHEER, GI_MANAGER, GI_ROL, LOKAAL_TEAM, REGIO, RVDK
from tests import identity
from tests.e2e_simulatie.jaar import GIS, Jaar, Stap, regelset_actief
from tests.e2e_simulatie.model import Casus, Verloop, beschermers_erbij

VOORSTELLEN = "/v1/doelgroepenbepaling/voorstellen"
# A step's events must be handled within this long (a stuck chain fails the play, it never hangs).
STILTE_BINNEN_S = 60


class Tokens:
    """Tokens of the suite's issuer minted on the stack's clock (a token minted on another clock
    would not yet be valid, or have expired, on the stack's)."""

    def __init__(self, clock: Clock):
        self.clock = clock

    def auth(self, rol: str, organisatie: str, **claims) -> dict[str, str]:
        token = identity.ISSUER.mint(rol=rol, organisatie=organisatie, clock=self.clock, **claims)
        return {"Authorization": f"Bearer {token}"}

    def lokaal_team(self, gemeente: str) -> dict[str, str]:
        return self.auth(LOKAAL_TEAM, f"{identity.TEAM_PREFIX}{gemeente}", gemeente=gemeente)

    def gi(self, code: str) -> dict[str, str]:
        return self.auth(GI_ROL, code)

    def gi_manager(self, code: str) -> dict[str, str]:
        return self.auth(GI_MANAGER, code, naam=f"Manager {code}", sub=f"manager@{code}")

    def rvdk(self) -> dict[str, str]:
        return self.auth(RVDK, "RvdK")

    def regio(self) -> dict[str, str]:
        return self.auth(REGIO, "GRJR")

    def beheer(self) -> dict[str, str]:
        return self.auth(BEHEER, "jbketen-beheer")


def service_topics() -> dict[str, list[str]]:
    """The topics each service reads (its ServiceSpec: those of the events it handles)."""
    import importlib

    return {name: importlib.import_module(f"services.{name}.bootstrap").SPEC.topics for name in SERVICES}


class Stilte:
    """Whether the chain has settled: every consumer group committed the end of every partition it
    reads, then no outbox holds an event to send, then the topics' ends are where they were. (An
    event is in an outbox before the offset of what caused it is committed, and on its topic before
    its outbox row counts as sent; so nothing is under way.) Periodic jobs can still start work
    later; the play's checks would see what they changed."""

    def __init__(self, stack: Stack, bootstrap: str, groups: dict[str, str], tokens: Tokens,
                 http: dict[str, httpx.AsyncClient]):
        self.stack, self.bootstrap, self.groups = stack, bootstrap, groups
        self.tokens, self.http = tokens, http
        self.topics = service_topics()
        self.rondes = 0
        self.wachttijd_s = 0.0

    async def __aenter__(self) -> "Stilte":
        self.consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await self.consumer.start()
        await self.consumer._client.force_metadata_update()
        self.partitions = {}
        for topic in {t for ts in self.topics.values() for t in ts} | {t.name for t in TOPICS}:
            parts = self.consumer.partitions_for_topic(topic)
            assert parts, f"topic {topic} does not exist (the services create every topic at start)"
            self.partitions[topic] = [TopicPartition(topic, p) for p in sorted(parts)]
        # A member-less consumer of each group (it never subscribes, so it never joins nor commits)
        # asks for the group's committed offsets, all partitions in one request.
        self.readers = {}
        for service, group in self.groups.items():
            reader = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=group,
                                      enable_auto_commit=False)
            await reader.start()
            self.readers[service] = reader
        return self

    async def __aexit__(self, *exc) -> None:
        for reader in self.readers.values():
            await reader.stop()
        await self.consumer.stop()

    async def ends(self) -> dict[TopicPartition, int]:
        return await self.consumer.end_offsets([tp for tps in self.partitions.values() for tp in tps])

    async def _handled(self, ends: dict[TopicPartition, int]) -> bool:
        async def handled_by(service: str) -> bool:
            partitions = [tp for topic in self.topics[service] for tp in self.partitions[topic]]
            committed = await self.readers[service]._coordinator.fetch_committed_offsets(partitions)
            return all(ends[tp] <= max(0, committed[tp].offset if tp in committed else 0)
                       for tp in partitions)
        return all(await asyncio.gather(*map(handled_by, self.topics)))

    async def _outboxes_empty(self) -> bool:
        headers = self.tokens.beheer()

        async def empty(service: str) -> bool:
            health = (await self.http[service].get("/v1/health", headers=headers)).json()
            if health.get("outbox_parked") or health.get("consumer", {}).get("dead_lettered"):
                raise AssertionError(f"{service} parked or dead-lettered events: {health}")
            return health.get("outbox_backlog") == 0
        return all(await asyncio.gather(*map(empty, SERVICES)))

    async def wacht(self, timeout: float = STILTE_BINNEN_S) -> None:
        begin = wall_time.monotonic()
        deadline = begin + timeout
        while True:
            self.rondes += 1
            ends = await self.ends()
            if await self._handled(ends) and await self._outboxes_empty() and await self.ends() == ends:
                self.wachttijd_s += wall_time.monotonic() - begin
                return
            if wall_time.monotonic() > deadline:
                raise AssertionError(f"the chain did not settle within {timeout}s")
            await asyncio.sleep(0.02)


class Speler:
    """One play of the year on one stack."""

    def __init__(self, jaar: Jaar, stack: Stack, http: dict[str, httpx.AsyncClient], clock, stilte: Stilte):
        self.jaar, self.stack, self.http, self.clock, self.stilte = jaar, stack, http, clock, stilte
        self.tokens = stilte.tokens
        self.verloop = Verloop()
        self.casus_ids: dict[int, UUID] = {}
        self.melding_ids: dict[int, str] = {}
        self.bezetting = {gi: tuple(b) for gi, b in jaar.bezetting_begin.items()}
        self.regelset_versie: str | None = None
        self.beschermers = 0

    async def speel(self, kandidaat: dict | None = None) -> Verloop:
        await self.stilte.wacht()
        if kandidaat is not None:
            await self.activeer(kandidaat)
        r = await self.http["triage"].get("/v1/doelgroepenbepaling", headers=self.tokens.rvdk())
        self.regelset_versie = r.json()["versie"]
        assert self.regelset_versie == (kandidaat or regelset_actief())["versie"], r.text
        for gi in GIS:
            await self.meld_bezetting(gi, *self.bezetting[gi])
        await self.stilte.wacht()
        await self.controleer()
        for stap in self.jaar.stappen:
            await self.doe(stap)
        self.clock.set(self.jaar.na_afloop)
        await self.lees_afloop()
        return self.verloop

    async def activeer(self, bron: dict) -> None:
        """The candidate becomes the active ruleset: proposed by WSS's manager, approved by all three."""
        r = await self.http["triage"].post(VOORSTELLEN, json=bron, headers=self.tokens.gi_manager("WSS"))
        assert r.status_code == 201, r.text
        voorstel = r.json()
        for gi in ("WSS", "LJR", "JBRR"):
            r = await self.http["triage"].post(f"{VOORSTELLEN}/{voorstel['id']}/goedkeuringen", json={},
                                               headers=self.tokens.gi_manager(gi))
            assert r.status_code == 201, r.text
        assert r.json()["status"] == "geactiveerd", r.text
        await self.stilte.wacht()

    async def meld_bezetting(self, gi: str, jeugdbeschermers: int, norm: int) -> None:
        r = await self.http["capacity"].put(
            f"/v1/gis/{gi}/capaciteit", headers=self.tokens.gi(gi),
            json={"jeugdbeschermers": jeugdbeschermers, "caseload_norm": norm})
        assert r.status_code == 200, r.text
        assert r.json()["plaatsen"] == jeugdbeschermers * norm
        self.bezetting[gi] = (jeugdbeschermers, norm)

    async def doe(self, stap: Stap) -> None:
        self.clock.set(stap.moment)
        if stap.soort == "bezetting":
            await self.meld_bezetting(stap.gi, stap.jeugdbeschermers, stap.caseload_norm)
            await self.stilte.wacht()
        elif stap.soort == "melding":
            await self.meld(stap)
        else:
            await self.sluit(stap)
        figuren, wachtlijsten = await self.controleer()
        if await self.beschermers_toewijzen(figuren, wachtlijsten):
            await self.stilte.wacht()
            await self.controleer()

    async def meld(self, stap: Stap) -> None:
        melding = self.jaar.meldingen[stap.melding]
        team = self.tokens.lokaal_team(melding.gemeente)
        r = await self.http["intake"].post("/v1/meldingen", json=melding.body(), headers=team)
        assert r.status_code == 201, r.text
        melding_id = r.json()["id"]
        await self.stilte.wacht()
        r = await self.http["intake"].get(f"/v1/meldingen/{melding_id}", headers=self.tokens.lokaal_team(
            melding.gemeente))
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["casus_id"] and body["toegewezen_gi"], f"report {stap.melding} not assigned: {body}"
        # The services ran on the stack's clock file, not on the suite's CLOCK_START.
        ontvangen = datetime.fromisoformat(body["ontvangen_op"])
        assert stap.moment <= ontvangen < stap.moment + timedelta(seconds=STILTE_BINNEN_S), (stap, ontvangen)
        triaged = next(s for s in body["stappen"] if s["stap"] == "triaged")["details"]
        assigned = next(s for s in body["stappen"] if s["stap"] == "assigned")
        assert triaged["regelset_versie"] == self.regelset_versie, triaged
        self.melding_ids[stap.melding] = melding_id
        self.casus_ids[stap.melding] = UUID(body["casus_id"])
        self.verloop.casussen[stap.melding] = Casus(
            nummer=stap.melding, gi=body["toegewezen_gi"], kinderen=len(melding.kinderen),
            grijs=triaged["expertise"] is None, doelgroep=triaged["doelgroep"],
            toegewezen_op=local_date(datetime.fromisoformat(assigned["tijdstip"])))

    async def sluit(self, stap: Stap) -> None:
        casus = self.verloop.casussen[stap.melding]
        r = await self.http["caseregie"].post(f"/v1/casussen/{self.casus_ids[stap.melding]}/afsluiting",
                                              json={"reden": "afschaling"}, headers=self.tokens.gi(casus.gi))
        assert r.status_code == 200, r.text
        casus.gesloten_op = local_date(datetime.fromisoformat(r.json()["gesloten_op"]))
        await self.stilte.wacht()

    async def controleer(self) -> tuple[dict[str, dict], dict[str, list[dict]]]:
        """What capacity, triage and caseregie show agrees with the play so far; capacity's figures
        and each GI's waiting list."""
        async def figuur(gi: str) -> dict:
            r = await self.http["capacity"].get(f"/v1/gis/{gi}/capaciteit", headers=self.tokens.rvdk())
            assert r.status_code == 200, r.text
            return r.json()
        known, *gelezen = await asyncio.gather(
            self.http["triage"].get("/v1/beschikbaarheid", headers=self.tokens.rvdk()),
            *map(figuur, GIS), *map(self.wachtlijst, GIS))
        figuren = dict(zip(GIS, gelezen[:len(GIS)], strict=True))
        wachtlijsten = dict(zip(GIS, gelezen[len(GIS):], strict=True))
        assert {b["gi"]: b["vrije_plaatsen"] for b in known.json()} == {
            gi: f["vrije_plaatsen"] for gi, f in figuren.items()}, (known.text, figuren)
        for gi in GIS:
            open_ = [c for c in self.verloop.casussen.values() if c.gi == gi and c.gesloten_op is None]
            wachtend = [c for c in open_ if c.beschermer_op is None]
            jeugdbeschermers, norm = self.bezetting[gi]
            verwacht = (jeugdbeschermers * norm, sum(c.kinderen for c in open_),
                        sum(c.kinderen for c in wachtend))
            gezien = (figuren[gi]["plaatsen"], figuren[gi]["kinderen_in_zorg"], figuren[gi]["wachtend"])
            assert gezien == verwacht, f"{gi}: capacity shows {gezien}, the play did {verwacht}"
            per_casus = defaultdict(int)
            for kind in wachtlijsten[gi]:
                per_casus[UUID(kind["casus_id"])] += 1
            assert per_casus == {self.casus_ids[c.nummer]: c.kinderen for c in wachtend}, gi
        return figuren, wachtlijsten

    async def wachtlijst(self, gi: str) -> list[dict]:
        items, page = [], 1
        while True:
            r = await self.http["caseregie"].get("/v1/wachtlijst", params={"pageSize": 200, "page": page},
                                                 headers=self.tokens.gi(gi))
            assert r.status_code == 200, r.text
            items += r.json()["items"]
            if len(items) >= r.json()["total"]:
                return items
            page += 1

    async def beschermers_toewijzen(self, figuren: dict[str, dict],
                                    wachtlijsten: dict[str, list[dict]]) -> int:
        """Each GI's rule, from capacity's figure and its waiting list; the play's own record must
        choose the same cases."""
        nummer_van = {casus_id: nummer for nummer, casus_id in self.casus_ids.items()}
        toegewezen = 0
        for gi in GIS:
            figuur = figuren[gi]
            beschermd = figuur["kinderen_in_zorg"] - figuur["wachtend"]
            casussen: dict[UUID, list[dict]] = defaultdict(list)
            for kind in wachtlijsten[gi]:
                casussen[UUID(kind["casus_id"])].append(kind)
            oudste_eerst = sorted(casussen, key=lambda c: (min(datetime.fromisoformat(k["wacht_sinds"])
                                                               for k in casussen[c]), str(c)))
            erbij = []
            for casus_id in oudste_eerst:
                if beschermd + len(casussen[casus_id]) > figuur["plaatsen"]:
                    break
                beschermd += len(casussen[casus_id])
                erbij.append(casus_id)
            assert [nummer_van[c] for c in erbij] == [c.nummer for c in beschermers_erbij(
                (c for c in self.verloop.casussen.values() if c.gi == gi), figuur["plaatsen"])], gi
            for casus_id in erbij:
                await self.wijs_beschermer_toe(gi, casus_id, self.verloop.casussen[nummer_van[casus_id]])
                toegewezen += 1
        return toegewezen

    async def wijs_beschermer_toe(self, gi: str, casus_id: UUID, casus: Casus) -> None:
        self.beschermers += 1
        r = await self.http["caseregie"].post(
            f"/v1/casussen/{casus_id}/jeugdbeschermer", headers=self.tokens.gi(gi),
            json={"jeugdbeschermer_id": f"{gi}-JB-{self.beschermers}",
                  "naam": f"Jeugdbeschermer {self.beschermers}"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert all(not k["wachtend"] for k in body["kinderen"]), body
        casus.beschermer_op = local_date(datetime.fromisoformat(body["jeugdbeschermer"]["toegewezen_op"]))

    async def lees_afloop(self) -> None:
        """Each GI's figure at each month's end as capacity published it, and the escalations."""
        for i, maand in enumerate(self.jaar.maanden):
            einde = datetime.combine(add_months(self.jaar.van, i + 1), time(0), tzinfo=REGION_TZ)
            r = await self.http["capacity"].get(
                "/v1/capaciteit", headers=self.tokens.rvdk(),
                params={"tijdstip": (einde - timedelta(seconds=1)).isoformat()})
            assert r.status_code == 200, r.text
            self.verloop.maandeinde[maand] = {c["gi"]: (c["vrije_plaatsen"], c["wachtend"])
                                              for c in r.json()["gis"]}
        r = await self.http["capacity"].get("/v1/escalaties", params={"pageSize": 1000},
                                            headers=self.tokens.rvdk())
        assert r.status_code == 200, r.text
        self.verloop.escalaties = sorted(
            (local_date(datetime.fromisoformat(e["gestart_op"])),
             local_date(datetime.fromisoformat(e["beeindigd_op"])) if e["beeindigd_op"] else None)
            for e in r.json()["items"])
