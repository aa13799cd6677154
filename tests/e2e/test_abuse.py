"""Issue 9 §3 from outside, against the running services: the abuse found in the issue — a 200 MB
body, a 2.8 MB report with 200,000 concerns, `?page=9223372036854775807`, `?periode=0000`, NUL in
a query — is answered with a problem (413, 400) and never a 500, intake's memory stays small,
and a token over its rate limit gets 429 with Retry-After."""
import asyncio
import json
import select
import socket
from pathlib import Path

import pytest

from tests import identity
from tests.fixtures import melding

pytestmark = pytest.mark.e2e
MiB = 1024 * 1024


def _memory_kib(pid: int, field: str) -> int:
    """VmRSS (now) or VmHWM (the peak so far) of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} for {pid}")


def _raw_post(port: int, path: str, headers: dict[str, str], chunks, chunked: bool) -> tuple[int, bytes, int]:
    """POST over a plain socket, stopping as soon as the server answers: (status, body, bytes sent).
    A client library would insist on sending the whole body first."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json",
                *(f"{k}: {v}" for k, v in headers.items())]
        if chunked:
            head.append("Transfer-Encoding: chunked")
        conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        for chunk in chunks:
            if select.select([conn], [], [], 0)[0]:
                break  # the answer is there: stop sending
            try:
                conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        return (*_read_response(conn), sent)


def _read_response(conn: socket.socket) -> tuple[int, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        part = conn.recv(65536)
        assert part, f"connection closed before an answer: {data!r}"
        data += part
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        body += conn.recv(65536)
    return int(head.split()[1]), body


def _chunks(total: int, size: int = MiB):
    chunk = b"x" * size
    for _ in range(total // size):
        yield chunk


async def test_a_200_mb_body_is_refused_early_and_intake_stays_small(stack):
    port, pid = stack.ports["intake"], stack.processes["intake"].pid
    peak_before = _memory_kib(pid, "VmHWM")
    team = identity.lokaal_team()

    status, body, sent = await asyncio.to_thread(_raw_post, port, "/v1/meldingen", team,
                                                 _chunks(200 * MiB), True)
    assert status == 413 and json.loads(body)["status"] == 413
    assert sent < 50 * MiB, f"intake kept reading: {sent / MiB:.0f} MiB sent"

    status, body, sent = await asyncio.to_thread(_raw_post, port, "/v1/meldingen", {
        **team, "Content-Length": str(200 * MiB)}, _chunks(200 * MiB), False)
    assert status == 413 and sent < 50 * MiB

    growth = (_memory_kib(pid, "VmHWM") - peak_before) / 1024
    assert growth < 64, f"intake's peak memory grew {growth:.0f} MiB for 200 MB bodies"


async def test_a_report_with_200000_concerns_is_refused_and_not_stored(http, stack):
    report = melding(zorgen=["veiligheid"] * 200_000)
    payload = json.dumps(report).encode()
    assert len(payload) > 2 * MiB
    team = identity.lokaal_team(report["gemeente"], sub="team-met-200000-zorgen")
    before = await _total(http, team)
    parts = [payload[i:i + MiB] for i in range(0, len(payload), MiB)]
    status, _, _ = await asyncio.to_thread(_raw_post, stack.ports["intake"], "/v1/meldingen",
                                           {**team, "Content-Length": str(len(payload))}, parts, False)
    assert status == 413
    assert await _total(http, team) == before
    assert (await http["intake"].get("/v1/health")).json() == {"status": "up"}


async def _total(http, caller) -> int:
    r = await http["intake"].get("/v1/meldingen", headers=caller)
    assert r.status_code == 200, r.text
    return r.json()["total"]


async def test_pages_periods_and_nul_out_of_range_are_400_not_500(http):
    huge = "9223372036854775807"
    for service, path, caller in (("intake", "/v1/meldingen", identity.lokaal_team()),
                                  ("triage", "/v1/adviezen", identity.rvdk()),
                                  ("caseregie", "/v1/casussen", identity.gi("WSS"))):
        r = await http[service].get(path, params={"page": huge}, headers=caller)
        assert r.status_code == 400, f"{service}: {r.text}"
        assert [p["name"] for p in r.json()["invalidParams"]] == ["page"]
    for periode in ("0000", "2026-13", "9999-12", "2026-02-30"):
        r = await http["reporting"].get("/v1/kpis", params={"periode": periode}, headers=identity.regio())
        assert r.status_code == 400, f"{periode}: {r.text}"
        assert [p["name"] for p in r.json()["invalidParams"]] == ["periode"]
    # NUL would reach PostgreSQL, which refuses it in text: a 500 before the guard.
    team = identity.lokaal_team()
    r = await http["intake"].get("/v1/meldingen", params={"status": "open\x00"}, headers=team)
    assert r.status_code == 400 and r.json()["invalidParams"][0]["name"] == "status"
    report = melding()
    report["melder"]["naam"] = "A.\x00de Vries"
    r = await http["intake"].post("/v1/meldingen", json=report, headers=team)
    assert r.status_code == 400 and r.json()["invalidParams"][0]["name"] == "melder.naam"


async def test_a_token_over_its_rate_limit_gets_429_with_retry_after(stack, http):
    stack.restart("intake", INTAKE_RATE_LIMIT_REQUESTS="5", INTAKE_RATE_LIMIT_WINDOW_S="60")
    try:
        team = identity.lokaal_team(sub="een-te-drukke-client")
        codes = [(await http["intake"].get("/v1/meldingen", headers=team)).status_code for _ in range(5)]
        assert codes == [200] * 5
        refused = await http["intake"].get("/v1/meldingen", headers=team)
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        other = await http["intake"].get("/v1/meldingen", headers=identity.lokaal_team(sub="een-ander"))
        assert other.status_code == 200
    finally:
        stack.restart("intake")
