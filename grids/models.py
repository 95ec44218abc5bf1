"""The grid: schools, their four-level tree of cells, people and who holds which cell when.

Writes go through `grids.services`; reads of "what does this user cover" through
`grids.access`.
"""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from mptt.models import MPTTModel, TreeForeignKey

MAX_LEVEL = 4  # level 1 (the whole school) to level 4 (the smallest cell)

TOO_DEEP = _("A cell cannot be deeper than level 4.")
PARENT_OTHER_SCHOOL = _("The parent cell belongs to another school.")
SCOPE_FROM_PARENT = _("A cell under an outside cell must be an outside cell too.")
SECOND_ROOT = _("The school already has a level-1 cell.")
ROOT_INSIDE = _("The level-1 cell must be inside the school.")


LEVEL_NAMES = {
    1: _("Level 1"),
    2: _("Level 2"),
    3: _("Level 3"),
    4: _("Level 4"),
}


class Bureau(models.Model):
    """A county education bureau (jiaoyuju): the schools it runs, and the staff who see their
    figures side by side. Membership shows the bureau's aggregates only; it covers no cell."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("education bureau")
        verbose_name_plural = _("education bureaus")
        ordering = ["name"]

    def __str__(self):
        return self.name


class School(models.Model):
    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    bureau = models.ForeignKey(
        Bureau,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="schools",
        verbose_name=_("education bureau"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def root_cell(self):
        return self.cells.filter(parent=None).first()


class Scope(models.TextChoices):
    INSIDE = "inside", _("Inside school")
    OUTSIDE = "outside", _("Outside school")


class Carve(models.TextChoices):
    SPACE = "space", _("By space")
    FUNCTION = "function", _("By function")


class RosterKind(models.TextChoices):
    """A time-bound cell: whoever the roster names holds it on the day."""

    DUTY_WEEK = "duty_week", _("Duty week")
    HOLIDAY = "holiday", _("Holiday duty")


class GridCell(MPTTModel):
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="cells", verbose_name=_("school")
    )
    parent = TreeForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent cell"),
    )
    code = models.CharField(
        _("code"), max_length=40, help_text=_("Unique within the school, e.g. 2-01-03.")
    )
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope, default=Scope.INSIDE)
    carve = models.CharField(_("carved by"), max_length=8, choices=Carve, default=Carve.SPACE)
    description = models.CharField(_("short description"), max_length=200, blank=True)
    spot = models.CharField(_("spot"), max_length=200, blank=True)
    duties = models.TextField(_("duties"), blank=True)
    roster_kind = models.CharField(
        _("roster"),
        max_length=12,
        choices=RosterKind,
        blank=True,
        help_text=_("For a time-bound cell: the roster decides who is on duty each day."),
    )

    class MPTTMeta:
        level_attr = "depth"  # mptt's 0-based depth; `level` below is the grid's 1-4
        order_insertion_by = ["code"]

    class Meta:
        verbose_name = _("grid cell")
        verbose_name_plural = _("grid cells")
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="gridcell_unique_code"),
        ]
        permissions = [
            ("manage_cell", _("Can manage the cell and everything under it")),
            ("administer_grid", _("Can administer the school's grid and people")),
            ("on_duty", _("Is on duty in the cell today (from the roster)")),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def level(self) -> int:
        return self.depth + 1

    def clean(self):
        """The tree's shape rules, for every writer (services and the admin alike)."""
        if self.parent_id is None:
            if self.scope != Scope.INSIDE:
                raise ValidationError({"scope": ROOT_INSIDE})
            roots = GridCell.objects.filter(school_id=self.school_id, parent=None)
            if roots.exclude(pk=self.pk).exists():
                raise ValidationError({"parent": SECOND_ROOT})
            return
        parent = self.parent
        if parent.school_id != self.school_id:
            raise ValidationError({"parent": PARENT_OTHER_SCHOOL})
        below = 0
        if self.pk and not self._state.adding:
            deepest = self.get_descendants().aggregate(deepest=models.Max("depth"))["deepest"]
            below = 0 if deepest is None else deepest - self.depth
        if parent.level + 1 + below > MAX_LEVEL:
            raise ValidationError({"parent": TOO_DEEP})
        if parent.is_outside and self.scope != Scope.OUTSIDE:
            raise ValidationError({"scope": SCOPE_FROM_PARENT})

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES.get(self.level, self.level)

    @property
    def is_smallest(self) -> bool:
        return self.level == MAX_LEVEL

    @property
    def is_outside(self) -> bool:
        return self.scope == Scope.OUTSIDE

    @property
    def is_time_bound(self) -> bool:
        return bool(self.roster_kind)


class GridCellUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's rights, with a real foreign key so subtree checks join cheaply."""

    content_object = models.ForeignKey(GridCell, on_delete=models.CASCADE)


class GridCellGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(GridCell, on_delete=models.CASCADE)


class RoleKind(models.TextChoices):
    MANAGER = "manager", _("Cell manager")
    MEMBER = "member", _("Inside member")
    OUTSIDE = "outside", _("Outside member")


class Role(models.Model):
    """A post in a cell. Names are the school's data; the kind carries the rules.

    Manager roles manage a cell; member roles add staff to a level 1-3 cell; outside roles
    staff a level-4 outside cell, one person each ("three per cell"), and the one marked
    `manages_cell` (by default the liaison teacher) is that cell's manager.
    """

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="roles", verbose_name=_("school")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=8, choices=RoleKind)
    manages_cell = models.BooleanField(_("manages the cell"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="role_unique_code"),
            models.CheckConstraint(
                condition=~Q(kind=RoleKind.MANAGER) | Q(manages_cell=True),
                name="role_manager_manages",
            ),
            models.CheckConstraint(
                condition=~Q(kind=RoleKind.MEMBER) | Q(manages_cell=False),
                name="role_member_does_not_manage",
            ),
        ]

    def __str__(self):
        return self.name

    def fits(self, cell: GridCell) -> bool:
        """Whether this role may be held in `cell`."""
        outside_team = cell.is_smallest and cell.is_outside
        if self.kind == RoleKind.OUTSIDE:
            return outside_team
        if self.kind == RoleKind.MEMBER:
            return not cell.is_smallest
        return not outside_team


class PersonKind(models.TextChoices):
    STAFF = "staff", _("School staff")
    OUTSIDE = "outside", _("Outside grid member")


class Person(models.Model):
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="people", verbose_name=_("school")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="grid_person",
        verbose_name=_("login"),
    )
    code = models.CharField(
        _("staff number"),
        max_length=40,
        blank=True,
        help_text=_("Used to match people on import; unique within the school."),
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    title = models.CharField(_("post"), max_length=50, blank=True)
    department = models.CharField(_("department"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=PersonKind, default=PersonKind.STAFF)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "code"], condition=~Q(code=""), name="person_unique_code"
            ),
        ]

    def __str__(self):
        return self.name


class AssignmentQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None):
        """Assignments in force on a day (today in the school's time zone by default)."""
        on = on or timezone.localdate()
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on), valid_from__lte=on)


class Assignment(models.Model):
    """A person holding a role in a cell from `valid_from` until `valid_to`.

    `valid_to` is the day the assignment ended (exclusive): the successor starts that day.
    Rows are never deleted or rewritten, only ended, so "who held this cell on a given day"
    stays answerable after personnel changes.
    """

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("person")
    )
    cell = models.ForeignKey(
        GridCell, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("cell")
    )
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("role")
    )
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    end_note = models.CharField(_("reason for ending"), max_length=200, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-valid_from", "-id"]
        indexes = [
            models.Index(fields=["cell", "valid_to"]),
            models.Index(fields=["person", "valid_to"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="assignment_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.person} · {self.role} · {self.cell}"

    def is_current(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.valid_from <= on and (self.valid_to is None or self.valid_to > on)


class BureauMemberQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None):
        """Memberships in force on a day (today in the local time zone by default)."""
        on = on or timezone.localdate()
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on), valid_from__lte=on)


class BureauMember(models.Model):
    """A login of the bureau's staff, from `valid_from` until `valid_to` (exclusive), like an
    assignment: rows are ended, not deleted, so who could see the figures stays on record."""

    bureau = models.ForeignKey(
        Bureau, on_delete=models.CASCADE, related_name="members", verbose_name=_("bureau")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="bureau_memberships",
        verbose_name=_("login"),
    )
    title = models.CharField(_("post"), max_length=50, blank=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = BureauMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("bureau staff member")
        verbose_name_plural = _("bureau staff")
        ordering = ["bureau", "-valid_from", "-id"]
        indexes = [models.Index(fields=["user", "valid_to"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="bureaumember_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.bureau}"


def new_stamp() -> int:
    return secrets.randbits(62)


class AccessStamp(models.Model):
    """One row whose value changes in every transaction that changes what decides a user's
    access (rights, cells, assignments, the cells' posts, bureau staff): what is worked out
    from those rows may be kept under the stamp, and a change shows on the next request in
    every process, because the key itself changes.

    The value is random, not a counter: a rolled-back transaction or a restored backup can
    never bring back a value that stood for another state. Models' saves and deletes bump it
    (`grids.signals`); writers that bypass them (bulk_create, update, raw SQL) call
    `access_changed()` themselves.
    """

    ONE = 1
    value = models.BigIntegerField(default=new_stamp)

    def __str__(self):
        return str(self.value)


def access_stamp_now() -> RawSQL:
    """The stamp's value as an expression, to read it in the same statement (the same
    snapshot) as what is worked out from the rows it stands for. A plain scalar subquery:
    every page reads it, and it is cheaper to build than a nested queryset."""
    table = AccessStamp._meta.db_table
    return RawSQL(f'SELECT "value" FROM "{table}" WHERE "id" = %s', (AccessStamp.ONE,))


def access_changed() -> None:
    """Give the access stamp a new value, in the caller's transaction."""
    AccessStamp.objects.filter(pk=AccessStamp.ONE).update(value=new_stamp())
