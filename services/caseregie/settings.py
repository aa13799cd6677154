"""Settings of caseregie; each can be set as CASEREGIE_<NAME> (e.g. CASEREGIE_WEBHOOK_RETRY_BASE_S)."""
from runtime.settings import ServiceSettings


class CaseregieSettings(ServiceSettings):
    drang_check_interval_s: float = 3600.0  # how often open drang cases are checked against the limits
    webhook_poll_interval_s: float = 1.0  # how often due webhook deliveries are sent
    webhook_retry_base_s: float = 2.0  # wait after the first failed delivery; doubles per failure
    webhook_retry_max_s: float = 300.0  # longest wait between two attempts
    webhook_timeout_s: float = 10.0  # a receiver must answer within this time
    webhook_batch_size: int = 50  # deliveries sent per poll (and per replica)
