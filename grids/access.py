"""What a user's grid covers: the one source of access answers for every app.

Rights are django-guardian permissions on grid cells only:
- `grids.manage_cell` on a cell covers that cell and its whole subtree. It is granted to
  whoever currently holds a managing role there (see `services.cell_permissions_sync`);
  the holder of the level-1 cell is therefore the school leader and covers the school.
- `grids.administer_grid` on a school's level-1 cell makes the user that school's admin:
  they see the whole grid and may change cells, people and assignments.

"Everything under my cells" is a single query on mptt's tree_id/lft/rght against the
permission rows, never a permission row per object. Other apps build their
`permissions.py` on `covered_cells`, `covers` and `person_of`.
"""

from collections import defaultdict

from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Assignment, GridCell, GridCellUserObjectPermission, Person, School

MANAGE = "manage_cell"
ADMINISTER = "administer_grid"

_UNSET = object()


def person_of(user) -> Person | None:
    """The grid person behind a login, remembered on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_grid_person", _UNSET)
    if cached is _UNSET:
        cached = Person.objects.select_related("school").filter(user=user).first()
        user._grid_person = cached
    return cached


def _all_rights(codename: str) -> QuerySet:
    return GridCellUserObjectPermission.objects.filter(
        permission__codename=codename, permission__content_type__app_label="grids"
    )


def _rights(user, codename: str) -> QuerySet:
    return _all_rights(codename).filter(user=user)


def _rights_above(user, codename: str, cell_path: str = "") -> QuerySet:
    """The user's `codename` rows on the outer query's cell or one of its ancestors.

    `cell_path` leads from the outer row to its cell ("" when the outer row is a cell,
    "cell__" for a row with a `cell` foreign key).
    """
    return _rights(user, codename).filter(
        content_object__tree_id=OuterRef(f"{cell_path}tree_id"),
        content_object__lft__lte=OuterRef(f"{cell_path}lft"),
        content_object__rght__gte=OuterRef(f"{cell_path}rght"),
    )


def _is_real_user(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def covered_cells(user) -> QuerySet[GridCell]:
    """Cells the user manages: every cell under a cell they hold `manage_cell` on."""
    if not _is_real_user(user):
        return GridCell.objects.none()
    return GridCell.objects.filter(Exists(_rights_above(user, MANAGE)))


def cell_filter(user, cell_path: str) -> Q:
    """A Q for another model's rows whose cell (at `cell_path`, e.g. "cell") the user covers.

    Hazards and checks use it: `Hazard.objects.filter(cell_filter(user, "cell"))`. The covered
    cells are an uncorrelated subquery, evaluated once, so the rows are found through their
    cell index rather than by testing the rights of each row.
    """
    if not _is_real_user(user):
        return Q(pk__in=[])
    return Q(**{f"{cell_path}__in": covered_cells(user).values("pk")})


def covers(user, cell: GridCell) -> bool:
    """Whether the user manages `cell` (it lies in the subtree of one of their cells)."""
    if not _is_real_user(user):
        return False
    return (
        _rights(user, MANAGE)
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
    return GridCell.objects.filter(
        Exists(Assignment.objects.current(on).filter(cell=OuterRef("pk"), person__user=user))
    )


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


def is_school_leader(user, school: School) -> bool:
    """Whether the user manages the school's level-1 cell."""
    root = GridCell.objects.filter(school=school, parent=None).first()
    return root is not None and covers(user, root)


def visible_cells(user) -> QuerySet[GridCell]:
    """Cells the user may look at: what they cover, where they hold a role, and for a
    school admin the whole school. One query."""
    if not _is_real_user(user):
        return GridCell.objects.none()
    mine = Assignment.objects.current().filter(cell=OuterRef("pk"), person__user=user)
    administered = _rights(user, ADMINISTER).filter(content_object__school=OuterRef("school"))
    return GridCell.objects.filter(
        Exists(_rights_above(user, MANAGE)) | Exists(mine) | Exists(administered)
    )


def cell_managers(cell: GridCell, exclude: int | None = None) -> list[int]:
    """User ids of whoever manages `cell`; if nobody does (a gap), the nearest manager above.

    `exclude` skips one user, so a manager who rectified their own cell's hazard sends the
    verification to the level above. Rights rows are kept in step with managing
    assignments, so one query answers it.
    """
    rows = (
        _all_rights(MANAGE)
        .filter(
            content_object__tree_id=cell.tree_id,
            content_object__lft__lte=cell.lft,
            content_object__rght__gte=cell.rght,
        )
        .order_by("-content_object__depth")
        .values_list("user_id", "content_object__depth")
    )
    nearest = None
    users = []
    for user_id, depth in rows:
        if user_id == exclude:
            continue
        if nearest is None:
            nearest = depth
        if depth != nearest:
            break
        users.append(user_id)
    return users


def school_leaders(cell: GridCell) -> list[int]:
    """User ids managing the level-1 cell of the cell's tree."""
    return list(
        _all_rights(MANAGE)
        .filter(content_object__tree_id=cell.tree_id, content_object__parent__isnull=True)
        .values_list("user_id", flat=True)
    )


def managers_by_cell(cells) -> dict[int, list[int]]:
    """`cell_managers` for many cells in one query: {cell id: user ids}.

    For jobs that tell the managers of thousands of cells at once (the digest of missed
    checks): the managing rights of the cells' trees are read once and matched in memory.
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
