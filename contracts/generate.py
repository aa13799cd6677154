"""Generate the checked-in JSON Schemas and AsyncAPI document from the pydantic models.

    python -m contracts.generate          # rewrite the files
    python -m contracts.generate --check  # exit 1 when the checked-in files are stale
"""
import json
import sys
from pathlib import Path

from contracts.events import EVENT_TYPES
from contracts.topics import TOPICS

HERE = Path(__file__).parent
SCHEMA_DIR = HERE / "schemas"
ASYNCAPI = HERE / "asyncapi.json"

CE_HEADERS = {
    "type": "object",
    "description": "CloudEvents 1.0 binary content mode attributes, plus W3C trace context.",
    "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time"],
    "properties": {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": {"type": "string", "description": "Unique event id; consumers deduplicate on it."},
        "ce_source": {"type": "string", "description": "The service that published the event."},
        "ce_type": {"type": "string"},
        "ce_subject": {"type": "string", "description": "The aggregate the event is about."},
        "ce_time": {"type": "string", "format": "date-time"},
        "content-type": {"type": "string", "const": "application/json"},
        "traceparent": {"type": "string", "description": "W3C trace context."},
    },
}


def schema_files() -> dict[Path, str]:
    files = {}
    for event_type, cls in EVENT_TYPES.items():
        schema = cls.model_json_schema()
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": event_type, **schema}
        files[SCHEMA_DIR / f"{event_type}.json"] = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    return files


def _message(event_type: str, cls, topic) -> dict:
    name = cls.__name__
    return {
        "name": event_type,
        "title": name,
        "summary": (cls.__doc__ or "").strip(),
        "contentType": "application/json",
        "headers": CE_HEADERS,
        "payload": {"$ref": f"#/components/schemas/{name}"},
        "bindings": {"kafka": {"key": {"type": "string", "description": topic.key}}},
    }


def _channel(topic, topic_messages: dict) -> dict:
    return {
        "address": topic.name,
        "description": topic.description,
        "messages": topic_messages,
        "bindings": {"kafka": {"topic": topic.name, "topicConfiguration": {
            "cleanup.policy": [topic.config.get("cleanup.policy", "delete")]}}},
    }


def asyncapi() -> str:
    channels, operations, messages, schemas = {}, {}, {}, {}
    for topic in TOPICS:
        topic_messages = {}
        for event_type, cls in EVENT_TYPES.items():
            if cls.topic is topic:
                schemas[cls.__name__] = {"$ref": f"schemas/{event_type}.json"}
                messages[cls.__name__] = _message(event_type, cls, topic)
                topic_messages[cls.__name__] = {"$ref": f"#/components/messages/{cls.__name__}"}
        channel_id = topic.name.replace(".", "-")
        channels[channel_id] = _channel(topic, topic_messages)
        operations[f"publish-{channel_id}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "messages": [{"$ref": f"#/channels/{channel_id}/messages/{m}"} for m in topic_messages],
        }
    return json.dumps({
        "asyncapi": "3.0.0",
        "info": {
            "title": "jbketen events",
            "version": "1.0.0",
            "description": "Events of the youth-protection chain of Rotterdam Rijnmond, carried as "
                           "CloudEvents 1.0 in Kafka binary content mode. Message keys are the "
                           "aggregate id named per channel.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }, indent=2, ensure_ascii=False) + "\n"


def expected() -> dict[Path, str]:
    return {**schema_files(), ASYNCAPI: asyncapi()}


def stale() -> list[Path]:
    want = expected()
    present = set(SCHEMA_DIR.glob("*.json"))
    wrong = [p for p, text in want.items() if not p.exists() or p.read_text() != text]
    return wrong + sorted(present - set(want))


def main() -> int:
    if "--check" in sys.argv:
        bad = stale()
        for p in bad:
            print(f"stale: {p.relative_to(HERE.parent)}")
        return 1 if bad else 0
    SCHEMA_DIR.mkdir(exist_ok=True)
    for old in SCHEMA_DIR.glob("*.json"):
        old.unlink()
    for path, text in expected().items():
        path.write_text(text)
    print(f"wrote {len(EVENT_TYPES)} schemas and {ASYNCAPI.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
