"""What people read: the CSV export, the quarterly report (HTML and PDF) and the dashboard page.

Everything shown here comes from the same computed (and suppressed) KPI results as the API.
"""

import io
import json
from html import escape
from pathlib import Path

from contracts import vocabulary
from contracts.vocabulary import GEMEENTEN
from services.reporting.domain.cijfers import GIS
from services.reporting.domain.onderdrukking import TOTAAL
from services.reporting.domain.periodes import TIJDZONE
from services.reporting.domain.projectie import ONBEKEND

GI_NAMEN = {**vocabulary.GI_NAMEN, ONBEKEND: ONBEKEND, TOTAAL: "Totaal"}
ONDERDRUKT = "×"
DASHBOARD = Path(__file__).parent / "dashboard.html"
GEEN_DUIDING = "Nog geen duiding van de GI's bij hun eigen cijfers van dit kwartaal."


def getal(value, eenheid: str = "") -> str:
    """Dutch notation: 1.234 and 87,5; suppressed values as ×, missing as –."""
    if value is None:
        return "–"
    if isinstance(value, float):
        text = f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    else:
        text = f"{value:,}".replace(",", ".")
    return text + ("%" if eenheid == "procent" else "")


def cel(value, eenheid: str, onderdrukt: bool) -> str:
    return ONDERDRUKT if onderdrukt else getal(value, eenheid)


# ---- CSV ---------------------------------------------------------------------------------------


def csv(rows: list[dict], *, gemeente: str | None = None, gi: str | None = None) -> str:
    """One row per KPI x municipality x GI (with totals) from the same suppressed tables as the
    JSON: `waarde` empty and `onderdrukt` ja when suppressed; empty and nee when there is no value
    (a median, share or mean without observations)."""
    out = io.StringIO()
    writer = _csv_writer(out)
    writer.writerow(
        ["kpi", "naam", "eenheid", "periode_type", "periode", "gemeente", "gi", "waarde", "onderdrukt"]
    )
    for k in rows:
        tabel = k.get("tabel") or {TOTAAL: {TOTAAL: k["waarde"]}}
        verborgen = _verborgen(k)
        for g, per_gi in tabel.items():
            if gemeente and g != gemeente:
                continue
            for i, value in per_gi.items():
                if gi and i != gi:
                    continue
                writer.writerow(
                    [
                        k["kpi"],
                        k["naam"],
                        k["eenheid"],
                        k["periode_type"],
                        k["periode"],
                        "regio" if g == TOTAAL else g,
                        "alle" if i == TOTAAL else i,
                        "" if value is None else value,
                        "ja" if (g, i) in verborgen else "nee",
                    ]
                )
    return out.getvalue()


def _csv_writer(out):
    import csv as csv_module

    return csv_module.writer(out, lineterminator="\r\n")


def _verborgen(k: dict) -> set[tuple[str, str]]:
    """The suppressed cells of a KPI's municipality x GI table."""
    return {(g, i) for g, i in k.get("tabel_onderdrukt", ())}


# ---- the quarterly report ----------------------------------------------------------------------

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1c2833;
 background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px 32px;background:#fff}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:20px;margin:32px 0 8px;border-bottom:2px solid #154273;padding-bottom:4px}
h3{font-size:16px;margin:24px 0 4px;color:#154273}
p.meta{color:#555;margin:0 0 16px} p.def{margin:4px 0 8px;color:#333;font-size:14px;max-width:900px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:14px}
th,td{border:1px solid #d0d5dd;padding:4px 8px;text-align:right} th{background:#eef2f7}
td:first-child,th:first-child{text-align:left}
tr.totaal td{font-weight:600;background:#f3f5f8}
.waarde{font-size:18px;font-weight:600}
.legenda{font-size:13px;color:#555}
a.pdf{float:right;background:#154273;color:#fff;padding:6px 12px;border-radius:4px;text-decoration:none}
.duiding{margin:8px 0 12px;padding:6px 12px;border-left:4px solid #e17000;background:#fdf6ef;max-width:900px}
.duiding .kop{font-weight:600;font-size:14px} .duiding p{margin:4px 0 0;font-size:14px;white-space:pre-line}
.duiding.addendum{border-left-color:#a90061} span.status{font-weight:600}
"""


def rapport_html(r: dict, pdf_url: str = "") -> str:
    gi_kop = "".join(f"<th>{escape(GI_NAMEN[g])}</th>" for g in GIS)
    samenvatting = []
    duidingen = _per_kpi(r.get("duidingen", ()))
    for k in r["kpis"]:
        per_gi = "".join(f"<td>{escape(getal(k['per_gi'].get(g), k['eenheid']))}</td>" for g in GIS)
        n = len(duidingen.get(k["kpi"], ()))
        merk = f" <a class='merk' href='#duiding-{k['kpi']}'>duiding ({n})</a>" if n else ""
        samenvatting.append(
            f"<tr><td><a href='#{k['kpi']}'>{escape(k['naam'])}</a>{merk}</td><td>{escape(k['eenheid'])}</td>"
            f"<td class='waarde'>{escape(getal(k['waarde'], k['eenheid']))}</td>"
            f"<td>{escape(getal(k['vorig'], k['eenheid']))}</td>{per_gi}</tr>"
        )
    secties = [_kpi_sectie(k, duidingen.get(k["kpi"], ())) for k in r["kpis"]]
    regels = "".join(
        f"<li><b>{escape(naam)}</b>: {escape(tekst)}</li>" for naam, tekst in r["regels"].items()
    )
    link = f"<a class='pdf' href='{escape(pdf_url)}'>PDF</a>" if pdf_url else ""
    return f"""<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Kwartaalrapportage {escape(r["kwartaal"])}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>
<body><main>
{link}<h1>Kwartaalrapportage jeugdbescherming Rotterdam Rijnmond — {escape(r["kwartaal"])}</h1>
<p class="meta">Periode {escape(r["begin"])} t/m {escape(r["einde"])} ·
peildatum standen {escape(r["peildatum"])} · KPI-catalogus {escape(r["catalogus_versie"])} ·
norm vaste jeugdbeschermer {r["parameters"].get("norm_dagen")} dagen ·
aantallen per gemeente onder {r["onderdrukkingsdrempel"]} onderdrukt ({ONDERDRUKT}) ·
<span class="status" id="status">{escape(_status(r))}</span></p>
<h2>Samenvatting</h2>
<table id="samenvatting"><tr><th>KPI</th><th>eenheid</th><th>{escape(r["kwartaal"])}</th>
<th>vorig kwartaal</th>
{gi_kop}</tr>{"".join(samenvatting)}</table>
<h2 id="duiding-gis">Duiding door de GI's</h2>
{_duidingen_html(duidingen.get(None, ()), GEEN_DUIDING)}
<h2>Per KPI: definitie en tabel per gemeente en GI</h2>
{"".join(secties)}
<h2>Rekenregels</h2><ul class="legenda">{regels}</ul>
<p class="legenda">{_legenda(r["onderdrukkingsdrempel"])}</p>
</main></body></html>"""


def _legenda(onderdrukkingsdrempel: int) -> str:
    """What × means in the quarterly report (its line breaks as in the page's source)."""
    return (f"{ONDERDRUKT} = onderdrukt: een aantal per gemeente onder {onderdrukkingsdrempel}, "
            "of een cel die\nanders uit de gepubliceerde cijfers terug te rekenen is (secundaire "
            "onderdrukking, over alle tabellen,\nuitsplitsingen en perioden samen). 0 = niets geteld. "
            "– = geen waarneming (mediaan, aandeel of gemiddelde\nzonder waarnemingen).")


def _status(r: dict) -> str:
    v = r.get("vaststelling")
    if v is None:
        return "voorlopig: nog niet vastgesteld"
    moment = v.vastgesteld_op.astimezone(TIJDZONE)
    return f"vastgesteld op {moment:%d-%m-%Y %H:%M}; duiding daarna als addendum"


def _per_kpi(duidingen) -> dict:
    """The readings per KPI they explain (None: of a GI's own figures as a whole), in the order
    they were written."""
    per: dict = {}
    for d in duidingen:
        per.setdefault(d.kpi, []).append(d)
    return per


def duiding_kop(d) -> str:
    """Who wrote a reading for which GI, and whether (and when) it is an addendum."""
    kop = f"{GI_NAMEN.get(d.gi, d.gi)} — {d.auteur.getoond}"
    if d.addendum:
        kop += f" · addendum van {d.geschreven_op.astimezone(TIJDZONE):%d-%m-%Y}"
    return kop


def _duidingen_html(duidingen, leeg: str = "") -> str:
    if not duidingen:
        return f"<p class='legenda'>{escape(leeg)}</p>" if leeg else ""
    return "".join(
        f"<div class='duiding{' addendum' if d.addendum else ''}' data-gi='{escape(d.gi)}' "
        f"data-kpi='{escape(d.kpi or '')}' data-addendum='{str(d.addendum).lower()}'>"
        f"<div class='kop'>{escape(duiding_kop(d))}</div><p>{escape(d.tekst)}</p></div>"
        for d in duidingen)


def _kpi_sectie(k: dict, duidingen=()) -> str:
    e = k["eenheid"]
    kop = (
        f"<h3 id='{k['kpi']}'>{escape(k['naam'])} "
        f"<small>({escape(k['name'])}; {escape(k['kpi'])})</small></h3>"
        f"<p class='def'>{escape(k['definitie'])}</p>"
    )
    extra = ""
    if k["soort"] == "verdeling" and k.get("aantal"):
        extra = (
            f" · mediaan {getal(k['mediaan'])} · p90 {getal(k['p90'])}"
            f" · gemiddelde {getal(k['gemiddelde'])}"
            f" · {getal(k['aantal'])} waarnemingen"
        )
    if k["soort"] == "aandeel" and k.get("noemer") is not None:
        extra = f" · {getal(k['teller'])} van {getal(k['noemer'])}"
    waarde = (f"<p>Regio: <span class='waarde'>{escape(getal(k['waarde'], e))}</span> "
              f"{escape(e)}{escape(extra)}</p>")
    if duidingen:
        waarde += f"<div id='duiding-{k['kpi']}'>{_duidingen_html(duidingen)}</div>"
    tabel = k.get("tabel") or {}
    if set(tabel) <= {TOTAAL}:
        return kop + waarde
    rows = []
    for g in _rijen(tabel):
        naam = "Regio" if g == TOTAAL else f"{GEMEENTEN.get(g, g)} ({g})"
        cellen = "".join(f"<td>{escape(_tabel_cel(k, g, i))}</td>" for i in [*GIS, TOTAAL])
        rows.append(f"<tr class='{'totaal' if g == TOTAAL else ''}'><td>{escape(naam)}</td>{cellen}</tr>")
    kop_gis = "".join(f"<th>{escape(GI_NAMEN[g])}</th>" for g in [*GIS, TOTAAL])
    return (
        kop
        + waarde
        + f"<table class='gemeenten' data-kpi='{k['kpi']}'><tr><th>Gemeente</th>{kop_gis}</tr>"
        + "".join(rows)
        + "</table>"
    )


def _rijen(tabel: dict) -> list[str]:
    """Every municipality (by name), then the region."""
    return [*sorted((g for g in tabel if g != TOTAAL), key=lambda g: GEMEENTEN.get(g, g)), TOTAAL]


def _tabel_cel(k: dict, g: str, gi: str) -> str:
    """A cell of the municipality x GI table: × when suppressed, – when there is no value."""
    if (g, gi) in _verborgen(k):
        return ONDERDRUKT
    return getal(k["tabel"].get(g, {}).get(gi), k["eenheid"])


def _pdf(text) -> str:
    """Text for reportlab's standard fonts (WinAnsi), XML-escaped for its paragraphs."""
    return escape(str(text).replace("→", "->").replace("≤", "<=").replace("≥", ">="))


def rapport_pdf(r: dict) -> bytes:
    """The quarterly report as a PDF: heading, summary table, each KPI with its definition and its
    table per municipality and GI, the calculation rules (reportlab, imported only when asked)."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    styles = getSampleStyleSheet()
    klein = styles["BodyText"].clone("klein", fontSize=8, leading=10)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=1.5 * cm, rightMargin=1.5 * cm,
                            topMargin=1.2 * cm, bottomMargin=1.2 * cm,
                            title=f"Kwartaalrapportage {r['kwartaal']}", author="jbketen rapportage")
    stijl = _pdf_tabelstijl()
    duidingen = _per_kpi(r.get("duidingen", ()))
    story = [*_pdf_kop(r, styles, klein), _pdf_samenvatting(r, klein, stijl),
             Paragraph("Duiding door de GI's", styles["Heading2"]),
             *(_pdf_duidingen(duidingen.get(None, ()), klein) or [Paragraph(GEEN_DUIDING, klein)]),
             Paragraph("Per KPI: definitie en tabel per gemeente en GI", styles["Heading2"])]
    story += [_pdf_kpi(k, styles, klein, stijl, duidingen.get(k["kpi"], ())) for k in r["kpis"]]
    story.append(Paragraph("Rekenregels", styles["Heading2"]))
    story += [Paragraph(f"<b>{_pdf(naam)}</b>: {_pdf(tekst)}", klein) for naam, tekst in r["regels"].items()]
    doc.build(story)
    return buffer.getvalue()


def _pdf_tabelstijl():
    from reportlab.lib import colors
    from reportlab.platypus import TableStyle

    return TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#d0d5dd")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ])


def _pdf_kop(r: dict, styles, klein) -> list:
    from reportlab.platypus import Paragraph, Spacer

    return [
        Paragraph(f"Kwartaalrapportage jeugdbescherming Rotterdam Rijnmond — {r['kwartaal']}",
                  styles["Title"]),
        Paragraph(f"Periode {r['begin']} t/m {r['einde']} · peildatum standen {r['peildatum']} · "
                  f"KPI-catalogus {r['catalogus_versie']} · aantallen per gemeente onder "
                  f"{r['onderdrukkingsdrempel']} onderdrukt ({ONDERDRUKT}) · {_status(r)}", klein),
        Spacer(1, 8),
        Paragraph("Samenvatting", styles["Heading2"]),
    ]


def _pdf_samenvatting(r: dict, klein, stijl):
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, Table

    data = [["KPI", "eenheid", r["kwartaal"], "vorig kwartaal", *(GI_NAMEN[g] for g in GIS)]]
    data += [[Paragraph(_pdf(k["naam"]), klein), _pdf(k["eenheid"]), getal(k["waarde"], k["eenheid"]),
              getal(k["vorig"], k["eenheid"]), *(getal(k["per_gi"].get(g), k["eenheid"]) for g in GIS)]
             for k in r["kpis"]]
    return Table(data, colWidths=[8 * cm, 2.2 * cm, 2.4 * cm, 2.4 * cm] + [2 * cm] * len(GIS), style=stijl,
                 repeatRows=1)


def _pdf_duidingen(duidingen, klein) -> list:
    """The readings as paragraphs: who wrote it for which GI (bold), then the text."""
    from reportlab.platypus import Paragraph

    return [Paragraph(f"<b>{_pdf(duiding_kop(d))}</b>: {_pdf(d.tekst).replace(chr(10), '<br/>')}", klein)
            for d in duidingen]


def _pdf_kpi(k: dict, styles, klein, stijl, duidingen=()):
    """One KPI: its name, definition and regional figure, the GIs' readings of it, and its table per
    municipality and GI."""
    from reportlab.lib.units import cm
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table

    e = k["eenheid"]
    blok = [Paragraph(f"{_pdf(k['naam'])} ({_pdf(k['kpi'])})", styles["Heading3"]),
            Paragraph(_pdf(k["definitie"]), klein),
            Paragraph(f"Regio: <b>{_pdf(getal(k['waarde'], e))}</b> {_pdf(e)}", klein),
            *_pdf_duidingen(duidingen, klein)]
    tabel = k.get("tabel") or {}
    if not set(tabel) <= {TOTAAL}:
        rows = [["Gemeente", *(GI_NAMEN[g] for g in [*GIS, TOTAAL])]]
        for g in _rijen(tabel):
            naam = "Regio" if g == TOTAAL else f"{GEMEENTEN.get(g, g)} ({g})"
            rows.append([naam, *(_tabel_cel(k, g, i) for i in [*GIS, TOTAAL])])
        blok.append(Table(rows, colWidths=[6 * cm] + [2.2 * cm] * (len(GIS) + 1), style=stijl))
    blok.append(Spacer(1, 6))
    return KeepTogether(blok)


def dashboard_html(refresh_s: float) -> str:
    """The page, with the region's municipalities and GIs from the chain's vocabulary."""
    waarden = {"__REFRESH_MS__": int(refresh_s * 1000), "__GEMEENTEN__": GEMEENTEN, "__GIS__": GIS,
               "__GI_NAMEN__": {gi: GI_NAMEN[gi] for gi in GIS}}
    page = DASHBOARD.read_text()
    for plek, waarde in waarden.items():
        page = page.replace(plek, json.dumps(waarde, ensure_ascii=False))
    return page


__all__ = ["cel", "csv", "dashboard_html", "getal", "rapport_html", "rapport_pdf"]
