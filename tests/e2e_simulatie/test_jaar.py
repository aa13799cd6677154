"""The generated year itself (no stack): the same on every run, inside the 12 months before the suite's
moment, one step per day at noon, reports as intake accepts them, and a candidate triage accepts."""
from collections import Counter
from datetime import time, timedelta

from runtime.clock import REGION_TZ, local_date
from services.intake.entrypoints.schemas import MeldingIn
from services.triage.domain.model import Regelset
from tests.clock import PINNED_NOW
from tests.e2e_simulatie.jaar import KANDIDAAT_VERSIE, jaar, kandidaat, periode


def test_the_year_is_the_same_on_every_run():
    assert jaar.__wrapped__() == jaar.__wrapped__()


def test_the_year_is_the_12_whole_months_before_the_suites_moment():
    van, tot = periode()
    assert van.day == 1 and (tot + timedelta(days=1)).day == 1
    assert tot < local_date(PINNED_NOW) and (tot + timedelta(days=1)).month == local_date(PINNED_NOW).month
    het_jaar = jaar()
    assert len(het_jaar.maanden) == 12 and het_jaar.maanden[0] == van.strftime("%Y-%m")
    assert local_date(het_jaar.start) == van - timedelta(days=1) and het_jaar.na_afloop == PINNED_NOW


def test_one_step_a_day_at_noon_in_the_region_in_time_order():
    het_jaar = jaar()
    dagen = [s.dag for s in het_jaar.stappen]
    assert dagen == sorted(dagen) and len(set(dagen)) == len(dagen)
    assert all(het_jaar.van <= d <= het_jaar.tot for d in dagen)
    assert all(s.moment.tzinfo == REGION_TZ and s.moment.timetz() == time(12, tzinfo=REGION_TZ)
               for s in het_jaar.stappen)


def test_reports_closures_and_staffing_changes():
    het_jaar = jaar()
    per_maand = Counter(s.dag.strftime("%Y-%m") for s in het_jaar.stappen if s.soort == "melding")
    assert set(per_maand) == set(het_jaar.maanden) and all(8 <= n <= 10 for n in per_maand.values())
    gemeld = {s.melding: s.dag for s in het_jaar.stappen if s.soort == "melding"}
    gesloten = {s.melding: s.dag for s in het_jaar.stappen if s.soort == "sluiting"}
    assert len(gesloten) >= len(gemeld) // 2
    for nummer, dag in gesloten.items():
        assert (dag - gemeld[nummer]).days == het_jaar.meldingen[nummer].duur_dagen >= 20
    assert all(m.duur_dagen is None for n, m in het_jaar.meldingen.items() if n not in gesloten)
    assert len([s for s in het_jaar.stappen if s.soort == "bezetting"]) >= 3
    bsns = [k.bsn for m in het_jaar.meldingen.values() for k in m.kinderen]
    assert len(bsns) == len(set(bsns))  # every report a new family
    assert {len(m.kinderen) for m in het_jaar.meldingen.values()} == {1, 2, 3}


def test_every_report_is_valid_for_intake_and_varied():
    het_jaar = jaar()
    for stap in het_jaar.stappen:
        if stap.soort == "melding":
            melding = het_jaar.meldingen[stap.melding]
            MeldingIn.model_validate(melding.body())
            assert all(0 <= a <= 18 for a in melding.leeftijden(stap.dag))
    meldingen = het_jaar.meldingen.values()
    assert {m.kader for m in meldingen} == {"civiel", "straf", "drang", None}
    assert {m.urgentie for m in meldingen} == {"spoed", "regulier"}
    kenmerken = {k for m in meldingen for k in m.kenmerken}
    assert kenmerken >= {"lvb_kind", "lvb_ouder", "complexe_scheiding", "verslaving", "psychiatrie_ouder"}
    assert len({m.gemeente for m in meldingen}) >= 10


def test_the_candidate_is_a_valid_ruleset_with_a_new_version():
    regelset = Regelset.from_dict(kandidaat())
    assert regelset.versie == KANDIDAAT_VERSIE
    assert [r.id for r in regelset.regels][-2:] == ["psychiatrie_ouder", "grijs_gebied"]
