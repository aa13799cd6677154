"""Escalation plans are versioned JSON files the chain's parties agree; the newest version is active
for escalations that open, and an open escalation keeps the version it opened with.

A change to the plan is a new file with a new version, never an edit of an old one. Every file is
checked when it is read (domain/escalatieplan.py); one invalid file refuses them all.
"""
import json
from functools import cache
from pathlib import Path

from services.capacity.domain.escalatieplan import VERSIE, Escalatieplan, EscalatieplanOngeldig

FOLDER = Path(__file__).parent.parent / "escalatieplannen"


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(p) for p in path.stem.split("."))


def _lees(path: Path) -> Escalatieplan:
    try:
        plan = Escalatieplan.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, EscalatieplanOngeldig) as exc:
        raise EscalatieplanOngeldig(f"{path.name}: {exc}") from exc
    if plan.versie != path.stem:
        raise EscalatieplanOngeldig(f"{path.name}: versie {plan.versie!r} does not match the file name")
    return plan


@cache
def versies(folder: Path = FOLDER) -> dict[str, Escalatieplan]:
    """All versions, oldest first. Read once per folder."""
    paths = list(Path(folder).glob("*.json"))
    if not paths:
        raise EscalatieplanOngeldig(f"no escalation plan in {folder}")
    for path in paths:
        if not VERSIE.fullmatch(path.stem):
            raise EscalatieplanOngeldig(f"{path.name}: the file name must be the version, e.g. 2026.1.json")
    if len({_version_key(p) for p in paths}) != len(paths):
        raise EscalatieplanOngeldig(f"{folder}: two files hold the same version")
    return {plan.versie: plan for plan in (_lees(p) for p in sorted(paths, key=_version_key))}


def actief(folder: Path = FOLDER) -> Escalatieplan:
    """The newest version: the plan of escalations that open now."""
    return list(versies(Path(folder)).values())[-1]


def versie(nummer: str | None, folder: Path = FOLDER) -> Escalatieplan:
    """An escalation's own version (the active one for one that opened before plans existed)."""
    return versies(Path(folder)).get(nummer or "") or actief(folder)
