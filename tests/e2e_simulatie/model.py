"""What happens in a year, and its figures per month: the record of a play (`Verloop`), kept the same
way whether the chain played it live (driver.py) or this module's reference model did.

The reference model is the simulation's model written out step by step, as the driver acts it out
as the GIs' and the RvdK's systems: the target-group rules decide (triage's own rule engine reads
the ruleset); the RvdK follows the proposal, which ranks the GIs with the expertise first, then the
most free slots, ties in the order JBRR, WSS, LJR; a case waits until its GI gives it a fixed
protector, which the GI does as soon as it has room (oldest waiting case first, a case only when all
its waiting children fit, stopping at the first that does not); the GI closes the case after the
generated number of days; capacity opens, raises and clears the region's escalation on every change
of the figures. It lets the tests check the live play before the simulation API exists, and says
where a difference lies once it does.
"""
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from runtime.clock import add_months
from services.triage.domain.model import Regelset, bepaal_doelgroep
from tests.e2e_simulatie.jaar import DREMPELS, GIS, Jaar

FIGUREN = ("toegewezen", "grijs_gebied", "vrije_plaatsen", "wachtend", "wachtdagen")


@dataclass
class Casus:
    """A report's case: its GI, its children, whether its report fell in the grey area, and the days
    it was assigned, given its fixed protector and closed."""

    nummer: int
    gi: str
    kinderen: int
    grijs: bool
    doelgroep: str
    toegewezen_op: date
    beschermer_op: date | None = None
    gesloten_op: date | None = None

    def wacht_op(self, dag: date) -> bool:
        """Waiting at the end of `dag`."""
        return (self.toegewezen_op <= dag and (self.beschermer_op is None or self.beschermer_op > dag)
                and (self.gesloten_op is None or self.gesloten_op > dag))


@dataclass
class Verloop:
    """A played year: every case, each GI's published (free slots, waiting) at each month's end, and
    the region's escalations (the day each started and ended)."""

    casussen: dict[int, Casus] = field(default_factory=dict)
    maandeinde: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    escalaties: list[tuple[date, date | None]] = field(default_factory=list)


def _maand(dag: date) -> str:
    return dag.strftime("%Y-%m")


def _wachtdagen(casus: Casus, van: date, tot: date) -> int:
    """Calendar days the case's children waited in [van, tot): from the day it was assigned to the
    day its protector came or it was closed (a wait still going on runs through `tot`)."""
    einde = min(d for d in (casus.beschermer_op, casus.gesloten_op, tot) if d is not None)
    return casus.kinderen * max(0, (min(einde, tot) - max(casus.toegewezen_op, van)).days)


def maandcijfers(jaar: Jaar, verloop: Verloop) -> list[dict]:
    """The year's figures per calendar month in the shape of the simulation's `maanden`, with one
    set of figures per GI: children assigned, of those in the grey area, free slots and waiting
    children at the month's end, waiting days within the month; escalations opened in the month."""
    maanden = []
    for i, maand in enumerate(jaar.maanden):
        van = add_months(jaar.van, i)
        tot = min(add_months(jaar.van, i + 1), jaar.tot + timedelta(days=1))
        gis = []
        for gi in GIS:
            hier = [c for c in verloop.casussen.values() if c.gi == gi]
            nieuw = [c for c in hier if van <= c.toegewezen_op < tot]
            vrij, wachtend = verloop.maandeinde[maand][gi]
            gis.append({"gi": gi, "toegewezen": sum(c.kinderen for c in nieuw),
                        "grijs_gebied": sum(c.kinderen for c in nieuw if c.grijs),
                        "vrije_plaatsen": vrij, "wachtend": wachtend,
                        "wachtdagen": sum(_wachtdagen(c, van, tot) for c in hier)})
        maanden.append({"maand": maand, "escalaties": sum(1 for start, _ in verloop.escalaties
                                                          if van <= start < tot), "gis": gis})
    return maanden


def verschillen(verwacht: Iterable[dict], gezien: Iterable[dict], wat: str = "") -> list[str]:
    """Where two years of figures (maandcijfers, or one side of the simulation's `maanden`) differ,
    month by month and GI by GI, readably."""
    uit = []
    for a, b in zip(verwacht, gezien, strict=True):
        assert a["maand"] == b["maand"], (a["maand"], b["maand"])
        if a["escalaties"] != b["escalaties"]:
            uit.append(f"{wat}{a['maand']} escalaties: {a['escalaties']} != {b['escalaties']}")
        per_gi = {g["gi"]: g for g in b["gis"]}
        for g in a["gis"]:
            for figuur in FIGUREN:
                if g[figuur] != per_gi[g["gi"]][figuur]:
                    anders = per_gi[g["gi"]][figuur]
                    uit.append(f"{wat}{a['maand']} {g['gi']} {figuur}: {g[figuur]} != {anders}")
    return uit


class _Escalatie:
    """The region's escalation as capacity keeps it (services/capacity/domain/escalatie.py): its level
    is the number of conditions met; it opens above 0, rises with the level and clears only once
    every condition is below its threshold by the margin."""

    def __init__(self, verloop: Verloop):
        self.verloop = verloop
        self.niveau = 0

    def beoordeel(self, figuren: dict[str, tuple[int, int, int]], dag: date) -> None:
        vrij = {gi: plaatsen - in_zorg for gi, (plaatsen, in_zorg, _) in figuren.items()}
        wachtend = sum(w for _, _, w in figuren.values())
        niveau = (all(v <= 0 for v in vrij.values())) + (wachtend > DREMPELS["wachtend_max"])
        if self.niveau == 0:
            if niveau:
                self.niveau = niveau
                self.verloop.escalaties.append((dag, None))
        elif (any(v >= DREMPELS["herstel_vrije_plaatsen"] for v in vrij.values())
              and wachtend <= DREMPELS["wachtend_max"] - DREMPELS["marge_wachtend"]):
            self.niveau = 0
            self.verloop.escalaties[-1] = (self.verloop.escalaties[-1][0], dag)
        else:
            self.niveau = max(self.niveau, niveau)


def kies_gi(geschikt: Iterable[str], vrij: dict[str, int]) -> str:
    """The proposal: a GI with the expertise first, then the most free slots, ties by JBRR, WSS, LJR."""
    geschikt = set(geschikt)
    return min(GIS, key=lambda gi: (gi not in geschikt, -vrij[gi], GIS.index(gi)))


def beschermers_erbij(casussen: Iterable[Casus], plaatsen: int) -> list[Casus]:
    """The GI's rule: oldest waiting case first, while the children with a protector plus all the
    waiting children of that case fit in its slots; stop at the first that does not fit."""
    open_ = [c for c in casussen if c.gesloten_op is None]
    beschermd = sum(c.kinderen for c in open_ if c.beschermer_op is not None)
    erbij = []
    wachtend = sorted((c for c in open_ if c.beschermer_op is None),
                      key=lambda c: (c.toegewezen_op, c.nummer))
    for casus in wachtend:
        if beschermd + casus.kinderen > plaatsen:
            break
        beschermd += casus.kinderen
        erbij.append(casus)
    return erbij


def speel(jaar: Jaar, regelset_bron: dict) -> Verloop:
    """The year through the model, with this ruleset active from the start."""
    regelset = Regelset.from_dict(regelset_bron)
    verloop = Verloop()
    escalatie = _Escalatie(verloop)
    bezetting = {gi: list(b) for gi, b in jaar.bezetting_begin.items()}

    def figuren() -> dict[str, tuple[int, int, int]]:
        """Per GI: slots, children in care, children waiting."""
        uit = {}
        for gi in GIS:
            open_ = [c for c in verloop.casussen.values() if c.gi == gi and c.gesloten_op is None]
            uit[gi] = (bezetting[gi][0] * bezetting[gi][1], sum(c.kinderen for c in open_),
                       sum(c.kinderen for c in open_ if c.beschermer_op is None))
        return uit

    for _ in GIS:  # the staffing reported at the start, one GI after the other
        escalatie.beoordeel(figuren(), jaar.start.date())
    for stap in jaar.stappen:
        dag = stap.dag
        if stap.soort == "bezetting":
            bezetting[stap.gi] = [stap.jeugdbeschermers, stap.caseload_norm]
        elif stap.soort == "melding":
            melding = jaar.meldingen[stap.melding]
            besluit = bepaal_doelgroep(regelset, list(melding.zorgen), list(melding.kenmerken),
                                       melding.leeftijden(dag), melding.kader)
            vrij = {gi: plaatsen - in_zorg for gi, (plaatsen, in_zorg, _) in figuren().items()}
            gi = kies_gi(besluit.geschikte_gis, vrij)
            verloop.casussen[stap.melding] = Casus(stap.melding, gi, len(melding.kinderen),
                                                   besluit.expertise is None, besluit.doelgroep, dag)
        else:
            verloop.casussen[stap.melding].gesloten_op = dag
        escalatie.beoordeel(figuren(), dag)
        for gi in GIS:
            for casus in beschermers_erbij((c for c in verloop.casussen.values() if c.gi == gi),
                                           figuren()[gi][0]):
                casus.beschermer_op = dag
                escalatie.beoordeel(figuren(), dag)
        verloop.maandeinde[_maand(dag)] = {gi: (p - z, w) for gi, (p, z, w) in figuren().items()}
    vorige = None
    for maand in jaar.maanden:  # a month without a step keeps the figures of the month before
        verloop.maandeinde[maand] = vorige = verloop.maandeinde.get(maand, vorige)
    return verloop
