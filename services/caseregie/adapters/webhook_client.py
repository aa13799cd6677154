"""The webhooks' ways out: resolving, checking and POSTing are the runtime's (runtime/webhook_client.py,
named here as caseregie always had them); the key that keeps signing secrets encrypted at rest."""
import os
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from runtime.webhook_client import (  # noqa: F401
    MAX_RESPONSE_BYTES,
    Doel,
    Resolve,
    WebhookClient,
    controleer_doel,
    pinned_request,
    system_resolve,
)

KEY_FILE = "webhook-secret.key"


# --- signing secrets at rest ---------------------------------------------------------------------

class SecretBox:
    """Encrypts signing secrets with Fernet (AES-128-CBC + HMAC-SHA256). Several keys rotate: the
    first encrypts, any of them decrypts. Keys given as a function are read at first use."""

    def __init__(self, keys: list[str] | Callable[[], list[str]]):
        self._keys = keys
        self._fernet: MultiFernet | None = None
        if not callable(keys):
            self._open()

    def _open(self) -> MultiFernet:
        if self._fernet is None:
            keys = self._keys() if callable(self._keys) else self._keys
            try:
                self._fernet = MultiFernet([Fernet(key.strip().encode()) for key in keys if key.strip()])
            except (ValueError, TypeError) as exc:
                raise ValueError("CASEREGIE_WEBHOOK_SECRET_KEY must be one or more Fernet keys "
                                 "(comma-separated, urlsafe base64 of 32 bytes)") from exc
        return self._fernet

    def encrypt(self, secret: str) -> str:
        return self._open().encrypt(secret.encode()).decode("ascii")

    def decrypt(self, token: str) -> str | None:
        """None when no key opens it (a key was replaced without keeping the old one)."""
        fernet = self._open()
        try:
            return fernet.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            return None


def secret_box(settings) -> SecretBox:
    """The box of the settings' key(s); with none set, a key generated once under the data dir
    (created when a secret is first encrypted or decrypted, not before)."""
    return _box(settings.webhook_secret_key, str(Path(settings.data_dir) / KEY_FILE))


@lru_cache(maxsize=8)
def _box(keys: str, key_file: str) -> SecretBox:
    if keys.strip():
        return SecretBox(keys.split(","))
    return SecretBox(lambda: [_development_key(Path(key_file))])


def _development_key(path: Path) -> str:
    """Read the key file, or create it (mode 0600) so that racing processes all end with one key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(Fernet.generate_key() + b"\n")
            os.link(tmp, path)  # atomic; fails when another process was first
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()
