"""Reports as local teams send them."""
import copy

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


def melding(**changes) -> dict:
    report = copy.deepcopy(EXAMPLE_MELDING)
    report.update(changes)
    return report


def grey_area_melding(gemeente: str = "GM0606") -> dict:
    report = melding(gemeente=gemeente, kenmerken=[])
    report["gezin"]["kinderen"][0]["bsn"] = None
    return report
