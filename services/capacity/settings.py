"""Settings of capacity; each can be set as CAPACITY_<NAME> (e.g. CAPACITY_ESCALATIE_WACHTEND_MAX=40)."""
from runtime.settings import ServiceSettings
from services.capacity.domain.escalatie import Drempels


class CapacitySettings(ServiceSettings):
    # Escalate when more children than this wait for a fixed protector, or one waits longer
    # than this many days (every GI at or over its norm is the third condition).
    escalatie_wachtend_max: int = Drempels.wachtend_max
    escalatie_wachtdagen_max: int = Drempels.wachtdagen_max
    # Hysteresis: clear only when waiting <= max - marge, longest wait <= max - marge days and
    # at least one GI has this many free slots again.
    escalatie_marge_wachtend: int = Drempels.marge_wachtend
    escalatie_marge_wachtdagen: int = Drempels.marge_wachtdagen
    escalatie_herstel_vrije_plaatsen: int = Drempels.herstel_vrije_plaatsen
    # How often waiting days are recomputed (a GI's figure changes at most once a day; a signal
    # goes out only when it did). The first run is at start-up and also repairs a lost state.
    wachtdagen_interval_s: float = 3600.0
    # Live streams wake at once on a change committed in this process; this poll picks up
    # changes committed by another replica.
    sse_poll_interval_s: float = 0.5
    sse_keepalive_s: float = 15.0
    # Live capacity is the chain's most latency-bound path (a case event -> its capacity signal):
    # a fifth of the runtime's busy fetch wait, at the cost of more fetches (broker CPU) while
    # events flow.
    kafka_fetch_max_wait_ms: int = 10

    def drempels(self) -> Drempels:
        return Drempels(wachtend_max=self.escalatie_wachtend_max,
                        wachtdagen_max=self.escalatie_wachtdagen_max,
                        marge_wachtend=self.escalatie_marge_wachtend,
                        marge_wachtdagen=self.escalatie_marge_wachtdagen,
                        herstel_vrije_plaatsen=self.escalatie_herstel_vrije_plaatsen)
