"""The KPI catalogue is a versioned JSON file the region reviews; the newest version is active."""

import json
from functools import cache
from pathlib import Path

from services.reporting.domain.model import Catalogus

FOLDER = Path(__file__).parent.parent / "catalogus"


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(p) for p in path.stem.split("."))


@cache
def actief(folder: Path = FOLDER) -> Catalogus:
    newest = max(folder.glob("*.json"), key=_version_key)
    raw = json.loads(newest.read_text())
    if raw["versie"] != newest.stem:
        raise ValueError(f"{newest.name}: versie {raw['versie']!r} does not match the file name")
    return Catalogus.from_dict(raw)
