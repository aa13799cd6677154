"""Who may call which operation of reporting (runtime.access): aggregates for the region; rebuilds
for operations. The dashboard's page holds no figures: it asks for a token and calls the API."""
from runtime.access import PUBLIC, policy
from runtime.identity import BEHEER, REGIO

POLICY = policy(
    get_kpis=[REGIO],
    export=[REGIO],
    get_catalogus=[REGIO],
    definities=[REGIO],
    trends=[REGIO],
    rapportage=[REGIO],
    rapportage_pdf=[REGIO],
    dashboard=PUBLIC,
    herbereken=[BEHEER],
    herberekeningen=[BEHEER],
    get_herberekening=[BEHEER],
)
