from dataclasses import dataclass, field


@dataclass(frozen=True)
class Topic:
    name: str
    description: str
    key: str
    config: dict[str, str] = field(default_factory=dict)


MELDINGEN = Topic("intake.meldingen", "Care reports received from local teams.", "melding_id")
TRIAGE = Topic("triage.besluiten", "Target-group decisions (doelgroepenbepaling).", "melding_id")
ADVIEZEN = Topic("rvdk.adviezen", "RvdK advice on the measure and the GI.", "melding_id")
CASUSSEN = Topic("caseregie.casussen", "Cases at the GIs and their transfers.", "casus_id")
CAPACITY_SIGNALS = Topic(
    "capacity.signals",
    "Latest free capacity per GI; compacted, so a late subscriber reads the current state.",
    "gi",
    {"cleanup.policy": "compact"},
)

ESCALATIES = Topic("capacity.escalaties", "Regional capacity escalations, raised and cleared.",
                   "escalatie_id")

TOPICS: tuple[Topic, ...] = (MELDINGEN, TRIAGE, ADVIEZEN, CASUSSEN, CAPACITY_SIGNALS, ESCALATIES)


# The runtime's mark on the broker (runtime/broker_watch.py): its first record tells services whether
# the broker is the one they published to, or a new one that lost everything. Not an event topic.
BROKER_MARK = Topic(
    "jbketen.broker-mark",
    "The runtime's mark on the broker: a new mark means a broker without the history.",
    "-",
    {"retention.ms": "-1"},
)


def dead_letter_topic(service: str) -> str:
    return f"{service}.deadletter"
