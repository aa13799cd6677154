"""Who may call which operation of triage (runtime.access): the RvdK's advice and measures. The
target-group rules hold no personal data: every chain partner may read them."""
from runtime.access import policy
from runtime.identity import GI_MANAGER, GI_ROL, LOKAAL_TEAM, PRIVACY, REGIO, ROLES, RVDK, VEILIG_THUIS

PARTNERS = [LOKAAL_TEAM, VEILIG_THUIS, RVDK, GI_ROL, GI_MANAGER, REGIO]

POLICY = policy(
    list_adviezen=[RVDK],
    get_advies=[RVDK],
    post_bevestiging=[RVDK],
    post_afwijking=[RVDK],
    post_maatregel=[RVDK],
    doelgroepenbepaling=PARTNERS,
    doelgroepenbepaling_versies=PARTNERS,
    doelgroepenbepaling_versie=PARTNERS,
    beschikbaarheid=[RVDK],
    # The processing log is for the privacy officer; its register holds no personal data.
    list_verwerkingsactiviteiten=ROLES,
    list_verwerkingen=[PRIVACY],
    get_verwerkingen_integriteit=[PRIVACY],
)
