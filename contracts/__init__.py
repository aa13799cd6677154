"""Event contracts of the chain: the single source of truth for what travels on Kafka."""
from contracts.events import EVENT_TYPES, Event, event_class
from contracts.topics import TOPICS, Topic

__all__ = ["EVENT_TYPES", "TOPICS", "Event", "Topic", "event_class"]
