"""Suppression of small counts over a whole set of linked published tables. Pure.

The method is the practice of statistical offices such as CBS (as in τ-ARGUS): primary
suppression of the sensitive cells, secondary suppression so that they cannot be recovered,
computed over the whole published table set at once, and an audit of the result.

- A table set is a list of cells with their true values and of equations between them: each
  equation says its parts sum to its total (cells of a row sum to the row's total, breakdown
  values to the total they break down, quarters to their year, ...). Cells in `vrij` (the
  municipality-level ones) may be suppressed; every other cell (the region's totals) is always
  published.
- Primary: counts from 1 to the threshold - 1 (`is_klein`), plus cells the caller names.
- Secondary (`secundair`, a fast heuristic): every equation with exactly one suppressed member
  gets a second one, the smallest non-zero published cell, else an empty one (shown suppressed,
  so nobody knows it is empty), never one whose value would follow from a published zero.
- Audit (`herleidbaar`, exact): the suppressed cells are the unknowns, the published values
  constants. A suppressed cell is recoverable when (a) it is a part of an equation whose total
  is known and whose suppressed parts sum to 0 (counts are never negative, so they are all 0),
  or (b) the equations determine it: checked by Gauss-Jordan elimination in exact rational
  arithmetic (integer rows, no floating point); a cell is determined exactly when its column
  reduces to a row of its own. "No equation with exactly one suppressed member" alone does not
  guarantee (b): a cell can be a combination of several equations.
- `beveilig` repeats secondary suppression and audit, suppressing more (a published neighbour
  of each recovered cell) until the audit finds nothing. It only adds cells, so it ends; and
  with every municipality-level cell suppressed (but the empty ones that follow from a regional
  0) nothing is recoverable, because a count can be moved from one municipality to another
  through all its linked cells without changing any published value. So the region's totals
  are never needed; only a table of a single municipality (`tabel`, `regio=True`) may have to
  fall back on them.
"""

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from math import gcd

TOTAAL = "*"

Cel = Hashable
# (total, parts): the parts sum to the total.
Vergelijking = tuple[Cel, tuple[Cel, ...]]


def is_klein(waarde: int, onderdrukkingsdrempel: int) -> bool:
    return 1 <= waarde < onderdrukkingsdrempel


@dataclass
class Tabelset:
    """Cells with their true values, the equations between them, and which may be suppressed."""

    waarden: dict[Cel, int]
    vergelijkingen: list[Vergelijking]
    vrij: set[Cel]
    _index: dict[Cel, list[int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.vergelijkingen = [v for v in self.vergelijkingen if self._vrij_lid(v)]
        index = defaultdict(list)
        for i, (totaal, delen) in enumerate(self.vergelijkingen):
            for c in (totaal, *delen):
                index[c].append(i)
        self._index = dict(index)

    def _vrij_lid(self, v: Vergelijking) -> bool:
        return v[0] in self.vrij or any(c in self.vrij for c in v[1])

    def van(self, cel: Cel) -> list[Vergelijking]:
        return [self.vergelijkingen[i] for i in self._index.get(cel, ())]

    def waarde(self, cel: Cel) -> int:
        return self.waarden.get(cel, 0)

    def primair(self, onderdrukkingsdrempel: int) -> set[Cel]:
        return {c for c in self.vrij if is_klein(self.waarde(c), onderdrukkingsdrempel)}

    def bekend_nul(self) -> set[Cel]:
        """Empty cells that follow from an always-published total of 0: never worth hiding."""
        return {
            d for totaal, delen in self.vergelijkingen if totaal not in self.vrij and self.waarde(totaal) == 0
            for d in delen
        }


# ---- secondary suppression (heuristic) ---------------------------------------------------------


def _volgt_uit_nul(ts: Tabelset, cel: Cel, onderdrukt: set[Cel]) -> bool:
    """Would this empty cell, once suppressed, follow from a published total (all the suppressed
    parts of one of its equations being 0)?"""
    if ts.waarde(cel) != 0:
        return False
    for totaal, delen in ts.van(cel):
        if cel in delen and totaal not in onderdrukt:
            if all(ts.waarde(d) == 0 for d in delen if d in onderdrukt):
                return True
    return False


def _keuze(ts: Tabelset, kandidaten: list[Cel], onderdrukt: set[Cel]) -> Cel:
    def kosten(c):
        v = ts.waarde(c)
        return (_volgt_uit_nul(ts, c, onderdrukt), v == 0, v, repr(c))

    return min(kandidaten, key=kosten)


def secundair(ts: Tabelset, onderdrukt: Iterable[Cel], vast: set[Cel] = frozenset()) -> set[Cel]:
    """`onderdrukt` plus, for every equation with exactly one suppressed member, a second one
    (repeated until no equation has exactly one). `vast` cells are never chosen."""
    result = set(onderdrukt)
    todo = list(range(len(ts.vergelijkingen)))
    while todo:
        totaal, delen = ts.vergelijkingen[todo.pop()]
        leden = (totaal, *delen)
        if sum(1 for c in leden if c in result) != 1:
            continue
        kandidaten = [c for c in leden if c in ts.vrij and c not in result and c not in vast]
        if not kandidaten:
            continue
        keuze = _keuze(ts, kandidaten, result)
        result.add(keuze)
        todo.extend(ts._index.get(keuze, ()))
    return result


# ---- the audit (exact) -------------------------------------------------------------------------


def nul_gedwongen(ts: Tabelset, onderdrukt: set[Cel]) -> set[Cel]:
    """Suppressed parts of an equation with a published total whose suppressed parts sum to 0."""
    result = set()
    for totaal, delen in ts.vergelijkingen:
        if totaal in onderdrukt:
            continue
        verborgen = [d for d in delen if d in onderdrukt]
        if verborgen and sum(ts.waarde(d) for d in verborgen) == 0:
            result.update(verborgen)
    return result


def _rijen(ts: Tabelset, onderdrukt: set[Cel]) -> tuple[list[dict[int, int]], list[Cel]]:
    """The equations restricted to the suppressed cells (numbered), as sparse integer rows."""
    cellen = sorted(onderdrukt, key=repr)
    nummer = {c: i for i, c in enumerate(cellen)}
    rijen = []
    for totaal, delen in ts.vergelijkingen:
        rij: dict[int, int] = {}
        if totaal in nummer:
            rij[nummer[totaal]] = -1
        for d in delen:
            if d in nummer:
                rij[nummer[d]] = rij.get(nummer[d], 0) + 1
        rij = {k: v for k, v in rij.items() if v}
        if rij:
            rijen.append(rij)
    return rijen, cellen


def _combineer(a: dict[int, int], fa: int, b: dict[int, int], fb: int) -> dict[int, int]:
    """fa * a - fb * b, divided by the gcd of its coefficients (exact, stays small)."""
    out = {k: fa * v for k, v in a.items()}
    for k, v in b.items():
        x = out.get(k, 0) - fb * v
        if x:
            out[k] = x
        else:
            out.pop(k, None)
    g = 0
    for v in out.values():
        g = gcd(g, v)
        if g == 1:
            return out
    return {k: v // g for k, v in out.items()} if g > 1 else out


def bepaald(rijen: Iterable[dict[int, int]]) -> set[int]:
    """Gauss-Jordan over the rationals on sparse integer rows (unknown -> coefficient): the
    unknowns whose value the equations determine (their reduced row has no other unknown)."""
    pivots: dict[int, dict[int, int]] = {}
    bevat: dict[int, set[int]] = defaultdict(set)  # unknown -> pivots whose row holds it
    for rij in sorted(rijen, key=len):
        r = dict(rij)
        for p in [k for k in r if k in pivots]:
            r = _combineer(r, pivots[p][p], pivots[p], r[p])
        if not r:
            continue
        p = min(r, key=lambda k: (len(bevat[k]), k))
        for q in list(bevat[p]):
            oud = pivots[q]
            nieuw = _combineer(oud, r[p], r, oud[p])
            for k in oud.keys() - nieuw.keys():
                bevat[k].discard(q)
            for k in nieuw.keys() - oud.keys():
                bevat[k].add(q)
            pivots[q] = nieuw
        pivots[p] = r
        for k in r:
            bevat[k].add(p)
    return {p for p, r in pivots.items() if len(r) == 1}


def herleidbaar(ts: Tabelset, onderdrukt: set[Cel]) -> set[Cel]:
    """The suppressed cells that can be recovered from the published ones (see the module)."""
    nul = nul_gedwongen(ts, onderdrukt)
    if nul:
        return nul
    rijen, cellen = _rijen(ts, onderdrukt)
    return {cellen[i] for i in bepaald(rijen)}


# ---- primary + secondary + audit ---------------------------------------------------------------


def _buur(ts: Tabelset, cel: Cel, onderdrukt: set[Cel], vast: set[Cel], regio: bool) -> Cel | None:
    """A published cell to suppress as well so `cel` is no longer determined: from its own
    equations, else from any equation reachable over suppressed cells; a regional total
    (a cell not in `vrij`) only if `regio` and there is nothing else."""
    gezien, rand, reserve = {cel}, [cel], []
    while rand:
        kandidaten, volgende = [], []
        for c in rand:
            for totaal, delen in ts.van(c):
                for x in (totaal, *delen):
                    if x in onderdrukt:
                        if x not in gezien:
                            gezien.add(x)
                            volgende.append(x)
                    elif x in ts.vrij and x not in vast:
                        kandidaten.append(x)
                    elif x not in ts.vrij:
                        reserve.append(x)
        if kandidaten:
            return _keuze(ts, kandidaten, onderdrukt)
        rand = volgende
    return _keuze(ts, reserve, onderdrukt) if regio and reserve else None


def beveilig(ts: Tabelset, primair: Iterable[Cel], regio: bool = False) -> set[Cel]:
    """The cells to suppress: `primair` plus secondary cells, audited until nothing is recoverable.
    Only ever adds cells, so it ends; empty cells that follow from a regional 0 are never used.
    Regional totals are suppressed only with `regio` and when nothing else can protect a cell
    (a table of one municipality); otherwise that raises ValueError."""
    vast = ts.bekend_nul()
    onderdrukt = set(primair)
    while True:
        onderdrukt = secundair(ts, onderdrukt, vast)
        gevonden = herleidbaar(ts, onderdrukt)
        if not gevonden:
            return onderdrukt
        erbij = {_buur(ts, c, onderdrukt, vast, regio) for c in sorted(gevonden, key=repr)} - {None}
        if not erbij:
            raise ValueError(f"cannot protect {sorted(gevonden, key=repr)[:3]}")
        onderdrukt |= erbij


# ---- one table with its margins ----------------------------------------------------------------


def tabel(
    cellen: dict[tuple[str, str], int],
    onderdrukkingsdrempel: int,
    rijen: Iterable[str] | None = None,
    kolommen: Iterable[str] | None = None,
) -> tuple[dict[tuple[str, str], int], set]:
    """A municipality x GI table with its margins, and the cells to suppress in it.

    Keys are (gemeente, gi); margins use TOTAAL: (gemeente, TOTAAL) is the municipality's total,
    (TOTAAL, gi) the GI's regional total, (TOTAAL, TOTAAL) the region. Only per-municipality
    cells (cells and municipality totals) are suppressed, the region's totals only when nothing
    else can protect a cell (e.g. a table of one municipality).
    """
    rijen = sorted(set(rijen or ()) | {g for g, _ in cellen})
    kolommen = sorted(set(kolommen or ()) | {k for _, k in cellen})
    ts = tabelset(cellen, rijen, kolommen)
    return ts.waarden, beveilig(ts, ts.primair(onderdrukkingsdrempel), regio=True)


def tabelset(cellen: dict[tuple[str, str], int], rijen: list[str], kolommen: list[str]) -> Tabelset:
    waarden = {(g, k): 0 for g in [*rijen, TOTAAL] for k in [*kolommen, TOTAAL]}
    for (g, k), v in cellen.items():
        for key in ((g, k), (g, TOTAAL), (TOTAAL, k), (TOTAAL, TOTAAL)):
            waarden[key] = waarden.get(key, 0) + v
    vergelijkingen = [((g, TOTAAL), tuple((g, k) for k in kolommen)) for g in [*rijen, TOTAAL]]
    vergelijkingen += [((TOTAAL, k), tuple((g, k) for g in rijen)) for k in [*kolommen, TOTAAL]]
    vrij = {key for key in waarden if key[0] != TOTAAL}
    return Tabelset(waarden, vergelijkingen, vrij)


# ---- the linked tables of one KPI --------------------------------------------------------------


def gekoppelde_tabellen(
    data: dict[tuple, int],
    perioden: list[Hashable],
    kinderen: dict[Hashable, list[Hashable]],
    gemeenten: list[str],
    gis: list[str],
    dimensies: dict[str, list[str]],
) -> Tabelset:
    """The table set of one KPI over linked periods. `data` holds the counts per cell
    (periode, gemeente, gi, dimensie, waarde): the municipality x GI cells with dimensie '' and
    the breakdowns per municipality (gi TOTAAL). Published per period: the municipality x GI
    table with its margins and, per breakdown, municipality x value with its margins; a parent
    period (a year, all time) is the sum of its `kinderen`."""
    waarden: dict[tuple, int] = defaultdict(int)
    for (p, g, k, d, v), n in data.items():
        for gg in (g, TOTAAL):
            waarden[(p, gg, k, d, v)] += n
            if d == "":
                waarden[(p, gg, TOTAAL, d, v)] += n
    vergelijkingen = []
    for p in perioden:
        vergelijkingen += _tabel_vergelijkingen(p, gemeenten, gis, dimensies)
    municipaal = [(g, k, "", "") for g in gemeenten for k in [*gis, TOTAAL]]
    municipaal += [(g, TOTAAL, d, v) for g in gemeenten for d, vs in dimensies.items() for v in vs]
    for ouder, kids in kinderen.items():
        vergelijkingen += [((ouder, *c), tuple((kid, *c) for kid in kids)) for c in municipaal]
    vrij = {(p, *c) for p in perioden for c in municipaal}
    return Tabelset(dict(waarden), vergelijkingen, vrij)


def _tabel_vergelijkingen(p, gemeenten, gis, dimensies) -> list[Vergelijking]:
    def cel(g, k, d="", v=""):
        return (p, g, k, d, v)

    eqs = [(cel(g, TOTAAL), tuple(cel(g, k) for k in gis)) for g in gemeenten]
    eqs += [(cel(TOTAAL, k), tuple(cel(g, k) for g in gemeenten)) for k in [*gis, TOTAAL]]
    for d, vs in dimensies.items():
        eqs += [(cel(g, TOTAAL), tuple(cel(g, TOTAAL, d, v) for v in vs)) for g in gemeenten]
        eqs += [(cel(TOTAAL, TOTAAL, d, v), tuple(cel(g, TOTAAL, d, v) for g in gemeenten)) for v in vs]
    return eqs
