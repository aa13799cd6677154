"""The agreed shares of a year's consultation & advice (C&A) hours per GI: the region (GRJR) sets
them in the subsidy decision ("herverdeling C&A", reviewed every year) so that each GI has a
realistic part. Triage routes a question the factsheet names no GI for to the GI furthest below its
share; reporting sets the hours spent against the shares. One table, read by both."""
from types import MappingProxyType

from contracts.vocabulary import GI

# Per year from which it applies: each GI's share of the hours (together 1). A year without its own
# row keeps the latest earlier one.
AFGESPROKEN_AANDELEN: MappingProxyType = MappingProxyType({
    2024: MappingProxyType({GI.JBRR: 0.50, GI.WSS: 0.25, GI.LJR: 0.25}),
    2026: MappingProxyType({GI.JBRR: 0.45, GI.WSS: 0.30, GI.LJR: 0.25}),
})


def afgesproken_aandelen(jaar: int) -> dict[GI, float]:
    """The shares that apply in `jaar` (the latest row from that year or before)."""
    eerdere = [j for j in AFGESPROKEN_AANDELEN if j <= jaar]
    if not eerdere:
        raise LookupError(f"no agreed C&A shares for {jaar} or before")
    return dict(AFGESPROKEN_AANDELEN[max(eerdere)])
