"""Excel import of people and the grid: preview, all or nothing, re-import, hostile files."""

import io
import zipfile

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import SecurityEvent
from grids import access
from grids.models import Assignment, GridCell, Person

pytestmark = pytest.mark.django_db

PEOPLE_HEADER = ["工号*", "姓名*", "电话", "职务", "部门", "类别", "登录名"]
CELLS_HEADER = ["网格编码*", "网格名称*", "上级网格编码", "层级*", "校内/校外", "划分方式", "简介"]
ASSIGN_HEADER = ["网格编码*", "工号*", "岗位角色*", "起始日期"]


def xlsx(sheets: dict) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def good_file() -> bytes:
    return xlsx(
        {
            "人员": [
                PEOPLE_HEADER,
                ["T100", "王老师", "13900001111", "班主任", "一年级", "学校教职工", "wang"],
                ["T101", "李老师", "13900002222", "科任教师", "一年级", "", ""],
                ["V200", "赵网格员", "13900003333", "", "", "校外网格成员", ""],
            ],
            "网格": [
                CELLS_HEADER,
                ["grade2", "二年级", "teaching", 3, "校内", "按功能", ""],
                ["class21", "二年级1班", "grade2", 4, "", "", "教学楼201"],
            ],
            "人员分工": [
                ASSIGN_HEADER,
                ["grade2", "T101", "网格管理员", "2026-09-01"],
                ["class21", "T100", "manager", ""],
            ],
        }
    )


def upload(client, content, name="网格.xlsx"):
    return client.post(reverse("reports:import"), {"file": SimpleUploadedFile(name, content)})


def confirm(client):
    return client.post(reverse("reports:import_confirm"))


def snapshot():
    return (
        Person.objects.count(),
        GridCell.objects.count(),
        Assignment.objects.count(),
        get_user_model().objects.count(),
        list(Person.objects.order_by("pk").values_list("name", "phone", "title")),
        list(GridCell.objects.order_by("pk").values_list("name", "parent_id", "lft", "rght")),
    )


@pytest.fixture
def admin(grid, client_for):
    return client_for(grid.users["admin"])


def test_openpyxl_parses_through_defusedxml():
    assert openpyxl.DEFUSEDXML is True


# Templates and access -------------------------------------------------------------------


def test_templates_have_the_headers(admin):
    response = admin.get(reverse("reports:import_template", args=["people"]))
    assert "%E4%BA%BA%E5%91%98" in response["Content-Disposition"]  # 人员
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["人员"]
    assert [c.value for c in workbook["人员"][1]] == PEOPLE_HEADER
    response = admin.get(reverse("reports:import_template", args=["grid"]))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["网格", "人员分工"]
    assert [c.value for c in workbook["网格"][1]][:4] == CELLS_HEADER[:4]
    assert [c.value for c in workbook["人员分工"][1]] == ASSIGN_HEADER
    assert admin.get(reverse("reports:import_template", args=["other"])).status_code == 404


@pytest.mark.parametrize("persona", ["principal", "manager", "teacher", "villager"])
def test_only_school_admins_import(grid, client_for, persona):
    client = client_for(grid.users[persona])
    assert client.get(reverse("reports:import")).status_code == 404
    assert client.get(reverse("reports:import_template", args=["people"])).status_code == 404
    before = snapshot()
    assert upload(client, good_file()).status_code == 404
    assert confirm(client).status_code == 404
    assert snapshot() == before


def test_an_admin_imports_into_their_own_school_only(grid, client_for):
    client = client_for(grid.users["outsider"])  # the admin of the south school
    response = upload(client, good_file())
    assert [str(p) for p in response.context["result"].problems] == [
        "工作表“网格”第 2 行“上级网格编码”列：本文件和本校均无编码为 teaching 的网格。"
    ]
    # teaching is a north cell: in the south school it does not exist.
    assert response.status_code == 400
    assert "本文件和本校均无编码为 teaching 的网格" in response.content.decode()


# The happy path ---------------------------------------------------------------------------


def test_preview_changes_nothing_then_confirm_imports_all(grid, admin):
    before = snapshot()
    response = upload(admin, good_file())
    assert response.status_code == 200, response.context["result"].problems
    page = response.content.decode()
    assert 'data-testid="confirm-import"' in page
    assert snapshot() == before
    result = response.context["result"]
    assert (result.created["people"], result.created["cells"], result.created["assignments"]) == (
        3,
        2,
        2,
    )

    assert not SecurityEvent.objects.filter(kind="import").exists()  # a preview is no import
    response = confirm(admin)
    assert response.status_code == 200
    assert response.context["result"].applied
    event = SecurityEvent.objects.get(kind="import")
    assert (event.user, event.school) == (grid.users["admin"], grid.school)
    wang = Person.objects.get(school=grid.school, code="T100")
    assert (wang.name, wang.phone, wang.title, wang.department) == (
        "王老师",
        "13900001111",
        "班主任",
        "一年级",
    )
    assert wang.user.username == "wang" and not wang.user.has_usable_password()
    assert Person.objects.get(code="V200").kind == "outside"
    class21 = GridCell.objects.get(school=grid.school, code="class21")
    assert (
        class21.level == 4
        and class21.parent.code == "grade2"
        and class21.description == "教学楼201"
    )
    assert class21.parent.parent == grid.cells["teaching"]
    assert class21.parent.carve == "function"
    held = Assignment.objects.current().get(cell=class21)
    assert held.person == wang and held.role.code == "manager"
    assert access.covers(wang.user, class21)  # rights follow the managing assignment
    grade2 = Assignment.objects.get(cell__code="grade2")
    assert grade2.valid_from.isoformat() == "2026-09-01"


def test_reimporting_the_same_file_changes_nothing(grid, admin):
    upload(admin, good_file())
    confirm(admin)
    before = snapshot()
    response = upload(admin, good_file())
    result = response.context["result"]
    assert sum(result.created.values()) == 0 and sum(result.updated.values()) == 0
    assert (result.unchanged["people"], result.unchanged["cells"]) == (3, 2)
    assert result.unchanged["assignments"] == 2
    confirm(admin)
    assert snapshot() == before


def test_a_changed_row_updates_and_a_new_holder_replaces(grid, admin):
    upload(admin, good_file())
    confirm(admin)
    changed = xlsx(
        {
            "人员": [
                PEOPLE_HEADER,
                ["T100", "王老师", "13900009999", "班主任", "一年级", "", "wang"],
            ],
            "人员分工": [ASSIGN_HEADER, ["class21", "T101", "网格管理员", ""]],
        }
    )
    response = upload(admin, changed)
    assert response.context["result"].updated["people"] == 1
    confirm(admin)
    assert Person.objects.get(code="T100").phone == "13900009999"
    current = Assignment.objects.current().get(cell__code="class21")
    assert current.person.code == "T101"
    ended = Assignment.objects.get(cell__code="class21", person__code="T100")
    assert ended.valid_to is not None  # the history stays


def test_english_headers_are_understood(grid, admin):
    content = xlsx({"People": [["Staff number", "Name"], ["E1", "Emma"]]})
    response = upload(admin, content)
    assert response.status_code == 200
    confirm(admin)
    assert Person.objects.get(code="E1").name == "Emma"


# Every validation error -------------------------------------------------------------------


def problems_of(response) -> list[str]:
    assert response.status_code == 400
    return [str(p) for p in response.context["result"].problems]


def test_every_row_problem_is_reported_and_nothing_changes(grid, admin):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create(username="taken")
    grid.people["cook"].code = "C1"
    grid.people["cook"].save(update_fields=["code"])
    content = xlsx(
        {
            "人员": [
                PEOPLE_HEADER,
                ["P1", "", "", "", "", "", ""],  # row 2: no name
                ["P2", "名" * 51, "", "", "", "", ""],  # row 3: too long
                ["P3", "甲", "", "", "", "外星人", ""],  # row 4: not a kind
                ["P4", "乙", "", "", "", "", ""],
                ["P4", "丙", "", "", "", "", ""],  # row 6: duplicate
                ["P5", "丁", "", "", "", "", "taken"],  # row 7: login taken
            ],
            "网格": [
                CELLS_HEADER,
                ["c1", "一", "teaching", "x", "", "", ""],  # row 2: level
                ["c2", "二", "nowhere", 3, "", "", ""],  # row 3: parent unknown
                ["c3", "三", "teaching", 4, "", "", ""],  # row 4: level mismatch
                ["c4", "四", "", 2, "", "", ""],  # row 5: no parent, not level 1
                ["c5", "五", "teaching", 3, "太空", "", ""],  # row 6: scope
            ],
            "人员分工": [
                ASSIGN_HEADER,
                ["nocell", "C1", "网格管理员", ""],  # row 2
                ["canteen", "nobody", "网格管理员", ""],  # row 3
                ["canteen", "C1", "校长", ""],  # row 4
                ["canteen", "C1", "网格管理员", "明天"],  # row 5
            ],
        }
    )
    before = snapshot()
    problems = problems_of(upload(admin, content))
    assert problems == [
        "工作表“人员”第 2 行“姓名”列：此列为必填项。",
        "工作表“人员”第 3 行“姓名”列：最多 50 个字符。",
        "工作表“人员”第 4 行“类别”列：请填写以下之一：学校教职工, 校外网格成员。",
        "工作表“人员”第 6 行“工号”列：编码 P4 与第 5 行重复。",
        "工作表“人员”第 7 行“登录名”列：登录名 taken 已被他人使用。",
        "工作表“网格”第 2 行“层级”列：级别须为 1 至 4 的整数。",
        "工作表“网格”第 3 行“上级网格编码”列：本文件和本校均无编码为 nowhere 的网格。",
        "工作表“网格”第 4 行“层级”列：级别为 4，但上级网格为 2 级。",
        "工作表“网格”第 5 行“层级”列：没有上级网格的只能是一级网格。",
        "工作表“网格”第 6 行“校内/校外”列：请填写以下之一：校内, 校外。",
        "工作表“人员分工”第 2 行“网格编码”列：本文件和本校均无编码为 nocell 的网格。",
        "工作表“人员分工”第 3 行“工号”列：本文件和本校均无工号为 nobody 的人员。",
        "工作表“人员分工”第 4 行“岗位角色”列：本校没有名为 校长 的角色。",
        "工作表“人员分工”第 5 行“起始日期”列：不是有效日期，请按 2026-09-01 的格式填写。",
    ]
    assert snapshot() == before


def test_a_missing_column_and_missing_sheets(grid, admin):
    problems = problems_of(upload(admin, xlsx({"人员": [["工号", "电话"], ["X", "1"]]})))
    assert problems == ["工作表“人员”第 1 行“姓名”列：表头中缺少此列。"]
    problems = problems_of(upload(admin, xlsx({"Sheet1": [["a"]]})))
    assert len(problems) == 1 and "人员分工" in problems[0]


def test_the_grids_own_rules_are_reported_by_row(grid, admin):
    content = xlsx(
        {
            "网格": [CELLS_HEADER, ["road2", "外路", "outside", 3, "校内", "", ""]],
            "人员分工": [
                ASSIGN_HEADER,
                ["canteen", "", "网格管理员", ""],
            ],
        }
    )
    problems = problems_of(upload(admin, content))
    assert problems == [
        "工作表“网格”第 2 行“校内/校外”列：校外网格的下级也必须是校外网格。",
        "工作表“人员分工”第 2 行“工号”列：此列为必填项。",
    ]


def test_a_service_refusal_undoes_the_whole_import(grid, admin):
    grid.people["cook"].code = "C1"
    grid.people["cook"].save(update_fields=["code"])
    content = xlsx(
        {
            "人员": [PEOPLE_HEADER, ["N1", "新人", "", "", "", "", ""]],
            # A member role does not belong in a level-4 cell: the grid's services refuse it.
            "人员分工": [ASSIGN_HEADER, ["canteen", "N1", "网格成员", ""]],
        }
    )
    before = snapshot()
    problems = problems_of(upload(admin, content))
    assert problems == ["工作表“人员分工”第 2 行：该岗位角色不适用于这个网格。"]
    assert snapshot() == before
    assert not Person.objects.filter(code="N1").exists()


def test_confirm_without_a_preview_does_nothing(grid, admin):
    before = snapshot()
    response = confirm(admin)
    assert response.status_code == 302
    assert snapshot() == before


# Hostile files --------------------------------------------------------------------------


def refused(admin, content, name="x.xlsx") -> str:
    before = snapshot()
    response = upload(admin, content, name)
    assert response.status_code == 400
    assert snapshot() == before
    return response.content.decode()


def test_a_file_that_is_not_xlsx_is_refused(grid, admin):
    page = refused(admin, b"code,name\n1,a\n", name="people.csv")
    assert "请上传 Excel 文件（.xlsx）。" in page
    page = refused(admin, b"not a zip at all, just bytes" * 10)
    assert "该文件不是有效的 .xlsx 工作簿（不是 zip 压缩包）。" in page
    page = refused(admin, b"PK\x03\x04 broken zip")
    assert "该文件不是有效的 .xlsx 工作簿（不是 zip 压缩包）。" in page
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "a zip, not a workbook")
    assert "该文件不是有效的 .xlsx 工作簿。" in refused(admin, out.getvalue())


def test_an_oversized_upload_is_refused(grid, admin, settings):
    settings.REPORTS_IMPORT_MAX_BYTES = 2 * 1024 * 1024
    page = refused(admin, good_file() + b"\0" * (2 * 1024 * 1024))
    assert "文件超过 2 MB。" in page and "工作表" not in page


def _bomb(member_size: int) -> bytes:
    """A zip whose sheet unpacks to `member_size` bytes of spaces: tiny packed, huge unpacked."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        source = zipfile.ZipFile(io.BytesIO(good_file()))
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(item, source.read(item))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            block = b" " * (1024 * 1024)
            for _ in range(member_size // len(block)):
                sheet.write(block)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(grid, admin):
    big = _bomb(60 * 1024 * 1024)
    assert len(big) < 200 * 1024  # what arrives is small
    assert "该文件解压后数据量过大，已拒绝。" in refused(admin, big)
    dense = _bomb(8 * 1024 * 1024)  # under the total, but 1,000 times smaller packed
    assert "该文件解压后数据量过大，已拒绝。" in refused(admin, dense)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        f' <!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n'.encode()
        for n in range(1, 10)
    )
    + b"]>\n"
)


def _with_member(content: bytes, name: str, replace) -> bytes:
    out = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(content))
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item)
            archive.writestr(item, replace(data) if item.filename == name else data)
    return out.getvalue()


@pytest.mark.parametrize("member", ["xl/workbook.xml", "xl/worksheets/sheet1.xml"])
def test_an_xml_bomb_is_refused(grid, admin, member):
    def bomb(data: bytes) -> bytes:
        body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
        root_end = body.index(b">")
        # The entity is used inside the document, so an unguarded parser would expand it.
        return BILLION_LAUGHS + body[: root_end + 1] + b"<!-- &lol9; -->" + body[root_end + 1 :]

    content = _with_member(good_file(), member, bomb)
    assert b"<!ENTITY" in zipfile.ZipFile(io.BytesIO(content)).read(member)
    # Refused before openpyxl sees it; openpyxl itself would refuse it through defusedxml
    # as well (tests/test_xlsx.py).
    assert "该文件包含 XML 实体声明，不允许导入。" in refused(admin, content)


def test_a_row_with_several_problems_reports_them_all(grid, admin):
    content = xlsx({"人员": [PEOPLE_HEADER, ["X1", "", "", "", "", "外星人", ""]]})
    assert problems_of(upload(admin, content)) == [
        "工作表“人员”第 2 行“姓名”列：此列为必填项。",
        "工作表“人员”第 2 行“类别”列：请填写以下之一：学校教职工, 校外网格成员。",
    ]
