"""The roster's Excel import: template, dry run listing every problem by sheet, row and column,
all-or-nothing apply, an unchanged re-import, and hostile files refused with nothing changed."""

import datetime
import io

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse

from audit.models import SecurityEvent
from duties.models import RosterChange, RosterDay, RosterSource
from duties.roster import importer, selectors, services
from grids.models import Person
from gridsafety import xlsx

from ..xlsx_files import XLSX, upload, workbook_bytes, xml_bomb, zip_bomb
from .roster_helpers import day

URL = reverse("duties:roster_import")


@pytest.fixture
def office(grid, duty_cells, travel, client):
    client.force_login(grid.users["office"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def good_rows(grid):
    return [
        [
            datetime.datetime.combine(day(0), datetime.time()),
            day(4).isoformat(),
            "duty_week",
            grid.people["teacher"].phone,
            "gate at 7:30",
        ],
        [day(7).isoformat(), day(11).isoformat(), "duty_week", "Teacher2", ""],
        [
            day(5).strftime("%Y/%m/%d"),
            day(6).strftime("%Y/%m/%d"),
            "holiday",
            grid.people["guard"].name,
            "",
        ],
    ]


def check_then_confirm(client, content, name="roster.xlsx"):
    preview = client.post(URL, {"file": upload(content, name=name)})
    assert preview.status_code == 200
    if preview.context["preview"] is None or not preview.context["preview"].ok:
        return preview, None
    return preview, client.post(URL, {"confirm": "1", "token": preview.context["token"]})


def test_a_good_file_is_previewed_then_applied_in_one_change(grid, office):
    preview = office.post(URL, {"file": upload(workbook_bytes(good_rows(grid)))})
    assert preview.context["preview"].changed_days == 12
    assert not RosterDay.objects.exists()  # the preview changed nothing
    done = office.post(URL, {"confirm": "1", "token": preview.context["token"]})
    assert done.status_code == 302
    change = RosterChange.objects.get()
    assert change.source == RosterSource.IMPORT and change.file_name == "roster.xlsx"
    assert change.created_by == grid.users["office"] and change.days.count() == 12
    event = SecurityEvent.objects.get(kind="import")
    assert (event.user, event.detail) == (grid.users["office"], "roster.xlsx")
    assert selectors.on_duty(grid.cells["duty_week"], day(1)) == grid.people["teacher"]
    assert selectors.on_duty(grid.cells["duty_week"], day(9)) == grid.people["teacher2"]
    assert selectors.on_duty(grid.cells["holiday"], day(6)) == grid.people["guard"]
    assert RosterDay.objects.filter(day=day(0)).get().note == "gate at 7:30"


def test_importing_the_same_file_again_changes_nothing(grid, office):
    content = workbook_bytes(good_rows(grid))
    check_then_confirm(office, content)
    rows_before = list(RosterDay.objects.values_list("pk", flat=True))
    preview, done = check_then_confirm(office, content)
    assert preview.context["preview"].changed_days == 0
    assert done.status_code == 302
    assert RosterChange.objects.count() == 1
    assert list(RosterDay.objects.values_list("pk", flat=True)) == rows_before


def test_a_file_replacing_planned_days_supersedes_them(grid, office):
    services.roster_set(
        cell=grid.cells["duty_week"],
        person=grid.people["guard"],
        first=day(0),
        last=day(1),
        actor=grid.users["admin"],
    )
    check_then_confirm(office, workbook_bytes(good_rows(grid)))
    replaced = RosterDay.objects.filter(action="replace").order_by("day")
    assert [(r.day, r.supersedes.person.name) for r in replaced] == [
        (day(0), "Guard"),
        (day(1), "Guard"),
    ]


def test_the_template_downloads_and_imports_as_it_is(grid, office):
    response = office.get(reverse("duties:roster_template"))
    assert response["Content-Type"] == XLSX
    content = response.content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(str(h) for h in importer.HEADERS)
    assert rows[1][2] in {"duty_week", "holiday"}
    preview, _done = check_then_confirm(office, content)
    assert preview.context["preview"].ok


def test_every_problem_is_listed_by_sheet_row_and_column_and_nothing_changes(grid, office):
    Person.objects.create(school=grid.school, name="Teacher2", phone="13900000000")  # a namesake
    long_note = "x" * 201
    rows = [
        ["", "", "duty_week", "Teacher", ""],  # 2
        ["2026-13-01", "", "duty_week", "Teacher", ""],  # 3
        [day(0).isoformat(), "next friday", "duty_week", "Teacher", ""],  # 4
        [day(0).isoformat(), "", "", "Teacher", ""],  # 5
        [day(0).isoformat(), "", "nowhere", "Teacher", ""],  # 6
        [day(0).isoformat(), "", "class1", "Teacher", ""],  # 7
        [day(0).isoformat(), "", "duty_week", "", ""],  # 8
        [day(0).isoformat(), "", "duty_week", "Nobody", ""],  # 9
        [day(0).isoformat(), "", "duty_week", "Teacher2", ""],  # 10
        [day(0).isoformat(), "", "duty_week", "Teacher", long_note],  # 11
        [day(-1).isoformat(), "", "duty_week", "Teacher", ""],  # 12
        [day(3).isoformat(), day(1).isoformat(), "duty_week", "Teacher", ""],  # 13
        [day(1).isoformat(), day(2).isoformat(), "holiday", "Teacher", ""],  # 14
        [day(2).isoformat(), "", "holiday", "Guard", ""],  # 15: clashes with row 14
        [day(20).isoformat(), "", "south_duty", "Teacher", ""],  # 16: another school's cell
    ]
    preview = office.post(URL, {"file": upload(workbook_bytes(rows, title="Week"))})
    problems = preview.context["preview"].problems
    expected = {
        2: ("A", "The first day is missing."),
        3: ("A", "2026-13-01 is not a date"),
        4: ("B", "next friday is not a date"),
        5: ("C", "The cell code is missing."),
        6: ("C", "There is no cell with the code nowhere."),
        7: ("C", "class1 is not a time-bound cell whose roster you plan."),
        8: ("D", "Who is on duty is missing."),
        9: ("D", "No one in the school has this staff number, phone or name: Nobody."),
        10: ("D", "Several people match Teacher2"),
        11: ("E", "The note is longer than 200 characters."),
        12: ("A", str(services.PAST_DAY)),
        13: ("B", str(services.DAYS_ORDER)),
        15: ("A", "is already given to someone else on row 14"),
        16: ("C", "There is no cell with the code south_duty."),
    }
    assert len(problems) == len(expected)
    for row, (column, text) in expected.items():
        prefix = f"Sheet Week, row {row}, column {column}: "
        assert any(p.startswith(prefix) and text in p for p in problems), (row, problems)
    assert "token" in preview.context and "roster_import" not in office.session
    assert office.post(URL, {"confirm": "1", "token": preview.context["token"]}).status_code == 302
    assert not RosterDay.objects.exists() and not RosterChange.objects.exists()


def test_problems_are_reported_in_chinese(grid, office):
    office.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    rows = [[day(0).isoformat(), "", "nowhere", "Teacher", ""]]
    preview = office.post(URL, {"file": upload(workbook_bytes(rows))})
    [problem] = preview.context["preview"].problems
    assert "第 2 行" in problem and "“C”列" in problem and "nowhere" in problem


def test_the_roster_moving_between_preview_and_confirm_is_caught(grid, office):
    rows = [[day(0).isoformat(), "", "duty_week", "Teacher", ""]]
    preview = office.post(URL, {"file": upload(workbook_bytes(rows))})
    grid.cells["duty_week"].roster_kind = ""
    grid.cells["duty_week"].save(update_fields=["roster_kind"])
    page = office.post(URL, {"confirm": "1", "token": preview.context["token"]})
    assert page.status_code == 404 or page.context["preview"].problems
    assert not RosterDay.objects.exists()


def test_a_confirmation_without_a_preview_changes_nothing(grid, office):
    response = office.post(URL, {"confirm": "1", "token": "forged"}, follow=True)
    assert any("upload the file again" in str(m) for m in response.context["messages"])
    assert not RosterChange.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"not a workbook at all", "roster.xlsx", xlsx.NOT_A_ZIP),
        (b"a,b,c\n", "roster.csv", xlsx.NOT_XLSX),
        (zip_bomb(), "roster.xlsx", xlsx.ZIP_BOMB),
        (xml_bomb(), "roster.xlsx", xlsx.XML_ENTITIES),
        (b"PK" + b"\1" * (xlsx.MAX_UPLOAD_BYTES + 1), "roster.xlsx", None),
        (workbook_bytes([]), "roster.xlsx", importer.NO_ROWS),
    ],
    ids=["bytes", "csv", "zip-bomb", "xml-bomb", "oversized", "empty"],
)
def test_hostile_files_are_refused_with_a_message_and_nothing_changes(
    grid, office, content, name, message
):
    message = message or xlsx.TOO_BIG % {"size": 2}
    response = office.post(URL, {"file": upload(content, name=name)})
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [str(message)]
    assert response.context.get("preview") is None
    assert "roster_import" not in office.session
    assert not RosterDay.objects.exists() and not RosterChange.objects.exists()
