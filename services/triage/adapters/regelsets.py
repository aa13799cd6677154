"""Rulesets are versioned JSON files the GIs review; the newest version is active."""
import json
from functools import cache
from pathlib import Path

from services.triage.domain.model import Regelset

FOLDER = Path(__file__).parent.parent / "regelsets"


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(p) for p in path.stem.split("."))


@cache
def active(folder: Path = FOLDER) -> tuple[Regelset, dict]:
    newest = max(folder.glob("*.json"), key=_version_key)
    raw = json.loads(newest.read_text())
    if raw["versie"] != newest.stem:
        raise ValueError(f"{newest.name}: versie {raw['versie']!r} does not match the file name")
    return Regelset.from_dict(raw), raw
