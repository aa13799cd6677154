"""The infographic of a municipality (domain/infographic.py) as people read it: a web page, and one
page drawn once for both the PDF (reportlab) and the PNG (Pillow, which reportlab itself depends
on). No browser renders anything at request time.

The page is laid out once, in PDF points (A4 portrait, the origin top left), as a list of
rectangles and lines of text measured with the same font files (Bitstream Vera, shipped with
reportlab) that both renderers draw with, so the PNG and the PDF are the same page. Readings that
do not fit on the one page are cut short, with a pointer to the quarterly report.
"""

import io
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path

from services.reporting.domain.infographic import CIJFERS
from services.reporting.entrypoints.weergave import ONDERDRUKT, getal

BREED, HOOG, MARGE = 595.28, 841.89, 36.0  # A4 in points
BLAUW, GRIJS, LICHT, GOED, SLECHT, TEKST = "#154273", "#5b6670", "#eef2f7", "#39870c", "#b00020", "#1c2833"
PNG_SCHAAL = 2.0  # pixels per point: 1191 x 1684


def waarde_tekst(w: dict, eenheid: str) -> str:
    """× when suppressed, – without a value, else the Dutch notation."""
    if w["onderdrukt"]:
        return ONDERDRUKT
    return getal(w["waarde"], eenheid)


def verschil(c: dict) -> tuple[str, str]:
    """The change against the previous quarter and its colour (by the KPI's direction)."""
    nu, vorig = c["waarde"], c["vorig"]["waarde"]
    if c["onderdrukt"] or c["vorig"]["onderdrukt"] or nu is None or vorig is None:
        return "", GRIJS
    delta = nu - vorig
    if c["eenheid"] == "procent":
        tekst = f"{getal(round(abs(delta), 1) * 1.0)} procentpunt"
    else:
        tekst = getal(abs(delta) if isinstance(delta, int) else round(abs(delta), 1))
    teken = "+" if delta > 0 else "−" if delta < 0 else "±"
    kleur = GRIJS
    if delta and c["richting"] in ("lager_is_beter", "hoger_is_beter"):
        beter = (delta < 0) == (c["richting"] == "lager_is_beter")
        kleur = GOED if beter else SLECHT
    return f"{teken}{tekst} t.o.v. vorig kwartaal", kleur


def _tegels(data: dict) -> list[tuple]:
    """(cijfer | None, label) for each number of the infographic, in reading order; None: the
    active catalogue does not have the KPI yet (shown as n.v.t.)."""
    per_kpi = {c["kpi"]: c for c in data["cijfers"]}
    return [(per_kpi.get(c.kpi), c.label) for c in CIJFERS]


# ---- the web page ------------------------------------------------------------------------------

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f3f5f8;
 color:#1c2833}
main{max-width:900px;margin:0 auto;background:#fff;min-height:100vh}
header{background:#154273;color:#fff;padding:22px 32px} header h1{margin:0;font-size:28px}
header p{margin:6px 0 0;opacity:.9}
.tegels{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:14px;padding:20px 32px}
.tegel{background:#eef2f7;border-left:5px solid #154273;padding:12px 16px;min-height:120px}
.tegel .v{font-size:40px;font-weight:700} .tegel .l{font-size:15px;margin-top:2px}
.tegel .d,.tegel .t{font-size:13px;color:#5b6670;margin-top:4px}
.reeks{display:flex;align-items:flex-end;gap:6px;height:46px;margin-top:8px}
.reeks div{width:22px;background:#7d9cc0;position:relative} .reeks div.nu{background:#154273}
.reeks span{font-size:10px;color:#5b6670;display:block;text-align:center;width:30px}
.reeks figure{margin:0;display:flex;flex-direction:column;align-items:center;justify-content:flex-end;
 height:100%}
.nvt .v{color:#5b6670}
section{padding:4px 32px 16px}
h2{font-size:19px;color:#154273;border-bottom:2px solid #154273;padding-bottom:4px}
.duiding{margin:10px 0;padding:8px 12px;border-left:4px solid #e17000;background:#fdf6ef}
.duiding .kop{font-weight:600;font-size:14px} .duiding p{margin:4px 0 0;white-space:pre-line}
footer{font-size:12px;color:#5b6670;padding:8px 32px 24px}
a.knop{color:#fff;margin-right:12px}
"""


def html(data: dict, *, png_url: str = "", pdf_url: str = "") -> str:
    kwartalen = data["kwartalen"]
    tegels = "".join(_html_tegel(c, label, kwartalen) for c, label in _tegels(data))
    duidingen = "".join(_html_duiding(d) for d in data["duidingen"]) or (
        "<p class='geen'>Nog geen duiding door de GI's voor dit kwartaal.</p>")
    links = "".join(f"<a class='knop' href='{escape(u)}'>{t}</a>"
                    for t, u in (("PNG", png_url), ("PDF", pdf_url)) if u)
    return f"""<!doctype html>
<html lang="nl"><head><meta charset="utf-8">
<title>Infographic jeugdbescherming {escape(data["gemeente_naam"])} — {escape(data["kwartaal"])}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>
<body><main data-gemeente="{escape(data["gemeente"])}" data-kwartaal="{escape(data["kwartaal"])}">
<header><h1>Jeugdbescherming in {escape(data["gemeente_naam"])}</h1>
<p>Kwartaal {escape(data["kwartaal"])} · regio Rotterdam Rijnmond · {_status(data)} {links}</p></header>
<div class="tegels" id="cijfers">{tegels}</div>
<section id="duidingen"><h2>Duiding door de GI's</h2>{duidingen}</section>
<footer>{escape(_voetnoot(data))}</footer>
</main></body></html>"""


def _status(data: dict) -> str:
    v = data["vastgesteld_op"]
    return f"vastgesteld op {_datum(v)}" if v else "voorlopige cijfers"


def _datum(moment) -> str:
    return moment.strftime("%d-%m-%Y") if hasattr(moment, "strftime") else str(moment)[:10]


def _voetnoot(data: dict) -> str:
    return (f"{ONDERDRUKT} = onderdrukt: een aantal onder {data['onderdrukkingsdrempel']}, of een cijfer dat "
            "anders uit de gepubliceerde cijfers terug te rekenen is. – = geen waarneming. "
            + ("n.v.t. = nog niet gemeten. " if data.get("ontbreekt") else "")
            + "Dezelfde cijfers als in de kwartaalrapportage en op het dashboard van de regio "
            "(jbketen), per kwartaal; de balkjes zijn de kwartalen tot en met dit kwartaal.")


def _html_tegel(c: dict | None, label: str, kwartalen: list[str]) -> str:
    if c is None:
        return (f"<div class='tegel nvt'><div class='v'>n.v.t.</div><div class='l'>{escape(label)}</div>"
                "<div class='d'>nog niet in de KPI-catalogus</div></div>")
    delta, kleur = verschil(c)
    detail = ""
    if c["detail"]:
        d = c["detail"]
        detail = (f"<div class='d' data-detail='{d['kpi']}'>{escape(waarde_tekst(d, d['eenheid']))} "
                  f"{escape(d['label'])}</div>")
    hoogste = max([p["waarde"] for p in c["reeks"] if p["waarde"] is not None] or [0]) or 1
    staven = "".join(
        f"<figure title='{escape(p['periode'])}: {escape(waarde_tekst(p, c['eenheid']))}'>"
        f"<div class='{'nu' if i == len(kwartalen) - 1 else ''}' "
        f"style='height:{0 if p['waarde'] is None else max(2, round(40 * p['waarde'] / hoogste))}px'></div>"
        f"<span>{escape(_onder_staaf(p, c['eenheid']))}</span>"
        "</figure>"
        for i, p in enumerate(c["reeks"]))
    return (f"<div class='tegel' data-kpi='{c['kpi']}'>"
            f"<div class='v'>{escape(waarde_tekst(c, c['eenheid']))}</div>"
            f"<div class='l'>{escape(label)}</div>{detail}"
            f"<div class='t' style='color:{kleur}'>{escape(delta)}</div>"
            f"<div class='reeks'>{staven}</div></div>")


def _onder_staaf(p: dict, eenheid: str) -> str:
    """Under a quarter's bar: the quarter (Q3), or × / – where there is no bar."""
    return p["periode"][-2:] if p["waarde"] is not None else waarde_tekst(p, eenheid)


def _html_duiding(d: dict) -> str:
    over = f" over {escape(d['kpi_naam'])}" if d["kpi_naam"] else " over de eigen cijfers"
    addendum = f" · addendum van {_datum(d['geschreven_op'])}" if d["addendum"] else ""
    return (f"<div class='duiding' data-gi='{escape(d['gi'])}' data-kpi='{escape(d['kpi'] or '')}'>"
            f"<div class='kop'>{escape(d['gi_naam'])}{over}{addendum}</div><p>{escape(d['tekst'])}</p></div>")


# ---- one page for PDF and PNG ------------------------------------------------------------------


@dataclass(frozen=True)
class Vlak:
    x: float
    y: float
    w: float
    h: float
    kleur: str


@dataclass(frozen=True)
class Regel:
    x: float
    y: float  # the baseline
    tekst: str
    vet: bool
    grootte: float
    kleur: str
    anker: str = "start"  # start, end or middle


FONTS = Path(__import__("reportlab").__file__).parent / "fonts"
FONT, FONT_VET = FONTS / "Vera.ttf", FONTS / "VeraBd.ttf"


@cache
def _metriek():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("Vera", str(FONT)))
    pdfmetrics.registerFont(TTFont("VeraBd", str(FONT_VET)))
    return pdfmetrics


def breedte(tekst: str, vet: bool, grootte: float) -> float:
    return _metriek().stringWidth(tekst, "VeraBd" if vet else "Vera", grootte)


def omloop(tekst: str, vet: bool, grootte: float, max_breedte: float) -> list[str]:
    """The text in lines no wider than `max_breedte` (its own line breaks kept)."""
    regels = []
    for alinea in tekst.replace("\r", "").split("\n"):
        regel = ""
        for woord in alinea.split():
            kandidaat = f"{regel} {woord}" if regel else woord
            if breedte(kandidaat, vet, grootte) <= max_breedte or not regel:
                regel = kandidaat
            else:
                regels.append(regel)
                regel = woord
        regels.append(regel)
    return regels


def opmaak(data: dict) -> list[Vlak | Regel]:
    """The page: header, the numbers in two columns, the GIs' readings, the footnote."""
    items: list[Vlak | Regel] = [Vlak(0, 0, BREED, 84, BLAUW),
                                 Regel(MARGE, 42, f"Jeugdbescherming in {data['gemeente_naam']}", True, 22,
                                       "#ffffff"),
                                 Regel(MARGE, 64, f"Kwartaal {data['kwartaal']} · regio Rotterdam Rijnmond · "
                                       f"{_status(data)}", False, 10, "#ffffff")]
    kolom, tegel_h = (BREED - 2 * MARGE - 14) / 2, 132
    for i, (c, label) in enumerate(_tegels(data)):
        x, y = MARGE + (i % 2) * (kolom + 14), 100 + (i // 2) * (tegel_h + 12)
        items += _tegel(c, label, x, y, kolom, tegel_h)
    y = 100 + 3 * (tegel_h + 12) + 14
    items += [Regel(MARGE, y, "Duiding door de GI's", True, 14, BLAUW),
              Vlak(MARGE, y + 5, BREED - 2 * MARGE, 1.5, BLAUW)]
    items += _duidingen(data["duidingen"], y + 22, HOOG - 58)
    for j, regel in enumerate(omloop(_voetnoot(data), False, 7, BREED - 2 * MARGE)):
        items.append(Regel(MARGE, HOOG - 40 + j * 9, regel, False, 7, GRIJS))
    return items


def _tegel(c: dict | None, label: str, x: float, y: float, w: float, h: float) -> list:
    items: list = [Vlak(x, y, w, h, LICHT), Vlak(x, y, 4, h, BLAUW)]
    if c is None:
        return [*items, Regel(x + 14, y + 40, "n.v.t.", True, 26, GRIJS),
                Regel(x + 14, y + 60, label, False, 10, TEKST),
                Regel(x + 14, y + 76, "nog niet in de KPI-catalogus", False, 8, GRIJS)]
    items += [Regel(x + 14, y + 40, waarde_tekst(c, c["eenheid"]), True, 28, TEKST)]
    for j, regel in enumerate(omloop(label, False, 10, w - 28)[:2]):
        items.append(Regel(x + 14, y + 58 + j * 12, regel, False, 10, TEKST))
    if c["detail"]:
        d = c["detail"]
        items.append(Regel(x + 14, y + 86, f"{waarde_tekst(d, d['eenheid'])} {d['label']}", False, 8, GRIJS))
    delta, kleur = verschil(c)
    items.append(Regel(x + 14, y + h - 12, delta, False, 8, kleur))
    return items + _reeks(c, x + w - 12, y + h - 64)


def _reeks(c: dict, rechts: float, boven: float) -> list:
    """The quarters as small bars in the tile's bottom right corner, this quarter darkest."""
    items, n = [], len(c["reeks"])
    hoogste = max([p["waarde"] for p in c["reeks"] if p["waarde"] is not None] or [0]) or 1
    for i, p in enumerate(c["reeks"]):
        x = rechts - (n - i) * 17
        if p["waarde"] is not None:
            h = max(1.5, 34 * p["waarde"] / hoogste)
            items.append(Vlak(x, boven + 34 - h, 11, h, BLAUW if i == n - 1 else "#7d9cc0"))
        items.append(Regel(x + 5.5, boven + 44, _onder_staaf(p, c["eenheid"]), False, 6, GRIJS, "middle"))
    return items


def _duidingen(duidingen: list[dict], y: float, tot: float) -> list:
    """As many readings as fit above `tot`; the rest pointed to the quarterly report."""
    items, breed = [], BREED - 2 * MARGE - 12
    if not duidingen:
        return [Regel(MARGE, y, "Nog geen duiding door de GI's voor dit kwartaal.", False, 9, GRIJS)]
    for d in duidingen:
        over = f" over {d['kpi_naam']}" if d["kpi_naam"] else " over de eigen cijfers"
        addendum = f" · addendum van {_datum(d['geschreven_op'])}" if d["addendum"] else ""
        regels = omloop(d["tekst"], False, 9, breed)
        ruimte = int((tot - y - 14) // 11)
        if ruimte < 1:
            items.append(Regel(MARGE, y, "Meer duiding: zie de kwartaalrapportage.", False, 8, GRIJS))
            break
        if len(regels) > ruimte:
            regels = [*regels[:ruimte - 1], regels[ruimte - 1] + " … (zie de kwartaalrapportage)"]
        items.append(Vlak(MARGE, y - 10, 3, 14 + 11 * len(regels), "#e17000"))
        items.append(Regel(MARGE + 10, y, f"{d['gi_naam']}{over}{addendum}", True, 9, TEKST))
        items += [Regel(MARGE + 10, y + 13 + k * 11, r, False, 9, TEKST) for k, r in enumerate(regels)]
        y += 14 + 11 * len(regels) + 10
    return items


def pdf(data: dict) -> bytes:
    from reportlab.lib.colors import HexColor
    from reportlab.pdfgen.canvas import Canvas

    _metriek()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(BREED, HOOG))
    canvas.setTitle(f"Infographic jeugdbescherming {data['gemeente_naam']} {data['kwartaal']}")
    canvas.setAuthor("jbketen rapportage")
    for item in opmaak(data):
        if isinstance(item, Vlak):
            canvas.setFillColor(HexColor(item.kleur))
            canvas.rect(item.x, HOOG - item.y - item.h, item.w, item.h, stroke=0, fill=1)
        else:
            canvas.setFillColor(HexColor(item.kleur))
            canvas.setFont("VeraBd" if item.vet else "Vera", item.grootte)
            teken = {"start": canvas.drawString, "end": canvas.drawRightString,
                     "middle": canvas.drawCentredString}[item.anker]
            teken(item.x, HOOG - item.y, item.tekst)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def png(data: dict) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    s = PNG_SCHAAL
    beeld = Image.new("RGB", (round(BREED * s), round(HOOG * s)), "#ffffff")
    teken = ImageDraw.Draw(beeld)
    fonts: dict = {}
    for item in opmaak(data):
        if isinstance(item, Vlak):
            teken.rectangle([item.x * s, item.y * s, (item.x + item.w) * s - 1, (item.y + item.h) * s - 1],
                            fill=item.kleur)
        else:
            sleutel = (item.vet, item.grootte)
            if sleutel not in fonts:
                bestand = FONT_VET if item.vet else FONT
                fonts[sleutel] = ImageFont.truetype(str(bestand), round(item.grootte * s))
            anker = {"start": "ls", "end": "rs", "middle": "ms"}[item.anker]
            teken.text((item.x * s, item.y * s), item.tekst, font=fonts[sleutel], fill=item.kleur,
                       anchor=anker)
    buffer = io.BytesIO()
    beeld.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


__all__ = ["html", "opmaak", "pdf", "png"]
