"""intake's register of processing activities (verwerkingsactiviteiten.json, runtime.processing_register)
and the activities its use cases log (runtime.processing_log). A register that is not valid stops
the service at import."""
from pathlib import Path

from runtime.processing_register import Register

REGISTER = Register.load(Path(__file__).with_suffix(".json"))

MELDING_ONTVANGEN = REGISTER["intake.melding-ontvangen.v1"]
MELDING_AANVULLEN = REGISTER["intake.melding-aanvullen.v1"]
MELDING_INZIEN = REGISTER["intake.melding-inzien.v1"]
KETENVERLOOP_BIJWERKEN = REGISTER["intake.ketenverloop-bijwerken.v1"]
AANVULTERMIJN_BEWAKEN = REGISTER["intake.aanvultermijn-bewaken.v1"]
# Erasure after the retention term (bewaartermijn), logged by the retention job.
PERSOONSGEGEVENS_WISSEN = REGISTER["intake.persoonsgegevens-wissen.v1"]
