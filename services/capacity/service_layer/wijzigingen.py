"""In-process wake-up of live streams when this process committed a visible capacity change.

Streams also poll the database (changes committed by another replica), so a missed wake-up
costs at most one poll interval, never a change.
"""
import asyncio


class Wekker:
    def __init__(self) -> None:
        self.versie = 0  # bumped on every wake-up: a stream that saw an older one does not wait
        self._wachtenden: set[asyncio.Event] = set()

    def wek(self) -> None:
        self.versie += 1
        for wachtend in self._wachtenden:
            wachtend.set()

    async def wacht(self, gezien: int, hoogstens_s: float) -> None:
        """Return on the next wake-up after version `gezien`, or after `hoogstens_s` seconds."""
        if self.versie != gezien:
            return
        event = asyncio.Event()
        self._wachtenden.add(event)
        try:
            await asyncio.wait_for(event.wait(), hoogstens_s)
        except TimeoutError:
            pass
        finally:
            self._wachtenden.discard(event)


WIJZIGINGEN = Wekker()
