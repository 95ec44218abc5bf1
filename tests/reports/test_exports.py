"""The Excel exports, reopened with openpyxl and read cell by cell."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from audit.models import SecurityEvent
from grids.models import GridCell
from hazards import workflow
from hazards.escalation import escalation_scan
from reports.models import Export, ExportStatus

from ..hazards.helpers import T0, accept, clean_photo, report, submit

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)


def workbook_of(response):
    assert response.status_code == 200, response.status_code
    content = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(content))


def rows_of(sheet, first=4):
    return [list(r) for r in sheet.iter_rows(min_row=first, values_only=True)]


def post(client, name, data=None):
    return client.post(reverse(f"reports:{name}"), data or {})


# The accountability list ----------------------------------------------------------------


def test_accountability_layout(grid, client_for):
    response = post(client_for(grid.users["admin"]), "accountability")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    # RFC 5987: the Chinese name is percent-encoded UTF-8 in filename*.
    assert "filename*=utf-8''North%20Primary" in disposition
    assert "%E8%B4%A3%E4%BB%BB%E6%B8%85%E5%8D%95" in disposition  # 责任清单
    sheet = workbook_of(response).active
    assert sheet.title == "责任清单"
    assert sheet["A1"].value == "North Primary安全网格化管理责任清单"
    assert sheet["A1"].font.b
    assert {str(r) for r in sheet.merged_cells.ranges} == {
        "A1:J1",
        "A2:A3",
        "B2:B3",
        "C2:F2",
        "G2:I2",
        "J2:J3",
    }
    assert [c.value for c in sheet[2]] == [
        "序号",
        "层级",
        "网格信息",
        None,
        None,
        None,
        "责任人",
        None,
        None,
        "职责",
    ]
    assert [c.value for c in sheet[3]] == [
        None,
        None,
        "层级路径",
        "编码",
        "网格名称",
        "校内/校外",
        "姓名",
        "岗位角色",
        "电话",
        None,
    ]
    assert sheet.freeze_panes == "A4"
    assert sheet.print_title_rows == "$2:$3"
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.column_dimensions["C"].width == 30
    assert sheet.column_dimensions["J"].width == 60
    header = sheet["C3"]
    assert header.border.left.style == "thin" and header.font.b
    body = sheet["J5"]
    assert body.alignment.wrap_text and body.border.bottom.style == "thin"


def test_accountability_rows_for_the_admin(grid, client_for):
    sheet = workbook_of(post(client_for(grid.users["admin"]), "accountability")).active
    rows = rows_of(sheet)
    tree_order = GridCell.objects.filter(school=grid.school).order_by("tree_id", "lft")
    assert [r[3] for r in rows] == list(tree_order.values_list("code", flat=True))
    assert len(rows) == 13
    assert [r[0] for r in rows] == list(range(1, 14))
    by_code = {r[3]: r for r in rows}
    class1 = by_code["class1"]
    assert class1[1:6] == ["四级网格", "Root / Teaching / Grade1", "class1", "Class1", "校内"]
    assert class1[6:9] == ["Teacher", "网格管理员", grid.people["teacher"].phone]
    root = by_code["root"]
    assert root[2] is None  # the level-1 cell has no path above it
    assert root[6].split("\n") == ["Principal", "Admin"]
    assert root[7].split("\n") == ["网格管理员", "网格成员"]
    road = by_code["road"]
    assert road[5] == "校外"
    assert road[6].split("\n") == ["Teacher", "Villager", "Parent"]
    assert road[7].split("\n") == ["包联教师", "村/社区网格员", "家长/志愿者代表"]


def test_accountability_duties(grid, client_for):
    from duties.models import CellPost, Duty, Post

    post_ = Post.objects.create(school=grid.school, code="class-teacher", name="班主任")
    Duty.objects.create(school=grid.school, post=post_, text="晨午检", sort_order=1)
    Duty.objects.create(school=grid.school, level=4, text="本网格安全", sort_order=0)
    CellPost.objects.create(cell=grid.cells["class1"], post=post_)
    grid.cells["class1"].duties = "护送路队"
    grid.cells["class1"].save(update_fields=["duties"])
    rows = rows_of(workbook_of(post(client_for(grid.users["admin"]), "accountability")).active)
    class1 = next(r for r in rows if r[3] == "class1")
    levels = {r[3]: r[9] for r in rows}
    assert class1[9] == "1. 本网格安全\n2. 班主任: 晨午检\n3. 护送路队"
    assert levels["gate"].startswith("1. 本网格安全")


def test_a_level_2_manager_exports_only_their_area(grid, client_for):
    rows = rows_of(workbook_of(post(client_for(grid.users["manager"]), "accountability")).active)
    assert [r[3] for r in rows] == ["teaching", "grade1", "class1", "class2"]
    assert rows[2][8] == grid.people["teacher"].phone  # they manage it: the full number


def test_a_member_sees_masked_phones(grid, client_for):
    rows = rows_of(workbook_of(post(client_for(grid.users["villager"]), "accountability")).active)
    assert [r[3] for r in rows] == ["road"]
    phones = rows[0][8].split("\n")
    teacher = grid.people["teacher"].phone
    assert phones[0] == f"{teacher[:3]}****{teacher[-4:]}"
    assert all("****" in phone for phone in phones)


def test_the_teacher_exports_their_cells(grid, client_for):
    rows = rows_of(workbook_of(post(client_for(grid.users["teacher"]), "accountability")).active)
    assert [r[3] for r in rows] == ["road", "class1"]  # tree order: codes sort the children
    assert "****" not in rows[0][8]  # as liaison teacher they manage the outside cell


def test_the_other_school_sees_nothing_of_north(grid, client_for):
    rows = rows_of(workbook_of(post(client_for(grid.users["outsider"]), "accountability")).active)
    assert [r[3] for r in rows] == ["south_root", "south_l2", "south_l3", "south_class"]
    assert not any("North" in str(value) for row in rows for value in row)


def test_each_export_is_in_the_security_log(grid, client_for):
    post(client_for(grid.users["manager"]), "accountability")
    event = SecurityEvent.objects.get(kind="export")
    assert (event.user, event.school) == (grid.users["manager"], grid.school)
    assert event.detail.endswith(".xlsx")


def test_exports_need_a_login_and_a_post(grid, client):
    response = client.post(reverse("reports:accountability"))
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(grid.users["admin"])
    assert client.get(reverse("reports:accountability")).status_code == 405


def test_the_accountability_list_queries_do_not_grow(
    grid, client_for, django_assert_max_num_queries
):
    from grids import services

    client = client_for(grid.users["admin"])
    with django_assert_max_num_queries(40) as few:
        post(client, "accountability")
    for n in range(12):
        services.cell_create(
            school=grid.school, parent=grid.cells["grade1"], code=f"extra{n:02d}", name=f"E{n}"
        )
    with django_assert_max_num_queries(len(few)):
        response = post(client, "accountability")
    assert len(rows_of(workbook_of(response).active)) == 25


# The hazard ledger -------------------------------------------------------------------------


@pytest.fixture
def ledger(grid):
    """Four hazards in north, one in south, with hand-computed figures."""
    done = report(grid, photos=[clean_photo()])  # class1, T0
    accept(grid, done, now=T0 + 0.5 * H)
    submit(grid, done, now=T0 + 2 * H)
    workflow.hazard_verify(hazard_id=done.pk, actor=grid.users["manager"], now=T0 + 3 * H)

    late = report(grid, reporter="guard", cell="canteen", now=T0 + H)
    escalation_scan(now=T0 + 26 * H)  # accept due at T0+25h: one level up

    declined = report(grid, cell="class2", now=T0 + 1.5 * H)
    workflow.hazard_decline(
        hazard_id=declined.pk,
        actor=grid.users["principal"],
        reason="Not a hazard",
        now=T0 + 2 * H,
    )
    old = report(grid, now=T0 - datetime.timedelta(days=10))
    south = workflow.hazard_report(
        reporter=grid.users["south_teacher"] if "south_teacher" in grid.users else None,
        cell=grid.cells["south_class"],
        category=grid.other_school.hazard_categories.get(code="fire"),
        severity="general",
        description="South",
        now=T0,
    )
    return {"done": done, "late": late, "declined": declined, "old": old, "south": south}


def ledger_rows(client, **data):
    data.setdefault("date_from", "2026-11-01")
    data.setdefault("date_to", "2026-11-30")
    response = post(client, "ledger", data)
    return workbook_of(response), response


def test_ledger_figures(grid, ledger, client_for):
    workbook, response = ledger_rows(client_for(grid.users["principal"]))
    assert "%E9%9A%90%E6%82%A3%E5%8F%B0%E8%B4%A6" in response["Content-Disposition"]  # 隐患台账
    assert "20261101-20261130" in response["Content-Disposition"]
    sheet = workbook.active
    assert sheet["A1"].value == "North Primary隐患台账 (2026-11-01 - 2026-11-30)"
    assert "A1:AA1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.print_title_rows == "$2:$3" and sheet.freeze_panes == "A4"
    assert sheet.page_setup.orientation == "landscape"
    rows = rows_of(sheet)
    # Every body cell is styled, the empty ones too (the writer reuses one cell per column).
    body = [cell for row in sheet.iter_rows(min_row=4, max_col=27) for cell in row]
    assert len(body) == 3 * 27
    assert all(c.border.bottom.style == "thin" and c.alignment.wrap_text for c in body)
    assert [r[1] for r in rows] == [
        ledger["done"].number,
        ledger["late"].number,
        ledger["declined"].number,
    ]
    done, late, declined = rows
    # Times are real date cells (the local minute), formatted once per column.
    at = datetime.datetime
    assert done[2:10] == [
        at(2026, 11, 2, 9, 0),
        "Teacher",
        "class1 Class1",
        "east stairs",
        "消防",
        "一般",
        "Extinguisher missing",
        "已销号",
    ]
    assert done[10:15] == [
        at(2026, 11, 2, 9, 30),
        "Principal",
        "Teacher",
        at(2026, 11, 9, 9, 30),
        "area closed off",
    ]
    assert done[15:20] == [at(2026, 11, 2, 11, 0), "Teacher", 0, at(2026, 11, 2, 12, 0), "Manager"]
    dated = [sheet.cell(row=4, column=c) for c in (3, 11, 14, 16, 19)]
    assert all(c.is_date and c.number_format == "yyyy-mm-dd hh:mm" for c in dated)
    assert all(c.border.bottom.style == "thin" for c in dated)
    assert sheet.cell(row=4, column=2).number_format == "General"
    assert late[3] == "Guard" and late[9] == "待受理"
    assert late[10:15] == [None, None, None, None, None]
    assert late[20:] == [None, None, "是", "是", 1, 0, 0]
    assert declined[9] == "不予受理"
    assert declined[10:12] == [at(2026, 11, 2, 11, 0), "Principal"]
    assert declined[20:] == [None, None, "否", "否", 0, 0, 0]


def test_ledger_of_a_hazard_sent_back(grid, client_for):
    """The last submission, who verified, and the send-backs and escalations counted."""
    hazard = report(grid, photos=[clean_photo()])
    accept(grid, hazard, now=T0 + H, rectify_due_at=T0 + 5 * H)
    submit(grid, hazard, now=T0 + 2 * H)
    workflow.hazard_reject(
        hazard_id=hazard.pk, actor=grid.users["manager"], reason="Still missing", now=T0 + 3 * H
    )
    escalation_scan(now=T0 + 6 * H)  # rectify due at T0+5h: one level up
    submit(grid, hazard, actor="teacher", now=T0 + 7 * H)
    workflow.hazard_verify(hazard_id=hazard.pk, actor=grid.users["principal"], now=T0 + 8 * H)
    hazard.refresh_from_db()
    escalations = hazard.events.filter(action="escalate").count()
    assert escalations >= 1
    workbook, _ = ledger_rows(client_for(grid.users["principal"]))
    (row,) = rows_of(workbook.active)
    at = datetime.datetime
    assert row[10:13] == [at(2026, 11, 2, 10, 0), "Principal", "Teacher"]
    assert row[15:20] == [at(2026, 11, 2, 16, 0), "Teacher", 1, at(2026, 11, 2, 17, 0), "Principal"]
    assert row[20:] == [1, 8, "是", "是", escalations, 1, 2]


def test_ledger_scope_and_subtree(grid, ledger, client_for):
    workbook, _ = ledger_rows(client_for(grid.users["manager"]))
    numbers = [r[1] for r in rows_of(workbook.active)]
    assert numbers == [ledger["done"].number, ledger["declined"].number]
    workbook, _ = ledger_rows(client_for(grid.users["principal"]), cell=grid.cells["logistics"].pk)
    assert [r[1] for r in rows_of(workbook.active)] == [ledger["late"].number]
    workbook, _ = ledger_rows(client_for(grid.users["principal"]), date_from="2026-10-01")
    assert len(rows_of(workbook.active)) == 4  # the old one too


def test_ledger_of_another_schools_subtree_is_404(grid, ledger, client_for):
    client = client_for(grid.users["outsider"])
    response = post(client, "ledger", {"cell": grid.cells["root"].pk})
    assert response.status_code == 404
    workbook, _ = ledger_rows(client)
    assert [r[1] for r in rows_of(workbook.active)] == [ledger["south"].number]


def test_a_manager_cannot_take_a_subtree_above_them(grid, ledger, client_for):
    response = post(client_for(grid.users["manager"]), "ledger", {"cell": grid.cells["root"].pk})
    assert response.status_code == 404


def test_ledger_rejects_a_reversed_range(grid, client_for):
    response = post(
        client_for(grid.users["principal"]),
        "ledger",
        {"date_from": "2026-11-30", "date_to": "2026-11-01"},
    )
    assert response.status_code == 400
    assert "开始日期不能晚于结束日期" in response.content.decode()


def test_ledger_queries_do_not_grow_with_rows(
    grid, ledger, client_for, django_assert_max_num_queries
):
    client = client_for(grid.users["principal"])
    with django_assert_max_num_queries(40) as few:
        ledger_rows(client)
    for n in range(25):
        hazard = report(grid, cell="gate", reporter="guard", now=T0 + n * H, photos=[clean_photo()])
        accept(grid, hazard, assignee="guard")
    with django_assert_max_num_queries(len(few)):
        workbook, _ = ledger_rows(client)
    assert len(rows_of(workbook.active)) == 28


# Background exports ----------------------------------------------------------------------


def test_a_large_export_is_built_by_celery_for_its_owner_only(
    grid, client_for, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_EXPORT_ASYNC_ROWS = 5
    client = client_for(grid.users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "accountability")
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:exports")
    export = Export.objects.get()
    assert export.user == grid.users["admin"] and export.status == ExportStatus.DONE
    assert export.rows == 13 and export.finished_at is not None
    assert export.file.name.startswith("exports/")
    assert export.filename.startswith("North Primary责任清单-")
    page = client.get(reverse("reports:exports"))
    assert reverse("reports:export_download", args=[export.pk]) in page.content.decode()
    download = client.get(reverse("reports:export_download", args=[export.pk]))
    assert download["Cache-Control"] == "private, no-store"
    assert "%E8%B4%A3%E4%BB%BB%E6%B8%85%E5%8D%95" in download["Content-Disposition"]
    assert len(rows_of(workbook_of(download).active)) == 13
    for other in ("principal", "outsider"):
        client.force_login(grid.users[other])
        assert client.get(reverse("reports:export_download", args=[export.pk])).status_code == 404


def test_an_export_is_built_once(grid, settings):
    from reports.exports import export_build

    export = Export.objects.create(user=grid.users["manager"], kind="accountability")
    assert export_build(export.pk) is True
    assert export_build(export.pk) is False
    export.refresh_from_db()
    assert export.rows == 4


def test_an_unfinished_export_cannot_be_downloaded(grid, client_for):
    export = Export.objects.create(user=grid.users["admin"], kind="ledger")
    client = client_for(grid.users["admin"])
    assert client.get(reverse("reports:export_download", args=[export.pk])).status_code == 404
    page = client.get(reverse("reports:export_list"))
    assert 'hx-trigger="every 3s"' in page.content.decode()


# The page and the navigation ---------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, shown", [("admin", True), ("manager", True), ("teacher", True), ("villager", False)]
)
def test_the_navbar_links_the_exports_to_those_who_cover_a_cell(grid, client_for, persona, shown):
    with translation.override("zh-hans"):
        page = client_for(grid.users[persona]).get(reverse("home"))
    assert ('data-testid="exports-link"' in page.content.decode()) is shown


def test_the_exports_page_offers_only_visible_cells(grid, client_for):
    page = client_for(grid.users["manager"]).get(reverse("reports:exports")).content.decode()
    assert "teaching" in page and "logistics" not in page and "south" not in page


@pytest.mark.parametrize("persona, shown", [("admin", True), ("principal", False)])
def test_the_exports_page_links_the_import_for_admins(grid, client_for, persona, shown):
    page = client_for(grid.users[persona]).get(reverse("reports:exports")).content.decode()
    assert ('data-testid="import-link"' in page) is shown


def test_a_malformed_subtree_is_404(grid, client_for):
    response = post(client_for(grid.users["principal"]), "ledger", {"cell": "abc"})
    assert response.status_code == 404


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_background_export_is_built_by_a_real_worker(live_worker):
    from reports import exports

    from ..conftest import build_grid, wait_for

    grid = build_grid()
    spec = exports.Spec(kind="accountability", user=grid.users["admin"])
    with live_worker():
        export = exports.export_request(spec)
        assert wait_for(lambda: Export.objects.get(pk=export.pk).status == ExportStatus.DONE)
    export.refresh_from_db()
    assert export.rows == 13
    with export.file.open("rb") as stored:
        assert rows_of(openpyxl.load_workbook(stored).active)[0][3] == "root"


def test_local_text_is_the_local_minute():
    import datetime

    from reports.xlsx import local_text

    moment = datetime.datetime(2026, 11, 30, 16, 5, 59, tzinfo=datetime.UTC)
    assert local_text(moment) == "2026-12-01 00:05"  # Asia/Shanghai, past midnight
    assert local_text(None) == ""
