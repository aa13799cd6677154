"""Webhooks' way out, generic: resolving and checking a target's addresses and POSTing deliveries
pinned to the checked address (caseregie's GI webhooks, capacity's escalation notifications)."""
import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from runtime import webhooks as wh
from runtime.errors import InvalidInput

# host, port -> the addresses it resolves to (the system's resolver; tests inject their own).
Resolve = Callable[[str, int], Awaitable[list[str]]]

MAX_RESPONSE_BYTES = 4096  # of a receiver's answer: enough for the reason of a failure


async def system_resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Doel:
    """A checked target: the URL and the one address the connection must go to."""

    url: httpx.URL
    adres: str


async def controleer_doel(url: str, beleid: wh.Doelbeleid, resolve: Resolve = system_resolve) -> Doel:
    """The URL's shape, then every address its host resolves to (InvalidInput naming `url`)."""
    url = wh.controleer_url(url, beleid)
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise InvalidInput(f"not a valid URL: {exc}", field="url") from None
    host, port = parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        adressen = [host] if _is_ip(host) else await resolve(parsed.raw_host.decode("ascii"), port)
    except (OSError, UnicodeError) as exc:
        raise InvalidInput(f"{host} could not be resolved ({type(exc).__name__})", field="url") from None
    wh.controleer_adressen(host, adressen, beleid)
    # IPv4 first: a host without IPv6 connectivity still reaches a dual-stack receiver.
    return Doel(url=parsed, adres=sorted(adressen, key=lambda adres: ":" in adres)[0])


def _is_ip(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        return True
    except OSError:
        return False


def pinned_request(client: httpx.AsyncClient, doel: Doel, body: bytes,
                   headers: dict[str, str]) -> httpx.Request:
    """A POST to the checked address itself (no second lookup a rebinding DNS could answer
    differently), with the name in the Host header and, for https, in SNI and the certificate check."""
    url = doel.url.copy_with(host=doel.adres)
    extensions = {"sni_hostname": doel.url.raw_host.decode("ascii")} if doel.url.scheme == "https" else {}
    return client.build_request("POST", url, content=body, extensions=extensions,
                                headers={**headers, "host": doel.url.netloc.decode("ascii")})


class WebhookClient:
    """An HTTP client for one delivery round, opened at the first POST (most rounds send nothing).
    Every POST checks its target again (shape and addresses, under the given policy) and goes to the
    checked address; redirects are not followed; the whole attempt, lookup included, is bounded by
    the timeout and at most MAX_RESPONSE_BYTES of the answer are read."""

    def __init__(self, timeout_s: float, transport: httpx.AsyncBaseTransport | None = None,
                 resolve: Resolve = system_resolve):
        self._timeout_s = timeout_s
        self._transport = transport
        self._resolve = resolve
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> "WebhookClient":
        return self

    async def __aexit__(self, *exc) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def post(self, url: str, body: bytes, headers: dict[str, str],
                   beleid: wh.Doelbeleid = wh.STRIKT) -> str | None:
        """None when the receiver acknowledged (2xx), else the reason to try again."""
        try:
            async with asyncio.timeout(self._timeout_s):
                doel = await controleer_doel(url, beleid, self._resolve)
                return await self._send(doel, body, headers)
        except InvalidInput as exc:
            return f"refused: {exc.detail}"
        except TimeoutError:
            return f"no answer within {self._timeout_s:g} s"
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__

    async def _send(self, doel: Doel, body: bytes, headers: dict[str, str]) -> str | None:
        if self._client is None:
            # trust_env=False: no proxy from the environment, which would resolve the name itself.
            self._client = httpx.AsyncClient(timeout=self._timeout_s, transport=self._transport,
                                             follow_redirects=False, trust_env=False)
        request = pinned_request(self._client, doel, body, headers)
        response = await self._client.send(request, stream=True)
        try:
            if response.is_success:
                return None
            answer = await _read_at_most(response, MAX_RESPONSE_BYTES)
        finally:
            await response.aclose()
        if response.is_redirect:
            return (f"HTTP {response.status_code}: redirect to {response.headers.get('location', '?')[:200]} "
                    "not followed")
        return f"HTTP {response.status_code}: {answer.decode('utf-8', 'replace')[:200]}"


async def _read_at_most(response: httpx.Response, limit: int) -> bytes:
    if response.is_stream_consumed:  # an answer given whole (a test transport's)
        return response.content[:limit]
    received = b""
    async for chunk in response.aiter_raw():
        received += chunk
        if len(received) >= limit:
            break
    return received[:limit]
