"""The topic plan: every topic the chain uses, with its key, partitions and configuration. The
services create their topics from it (runtime/kafka.py), and the Kubernetes KafkaTopic resources
are generated from it (deploy/k8s, tested for staleness). Replication is the cluster's business
(KAFKA_TOPIC_REPLICATION locally, 3 on Strimzi), the rest is the plan's."""
from dataclasses import dataclass, field

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class Topic:
    name: str
    description: str
    # The event field every record is keyed by: a key's events go to one partition, in order, at
    # any partition count (a report's by its melding_id, a case's by its casus_id).
    key: str
    # Partitions bound how many replicas of a consuming service share the work (KEDA's maximum).
    partitions: int = 3
    config: dict[str, str] = field(default_factory=dict)

    @property
    def compacted(self) -> bool:
        return "compact" in self.config.get("cleanup.policy", "")


# The event topics keep their history for a year: the outboxes are the durable record, and a
# service rebuilt from the topics (or a new consumer) reads the year the region reports on.
HISTORY = {"retention.ms": str(365 * DAY_MS)}

MELDINGEN = Topic("intake.meldingen", "Care reports received from local teams.", "melding_id", 3, HISTORY)
TRIAGE = Topic("triage.besluiten", "Target-group decisions (doelgroepenbepaling).", "melding_id", 3,
               HISTORY)
ADVIEZEN = Topic("rvdk.adviezen", "RvdK advice on the measure and the GI.", "melding_id", 3, HISTORY)
CASUSSEN = Topic("caseregie.casussen", "Cases at the GIs and their transfers.", "casus_id", 3, HISTORY)
CAPACITY_SIGNALS = Topic(
    "capacity.signals",
    "Latest free capacity per GI; compacted, so a late subscriber reads the current state.",
    "gi", 3, {"cleanup.policy": "compact"},
)
ESCALATIES = Topic("capacity.escalaties", "Regional capacity escalations, raised and cleared.",
                   "escalatie_id", 3, HISTORY)

CONSULTATIES = Topic("triage.consultaties", "Consultation & advice (C&A): requests routed to a GI and "
                     "the hours spent.", "consultatie_id", 3, HISTORY)

# The target-group rules are carried by all three GIs and shared with the RvdK: every proposed version,
# each GI's approval or rejection and the moment a version takes effect, in one partition (one order
# for the whole history), kept for good: a subscriber reading from the beginning knows every version.
REGELSETS = Topic("triage.regelsets", "Target-group ruleset versions: proposed, approved or rejected by "
                  "each GI, activated once all three approved.", "versie", 1, {"retention.ms": "-1"})

TOPICS: tuple[Topic, ...] = (MELDINGEN, TRIAGE, ADVIEZEN, CASUSSEN, CAPACITY_SIGNALS, ESCALATIES,
                             CONSULTATIES, REGELSETS)


# The runtime's mark on the broker (runtime/broker_watch.py): its first record tells services whether
# the broker is the one they published to, or a new one that lost everything. Not an event topic.
BROKER_MARK = Topic(
    "jbketen.broker-mark",
    "The runtime's mark on the broker: a new mark means a broker without the history.",
    "-", 1, {"retention.ms": "-1"},
)

# Each service's dead letters (records it could not handle, with the reason): one partition, kept
# for 30 days while operations look at them and re-drive them.
DEAD_LETTER_PARTITIONS = 1
DEAD_LETTER_CONFIG = {"retention.ms": str(30 * DAY_MS)}


def dead_letter_topic(service: str) -> str:
    return f"{service}.deadletter"
