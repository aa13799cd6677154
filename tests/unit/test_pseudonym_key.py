"""Pseudonyms hold only under a secret key: the services that pseudonymise (intake, caseregie)
refuse to start without one, with a known one or a weak one, unless ALLOW_DEVELOPMENT_KEYS says
this is a development machine; `make up` makes a random key once and reuses it."""
import hashlib
import hmac
import os
import stat
import subprocess
import sys
from uuid import UUID

import pytest

from deploy.stack import ROOT
from deploy.up import ensure_pseudonym_key, pseudonym_env
from runtime.pseudonyms import DEVELOPMENT_KEY, MIN_KEY_BYTES, UnsafePseudonymKey, keyed_id, weakness
from services.caseregie.settings import CaseregieSettings
from services.intake.bootstrap import IntakeSettings
from services.intake.domain.model import pseudonym

PSEUDONYMISING = [("intake", IntakeSettings, 8001), ("caseregie", CaseregieSettings, 8003)]
SAFE_KEY = "q7N2vX9pL4mR8sT1wY6zB3cF5hJ0kD-_aEgUiOo"


@pytest.fixture
def env(monkeypatch):
    """No pseudonym settings from the suite's environment: each test sets its own."""
    for name in list(os.environ):
        if name.endswith(("PSEUDONYM_KEY", "ALLOW_DEVELOPMENT_KEYS")):
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.mark.parametrize(("service", "settings", "port"), PSEUDONYMISING)
def test_refuses_without_a_key(env, service, settings, port):
    with pytest.raises(UnsafePseudonymKey, match="no PSEUDONYM_KEY is set"):
        settings.for_service(service, port)


@pytest.mark.parametrize(("service", "settings", "port"), PSEUDONYMISING)
@pytest.mark.parametrize("key", [DEVELOPMENT_KEY, "kort-maar-geheim", "ab" * 32])
def test_refuses_the_old_default_and_weak_keys(env, service, settings, port, key):
    env.setenv("PSEUDONYM_KEY", key)
    with pytest.raises(UnsafePseudonymKey, match="pseudonyms under it can be reversed"):
        settings.for_service(service, port)


@pytest.mark.parametrize(("service", "settings", "port"), PSEUDONYMISING)
def test_the_development_flag_allows_the_development_key(env, service, settings, port):
    env.setenv("ALLOW_DEVELOPMENT_KEYS", "true")
    assert settings.for_service(service, port).pseudonym_key == DEVELOPMENT_KEY
    env.setenv("PSEUDONYM_KEY", DEVELOPMENT_KEY)
    assert settings.for_service(service, port).pseudonym_key == DEVELOPMENT_KEY


@pytest.mark.parametrize(("service", "settings", "port"), PSEUDONYMISING)
def test_a_long_random_key_is_taken_as_it_is_and_never_shown(env, service, settings, port):
    env.setenv(f"{service.upper()}_PSEUDONYM_KEY", SAFE_KEY)
    loaded = settings.for_service(service, port)
    assert loaded.pseudonym_secret == SAFE_KEY.encode()
    assert SAFE_KEY not in repr(loaded)


def test_settings_made_directly_are_checked_too(env):
    with pytest.raises(ValueError, match="no PSEUDONYM_KEY is set"):
        CaseregieSettings()
    assert IntakeSettings(pseudonym_key=SAFE_KEY).pseudonym_key == SAFE_KEY
    assert IntakeSettings.for_service("intake", 8001, pseudonym_key=SAFE_KEY).pseudonym_key == SAFE_KEY


def test_the_service_process_does_not_start_without_a_key():
    env = {k: v for k, v in os.environ.items() if not k.endswith(("PSEUDONYM_KEY", "ALLOW_DEVELOPMENT_KEYS"))}
    done = subprocess.run([sys.executable, "-m", "services.intake"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "no PSEUDONYM_KEY is set" in done.stderr


def test_make_up_makes_a_random_key_once_and_reuses_it(tmp_path, env):
    data = tmp_path / ".data"
    key = ensure_pseudonym_key(data)
    assert len(key.encode()) >= MIN_KEY_BYTES and weakness(key) is None
    assert stat.S_IMODE((data / "pseudonym.key").stat().st_mode) == 0o600
    assert ensure_pseudonym_key(data) == key  # the same key on the next start
    assert pseudonym_env(data) == {"PSEUDONYM_KEY": key}
    assert ensure_pseudonym_key(tmp_path / "other") != key  # random, not a constant


def test_make_up_keeps_a_key_the_environment_gives(tmp_path, env):
    env.setenv("PSEUDONYM_KEY", SAFE_KEY)
    assert pseudonym_env(tmp_path) == {"PSEUDONYM_KEY": SAFE_KEY}
    assert not (tmp_path / "pseudonym.key").exists()


def test_pseudonyms_are_hmac_sha256_under_the_key():
    secret = SAFE_KEY.encode()
    expected = UUID(bytes=hmac.new(secret, b"111222333", hashlib.sha256).digest()[:16], version=4)
    assert pseudonym(secret, "111222333") == expected
    assert keyed_id(secret, "manager", "sub-1") == keyed_id(secret, "manager", "sub-1")
    assert keyed_id(secret, "manager", "sub-1") != keyed_id(secret, "jeugdbeschermer", "sub-1")
    assert keyed_id(secret, "manager", "sub-1") != keyed_id(b"another key", "manager", "sub-1")
