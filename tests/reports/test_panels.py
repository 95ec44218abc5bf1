"""The duties' panels on the dashboard, the checks' columns on the scorecard and the daily
pages in the navigation, against a day counted by hand (duty_fixtures)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from duties.checks.models import RunStatus
from duties.health.models import HealthCheck
from reports import selectors

from .duty_fixtures import NOW, TODAY, build_duty_day, days, run

HEALTH = "duties/dashboard/_health.html"
CHECKS = "duties/dashboard/_checks.html"
ON_DUTY = "duties/dashboard/_on_duty.html"


@pytest.fixture
def day(grid, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return build_duty_day(grid)


def panels(client_for, user) -> dict:
    response = client_for(user).get(reverse("reports:dashboard"))
    assert response.status_code == 200
    return {p["template"]: p["context"] for p in response.context["panels"]}


def health_figures(panel):
    s = panel["summary"]
    return (
        s.morning_done,
        s.noon_done,
        s.total,
        s.absent_morning,
        s.absent_noon,
        dict(s.ill_today),
    )


def test_the_principal_sees_the_whole_school(grid, client_for, day):
    shown = panels(client_for, grid.users["principal"])
    assert health_figures(shown[HEALTH]) == (2, 1, 2, 3, 1, {"fever": 1, "cough": 1})
    checks = shown[CHECKS]
    assert (checks["due"], checks["done"], checks["missed_count"]) == (4, 2, 2)
    assert {r.pk for r in checks["missed"]} == {
        day["runs"]["class2_missed"].pk,
        day["runs"]["gate_missed"].pk,
    }
    on_duty = shown[ON_DUTY]
    assert [(r.cell.code, r.person.name) for r in on_duty["rows"]] == [("duty_week", "Teacher")]
    assert on_duty["url"] == reverse("duties:rosters")


def test_a_level_2_manager_sees_only_their_area(grid, client_for, day):
    shown = panels(client_for, grid.users["manager"])  # teaching: class1 and class2
    assert health_figures(shown[HEALTH]) == (2, 1, 2, 3, 1, {"fever": 1, "cough": 1})
    checks = shown[CHECKS]
    assert (checks["due"], checks["done"], checks["missed_count"]) == (2, 1, 1)
    assert [r.pk for r in checks["missed"]] == [day["runs"]["class2_missed"].pk]
    assert ON_DUTY not in shown  # no duty cell under teaching, and no roster to plan


def test_logistics_sees_its_checks_and_duty_but_no_class(grid, client_for, day):
    shown = panels(client_for, grid.users["office"])  # general: canteen, the duty cell
    assert HEALTH not in shown
    checks = shown[CHECKS]
    assert (checks["due"], checks["done"], checks["missed_count"]) == (1, 0, 0)  # weekly walk
    assert [r.person.name for r in shown[ON_DUTY]["rows"]] == ["Teacher"]
    assert shown[ON_DUTY]["url"] == reverse("duties:rosters")


def test_a_teacher_sees_their_class(grid, client_for, day):
    shown = panels(client_for, grid.users["teacher"])
    assert health_figures(shown[HEALTH]) == (1, 1, 1, 2, 1, {"fever": 1})
    checks = shown[CHECKS]
    assert (checks["due"], checks["done"], checks["missed_count"]) == (1, 1, 0)
    # On duty today, the teacher covers the duty cell and sees themself there; no roster link.
    assert shown[ON_DUTY]["url"] == ""
    assert [r.person.name for r in shown[ON_DUTY]["rows"]] == ["Teacher"]


def test_an_outsider_sees_only_their_school(grid, client_for, day):
    shown = panels(client_for, grid.users["outsider"])
    assert health_figures(shown[HEALTH]) == (1, 0, 1, 3, 0, {"fever": 3})
    assert CHECKS not in shown and ON_DUTY not in shown


def test_the_panels_render_with_links_the_viewer_may_open(grid, client_for, day):
    client = client_for(grid.users["principal"])
    html = client.get(reverse("reports:dashboard")).content.decode()
    for testid in ("panel-health", "panel-checks", "panel-on-duty", "panel-missed-list"):
        assert f'data-testid="{testid}"' in html
    summary, today, rosters = (
        reverse("duties:health_summary"),
        reverse("duties:today"),
        reverse("duties:rosters"),
    )
    assert f'href="{summary}" data-testid="panel-morning">2/2<' in html
    assert f'href="{summary}" data-testid="panel-noon">1/2<' in html
    assert f'href="{today}" data-testid="panel-checks-done">2/4<' in html
    assert f'href="{today}" data-testid="panel-checks-missed">2<' in html
    assert f'href="{rosters}" data-testid="panel-on-duty-count">1<' in html
    missed = day["runs"]["gate_missed"]
    for url in (summary, today, rosters, reverse("duties:check", args=[missed.pk])):
        assert f'href="{url}"' in html
        assert client.get(url).status_code == 200, url


def test_the_teacher_gets_no_roster_link(grid, client_for, day):
    html = client_for(grid.users["teacher"]).get(reverse("reports:dashboard")).content.decode()
    assert reverse("duties:rosters") not in html
    assert client_for(grid.users["teacher"]).get(reverse("duties:rosters")).status_code == 404


def _more_of_everything(grid, day, n):
    """n more classes' worth of checks, done and missed, and health checks (bulk)."""
    template = day["checks"]["classroom"]
    cells = [grid.cells["class1"], grid.cells["class2"], grid.cells["gate"]]
    for i in range(n):
        run(
            template,
            cells[i % 3],
            days(-10 - i),
            days(-10 - i),
            RunStatus.MISSED,
            missed_on=TODAY,
        )
    first = HealthCheck.objects.first()
    HealthCheck.objects.bulk_create(
        [
            HealthCheck(
                cell=first.cell,
                date=days(-1 - i),
                session=first.session,
                enrolled=40,
                present=40,
                absent=0,
                recorded_by=first.recorded_by,
                recorded_at=first.recorded_at,
            )
            for i in range(n)
        ]
    )


def test_dashboard_queries_stay_flat_with_the_panels(
    grid, client_for, day, django_assert_max_num_queries
):
    client = client_for(grid.users["principal"])
    url = reverse("reports:dashboard")
    client.get(url)
    with django_assert_max_num_queries(PANEL_QUERIES) as few:
        client.get(url)
    _more_of_everything(grid, day, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    shown = {p["template"]: p["context"] for p in response.context["panels"]}
    assert shown[CHECKS]["missed_count"] == 32


# The dashboard's own queries (tests/reports/test_dashboard.py) and the panels': health 3,
# checks 5, on duty 3.
PANEL_QUERIES = 26


def _scorecard(grid, who="principal", by="cell", sort=""):
    rows = selectors.scorecard_rows(grid.users[who], days(-6), TODAY, by=by, sort=sort, now=NOW)
    keys = ("checks_done", "checks_missed")
    return {r["name"]: tuple(r["values"][k] for k in keys) for r in rows}, rows


def test_scorecard_checks_per_cell(grid, day):
    values, _ = _scorecard(grid)  # 09-01 to 09-07
    assert values["Class1"] == (1, 1)  # today's done; 09-03 missed (08-31 is before)
    assert values["Class2"] == (0, 1)  # today's open; 09-04 missed
    assert values["Gate"] == (1, 1)
    assert values["General"] == (0, 0)  # the weekly walk ends 09-13
    assert values["Root"] == (0, 0)


def test_scorecard_checks_per_person(grid, day):
    values, _ = _scorecard(grid, by="person")
    assert values["Teacher"] == (1, 1)
    assert values["Teacher2"] == (0, 1)
    assert values["Guard"] == (1, 1)
    assert values["Principal"] == (0, 0)  # a miss counts against the cell's own people


def test_scorecard_checks_scope_and_sort(grid, day):
    values, _ = _scorecard(grid, who="manager")
    assert values == {"Teaching": (0, 0), "Grade1": (0, 0), "Class1": (1, 1), "Class2": (0, 1)}
    _, rows = _scorecard(grid, sort="-checks_done")
    assert [r["name"] for r in rows[:2]] == ["Gate", "Class1"]  # ties in tree order
    outsider, _ = _scorecard(grid, who="outsider")
    assert set(outsider.values()) == {(0, 0)}


def test_scorecard_page_sorts_by_checks(grid, client_for, day):
    response = client_for(grid.users["principal"]).get(
        reverse("reports:scorecard") + "?start=2026-09-01&end=2026-09-07&sort=-checks_missed"
    )
    assert response.context["sort"] == "-checks_missed"
    keys = [c.key for c in response.context["columns"]]
    assert keys[-2:] == ["checks_done", "checks_missed"]
    first = response.context["page"][0]
    assert first["values"]["checks_missed"] == 1 and first["name"] == "Gate"


NAV = ("nav-today", "nav-health", "nav-rosters")


@pytest.mark.parametrize(
    ("who", "links", "health_url"),
    [
        ("teacher", {"nav-today", "nav-health"}, "duties:health"),
        ("manager", {"nav-today", "nav-health"}, "duties:health_summary"),
        ("principal", {"nav-today", "nav-health", "nav-rosters"}, "duties:health_summary"),
        ("office", {"nav-today", "nav-rosters"}, None),
        ("villager", {"nav-today"}, None),
        ("outsider", {"nav-today", "nav-health"}, "duties:health_summary"),
    ],
)
def test_the_navigation_offers_the_daily_pages(grid, client_for, day, who, links, health_url):
    html = client_for(grid.users[who]).get(reverse("home")).content.decode()
    assert {t for t in NAV if f'data-testid="{t}"' in html} == links
    if health_url:
        assert f'href="{reverse(health_url)}" data-testid="nav-health"' in html


def test_no_daily_links_without_a_post(client_for, grid, day):
    from tests.factories import UserFactory

    html = client_for(UserFactory()).get(reverse("hazards:list")).content.decode()
    assert not any(f'data-testid="{t}"' in html for t in NAV)
