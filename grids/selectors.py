"""Reads for the grid pages: a bounded number of queries whatever the size of the grid."""

from dataclasses import dataclass, field, replace
from functools import reduce
from operator import or_

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import ngettext

from . import access
from .coverage import Holder, check_cells, current_holders_by_cell
from .models import LEVEL_NAMES, GridCell, Role, RoleKind


@dataclass
class TreeNode:
    cell: GridCell
    assignments: list[Holder]  # who holds the cell today
    problems: list
    children: list["TreeNode"] = field(default_factory=list)
    path: list[GridCell] = field(default_factory=list)  # ancestors the viewer cannot open
    below: int = 0  # visible cells right below, whether their rows are sent or not
    problems_below: int = 0  # problems in the visible cells anywhere below
    match: bool = False  # the cell is what a search or filter asked for

    @property
    def is_gap(self) -> bool:
        return any(problem.is_gap for problem in self.problems)

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.problems_below


def visible_forest(user) -> list[TreeNode]:
    """The cells a user may see, as nested nodes with people and rule problems.

    Queries: the visible cells, their current assignments, the outside roles, and the
    ancestors of the top nodes for their breadcrumb.
    """
    cells = list(access.visible_cells(user).order_by("tree_id", "lft"))
    roots = _nest(cells)
    _attach_paths(roots)
    return roots


def visible_branch(user, cell: GridCell) -> list[TreeNode]:
    """The visible cells below `cell` (one the user may see), nested: what its branch shows
    when it is opened. Queries: those cells, their assignments, the outside roles."""
    cells = list(
        access.visible_cells(user)
        .filter(tree_id=cell.tree_id, lft__gt=cell.lft, rght__lt=cell.rght)
        .order_by("tree_id", "lft")
    )
    return _nest(cells, parent=cell)


def _nest(cells: list[GridCell], parent: GridCell | None = None) -> list[TreeNode]:
    """Nodes for cells in tree order, with their people and problems, nested by the tree;
    `parent` is the cell above them all when they are one branch."""
    if not cells:
        return []
    by_id = {cell.pk: cell for cell in cells}
    if parent is not None:
        by_id[parent.pk] = parent
    for cell in cells:
        # The parent is loaded already: the scope rule can be checked without a query.
        if cell.parent_id in by_id:
            GridCell.parent.field.set_cached_value(cell, by_id[cell.parent_id])
    school_ids = {cell.school_id for cell in cells}
    roles = {role.pk: role for role in Role.objects.filter(school_id__in=school_ids)}
    by_cell = current_holders_by_cell([cell.pk for cell in cells], roles)
    roles_of = {
        school_id: [
            role
            for role in roles.values()
            if role.school_id == school_id and role.kind == RoleKind.OUTSIDE
        ]
        for school_id in school_ids
    }
    roots: list[TreeNode] = []
    stack: list[TreeNode] = []
    for cell in cells:
        node = TreeNode(
            cell=cell,
            assignments=by_cell.get(cell.pk, []),
            problems=check_cells([cell], by_cell, roles_of[cell.school_id]),
        )
        while stack and not _contains(stack[-1].cell, cell):
            stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    for node in reversed(_walk(roots)):  # children before their parents
        node.below = len(node.children)
        node.problems_below = sum(child.problem_count for child in node.children)
    return roots


def _walk(roots: list[TreeNode]) -> list[TreeNode]:
    """Every node, each before its children (tree order)."""
    nodes, stack = [], list(reversed(roots))
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(reversed(node.children))
    return nodes


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
    nodes = _walk(forest)
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


@dataclass
class Found:
    """A search or filter over the tree: the matching nodes with their ancestors."""

    forest: list[TreeNode]
    total: int  # cells that match
    shown: int  # of those, sent to the page (at most `limit`)


def filter_forest(
    forest: list[TreeNode], *, query: str = "", problems_only: bool = False, limit: int = 200
) -> Found:
    """The cells whose name or code, or the name of someone holding them today, contains
    `query` (and, with `problems_only`, that break a rule or have nobody), each under its
    ancestors. In memory over the loaded nodes, level-4 cells included: no further query.
    The first `limit` matches in tree order are kept."""
    needle = query.strip().casefold()
    total = shown = 0

    def matches(node: TreeNode) -> bool:
        if problems_only and not node.problems:
            return False
        if not needle:
            return True
        cell = node.cell
        texts = [cell.name, cell.code, *(a.person_name for a in node.assignments)]
        return any(needle in text.casefold() for text in texts)

    def keep(node: TreeNode) -> TreeNode | None:
        nonlocal total, shown
        hit = matches(node)
        if hit:
            total += 1
            hit = shown < limit
            shown += hit
        children = [kept for kept in map(keep, node.children) if kept is not None]
        if not hit and not children:
            return None
        return replace(node, children=children, match=hit)

    kept = [node for node in map(keep, forest) if node is not None]
    return Found(forest=kept, total=total, shown=shown)


def dress(forest: list[TreeNode], *, lazy: bool = False, open_all: bool = False) -> list[dict]:
    """The rows the page sends for `forest`, nested, each a dict of what it prints (dicts:
    the template's lookups find keys at the first try), with its labels worked out here once.

    Branches open at first: levels 1-2 and the top cells of someone who sees only a part of
    the grid (every branch with `open_all`). With `lazy`, a branch closed at first is sent
    without its cells: they come from `grids:branch` when it is opened. Only the rows sent
    are made, so the work follows the rows on the page, not the cells behind them.
    """
    levels = {level: str(name) for level, name in LEVEL_NAMES.items()}
    cell_url = _url_maker("grids:cell")
    branch_url = _url_maker("grids:branch")

    def row(node: TreeNode) -> dict:
        cell = node.cell
        is_open = open_all or cell.depth < 2 or bool(node.path)
        is_lazy = lazy and bool(node.children) and not is_open
        is_gap = node.is_gap
        row_class = " is-gap" if is_gap else " has-problem" if node.problems else ""
        return {
            "code": cell.code,
            "name": cell.name,
            "url": cell_url(cell.pk),
            "level": cell.level,
            "level_name": levels.get(cell.level, str(cell.level)),
            "outside": cell.is_outside,
            "row_class": row_class + (" is-match" if node.match else ""),
            "path": " \u203a ".join(ancestor.name for ancestor in node.path),
            "branch": bool(node.children),
            "open": is_open,
            "lazy": is_lazy,
            "branch_url": branch_url(cell.pk) if is_lazy else "",
            "below": ngettext("%(counter)s below", "%(counter)s below", node.below)
            % {"counter": node.below}
            if node.below
            else "",
            "problems_below": ngettext(
                "%(counter)s problem below", "%(counter)s problems below", node.problems_below
            )
            % {"counter": node.problems_below}
            if node.problems_below
            else "",
            "chips": [
                (
                    "bi-person-badge" if a.role.manages_cell else "bi-person",
                    a.person_name,
                    a.role.name,
                )
                for a in node.assignments
            ],
            # A gap says so where the people would be; other problems are listed.
            "problems": [] if is_gap else [problem.message for problem in node.problems],
            "children": [] if is_lazy else [row(child) for child in node.children],
        }

    return [row(node) for node in forest]


def _url_maker(name: str):
    """`reverse(name, args=[pk])` for many pks at the cost of one reverse."""
    sample = reverse(name, args=[0])
    head, tail = sample.rsplit("/0/", 1)
    return lambda pk: f"{head}/{pk}/{tail}"


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
