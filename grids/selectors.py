"""Reads for the grid pages: a bounded number of queries whatever the size of the grid."""

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Q

from . import access
from .coverage import check_cells, current_assignments_by_cell
from .models import Assignment, GridCell, Role, RoleKind


@dataclass
class TreeNode:
    cell: GridCell
    assignments: list[Assignment]
    problems: list
    children: list["TreeNode"] = field(default_factory=list)
    path: list[GridCell] = field(default_factory=list)  # ancestors the viewer cannot open

    @property
    def is_gap(self) -> bool:
        return any(problem.is_gap for problem in self.problems)

    @property
    def problem_count(self) -> int:
        return len(self.problems) + sum(child.problem_count for child in self.children)


def visible_forest(user) -> list[TreeNode]:
    """The cells a user may see, as nested nodes with people and rule problems.

    Queries: the visible cells, their current assignments, the outside roles, and the
    ancestors of the top nodes for their breadcrumb.
    """
    cells = list(access.visible_cells(user).order_by("tree_id", "lft"))
    if not cells:
        return []
    ids = [cell.pk for cell in cells]
    by_cell = current_assignments_by_cell(ids)
    school_ids = {cell.school_id for cell in cells}
    outside_roles = list(Role.objects.filter(school_id__in=school_ids, kind=RoleKind.OUTSIDE))
    roots: list[TreeNode] = []
    stack: list[TreeNode] = []
    for cell in cells:
        roles = [role for role in outside_roles if role.school_id == cell.school_id]
        node = TreeNode(
            cell=cell,
            assignments=by_cell.get(cell.pk, []),
            problems=check_cells([cell], by_cell, roles),
        )
        while stack and not _contains(stack[-1].cell, cell):
            stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    _attach_paths(roots)
    return roots


@dataclass
class ForestSummary:
    cells: int
    people: int
    gaps: int
    problems: int
    branches: int  # cells with cells below: whether expanding and collapsing means anything
    by_level: dict[int, int]


def summarize(forest: list[TreeNode]) -> ForestSummary:
    """Counts over the nodes already loaded for the tree: no further queries."""
    nodes, stack = [], list(forest)
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.children)
    by_level: dict[int, int] = {}
    for node in nodes:
        by_level[node.cell.level] = by_level.get(node.cell.level, 0) + 1
    return ForestSummary(
        cells=len(nodes),
        people=len({a.person_id for node in nodes for a in node.assignments}),
        gaps=sum(1 for node in nodes if node.is_gap),
        problems=sum(len(node.problems) for node in nodes),
        branches=sum(1 for node in nodes if node.children),
        by_level=dict(sorted(by_level.items())),
    )


def _contains(outer: GridCell, inner: GridCell) -> bool:
    return outer.tree_id == inner.tree_id and outer.lft < inner.lft and inner.rght < outer.rght


def _attach_paths(roots: list[TreeNode]) -> None:
    tops = [node for node in roots if node.cell.parent_id is not None]
    if not tops:
        return
    ancestors = list(
        GridCell.objects.filter(
            reduce(
                or_,
                (Q(tree_id=n.cell.tree_id, lft__lt=n.cell.lft, rght__gt=n.cell.rght) for n in tops),
            )
        ).order_by("tree_id", "lft")
    )
    for node in tops:
        node.path = [a for a in ancestors if _contains(a, node.cell)]


def cell_history(cell: GridCell):
    """Every assignment the cell ever had, newest first, with who recorded and ended it."""
    return cell.assignments.select_related("person", "role", "created_by", "ended_by").order_by(
        "-valid_from", "-id"
    )
