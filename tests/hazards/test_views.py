"""The hazard pages: report on a phone, the loop's forms, lists and photos by the grid."""

import datetime

import pytest
from django.urls import reverse

from hazards.models import Action, Hazard, HazardEvent, HazardPhoto, Status

from .helpers import T0, accept, image_bytes, report, submit, upload

EN = {"accept-language": "en"}
NORTH_HAZARD_CELLS = ["class1", "class2", "canteen", "gate", "road"]


def post_report(client, grid, **overrides):
    data = {
        "cell": grid.cells["class2"].pk,
        "spot": "stairs",
        "category": grid.school.hazard_categories.get(code="electrical").pk,
        "severity": "serious",
        "description": "Loose socket",
        "photos": [upload("a.jpg"), upload("b.png", image_bytes(fmt="PNG"), "image/png")],
    }
    data.update(overrides)
    return client.post(reverse("hazards:new"), data)


def test_report_with_photos(grid, client_for):
    client = client_for(grid.users["teacher"])
    page = client.get(reverse("hazards:new"))
    assert page.context["form"]["cell"].value() == grid.cells["class1"].pk  # own cell first
    response = post_report(client, grid)
    hazard = Hazard.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "hazards:detail", args=[hazard.pk]
    )
    assert hazard.cell == grid.cells["class2"] and hazard.severity == "serious"
    assert hazard.photos.filter(kind="before").count() == 2
    assert all(p.image.name.endswith(".jpg") for p in hazard.photos.all())


def test_report_preselects_a_cell_from_the_qr_link(grid, client_for):
    client = client_for(grid.users["guard"])
    url = reverse("hazards:new") + f"?cell={grid.cells['canteen'].pk}"
    assert client.get(url).context["form"]["cell"].value() == grid.cells["canteen"].pk
    other = reverse("hazards:new") + f"?cell={grid.cells['south_class'].pk}"
    assert client.get(other).context["form"]["cell"].value() == grid.cells["gate"].pk


def test_a_bad_photo_is_explained_and_the_form_kept(grid, client_for):
    client = client_for(grid.users["teacher"])
    response = post_report(client, grid, photos=[upload("notes.jpg", b"not an image" * 50)])
    assert response.status_code == 200
    assert "notes.jpg" in str(response.context["form"].errors["photos"])
    assert response.context["form"]["description"].value() == "Loose socket"
    assert not Hazard.objects.exists()


def test_reporting_in_another_schools_cell_is_refused(grid, client_for):
    client = client_for(grid.users["teacher"])
    response = post_report(client, grid, cell=grid.cells["south_class"].pk)
    assert response.status_code == 200
    assert "cell" in response.context["form"].errors
    assert not Hazard.objects.exists()


def test_the_loop_through_the_pages(grid, client_for):
    hazard = report(grid, reporter="guard", cell="class2")
    manager = client_for(grid.users["manager"])
    page = manager.get(reverse("hazards:detail", args=[hazard.pk]))
    assert set(page.context["forms"]) == {Action.ACCEPT, Action.DECLINE, Action.DEADLINE}
    due = (datetime.datetime.now() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = manager.post(
        reverse("hazards:act", args=[hazard.pk, "accept"]),
        {
            "accept-version": hazard.version,
            "accept-assignee": grid.people["teacher2"].pk,
            "accept-rectify_due_at": due,
            "accept-note": "",
            "accept-interim_measures": "",
        },
    )
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == Status.RECTIFYING

    teacher2 = client_for(grid.users["teacher2"])
    response = teacher2.post(
        reverse("hazards:act", args=[hazard.pk, "submit"]),
        {
            "submit-version": hazard.version,
            "submit-note": "fixed",
            "submit-photos": [upload("after.jpg")],
        },
    )
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == Status.VERIFYING

    principal = client_for(grid.users["principal"])
    response = principal.post(
        reverse("hazards:act", args=[hazard.pk, "verify"]),
        {"verify-version": hazard.version, "verify-note": "ok"},
    )
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == Status.CLOSED
    page = principal.get(reverse("hazards:detail", args=[hazard.pk]))
    timeline = page.content.decode()
    for action in ["report", "accept", "submit", "verify"]:
        assert f"action-{action}" in timeline
    assert len(page.context["after"]) == 1


def test_a_stale_form_is_told_plainly(grid, client_for):
    hazard = report(grid, cell="class2")
    stale_version = hazard.version
    accept(grid, hazard, actor="principal", assignee="teacher2")
    client = client_for(grid.users["manager"])
    response = client.post(
        reverse("hazards:act", args=[hazard.pk, "decline"]),
        {"decline-version": stale_version, "decline-reason": "duplicate"},
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any(str(Status.RECTIFYING.label) in m for m in messages)
    assert HazardEvent.objects.filter(hazard=hazard).count() == 2


def test_an_invalid_step_shows_the_form_again(grid, client_for):
    hazard = report(grid, cell="class2")
    client = client_for(grid.users["manager"])
    response = client.post(
        reverse("hazards:act", args=[hazard.pk, "decline"]), {"decline-version": hazard.version}
    )
    assert response.status_code == 400
    assert response.context["open_action"] == Action.DECLINE
    assert response.context["forms"][Action.DECLINE].errors


def test_unknown_action_is_404(grid, client_for):
    hazard = report(grid, cell="class2")
    client = client_for(grid.users["manager"])
    assert client.post(reverse("hazards:act", args=[hazard.pk, "delete"])).status_code == 404


# Who sees what: persona x hazard cell -------------------------------------------------

SEES = {
    "principal": set(NORTH_HAZARD_CELLS),
    "manager": {"class1", "class2"},
    "office": {"canteen"},
    "teacher": {"class1", "road", "canteen"},  # + canteen: the teacher reported it
    "guard": {"gate"},
    "villager": set(),
    "admin": set(),
    "outsider": set(),
}


@pytest.fixture
def hazards_everywhere(grid):
    made = {cell: report(grid, reporter="principal", cell=cell) for cell in NORTH_HAZARD_CELLS}
    made["canteen"].reporter = grid.users["teacher"]
    made["canteen"].save(update_fields=["reporter"])
    made["south"] = report(grid, reporter="outsider", cell="south_class")
    return made


@pytest.mark.parametrize("persona", sorted(SEES))
@pytest.mark.parametrize("cell", [*NORTH_HAZARD_CELLS, "south"])
def test_hazard_page_follows_the_grid(grid, hazards_everywhere, client_for, persona, cell):
    hazard = hazards_everywhere[cell]
    client = client_for(grid.users[persona])
    expected = cell in SEES[persona] or (persona == "outsider" and cell == "south")
    response = client.get(reverse("hazards:detail", args=[hazard.pk]))
    assert response.status_code == (200 if expected else 404)
    accept_url = reverse("hazards:act", args=[hazard.pk, "accept"])
    posted = client.post(accept_url, {"accept-version": hazard.version})
    if not expected:
        assert posted.status_code == 404


@pytest.mark.parametrize("persona", [*sorted(SEES), "inactive teacher"])
def test_the_hazard_page_tests_the_right_on_its_row_as_visible_hazards_does(
    grid, hazards_everywhere, persona
):
    """The page reads its hazard by key and tests the user's right on that row: the same
    answer as looking for it among `visible_hazards`, as reporter, assignee or manager."""
    from django.http import Http404

    from grids.access import OutOfReach
    from hazards import permissions, selectors

    accept(grid, hazards_everywhere["road"], actor="principal", assignee="villager")
    user = grid.users["teacher" if persona == "inactive teacher" else persona]
    if persona == "inactive teacher":
        user.is_active = False
        user.save(update_fields=["is_active"])
    seen = set()
    for hazard in Hazard.objects.all():
        if permissions.visible_hazards(user).filter(pk=hazard.pk).exists():
            assert selectors.hazard_page(user, hazard.pk) == hazard
            seen.add(hazard.pk)
        else:
            with pytest.raises(OutOfReach):
                selectors.hazard_page(user, hazard.pk)
    expected = {hazards_everywhere[cell].pk for cell in SEES.get(persona, ())}
    expected |= {hazards_everywhere["road"].pk} if persona == "villager" else set()
    expected |= {hazards_everywhere["south"].pk} if persona == "outsider" else set()
    assert seen == expected
    with pytest.raises(Http404) as missing:
        selectors.hazard_page(user, Hazard.objects.order_by("pk").last().pk + 1)
    assert not isinstance(missing.value, OutOfReach)


def test_photos_are_served_only_to_those_who_see_the_hazard(grid, client_for):
    hazard = report(grid, reporter="guard", cell="gate", photos=[_clean()])
    photo = HazardPhoto.objects.get(hazard=hazard)
    url = reverse("hazards:photo", args=[photo.pk])
    guard = client_for(grid.users["guard"]).get(url)
    assert guard.status_code == 200 and guard["Content-Type"] == "image/jpeg"
    assert client_for(grid.users["teacher"]).get(url).status_code == 404
    assert client_for(grid.users["outsider"]).get(url).status_code == 404


def _clean():
    from .helpers import clean_photo

    return clean_photo()


def test_todo_tab_lists_what_waits_for_me(grid, client_for):
    to_accept = report(grid, reporter="guard", cell="class1")
    to_rectify = report(grid, reporter="guard", cell="grade1")
    accept(grid, to_rectify, actor="manager", assignee="teacher")
    elsewhere = report(grid, reporter="guard", cell="class2")
    response = client_for(grid.users["teacher"]).get(reverse("hazards:list"))
    numbers = {h.number for h in response.context["page"]}
    assert numbers == {to_accept.number, to_rectify.number}
    assert elsewhere.number not in numbers


@pytest.mark.parametrize("tab", ["todo", "reported", "queue"])
def test_list_queries_do_not_grow_with_rows(grid, client_for, tab, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The class teacher is asked to accept reports in class2 and rectifies the accepted ones.
    client = client_for(grid.users["teacher2" if tab == "todo" else "principal"])
    url = reverse("hazards:list") + f"?tab={tab}"
    report(grid, reporter="principal", cell="class2")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(30):
        hazard = report(grid, reporter="principal", cell="class2")
        if n % 3 == 0:
            accept(grid, hazard, actor="manager", assignee="teacher2")
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert len(response.context["page"]) == 20


def test_detail_queries_do_not_grow_with_the_timeline(
    grid, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hazards import workflow

    hazard = report(grid, cell="class2")
    accept(grid, hazard, actor="manager", assignee="teacher2")
    client = client_for(grid.users["principal"])
    url = reverse("hazards:detail", args=[hazard.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(4):
        submit(grid, hazard, actor="teacher2")
        workflow.hazard_reject(hazard_id=hazard.pk, actor=grid.users["manager"], reason="again")
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert len(response.context["events"]) == 10


def test_the_timeline_reads_each_event_with_its_photos_in_one_query(
    grid, django_assert_num_queries
):
    from hazards import selectors

    from .helpers import clean_photo

    hazard = report(grid, cell="class2", photos=[clean_photo(), clean_photo()])
    accept(grid, hazard, actor="manager", assignee="teacher2")
    submit(grid, hazard, actor="teacher2")
    with django_assert_num_queries(1):
        events = selectors.timeline(hazard)
    expected = hazard.events.prefetch_related("photos")
    assert [e.pk for e in events] == [e.pk for e in expected]
    got = [
        [(p.pk, p.kind, p.image.name, p.width, p.event_id) for p in e.photo_list] for e in events
    ]
    assert got == [
        [(p.pk, p.kind, p.image.name, p.width, p.event_id) for p in e.photos.all()]
        for e in expected
    ]
    assert [len(photos) for photos in got] == [2, 0, 1]  # report, accept, submit


def test_queue_filters(grid, client_for):
    serious = report(grid, reporter="principal", cell="class1", severity="serious")
    report(grid, reporter="principal", cell="gate")
    client = client_for(grid.users["principal"])
    base = reverse("hazards:list") + "?tab=queue"
    got = client.get(base + "&severity=serious").context["page"]
    assert [h.pk for h in got] == [serious.pk]
    within = client.get(base + f"&cell={grid.cells['teaching'].pk}").context["page"]
    assert [h.pk for h in within] == [serious.pk]
    overdue = client.get(base + "&overdue=on").context["page"]
    assert len(overdue) == 2  # reported 2026-11-02, long past their acceptance deadline
    assert client_for(grid.users["villager"]).get(base).status_code == 404


def test_the_within_dropdown_offers_branches_and_the_chosen_cell(grid, client_for):
    gate = report(grid, reporter="principal", cell="gate")
    client = client_for(grid.users["principal"])
    base = reverse("hazards:list") + "?tab=queue"

    def offered(response):
        widget = response.context["filter_form"]["cell"].field.widget
        return {value for value, _ in widget.choices if value}

    cells = grid.cells
    branches = {cells[c].pk for c in ("root", "teaching", "grade1", "logistics", "security")}
    assert branches <= offered(client.get(base))
    assert cells["gate"].pk not in offered(client.get(base))  # a leaf: not in the list
    # A leaf named in the link still filters, and is offered so the form shows it chosen.
    response = client.get(base + f"&cell={cells['gate'].pk}")
    assert [h.pk for h in response.context["page"]] == [gate.pk]
    assert cells["gate"].pk in offered(response)
    assert f'<option value="{cells["gate"].pk}" selected>' in response.content.decode()


def test_inbox_counts_and_reads(grid, client_for):
    hazard = report(grid, reporter="guard", cell="class1")
    client = client_for(grid.users["teacher"])
    home = client.get(reverse("home"))
    assert 'data-testid="unread">1<' in home.content.decode()
    client.get(reverse("hazards:detail", args=[hazard.pk]))
    assert 'data-testid="unread"' not in client.get(reverse("home")).content.decode()


def test_the_hazard_page_reads_its_own_notices_and_counts_the_rest(grid, client_for):
    first = report(grid, reporter="guard", cell="class1")
    second = report(grid, reporter="guard", cell="class1")
    client = client_for(grid.users["teacher"])
    page = client.get(reverse("hazards:detail", args=[first.pk])).content.decode()
    assert 'data-testid="unread">1<' in page  # the second one's, shown on the first's page
    assert first.notifications.filter(read_at__isnull=True).count() == 0
    assert second.notifications.filter(read_at__isnull=True).count() == 1
    page = client.get(reverse("hazards:detail", args=[second.pk])).content.decode()
    assert 'data-testid="unread"' not in page


def test_interim_measures_are_asked_for_major_hazards_only(grid, client_for):
    client = client_for(grid.users["manager"])
    general = report(grid, cell="class2")
    major = report(grid, cell="class2", severity="major")
    fields = client.get(reverse("hazards:detail", args=[general.pk])).context["forms"]
    assert "interim_measures" not in fields[Action.ACCEPT].fields
    fields = client.get(reverse("hazards:detail", args=[major.pk])).context["forms"]
    assert "interim_measures" in fields[Action.ACCEPT].fields


def test_the_leaders_todo_holds_what_was_raised_to_them_not_every_report(grid, client_for):
    from hazards.escalation import escalation_scan

    from .helpers import T0

    routine = report(grid, reporter="guard", cell="class2")
    major = report(grid, reporter="guard", cell="class1", severity="major")
    client = client_for(grid.users["principal"])
    numbers = {h.number for h in client.get(reverse("hazards:list")).context["page"]}
    assert numbers == {major.number}  # a major hazard reaches level 1 at once
    escalation_scan(now=T0 + datetime.timedelta(days=5))  # the routine one climbs to level 1
    numbers = {h.number for h in client.get(reverse("hazards:list")).context["page"]}
    assert numbers == {major.number, routine.number}


def test_overdue_is_marked_on_every_list(grid, client_for):
    report(grid, reporter="guard", cell="class1")  # reported 2026-11-02: long overdue
    client = client_for(grid.users["teacher"])
    for url in [reverse("home"), reverse("hazards:list")]:
        assert "text-danger fw-semibold" in client.get(url).content.decode(), url


def test_the_queue_counts_up_to_a_bound_and_pages_on(grid, client_for, monkeypatch):
    # A list counts at most LIST_REACH rows past its page: beyond, it says "more than".
    from hazards import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(views, "LIST_REACH", 3)
    hazards = [
        report(grid, reporter="guard", cell="class1", now=T0 + datetime.timedelta(minutes=n))
        for n in range(8)
    ]
    newest_first = [h.number for h in reversed(hazards)]
    client = client_for(grid.users["principal"])
    url = reverse("hazards:list") + "?tab=queue"

    first = client.get(url, headers=EN)
    assert first.context["page"].paginator.more
    assert [h.number for h in first.context["page"]] == newest_first[:2]
    html = first.content.decode()
    assert "More than 3 hazards" in html and "1 / 2+" in html

    second = client.get(url + "&page=2", headers=EN)
    assert [h.number for h in second.context["page"]] == newest_first[2:4]
    assert second.context["page"].has_next() and "2 / 3+" in second.content.decode()

    last = client.get(url + "&page=4", headers=EN)
    assert not last.context["page"].paginator.more
    assert [h.number for h in last.context["page"]] == newest_first[6:]
    assert last.context["page"].paginator.count == 8 and "4 / 4" in last.content.decode()
    assert "8 hazards" in last.content.decode()


def test_a_list_row_shows_the_hazard(grid, client_for):
    hazard = report(grid, reporter="guard", cell="class1", severity="serious")
    accept(grid, hazard, actor="principal", assignee="teacher")
    Hazard.objects.filter(pk=hazard.pk).update(
        is_anonymous=True, escalation_level=2, spot="stairs <3>"
    )
    html = client_for(grid.users["principal"]).get(
        reverse("hazards:list") + "?tab=queue", headers=EN
    )
    html = html.content.decode()
    row = html[html.index(f'data-number="{hazard.number}"') :]
    row = row[: row.index("</a>")]
    assert f'href="{reverse("hazards:detail", args=[hazard.pk])}"' in html
    assert '<span class="badge status-rectifying">Rectifying</span>' in row
    assert '<span class="badge sev-serious">Serious</span>' in row
    assert "Anonymous" in row and "Escalated 2 levels" in row
    assert f"{hazard.category.name} · {grid.cells['class1'].name} · stairs &lt;3&gt;" in row
    assert grid.people["teacher"].name in row
    assert "11-02 09:00" in row  # reported at T0, Shanghai time
    assert "text-danger fw-semibold" in row and "Overdue" in row


@pytest.mark.parametrize("persona", ["principal", "manager"])
def test_the_queue_reads_in_a_fixed_number_of_queries(
    grid, client_for, persona, django_assert_max_num_queries
):
    """Session, user, person, navigation, unread count; then the rights, the "within"
    cells, the bounded count, the categories and the page's rows, whether the rights hold
    the whole school or a subtree; a cell or category filter checks its value in one more."""
    for cell in ["class1", "class2", "gate"]:
        report(grid, reporter="principal", cell=cell)
    client = client_for(grid.users[persona])
    base = reverse("hazards:list") + "?tab=queue"
    category = grid.school.hazard_categories.get(code="fire").pk
    for query, checks in [
        ("", 0),
        ("&status=all&severity=general", 0),
        (f"&category={category}&cell={grid.cells['teaching'].pk}&overdue=on", 2),
        (f"&in_cell={grid.cells['class1'].pk}&reached=accepted&page=2", 1),
    ]:
        client.get(base + query)  # the session renewed
        with django_assert_max_num_queries(10 + checks):
            assert client.get(base + query).status_code == 200


@pytest.mark.parametrize(
    "model, field",
    [
        (Hazard, "status"),
        (Hazard, "severity"),
        (HazardEvent, "action"),
        (HazardEvent, "from_status"),
        (HazardEvent, "to_status"),
        (HazardPhoto, "kind"),
    ],
)
def test_the_pages_choice_labels_are_djangos(model, field):
    """The hazard page's labels come from `choice_label`, not Django's `get_FOO_display`:
    the same text in both languages, and the value itself when it is no choice."""
    from django.utils import translation

    choices = model._meta.get_field(field)
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value in [*(value for value, _label in choices.flatchoices), "", "bogus"]:
                row = model(**{field: value})
                ours = getattr(row, f"get_{field}_display")()
                assert ours == model._get_FIELD_display(row, choices)
                assert type(ours) is str
    with translation.override("zh-hans"):
        assert Hazard(status=Status.CLOSED).get_status_display() != "Closed"
