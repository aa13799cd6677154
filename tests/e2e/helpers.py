"""What a local team, the RvdK and a GI system do, as calls on the running chain, each with its
own token (tests/identity.py)."""
import json

from tests import identity
from tests.infra import header, read_topic, wait_until

# Who submitted each report: a report is read back by its own local team (or Veilig Thuis).
_SUBMITTED_BY: dict[str, dict[str, str]] = {}


async def post_melding(http, report, caller: dict[str, str] | None = None) -> str:
    """Submit as `caller`, by default the local team of the report's municipality."""
    caller = caller or identity.lokaal_team(report["gemeente"])
    r = await http["intake"].post("/v1/meldingen", json=report, headers=caller)
    assert r.status_code == 201, r.text
    _SUBMITTED_BY[r.json()["id"]] = caller
    return r.json()["id"]


async def melding(http, melding_id, caller: dict[str, str] | None = None) -> dict:
    """The report as its submitter (or `caller`) reads it."""
    headers = caller or _SUBMITTED_BY[str(melding_id)]
    r = await http["intake"].get(f"/v1/meldingen/{melding_id}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


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


async def casus(http, casus_id, gi: str, **params) -> dict:
    """The case as its GI's system reads it."""
    r = await http["caseregie"].get(f"/v1/casussen/{casus_id}", params=params, headers=identity.gi(gi))
    assert r.status_code == 200, r.text
    return r.json()


async def capacity(http, gi) -> int:
    r = await http["capacity"].get(f"/v1/gis/{gi}/capaciteit", headers=identity.rvdk())
    return r.json()["vrije_plaatsen"]


async def counted_by_capacity(http, gi, casus_id, word="") -> bool:
    history = (await http["capacity"].get(f"/v1/gis/{gi}/capaciteit/historie",
                                          headers=identity.rvdk())).json()
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
