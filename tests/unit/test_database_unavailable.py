"""Which errors mean "the database is away" (503 with Retry-After) rather than a failed statement."""
import asyncpg
from sqlalchemy.exc import DBAPIError, IntegrityError

from runtime.db import unavailable


def _wrapped(orig: Exception, invalidated: bool = False) -> DBAPIError:
    return DBAPIError("SELECT 1", {}, orig, connection_invalidated=invalidated)


def test_a_server_going_away_or_not_there_is_unavailable():
    assert unavailable(ConnectionRefusedError(111, "refused"))
    assert unavailable(_wrapped(asyncpg.exceptions.AdminShutdownError("terminating")))
    assert unavailable(_wrapped(asyncpg.exceptions.CannotConnectNowError("starting up")))
    assert unavailable(_wrapped(asyncpg.exceptions.ConnectionDoesNotExistError("closed")))
    assert unavailable(_wrapped(RuntimeError("x"), invalidated=True))
    try:
        try:
            raise OSError("connection lost")
        except OSError as cause:
            raise RuntimeError("while committing") from cause
    except RuntimeError as exc:
        assert unavailable(exc)


def test_a_failed_statement_is_not():
    assert not unavailable(IntegrityError("INSERT", {}, asyncpg.exceptions.UniqueViolationError("dup")))
    assert not unavailable(_wrapped(asyncpg.exceptions.UndefinedTableError("no table")))
    assert not unavailable(ValueError("bad"))
