"""Settings of reporting; each can be set as REPORTING_<NAME> (e.g. REPORTING_ONDERDRUKKINGSDREMPEL)."""
import os
from typing import Self

from pydantic import AliasChoices, Field

from runtime.settings import ServiceSettings

# The threshold's earlier name, still read: REPORTING_SUPPRESSION_THRESHOLD (or SUPPRESSION_THRESHOLD).
ONDERDRUKKINGSDREMPEL_OUD = "suppression_threshold"


class ReportingSettings(ServiceSettings):
    # Per-municipality counts from 1 to this - 1 are suppressed in everything published
    # (JSON, CSV, quarterly report, dashboard), with secondary suppression; the JSON of
    # GET /v1/kpis shows it as `onderdrukkingsdrempel`.
    onderdrukkingsdrempel: int = Field(
        default=5, validation_alias=AliasChoices("onderdrukkingsdrempel", ONDERDRUKKINGSDREMPEL_OUD))
    # How often the dashboard page asks for fresh figures.
    dashboard_refresh_s: float = 5.0
    # Worker processes a full rebuild projects the history in (each a share of the dossiers,
    # over one snapshot); 1 projects in the service's own process.
    rebuild_workers: int = Field(default=2, ge=1, le=16)
    # Answers of GET /v1/kpis computed in a worker process of their own (started at the first
    # question), so the event loop serves other requests meanwhile; false computes in this process.
    kpi_worker_process: bool = True

    @classmethod
    def for_service(cls, name: str, default_port: int, **explicit) -> Self:
        """As every service's, and <NAME>_SUPPRESSION_THRESHOLD still sets the threshold (below
        <NAME>_ONDERDRUKKINGSDREMPEL, over the unprefixed names)."""
        prefix = f"{name.upper()}_"
        oud = os.environ.get(prefix + ONDERDRUKKINGSDREMPEL_OUD.upper())
        if oud is not None and prefix + "ONDERDRUKKINGSDREMPEL" not in os.environ:
            explicit.setdefault("onderdrukkingsdrempel", oud)
        return super().for_service(name, default_port, **explicit)
