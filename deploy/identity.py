"""The development issuer: a signing key pair made once under `.data/identity/`, whose public
half (a JWKS file) the services of `make up` trust, and tokens signed with it. In production an
OIDC provider (Keycloak in docker-compose and Kubernetes) issues the tokens instead; nothing in
the services changes but the AUTH_* settings."""

import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from runtime.clock import Clock, SystemClock

DEV_ISSUER = "jbketen-dev"
AUDIENCE = "jbketen"
ALGORITHM = "ES256"


@dataclass(frozen=True)
class DevIssuer:
    folder: Path
    issuer: str = DEV_ISSUER
    audience: str = AUDIENCE

    @property
    def private_key_file(self) -> Path:
        return self.folder / "signing-key.pem"

    @property
    def jwks_file(self) -> Path:
        return self.folder / "jwks.json"

    @property
    def kid(self) -> str:
        return json.loads(self.jwks_file.read_text())["keys"][0]["kid"]

    def service_env(self) -> dict[str, str]:
        """What a service needs to trust this issuer."""
        return {"AUTH_ISSUER": self.issuer, "AUTH_AUDIENCE": self.audience,
                "AUTH_JWKS_FILE": str(self.jwks_file), "AUTH_JWKS_URL": ""}

    def mint(self, *, rol: str, organisatie: str, gemeente: str | None = None, naam: str | None = None,
             sub: str | None = None, geldig_s: int = 3600, clock: Clock | None = None) -> str:
        now = int((clock or SystemClock()).timestamp())
        claims = {"iss": self.issuer, "aud": self.audience, "sub": sub or f"{rol}:{organisatie}",
                  "iat": now, "nbf": now, "exp": now + geldig_s, "jti": str(uuid.uuid4()),
                  "rol": rol, "organisatie": organisatie}
        if gemeente:
            claims["gemeente"] = gemeente
        if naam:
            claims["naam"] = naam
        key = serialization.load_pem_private_key(self.private_key_file.read_bytes(), password=None)
        return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": self.kid})


def ensure_dev_issuer(folder: Path) -> DevIssuer:
    """The issuer in `folder`, creating its key pair the first time (private key mode 0600)."""
    issuer = DevIssuer(folder)
    if issuer.private_key_file.exists() and issuer.jwks_file.exists():
        return issuer
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(issuer.private_key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid=uuid.uuid4().hex[:16], use="sig", alg=ALGORITHM)
    issuer.jwks_file.write_text(json.dumps({"keys": [jwk]}, indent=2))
    return issuer
