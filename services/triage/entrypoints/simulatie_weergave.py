"""A simulation as a readable page (HTML, no script) with its chart (SVG): per GI per month what
really happened against the scenario. Every value is escaped; the page holds no personal data."""
from html import escape

from services.triage.domain.simulatie import AANNAMES, Cijfers, Simulatie

KLEUREN = {"JBRR": "#1f5f9e", "WSS": "#c2571a", "LJR": "#2e7d32"}
FIGUREN = (("toegewezen", "Toegewezen kinderen"), ("wachtend", "Wachtend aan het eind van de maand"),
           ("vrije_plaatsen", "Vrije plaatsen aan het eind van de maand"), ("wachtdagen", "Wachtdagen"))
BREEDTE, HOOGTE, MARGE = 560, 170, 36


def _waarde(c: Cijfers, figuur: str) -> int | None:
    return getattr(c, figuur)  # None: no figure known (not drawn)


def _paneel(s: Simulatie, figuur: str, titel: str, y0: int) -> str:
    """One small chart: per GI a solid line (werkelijk) and a dashed one (gesimuleerd)."""
    reeksen = [(g.gi.value, soort, [_waarde(getattr(m.gis[i], soort), figuur) for m in s.maanden])
               for i, g in enumerate(s.maanden[0].gis) for soort in ("werkelijk", "gesimuleerd")]
    bekend = [v for _, _, r in reeksen for v in r if v is not None]
    laagste, hoogste = min([0, *bekend]), max([1, *bekend])
    n = len(s.maanden)

    def punt(i: int, v: int) -> str:
        x = MARGE + (i * (BREEDTE - 2 * MARGE) / max(1, n - 1))
        y = y0 + HOOGTE - 20 - (v - laagste) * (HOOGTE - 50) / (hoogste - laagste)
        return f"{x:.1f},{y:.1f}"

    delen = [f'<text x="{MARGE}" y="{y0 + 14}" font-size="13" font-weight="bold">{escape(titel)}</text>',
             f'<text x="4" y="{y0 + 34}" font-size="10">{hoogste}</text>',
             f'<text x="4" y="{y0 + HOOGTE - 20}" font-size="10">{laagste}</text>']
    for gi, soort, reeks in reeksen:
        streep = ' stroke-dasharray="5,3"' if soort == "gesimuleerd" else ""
        punten = " ".join(punt(i, v) for i, v in enumerate(reeks) if v is not None)
        delen.append(f'<polyline fill="none" stroke="{KLEUREN[gi]}" stroke-width="2"{streep} '
                     f'points="{punten}"><title>{gi} {soort}</title></polyline>')
    for i, m in enumerate(s.maanden):
        x = punt(i, laagste).split(",")[0]
        delen.append(f'<text x="{x}" y="{y0 + HOOGTE - 4}" font-size="9" text-anchor="middle">'
                     f'{escape(m.maand[2:])}</text>')
    return "\n".join(delen)


def grafiek_svg(s: Simulatie) -> str:
    """The chart: four panels, werkelijk solid and gesimuleerd dashed, a colour per GI."""
    hoogte = HOOGTE * len(FIGUREN) + 30
    legenda = " ".join(f'<tspan fill="{k}">■ {gi}</tspan>' for gi, k in KLEUREN.items())
    panelen = "\n".join(_paneel(s, f, t, 30 + i * HOOGTE) for i, (f, t) in enumerate(FIGUREN))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{BREEDTE}" height="{hoogte}" '
            f'viewBox="0 0 {BREEDTE} {hoogte}" role="img" font-family="sans-serif">'
            f'<title>Simulatie {escape(str(s.id))}: werkelijk (doorgetrokken), '
            f'gesimuleerd (gestreept)</title>'
            f'<text x="{MARGE}" y="16" font-size="12">{legenda} — doorgetrokken: werkelijk; '
            f'gestreept: gesimuleerd</text>\n{panelen}</svg>')


def _cel(w: Cijfers, g: Cijfers, figuur: str) -> str:
    a, b = getattr(w, figuur), getattr(g, figuur)
    tekst = lambda v: "–" if v is None else str(v)  # noqa: E731
    verschil = "" if a == b else ' class="anders"'
    return f"<td{verschil}>{tekst(a)} → {tekst(b)}</td>"


def _tabel(s: Simulatie) -> str:
    kop = "".join(f"<th>{escape(t)}</th>" for _, t in FIGUREN)
    rijen = []
    for m in s.maanden:
        for g in m.gis:
            cellen = "".join(_cel(g.werkelijk, g.gesimuleerd, f) for f, _ in FIGUREN)
            grijs = _cel(g.werkelijk, g.gesimuleerd, "grijs_gebied")
            rijen.append(f"<tr><td>{escape(m.maand)}</td><td>{g.gi.value}</td>{cellen}{grijs}</tr>")
        esc = (f"<tr class='regio'><td>{escape(m.maand)}</td><td>regio</td><td colspan='5'>escalaties: "
               f"{m.escalaties_werkelijk} → {m.escalaties_gesimuleerd}</td></tr>")
        rijen.append(esc)
    return (f"<table><thead><tr><th>Maand</th><th>GI</th>{kop}<th>Grijs gebied</th></tr></thead>"
            f"<tbody>{''.join(rijen)}</tbody></table>")


def pagina_html(s: Simulatie) -> str:
    wijziging = ", ".join(f"{gi.value}: {w.jeugdbeschermers_erbij:+d} jeugdbeschermers"
                          + (f", norm {w.caseload_norm}" if w.caseload_norm else "")
                          for gi, w in s.bezetting.items()) or "geen"
    voorstel = (f'<a href="/v1/doelgroepenbepaling/voorstellen/{s.voorstel_id}">voorstel {s.voorstel_id}</a>'
                if s.voorstel_id else "geen voorstel")
    aannames = "".join(f"<li>{escape(a)}</li>" for a in AANNAMES)
    return f"""<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Simulatie {escape(str(s.id))}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:70em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 6px;font-size:13px}} td.anders{{background:#fff3c4}}
tr.regio td{{background:#f3f3f3}}</style></head>
<body><h1>Wat als: simulatie over {s.periode.van} tot en met {s.periode.tot}</h1>
<p>Regelset {escape(s.regelset_versie)} ({voorstel}); bezetting: {escape(wijziging)}.
{s.meldingen} meldingen opnieuw afgespeeld; aangevraagd door {escape(s.aangevraagd_door)} op
{s.aangemaakt_op:%Y-%m-%d %H:%M} UTC. Niets hiervan is live gebeurd: de simulatie verandert geen gegevens
en verstuurt geen berichten.</p>
<figure>{grafiek_svg(s)}</figure>
<h2>Per maand en GI: werkelijk → gesimuleerd</h2>{_tabel(s)}
<h2>Aannames</h2><ul>{aannames}</ul></body></html>"""
