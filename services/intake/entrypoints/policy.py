"""Who may call which operation of intake (runtime.access). Inside an operation a local team sees
its own team's reports, Veilig Thuis its own, the RvdK the reports referred to it."""
from runtime.access import policy
from runtime.identity import LOKAAL_TEAM, RVDK, VEILIG_THUIS

POLICY = policy(
    post_melding=[LOKAAL_TEAM, VEILIG_THUIS],
    post_aanvulling=[LOKAAL_TEAM, VEILIG_THUIS],
    get_melding=[LOKAAL_TEAM, VEILIG_THUIS, RVDK],
    list_meldingen=[LOKAAL_TEAM, VEILIG_THUIS, RVDK],
)
