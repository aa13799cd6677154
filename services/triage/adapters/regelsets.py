"""Ruleset versions: the JSON files shipped with the code (the baseline) and the proposals all
three GIs approved (in triage's database, service_layer/regelsetvoorstellen.py decides which is
active).

A change to the rules is a new version, never an edit of an old one, so every decision can be
traced to the exact rules that made it. Every file is checked when it is read; an activated
proposal was checked when it was proposed, and is read once per process (it never changes).
"""
import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import NamedTuple
from uuid import UUID

from services.triage.domain.model import VERSIE, Regelset, RegelsetOngeldig

FOLDER = Path(__file__).parent.parent / "regelsets"


class Versie(NamedTuple):
    regelset: Regelset
    bron: dict  # the ruleset as the GIs agreed it, shown as is by the API
    voorstel_id: UUID | None = None  # None: a shipped file
    geactiveerd_op: datetime | None = None  # when the third GI approved the proposal


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(p) for p in path.stem.split("."))


def _lees(path: Path) -> Versie:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        regelset = Regelset.from_dict(raw)
    except (json.JSONDecodeError, RegelsetOngeldig) as exc:
        raise RegelsetOngeldig(f"{path.name}: {exc}") from exc
    if regelset.versie != path.stem:
        raise RegelsetOngeldig(f"{path.name}: versie {regelset.versie!r} does not match the file name")
    return Versie(regelset, raw)


def versies(folder: Path = FOLDER) -> dict[str, Versie]:
    """All versions, oldest first; one invalid file refuses them all. Read once per folder."""
    return _laad(folder)


@cache
def _laad(folder: Path) -> dict[str, Versie]:
    paths = list(folder.glob("*.json"))
    if not paths:
        raise RegelsetOngeldig(f"no ruleset in {folder}")
    for path in paths:
        if not VERSIE.fullmatch(path.stem):
            raise RegelsetOngeldig(f"{path.name}: the file name must be the version, e.g. 2026.2.json")
    if len({_version_key(p) for p in paths}) != len(paths):
        raise RegelsetOngeldig(f"{folder}: two files hold the same version")
    geladen = [_lees(p) for p in sorted(paths, key=_version_key)]
    return {v.regelset.versie: v for v in geladen}


def nieuwste_bestand(folder: Path = FOLDER) -> Versie:
    """The newest file: the baseline, active until the GIs activate a proposal with a higher version
    (service_layer/regelsetvoorstellen.py `actieve_regelset` says which is active)."""
    return list(versies(folder).values())[-1]


def versie(nummer: str, folder: Path = FOLDER) -> Versie | None:
    return versies(folder).get(nummer)


_VOORSTELLEN: dict[UUID, Versie] = {}  # activated proposals, by id: an activated version never changes


def geactiveerd_voorstel(voorstel_id: UUID) -> Versie | None:
    """An activated proposal's rules this process read before."""
    return _VOORSTELLEN.get(voorstel_id)


def lees_voorstel(voorstel_id: UUID, bron: dict, geactiveerd_op: datetime) -> Versie:
    """An activated proposal's rules, kept for the next decision in this process."""
    if (versie := _VOORSTELLEN.get(voorstel_id)) is None:
        versie = Versie(Regelset.from_dict(bron), bron, voorstel_id, geactiveerd_op)
        _VOORSTELLEN[voorstel_id] = versie
    return versie
