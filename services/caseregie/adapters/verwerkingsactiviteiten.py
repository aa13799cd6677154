"""caseregie's register of processing activities (verwerkingsactiviteiten.json,
runtime.processing_register) and the activities its use cases log (runtime.processing_log). A
register that is not valid stops the service at import."""
from pathlib import Path

from runtime.processing_register import Register

REGISTER = Register.load(Path(__file__).with_suffix(".json"))

CASUS_OPENEN = REGISTER["caseregie.casus-openen.v1"]
CASUS_INZIEN = REGISTER["caseregie.casus-inzien.v1"]
WACHTLIJST_INZIEN = REGISTER["caseregie.wachtlijst-inzien.v1"]
JEUGDBESCHERMER_TOEWIJZEN = REGISTER["caseregie.jeugdbeschermer-toewijzen.v1"]
CASUS_AFSLUITEN = REGISTER["caseregie.casus-afsluiten.v1"]
OVERDRACHT_AANVRAGEN = REGISTER["caseregie.overdracht-aanvragen.v1"]
OVERDRACHT_INZIEN = REGISTER["caseregie.overdracht-inzien.v1"]
OVERDRACHT_BESLISSEN = REGISTER["caseregie.overdracht-beslissen.v1"]
DRANG_SIGNALEREN = REGISTER["caseregie.drang-signaleren.v1"]
# Erasure after the retention term (bewaartermijn), logged by the retention job.
PERSOONSGEGEVENS_WISSEN = REGISTER["caseregie.persoonsgegevens-wissen.v1"]
# Out-of-home placements and youth care of the case's children, recorded by the case's GI.
UITHUISPLAATSING_REGISTREREN = REGISTER["caseregie.uithuisplaatsing-registreren.v1"]
UITHUISPLAATSINGEN_INZIEN = REGISTER["caseregie.uithuisplaatsingen-inzien.v1"]
JEUGDHULP_REGISTREREN = REGISTER["caseregie.jeugdhulp-registreren.v1"]
JEUGDHULP_INZIEN = REGISTER["caseregie.jeugdhulp-inzien.v1"]
