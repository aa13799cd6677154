"""Rulesets are versioned JSON files the GIs review; the newest version is active.

A change to the rules is a new file with a new version, never an edit of an old one, so every
decision can be traced to the exact rules that made it. Every file is checked when it is read.
"""
import json
from functools import cache
from pathlib import Path
from typing import NamedTuple

from services.triage.domain.model import VERSIE, Regelset, RegelsetOngeldig

FOLDER = Path(__file__).parent.parent / "regelsets"


class Versie(NamedTuple):
    regelset: Regelset
    bron: dict  # the file as the GIs agreed it, shown as is by the API


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


def active(folder: Path = FOLDER) -> Versie:
    """The newest version: the rules that decide new reports."""
    return list(versies(folder).values())[-1]


def versie(nummer: str, folder: Path = FOLDER) -> Versie | None:
    return versies(folder).get(nummer)
