"""The grid tree: a big tree sent down to level 3 with its branches loaded when opened,
searched and filtered on the server, and the same access rules for the branch fragment."""

import datetime

import pytest
from django.urls import reverse

from grids.models import Assignment

from .test_pages import add_classes, count_queries

NORTH = {
    "root",
    "teaching",
    "grade1",
    "class1",
    "class2",
    "logistics",
    "general",
    "canteen",
    "security",
    "gate",
    "outside",
    "village",
    "road",
}
LEVEL_4 = {"class1", "class2", "canteen", "gate", "road"}


@pytest.fixture
def lazy(settings):
    """Every tree counts as big: closed branches are sent without their cells."""
    settings.GRIDS_TREE_EAGER_CELLS = 0


def shown(grid, response):
    return {key for key, cell in grid.cells.items() if f'data-cell="{cell.code}"' in response.text}


def branch_url(grid, key):
    return reverse("grids:branch", args=[grid.cells[key].pk])


def test_a_small_tree_is_sent_whole(grid, client_for):
    response = client_for(grid.users["principal"]).get(reverse("grids:tree"))
    assert shown(grid, response) == NORTH
    assert "hx-get" not in response.text.split('id="grid-tree"')[1]


def test_a_big_tree_is_sent_down_to_level_3(grid, client_for, lazy):
    response = client_for(grid.users["principal"]).get(reverse("grids:tree"))
    assert shown(grid, response) == NORTH - LEVEL_4
    for key in ["grade1", "general", "security", "village"]:
        assert f'hx-get="{branch_url(grid, key)}"' in response.text
    # The summary still counts every cell the principal sees.
    assert response.context["summary"].cells == len(NORTH)
    assert response.context["summary"].by_level == {1: 1, 2: 3, 3: 4, 4: 5}


def test_opening_a_branch_sends_its_cells(grid, client_for, lazy):
    response = client_for(grid.users["principal"]).get(branch_url(grid, "grade1"))
    assert response.status_code == 200
    assert shown(grid, response) == {"class1", "class2"}
    assert "<html" not in response.text
    assert "Teacher2" in response.text


def test_expand_all_sends_the_whole_tree(grid, client_for, lazy):
    response = client_for(grid.users["principal"]).get(reverse("grids:tree") + "?expand=all")
    assert shown(grid, response) == NORTH
    assert "grid-lazy" not in response.text


@pytest.mark.parametrize("persona", ["teacher", "guard", "villager"])
def test_a_small_view_is_complete_without_clicks(grid, client_for, persona, lazy):
    """A teacher's cells are the top of their tree: shown at once, even when every tree
    counts as big."""
    response = client_for(grid.users[persona]).get(reverse("grids:tree"))
    expected = {"teacher": {"class1", "road"}, "guard": {"gate"}, "villager": {"road"}}[persona]
    assert shown(grid, response) == expected
    assert "grid-lazy" not in response.text


# persona -> the branches they may open and the cells each shows; any other is a 404.
BRANCHES = {
    "principal": {
        "grade1": {"class1", "class2"},
        "security": {"gate"},
        "village": {"road"},
        "class1": set(),
    },
    "admin": {
        "grade1": {"class1", "class2"},
        "security": {"gate"},
        "village": {"road"},
        "class1": set(),
    },
    "manager": {"grade1": {"class1", "class2"}, "class1": set()},
    "office": {},
    "teacher": {"class1": set()},
    "teacher2": {},
    "guard": {},
    "villager": {},
    "outsider": {"south_l3": {"south_class"}},
}
BRANCH_MATRIX = [
    (persona, key)
    for persona in BRANCHES
    for key in ["grade1", "security", "village", "class1", "south_l3"]
]


@pytest.mark.parametrize(("persona", "key"), BRANCH_MATRIX)
def test_a_branch_follows_the_access_matrix(grid, client_for, persona, key, lazy):
    response = client_for(grid.users[persona]).get(branch_url(grid, key))
    if key in BRANCHES[persona]:
        assert response.status_code == 200
        assert shown(grid, response) == BRANCHES[persona][key]
    else:
        assert response.status_code == 404


def test_a_branch_shows_only_the_cells_the_viewer_sees(grid, client_for, lazy):
    """teacher2 holds class2 and, as a member, grade1: the branch of grade1 shows class2
    (theirs) and not class1."""
    Assignment.objects.create(
        cell=grid.cells["grade1"],
        person=grid.people["teacher2"],
        role=grid.role("member"),
        valid_from=datetime.date(2026, 9, 1),
    )
    client = client_for(grid.users["teacher2"])
    response = client.get(branch_url(grid, "grade1"))
    assert response.status_code == 200
    assert shown(grid, response) == {"class2"}


@pytest.mark.parametrize(("query", "found"), [("class2", {"class2"}), ("teacher2", {"class2"})])
def test_search_finds_level_4_cells_under_their_ancestors(grid, client_for, lazy, query, found):
    response = client_for(grid.users["principal"]).get(reverse("grids:tree"), {"q": query})
    assert shown(grid, response) == found | {"root", "teaching", "grade1"}
    assert response.context["found"].total == len(found)
    assert response.text.count("is-match") == len(found)


def test_search_finds_only_what_the_viewer_sees(grid, client_for, lazy):
    response = client_for(grid.users["teacher"]).get(reverse("grids:tree"), {"q": "class"})
    assert shown(grid, response) == {"class1"}
    response = client_for(grid.users["manager"]).get(reverse("grids:tree"), {"q": "road"})
    assert shown(grid, response) == set()
    assert response.context["found"].total == 0


def test_only_problems_finds_a_level_4_gap(grid, client_for, lazy):
    Assignment.objects.filter(cell=grid.cells["gate"]).update(valid_to=datetime.date(2026, 9, 2))
    response = client_for(grid.users["principal"]).get(reverse("grids:tree"), {"problems": "1"})
    assert {"gate", "security", "logistics", "root"} <= shown(grid, response)
    assert not shown(grid, response) & {"class1", "class2", "canteen"}
    assert response.text.count("is-gap") == 1


def test_a_closed_branch_says_how_many_problems_lie_below(grid, client_for, lazy):
    Assignment.objects.filter(cell=grid.cells["gate"]).update(valid_to=datetime.date(2026, 9, 2))
    response = client_for(grid.users["principal"]).get(reverse("grids:tree"))
    security = response.text[response.text.index('data-cell="security"') :]
    row = security[: security.index("</summary>")]
    assert "problems-below" in row
    assert response.text.count("problems-below") == 3  # security, logistics, root


def test_htmx_gets_the_results_alone(grid, client_for, lazy):
    response = client_for(grid.users["principal"]).get(
        reverse("grids:tree"), {"q": "class"}, headers={"HX-Request": "true"}
    )
    assert response.text.lstrip().startswith('<div id="tree-results"')
    assert "HX-Request" in response["Vary"]
    history = client_for(grid.users["principal"]).get(
        reverse("grids:tree"),
        {"q": "class"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in history.text


@pytest.mark.parametrize("persona", ["principal", "manager", "admin", "teacher"])
def test_the_lazy_tree_does_not_grow_with_cells(
    grid, client_for, persona, lazy, django_assert_max_num_queries
):
    client = client_for(grid.users[persona])
    urls = [reverse("grids:tree"), reverse("grids:tree") + "?q=c&problems=1"]
    small = [count_queries(client, url) for url in urls]
    add_classes(grid, 30)
    for url, count in zip(urls, small, strict=True):
        with django_assert_max_num_queries(count):
            client.get(url)


def test_a_branch_does_not_grow_with_cells(grid, client_for, django_assert_max_num_queries):
    client = client_for(grid.users["principal"])
    url = branch_url(grid, "grade1")
    small = count_queries(client, url)
    add_classes(grid, 30)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.text.count('data-cell="extra-') == 30
