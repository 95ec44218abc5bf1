"""What a user's grid covers: the one source of access answers for every app.

Rights are django-guardian permissions on grid cells only:
- `grids.manage_cell` on a cell covers that cell and its whole subtree. It is granted to
  whoever currently holds a managing role there (see `services.cell_permissions_sync`);
  the holder of the level-1 cell is therefore the school leader and covers the school.
- `grids.administer_grid` on a school's level-1 cell makes the user that school's admin:
  they see the whole grid and may change cells, people and assignments.
- A county education bureau's staff (a current `BureauMember` row) see the bureau's
  per-school aggregates (`bureaus_for`). That covers no cell: what they may open inside a
  school is still decided by the grid, as for anyone.
- `grids.on_duty` on a time-bound cell (a duty week, holiday duty) is held by whoever the
  roster names for today (see `services.on_duty_rights_set`, kept by `duties`): for the
  day they cover that cell like its manager, and hazards reported there go to them first.

"Everything under my cells" is a single query on mptt's tree_id/lft/rght against the
permission rows, never a permission row per object. Other apps build their
`permissions.py` on `covered_cells`, `covers` and `person_of`.
"""

import operator
from collections import defaultdict
from dataclasses import dataclass
from functools import reduce

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404

from .models import (
    Assignment,
    Bureau,
    BureauMember,
    GridCell,
    GridCellUserObjectPermission,
    Person,
    School,
    access_stamp_now,
)

MANAGE = "manage_cell"
ADMINISTER = "administer_grid"
ON_DUTY = "on_duty"
ACTING = (MANAGE, ON_DUTY)  # rights that cover a cell: standing managers and today's duty

_UNSET = object()


class OutOfReach(Http404):
    """A 404 for an object that exists but lies outside the user's reach. The user sees the
    same page as for a missing one; the security log (audit middleware) records it."""


def get_in_reach_or_404(visible: QuerySet, **lookup):
    """The object in `visible` (a queryset already limited to what the user may reach)
    matching `lookup`; else a 404, as `OutOfReach` when the object exists elsewhere."""
    try:
        return visible.get(**lookup)
    except visible.model.DoesNotExist:
        model = visible.model
        if model._base_manager.filter(**lookup).exists():
            label = ", ".join(f"{key}={value}" for key, value in lookup.items())
            raise OutOfReach(f"{model._meta.label} {label}") from None
        raise Http404 from None


def person_of(user) -> Person | None:
    """The grid person behind a login, remembered on the user object for the request.

    It carries `access_stamp`, the value of `AccessStamp` when it was read (None if the row
    is missing): what is worked out from the user's rights may be kept under it."""
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_grid_person", _UNSET)
    if cached is _UNSET:
        try:
            cached = (
                Person.objects.select_related("school")
                .annotate(access_stamp=access_stamp_now())
                .get(user=user)
            )
        except Person.DoesNotExist:
            cached = None
        user._grid_person = cached
    return cached


def _all_rights(codename: str | tuple[str, ...]) -> QuerySet:
    codenames = (codename,) if isinstance(codename, str) else codename
    return GridCellUserObjectPermission.objects.filter(
        permission__codename__in=codenames, permission__content_type__app_label="grids"
    )


def _rights(user, codename: str | tuple[str, ...]) -> QuerySet:
    return _all_rights(codename).filter(user=user)


def _is_real_user(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _covered_cell_ids(user, codename: str | tuple[str, ...]) -> QuerySet:
    """The ids of the cells under the user's `codename` cells, as a subquery: a range join
    of their rights' cells on tree_id/lft/rght, restricted to the school of each right's cell.
    Its cost follows the user's schools (and their rights), not every cell of the table."""
    below = "content_object__school__cells__"
    return (
        _rights(user, codename)
        .filter(
            **{
                f"{below}tree_id": F("content_object__tree_id"),
                f"{below}lft__gte": F("content_object__lft"),
                f"{below}rght__lte": F("content_object__rght"),
            }
        )
        .values(f"{below}id")
    )


def _cells_under(user, codename: str | tuple[str, ...]) -> QuerySet[GridCell]:
    # The trees of the user's rights as well: in tree order, the cells are read from those
    # trees alone (the tree_id index), not by walking every tree of the table.
    trees = _rights(user, codename).values("content_object__tree_id")
    return GridCell.objects.filter(tree_id__in=trees, pk__in=_covered_cell_ids(user, codename))


def covered_cells(user) -> QuerySet[GridCell]:
    """Cells the user manages: every cell under a cell they hold `manage_cell` on, or are on
    duty in today. Built from the user's `reach` (rights read once per request user): plain
    tree conditions, which plan and run in a fraction of the rights' range join on a county's
    tables."""
    if not _is_real_user(user):
        return GridCell.objects.none()
    return reach(user).cells()


def covered_cells_alone(user) -> QuerySet[GridCell]:
    """`covered_cells` as one self-contained statement, the rights read inside it rather than
    from the request's `reach`: for a query that must not cost another first, such as the
    navigation's flags (read once per access stamp, on any page)."""
    if not _is_real_user(user):
        return GridCell.objects.none()
    return _cells_under(user, ACTING)


def managed_cells(user) -> QuerySet[GridCell]:
    """Cells under a cell the user holds a managing post in: a day on duty does not count."""
    if not _is_real_user(user):
        return GridCell.objects.none()
    return _cells_under(user, MANAGE)


def cell_filter(user, cell_path: str) -> Q:
    """A Q for another model's rows whose cell (at `cell_path`, e.g. "cell") the user covers.

    Hazards and checks use it: `Hazard.objects.filter(cell_filter(user, "cell"))`. The covered
    cells are an uncorrelated subquery on the cells' trees or ranges (`Reach.cells`), so the
    rows are found through their cell index rather than by testing the rights of each row.
    """
    if not _is_real_user(user):
        return Q(pk__in=[])
    return reach(user).cell_filter(cell_path)


@dataclass(frozen=True)
class Reach:
    """The cells a user's acting rights cover, read once as the rights' own cells.

    A right on a school's level-1 cell covers the whole school: a school has one root and
    every cell of it lies in that tree, and a row takes its cell's school (a hazard's `school`
    is its cell's). So those rows are found by their school column, through the indexes that
    lead with it, rather than through the school's thousands of cells; the cells themselves
    by the root's tree (the tree_id index, in tree order). A right lower down
    covers its subtree: the cells in its tree_id/lft/rght range. The same cells as
    `covered_cells` and `cell_filter`, which stay the one-query forms for everything else.
    """

    schools: frozenset[int] = frozenset()  # schools whose root cell they hold a right on
    trees: frozenset[int] = frozenset()  # those roots' trees: the same cells, by tree
    subtrees: tuple[tuple[int, int, int], ...] = ()  # (tree_id, lft, rght) of the others

    def __bool__(self) -> bool:
        return bool(self.schools or self.subtrees)

    def _subtree_q(self) -> Q:
        """GridCell rows in the subtrees (none when there are none)."""
        ranges = [
            Q(tree_id=tree_id, lft__gte=lft, rght__lte=rght) for tree_id, lft, rght in self.subtrees
        ]
        return reduce(operator.or_, ranges, Q(pk__in=[]))

    def _either(self, whole: Q, below: Q) -> Q:
        if not self.subtrees:
            return whole
        if not self.schools:
            return below
        return whole | below

    def covers(self, cell: GridCell) -> bool:
        """Whether `cell` is among the covered cells: `filter` for the rows of one cell,
        tested on the cell itself without a query."""
        return cell.school_id in self.schools or any(
            tree_id == cell.tree_id and lft <= cell.lft and cell.rght <= rght
            for tree_id, lft, rght in self.subtrees
        )

    def cells(self) -> QuerySet[GridCell]:
        """The covered cells (as `covered_cells`)."""
        return GridCell.objects.filter(
            self._either(Q(tree_id__in=sorted(self.trees)), self._subtree_q())
        )

    def cell_filter(self, cell_path: str) -> Q:
        """A Q for another model's rows in the covered cells (as `cell_filter`), for rows
        that carry no school of their own: their cell among `cells()`, a plain subquery on
        the cells' tree (or ranges) rather than the rights' join."""
        return Q(**{f"{cell_path}__in": self.cells().values("pk")})

    def filter(self, cell_path: str, school_path: str) -> Q:
        """A Q for another model's rows in the covered cells (as `cell_filter`), given the
        path to the row's cell and to the row's school (its cell's school)."""
        below = GridCell.objects.filter(self._subtree_q()).values("pk")
        return self._either(
            Q(**{f"{school_path}__in": sorted(self.schools)}), Q(**{f"{cell_path}__in": below})
        )


def reach(user) -> Reach:
    """What the user covers (`Reach`), from their acting rights: one small query, made once
    per user object (a request's user), like `person_of`. A page whose panels each ask
    (the dashboard) reads the rights once and hands every query plain school and tree
    conditions, which both engines plan in a fraction of the rights' join."""
    if not _is_real_user(user):
        return Reach()
    cached = getattr(user, "_grid_reach", None)
    if cached is None:
        cached = user._grid_reach = _read_reach(user)
    return cached


def _read_reach(user) -> Reach:
    rights = _rights(user, ACTING).values_list(
        "content_object__school_id",
        "content_object__parent_id",
        "content_object__tree_id",
        "content_object__lft",
        "content_object__rght",
    )
    rights = list(rights)
    roots = [(school, tree) for school, parent, tree, *_ in rights if parent is None]
    schools = frozenset(school for school, _ in roots)
    subtrees = sorted({tuple(cell) for school, _, *cell in rights if school not in schools})
    return Reach(
        schools=schools, trees=frozenset(tree for _, tree in roots), subtrees=tuple(subtrees)
    )


def covers(user, cell: GridCell, codename: str | tuple[str, ...] = ACTING) -> bool:
    """Whether the user manages `cell` (it lies in the subtree of one of their cells), as its
    standing manager or on duty there today; `codename=MANAGE` asks for the standing post."""
    if not _is_real_user(user):
        return False
    return (
        _rights(user, codename)
        .filter(
            content_object__tree_id=cell.tree_id,
            content_object__lft__lte=cell.lft,
            content_object__rght__gte=cell.rght,
        )
        .exists()
    )


def assigned_cells(user, on=None) -> QuerySet[GridCell]:
    """Cells where the user's person currently holds any role."""
    if not _is_real_user(user):
        return GridCell.objects.none()
    return GridCell.objects.filter(pk__in=assigned_cell_ids(user, on))


def administered_schools(user) -> QuerySet[School]:
    if not _is_real_user(user):
        return School.objects.none()
    return School.objects.filter(
        Exists(_rights(user, ADMINISTER).filter(content_object__school=OuterRef("pk")))
    )


def is_school_admin(user, school: School | int) -> bool:
    if not _is_real_user(user):
        return False
    school_id = school.pk if isinstance(school, School) else school
    return _rights(user, ADMINISTER).filter(content_object__school_id=school_id).exists()


def bureaus_for(user, on=None) -> QuerySet[Bureau]:
    """Bureaus whose aggregates the user may see: those they are staff of on the day (today
    by default). Being a superuser or a school's leader does not make anyone bureau staff."""
    if not _is_real_user(user):
        return Bureau.objects.none()
    member = BureauMember.objects.current(on).filter(bureau=OuterRef("pk"), user=user)
    return Bureau.objects.filter(Exists(member))


def leading_rights(user, school: School | int) -> QuerySet:
    """The user's managing rights on the school's level-1 cell (for `Exists`): a right on the
    root is the only one whose subtree holds the root."""
    if not _is_real_user(user):
        return GridCellUserObjectPermission.objects.none()
    school_id = school.pk if isinstance(school, School) else school
    return _rights(user, MANAGE).filter(
        content_object__school_id=school_id, content_object__parent__isnull=True
    )


def is_school_leader(user, school: School | int) -> bool:
    """Whether the user manages the school's level-1 cell."""
    return leading_rights(user, school).exists()


def visible_cells(user) -> QuerySet[GridCell]:
    """Cells the user may look at: what they cover, where they hold a role, and for a
    school admin the whole school. One query."""
    if not _is_real_user(user):
        return GridCell.objects.none()
    administered = _rights(user, ADMINISTER).values("content_object__school_id")
    return GridCell.objects.filter(
        Q(pk__in=_covered_cell_ids(user, ACTING))
        | Q(pk__in=assigned_cell_ids(user))
        | Q(school__in=administered)
    )


def cell_managers(cell: GridCell, exclude: int | None = None) -> list[int]:
    """User ids of whoever manages `cell`; if nobody does (a gap), the nearest manager above.

    In a time-bound cell whoever is on duty today comes first: when the roster names someone,
    they alone are asked; when nobody is rostered, the cell's managers are. `exclude` skips one
    user, so a manager who rectified their own cell's hazard sends the verification to the
    next in line. Rights rows are kept in step with assignments and the roster: one query.
    """
    rows = (
        _all_rights(ACTING)
        .filter(
            content_object__tree_id=cell.tree_id,
            content_object__lft__lte=cell.lft,
            content_object__rght__gte=cell.rght,
        )
        .order_by("-content_object__depth")
        .values_list("user_id", "content_object__depth", "permission__codename")
    )
    nearest = None
    found: dict[str, list[int]] = {MANAGE: [], ON_DUTY: []}
    for user_id, depth, codename in rows:
        if user_id == exclude:
            continue
        if nearest is None:
            nearest = depth
        if depth != nearest:
            break
        found[codename].append(user_id)
    return list(dict.fromkeys(found[ON_DUTY] or found[MANAGE]))


def cell_managers_many(cells: QuerySet[GridCell]) -> dict[int, list[int]]:
    """`cell_managers` for many cells in two queries: {cell id: user ids}.

    Only the cells' trees are read, and in them only the cells and rights no deeper than the
    deepest of `cells` (the only ones that can lie above them); each cell then walks up its
    parents to the nearest one where someone acts, in memory.
    """
    wanted = list(cells.values_list("pk", "tree_id", "depth").distinct())
    if not wanted:
        return {}
    trees = {tree_id for _pk, tree_id, _depth in wanted}
    deepest = max(depth for _pk, _tree, depth in wanted)
    parents = dict(
        GridCell.objects.filter(tree_id__in=trees, depth__lte=deepest).values_list(
            "pk", "parent_id"
        )
    )
    acting: dict[int, dict[str, list[int]]] = defaultdict(lambda: {MANAGE: [], ON_DUTY: []})
    for cell_id, user_id, codename in (
        _all_rights(ACTING)
        .filter(content_object__tree_id__in=trees, content_object__depth__lte=deepest)
        .order_by("pk")
        .values_list("content_object_id", "user_id", "permission__codename")
    ):
        acting[cell_id][codename].append(user_id)
    answer = {}
    for pk, _tree, _depth in wanted:
        cell = pk
        while cell is not None and cell not in acting:
            cell = parents[cell]
        found = acting[cell] if cell is not None else {MANAGE: [], ON_DUTY: []}
        answer[pk] = list(dict.fromkeys(found[ON_DUTY] or found[MANAGE]))
    return answer


def people_acting_in(cell: GridCell) -> QuerySet[Person]:
    """People who may be handed a hazard of `cell`: those holding a post in it or below it
    today, and whoever is on duty there today."""
    subtree = {
        "cell__tree_id": cell.tree_id,
        "cell__lft__gte": cell.lft,
        "cell__rght__lte": cell.rght,
    }
    holds = Assignment.objects.current().filter(person=OuterRef("pk"), **subtree)
    on_duty = _all_rights(ON_DUTY).filter(
        user=OuterRef("user"),
        content_object__tree_id=cell.tree_id,
        content_object__lft__gte=cell.lft,
        content_object__rght__lte=cell.rght,
    )
    return Person.objects.filter(Exists(holds) | (Q(user__isnull=False) & Exists(on_duty)))


def school_leaders(cell: GridCell) -> list[int]:
    """User ids managing the level-1 cell of the cell's tree."""
    return list(
        _all_rights(MANAGE)
        .filter(content_object__tree_id=cell.tree_id, content_object__parent__isnull=True)
        .values_list("user_id", flat=True)
    )


def sees_phones_in(user, cell: GridCell) -> bool:
    """Whether `user` may see in full the phone numbers of the people of `cell` (and of an
    anonymous reporter there): those who manage the cell or a cell above it, and the school
    admin. Everyone else sees them masked (`mask_phone`). Remembered for the request."""
    if not _is_real_user(user):
        return False
    cache = user.__dict__.setdefault("_phone_cells", {})
    if cell.pk not in cache:
        cache[cell.pk] = covers(user, cell) or is_school_admin(user, cell.school_id)
    return cache[cell.pk]


def remember_phone_rights(user, cells) -> None:
    """Settle `sees_phones_in` for many cells at once, in two queries: for exports that list
    the people of thousands of cells."""
    if not _is_real_user(user):
        return
    cache = user.__dict__.setdefault("_phone_cells", {})
    cells = [cell for cell in cells if cell.pk not in cache]
    if not cells:
        return
    covered = set(
        covered_cells(user).filter(pk__in=[c.pk for c in cells]).values_list("pk", flat=True)
    )
    administered = set(administered_schools(user).values_list("pk", flat=True))
    for cell in cells:
        cache[cell.pk] = cell.pk in covered or cell.school_id in administered


def mask_phone(phone: str) -> str:
    """138****1234: enough to recognise a number, not enough to call it."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def phone_for(user, phone: str, cell: GridCell) -> str:
    """The number as `user` may see it: in full or masked (see `sees_phones_in`)."""
    if not phone or sees_phones_in(user, cell):
        return phone
    return mask_phone(phone)


def managers_by_cell(cells) -> dict[int, list[int]]:
    """The nearest standing managers of many cells in one query: {cell id: user ids}.

    Unlike `cell_managers`, a day on duty does not count: this is for jobs that tell the
    managers of thousands of cells at once (the digest of missed checks). The managing rights
    of the cells' trees are read once and matched in memory.
    """
    cells = list(cells)
    rights = defaultdict(list)
    for user_id, tree_id, lft, rght, depth in (
        _all_rights(MANAGE)
        .filter(content_object__tree_id__in={cell.tree_id for cell in cells})
        .values_list(
            "user_id",
            "content_object__tree_id",
            "content_object__lft",
            "content_object__rght",
            "content_object__depth",
        )
    ):
        rights[tree_id].append((depth, lft, rght, user_id))
    answer = {}
    for cell in cells:
        above = [
            (depth, user_id)
            for depth, lft, rght, user_id in rights[cell.tree_id]
            if lft <= cell.lft and rght >= cell.rght
        ]
        nearest = max((depth for depth, _user in above), default=None)
        answer[cell.pk] = sorted(user_id for depth, user_id in above if depth == nearest)
    return answer


def assigned_cell_ids(user, on=None) -> QuerySet:
    """The ids of `assigned_cells`, read from the user's own assignments: a subquery for
    `cell__in=` that does not test every cell of the table (a county holds many schools)."""
    if not _is_real_user(user):
        return Assignment.objects.none().values("cell_id")
    return Assignment.objects.current(on).filter(person__user=user).values("cell_id")
