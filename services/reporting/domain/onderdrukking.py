"""Suppression of small counts in published figures (primary and secondary). Pure.

A table is published with its totals; every row and every column is an equation
(cells sum to the row's total). A suppressed cell can be recovered by subtraction exactly
when it is the only suppressed member of some equation. So after the primary suppression
(counts from 1 to the threshold - 1) every equation with exactly one suppressed member gets
a second one: the smallest non-zero cell, else an empty cell (shown as suppressed, so nobody
knows it is empty), and the region's own totals only as a last resort. Repeated until no
equation has exactly one: then no suppressed value follows from the others.
"""

from collections.abc import Hashable, Iterable

TOTAAL = "*"


def is_klein(waarde: int, drempel: int) -> bool:
    return 1 <= waarde < drempel


def secundair(
    waarden: dict[Hashable, int],
    vergelijkingen: Iterable[list[Hashable]],
    primair: set[Hashable],
    reserve: set[Hashable] = frozenset(),
    vast: set[Hashable] = frozenset(),
) -> set[Hashable]:
    """All cells to suppress: `primair` plus the secondary cells. `reserve` members (e.g. the
    region's per-GI totals) are chosen only when an equation has no other candidate; `vast`
    members are published anyway and never chosen."""
    vergelijkingen = [list(v) for v in vergelijkingen]
    onderdrukt = set(primair)
    veranderd = True
    while veranderd:
        veranderd = False
        for leden in vergelijkingen:
            if sum(1 for k in leden if k in onderdrukt) != 1:
                continue
            kandidaten = [k for k in leden if k not in onderdrukt and k not in vast]
            if not kandidaten:
                continue
            keuze = min(
                kandidaten, key=lambda k: (k in reserve, waarden.get(k, 0) == 0, waarden.get(k, 0), str(k))
            )
            onderdrukt.add(keuze)
            veranderd = True
    return onderdrukt


def tabel(
    cellen: dict[tuple[str, str], int], drempel: int, extra_primair: Iterable[tuple[str, str]] = ()
) -> tuple[dict[tuple[str, str], int], set]:
    """A municipality x GI table with its margins, and the cells to suppress in it.

    Keys are (gemeente, gi); margins use TOTAAL: (gemeente, TOTAAL) is the municipality's total,
    (TOTAAL, gi) the GI's regional total, (TOTAAL, TOTAAL) the region. Per-municipality values
    (cells and municipality totals) below the threshold are suppressed; the regional totals only
    when nothing else can protect a cell.
    """
    rijen = sorted({g for g, _ in cellen})
    kolommen = sorted({k for _, k in cellen})
    waarden: dict[tuple[str, str], int] = {(g, k): 0 for g in rijen for k in kolommen}
    for (g, k), v in cellen.items():
        waarden[(g, k)] = v
        waarden[(g, TOTAAL)] = waarden.get((g, TOTAAL), 0) + v
        waarden[(TOTAAL, k)] = waarden.get((TOTAAL, k), 0) + v
        waarden[(TOTAAL, TOTAAL)] = waarden.get((TOTAAL, TOTAAL), 0) + v
    primair = {key for key, v in waarden.items() if key[0] != TOTAAL and is_klein(v, drempel)}
    primair |= {key for key in extra_primair if key in waarden and key[0] != TOTAAL}
    vergelijkingen = [[(g, k) for k in kolommen] + [(g, TOTAAL)] for g in rijen]
    vergelijkingen += [[(g, k) for g in rijen] + [(TOTAAL, k)] for k in kolommen]
    vergelijkingen.append([(TOTAAL, k) for k in kolommen] + [(TOTAAL, TOTAAL)])
    vergelijkingen.append([(g, TOTAAL) for g in rijen] + [(TOTAAL, TOTAAL)])
    reserve = {(TOTAAL, k) for k in kolommen} | {(TOTAAL, TOTAAL)}
    return waarden, secundair(waarden, vergelijkingen, primair, reserve)


def rij(cellen: dict[str, int], totaal_onderdrukt: bool, drempel: int) -> set[str]:
    """One published breakdown of a (municipality's) total, e.g. per urgency: which values to
    suppress. If the total itself is suppressed, so is every part of it."""
    if totaal_onderdrukt:
        return set(cellen)
    waarden = dict(cellen)
    waarden[TOTAAL] = sum(cellen.values())
    primair = {k for k, v in cellen.items() if is_klein(v, drempel)}
    # The total is published already: it is a member of the equation but never a candidate.
    return secundair(waarden, [[*cellen, TOTAAL]], primair, vast={TOTAAL})
