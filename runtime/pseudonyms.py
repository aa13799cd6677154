"""The secret key behind every pseudonym, and the keyed hash (HMAC-SHA256) that makes one.

A pseudonym is only as strong as its key: with ~10^8 possible BSNs, a hash under a key anyone
knows reverses in minutes. So a service that pseudonymises refuses to start without a key of its
own (`PSEUDONYM_KEY`, at least 32 bytes, random), and refuses a key that is known (the old default
in the code) or plainly not random. `ALLOW_DEVELOPMENT_KEYS=true` lets it start with the known
development key instead — for a developer's machine and tests only, never for production.
"""
import contextvars
import hashlib
import hmac
import logging
from typing import Self
from uuid import UUID

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from runtime.settings import ServiceSettings

log = logging.getLogger(__name__)

MIN_KEY_BYTES = 32
MIN_DISTINCT_CHARACTERS = 8  # 32 bytes of few distinct characters ("aaaa…", "1212…") are no secret
# The key that used to be the default in the code: anyone can read it, so it hides nothing.
DEVELOPMENT_KEY = "jbketen-development-only"
KNOWN_KEYS = frozenset({DEVELOPMENT_KEY, "changeme", "secret", "development"})


# Set while ServiceSettings.for_service reads the plain environment alone, where a prefixed key
# (INTAKE_PSEUDONYM_KEY) is not seen yet: the settings it returns are checked instead.
_check_deferred = contextvars.ContextVar("pseudonym_key_check_deferred", default=False)


class UnsafePseudonymKey(ValueError):
    """The configured pseudonym key would not keep the pseudonyms from being reversed."""


def weakness(key: str) -> str | None:
    """Why the key is unsafe for pseudonyms, or None when it is fine."""
    if not key:
        return "no PSEUDONYM_KEY is set"
    if key in KNOWN_KEYS:
        return "PSEUDONYM_KEY is a known (published) key"
    if len(key.encode()) < MIN_KEY_BYTES:
        return f"PSEUDONYM_KEY is shorter than {MIN_KEY_BYTES} bytes"
    if len(set(key)) < MIN_DISTINCT_CHARACTERS:
        return "PSEUDONYM_KEY is not random (too few distinct characters)"
    return None


def checked_key(key: str, allow_development: bool) -> str:
    """The key to use: the configured one when safe; the development key only when explicitly
    allowed; otherwise UnsafePseudonymKey (the service does not start)."""
    reason = weakness(key)
    if reason is None:
        return key
    if not allow_development:
        raise UnsafePseudonymKey(
            f"{reason}: pseudonyms under it can be reversed. Set PSEUDONYM_KEY to at least "
            f"{MIN_KEY_BYTES} random bytes (python -c 'import secrets; print(secrets.token_urlsafe(48))'), "
            "or ALLOW_DEVELOPMENT_KEYS=true on a development machine (never in production).")
    log.warning("%s; ALLOW_DEVELOPMENT_KEYS=true: using the development key (never in production)", reason)
    return key or DEVELOPMENT_KEY


def keyed_id(key: bytes, purpose: str, value: str) -> UUID:
    """A stable pseudonymous id for `value` under the key, separate per `purpose` (the same value
    for two purposes gives two unrelated ids): HMAC-SHA256, the first 16 bytes as a UUID."""
    digest = hmac.new(key, f"{purpose}\x1f{value}".encode(), hashlib.sha256).digest()
    return UUID(bytes=digest[:16], version=4)


class PseudonymSettings(ServiceSettings):
    """Settings of a service that pseudonymises: its secret key, checked when the settings load."""

    # A refusal must not print the settings it was given (the key, passwords in URLs).
    model_config = SettingsConfigDict(hide_input_in_errors=True)

    # The key of the keyed hash behind the pseudonyms (HMAC-SHA256). Required: at least 32 random
    # bytes; `make up` makes one under .data/. Never log it.
    pseudonym_key: str = Field(default="", repr=False)
    # Development only, never in production: start with the known development key when no safe
    # key is set.
    allow_development_keys: bool = False

    @model_validator(mode="after")
    def _safe_pseudonym_key(self) -> Self:
        if not _check_deferred.get():
            self.pseudonym_key = checked_key(self.pseudonym_key, self.allow_development_keys)
        return self

    @classmethod
    def for_service(cls, name: str, default_port: int, **explicit) -> Self:
        token = _check_deferred.set(True)
        try:
            settings = super().for_service(name, default_port, **explicit)
        finally:
            _check_deferred.reset(token)
        settings.pseudonym_key = checked_key(settings.pseudonym_key, settings.allow_development_keys)
        return settings

    @property
    def pseudonym_secret(self) -> bytes:
        return self.pseudonym_key.encode()
