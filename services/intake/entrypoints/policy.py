"""Who may call which operation of intake (runtime.access). Inside an operation a local team sees
its own team's reports, Veilig Thuis its own, the RvdK the reports referred to it. The processing
log is for the privacy officer only; its register holds no personal data: every role reads it."""
from runtime.access import policy
from runtime.identity import LOKAAL_TEAM, PRIVACY, ROLES, RVDK, VEILIG_THUIS

POLICY = policy(
    post_melding=[LOKAAL_TEAM, VEILIG_THUIS],
    post_aanvulling=[LOKAAL_TEAM, VEILIG_THUIS],
    get_melding=[LOKAAL_TEAM, VEILIG_THUIS, RVDK],
    list_meldingen=[LOKAAL_TEAM, VEILIG_THUIS, RVDK],
    list_verwerkingsactiviteiten=ROLES,
    list_verwerkingen=[PRIVACY],
    get_verwerkingen_integriteit=[PRIVACY],
    post_verwerkingen_zoekopdracht=[PRIVACY],
)
