"""CloudEvents 1.0 in Kafka binary content mode: attributes as ce_* headers, data as value."""
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import uuid4

from contracts import Event

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"


class EnvelopeError(ValueError):
    """A Kafka record that is not a valid CloudEvent."""


@dataclass(frozen=True)
class CloudEvent:
    id: str
    source: str
    type: str
    subject: str
    time: datetime | None  # optional in CloudEvents; always set on what we publish
    data: dict[str, Any]
    key: str
    topic: str
    traceparent: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def wrap(cls, event: Event, source: str, time: datetime,
             traceparent: str | None = None) -> "CloudEvent":
        return cls.wrap_raw(
            type=event.type, source=source, subject=event.subject,
            data=event.model_dump(mode="json"), key=event.key, topic=event.topic.name,
            traceparent=traceparent, time=time,
        )

    @classmethod
    def wrap_raw(cls, *, type: str, source: str, subject: str, data: dict[str, Any], key: str,
                 topic: str, time: datetime, traceparent: str | None = None) -> "CloudEvent":
        """`time`: when it happened, from the service's clock."""
        return cls(id=str(uuid4()), source=source, type=type, subject=subject,
                   time=time, data=data, key=key, topic=topic,
                   traceparent=traceparent)

    def headers(self) -> list[tuple[str, bytes]]:
        pairs = {
            "ce_specversion": SPEC_VERSION,
            "ce_id": self.id,
            "ce_source": self.source,
            "ce_type": self.type,
            "ce_subject": self.subject,
            **({"ce_time": self.time.isoformat()} if self.time else {}),
            "content-type": CONTENT_TYPE,
            **self.extra_headers,
        }
        if self.traceparent:
            pairs["traceparent"] = self.traceparent
        return [(k, v.encode()) for k, v in pairs.items()]

    def value(self) -> bytes:
        return json.dumps(self.data, separators=(",", ":")).encode()

    @classmethod
    def from_record(cls, topic: str, key: bytes | None, value: bytes | None, headers) -> "CloudEvent":
        h = {k: (v or b"").decode(errors="replace") for k, v in (headers or ())}
        missing = [a for a in ("ce_id", "ce_source", "ce_type", "ce_specversion") if not h.get(a)]
        if missing:
            raise EnvelopeError(f"missing CloudEvents headers: {', '.join(missing)}")
        if h["ce_specversion"] != SPEC_VERSION:
            raise EnvelopeError(f"unsupported ce_specversion {h['ce_specversion']!r}")
        try:
            data = json.loads(value or b"")
            time = datetime.fromisoformat(h["ce_time"]) if h.get("ce_time") else None
        except ValueError as exc:
            raise EnvelopeError(f"unreadable event: {exc}") from exc
        if not isinstance(data, dict):
            raise EnvelopeError("event data must be a JSON object")
        return cls(
            id=h["ce_id"],
            source=h["ce_source"],
            type=h["ce_type"],
            subject=h.get("ce_subject", ""),
            time=time,
            data=data,
            key=(key or b"").decode(errors="replace"),
            topic=topic,
            traceparent=h.get("traceparent"),
        )
