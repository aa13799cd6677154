"""Settings of triage; each can be set as TRIAGE_<NAME> or <NAME> (e.g. TRIAGE_AUTO_CONFIRM)."""
from pydantic import Field

from runtime.retention import RetentionSettings


class TriageSettings(RetentionSettings):
    # BEWAARTERMIJN_JAREN (runtime.retention): the RvdK's free text is erased that many years after
    # the family's file closed.
    # Demo mode: every proposal is confirmed at once and a measure recorded, so a report flows to
    # a case by itself. Off (the default, production): the RvdK confirms or overrides over the API.
    auto_confirm: bool = False
    # A consultation request's pseudonymous family id is erased this many years after the request's
    # last activity (the request or its latest hours): C&A is advice without a measure, no file of a
    # GI's; the year's figures (category, municipality, GI, hours) stay.
    consultatie_bewaartermijn_jaren: int = Field(default=2, ge=1, le=100)
    # The names of the managers who proposed and decided on a ruleset version are erased this many
    # years after the proposal closed (activated, rejected or superseded); the GI, the token subject,
    # the decision and its date stay, as the record of who carried the rules.
    regelset_namen_bewaartermijn_jaren: int = Field(default=7, ge=1, le=100)
