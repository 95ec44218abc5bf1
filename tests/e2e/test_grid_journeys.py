"""Staff journeys in Chromium: each persona sees exactly what their grid covers."""

import re

import pytest
from playwright.sync_api import expect

from ..factories import PASSWORD
from .conftest import PHONE, open_phone_menu

pytestmark = pytest.mark.e2e


def shown_cells(page):
    return set(page.locator("[data-cell]").evaluate_all("els => els.map(e => e.dataset.cell)"))


def test_teacher_on_a_phone_sees_only_their_cells(e2e_grid, open_as, live_server):
    page = open_as("teacher", PASSWORD, PHONE)
    my_cells = page.get_by_test_id("my-cells")
    expect(my_cells).to_contain_text("Class1")
    expect(my_cells).to_contain_text("Road")
    expect(page.get_by_text("我的网格")).to_be_visible()

    # The menu collapses behind the toggler on a phone.
    open_phone_menu(page)
    page.get_by_role("link", name="网格", exact=True).click()
    expect(page.get_by_test_id("grid-tree")).to_be_visible()
    assert shown_cells(page) == {"class1", "road"}

    assert page.errors == []
    response = page.goto(f"{live_server.url}/grids/cells/{e2e_grid.cells['root'].pk}/")
    assert response.status == 404


def test_principal_on_a_desktop_sees_the_whole_school(e2e_grid, open_as, live_server):
    page = open_as("principal", PASSWORD)
    page.get_by_role("link", name="网格", exact=True).click()
    north = {code for code, cell in e2e_grid.cells.items() if cell.school_id == e2e_grid.school.pk}
    assert shown_cells(page) == north

    # Collapse all, then open the teaching branch by its summary.
    page.get_by_role("button", name=re.compile("全部收起")).click()
    expect(page.locator('[data-cell="class1"] .cell-name')).to_be_hidden()
    page.get_by_role("button", name=re.compile("全部展开")).click()
    expect(page.locator('[data-cell="class1"] .cell-name')).to_be_visible()

    page.locator('[data-cell="class1"] .cell-name').click()
    expect(page.get_by_role("heading", name="Class1")).to_be_visible()
    expect(page.get_by_test_id("history")).to_contain_text("Teacher")

    assert page.errors == []
    response = page.goto(f"{live_server.url}/grids/cells/{e2e_grid.cells['south_root'].pk}/")
    assert response.status == 404


def test_admin_hands_a_class_to_another_teacher(e2e_grid, open_as):
    page = open_as("admin", PASSWORD, PHONE)
    page.goto(page.url + f"grids/cells/{e2e_grid.cells['class2'].pk}/")
    page.get_by_role("link", name="调整人员").click()
    page.select_option("#id_person", label="Cook (Teacher)")
    page.fill("#id_valid_from", "2026-11-02")
    page.fill("#id_note", "人事调动")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("Cook")
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("2026-09-01 \u2013 2026-11-02")
    expect(history).to_contain_text("人事调动")
    assert page.errors == []


def test_language_switch_to_english(e2e_grid, open_as):
    page = open_as("guard", PASSWORD, PHONE)
    open_phone_menu(page)
    page.get_by_test_id("language-menu").click()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_text("My cells")).to_be_visible()
    assert page.errors == []


def test_principal_on_a_phone_opens_a_branch_of_a_big_tree(e2e_grid, open_as, settings):
    """A big tree arrives down to level 3: opening a level-3 branch loads its cells,
    the search finds a level-4 cell, and expanding all fetches the rest at once."""
    settings.GRIDS_TREE_EAGER_CELLS = 0  # every tree counts as big
    page = open_as("principal", PASSWORD, PHONE)
    page.goto(page.url + "grids/")
    expect(page.locator('[data-cell="grade1"]')).to_be_visible()
    assert not shown_cells(page) & {"class1", "class2", "canteen", "gate", "road"}

    page.locator('[data-cell="grade1"] summary').click()
    expect(page.locator('[data-cell="class2"] .cell-name')).to_be_visible()
    expect(page.locator('[data-cell="class1"]')).to_contain_text("Teacher")
    assert "gate" not in shown_cells(page)

    page.locator("#tree-q").press_sequentially("teacher2", delay=30)
    expect(page.get_by_test_id("tree-found")).to_be_visible()
    assert shown_cells(page) == {"root", "teaching", "grade1", "class2"}
    assert "q=teacher2" in page.url

    page.locator("#tree-q").fill("")
    page.locator("#tree-q").press("Enter")
    expect(page.get_by_test_id("tree-found")).to_have_count(0)
    page.get_by_role("button", name=re.compile("全部展开")).click()
    expect(page.locator('[data-cell="gate"] .cell-name')).to_be_visible()
    north = {code for code, cell in e2e_grid.cells.items() if cell.school_id == e2e_grid.school.pk}
    assert shown_cells(page) == north
    assert page.errors == []
