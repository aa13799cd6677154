"""Capacity of a GI: norm slots minus children in care. Pure: no I/O."""
from dataclasses import dataclass, replace
from datetime import datetime

from contracts.events import CapacitySignal
from contracts.vocabulary import GI
from runtime.errors import InvalidInput


@dataclass(frozen=True)
class GiCapaciteit:
    gi: GI
    jeugdbeschermers: int = 0
    caseload_norm: int = 0
    kinderen_in_zorg: int = 0
    bijgewerkt_op: datetime | None = None

    @property
    def plaatsen(self) -> int:
        return self.jeugdbeschermers * self.caseload_norm

    @property
    def vrije_plaatsen(self) -> int:
        # Negative when a GI is over its norm: the RvdK must see how far over.
        return self.plaatsen - self.kinderen_in_zorg

    def bezetting(self, jeugdbeschermers: int, caseload_norm: int, at: datetime) -> "GiCapaciteit":
        if jeugdbeschermers < 0:
            raise InvalidInput("cannot be negative", field="jeugdbeschermers")
        if caseload_norm < 1:
            raise InvalidInput("a caseload norm is at least 1 child per youth protector",
                               field="caseload_norm")
        return replace(self, jeugdbeschermers=jeugdbeschermers, caseload_norm=caseload_norm,
                       bijgewerkt_op=at)

    def kinderen_erbij(self, aantal: int, at: datetime) -> "GiCapaciteit":
        return replace(self, kinderen_in_zorg=self.kinderen_in_zorg + aantal, bijgewerkt_op=at)

    def zichtbaar_anders_dan(self, other: "GiCapaciteit") -> bool:
        return (self.vrije_plaatsen, self.plaatsen, self.kinderen_in_zorg, self.jeugdbeschermers,
                self.caseload_norm) != (other.vrije_plaatsen, other.plaatsen, other.kinderen_in_zorg,
                                        other.jeugdbeschermers, other.caseload_norm)

    def signal(self) -> CapacitySignal:
        return CapacitySignal(gi=self.gi, vrije_plaatsen=self.vrije_plaatsen, plaatsen=self.plaatsen,
                              kinderen_in_zorg=self.kinderen_in_zorg,
                              jeugdbeschermers=self.jeugdbeschermers, caseload_norm=self.caseload_norm,
                              tijdstip=self.bijgewerkt_op)
