"""The teacher's phone pages, the leader's summary and the home cards, through the client."""

import pytest
from django.urls import reverse

from duties.health.models import FollowUp, HealthCheck, IllnessCase
from duties.models import CellPost, Post
from hazards.models import NonWorkingDay

from .conftest import MONDAY, SATURDAY, TUESDAY, WEDNESDAY, record


def form_data(enrolled, present, absent, rows=()):
    data = {
        "enrolled": enrolled,
        "present": present,
        "absent": absent,
        "absence-TOTAL_FORMS": len(rows),
        "absence-INITIAL_FORMS": 0,
    }
    for n, (student, reason, symptom) in enumerate(rows):
        data |= {
            f"absence-{n}-student": student,
            f"absence-{n}-reason": reason,
            f"absence-{n}-symptom": symptom,
        }
    return data


def check_url(grid, cell="class1", session="morning"):
    return reverse("duties:health_check", args=[grid.cells[cell].pk, session])


def initial_rows(response):
    return [
        (f.initial.get("student"), f.initial.get("reason"), f.initial.get("symptom"))
        for f in response.context["formset"]
    ]


def test_the_teacher_records_a_check_with_an_absence_for_illness(classes, client_for, travel):
    grid = classes
    travel(MONDAY)
    client = client_for(grid.users["teacher"])
    page = client.get(reverse("duties:health"))
    (class_day,) = page.context["class_days"]
    assert class_day.cell == grid.cells["class1"] and class_day.done == 0
    form = client.get(check_url(grid))
    assert form.context["form"].initial == {"enrolled": 40, "present": 40, "absent": 0}

    response = client.post(check_url(grid), form_data(40, 39, 1, [("Li", "illness", "fever")]))
    assert response.status_code == 302
    check = HealthCheck.objects.get()
    assert (check.date, check.session, check.present, check.absent) == (MONDAY, "morning", 39, 1)
    assert check.recorded_by == grid.users["teacher"]
    case = IllnessCase.objects.get()
    assert (case.student, case.symptom, case.started_on) == ("Li", "fever", MONDAY)
    (class_day,) = client.get(reverse("duties:health")).context["class_days"]
    assert class_day.morning == check and class_day.noon is None


def test_totals_that_dont_add_up_are_explained_in_chinese_and_nothing_is_saved(
    classes, client_for, travel
):
    grid = classes
    travel(MONDAY)
    client = client_for(grid.users["teacher"])
    response = client.post(check_url(grid), form_data(40, 40, 1, [("Li", "leave", "")]))
    assert response.status_code == 200
    assert "必须等于应到" in response.content.decode()
    response = client.post(check_url(grid), form_data(40, 38, 2, [("Li", "illness", "")]))
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 2 and "症状" in errors[1]
    assert not HealthCheck.objects.exists() and not IllnessCase.objects.exists()


def test_an_open_illness_is_pre_filled_until_the_teacher_logs_the_return(
    classes, client_for, travel
):
    grid = classes
    record(grid, day=MONDAY, rows=[("Li", "illness", "cough")])
    travel(TUESDAY)
    client = client_for(grid.users["teacher"])
    tuesday = client.get(check_url(grid))
    assert initial_rows(tuesday) == [("Li", "illness", "cough")]
    assert tuesday.context["form"].initial == {"enrolled": 40, "present": 39, "absent": 1}
    (class_day,) = client.get(reverse("duties:health")).context["class_days"]
    (case,) = class_day.open_cases

    travel(WEDNESDAY)
    client = client_for(grid.users["teacher"])  # sessions last a working day
    response = client.post(
        reverse("duties:health_case_return", args=[case.pk]), {"returned_on": "2026-09-09"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.returned_on == WEDNESDAY and case.returned_by == grid.users["teacher"]
    assert initial_rows(client.get(check_url(grid))) == []


def test_noon_starts_from_the_morning_and_a_correction_from_the_record(classes, client_for, travel):
    grid = classes
    record(grid, rows=[("Li", "leave", ""), ("Wang", "illness", "rash")])
    travel(MONDAY, 12)
    client = client_for(grid.users["teacher"])
    noon = client.get(check_url(grid, session="noon"))
    assert initial_rows(noon) == [("Wang", "illness", "rash"), ("Li", "leave", "")]
    morning = client.get(check_url(grid))
    assert morning.context["current"] is not None
    assert initial_rows(morning) == [("Li", "leave", ""), ("Wang", "illness", "rash")]
    client.post(check_url(grid), form_data(40, 39, 1, [("Wang", "illness", "rash")]))
    assert HealthCheck.objects.count() == 2
    assert HealthCheck.objects.current().get().absent == 1


@pytest.mark.parametrize("holiday", [False, True])
def test_no_check_on_a_day_without_school(classes, client_for, travel, holiday):
    grid = classes
    day = SATURDAY
    if holiday:
        day = TUESDAY
        NonWorkingDay.objects.create(school=grid.school, date=day)
    travel(day)
    client = client_for(grid.users["teacher"])
    page = client.get(reverse("duties:health"))
    assert page.context["school_day"] is False
    assert "今天不是上课日" in page.content.decode()
    response = client.post(check_url(grid), form_data(40, 40, 0))
    assert response.status_code == 200 and not HealthCheck.objects.exists()


def test_the_teacher_follows_up_an_unknown_absence(classes, client_for, travel):
    grid = classes
    record(grid, rows=[("Wang", "unknown", "")])
    travel(MONDAY, 10)
    client = client_for(grid.users["teacher"])
    (due,) = client.get(reverse("duties:health")).context["unresolved"]
    assert due.student == "Wang"
    url = reverse("duties:health_follow_up", args=[grid.cells["class1"].pk])
    url += "?student=Wang&date=2026-09-07"
    assert client.post(url, {"result": "not_reached"}).status_code == 302
    assert [d.student for d in client.get(reverse("duties:health")).context["unresolved"]] == [
        "Wang"
    ]
    page = client.get(url)
    assert [f.result for f in page.context["earlier"]] == ["not_reached"]
    assert "未联系上家长" in page.content.decode()
    response = client.post(url, {"result": "illness", "symptom": ""})
    assert response.status_code == 200 and FollowUp.objects.count() == 1
    response = client.post(url, {"result": "illness", "symptom": "fever", "note": "Mother called"})
    assert response.status_code == 302
    follow_up = FollowUp.objects.last()
    assert (follow_up.result, follow_up.recorded_by) == ("illness", grid.users["teacher"])
    assert client.get(reverse("duties:health")).context["unresolved"] == []
    assert IllnessCase.objects.get().student == "Wang"


def summary_fixture(grid):
    """Monday to Wednesday in two classes, and one class of the other school.

    Wednesday: class1 morning done (Li fever since Monday, Zhao cough since Tuesday),
    noon not done; class2 morning and noon done, three new fever cases. Wang's unknown
    absence on Monday was never followed up.
    """
    record(grid, day=MONDAY, rows=[("Li", "illness", "fever"), ("Wang", "unknown", "")])
    record(
        grid, day=MONDAY, session="noon", rows=[("Li", "illness", "fever"), ("Wang", "unknown", "")]
    )
    tuesday = [("Li", "illness", "fever"), ("Zhao", "illness", "cough")]
    record(grid, day=TUESDAY, rows=tuesday)
    record(grid, day=TUESDAY, session="noon", rows=tuesday)
    record(grid, day=WEDNESDAY, rows=tuesday)
    fevers = [(name, "illness", "fever") for name in ["A", "B", "C"]]
    for session in ["morning", "noon"]:
        record(
            grid,
            cell="class2",
            day=WEDNESDAY,
            session=session,
            rows=fevers,
            actor=grid.users["teacher2"],
        )
    record(
        grid,
        cell="south_class",
        day=WEDNESDAY,
        rows=[("X", "illness", "fever")],
        actor=grid.users["outsider"],
    )


@pytest.mark.parametrize("persona", ["principal", "manager"])
def test_the_leader_summary_adds_up(classes, client_for, travel, persona):
    grid = classes
    summary_fixture(grid)
    travel(WEDNESDAY, 14)
    summary = (
        client_for(grid.users[persona]).get(reverse("duties:health_summary")).context["summary"]
    )
    assert [c.cell for c in summary.classes] == [grid.cells["class1"], grid.cells["class2"]]
    assert (summary.morning_done, summary.noon_done, summary.sessions_due) == (2, 1, 4)
    assert (summary.absent_morning, summary.absent_noon) == (5, 3)
    assert dict(summary.ill_today) == {"fever": 4, "cough": 1}
    rows = {row["symptom"].value: row for row in summary.symptom_rows}
    # The window is Thursday 3 September to Wednesday 9 September.
    assert rows["fever"]["week"] == [0, 0, 0, 0, 1, 1, 4]
    assert rows["cough"]["week"] == [0, 0, 0, 0, 0, 1, 1]
    assert rows["rash"]["week"] == [0] * 7
    assert not rows["fever"]["alert"]  # 4 in all stays under 5
    assert [(cell, n) for cell, _symptom, n in summary.alerts] == [(grid.cells["class2"], 3)]
    assert [(a.student, a.check_record.date) for a in summary.unresolved] == [("Wang", MONDAY)]


def fever_in_class2(grid):
    """Five more with fever on Wednesday, in class2: six in the school (with the fixture's),
    and class2 past the class threshold."""
    record(
        grid,
        cell="class2",
        day=WEDNESDAY,
        rows=[(n, "illness", "fever") for n in "ABCDE"],
        actor=grid.users["teacher2"],
    )


def test_the_school_threshold_flags_a_day(classes, client_for, travel):
    grid = classes
    summary_fixture(grid)
    fever_in_class2(grid)
    travel(WEDNESDAY, 14)
    response = client_for(grid.users["principal"]).get(reverse("duties:health_summary"))
    summary = response.context["summary"]
    assert dict(summary.ill_today)["fever"] == 6
    assert next(r for r in summary.symptom_rows if r["symptom"] == "fever")["alert"]
    assert (None, "发热", 6) in [(c, str(s), n) for c, s, n in summary.alerts]


# Access: who may do what with class1 (the teacher's class). "own" answers as for the
# class's teacher; a forbidden class is a 404, like a missing one.
PERSONAS = ["teacher", "teacher2", "manager", "principal", "outsider", "guard"]
FILL = {"teacher": 200}
TODAY = {"teacher": 200, "teacher2": 200, "manager": 302, "principal": 302, "outsider": 302}
SUMMARY = {
    "teacher": ["class1"],
    "teacher2": ["class2"],
    "manager": ["class1", "class2"],
    "principal": ["class1", "class2"],
    "outsider": ["south_class"],
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_class_teacher_fills_the_class(classes, client_for, travel, persona):
    grid = classes
    travel(MONDAY)
    client = client_for(grid.users[persona])
    assert client.get(check_url(grid)).status_code == FILL.get(persona, 404)
    response = client.post(check_url(grid), form_data(40, 40, 0))
    assert response.status_code == (302 if persona == "teacher" else 404)
    assert HealthCheck.objects.count() == (1 if persona == "teacher" else 0)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_class_teacher_follows_up_and_logs_returns(classes, client_for, travel, persona):
    grid = classes
    record(grid, rows=[("Wang", "unknown", ""), ("Li", "illness", "fever")])
    travel(MONDAY, 10)
    client = client_for(grid.users[persona])
    url = reverse("duties:health_follow_up", args=[grid.cells["class1"].pk]) + "?student=Wang"
    response = client.post(url, {"result": "leave"})
    assert response.status_code == (302 if persona == "teacher" else 404)
    case = IllnessCase.objects.get()
    response = client.post(
        reverse("duties:health_case_return", args=[case.pk]), {"returned_on": "2026-09-07"}
    )
    assert response.status_code == (302 if persona == "teacher" else 404)
    case.refresh_from_db()
    assert (case.returned_on is not None) == (persona == "teacher")
    assert FollowUp.objects.count() == (1 if persona == "teacher" else 0)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_summary_shows_the_classes_under_ones_cells(classes, client_for, travel, persona):
    grid = classes
    travel(MONDAY)
    client = client_for(grid.users[persona])
    assert client.get(reverse("duties:health")).status_code == TODAY.get(persona, 404)
    response = client.get(reverse("duties:health_summary"))
    if persona not in SUMMARY:
        assert response.status_code == 404
        return
    shown = [c.cell for c in response.context["summary"].classes]
    assert shown == [grid.cells[key] for key in SUMMARY[persona]]


@pytest.fixture
def gate(classes):
    post = Post.objects.get(school=classes.school, code="security-guard")
    CellPost.objects.create(cell=classes.cells["gate"], post=post)
    return classes.cells["gate"]


def visit(grid, name, left=False):
    from duties.services import visit_enter, visit_leave

    entered = visit_enter(
        cell=grid.cells["gate"],
        actor=grid.users["guard"],
        visitor=name,
        phone="139",
        purpose="Meeting",
        host="Office",
        health_check="36.5",
    )
    if left:
        visit_leave(visit_id=entered.pk, actor=grid.users["guard"])
    return entered


def test_the_principal_home_shows_todays_checks_and_the_visitors_inside(
    classes, gate, client_for, travel
):
    grid = classes
    travel(MONDAY, 9)
    record(grid, rows=[("Li", "illness", "fever")])
    visit(grid, "Zhao Visitor")
    visit(grid, "Qian Visitor", left=True)
    response = client_for(grid.users["principal"]).get(reverse("home"))
    health, visitors = response.context["health"], response.context["visitors"]
    assert (health["summary"].morning_done, health["summary"].absent_morning) == (1, 1)
    assert dict(health["summary"].ill_today) == {"fever": 1}
    assert [v.visitor for v in visitors["inside"]] == ["Zhao Visitor"]
    assert (visitors["inside_count"], visitors["today_count"]) == (1, 2)
    page = response.content.decode()
    assert 'data-testid="home-health"' in page and 'data-testid="home-visitors"' in page
    assert "发热 1" in page


@pytest.mark.parametrize(
    ("persona", "health", "visitors"),
    [
        ("teacher", True, False),
        ("guard", False, True),
        ("outsider", True, False),
        ("villager", False, False),
    ],
)
def test_home_cards_follow_the_grid(classes, gate, client_for, travel, persona, health, visitors):
    travel(MONDAY)
    response = client_for(classes.users[persona]).get(reverse("home"))
    assert (response.context["health"] is not None) == health
    assert (response.context["visitors"] is not None) == visitors


def more_rows(grid, n):
    """n more classes with checks and illness, and n more visitors, for query counting."""
    from grids import services
    from grids.models import Carve

    post = Post.objects.get(school=grid.school, code="class-teacher")
    for i in range(n):
        cell = services.cell_create(
            school=grid.school,
            parent=grid.cells["grade1"],
            code=f"extra{i}",
            name=f"Extra {i}",
            carve=Carve.SPACE,
        )
        CellPost.objects.create(cell=cell, post=post)
        grid.cells[cell.code] = cell
        for session in ["morning", "noon"]:
            record(
                grid,
                cell=cell.code,
                session=session,
                rows=[(f"S{i}", "illness", "cough"), (f"U{i}", "unknown", "")],
            )
        visit(grid, f"Visitor {i}")
    for day in [MONDAY, TUESDAY]:
        record(grid, day=day, rows=[(f"P{k}", "illness", "rash") for k in range(n)])


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("principal", "home"),
        ("principal", "duties:health_summary"),
        ("teacher", "duties:health"),
        ("teacher", "home"),
    ],
)
def test_query_counts_do_not_grow_with_rows(
    classes, gate, client_for, travel, persona, url, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    grid = classes
    travel(TUESDAY, 14)
    record(grid, day=MONDAY, rows=[("Li", "illness", "fever"), ("W", "unknown", "")])
    visit(grid, "First")
    client = client_for(grid.users[persona])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(url))
    more_rows(grid, 8)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse(url))
    assert response.status_code == 200
    if url == "duties:health_summary":
        assert len(response.context["summary"].classes) == 10


def _panel_and_summary(grid, client_for, persona):
    client = client_for(grid.users[persona])
    summary = client.get(reverse("duties:health_summary")).context["summary"]
    panels = client.get(reverse("reports:dashboard")).context["panels"]
    panel = next(p["context"]["summary"] for p in panels if "_health" in p["template"])
    return panel, summary


def _figures(s, total):
    return (
        total,
        s.morning_done,
        s.noon_done,
        s.absent_morning,
        s.absent_noon,
        dict(s.ill_today),
        s.ill_today_by_symptom,
        [(c.name if c else None, str(label), n) for c, label, n in s.alerts],
    )


@pytest.mark.parametrize("persona", ["principal", "manager", "teacher2", "outsider"])
@pytest.mark.parametrize("outbreak", [False, True])
def test_the_dashboard_panel_counts_what_the_summary_shows(
    classes, client_for, travel, persona, outbreak
):
    """The dashboard's panel counts in SQL what the summary builds class by class."""
    grid = classes
    summary_fixture(grid)
    if outbreak:
        fever_in_class2(grid)
    travel(WEDNESDAY, 14)
    panel, summary = _panel_and_summary(grid, client_for, persona)
    assert _figures(panel, panel.total) == _figures(summary, len(summary.classes))
    if persona == "principal":
        assert panel.alerts  # the comparison covered the alerts
        assert (panel.total, panel.morning_done, panel.noon_done) == (2, 2, 1)


def test_the_dashboard_panel_takes_three_queries_whatever_the_classes(
    classes, gate, client_for, travel, django_assert_num_queries, django_assert_max_num_queries
):
    from duties.health import selectors
    from duties.health.permissions import overseen_class_ids

    grid = classes
    travel(TUESDAY, 14)
    record(grid, day=MONDAY, rows=[("Li", "illness", "fever"), ("W", "unknown", "")])
    # The classes' ids are a subquery built from the viewer's reach, which the page reads
    # once for all its panels: read here before counting the panel's own queries.
    ids = overseen_class_ids(grid.users["principal"])
    with django_assert_num_queries(3):
        few = selectors.panel(ids, TUESDAY)
    more_rows(grid, 8)
    with django_assert_num_queries(3):
        more = selectors.panel(ids, TUESDAY)
    assert (few.total, more.total) == (2, 10)
    assert more.ill_today["cough"] == 8
    ids = overseen_class_ids(grid.users["guard"])
    with django_assert_max_num_queries(1):  # no class: no panel
        assert selectors.panel(ids, TUESDAY) is None
