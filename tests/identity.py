"""Tokens for the tests, from a development issuer of the suite's own (under .data/test), with
the suite's running clock (tests/clock.py). Every service a test starts trusts this issuer
(TEST_AUTH_ENV, set for the whole test process in tests/conftest.py)."""

from deploy.identity import ensure_dev_issuer
from deploy.stack import ROOT
from runtime.identity import BEHEER, GI_MANAGER, GI_ROL, LOKAAL_TEAM, PRIVACY, REGIO, RVDK, VEILIG_THUIS
from tests.clock import running

ISSUER = ensure_dev_issuer(ROOT / ".data" / "test" / "identity")
TEST_AUTH_ENV = ISSUER.service_env()
# The local team of each municipality is called WT-<code> in the tests.
TEAM_PREFIX = "WT-"


def token(rol: str, organisatie: str, *, gemeente: str | None = None, naam: str | None = None,
          sub: str | None = None, geldig_s: int = 3600) -> str:
    return ISSUER.mint(rol=rol, organisatie=organisatie, gemeente=gemeente, naam=naam, sub=sub,
                       geldig_s=geldig_s, clock=running())


def auth(rol: str, organisatie: str, **claims) -> dict[str, str]:
    """Request headers carrying a bearer token with these claims."""
    return {"Authorization": f"Bearer {token(rol, organisatie, **claims)}"}


def lokaal_team(gemeente: str = "GM0599", **claims) -> dict[str, str]:
    return auth(LOKAAL_TEAM, f"{TEAM_PREFIX}{gemeente}", gemeente=gemeente, **claims)


def veilig_thuis(**claims) -> dict[str, str]:
    return auth(VEILIG_THUIS, "VT-RR", **claims)


def rvdk(**claims) -> dict[str, str]:
    return auth(RVDK, "RvdK", **claims)


def gi(code: str, **claims) -> dict[str, str]:
    return auth(GI_ROL, code, **claims)


def gi_manager(code: str, naam: str | None = None, **claims) -> dict[str, str]:
    return auth(GI_MANAGER, code, naam=naam or f"Manager {code}", sub=f"manager@{code}", **claims)


def regio(**claims) -> dict[str, str]:
    return auth(REGIO, "GRJR", **claims)


def privacy(**claims) -> dict[str, str]:
    return auth(PRIVACY, "GRJR", **claims)


def beheer(**claims) -> dict[str, str]:
    return auth(BEHEER, "jbketen-beheer", **claims)


def caller(rol: str) -> dict[str, str]:
    """Headers of a typical caller in each role: the GM0599 team, WSS, the RvdK, the region, ..."""
    return {
        LOKAAL_TEAM: lambda: lokaal_team("GM0599"), VEILIG_THUIS: veilig_thuis, RVDK: rvdk,
        GI_ROL: lambda: gi("WSS"), GI_MANAGER: lambda: gi_manager("WSS"), REGIO: regio,
        PRIVACY: privacy, BEHEER: beheer,
    }[rol]()
