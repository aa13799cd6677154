"""Cases at the GIs (casussen) and transfer requests (overdrachten). Pure: no I/O."""
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from contracts.events import AdviesIssued, CasusAssigned, Kind, OverdrachtRequested
from contracts.vocabulary import GI
from runtime.errors import Conflict, InvalidInput


@dataclass
class Overdracht:
    id: UUID
    casus_id: UUID
    van_gi: GI
    naar_gi: GI
    reden: str
    status: str
    aangevraagd_op: datetime


@dataclass
class Casus:
    id: UUID
    melding_id: UUID
    gezin_id: UUID
    gemeente: str
    gi: GI
    doelgroep: str
    kinderen: list[Kind]
    status: str
    toegewezen_op: datetime
    overdrachten: list[Overdracht] = field(default_factory=list)

    @classmethod
    def from_advies(cls, advies: AdviesIssued, now: datetime) -> "Casus":
        return cls(id=uuid4(), melding_id=advies.melding_id, gezin_id=advies.gezin_id,
                   gemeente=advies.gemeente, gi=advies.gi, doelgroep=advies.doelgroep,
                   kinderen=list(advies.kinderen), status="open", toegewezen_op=now)

    def assigned_event(self) -> CasusAssigned:
        return CasusAssigned(casus_id=self.id, melding_id=self.melding_id, gezin_id=self.gezin_id,
                             gemeente=self.gemeente, gi=self.gi, doelgroep=self.doelgroep,
                             kinderen=self.kinderen, toegewezen_op=self.toegewezen_op)

    def vraag_overdracht(self, naar_gi: GI, reden: str, now: datetime
                         ) -> tuple[Overdracht, OverdrachtRequested]:
        """A transfer is the exception: it needs a reason and another GI, one request at a time."""
        if self.status != "open":
            raise Conflict(f"case {self.id} is {self.status}; only an open case can be transferred")
        if naar_gi == self.gi:
            raise InvalidInput(f"the case is already at {self.gi}", field="naar_gi")
        if not reden.strip():
            raise InvalidInput("a transfer needs a reason", field="reden")
        if any(o.status == "aangevraagd" for o in self.overdrachten):
            raise Conflict(f"case {self.id} already has a pending transfer request")
        overdracht = Overdracht(id=uuid4(), casus_id=self.id, van_gi=self.gi, naar_gi=naar_gi,
                                reden=reden.strip(), status="aangevraagd", aangevraagd_op=now)
        self.overdrachten.append(overdracht)
        event = OverdrachtRequested(overdracht_id=overdracht.id, casus_id=self.id, gemeente=self.gemeente,
                                    van_gi=self.gi, naar_gi=naar_gi, reden=overdracht.reden,
                                    aangevraagd_op=now)
        return overdracht, event
