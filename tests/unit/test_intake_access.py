"""Who may see and change which report: intake's access rules, decided from the verified caller."""
from dataclasses import replace

import pytest

from runtime.errors import Forbidden, InvalidInput
from runtime.identity import (
    BEHEER,
    GI_MANAGER,
    GI_ROL,
    LOKAAL_TEAM,
    PRIVACY,
    REGIO,
    RVDK,
    VEILIG_THUIS,
    Principal,
)
from services.intake.domain.access import (
    REFERRED,
    Scope,
    check_submission,
    completing_scope,
    reading_scope,
)
from services.intake.domain.model import STATUS_ORDER, Melding
from tests.unit.test_intake_model import NOW, REPORT, gegevens

TEAM = Principal(sub="a@WT-GM0599", rol=LOKAAL_TEAM, organisatie="WT-GM0599", gemeente="GM0599")
VT = Principal(sub="b@VT-RR", rol=VEILIG_THUIS, organisatie="VT-RR")
RAAD = Principal(sub="c@RvdK", rol=RVDK, organisatie="RvdK")
OUTSIDERS = [Principal(sub="x", rol=rol, organisatie=org) for rol, org in (
    (GI_ROL, "WSS"), (GI_MANAGER, "WSS"), (REGIO, "GRJR"), (PRIVACY, "GRJR"), (BEHEER, "jbketen-beheer"))]


def melding(organisatie="WT-GM0599", status="received") -> Melding:
    return replace(Melding.receive(gegevens(REPORT), b"key", NOW, organisatie=organisatie), status=status)


def test_referred_means_complete_and_in_the_chain():
    assert REFERRED == tuple(s for s in STATUS_ORDER if s != "incomplete")


@pytest.mark.parametrize("gemeente", ["GM0606", "GM0363", "GM9999"])  # of the region, or not
def test_a_local_team_submits_for_its_own_municipality_only(gemeente):
    check_submission(TEAM, "GM0599")
    with pytest.raises(Forbidden) as refused:
        check_submission(TEAM, gemeente)
    assert refused.value.field == "gemeente" and gemeente in refused.value.detail


@pytest.mark.parametrize("gemeente", ["GM0599", "GM0606", "GM1924"])
def test_veilig_thuis_submits_for_any_municipality_of_the_region(gemeente):
    check_submission(VT, gemeente)


@pytest.mark.parametrize("gemeente", ["GM0363", "GM9999"])
def test_a_municipality_outside_the_region_is_invalid_input(gemeente):
    with pytest.raises(InvalidInput) as refused:
        check_submission(VT, gemeente)
    assert refused.value.field == "gemeente"


@pytest.mark.parametrize("principal", [RAAD, *OUTSIDERS], ids=lambda p: p.rol)
def test_nobody_else_submits_reads_or_completes(principal):
    with pytest.raises(Forbidden):
        check_submission(principal, "GM0599")
    with pytest.raises(Forbidden):
        completing_scope(principal)
    if principal is not RAAD:
        with pytest.raises(Forbidden):
            reading_scope(principal)


def test_submitters_see_and_complete_their_own_organisations_reports():
    for principal in (TEAM, VT):
        own = Scope(organisatie=principal.organisatie, referred_only=False)
        assert reading_scope(principal) == completing_scope(principal) == own
    scope = reading_scope(TEAM)
    assert scope.admits(melding(status="incomplete"))
    assert not scope.admits(melding(organisatie="WT-GM0599-Noord"))
    assert not scope.admits(melding(organisatie="VT-RR"))
    assert not scope.admits(melding(organisatie=None))  # from before identity: nobody's own


@pytest.mark.parametrize("status", STATUS_ORDER)
def test_the_rvdk_sees_every_referred_report_whoever_submitted_it(status):
    scope = reading_scope(RAAD)
    for organisatie in ("WT-GM0599", "VT-RR", None):
        assert scope.admits(melding(organisatie, status)) is (status != "incomplete")
