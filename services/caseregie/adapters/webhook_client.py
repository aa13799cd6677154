"""POSTs webhook deliveries to the GI systems over HTTP."""
import httpx


class WebhookClient:
    """An HTTP client for one delivery round, opened at the first POST (most rounds send nothing).
    Redirects are not followed: deliveries go to the registered URL only."""

    def __init__(self, timeout_s: float, transport: httpx.AsyncBaseTransport | None = None):
        self._timeout_s = timeout_s
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> "WebhookClient":
        return self

    async def __aexit__(self, *exc) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> str | None:
        """None when the receiver acknowledged (2xx), else the reason to try again."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout_s, transport=self._transport,
                                             follow_redirects=False)
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if response.is_success:
            return None
        return f"HTTP {response.status_code}: {response.text[:200]}"
