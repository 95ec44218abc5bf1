"""The duty library: a cell's list is its level's duties, its posts' and its own extras."""

from django.core.management import call_command
from django.urls import reverse

from duties.models import CellPost, Duty, Post
from duties.selectors import duty_lists
from duties.services import duty_library_seed


def give_post(grid, cell, code):
    CellPost.objects.create(
        cell=grid.cells[cell], post=Post.objects.get(school=grid.school, code=code)
    )


def test_the_library_is_seeded_once_and_edits_are_kept(grid):
    duty_library_seed(grid.school)
    count = Duty.objects.filter(school=grid.school).count()
    assert count > 30
    class_teacher = Post.objects.get(school=grid.school, code="class-teacher")
    assert class_teacher.duties.count() == 6
    Duty.objects.filter(post=class_teacher).first().delete()  # the school edits its library
    duty_library_seed(grid.school)
    assert Duty.objects.filter(school=grid.school).count() == count - 1
    assert not Duty.objects.filter(school=grid.other_school).exists()


def test_a_cells_list_joins_level_post_and_extra_duties(grid):
    duty_library_seed(grid.school)
    give_post(grid, "class1", "class-teacher")
    give_post(grid, "class1", "subject-teacher")
    class1 = grid.cells["class1"]
    class1.duties = "Check the window locks."
    class1.save(update_fields=["duties"])
    teaching = grid.cells["teaching"]

    class_list, teaching_list = duty_lists([class1, teaching])
    assert class_list.level == []  # the plan writes no duties for level 4 as such
    assert [post for post, _texts in class_list.posts] == ["班主任", "科任教师"]
    assert len(class_list.posts[0][1]) == 6
    assert class_list.extra == "Check the window locks."
    assert len(teaching_list.level) == 4 and teaching_list.posts == []


def test_inactive_duties_are_left_out(grid):
    duty_library_seed(grid.school)
    give_post(grid, "gate", "security-guard")
    Duty.objects.filter(post__code="security-guard").update(is_active=False)
    (gate,) = duty_lists([grid.cells["gate"]])
    assert gate.posts == [("学校安保人员", [])]


def test_cell_page_and_home_show_the_duties(grid, client_for):
    duty_library_seed(grid.school)
    give_post(grid, "gate", "security-guard")
    client = client_for(grid.users["guard"])
    page = client.get(reverse("grids:cell", args=[grid.cells["gate"].pk])).content.decode()
    assert "来客询查、亮码、测温、登记。" in page
    home = client.get(reverse("home")).content.decode()
    assert "来客询查、亮码、测温、登记。" in home


def test_home_duties_cost_the_same_queries_for_more_cells(
    grid, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    duty_library_seed(grid.school)
    client = client_for(grid.users["teacher"])
    give_post(grid, "class1", "class-teacher")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    give_post(grid, "road", "subject-teacher")
    give_post(grid, "class1", "subject-teacher")
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("home"))


def test_the_demo_school_carries_its_posts(db):
    call_command("seed_demo")
    from grids.models import GridCell

    class_cell = GridCell.objects.get(school__code="qingshi", code="2-01-02-01")
    assert [p.code for p in Post.objects.filter(cell_posts__cell=class_cell)] == ["class-teacher"]
    (duties,) = duty_lists([class_cell])
    assert duties.posts[0][0] == "班主任"
    call_command("seed_demo")
    assert CellPost.objects.filter(cell=class_cell).count() == 1
