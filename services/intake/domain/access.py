"""Who may see and change which report (domain §7), decided from the verified caller. Pure.

- a local team submits for its own municipality and reads and completes its own team's reports;
- Veilig Thuis submits for any municipality of the region and reads and completes its own reports;
- the RvdK reads the reports referred to it: those that are complete and entered the chain.

Another organisation's report does not exist for the caller (404, never 403), so nobody learns
from intake which reports exist elsewhere.
"""
from dataclasses import dataclass

from runtime.errors import Forbidden, InvalidInput
from runtime.identity import LOKAAL_TEAM, RVDK, VEILIG_THUIS, Principal
from services.intake.domain.model import STATUS_ORDER, Melding, is_known_gemeente

# A report is referred to the RvdK once it is complete and has entered the chain.
REFERRED = STATUS_ORDER[STATUS_ORDER.index("received"):]
SUBMITTERS = (LOKAAL_TEAM, VEILIG_THUIS)


@dataclass(frozen=True)
class Scope:
    """The reports a caller may see. No defaults: every scope says what it limits."""

    organisatie: str | None  # only the reports this organisation submitted (None: any submitter)
    referred_only: bool  # only the reports that entered the chain (status received or later)

    def admits(self, melding: Melding) -> bool:
        if self.organisatie is not None and melding.organisatie != self.organisatie:
            return False
        return not self.referred_only or melding.status in REFERRED


def check_submission(principal: Principal, gemeente: str) -> None:
    """A local team reports for the municipality in its token (any other: 403, whether or not it
    is one of the region's); Veilig Thuis for any municipality of the region."""
    if not principal.is_a(*SUBMITTERS):
        raise Forbidden(f"role {principal.rol} does not submit reports")
    if principal.is_a(LOKAAL_TEAM) and gemeente != principal.gemeente:
        raise Forbidden(f"gemeente: your token is for the local team of {principal.gemeente}; it "
                        f"does not report for {gemeente}", field="gemeente")
    if not is_known_gemeente(gemeente):
        raise InvalidInput(f"gemeente: unknown municipality code {gemeente!r}: use a CBS code of "
                           "the region", field="gemeente")


def reading_scope(principal: Principal) -> Scope:
    """What the caller may read: its own organisation's reports, or for the RvdK the referred ones."""
    if principal.is_a(*SUBMITTERS):
        return Scope(organisatie=principal.organisatie, referred_only=False)
    if principal.is_a(RVDK):
        return Scope(organisatie=None, referred_only=True)
    raise Forbidden(f"role {principal.rol} reads no reports")


def completing_scope(principal: Principal) -> Scope:
    """Only the submitting organisation completes its urgent report."""
    if principal.is_a(*SUBMITTERS):
        return Scope(organisatie=principal.organisatie, referred_only=False)
    raise Forbidden(f"role {principal.rol} does not complete reports")
