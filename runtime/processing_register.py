"""The register of processing activities (verwerkingsactiviteiten, AVG art. 30) of one service: what
each processing is for, on what legal basis, about whom and which data, and how long the data are
kept. Every record of the processing log names one of its activities; the register itself holds
no personal data, so every role may read it (`GET /v1/verwerkingsactiviteiten`).

Each service keeps its register as a JSON file (`services/<name>/adapters/verwerkingsactiviteiten.json`).
An activity's id carries its version (`intake.melding-inzien.v1`): a relevant change of an activity
gets a new id, so a record always points to the version it was made under (Logboek
Dataverwerkingen, component Register).
"""
import json
import re
from dataclasses import dataclass
from pathlib import Path

# <service>.<activity>.v<version>, lower case, kebab-case activity names.
ID = re.compile(r"^[a-z]+\.[a-z0-9]+(-[a-z0-9]+)*\.v[1-9]\d*$")
# Every register has this activity: the privacy officer reading the processing log itself.
LOG_INZIEN = "verwerkingen-inzien"
LIST_FIELDS = ("grondslag", "categorieen_betrokkenen", "categorieen_gegevens")
TEXT_FIELDS = ("naam", "doel", "verwerkingsverantwoordelijke", "bewaartermijn")


@dataclass(frozen=True)
class Verwerkingsactiviteit:
    id: str
    naam: str
    doel: str
    grondslag: tuple[str, ...]
    categorieen_betrokkenen: tuple[str, ...]
    categorieen_gegevens: tuple[str, ...]
    bewaartermijn: str
    verwerkingsverantwoordelijke: str

    @property
    def dienst(self) -> str:
        return self.id.split(".", 1)[0]

    def as_dict(self) -> dict:
        return {name: list(v) if isinstance(v, tuple) else v for name, v in self.__dict__.items()}


class InvalidRegister(ValueError):
    """A register file the service must not start with."""


@dataclass(frozen=True)
class Register:
    dienst: str
    toelichting: str
    activiteiten: tuple[Verwerkingsactiviteit, ...]

    def __getitem__(self, activiteit_id: str) -> Verwerkingsactiviteit:
        for activiteit in self.activiteiten:
            if activiteit.id == activiteit_id:
                return activiteit
        raise KeyError(f"{activiteit_id} is not in the register of {self.dienst}")

    @property
    def log_inzien(self) -> Verwerkingsactiviteit:
        """The activity of reading the processing log (every register has it)."""
        return next(a for a in self.activiteiten if a.id.split(".")[1] == LOG_INZIEN)

    @classmethod
    def load(cls, path: Path) -> "Register":
        """Read and check a register file; an invalid one stops the service at import."""
        data = json.loads(path.read_text(encoding="utf-8"))
        dienst = data.get("dienst")
        activiteiten = tuple(_activiteit(item, dienst, path) for item in data.get("activiteiten") or [])
        ids = [a.id for a in activiteiten]
        if not activiteiten or len(set(ids)) != len(ids):
            raise InvalidRegister(f"{path}: no activities, or an id given twice")
        register = cls(dienst=dienst, toelichting=str(data.get("toelichting") or ""),
                       activiteiten=activiteiten)
        if not any(i.split(".")[1] == LOG_INZIEN for i in ids):
            raise InvalidRegister(f"{path}: the register has no activity {dienst}.{LOG_INZIEN}.v<n>")
        return register


def _activiteit(item: dict, dienst: str, path: Path) -> Verwerkingsactiviteit:
    activiteit_id = str(item.get("id", ""))
    if not ID.match(activiteit_id) or activiteit_id.split(".")[0] != dienst:
        raise InvalidRegister(f"{path}: id {activiteit_id!r} is not '{dienst}.<activity>.v<n>'")
    missing = [f for f in TEXT_FIELDS if not str(item.get(f) or "").strip()]
    missing += [f for f in LIST_FIELDS if not item.get(f) or not all(str(x).strip() for x in item[f])]
    if missing:
        raise InvalidRegister(f"{path}: {activiteit_id} has no {', '.join(missing)}")
    return Verwerkingsactiviteit(
        id=activiteit_id, **{f: str(item[f]) for f in TEXT_FIELDS},
        **{f: tuple(str(x) for x in item[f]) for f in LIST_FIELDS})
