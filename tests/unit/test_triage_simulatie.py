"""The what-if simulation's model (services/triage/domain/simulatie.py): the chain's rules replayed
over a hand-made history whose outcome is worked out by hand here. Fixed dates: no "today"."""
import copy
from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

from contracts.escalatiedrempels import Drempels
from contracts.vocabulary import GI
from runtime.clock import REGION_TZ
from services.triage.domain.events import Kind
from services.triage.domain.model import Regelset
from services.triage.domain.simulatie import (
    Aanmelding,
    Bezetting,
    Bezettingsmoment,
    Bezettingswijziging,
    Cijfers,
    Geschiedenis,
    Kindverloop,
    Periode,
    Scenario,
    Stand,
    maandcijfers,
    simuleer,
    vergelijk,
)

JAN_FEB = Periode(date(2026, 1, 1), date(2026, 2, 28))
VOOR = datetime(2025, 12, 1, 12, tzinfo=REGION_TZ)


def regelset(lvb_bij: tuple[str, ...] | None = ("WSS",), versie: str = "2099.1") -> Regelset:
    """LVB to the GIs named (None: LVB is grey area), everything else grey area."""
    regels = [{"id": "grijs", "doelgroep": "grijs_gebied", "expertise": None, "als": {},
               "toelichting": "Rest."}]
    if lvb_bij:
        regels.insert(0, {"id": "lvb", "doelgroep": "lvb", "expertise": "lvb",
                          "als": {"kenmerken_een_van": ["lvb_kind"]}, "toelichting": "LVB."})
    return Regelset.from_dict({"versie": versie, "expertises": {"lvb": list(lvb_bij or ["WSS"])},
                               "regels": regels})


def op(dag: int, maand: int = 1) -> datetime:
    return datetime(2026, maand, dag, 12, tzinfo=REGION_TZ)


def bezetting(**per_gi: tuple[int, int]) -> tuple[Bezettingsmoment, ...]:
    return tuple(Bezettingsmoment(VOOR, GI(gi), Bezetting(jb, 0, norm)) for gi, (jb, norm) in per_gi.items())


class Historie:
    """Reports and what really became of them, built up by the test."""

    def __init__(self):
        self.meldingen: dict[UUID, Aanmelding] = {}
        self.verlopen: list[Kindverloop] = []

    def melding(self, moment: datetime, gi: str, *, kinderen: int = 1, lvb: bool = False,
                duur_dagen: int | None = None, gezin_id: UUID | None = None) -> Aanmelding:
        melding = Aanmelding(melding_id=uuid4(), gezin_id=gezin_id or uuid4(), zorgen=("veiligheid",),
                             kenmerken=("lvb_kind",) if lvb else (), kader="civiel",
                             kinderen=tuple(Kind(uuid4(), 8) for _ in range(kinderen)))
        self.meldingen[melding.melding_id] = melding
        casus = uuid4()
        for kind in melding.kinderen:
            self.verlopen.append(Kindverloop(
                casus_id=casus, kind_id=kind.kind_id, gezin_id=melding.gezin_id,
                melding_id=melding.melding_id,
                gi=GI(gi), toegewezen_op=moment, beschermer_op=moment, grijs_gebied=not lvb,
                gesloten_op=moment + timedelta(days=duur_dagen) if duur_dagen is not None else None))
        return melding

    def geschiedenis(self, staffing, periode: Periode = JAN_FEB, standen=(), escalaties=()) -> Geschiedenis:
        return Geschiedenis(periode=periode, meldingen=dict(self.meldingen), verlopen=tuple(self.verlopen),
                            standen=tuple(standen), bezetting=staffing, escalaties=tuple(escalaties))


def gi_van(uitkomst, melding: Aanmelding) -> GI:
    return next(v.gi for v in uitkomst.verlopen if v.melding_id == melding.melding_id)


def test_the_candidate_and_the_simulated_free_places_decide_the_gi():
    h = Historie()
    eerste = h.melding(op(5), "JBRR")  # grey area, all equal: the fixed order gives JBRR
    tweede = h.melding(op(6), "JBRR")  # really JBRR again; JBRR now has one place less: WSS
    lvb = h.melding(op(7), "WSS", lvb=True)
    geschiedenis = h.geschiedenis(bezetting(JBRR=(1, 5), WSS=(1, 5), LJR=(1, 5)))

    nu = simuleer(geschiedenis, Scenario(regelset(("WSS",))))
    assert [gi_van(nu, m) for m in (eerste, tweede, lvb)] == [GI.JBRR, GI.WSS, GI.WSS]
    # The candidate puts LVB at LJR only: the LVB report goes there although LJR has as many places.
    kandidaat = simuleer(geschiedenis, Scenario(regelset(("LJR",))))
    assert gi_van(kandidaat, lvb) == GI.LJR
    # A grey-area candidate: the LVB report goes to the GI with the most free places (LJR: 5).
    grijs = simuleer(geschiedenis, Scenario(regelset(None)))
    assert gi_van(grijs, lvb) == GI.LJR
    assert next(v for v in grijs.verlopen if v.melding_id == lvb.melding_id).grijs_gebied


def test_a_gi_gives_a_protector_only_when_all_of_a_cases_waiting_children_fit():
    h = Historie()
    h.melding(op(5), "JBRR", duur_dagen=10)  # 1 child: the only place
    twee = h.melding(op(6), "JBRR", kinderen=2, duur_dagen=60)  # waits: 2 children, 1 place
    geschiedenis = h.geschiedenis(bezetting(JBRR=(1, 2), WSS=(1, 0), LJR=(1, 0)))
    uitkomst = simuleer(geschiedenis, Scenario(regelset(("JBRR",))))
    kinderen = [v for v in uitkomst.verlopen if v.melding_id == twee.melding_id]
    # Only JBRR reported a norm; on 5 Jan one place is taken, so the two children of 6 Jan wait
    # until the first child's case closes on 15 Jan: 9 days.
    assert {v.gi for v in kinderen} == {GI.JBRR}
    assert {v.beschermer_op for v in kinderen} == {op(15)}
    januari = {m.maand: m for m in vergelijk(geschiedenis, uitkomst)}["2026-01"]
    jbrr = next(g for g in januari.gis if g.gi == GI.JBRR)
    assert jbrr.gesimuleerd == Cijfers(toegewezen=3, grijs_gebied=3, vrije_plaatsen=0, wachtend=0,
                                       wachtdagen=18)


def test_more_protectors_in_the_scenario_shorten_the_wait():
    h = Historie()
    h.melding(op(5), "JBRR", duur_dagen=10)
    h.melding(op(6), "JBRR", kinderen=2, duur_dagen=60)
    geschiedenis = h.geschiedenis(bezetting(JBRR=(1, 2), WSS=(1, 0), LJR=(1, 0)))
    scenario = Scenario(regelset(("JBRR",)),
                        bezetting={GI.JBRR: Bezettingswijziging(jeugdbeschermers_erbij=1)})
    uitkomst = simuleer(geschiedenis, scenario)
    assert all(v.beschermer_op == v.toegewezen_op for v in uitkomst.verlopen)
    jbrr = next(g for g in vergelijk(geschiedenis, uitkomst)[0].gis if g.gi == GI.JBRR)
    assert jbrr.gesimuleerd.wachtdagen == 0 and jbrr.gesimuleerd.vrije_plaatsen == 4 - 2


def test_staffing_reported_during_the_period_takes_effect_then():
    h = Historie()
    h.melding(op(5), "JBRR", duur_dagen=90)
    staffing = (*bezetting(JBRR=(0, 2), WSS=(0, 0), LJR=(0, 0)),
                Bezettingsmoment(op(20), GI.JBRR, Bezetting(1, 0, 2)))
    uitkomst = simuleer(h.geschiedenis(staffing), Scenario(regelset(("JBRR",))))
    assert uitkomst.verlopen[0].beschermer_op == op(20)


def test_one_family_one_plan_a_second_report_joins_the_open_case():
    h = Historie()
    eerste = h.melding(op(5), "WSS", duur_dagen=50)
    tweede = h.melding(op(8), "WSS", gezin_id=eerste.gezin_id, duur_dagen=40)
    # By free places the second would go elsewhere (WSS has 1 place less); the family's case is at WSS.
    geschiedenis = h.geschiedenis(bezetting(JBRR=(1, 5), WSS=(1, 5), LJR=(1, 5)))
    uitkomst = simuleer(geschiedenis, Scenario(regelset(None)))
    assert gi_van(uitkomst, eerste) == gi_van(uitkomst, tweede)
    assert len({v.casus_id for v in uitkomst.verlopen}) == 1


def test_an_escalation_opens_once_while_all_gis_are_over_their_norm_and_again_after_it_cleared():
    h = Historie()
    for dag in (5, 6, 7):  # one place each: three reports fill the region
        h.melding(op(dag), "JBRR", duur_dagen=10)
    h.melding(op(2, 2), "JBRR", duur_dagen=5)  # after all closed on 15-17 Jan: cleared, then full again?
    geschiedenis = h.geschiedenis(bezetting(JBRR=(1, 1), WSS=(1, 1), LJR=(1, 1)))
    drempels = Drempels(herstel_vrije_plaatsen=1)
    uitkomst = simuleer(geschiedenis, Scenario(regelset(None), drempels=drempels))
    assert uitkomst.escalaties == (op(7),)  # one report in February leaves two GIs with a place
    maanden = vergelijk(geschiedenis, uitkomst)
    assert [m.escalaties_gesimuleerd for m in maanden] == [1, 0]
    # The region's waiting threshold: more than 1 child waiting opens it (level 1, then cleared).
    krap = Historie()
    for dag in (5, 6, 7):
        krap.melding(op(dag), "JBRR", duur_dagen=3)
    uitkomst = simuleer(krap.geschiedenis(bezetting(JBRR=(1, 1), WSS=(0, 1), LJR=(0, 1))),
                        Scenario(regelset(None), drempels=Drempels(wachtend_max=1, marge_wachtend=1)))
    assert uitkomst.escalaties[0] == op(5)  # all at their norm at once: WSS and LJR have no places


def test_children_in_care_at_the_start_keep_their_gi_and_close_when_they_really_closed():
    h = Historie()
    oud = Kindverloop(casus_id=uuid4(), kind_id=uuid4(), gezin_id=uuid4(), melding_id=None, gi=GI.LJR,
                      toegewezen_op=VOOR, beschermer_op=None, gesloten_op=op(10))
    h.verlopen.append(oud)
    nieuw = h.melding(op(3), "LJR")
    geschiedenis = h.geschiedenis(bezetting(JBRR=(0, 1), WSS=(0, 1), LJR=(1, 1)))
    uitkomst = simuleer(geschiedenis, Scenario(regelset(None)))
    # The old child, waiting since December, gets LJR's one place at the period's start. The new
    # report then finds no free place anywhere (JBRR 0, WSS 0, LJR 1 - 1 = 0): the fixed order gives JBRR.
    assert gi_van(uitkomst, nieuw) == GI.JBRR
    assert next(v for v in uitkomst.verlopen if v.kind_id == oud.kind_id).beschermer_op == JAN_FEB.begin


def test_the_simulation_changes_nothing_of_the_history_it_replays():
    h = Historie()
    h.melding(op(5), "JBRR", duur_dagen=10)
    h.melding(op(6), "JBRR", kinderen=2)
    geschiedenis = h.geschiedenis(bezetting(JBRR=(1, 2), WSS=(1, 2), LJR=(1, 2)),
                                  standen=[Stand(op(5), GI.JBRR, 1, 0)], escalaties=[op(9)])
    voor = copy.deepcopy(geschiedenis)
    simuleer(geschiedenis, Scenario(regelset(None), bezetting={GI.WSS: Bezettingswijziging(5, 10)}))
    assert geschiedenis == voor


def test_month_figures_split_a_wait_over_the_months_and_read_the_last_figure_of_each_month():
    v = Kindverloop(casus_id=uuid4(), kind_id=uuid4(), gezin_id=uuid4(), melding_id=None, gi=GI.WSS,
                    toegewezen_op=op(20), beschermer_op=op(10, 2), grijs_gebied=True)
    standen = [Stand(op(20), GI.WSS, 3, 1), Stand(op(31), GI.WSS, 2, 1), Stand(op(10, 2), GI.WSS, 2, 0)]
    cijfers = maandcijfers([v], standen, JAN_FEB)
    assert cijfers["2026-01"][GI.WSS] == Cijfers(toegewezen=1, grijs_gebied=1, vrije_plaatsen=2, wachtend=1,
                                                 wachtdagen=12)  # 20 Jan to 1 Feb
    assert cijfers["2026-02"][GI.WSS] == Cijfers(vrije_plaatsen=2, wachtend=0, wachtdagen=9)
    assert cijfers["2026-01"][GI.JBRR] == Cijfers()  # no figure known: None, not 0


def test_a_period_is_cut_into_calendar_months_of_the_region():
    maanden = Periode(date(2025, 12, 15), date(2026, 2, 3)).maanden()
    assert [m[0] for m in maanden] == ["2025-12", "2026-01", "2026-02"]
    assert maanden[0][1] == datetime(2025, 12, 15, tzinfo=REGION_TZ)
    assert maanden[-1][2] == datetime(2026, 2, 4, tzinfo=REGION_TZ)


def test_an_assignment_is_seen_before_the_gi_gives_its_protectors_as_capacity_sees_the_two_events():
    h = Historie()
    h.melding(op(5), "JBRR", kinderen=2, duur_dagen=30)  # room for both: protectors at once
    drempels = Drempels(wachtend_max=1, marge_wachtend=0, herstel_vrije_plaatsen=1)
    uitkomst = simuleer(h.geschiedenis(bezetting(JBRR=(1, 5), WSS=(1, 5), LJR=(1, 5))),
                        Scenario(regelset(None), drempels=drempels))
    # For a moment two children wait (the case came in, its GI had not acted yet): the region's
    # waiting threshold opens an escalation, and it clears when the protectors are given.
    assert uitkomst.escalaties == (op(5),)
    assert [(s.gi, s.wachtend) for s in uitkomst.standen if s.tijdstip == op(5)] == [
        (GI.JBRR, 2), (GI.JBRR, 0)]
