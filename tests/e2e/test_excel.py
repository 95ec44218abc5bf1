"""The Excel pages in Chromium: the admin downloads the accountability list, imports a file."""

import openpyxl
import pytest
from playwright.sync_api import expect

from grids.models import Person

from ..factories import PASSWORD
from .conftest import PHONE

pytestmark = pytest.mark.e2e


def test_admin_downloads_the_accountability_list(e2e_grid, open_as):
    page = open_as("admin", PASSWORD)
    page.get_by_test_id("exports-link").click()
    expect(page.get_by_role("heading", name="Excel 导出")).to_be_visible()
    with page.expect_download() as caught:
        page.get_by_test_id("export-accountability").click()
    download = caught.value
    assert download.suggested_filename.startswith("North Primary责任清单-")
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as content:
        sheet = openpyxl.load_workbook(content).active
    assert sheet["A1"].value == "North Primary安全网格化管理责任清单"
    assert sheet.max_row == 3 + 13
    assert page.errors == []


def test_admin_imports_people_on_a_phone(e2e_grid, open_as, live_server, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "人员"
    sheet.append(["工号", "姓名", "电话"])
    sheet.append(["E2E1", "新同事", "13700001111"])
    path = tmp_path / "people.xlsx"
    workbook.save(path)

    page = open_as("admin", PASSWORD, PHONE)
    page.goto(f"{live_server.url}/reports/import/")
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="检查文件").click()
    expect(page.get_by_test_id("import-result")).to_contain_text("人员")
    assert not Person.objects.filter(code="E2E1").exists()  # the preview saved nothing
    page.get_by_test_id("confirm-import").click()
    expect(page.get_by_text("导入完成。")).to_be_visible()
    assert Person.objects.get(code="E2E1").name == "新同事"
    page.screenshot(path=str(tmp_path / "import.png"))
    assert page.errors == []
