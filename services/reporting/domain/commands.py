"""What reporting is asked to do: one command per use case, built by a route from the validated
query or body, and handled through the message bus. The region's figures have no caller in them:
they are the same for every reader (runtime.access decides who reads them). A GI's reading and
the final marking of a quarter carry their caller: who wrote it, for which GI."""
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from runtime.identity import Principal


@dataclass(frozen=True)
class ReadKpis:
    """The KPIs of one period (`periode`, or the running period of `periode_type`), for a GI or a
    municipality. `max_oud_s`: how stale an answer the caller accepts (None: the current one);
    `actualiteit`: how current the figures are, returned with them."""

    kpi: Sequence[str] | None = None
    gi: str | None = None
    gemeente: str | None = None
    periode: str | None = None
    periode_type: str | None = None
    max_oud_s: float | None = None
    actualiteit: Any = None


@dataclass(frozen=True)
class ExportKpis:
    """The KPIs of one period with their tables per municipality x GI (the CSV export)."""

    kpi: Sequence[str] | None = None
    gemeente: str | None = None
    periode: str | None = None
    periode_type: str | None = None
    max_oud_s: float | None = None


@dataclass(frozen=True)
class ReadCatalogus:
    """The KPI catalogue: how each number is made."""


@dataclass(frozen=True)
class ReadTrend:
    """The KPIs per quarter for the last `kwartalen` quarters up to `tot` (default: now)."""

    kpi: Sequence[str]
    kwartalen: int = 8
    tot: str | None = None


@dataclass(frozen=True)
class ReadKwartaalrapportage:
    kwartaal: str


@dataclass(frozen=True)
class RequestHerberekening:
    """Rebuild the projection from the full history in the background; `vervangen`: swap it in
    when it differs from the live one."""

    vervangen: bool = False


@dataclass(frozen=True)
class ListHerberekeningen:
    """The recent rebuilds."""


@dataclass(frozen=True)
class ReadHerberekening:
    herberekening_id: UUID


# ---- the GIs' readings, the final marking and the infographic ----------------------------------


@dataclass(frozen=True)
class AddDuiding:
    """The caller's GI's reading of a quarter: of one KPI (`kpi`) or of its own figures (None)."""

    caller: Principal
    kwartaal: str
    tekst: str
    kpi: str | None = None


@dataclass(frozen=True)
class ListDuidingen:
    kwartaal: str


@dataclass(frozen=True)
class StelKwartaalVast:
    """Mark the quarter's report final: readings added after it are addenda."""

    caller: Principal
    kwartaal: str


@dataclass(frozen=True)
class ReadInfographic:
    """A municipality's figures of a quarter, their trend and the GIs' readings, on one page."""

    kwartaal: str
    gemeente: str
    kwartalen: int = 5
