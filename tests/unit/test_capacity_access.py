"""A GI's staffing is reported by that GI only: the GI comes from the token. Another GI, the RvdK or
no token never reaches the store (the doors a stranger used to set a GI's staffing to 0)."""
import pytest
from fastapi.testclient import TestClient

from contracts.vocabulary import GI
from runtime.errors import Conflict, Forbidden
from runtime.identity import GI_MANAGER, GI_ROL, RVDK, Principal
from services.capacity.bootstrap import DEPENDENCIES, SPEC
from services.capacity.domain.commands import ReportStaffing
from services.capacity.service_layer.unit_of_work import CapacityUnitOfWork
from services.capacity.settings import CapacitySettings
from tests import identity
from tests.clock import pinned
from tests.fakes import InMemoryTransaction, bootstrap_test_app, bootstrap_test_bus

ZERO = {"jeugdbeschermers": 0, "caseload_norm": 1}


class ReachedTheStore(Conflict):
    """Raised by any use of the store (over HTTP: a 409 with this detail)."""


class UntouchableUnitOfWork(InMemoryTransaction, CapacityUnitOfWork):
    def __init__(self):
        super().__init__("capacity", CapacitySettings(), pinned())

    async def __aenter__(self):
        raise ReachedTheStore("reached the store")


def report_staffing(caller: Principal, gi: GI):
    uow = UntouchableUnitOfWork()
    bus = bootstrap_test_bus(SPEC, uow, uow.settings, uow.clock, **DEPENDENCIES)
    return bus.handle(ReportStaffing(caller, gi, caseload_norm=1, jeugdbeschermers=0))


@pytest.mark.parametrize("caller", [
    Principal(sub="s@JBRR", rol=GI_ROL, organisatie="JBRR"),
    Principal(sub="m@JBRR", rol=GI_MANAGER, organisatie="JBRR"),
    Principal(sub="rvdk", rol=RVDK, organisatie="WSS"),  # an organisation named like a GI is no GI
])
async def test_another_caller_never_reaches_the_gis_staffing(caller):
    with pytest.raises(Forbidden) as exc:
        await report_staffing(caller, GI.WSS)
    assert exc.value.field == "gi"


@pytest.mark.parametrize("rol", [GI_ROL, GI_MANAGER])
async def test_the_gi_itself_reaches_the_store(rol):
    with pytest.raises(ReachedTheStore):
        await report_staffing(Principal(sub="s", rol=rol, organisatie="WSS"), GI.WSS)


@pytest.fixture
def client():
    # no `with`: the lifespan (database, broker) never runs
    return TestClient(bootstrap_test_app(SPEC, UntouchableUnitOfWork(), **DEPENDENCIES))


def test_over_http_a_stranger_is_refused_naming_the_gi(client):
    r = client.put("/v1/gis/WSS/capaciteit", json=ZERO)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    r = client.put("/v1/gis/WSS/capaciteit", json=ZERO, headers=identity.gi("JBRR"))
    assert r.status_code == 403 and [p["name"] for p in r.json()["invalidParams"]] == ["gi"]
    for not_a_gi in (identity.rvdk(), identity.regio(), identity.beheer()):
        assert client.put("/v1/gis/WSS/capaciteit", json=ZERO, headers=not_a_gi).status_code == 403
    r = client.put("/v1/gis/WSS/capaciteit", json=ZERO, headers=identity.gi("WSS"))
    assert r.status_code == 409 and r.json()["detail"] == "reached the store"  # WSS itself gets through
