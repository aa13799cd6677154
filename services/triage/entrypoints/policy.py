"""Who may call which operation of triage (runtime.access): the RvdK's advice and measures. The
target-group rules hold no personal data: every chain partner may read them. The rules are carried
by all GIs and shared with the RvdK (implementation plan 2023: "aangeleverd door GI's", "gedeeld met
de RvdK"): a GI's manager proposes a new version and each GI's manager approves or rejects it for
its own GI; the RvdK, the GIs and the region read the proposals.

Consultation & advice (C&A): a local team asks (for its own municipality; Veilig Thuis gives C&A
itself, it does not ask the GIs); the GI the request went to records its hours; a local team reads
its municipality's requests, a GI those routed to it, the region all of them without the family's
id, and the year's hours against the shares (as the GIs may: no personal data)."""
from runtime.access import policy
from runtime.identity import GI_MANAGER, GI_ROL, LOKAAL_TEAM, PRIVACY, REGIO, ROLES, RVDK, VEILIG_THUIS

PARTNERS = [LOKAAL_TEAM, VEILIG_THUIS, RVDK, GI_ROL, GI_MANAGER, REGIO]
VOORSTEL_LEZERS = [GI_MANAGER, GI_ROL, RVDK, REGIO]
SIMULEERDERS = [GI_MANAGER, RVDK, REGIO]

POLICY = policy(
    list_adviezen=[RVDK],
    get_advies=[RVDK],
    post_bevestiging=[RVDK],
    post_afwijking=[RVDK],
    post_maatregel=[RVDK],
    doelgroepenbepaling=PARTNERS,
    doelgroepenbepaling_versies=PARTNERS,
    doelgroepenbepaling_versie=PARTNERS,
    doelgroepenbepaling_schema=PARTNERS,
    # A GI's manager proposes a version and decides for its own GI; the GIs and the RvdK (which
    # advises by these rules) and the region follow the proposals.
    post_regelsetvoorstel=[GI_MANAGER],
    list_regelsetvoorstellen=VOORSTEL_LEZERS,
    get_regelsetvoorstel=VOORSTEL_LEZERS,
    post_regelset_goedkeuring=[GI_MANAGER],
    post_regelset_afwijzing=[GI_MANAGER],
    beschikbaarheid=[RVDK],
    # The escalation plan's measures in force in triage: no personal data; the partners it concerns.
    regio_escalaties=[RVDK, GI_ROL, GI_MANAGER, REGIO],
    # The what-if simulation: aggregate figures per GI per month, no personal data. Those who decide
    # on the rules and the staffing run and read them: the GIs' managers, the RvdK, the region.
    post_simulatie=SIMULEERDERS,
    list_simulaties=SIMULEERDERS,
    get_simulatie=SIMULEERDERS,
    get_simulatie_grafiek=SIMULEERDERS,
    post_consultatie=[LOKAAL_TEAM],
    list_consultaties=[LOKAAL_TEAM, GI_ROL, GI_MANAGER, REGIO],
    get_consultatie=[LOKAAL_TEAM, GI_ROL, GI_MANAGER, REGIO],
    post_uren=[GI_ROL, GI_MANAGER],
    get_ca_verdeling=[REGIO, GI_ROL, GI_MANAGER],
    # The processing log is for the privacy officer; its register holds no personal data.
    list_verwerkingsactiviteiten=ROLES,
    list_verwerkingen=[PRIVACY],
    get_verwerkingen_integriteit=[PRIVACY],
)
