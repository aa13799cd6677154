"""Access, enforced at the source: every operation of a service is named in its one declared
policy (route name -> the roles that may call it); an operation the policy does not name is
refused for everyone. What a role may see inside an operation (its own organisation's cases,
its own municipality's reports) is decided by the service's handlers from the same Principal.
"""

from collections.abc import Iterable, Mapping

from fastapi import Request

from runtime.errors import Forbidden
from runtime.identity import Principal, bearer

Policy = Mapping[str, frozenset[str]]
# An operation anyone may call without a token: only pages that hold no data themselves (the
# dashboard's shell, which asks for a token and then calls the API with it).
PUBLIC = frozenset({"*"})


def policy(**operations: Iterable[str]) -> Policy:
    """`policy(post_melding=[LOKAAL_TEAM, VEILIG_THUIS], ...)`: route name -> allowed roles."""
    return {name: frozenset(roles) for name, roles in operations.items()}


async def authenticated(request: Request) -> Principal:
    """FastAPI dependency: the verified caller (401 without a valid bearer token)."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    runtime = request.app.state.runtime
    principal = await runtime.verifier.verify(bearer(request.headers.get("authorization")))
    request.state.principal = principal
    return principal


async def authorized(request: Request) -> Principal | None:
    """FastAPI dependency on every service route: the caller's role may call this operation."""
    name = request.scope["route"].name
    allowed = request.app.state.runtime.spec.policy.get(name)
    if allowed == PUBLIC:
        return None
    principal = await authenticated(request)
    if allowed is None:
        raise Forbidden(f"operation {name} is not in this service's policy; nobody may call it")
    if principal.rol not in allowed:
        raise Forbidden(f"role {principal.rol} may not call {name}", code="forbidden")
    return principal


def own_gi(principal: Principal, requested: str | None, field: str = "gi") -> str | None:
    """The GI a GI role works for; a `gi` filter that names another GI is 403. Other roles get the
    filter as given."""
    if principal.gi is None:
        return requested
    if requested is not None and requested != principal.gi:
        raise Forbidden(f"your token is for {principal.gi}, not for {requested}", field=field)
    return principal.gi
