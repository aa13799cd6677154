"""Who may call which operation of capacity (runtime.access). A GI reports its own staffing only;
live capacity (no personal data) is for the RvdK, the GIs and the region."""
from runtime.access import policy
from runtime.identity import BEHEER, GI_MANAGER, GI_ROL, REGIO, RVDK

READERS = [RVDK, GI_ROL, GI_MANAGER, REGIO]

POLICY = policy(
    put_capaciteit=[GI_ROL, GI_MANAGER],
    get_gi_capaciteit=READERS,
    get_capaciteit=READERS,
    get_historie=READERS,
    stream_capaciteit=READERS,
    post_herberekening=[BEHEER],
    get_escalaties=READERS,
    get_escalatie=READERS,
    # Each for its own party (the RvdK, its own GI, the region): the party comes from the token.
    post_bevestiging=[RVDK, GI_ROL, GI_MANAGER, REGIO],
)
