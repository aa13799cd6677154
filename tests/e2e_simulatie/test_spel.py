"""The live plays of the generated year, seen from outside: each stack did what the reference model
of the simulation says, case by case, month by month (so the driver acts the model out and the chain
follows it the same way every time); the cases counted per GI in caseregie are the play's; and the
candidate really changes where reports go and who waits."""
import pytest

from tests.e2e_simulatie.jaar import GIS, kandidaat, regelset_actief
from tests.e2e_simulatie.model import maandcijfers, speel, verschillen

pytestmark = pytest.mark.e2e


def per_casus(verloop) -> dict[int, tuple]:
    return {n: (c.gi, c.kinderen, c.grijs, c.doelgroep, c.toegewezen_op, c.beschermer_op, c.gesloten_op)
            for n, c in verloop.casussen.items()}


def _zoals_het_model(gespeeld, regelset: dict) -> None:
    model = speel(gespeeld.jaar, regelset)
    live = gespeeld.verloop
    print(f"\nplay {gespeeld.naam}: {gespeeld.speelduur_s:.0f} s, settling "
          f"{gespeeld.stilte.wachttijd_s:.0f} s in {gespeeld.stilte.rondes} rounds; "
          f"escalations {live.escalaties}")
    assert len(live.casussen) == len(gespeeld.jaar.meldingen)
    anders = {n: (m, per_casus(live)[n]) for n, m in per_casus(model).items() if per_casus(live)[n] != m}
    assert anders == {}
    assert live.maandeinde == model.maandeinde
    assert live.escalaties == model.escalaties
    assert verschillen(maandcijfers(gespeeld.jaar, model), maandcijfers(gespeeld.jaar, live)) == []


async def test_stack_a_played_the_year_as_the_model_says(stack_a):
    _zoals_het_model(stack_a, regelset_actief())


async def test_stack_b_played_the_year_with_the_candidate_as_the_model_says(stack_b):
    _zoals_het_model(stack_b, kandidaat())


@pytest.mark.parametrize("naam", ["a", "b"])
async def test_caseregie_counts_the_cases_of_the_play_per_gi(naam, stack_a, stack_b):
    gespeeld = {"a": stack_a, "b": stack_b}[naam]
    for gi in GIS:
        for status in ("open", "gesloten"):
            r = await gespeeld.http["caseregie"].get("/v1/casussen", params={"status": status, "pageSize": 1},
                                                     headers=gespeeld.tokens.gi(gi))
            assert r.status_code == 200, r.text
            verwacht = sum(1 for c in gespeeld.verloop.casussen.values()
                           if c.gi == gi and (c.gesloten_op is None) == (status == "open"))
            assert r.json()["total"] == verwacht, (gi, status)


async def test_the_candidate_sends_reports_elsewhere_and_changes_the_figures(stack_a, stack_b):
    a, b = stack_a.verloop.casussen, stack_b.verloop.casussen
    elders = [n for n in a if a[n].gi != b[n].gi]
    assert len(elders) >= 10
    # Addiction is no target group of its own any more, a parent's psychiatry no longer grey area.
    assert {(a[n].doelgroep, b[n].doelgroep) for n in a if a[n].doelgroep != b[n].doelgroep} >= {
        ("verslaving", "grijs_gebied"), ("grijs_gebied", "psychiatrie_ouder")}
    assert any(a[n].doelgroep == "complexe_scheiding" and (a[n].gi, b[n].gi) == ("JBRR", "LJR") for n in a)
    cijfers_a = maandcijfers(stack_a.jaar, stack_a.verloop)
    cijfers_b = maandcijfers(stack_b.jaar, stack_b.verloop)
    anders = verschillen(cijfers_a, cijfers_b)
    for figuur in ("toegewezen", "grijs_gebied", "vrije_plaatsen", "wachtend", "wachtdagen"):
        assert any(f" {figuur}:" in regel for regel in anders), figuur
    assert any(m["escalaties"] for m in cijfers_a) and any(m["escalaties"] for m in cijfers_b)


def test_the_services_ran_on_the_clock_file_though_given_the_suites_clock_start_too(stack_a):
    env = stack_a.stack.service_env("intake")
    assert env["CLOCK_FILE"] == str(stack_a.clock.path) and env["CLOCK_START"]  # (tests/conftest.py)
    # Each report was received at its step's moment (driver.py checks every one), a year before
    # the suite's own moment.
    assert {c.toegewezen_op for c in stack_a.verloop.casussen.values()} == {
        s.dag for s in stack_a.jaar.stappen if s.soort == "melding"}
