"""The KPI catalogue: one definition per KPI, read from a reviewed, versioned JSON file. Pure."""

from dataclasses import dataclass, field

SOORTEN = ("aantal", "verdeling", "aandeel", "stand", "stand_gemiddelde", "som", "aandeel_in_totaal")
# Additive kinds: counts, stocks and sums of a quantity (hours).
OPTELBAAR = ("aantal", "stand", "som")
# The breakdowns every non-regional KPI has; the others are listed per KPI in the catalogue.
GEMEENTE, GI = "gemeente", "gi"


@dataclass(frozen=True)
class Kpi:
    id: str
    naam: str
    name: str
    soort: str
    eenheid: str
    definitie: str
    uitsplitsingen: tuple[str, ...]
    optelbaar: bool
    teller: str | None = None
    noemer: str | None = None
    basis: str | None = None
    richting: str | None = None
    streefwaarde: float | None = None
    schaal: int = 1  # a `som` is stored in whole units of 1/schaal (hours: hundredths)
    bron: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def regionaal(self) -> bool:
        """A regional KPI (escalations) has no GI or municipality."""
        return GEMEENTE not in self.uitsplitsingen

    @property
    def dimensies(self) -> tuple[str, ...]:
        return tuple(d for d in self.uitsplitsingen if d not in (GEMEENTE, GI))

    @property
    def opgeslagen_als(self) -> str | None:
        """The KPI whose projected cells this one is computed from (None: its own)."""
        return self.basis if self.soort in ("stand_gemiddelde", "aandeel_in_totaal") else None

    @classmethod
    def from_dict(cls, raw: dict) -> "Kpi":
        return cls(
            id=raw["id"],
            naam=raw["naam"],
            name=raw["name"],
            soort=raw["soort"],
            eenheid=raw["eenheid"],
            definitie=raw["definitie"],
            uitsplitsingen=tuple(raw["uitsplitsingen"]),
            optelbaar=raw["optelbaar"],
            teller=raw.get("teller"),
            noemer=raw.get("noemer"),
            basis=raw.get("basis"),
            richting=raw.get("richting"),
            streefwaarde=raw.get("streefwaarde"),
            schaal=int(raw.get("schaal", 1)),
            bron=raw,
        )


@dataclass(frozen=True)
class Catalogus:
    versie: str
    parameters: dict
    kpis: tuple[Kpi, ...]
    bron: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def norm_dagen(self) -> int:
        return int(self.parameters["norm_dagen"])

    def kpi(self, kpi_id: str) -> Kpi:
        for k in self.kpis:
            if k.id == kpi_id:
                return k
        raise KeyError(kpi_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(k.id for k in self.kpis)

    @classmethod
    def from_dict(cls, raw: dict) -> "Catalogus":
        kpis = tuple(Kpi.from_dict(k) for k in raw["kpis"])
        ids = [k.id for k in kpis]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate KPI ids in the catalogue")
        for k in kpis:
            if k.soort not in SOORTEN:
                raise ValueError(f"{k.id}: unknown soort {k.soort!r}")
            if k.optelbaar != (k.soort in OPTELBAAR):
                raise ValueError(f"{k.id}: only counts, stocks and sums are additive")
            if k.soort == "aandeel" and not (k.teller in ids and k.noemer in ids):
                raise ValueError(f"{k.id}: a share needs an existing teller and noemer")
            if k.soort == "stand_gemiddelde" and k.basis not in ids:
                raise ValueError(f"{k.id}: needs an existing basis stock")
            if k.soort == "aandeel_in_totaal" and not any(b.id == k.basis and b.soort == "som" for b in kpis):
                raise ValueError(f"{k.id}: a share of the total needs an existing basis sum")
        return cls(versie=raw["versie"], parameters=dict(raw.get("parameters", {})), kpis=kpis, bron=raw)
