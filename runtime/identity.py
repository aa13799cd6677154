"""Who is calling: OAuth2 bearer JWTs (RS256/ES256) checked with PyJWT against the issuer's JWKS,
and the roles and organisation the token carries. Every service uses this one check.

A token's claims: `sub` (a person or a system), `rol`, `organisatie` (a GI code, a team code,
`RvdK`, `GRJR`), `gemeente` (a local team's municipality) and optionally `naam`.
"""

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path

import jwt
from cachetools import TTLCache
from jwt import PyJWK, PyJWKClient, PyJWKSet

from runtime.clock import Clock

ALGORITHMS = ["RS256", "ES256"]
LOKAAL_TEAM, VEILIG_THUIS, RVDK = "lokaal_team", "veilig_thuis", "rvdk"
GI_ROL, GI_MANAGER = "gi", "gi_manager"
REGIO, PRIVACY, BEHEER = "regio", "privacy", "beheer"
ROLES = (LOKAAL_TEAM, VEILIG_THUIS, RVDK, GI_ROL, GI_MANAGER, REGIO, PRIVACY, BEHEER)
GI_ROLES = (GI_ROL, GI_MANAGER)


class Unauthenticated(Exception):
    """No token, or one that is not valid: 401 with WWW-Authenticate: Bearer."""

    def __init__(self, detail: str, error: str = "invalid_token"):
        super().__init__(detail)
        self.detail = detail
        self.error = error


@dataclass(frozen=True)
class Principal:
    """The verified caller."""

    sub: str
    rol: str
    organisatie: str
    gemeente: str | None = None
    naam: str | None = None

    @property
    def gi(self) -> str | None:
        """The caller's GI, for the GI roles; None for everyone else."""
        return self.organisatie if self.rol in GI_ROLES else None

    def is_a(self, *roles: str) -> bool:
        return self.rol in roles


def principal_from(claims: dict) -> Principal:
    rol, organisatie = claims.get("rol"), claims.get("organisatie")
    if rol not in ROLES:
        raise Unauthenticated(f"unknown role {rol!r}; known: {', '.join(ROLES)}")
    if not isinstance(organisatie, str) or not organisatie:
        raise Unauthenticated("the token names no organisation")
    gemeente = claims.get("gemeente")
    if rol == LOKAAL_TEAM and not gemeente:
        raise Unauthenticated("a local team's token names its municipality (gemeente)")
    return Principal(sub=str(claims["sub"]), rol=rol, organisatie=organisatie,
                     gemeente=gemeente or None, naam=claims.get("naam") or None)


# Tokens whose signature was checked, kept this long (seconds on the service's clock): a key the
# provider withdraws stops counting within it. Bounded in number: at most so many callers at once.
VERIFIED_TTL_S = 60
VERIFIED_TOKENS = 4096


class TokenVerifier:
    """Checks signature, issuer, audience, expiry (with leeway) and the jbketen claims."""

    def __init__(self, *, issuer: str, audience: str, clock: Clock, jwks_url: str = "",
                 jwks_file: str = "", leeway_s: float = 30):
        if not (jwks_url or jwks_file):
            raise ValueError("set AUTH_JWKS_URL or AUTH_JWKS_FILE: a service never runs without "
                             "checking its callers")
        self._issuer, self._audience, self._clock, self._leeway = issuer, audience, clock, leeway_s
        self._client = PyJWKClient(jwks_url, cache_keys=True, lifespan=300) if jwks_url else None
        self._file = Path(jwks_file) if jwks_file else None
        self._keys: PyJWKSet | None = None
        # A token seen before (the same string) is not verified again for a short while: its
        # signature, issuer and audience cannot have changed. Its times are checked on every use.
        self._verified: TTLCache[str, dict] = TTLCache(maxsize=VERIFIED_TOKENS, ttl=VERIFIED_TTL_S,
                                                       timer=clock.timestamp)

    async def verify(self, token: str) -> Principal:
        claims = self._verified.get(token)
        if claims is None:
            claims = await self._decode(token)
            self._verified[token] = claims
        self._check_times(claims)
        return principal_from(claims)

    async def _decode(self, token: str) -> dict:
        key = await self._key(token)
        try:
            return jwt.decode(
                token, key.key, algorithms=ALGORITHMS, audience=self._audience, issuer=self._issuer,
                leeway=self._leeway, options={"require": ["exp", "iat", "sub"], "verify_iat": False,
                                              "verify_exp": False, "verify_nbf": False},
            )
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}") from None

    def _check_times(self, claims: dict) -> None:
        """Expiry and not-before against the service's clock (not the wall clock), with leeway."""
        now = self._clock.timestamp()
        if float(claims["exp"]) < now - self._leeway:
            raise Unauthenticated("the token has expired")
        if "nbf" in claims and float(claims["nbf"]) > now + self._leeway:
            raise Unauthenticated("the token is not valid yet")

    async def _key(self, token: str) -> PyJWK:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"not a JWT: {exc}") from None
        if header.get("alg") not in ALGORITHMS:
            raise Unauthenticated(f"algorithm {header.get('alg')!r} is not accepted")
        try:
            if self._client is not None:  # fetches the JWKS at most every few minutes (cached)
                return await asyncio.to_thread(self._client.get_signing_key_from_jwt, token)
            return self._from_file(header.get("kid"))
        except (jwt.PyJWKClientError, jwt.PyJWKError, KeyError) as exc:
            raise Unauthenticated(f"no key for this token: {exc}") from None

    def _from_file(self, kid: str | None) -> PyJWK:
        if self._keys is None or (kid and kid not in {k.key_id for k in self._keys.keys}):
            self._keys = PyJWKSet.from_dict(json.loads(self._file.read_text()))
        for key in self._keys.keys:
            if kid is None or key.key_id == kid:
                return key
        raise KeyError(f"kid {kid!r}")


def bearer(authorization: str | None) -> str:
    if not authorization:
        raise Unauthenticated("this endpoint needs a bearer token (Authorization: Bearer <token>)",
                              error="invalid_request")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("use the Bearer scheme: Authorization: Bearer <token>",
                              error="invalid_request")
    return token.strip()
