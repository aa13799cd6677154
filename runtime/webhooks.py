"""Signed webhooks, generic: signing per Standard Webhooks, the exact body that is signed, the
retry schedule, and which targets are accepted (SSRF). Pure: no I/O. caseregie's webhooks of the GI
case systems and capacity's escalation notifications both use this one implementation; the HTTP
client that delivers is runtime/webhook_client.py."""
import base64
import hashlib
import hmac
import ipaddress
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from runtime.errors import InvalidInput

SECRET_PREFIX = "whsec_"
MAX_URL = 2000


def nieuw_geheim() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def onderteken(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """Standard Webhooks signature: "v1," + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")),
    the key being the base64-decoded part of the secret after "whsec_"."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, msg_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": onderteken(secret, msg_id, timestamp, body),
    }


def body(bericht: dict[str, Any]) -> str:
    """The exact JSON text that is sent and signed."""
    return json.dumps(bericht, separators=(",", ":"), ensure_ascii=False)


def bericht(event_id: str, event_type: str, time: datetime, subject: str, data: dict[str, Any]) -> dict:
    """The message a webhook receives (its id is the same on every attempt)."""
    return {"id": event_id, "type": event_type, "time": time.isoformat(), "subject": subject, "data": data}


def volgende_poging_na(pogingen: int, base_s: float, max_s: float) -> float:
    """Exponential backoff: base after the first failed attempt, doubling, capped at max."""
    return min(max_s, base_s * 2 ** max(0, pogingen - 1))


# --- targets (SSRF) ---------------------------------------------------------------------------
# Standard Webhooks' and OWASP's advice: https only, no credentials in the URL, and no target that
# is (or resolves to) an address inside the operator's network. Checked at registration and again
# at every delivery, where the connection goes to the very address that was checked.

@dataclass(frozen=True)
class Doelbeleid:
    """Which targets are accepted; both relaxations are for development only."""

    allow_http: bool = False  # plain http besides https
    allow_private: bool = False  # loopback, private and shared addresses (a receiver on 127.0.0.1)


STRIKT = Doelbeleid()

_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# What only a development setting allows; everything else that is not global is always refused.
_PRIVE = {"loopback", "private", "shared (100.64.0.0/10)"}

Adres = ipaddress.IPv4Address | ipaddress.IPv6Address


def _ingebed(ip: Adres) -> Adres:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4), else itself."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return ip.ipv4_mapped
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if ip.sixtofour:
            return ip.sixtofour
    return ip


def soort_adres(ip: Adres) -> str | None:
    """Why an address is not a webhook target ("loopback", "private", ...), None when global."""
    ip = _ingebed(ip)
    checks = (
        (ip.is_unspecified or ip in _THIS_NETWORK, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_reserved, "reserved"),
        (ip in _SHARED, "shared (100.64.0.0/10)"),
        (ip.is_private, "private"),
        (not ip.is_global, "not globally reachable"),
    )
    return next((soort for hit, soort in checks if hit), None)


def verboden_adres(ip: Adres | str, beleid: Doelbeleid = STRIKT) -> str | None:
    """Why this address may not be a target under the policy ("a loopback address"), or None."""
    try:
        ip = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    except ValueError:
        return "not an IP address"
    soort = soort_adres(ip)
    if soort is None or (beleid.allow_private and soort in _PRIVE):
        return None
    return f"{'an' if soort[0] in 'aeiou' else 'a'} {soort} address"


def controleer_adressen(host: str, adressen: list[str], beleid: Doelbeleid = STRIKT) -> None:
    """Refuse a target when ANY address its host resolves to is forbidden (an attacker's DNS can
    answer with a public and a private address at once)."""
    if not adressen:
        raise InvalidInput(f"{host} does not resolve to any address", field="url")
    for adres in adressen:
        if reden := verboden_adres(adres, beleid):
            raise InvalidInput(f"{host} resolves to {adres}, {reden}; not a webhook target", field="url")


def _controleer_host(host: str, beleid: Doelbeleid) -> None:
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        if reden := verboden_adres(host, beleid):
            raise InvalidInput(f"{host} is {reden}; not a webhook target", field="url")
        return
    try:
        name = host.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidInput(f"{host!r} is not a valid host name", field="url") from None
    if (name == "localhost" or name.endswith(".localhost")) and not beleid.allow_private:
        raise InvalidInput(f"{host} is a loopback name; not a webhook target", field="url")
    labels = name.split(".")
    # A public name has a dot and a top-level label starting with a letter: no single-label
    # intranet names, no numeric forms the resolver reads as an address (2130706433, 0x7f.1, 127.1).
    if (len(name) > 253 or not all(_LABEL.match(label) for label in labels)
            or (len(labels) < 2 and name != "localhost") or not labels[-1][0].isalpha()):
        raise InvalidInput(f"{host!r} is not a public host name", field="url")


def controleer_url(url: str, beleid: Doelbeleid = STRIKT) -> str:
    """The URL's shape: https (http only when allowed), a host, no credentials, a valid port, and
    a host that is not itself a forbidden address or name. Its addresses are checked apart."""
    url = url.strip()
    if not url or len(url) > MAX_URL or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise InvalidInput("must be an absolute https URL without spaces or control characters", field="url")
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed [ of an IPv6 address
        raise InvalidInput("must be an absolute https URL", field="url") from None
    schemes = ("https", "http") if beleid.allow_http else ("https",)
    if parts.scheme.lower() not in schemes:
        raise InvalidInput("must be an absolute " + " or ".join(schemes) + " URL", field="url")
    if not parts.hostname:
        raise InvalidInput("must be an absolute URL with a host", field="url")
    if "@" in parts.netloc:
        raise InvalidInput("must not contain a user name or password", field="url")
    if parts.fragment or url.endswith("#"):
        raise InvalidInput("must not have a fragment", field="url")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise InvalidInput("the port must be a number from 1 to 65535", field="url")
    _controleer_host(parts.hostname, beleid)
    return url
