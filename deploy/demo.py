"""`make demo`: feed a steady stream of synthetic care reports from the 13 municipalities."""
import argparse
import random
import time
from datetime import date, timedelta

import httpx

from contracts.bsn import is_valid_bsn
from contracts.vocabulary import GEMEENTEN, Kenmerk, Zorg
from deploy.identity import ensure_dev_issuer
from deploy.stack import ROOT
from runtime.clock import Clock, clock_from
from runtime.identity import GI_ROL, LOKAAL_TEAM, RVDK
from runtime.ports import DEFAULT_PORTS
from runtime.settings import ServiceSettings

VOORNAMEN = ["Sem", "Noah", "Emma", "Julia", "Liam", "Mila", "Daan", "Sara", "Luuk", "Nora", "Finn", "Yara"]
ACHTERNAMEN = ["Jansen", "de Vries", "Bakker", "Yilmaz", "El Amrani", "Visser", "Smit", "Mulder"]


def valid_bsn(rng: random.Random) -> str:
    """A random BSN that passes the eleven-test (about one in eleven does)."""
    while True:
        bsn = f"{rng.randint(100_000_000, 999_999_999)}"
        if is_valid_bsn(bsn):
            return bsn


def synthetic_melding(rng: random.Random, today: date) -> dict:
    achternaam = rng.choice(ACHTERNAMEN)
    kinderen = [{"voornaam": rng.choice(VOORNAMEN), "achternaam": achternaam,
                 "geboortedatum": (today - timedelta(days=rng.randint(365, 17 * 365))).isoformat(),
                 "bsn": valid_bsn(rng)} for _ in range(rng.choice([1, 1, 1, 2, 3]))]
    kenmerken = rng.sample([k.value for k in Kenmerk], rng.choice([0, 0, 1, 2]))
    return {
        "gemeente": rng.choice(list(GEMEENTEN)),
        "melder": {"organisatie": "Demo wijkteam", "naam": "Demo melder", "telefoon": "010-0000000"},
        "urgentie": rng.choice(["regulier", "regulier", "regulier", "spoed"]),
        "gezin": {"kinderen": kinderen, "ouders": [{"voornaam": "Ouder", "achternaam": achternaam}]},
        "zorgen": rng.sample([z.value for z in Zorg], rng.randint(1, 3)),
        "kenmerken": kenmerken,
        "toelichting": "Synthetische demomelding.",
    }


class Tokens:
    """Bearer tokens of the development issuer of `make up` (.data/identity), one per caller."""

    def __init__(self, clock: Clock):
        self._issuer = ensure_dev_issuer(ROOT / ".data" / "identity")
        self._clock = clock

    def headers(self, rol: str, organisatie: str, gemeente: str | None = None) -> dict[str, str]:
        token = self._issuer.mint(rol=rol, organisatie=organisatie, gemeente=gemeente, geldig_s=300,
                                  clock=self._clock)
        return {"Authorization": f"Bearer {token}"}


def assign_protectors(client: httpx.Client, caseregie: str, rng: random.Random, tokens: Tokens) -> None:
    """The GIs' own systems at work: the longest-waiting cases get a fixed youth protector."""
    for gi in ("JBRR", "WSS", "LJR"):
        headers = tokens.headers(GI_ROL, gi)
        waiting = client.get(f"{caseregie}/v1/wachtlijst", params={"gi": gi, "pageSize": 2},
                             headers=headers).json()
        for casus_id in {w["casus_id"] for w in waiting["items"]}:
            number = rng.randint(1, 999)
            client.post(f"{caseregie}/v1/casussen/{casus_id}/jeugdbeschermer", headers=headers,
                        json={"gi": gi, "jeugdbeschermer_id": f"{gi}-{number:04d}",
                              "naam": f"Jeugdbeschermer {number}"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    for service in ("intake", "capacity", "caseregie"):
        parser.add_argument(f"--{service}", default=f"http://127.0.0.1:{DEFAULT_PORTS[service]}")
    parser.add_argument("--per-second", type=float, default=1.0)
    parser.add_argument("--count", type=int, default=0, help="stop after this many (0: until Ctrl-C)")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    settings = ServiceSettings()  # CLOCK_START, as the services read it
    clock = clock_from(settings.clock_start, settings.clock_started_at, settings.clock_file)
    tokens = Tokens(clock)
    sent = 0
    with httpx.Client(timeout=10) as client:
        try:
            while not args.count or sent < args.count:
                melding = synthetic_melding(rng, clock.today())
                team = tokens.headers(LOKAAL_TEAM, f"WT-{melding['gemeente']}", melding["gemeente"])
                response = client.post(f"{args.intake}/v1/meldingen", json=melding, headers=team)
                response.raise_for_status()
                sent += 1
                if sent % 5 == 0:
                    assign_protectors(client, args.caseregie, rng, tokens)
                if sent % 10 == 0:
                    gis = client.get(f"{args.capacity}/v1/capaciteit",
                                     headers=tokens.headers(RVDK, "RvdK")).json()["gis"]
                    vrij = {g["gi"]: g["vrije_plaatsen"] for g in gis}
                    wachtend = {g["gi"]: g.get("wachtend", 0) for g in gis}
                    print(f"{sent} reports sent; free capacity {vrij}; waiting for a protector {wachtend}")
                time.sleep(1 / args.per_second)
        except KeyboardInterrupt:
            pass
    print(f"sent {sent} reports")


if __name__ == "__main__":
    main()
