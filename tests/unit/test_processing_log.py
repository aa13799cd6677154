"""The processing log's own rules without a database: the hash chain (a gap, a changed record and
a re-hashed one are each found), one record per data subject in the current trace and span, the
actor, the unit of work that refuses to end with records it never wrote, and the registers."""
import json
from datetime import timedelta, timezone
from pathlib import Path
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import TracerProvider

from runtime import processing_log as pl
from runtime.http import nl_openapi
from runtime.identity import GI_ROL, Principal
from runtime.processing_register import InvalidRegister, Register, Verwerkingsactiviteit
from runtime.service import build_app
from runtime.uow import UnitOfWork, UnloggedProcessing
from services.caseregie.adapters import verwerkingsactiviteiten as caseregie_register
from services.caseregie.bootstrap import SPEC as CASEREGIE
from services.intake.adapters import verwerkingsactiviteiten as intake_register
from services.intake.bootstrap import SPEC as INTAKE
from services.triage.adapters import verwerkingsactiviteiten as triage_register
from services.triage.bootstrap import SPEC as TRIAGE
from tests import identity
from tests.clock import PINNED_NOW, pinned

CASUS_INZIEN = caseregie_register.CASUS_INZIEN
GI = Principal(sub="systeem@WSS", rol=GI_ROL, organisatie="WSS")


class Row:
    """A record as the database gives it back: attributes and a mapping."""

    def __init__(self, values: dict):
        self._mapping = dict(values)
        self.__dict__.update(values)


def verwerking(**changes) -> pl.Verwerking:
    values = dict(tijdstip=PINNED_NOW, actor=pl.Actor.of(GI, "caseregie"), activiteit=CASUS_INZIEN.id,
                  betrokkene=pl.Betrokkene(kind_id=uuid4(), gezin_id=uuid4()), resource_type="casus",
                  resource_id=str(uuid4()), actie=pl.READ, uitkomst=pl.OK, trace_id="a" * 32,
                  span_id="b" * 16)
    return pl.Verwerking(**{**values, **changes})


def chain(n: int) -> list[Row]:
    rows, vorige = [], pl.GENESIS
    for volgnummer in range(1, n + 1):
        rows.append(Row(verwerking(resource_id=f"casus-{volgnummer}").row(volgnummer, vorige)))
        vorige = rows[-1].hash
    return rows


def first_break(rows: list[Row]) -> pl.Breuk | None:
    volgnummer, vorige = 0, pl.GENESIS
    for row in rows:
        if breuk := pl.check_link(row, volgnummer + 1, vorige):
            return breuk
        volgnummer, vorige = row.volgnummer, row.hash
    return None


def edited(row: Row, **changes) -> Row:
    return Row({**row._mapping, **changes})


# --- the chain ------------------------------------------------------------------------------------

def test_an_intact_chain_has_no_break_and_each_record_names_the_hash_before_it():
    rows = chain(5)
    assert first_break(rows) is None
    assert rows[0].vorige_hash == pl.GENESIS
    assert [r.vorige_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]


def test_a_changed_record_is_found():
    rows = chain(5)
    rows[2] = edited(rows[2], actor_sub="iemand-anders")
    assert first_break(rows) == pl.Breuk(3, "gewijzigd", pl.check_link(rows[2], 3, rows[1].hash).toelichting)


def test_a_changed_record_given_a_new_hash_breaks_the_link_to_the_next():
    rows = chain(5)
    forged = edited(rows[2], kind_id=uuid4())
    rows[2] = edited(forged, hash=pl.chain_hash(forged.vorige_hash, forged._mapping))
    breuk = first_break(rows)
    assert (breuk.volgnummer, breuk.reden) == (4, "keten")


def test_a_missing_record_is_found_at_the_one_after_the_gap():
    rows = chain(5)
    del rows[1]
    breuk = first_break(rows)
    assert (breuk.volgnummer, breuk.reden) == (3, "ontbrekend") and "2 to 2" in breuk.toelichting
    assert (pl.check_link(chain(3)[1], 1, pl.GENESIS).reden) == "ontbrekend"  # the first ones deleted


@pytest.mark.parametrize("field", pl.HASHED)
def test_every_field_but_the_hashes_is_covered_by_the_hash(field):
    row = chain(1)[0]
    other = {"volgnummer": 2, "tijdstip": PINNED_NOW + timedelta(microseconds=1), "kind_id": uuid4(),
             "gezin_id": uuid4()}.get(field, "x")
    assert pl.chain_hash(pl.GENESIS, {**row._mapping, field: other}) != row.hash


def test_the_serialisation_is_canonical():
    row = chain(1)[0]._mapping
    same_moment = {**row, "tijdstip": PINNED_NOW.astimezone(timezone(timedelta(hours=5)))}
    assert pl.canonical(dict(reversed(list(row.items())))) == pl.canonical(row) == pl.canonical(same_moment)
    data = json.loads(pl.canonical(row))
    assert set(data) == set(pl.HASHED) and data["tijdstip"].endswith(".000000+00:00")


# --- records ------------------------------------------------------------------------------------

def records(**changes) -> list[pl.Verwerking]:
    values = dict(tijdstip=PINNED_NOW, actor=pl.Actor.of(GI, "caseregie"), activiteit=CASUS_INZIEN.id,
                  subjects=pl.betrokkenen(uuid4(), [uuid4(), uuid4()]), resource=("casus", uuid4()),
                  actie=pl.READ, uitkomst=pl.OK)
    return pl.records(**{**values, **changes})


def test_one_record_per_data_subject_each_with_its_family():
    gezin, kinderen = uuid4(), [uuid4(), uuid4()]
    made = records(subjects=pl.betrokkenen(gezin, [*kinderen, kinderen[0]]))
    assert [(r.betrokkene.kind_id, r.betrokkene.gezin_id) for r in made] == [(k, gezin) for k in kinderen]
    assert pl.betrokkenen(gezin, []) == [pl.Betrokkene(gezin_id=gezin)]  # a family without a child yet


@pytest.mark.parametrize("changes", [{"actie": "look"}, {"uitkomst": "maybe"}, {"subjects": []}])
def test_a_record_names_a_known_action_outcome_and_its_subjects(changes):
    with pytest.raises(ValueError):
        records(**changes)


def test_records_carry_the_current_trace_and_span():
    assert {(r.trace_id, r.span_id) for r in records()} == {(None, None)}  # outside any trace
    with TracerProvider().get_tracer("test").start_as_current_span("GET /v1/casussen/{id}") as span:
        made = records()
    context = span.get_span_context()
    assert {(r.trace_id, r.span_id) for r in made} == {
        (format(context.trace_id, "032x"), format(context.span_id, "016x"))}


def test_the_actor_is_the_caller_or_the_service_itself():
    assert pl.Actor.of(GI, "caseregie") == pl.Actor(sub="systeem@WSS", rol=GI_ROL, organisatie="WSS")
    assert pl.Actor.of(None, "intake") == pl.Actor(sub="intake", rol="systeem", organisatie="jbketen")


# --- the unit of work ----------------------------------------------------------------------------

class FakeSession:
    def __init__(self):
        self.rolled_back = 0

    async def rollback(self):
        self.rolled_back += 1

    async def close(self):
        pass


def unit_of_work(source: str = "caseregie") -> UnitOfWork:
    return UnitOfWork(FakeSession, source, clock=pinned())


async def test_a_unit_of_work_that_ends_without_writing_its_records_fails():
    uow = unit_of_work()
    with pytest.raises(UnloggedProcessing):
        async with uow:
            uow.log_processing(activity=CASUS_INZIEN, subjects=[pl.Betrokkene(kind_id=uuid4())],
                               resource=("casus", uuid4()), action=pl.READ, actor=GI)
    with pytest.raises(KeyError):  # a failing processing: its records go with its rollback
        async with uow:
            uow.log_processing(activity=CASUS_INZIEN, subjects=[pl.Betrokkene(kind_id=uuid4())],
                               resource=("casus", uuid4()), action=pl.READ, actor=GI)
            raise KeyError("not found")
    async with uow:
        uow.log_processing(activity=CASUS_INZIEN, subjects=[pl.Betrokkene(kind_id=uuid4())],
                           resource=("casus", uuid4()), action=pl.READ, actor=GI)
        await uow.rollback()  # rolled back on purpose: nothing was processed


async def test_a_unit_of_work_logs_only_activities_of_its_own_service():
    uow = unit_of_work("intake")
    async with uow:
        with pytest.raises(ValueError, match="not an activity of intake"):
            uow.log_processing(activity=CASUS_INZIEN, subjects=[pl.Betrokkene(kind_id=uuid4())],
                               resource=("casus", uuid4()), action=pl.READ)


# --- the registers --------------------------------------------------------------------------------

MODULES = {"intake": intake_register, "triage": triage_register, "caseregie": caseregie_register}


@pytest.mark.parametrize("dienst", MODULES)
def test_each_register_names_purpose_legal_basis_and_retention_of_every_activity(dienst):
    register = MODULES[dienst].REGISTER
    assert register.dienst == dienst and register.log_inzien.id == f"{dienst}.verwerkingen-inzien.v1"
    for activiteit in register.activiteiten:
        assert activiteit.dienst == dienst
        assert activiteit.grondslag and any("AVG" in g for g in activiteit.grondslag), activiteit.id
        assert activiteit.doel and activiteit.bewaartermijn and activiteit.categorieen_gegevens


@pytest.mark.parametrize("dienst", MODULES)
def test_every_activity_of_a_register_is_one_the_service_logs(dienst):
    """Each activity has its constant, and the service's code uses it (the log's own reading is
    logged by the runtime): no activity in the register that nothing logs."""
    module = MODULES[dienst]
    constants = {name: v.id for name, v in vars(module).items() if isinstance(v, Verwerkingsactiviteit)}
    register = module.REGISTER
    assert {*constants.values(), register.log_inzien.id} == {a.id for a in register.activiteiten}
    folder = Path(module.__file__).parents[1]
    code = "\n".join(f.read_text() for f in folder.rglob("*.py") if f != Path(module.__file__))
    assert [name for name in constants if name not in code] == []


TRIAGE_REGISTER = Path(triage_register.__file__).with_suffix(".json")


def register_file(tmp_path, activiteit: dict | None = None) -> Path:
    """triage's register with a change to its first activity."""
    data = json.loads(TRIAGE_REGISTER.read_text())
    data["activiteiten"][0].update(activiteit or {})
    path = tmp_path / "register.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(("change", "why"), [
    ({"activiteit": {"id": "triage.Advies inzien.v1"}}, "is not"),
    ({"activiteit": {"id": "intake.advies-inzien.v1"}}, "is not"),
    ({"activiteit": {"id": "triage.advies-inzien"}}, "is not"),
    ({"activiteit": {"grondslag": []}}, "has no grondslag"),
    ({"activiteit": {"doel": " "}}, "has no doel"),
    ({"activiteit": {"id": "triage.advies-inzien.v1"}}, "given twice"),
])
def test_an_invalid_register_stops_the_service(tmp_path, change, why):
    with pytest.raises(InvalidRegister, match=why):
        Register.load(register_file(tmp_path, **change))


def test_a_register_without_the_log_reading_activity_is_refused(tmp_path):
    path = register_file(tmp_path)
    data = json.loads(path.read_text())
    data["activiteiten"] = [a for a in data["activiteiten"] if "verwerkingen-inzien" not in a["id"]]
    path.write_text(json.dumps(data))
    with pytest.raises(InvalidRegister, match="verwerkingen-inzien"):
        Register.load(path)


# --- over HTTP, before any database is reached -------------------------------------------------------

@pytest.fixture(scope="module")
def apps():
    """The three services' apps; no `with`: the lifespan (database, broker) never runs."""
    return {name: TestClient(build_app(spec)) for name, spec in
            (("intake", INTAKE), ("triage", TRIAGE), ("caseregie", CASEREGIE))}


OTHERS = {"lokaal_team": identity.lokaal_team(), "veilig_thuis": identity.veilig_thuis(),
          "rvdk": identity.rvdk(), "gi": identity.gi("WSS"), "gi_manager": identity.gi_manager("WSS"),
          "regio": identity.regio(), "beheer": identity.beheer()}


@pytest.mark.parametrize("dienst", MODULES)
def test_every_role_reads_the_register_and_only_the_privacy_officer_the_log(apps, dienst):
    http = apps[dienst]
    for caller in [*OTHERS.values(), identity.privacy()]:
        r = http.get("/v1/verwerkingsactiviteiten", headers=caller)
        assert r.status_code == 200
        assert [a["id"] for a in r.json()] == [a.id for a in MODULES[dienst].REGISTER.activiteiten]
    assert http.get("/v1/verwerkingsactiviteiten").status_code == 401
    for path in ("/v1/verwerkingen", "/v1/verwerkingen/integriteit"):
        for rol, caller in OTHERS.items():
            assert http.get(path, headers=caller).status_code == 403, (rol, path)
        assert http.get(path).status_code == 401


def test_the_search_by_bsn_is_for_the_privacy_officer_and_never_echoes_the_bsn(apps):
    http = apps["intake"]
    for caller in OTHERS.values():
        assert http.post("/v1/verwerkingen/zoekopdrachten", json={"bsn": "111222333"},
                         headers=caller).status_code == 403
    for body, field in (({"bsn": "123456789"}, "bsn"), ({"bsn": "11122233"}, "bsn"),
                        ({"bsn": "111222333", "naam": "Sem"}, "naam")):
        r = http.post("/v1/verwerkingen/zoekopdrachten", json=body, headers=identity.privacy())
        assert r.status_code == 400 and [p["name"] for p in r.json()["invalidParams"]] == [field]
        assert body["bsn"] not in r.text
    assert "bsn" not in {p["name"] for op in nl_openapi(http.app, "1.0.0")["paths"].values()
                         for o in op.values() for p in o.get("parameters", [])}  # never in a URL
