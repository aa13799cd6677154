"""triage's register of processing activities (verwerkingsactiviteiten.json, runtime.processing_register)
and the activities its use cases log (runtime.processing_log). A register that is not valid stops
the service at import."""
from pathlib import Path

from runtime.processing_register import Register

REGISTER = Register.load(Path(__file__).with_suffix(".json"))

DOELGROEP_BEPALEN = REGISTER["triage.doelgroep-bepalen.v1"]
ADVIES_VOORSTELLEN = REGISTER["triage.advies-voorstellen.v1"]
ADVIES_INZIEN = REGISTER["triage.advies-inzien.v1"]
ADVIES_VASTSTELLEN = REGISTER["triage.advies-vaststellen.v1"]
MAATREGEL_VASTLEGGEN = REGISTER["triage.maatregel-vastleggen.v1"]
# Erasure after the retention term (bewaartermijn), logged by the retention job.
PERSOONSGEGEVENS_WISSEN = REGISTER["triage.persoonsgegevens-wissen.v1"]
# Consultation & advice (C&A): logged when the request names a family (its pseudonymous gezin_id).
CONSULTATIE_AANVRAGEN = REGISTER["triage.consultatie-aanvragen.v1"]
CONSULTATIE_INZIEN = REGISTER["triage.consultatie-inzien.v1"]
CONSULTATIE_UREN_REGISTREREN = REGISTER["triage.consultatie-uren-registreren.v1"]
CONSULTATIE_GEZIN_WISSEN = REGISTER["triage.consultatie-gezin-wissen.v1"]
# The what-if simulation: logged per simulation for every child whose course it replayed.
SIMULEREN = REGISTER["triage.simulatie.v1"]
