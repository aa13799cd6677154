from runtime.pseudonyms import PseudonymSettings
from runtime.retention import RetentionSettings


class IntakeSettings(PseudonymSettings, RetentionSettings):
    # PSEUDONYM_KEY (runtime.pseudonyms): the key for the pseudonymous child ids and family keys;
    # required, intake refuses to start without a safe one. BEWAARTERMIJN_JAREN (runtime.retention):
    # reports are erased that many years after their family's file closed.
    # An urgent report (spoedmelding) accepted incomplete must be completed within this time.
    spoed_aanvultermijn_s: float = 3 * 24 * 3600
    # How often incomplete urgent reports are checked against their deadline.
    bewaking_interval_s: float = 60
