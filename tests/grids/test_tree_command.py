"""`grid_tree` verifies the stored mptt fields and rebuilds them when asked."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from grids.models import GridCell
from grids.tree import tree_errors


def test_a_sound_tree_verifies(grid, capsys):
    assert tree_errors() == []
    call_command("grid_tree")
    assert "consistent" in capsys.readouterr().out


def test_corruption_is_found_and_rebuilt(grid, capsys):
    GridCell.objects.filter(pk=grid.cells["class1"].pk).update(lft=999, depth=1)
    errors = tree_errors()
    assert any("class1: lft" in e for e in errors)
    assert any("class1: depth" in e for e in errors)
    with pytest.raises(CommandError) as failure:
        call_command("grid_tree")
    assert failure.value.returncode == 1

    call_command("grid_tree", "--rebuild")
    assert "repaired" in capsys.readouterr().out
    assert tree_errors() == []
    class1 = GridCell.objects.get(pk=grid.cells["class1"].pk)
    assert class1.level == 4
    assert class1.get_ancestors().count() == 3


def test_a_moved_parent_link_is_found(grid):
    GridCell.objects.filter(pk=grid.cells["canteen"].pk).update(parent=grid.cells["security"])
    assert tree_errors()
