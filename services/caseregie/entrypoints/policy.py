"""Who may call which operation of caseregie (runtime.access). A GI works on its own cases only
(another GI's case is 404); only a GI's manager decides on a transfer its GI sends or receives."""
from runtime.access import policy
from runtime.identity import GI_MANAGER, GI_ROL, PRIVACY, ROLES

GI = [GI_ROL, GI_MANAGER]

POLICY = policy(
    list_casussen=GI,
    get_casus=GI,
    post_jeugdbeschermer=GI,
    post_afsluiting=GI,
    get_wachtlijst=GI,
    post_overdracht=GI,
    get_overdracht=GI,
    post_uithuisplaatsing=GI,
    list_uithuisplaatsingen=GI,
    get_uithuisplaatsing=GI,
    post_beeindiging=GI,
    post_jeugdhulp=GI,
    list_jeugdhulp=GI,
    get_jeugdhulp=GI,
    post_goedkeuring=[GI_MANAGER],
    post_afwijzing=[GI_MANAGER],
    post_webhook=GI,
    list_webhooks=GI,
    get_webhook=GI,
    delete_webhook=GI,
    get_afleveringen=GI,
    # The processing log is for the privacy officer; its register holds no personal data.
    list_verwerkingsactiviteiten=ROLES,
    list_verwerkingen=[PRIVACY],
    get_verwerkingen_integriteit=[PRIVACY],
)
