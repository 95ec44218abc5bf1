"""The duties' Excel exports (check records, rosters, the scorecard) and the purge of old
exports, reopened with openpyxl and read cell by cell."""

import datetime

import pytest
from django.urls import reverse

from audit.models import SecurityEvent
from duties.checks.models import RunStatus
from duties.checks.services import Answer, check_complete
from duties.roster import services as roster_services
from grids import services as grid_services
from grids.models import RosterKind
from hazards.models import Hazard
from reports import selectors
from reports.models import Export, ExportStatus

from ..duties.checks_helpers import MONDAY, at, checks_fixture, on_monday_fixture  # noqa: F401
from ..hazards.helpers import upload
from .duty_fixtures import run
from .test_exports import post, rows_of, workbook_of

pytestmark = pytest.mark.django_db

D = datetime.timedelta(days=1)
NOVEMBER = {"date_from": "2026-11-01", "date_to": "2026-11-30"}


def prefixed(prefix, data):
    return {f"{prefix}-{key}": value for key, value in data.items()}


def layout(sheet, title, last_column):
    """What every export shares: the title, the frozen header, the print setup."""
    assert sheet["A1"].value == title
    assert sheet["A1"].font.b
    assert f"A1:{last_column}1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.freeze_panes == "A4"
    assert sheet.print_title_rows == "$2:$3"
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet["A2"].border.left.style == "thin" and sheet["A2"].font.b


def header(sheet):
    """The two header rows merged into labels: the lower label, else the upper one."""
    upper = [c.value for c in sheet[2]]
    lower = [c.value for c in sheet[3]]
    return [low or up for up, low in zip(upper, lower, strict=True)]


# Check records ----------------------------------------------------------------------------


def classroom_answers(checks, ok=True, temperature=20, photos=()):
    window, temp, remarks, pictures = checks["classroom"].items.all()
    return [
        Answer(item=window, ok=ok, is_problem=not ok, detail="" if ok else "Latch broken"),
        Answer(item=temp, number=temperature),
        Answer(item=remarks, text="Fine"),
        Answer(item=pictures, photos=list(photos)),
    ]


@pytest.fixture
def checked(grid, checks, on_monday):
    """November, by hand:

    - class2 classroom of Fri 11-27: missed (found 11-28)
    - class1 classroom of Mon 11-30: done by the teacher at 09:00 with a problem (a hazard)
      and a photo, corrected at 10:00 (temperature 22, the same hazard, a photo)
    - general weekly walk 11-30 to 12-06: open
    - gate patrol of 11-30: open
    - class1 classroom of 10-30: done, before November
    """
    c = grid.cells
    friday = MONDAY - 3 * D
    missed = run(
        checks["classroom"], c["class2"], friday, friday, RunStatus.MISSED, missed_on=friday + D
    )
    class1 = run(checks["classroom"], c["class1"], MONDAY, MONDAY)
    first = check_complete(
        run_id=class1.pk,
        actor=grid.users["teacher"],
        answers=classroom_answers(checks, ok=False, photos=[upload()]),
        note="Seen at 8:30",
        now=at(MONDAY, 9),
    )
    check_complete(
        run_id=class1.pk,
        actor=grid.users["teacher"],
        answers=classroom_answers(checks, ok=False, temperature=22, photos=[upload()]),
        note="Temperature read again",
        corrects=first,
        now=at(MONDAY, 10),
    )
    weekly = run(checks["weekly"], c["general"], MONDAY, MONDAY + 6 * D)
    gate = run(checks["gate"], c["gate"], MONDAY, MONDAY)
    october = datetime.date(2026, 10, 30)
    run(checks["classroom"], c["class1"], october, october, RunStatus.DONE, grid.users["teacher"])
    return {
        "missed": missed,
        "class1": class1,
        "weekly": weekly,
        "gate": gate,
        "hazard": Hazard.objects.get(),
    }


def checks_export(client, **data):
    response = post(client, "checks", prefixed("checks", {**NOVEMBER, **data}))
    return response


def test_check_records_layout_and_rows(grid, checked, client_for):
    response = checks_export(client_for(grid.users["principal"]))
    disposition = response["Content-Disposition"]
    # 检查记录, and the range, percent-encoded in RFC 5987's filename*.
    assert "filename*=utf-8''North%20Primary" in disposition
    assert "%E6%A3%80%E6%9F%A5%E8%AE%B0%E5%BD%95-20261101-20261130.xlsx" in disposition
    workbook = workbook_of(response)
    assert workbook.sheetnames == ["检查记录", "检查项明细"]
    sheet = workbook["检查记录"]
    layout(sheet, "North Primary定期检查记录 (2026-11-01 - 2026-11-30)", "P")
    assert header(sheet) == [
        "序号",
        "层级路径",
        "网格",
        "检查",
        "频次",
        "周期",
        "状态",
        "完成人",
        "完成时间",
        "更正",
        "判定漏检日期",
        "数量",
        "问题",
        "所开隐患",
        "照片",
        "备注",
    ]
    assert [c.value for c in sheet[2]][1] == "检查"  # the merged group above
    rows = rows_of(sheet)
    assert [(r[2], r[3], r[6]) for r in rows] == [
        ("class2 Class2", "Classroom check", "漏检"),
        ("general General", "Weekly walk", "待办"),  # tree order: codes sort the children
        ("gate Gate", "Gate patrol", "待办"),
        ("class1 Class1", "Classroom check", "已完成"),
    ]
    missed, weekly, gate, done = rows
    assert missed[:2] == [1, "Root / Teaching / Grade1"]
    assert missed[5] == "2026-11-27" and missed[10] == "2026-11-28"
    assert missed[7:10] == [None, None, None] and missed[11] == 0
    assert done[4] == "上学日" and done[5] == "2026-11-30"
    assert done[7:10] == ["Teacher", "2026-11-30 09:00", "2026-11-30 10:00 Teacher 更正"]
    assert done[11:] == [
        1,
        "Windows and doors safe: 问题",
        checked["hazard"].number,
        1,
        "Temperature read again",
    ]
    assert weekly[5] == "2026-11-30 - 2026-12-06" and weekly[4] == "每周"
    assert gate[1] == "Root / Logistics / Security"


def test_check_answers_show_the_correction_as_such(grid, checked, client_for):
    sheet = workbook_of(checks_export(client_for(grid.users["principal"])))["检查项明细"]
    layout(sheet, "North Primary定期检查明细 (2026-11-01 - 2026-11-30)", "L")
    rows = rows_of(sheet)
    assert len(rows) == 8  # two records of four answers each
    first, second = rows[:4], rows[4:]
    assert {r[6] for r in first} == {"首次记录 · 已被更正"}
    assert {r[6] for r in second} == {"更正"}
    assert first[0][1:10] == [
        "class1 Class1",
        "Classroom check",
        "2026-11-30",
        "2026-11-30 09:00",
        "Teacher",
        "首次记录 · 已被更正",
        "Windows and doors safe",
        "问题",
        "是",
    ]
    assert first[0][10] == second[0][10] == checked["hazard"].number
    assert [r[8] for r in first] == ["问题", "20", "Fine", None]
    assert [r[8] for r in second][1] == "22"
    assert [r[11] for r in second] == [0, 0, 0, 1]


def test_check_records_scope(grid, checked, client_for):
    def cells(user, **data):
        return [r[2] for r in rows_of(workbook_of(checks_export(client_for(user), **data)).active)]

    assert cells(grid.users["manager"]) == ["class2 Class2", "class1 Class1"]
    assert cells(grid.users["principal"], cell=grid.cells["logistics"].pk) == [
        "general General",
        "gate Gate",
    ]
    assert cells(grid.users["principal"], date_from="2026-10-01", date_to="2026-10-31") == [
        "class1 Class1"
    ]
    assert cells(grid.users["outsider"]) == []  # the other school: an empty file
    client = client_for(grid.users["manager"])
    assert checks_export(client, cell=grid.cells["logistics"].pk).status_code == 404
    assert checks_export(client, cell=grid.cells["south_root"].pk).status_code == 404
    # Holding a post but covering no cell: no managers' page, no export.
    assert checks_export(client_for(grid.users["villager"])).status_code == 404


def test_check_records_reject_a_reversed_range(grid, checked, client_for):
    response = checks_export(
        client_for(grid.users["principal"]), date_from="2026-11-30", date_to="2026-11-01"
    )
    assert response.status_code == 400
    assert "开始日期不能晚于结束日期" in response.content.decode()
    assert not SecurityEvent.objects.filter(kind="export").exists()


def test_check_records_queries_do_not_grow(
    grid, checks, checked, client_for, django_assert_max_num_queries
):
    client = client_for(grid.users["principal"])
    with django_assert_max_num_queries(40) as few:
        checks_export(client)
    for n in range(1, 11):
        day = MONDAY - n * D
        done = run(checks["classroom"], grid.cells["class1"], day, day)
        check_complete(
            run_id=done.pk,
            actor=grid.users["teacher"],
            answers=classroom_answers(checks, photos=[upload()]),
            now=at(day, 9),
        )
    with django_assert_max_num_queries(len(few)):
        response = checks_export(client)
    assert len(rows_of(workbook_of(response).active)) == 14


def test_the_checks_page_offers_the_export_to_managers(grid, checked, client_for):
    page = client_for(grid.users["principal"]).get(reverse("duties:today")).content.decode()
    assert 'data-testid="checks-export"' in page
    assert 'name="checks-date_from" value="2026-11-01"' in page
    page = client_for(grid.users["villager"]).get(reverse("duties:today")).content.decode()
    assert 'data-testid="checks-export"' not in page


# Rosters -----------------------------------------------------------------------------------


@pytest.fixture
def roster(grid, on_monday):
    """A duty week under general: the teacher 11-30 to 12-04 (planned by office), the guard
    in their place on 12-02 (sick, by office), nobody on 12-04 (cancelled by the principal)."""
    duty = grid_services.cell_create(
        school=grid.school,
        parent=grid.cells["general"],
        code="duty_week",
        name="Duty week",
        roster_kind=RosterKind.DUTY_WEEK,
    )
    office, principal = grid.users["office"], grid.users["principal"]
    teacher, guard = grid.people["teacher"], grid.people["guard"]
    roster_services.roster_set(
        cell=duty, person=teacher, first=MONDAY, last=MONDAY + 4 * D, actor=office
    )
    roster_services.roster_set(
        cell=duty,
        person=guard,
        first=MONDAY + 2 * D,
        last=MONDAY + 2 * D,
        reason="Teacher sick",
        actor=office,
    )
    roster_services.roster_set(
        cell=duty,
        person=None,
        first=MONDAY + 4 * D,
        last=MONDAY + 4 * D,
        reason="Sports day",
        actor=principal,
    )
    return duty


def roster_export(client, **data):
    data = {"date_from": "2026-11-30", "date_to": "2026-12-06", **data}
    return post(client, "roster", prefixed("roster", data))


def test_roster_layout_and_rows(grid, roster, client_for):
    response = roster_export(client_for(grid.users["office"]))
    # 值班表
    assert "%E5%80%BC%E7%8F%AD%E8%A1%A8-20261130-20261206.xlsx" in response["Content-Disposition"]
    sheet = workbook_of(response).active
    assert sheet.title == "值班表"
    layout(sheet, "North Primary值周值班表 (2026-11-30 - 2026-12-06)", "K")
    assert header(sheet) == [
        "序号",
        "日期",
        "星期",
        "网格",
        "姓名",
        "电话",
        "操作",
        "原值班人",
        "登记人",
        "登记时间",
        "原因",
    ]
    rows = rows_of(sheet)
    teacher, guard = grid.people["teacher"], grid.people["guard"]
    assert [r[1:5] for r in rows] == [
        ["2026-11-30", "周一", "duty_week Duty week", "Teacher"],
        ["2026-12-01", "周二", "duty_week Duty week", "Teacher"],
        ["2026-12-02", "周三", "duty_week Duty week", "Guard"],
        ["2026-12-03", "周四", "duty_week Duty week", "Teacher"],
        ["2026-12-04", "周五", "duty_week Duty week", "（无人：已取消）"],
    ]
    assert rows[0][5:8] == [teacher.phone, "已安排", None]
    assert rows[0][8] == "Office" and rows[0][9] == "2026-11-30 09:00"
    assert rows[2][5:] == [
        guard.phone,
        "已更换",
        "Teacher",
        "Office",
        "2026-11-30 09:00",
        "Teacher sick",
    ]
    assert rows[4][5:] == [None, "已取消", "Teacher", "Principal", "2026-11-30 09:00", "Sports day"]


def test_roster_scope(grid, roster, client_for):
    rows = rows_of(workbook_of(roster_export(client_for(grid.users["principal"]))).active)
    assert len(rows) == 5
    rows = rows_of(
        workbook_of(roster_export(client_for(grid.users["office"]), date_to="2026-12-01")).active
    )
    assert len(rows) == 2
    # No roster page for them, no roster export.
    assert roster_export(client_for(grid.users["manager"])).status_code == 404
    assert roster_export(client_for(grid.users["outsider"])).status_code == 404
    response = roster_export(client_for(grid.users["office"]), cell=grid.cells["class1"].pk)
    assert response.status_code == 404


def test_roster_rejects_a_reversed_range(grid, roster, client_for):
    response = roster_export(
        client_for(grid.users["office"]), date_from="2026-12-06", date_to="2026-11-30"
    )
    assert response.status_code == 400
    assert "开始日期不能晚于结束日期" in response.content.decode()


def test_roster_queries_do_not_grow(grid, roster, client_for, django_assert_max_num_queries):
    client = client_for(grid.users["office"])
    with django_assert_max_num_queries(40) as few:
        roster_export(client, date_to="2026-12-31")
    roster_services.roster_set(
        cell=roster,
        person=grid.people["office"],
        first=MONDAY + 7 * D,
        last=MONDAY + 20 * D,
        actor=grid.users["office"],
    )
    for n in range(3):  # more cells: the phone rule is settled for all of them at once
        cell = grid_services.cell_create(
            school=grid.school,
            parent=grid.cells["general"],
            code=f"duty_night{n}",
            name=f"Night duty {n}",
            roster_kind=RosterKind.DUTY_WEEK,
        )
        roster_services.roster_set(
            cell=cell,
            person=grid.people["guard"],
            first=MONDAY,
            last=MONDAY,
            actor=grid.users["office"],
        )
    with django_assert_max_num_queries(len(few)):
        response = roster_export(client, date_to="2026-12-31")
    assert len(rows_of(workbook_of(response).active)) == 22


def test_the_roster_page_offers_this_weeks_export(grid, roster, client_for):
    page = client_for(grid.users["office"]).get(reverse("duties:rosters")).content.decode()
    assert 'name="roster-date_from" value="2026-11-30"' in page
    assert 'name="roster-date_to" value="2026-12-06"' in page


# The scorecard ------------------------------------------------------------------------------


def scorecard_export(client, **data):
    return post(client, "scorecard_export", {"by": "cell", **NOVEMBER_SCORE, **data})


NOVEMBER_SCORE = {"start": "2026-11-01", "end": "2026-11-30"}


def test_the_scorecard_export_is_the_page(grid, checked, client_for):
    user = grid.users["principal"]
    response = scorecard_export(client_for(user), sort="-checks_missed")
    # 刚性化考核
    assert "%E5%88%9A%E6%80%A7%E5%8C%96%E8%80%83%E6%A0%B8" in response["Content-Disposition"]
    sheet = workbook_of(response).active
    columns = selectors.scorecard_columns()
    last = chr(ord("A") + 3 + len(columns))
    layout(sheet, "North Primary刚性化考核 (2026-11-01 - 2026-11-30)", last)
    assert header(sheet)[:4] == ["序号", "层级", "网格编码", "网格"]
    assert header(sheet)[4:] == [str(c.label) for c in columns]
    rows = rows_of(sheet)
    expected = selectors.scorecard_rows(
        user, datetime.date(2026, 11, 1), MONDAY, by="cell", sort="-checks_missed"
    )
    assert len(rows) == len(expected) + 1 == 14
    assert [r[3] for r in rows[:-1]] == [r["name"] for r in expected]
    assert rows[0][3] == "Class2"  # the one missed check sorts first
    missed = 4 + [c.key for c in columns].index("checks_missed")
    done = 4 + [c.key for c in columns].index("checks_done")
    assert rows[0][missed] == 1 and rows[0][:3] == [1, "L4", "class2"]
    assert rows[-1][2] == "合计"
    assert rows[-1][done] == 1 and rows[-1][missed] == 1


def test_the_scorecard_export_per_person(grid, checked, client_for):
    sheet = workbook_of(scorecard_export(client_for(grid.users["manager"]), by="person")).active
    assert header(sheet)[2:4] == ["人员", "网格"]
    rows = rows_of(sheet)
    by_name = {r[2]: r for r in rows[:-1]}
    assert set(by_name) == {"Manager", "Grade_Head", "Teacher", "Teacher2"}
    assert by_name["Teacher"][3] == "Class1"


def test_the_scorecard_export_scope_and_range(grid, checked, client_for):
    rows = rows_of(workbook_of(scorecard_export(client_for(grid.users["manager"]))).active)
    assert [r[2] for r in rows[:-1]] == ["teaching", "grade1", "class1", "class2"]
    assert scorecard_export(client_for(grid.users["villager"])).status_code == 404
    response = scorecard_export(
        client_for(grid.users["principal"]), start="2026-11-30", end="2026-11-01"
    )
    assert response.status_code == 400
    assert "结束日期早于开始日期" in response.content.decode()


def test_the_scorecard_page_links_the_export_with_its_filters(grid, checked, client_for):
    url = reverse("reports:scorecard") + "?by=person&start=2026-11-02&end=2026-11-20&sort=-late"
    page = client_for(grid.users["principal"]).get(url).content.decode()
    assert reverse("reports:scorecard_export") in page
    for hidden in (
        'name="by" value="person"',
        'name="start" value="2026-11-02"',
        'name="end" value="2026-11-20"',
        'name="sort" value="-late"',
    ):
        assert hidden in page


def test_the_scorecard_queries_do_not_grow(
    grid, checks, checked, client_for, django_assert_max_num_queries
):
    client = client_for(grid.users["principal"])
    with django_assert_max_num_queries(40) as few:
        scorecard_export(client)
    for n in range(1, 6):
        day = MONDAY - n * D
        run(checks["gate"], grid.cells["gate"], day, day, RunStatus.MISSED, missed_on=day)
    with django_assert_max_num_queries(len(few)):
        scorecard_export(client)


# The exports page, background builds and the purge --------------------------------------------


def test_the_exports_page_offers_what_the_pages_offer(grid, roster, client_for):
    def cards(user):
        page = client_for(user).get(reverse("reports:exports")).content.decode()
        return {
            name
            for name in ("checks", "roster", "scorecard-export")
            if f'data-testid="{name}-form"' in page
        }

    assert cards(grid.users["principal"]) == {"checks", "roster", "scorecard-export"}
    assert cards(grid.users["manager"]) == {"checks", "scorecard-export"}
    assert cards(grid.users["admin"]) == {"roster"}  # admins plan rosters, they cover no cell


def test_a_large_roster_is_built_by_celery_and_logged(
    grid, roster, client_for, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_EXPORT_ASYNC_ROWS = 2
    client = client_for(grid.users["office"])
    with django_capture_on_commit_callbacks(execute=True):
        response = roster_export(client, cell=roster.pk)
    assert response.status_code == 302
    export = Export.objects.get()
    assert export.status == ExportStatus.DONE and export.rows == 5
    assert export.params["cell"] == roster.pk
    assert export.filename == "North Primary值班表-20261130-20261206.xlsx"
    event = SecurityEvent.objects.get(kind="export")
    assert event.detail == export.filename
    download = client.get(reverse("reports:export_download", args=[export.pk]))
    assert len(rows_of(workbook_of(download).active)) == 5


def test_a_large_scorecard_keeps_its_filters_in_the_background(
    grid, checked, client_for, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_EXPORT_ASYNC_ROWS = 2
    client = client_for(grid.users["principal"])
    with django_capture_on_commit_callbacks(execute=True):
        scorecard_export(client, by="person", sort="name")
    export = Export.objects.get()
    assert export.params["by"] == "person" and export.params["sort"] == "name"
    download = client.get(reverse("reports:export_download", args=[export.pk]))
    names = [r[2] for r in rows_of(workbook_of(download).active)[:-1]]
    assert names == sorted(names) and "Principal" in names


def test_old_exports_are_purged_with_their_files(grid, settings):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from reports.tasks import purge_old_exports

    settings.REPORTS_EXPORT_KEEP_DAYS = 7
    now = timezone.now()
    kept, old, unbuilt = (
        Export.objects.create(user=grid.users["admin"], kind="accountability") for _ in range(3)
    )
    for export in (kept, old):
        export.file.save("export.xlsx", ContentFile(b"x"), save=True)
    Export.objects.filter(pk__in=[old.pk, unbuilt.pk]).update(created_at=now - 8 * D)
    Export.objects.filter(pk=kept.pk).update(created_at=now - 6 * D)
    storage = old.file.storage
    assert storage.exists(old.file.name) and storage.exists(kept.file.name)
    assert purge_old_exports(now=now) == 2
    assert list(Export.objects.all()) == [kept]
    assert not storage.exists(old.file.name)
    assert storage.exists(kept.file.name)
    assert purge_old_exports(now=now) == 0  # running it again changes nothing


def test_the_purge_runs_every_night():
    from gridsafety.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "reports.tasks.purge_old_exports" in tasks
