"""The privacy officer's question "who looked at our file", asked with a BSN: intake alone knows
which pseudonyms a BSN stands for. The BSN itself is never stored, logged or returned."""
from runtime.processing_log import Betrokkene
from services.intake.domain.commands import FindBetrokkene
from services.intake.domain.gegevens import Gezin, Kind
from services.intake.domain.model import family_keys, pseudonym
from services.intake.service_layer.unit_of_work import IntakeUnitOfWork
from services.intake.settings import IntakeSettings


async def betrokkene_voor_bsn(cmd: FindBetrokkene, uow: IntakeUnitOfWork,
                              settings: IntakeSettings) -> Betrokkene:
    """The pseudonyms of a BSN: the child's id (a child in a report has it as its `kind_id`) and
    the family a report with this BSN (a child's or a parent's) belongs to, if any."""
    secret = settings.pseudonym_secret
    [sleutel] = family_keys(Gezin(kinderen=(Kind(bsn=cmd.bsn),)), secret)
    async with uow:
        gezinnen = await uow.gezinnen.find([sleutel])
    return Betrokkene(kind_id=pseudonym(secret, cmd.bsn), gezin_id=gezinnen.get(sleutel))
