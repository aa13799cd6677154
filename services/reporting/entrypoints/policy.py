"""Who may call which operation of reporting (runtime.access): aggregates for the region; rebuilds
for operations. The dashboard's page holds no figures: it asks for a token and calls the API.
A GI's manager writes the GI's reading of a quarter (the GIs and the region read them all); the
region marks a quarter's report final; a municipality's infographic is for the region and for
that municipality's own local team (checked in the route)."""
from runtime.access import PUBLIC, policy
from runtime.identity import BEHEER, GI_MANAGER, GI_ROL, LOKAAL_TEAM, REGIO

POLICY = policy(
    get_kpis=[REGIO],
    export=[REGIO],
    get_catalogus=[REGIO],
    definities=[REGIO],
    trends=[REGIO],
    rapportage=[REGIO],
    rapportage_pdf=[REGIO],
    list_duidingen=[REGIO, GI_ROL, GI_MANAGER],
    post_duiding=[GI_MANAGER],
    post_vaststelling=[REGIO],
    infographic=[REGIO, LOKAAL_TEAM],
    infographic_png=[REGIO, LOKAAL_TEAM],
    infographic_pdf=[REGIO, LOKAAL_TEAM],
    dashboard=PUBLIC,
    herbereken=[BEHEER],
    herberekeningen=[BEHEER],
    get_herberekening=[BEHEER],
)
