"""Logs never hold personal data.

An exception's message may carry the data it failed on: a database error its SQL parameters and
the failing row (PostgreSQL's DETAIL: `Failing row contains (..., 'Jansen', ...)`), a parse error
the value (`Invalid isoformat string: '...'`), a pydantic error the input. So in this process's
logs an exception is shown by its type, its SQLSTATE when it has one, and the code it passed
through (file, line, function), never by its message or its values; only the messages of errors
that carry no data (network, time-outs, the domain's own refusals) stay. And an access-log line
keeps the path, never the query string. Installed once per process (`install`), for every
logger: a log record factory rewrites each record as it is made, before any handler sees it.
"""
import logging
import traceback
from collections.abc import Callable

from runtime.errors import DomainError

# Messages of these carry no personal data, and help operations: a host and port, a time-out, and
# the domain's own refusals (written for the API's problem answers, naming fields and ids only).
SAFE_MESSAGES: tuple[type[BaseException], ...] = (OSError, DomainError)
ACCESS_LOGGER = "uvicorn.access"
_installed: list[Callable[..., logging.LogRecord]] = []


def sqlstate(exc: BaseException) -> str | None:
    """The PostgreSQL error code of the exception (or what it wraps), if any."""
    for candidate in (exc, getattr(exc, "orig", None), getattr(exc, "__cause__", None)):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(code, str):
            return code
    return None


def describe(exc: BaseException) -> str:
    """The exception as logs may show it: its type, its SQLSTATE, and a message only when that
    kind of error never carries data; then the same for what caused it."""
    parts, hidden = [], False
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen and len(parts) < 5:
        seen.add(id(exc))
        text, code = type(exc).__qualname__, sqlstate(exc)
        if code:
            text += f" [SQLSTATE {code}]"
        if isinstance(exc, SAFE_MESSAGES) and not code:
            text += f": {exc}" if str(exc) else ""
        else:
            hidden = hidden or bool(str(exc))
        parts.append(text)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return " <- ".join(parts) + (" (message hidden: it may hold personal data)" if hidden else "")


def safe_traceback(exc: BaseException) -> str:
    """The frames the exception passed through (code only, no values) and its description."""
    frames = traceback.extract_tb(exc.__traceback__)
    lines = ["Traceback (most recent call last; messages and values hidden):"]
    lines += [f'  File "{f.filename}", line {f.lineno}, in {f.name}' for f in frames]
    lines.append(describe(exc))
    return "\n".join(lines)


def _without_query(path: object) -> object:
    return path.split("?", 1)[0] if isinstance(path, str) else path


def scrub(record: logging.LogRecord) -> logging.LogRecord:
    """The record without exception messages, exception values in its arguments, or query strings."""
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = safe_traceback(record.exc_info[1])
        record.exc_info = None
    if isinstance(record.msg, BaseException):
        record.msg = describe(record.msg)
    if isinstance(record.args, tuple) and record.args:
        args = tuple(describe(a) if isinstance(a, BaseException) else a for a in record.args)
        if record.name == ACCESS_LOGGER and len(args) >= 3:  # (client, method, path, version, status)
            args = (*args[:2], _without_query(args[2]), *args[3:])
        record.args = args
    return record


def install() -> None:
    """Scrub every log record this process makes (idempotent)."""
    if _installed:
        return
    make = logging.getLogRecordFactory()

    def scrubbed(*args, **kwargs) -> logging.LogRecord:
        return scrub(make(*args, **kwargs))

    _installed.append(make)
    logging.setLogRecordFactory(scrubbed)
