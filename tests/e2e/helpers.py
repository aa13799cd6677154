"""What a local team, the RvdK and a GI system do, as calls on the running chain."""
import json

from tests.infra import header, read_topic, wait_until


async def post_melding(http, report) -> str:
    r = await http["intake"].post("/v1/meldingen", json=report)
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def melding(http, melding_id) -> dict:
    return (await http["intake"].get(f"/v1/meldingen/{melding_id}")).json()


async def until_status(http, melding_id, *statuses) -> dict:
    async def check():
        body = await melding(http, melding_id)
        return body if body["status"] in statuses else None
    return await wait_until(check)


async def until_step(http, melding_id, stap) -> dict:
    async def check():
        body = await melding(http, melding_id)
        return body if any(s["stap"] == stap for s in body["stappen"]) else None
    return await wait_until(check)


def step(body, stap) -> dict:
    return next(s for s in body["stappen"] if s["stap"] == stap)


async def casus(http, casus_id, **params) -> dict:
    r = await http["caseregie"].get(f"/v1/casussen/{casus_id}", params=params)
    assert r.status_code == 200, r.text
    return r.json()


async def capacity(http, gi) -> int:
    return (await http["capacity"].get(f"/v1/gis/{gi}/capaciteit")).json()["vrije_plaatsen"]


async def counted_by_capacity(http, gi, casus_id, word="") -> bool:
    history = (await http["capacity"].get(f"/v1/gis/{gi}/capaciteit/historie")).json()
    return any(casus_id in e["oorzaak"] and word in e["oorzaak"] for e in history)


async def events(bootstrap, topic, ce_type, **match) -> list[dict]:
    found = []
    for record in await read_topic(bootstrap, topic):
        if header(record, "ce_type") != ce_type:
            continue
        data = json.loads(record.value)
        if all(str(data.get(k)) == str(v) for k, v in match.items()):
            found.append(data)
    return found
