"""Reports as local teams send them."""
import copy
import random

from deploy.demo import valid_bsn

EXAMPLE_MELDING = {
    "gemeente": "GM0599",
    "melder": {"organisatie": "Wijkteam Feijenoord", "naam": "A. de Vries", "telefoon": "010-1234567"},
    "urgentie": "regulier",
    "gezin": {
        "kinderen": [{"voornaam": "Sem", "achternaam": "Jansen", "geboortedatum": "2016-04-12",
                      "bsn": "111222333"}],
        "ouders": [{"voornaam": "Kim", "achternaam": "Jansen"}],
    },
    "zorgen": ["veiligheid", "ontwikkelingsbedreiging"],
    "kenmerken": ["lvb_ouder"],
    "toelichting": "Zorgen over de veiligheid thuis.",
}

_rng = random.Random()


def bsn() -> str:
    """A fresh BSN that passes the eleven-test, so each report is its own family."""
    return valid_bsn(_rng)


def melding(**changes) -> dict:
    """The example report for a new family (fresh BSN), with changes."""
    report = copy.deepcopy(EXAMPLE_MELDING)
    report["gezin"]["kinderen"][0]["bsn"] = bsn()
    report.update(changes)
    return report


def grey_area_melding(gemeente: str = "GM0606") -> dict:
    return melding(gemeente=gemeente, kenmerken=[])


def sibling_melding(parent_bsn: str, voornaam: str, **changes) -> dict:
    """A report about one child of a family identified by a parent's BSN."""
    report = melding(**changes)
    report["gezin"]["kinderen"][0].update(voornaam=voornaam, bsn=bsn())
    report["gezin"]["ouders"] = [{"voornaam": "Kim", "achternaam": "Jansen", "bsn": parent_bsn}]
    return report
