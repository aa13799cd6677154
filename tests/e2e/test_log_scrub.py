"""Logs never hold personal data, tried from outside against a running intake whose log goes to a
file: a NUL byte in a name, values that fail validation, a database error (whose message would
carry the failing row), an unexpected exception in a handler (whose message would carry the stored
value it failed on) and personal data in a query string. Every request carries a child's name, BSN
and birth date, the reporter's phone and free text; none of them may appear in the log, while the
errors themselves are logged (by type, SQLSTATE and code location)."""
import copy
import time

import httpx
import pytest
import sqlalchemy as sa

from deploy.stack import Stack, database_url_for, free_port
from runtime import db
from tests import identity

pytestmark = pytest.mark.e2e

VOORNAAM, ACHTERNAAM, BSN, GEBOORTEDATUM = "Rosalie", "Vermeulen-Otten", "123456782", "2016-04-12"
TELEFOON, VRIJE_TEKST = "010-7654321", "Vader dreigt de kinderen mee te nemen naar Portugal"
PERSONAL = (VOORNAAM, ACHTERNAAM, BSN, GEBOORTEDATUM, TELEFOON, VRIJE_TEKST, "Portugal")
REPORT = {
    "gemeente": "GM0599",
    "melder": {"organisatie": "Wijkteam Feijenoord", "naam": "A. Brouwer", "telefoon": TELEFOON},
    "urgentie": "regulier",
    "gezin": {"kinderen": [{"voornaam": VOORNAAM, "achternaam": ACHTERNAAM, "geboortedatum": GEBOORTEDATUM,
                            "bsn": BSN}],
              "ouders": [{"voornaam": "Kees", "achternaam": ACHTERNAAM}]},
    "zorgen": ["veiligheid"],
    "kenmerken": [],
    "toelichting": VRIJE_TEKST,
}
TEAM = identity.lokaal_team("GM0599")


@pytest.fixture(scope="module")
def intake(database_server_url, kafka_bootstrap, database_prefix, tmp_path_factory):
    """intake alone, on databases of its own (this test breaks its database on purpose)."""
    prefix = f"{database_prefix}_scrub"
    stack = Stack(database_server_url, kafka_bootstrap, ports={"intake": free_port()}, database_prefix=prefix,
                  env={"INTAKE_KAFKA_GROUP_ID": f"{prefix}-intake"}, issuer=identity.ISSUER,
                  log_dir=tmp_path_factory.mktemp("logs"))
    try:
        stack.start_all()
        yield stack, database_url_for(database_server_url, "intake", prefix)
    finally:
        stack.stop_all()


async def _sql(url: str, statement: str) -> None:
    engine = db.create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(statement))
    finally:
        await engine.dispose()


def _log(stack: Stack) -> str:
    time.sleep(0.5)  # the service writes unbuffered; give the last lines a moment
    return (stack.log_dir / "intake.log").read_text(errors="replace")


async def test_errors_with_personal_data_leave_none_of_it_in_the_log(intake):
    stack, url = intake
    async with httpx.AsyncClient(base_url=stack.url("intake"), headers=TEAM, timeout=10) as client:
        # A NUL byte in a name: refused at the door.
        nul = copy.deepcopy(REPORT)
        nul["gezin"]["kinderen"][0]["voornaam"] = VOORNAAM + "\u0000"
        assert (await client.post("/v1/meldingen", json=nul)).status_code == 400

        # Values that fail validation (a BSN failing the eleven-test, a birth date in the future).
        invalid = copy.deepcopy(REPORT)
        invalid["gezin"]["kinderen"].append({"voornaam": VOORNAAM, "achternaam": ACHTERNAAM,
                                             "bsn": "123456789", "geboortedatum": "2999-01-01"})
        assert (await client.post("/v1/meldingen", json=invalid)).status_code == 400

        # An unexpected exception in a handler: a stored value the code cannot parse, which its
        # message would quote.
        stored = (await client.post("/v1/meldingen", json=REPORT)).json()["id"]
        await _sql(url, "UPDATE meldingen SET stappen = jsonb_set(stappen, '{0,tijdstip}', "
                        f"to_jsonb('{VOORNAAM} {ACHTERNAAM} {BSN} {GEBOORTEDATUM}'::text)) "
                        f"WHERE id = '{stored}'")
        broken = await client.get(f"/v1/meldingen/{stored}")
        assert broken.status_code == 500 and VOORNAAM not in broken.text

        # A database error: the server refuses the row, and its message would hold the whole row.
        await _sql(url, "ALTER TABLE meldingen ADD CONSTRAINT scrub_test "
                        "CHECK (toelichting NOT LIKE '%Portugal%') NOT VALID")
        refused = await client.post("/v1/meldingen", json=REPORT)
        assert refused.status_code == 500 and refused.headers["content-type"] == "application/problem+json"
        assert "API-Version" in refused.headers

        # Personal data in a query string.
        await client.get("/v1/meldingen", params={"status": f"{VOORNAAM} {ACHTERNAAM} {BSN}"})

    log = _log(stack)
    assert "SQLSTATE 23514" in log  # the check violation is logged, by its code
    assert f"GET /v1/meldingen/{stored}" in log and "ValueError" in log  # the handler's error too
    assert '"GET /v1/meldingen HTTP/1.1"' in log  # the access log keeps the path, not the query
    leaked = [value for value in PERSONAL if value in log]
    assert leaked == [], f"personal data in the log: {leaked}"


async def test_no_engine_shows_the_sql_parameters_of_a_failing_statement(database_server_url):
    engine = db.create_engine(database_server_url)
    try:
        async with engine.connect() as conn:
            with pytest.raises(sa.exc.DBAPIError) as failed:
                await conn.execute(sa.text("SELECT CAST(:bsn AS integer) + CAST(:naam AS integer)"),
                                   {"bsn": "12345678x", "naam": VOORNAAM})
    finally:
        await engine.dispose()
    assert "parameters hidden" in str(failed.value) and VOORNAAM not in str(failed.value)
