"""Target-group rules (doelgroepenbepaling) and the RvdK advice. Pure: no I/O."""
from dataclasses import dataclass, field

from contracts.vocabulary import GI


@dataclass(frozen=True)
class Conditie:
    """All given parts must hold; an empty condition always holds (the grey-area fallback)."""

    kenmerken_een_van: frozenset[str] = frozenset()
    zorgen_een_van: frozenset[str] = frozenset()
    minimum_leeftijd: int | None = None

    def geldt(self, zorgen: set[str], kenmerken: set[str], leeftijden: list[int]) -> bool:
        if self.kenmerken_een_van and not self.kenmerken_een_van & kenmerken:
            return False
        if self.zorgen_een_van and not self.zorgen_een_van & zorgen:
            return False
        if self.minimum_leeftijd is not None and not any(a >= self.minimum_leeftijd for a in leeftijden):
            return False
        return True


@dataclass(frozen=True)
class Regel:
    id: str
    doelgroep: str
    gi: GI | None
    als: Conditie
    toelichting: str


@dataclass(frozen=True)
class Regelset:
    versie: str
    regels: tuple[Regel, ...]
    omschrijving: str = ""
    geldig_vanaf: str = ""

    @classmethod
    def from_dict(cls, data: dict) -> "Regelset":
        regels = tuple(
            Regel(
                id=r["id"], doelgroep=r["doelgroep"], gi=GI(r["gi"]) if r.get("gi") else None,
                als=Conditie(
                    kenmerken_een_van=frozenset(r["als"].get("kenmerken_een_van", ())),
                    zorgen_een_van=frozenset(r["als"].get("zorgen_een_van", ())),
                    minimum_leeftijd=r["als"].get("minimum_leeftijd"),
                ),
                toelichting=r["toelichting"],
            )
            for r in data["regels"]
        )
        if not regels or regels[-1].als != Conditie():
            raise ValueError(f"ruleset {data.get('versie')}: the last rule must be an unconditional fallback")
        return cls(versie=data["versie"], regels=regels, omschrijving=data.get("omschrijving", ""),
                   geldig_vanaf=data.get("geldig_vanaf", ""))


@dataclass(frozen=True)
class Besluit:
    doelgroep: str
    vereiste_gi: GI | None
    regelset_versie: str
    regel: str
    toelichting: str


def bepaal_doelgroep(regelset: Regelset, zorgen: list[str], kenmerken: list[str],
                     leeftijden: list[int]) -> Besluit:
    """The first rule whose condition holds decides."""
    for regel in regelset.regels:
        if regel.als.geldt(set(zorgen), set(kenmerken), leeftijden):
            return Besluit(regel.doelgroep, regel.gi, regelset.versie, regel.id, regel.toelichting)
    raise AssertionError("a ruleset always ends with a fallback rule")


@dataclass(frozen=True)
class Advies:
    gi: GI
    reden: str
    rangorde: list[dict] = field(default_factory=list)


def adviseer(besluit: Besluit, vrije_plaatsen: dict[GI, int]) -> Advies:
    """Expertise first; in a grey area the GI with the most free capacity (ties: fixed GI order)."""
    ranking = sorted(GI, key=lambda gi: (gi != besluit.vereiste_gi, -vrije_plaatsen.get(gi, 0),
                                         list(GI).index(gi)))
    rangorde = [{"gi": gi.value, "vrije_plaatsen": vrije_plaatsen.get(gi),
                 "vereiste_expertise": gi == besluit.vereiste_gi} for gi in ranking]
    gekozen = ranking[0]
    if besluit.vereiste_gi is not None:
        reden = (f"Doelgroep {besluit.doelgroep} (regel {besluit.regel}) vraagt de expertise van "
                 f"{gekozen.value}.")
    elif gekozen in vrije_plaatsen:
        reden = (f"Grijs gebied: {gekozen.value} heeft de meeste vrije plaatsen "
                 f"({vrije_plaatsen[gekozen]}).")
    else:
        reden = f"Grijs gebied en geen capaciteit bekend: {gekozen.value} als regionale GI."
    return Advies(gekozen, reden, rangorde)
