"""The Excel exports: the accountability list (zeren qingdan) and the hazard ledger (taizhang).

Each export is a `Spec` (what, for whom, which filters) with two functions: `count` (one
query, to choose between a direct download and a background build) and `write` (streams
the rows into a write-only workbook). Scope comes from `grids.access` and
`hazards.permissions` with the exporter's own rights, also when Celery builds the file.
"""

import datetime
import itertools
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duties.selectors import duty_lists
from grids import access
from grids.coverage import current_assignments_by_cell
from grids.models import GridCell, Person, Scope
from grids.templatetags.grid_tags import mask_phone
from hazards.models import Action, Hazard, HazardEvent, HazardPhoto, PhotoKind, Status
from hazards.permissions import visible_hazards

from . import exports_duties
from .models import Export, ExportKind, ExportStatus
from .xlsx import DATE_TIME, Column, LocalMinutes, SheetWriter, new_workbook

CHUNK = 1000  # hazards per round trip for their events; bounds the ledger's memory
BAD_RANGE = gettext_lazy("The start date must not be after the end date.")


@dataclass
class Spec:
    """One export as asked: its kind, the exporter, and the ledger's filters."""

    kind: str
    user: object
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    cell: GridCell | None = None  # the subtree; None: all the exporter may see
    extra: dict = field(default_factory=dict)  # a builder's own filters (strings)

    def params(self) -> dict:
        return {
            **self.extra,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "cell": self.cell.pk if self.cell else None,
        }

    @classmethod
    def from_export(cls, export: Export) -> "Spec":
        params = export.params
        cell_id = params.get("cell")
        return cls(
            kind=export.kind,
            user=export.user,
            date_from=_date(params.get("date_from")),
            date_to=_date(params.get("date_to")),
            # The subtree is looked up again with today's rights of the exporter.
            cell=access.visible_cells(export.user).filter(pk=cell_id).first() if cell_id else None,
            extra={k: v for k, v in params.items() if k not in ("date_from", "date_to", "cell")},
        )

    def count(self) -> int:
        return BUILDERS[self.kind].count(self)

    def filename(self) -> str:
        if BUILDERS[self.kind].name is not None:
            return BUILDERS[self.kind].name(self)
        school = self.school_name()
        today = timezone.localdate().strftime("%Y%m%d")
        if self.kind == ExportKind.ACCOUNTABILITY:
            return f"{school}{_('Accountability list')}-{today}.xlsx"
        span = f"{_date_label(self.date_from)}-{_date_label(self.date_to)}"
        return f"{school}{_('Hazard ledger')}-{span}.xlsx"

    def school_name(self) -> str:
        person = access.person_of(self.user)
        return person.school.name if person else ""


def _date(value):
    return datetime.date.fromisoformat(value) if value else None


def _date_label(day):
    return day.strftime("%Y%m%d") if day else ""


class Names:
    """Who a user id is, for the ledger: their person's name, else their login name.

    The people of the exporter's school come in one query; anyone else (a login without a
    person, from the admin) is looked up once and remembered. Holding names rather than
    related objects keeps the ledger's rows free of reference cycles, so they are freed as
    soon as they are written.
    """

    def __init__(self, user):
        person = access.person_of(user)
        self.names = dict(
            Person.objects.filter(school_id=person.school_id if person else None)
            .exclude(user=None)
            .values_list("user_id", "name")
        )

    def __call__(self, user_id) -> str:
        if user_id is None:
            return ""
        if user_id not in self.names:
            login = get_user_model().objects.filter(pk=user_id).first()
            self.names[user_id] = login.get_username() if login else ""
        return self.names[user_id]


def _hours(start, end):
    if not (start and end):
        return None
    return round((end - start).total_seconds() / 3600, 1)


# The accountability list ---------------------------------------------------------------


def accountability_cells(user):
    return access.visible_cells(user)


def accountability_count(spec: Spec) -> int:
    return accountability_cells(spec.user).count()


def accountability_columns() -> list[Column]:
    cell, people = _("Grid cell"), _("Responsible people")
    return [
        Column(_("No."), 6),
        Column(_("Level"), 8),
        Column(_("Path"), 30, cell),
        Column(_("Code"), 12, cell),
        Column(_("Cell name"), 18, cell),
        Column(_("Inside or outside"), 10, cell),
        Column(_("Name"), 12, people),
        Column(_("Role"), 14, people),
        Column(_("Phone"), 15, people),
        Column(_("Duties"), 60),
    ]


def accountability_write(spec: Spec, workbook) -> int:
    """One row per cell the exporter may see, in tree order.

    Queries: the cells, every cell of their schools (for the paths), the current
    assignments, the duty lists (two), the exporter's covered cells and administered
    schools (for the phone masking). None of them per row.
    """
    user = spec.user
    cells = list(accountability_cells(user).order_by("tree_id", "lft"))
    names = dict(
        GridCell.objects.filter(school_id__in={c.school_id for c in cells}).values_list(
            "pk", "name"
        )
    )
    parents = dict(
        GridCell.objects.filter(school_id__in={c.school_id for c in cells}).values_list(
            "pk", "parent_id"
        )
    )
    by_cell = current_assignments_by_cell([c.pk for c in cells])
    duties = {duty_list.cell.pk: duty_list for duty_list in duty_lists(cells)}
    covered = set(access.covered_cells(user).values_list("pk", flat=True))
    administered = set(access.administered_schools(user).values_list("pk", flat=True))
    heading = _("%(school)s safety grid accountability list") % {"school": spec.school_name()}
    sheet = SheetWriter(workbook, _("Accountability list"), heading, accountability_columns())
    for number, cell in enumerate(cells, start=1):
        full_phones = cell.pk in covered or cell.school_id in administered
        held = by_cell.get(cell.pk, [])
        sheet.append(
            [
                number,
                str(cell.level_name),
                _path(cell, names, parents),
                cell.code,
                cell.name,
                str(Scope(cell.scope).label),
                "\n".join(a.person.name for a in held),
                "\n".join(a.role.name for a in held),
                "\n".join(
                    a.person.phone if full_phones else mask_phone(a.person.phone) for a in held
                ),
                _duty_text(duties[cell.pk]),
            ]
        )
    return sheet.rows


def _path(cell, names, parents) -> str:
    chain, pk = [], cell.parent_id
    while pk is not None:
        chain.append(names[pk])
        pk = parents[pk]
    return " / ".join(reversed(chain))


def _duty_text(duty_list) -> str:
    lines = list(duty_list.level)
    for post, texts in duty_list.posts:
        lines.extend(f"{post}: {text}" for text in texts)
    if duty_list.extra:
        lines.extend(line for line in duty_list.extra.splitlines() if line.strip())
    return "\n".join(f"{n}. {line}" for n, line in enumerate(lines, start=1))


# The hazard ledger ---------------------------------------------------------------------


def ledger_hazards(spec: Spec):
    hazards = visible_hazards(spec.user)
    if spec.date_from:
        hazards = hazards.filter(reported_at__gte=_start_of(spec.date_from))
    if spec.date_to:
        hazards = hazards.filter(reported_at__lt=_start_of(spec.date_to + datetime.timedelta(1)))
    if spec.cell is not None:
        hazards = hazards.filter(
            cell__tree_id=spec.cell.tree_id,
            cell__lft__gte=spec.cell.lft,
            cell__rght__lte=spec.cell.rght,
        )
    return hazards


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def ledger_count(spec: Spec) -> int:
    return ledger_hazards(spec).count()


def ledger_columns() -> list[Column]:
    hazard, accept = _("Hazard"), _("Acceptance")
    rectify, verify = _("Rectification"), _("Verification and closing")
    figures = _("Time taken and flags")
    return [
        Column(_("No."), 6),
        Column(_("Number"), 16, hazard),
        Column(_("Reported at"), 17, hazard, DATE_TIME),
        Column(_("Reported by"), 10, hazard),
        Column(_("Cell"), 22, hazard),
        Column(_("Spot"), 14, hazard),
        Column(_("Category"), 10, hazard),
        Column(_("Severity"), 8, hazard),
        Column(_("Description"), 30, hazard),
        Column(_("Status"), 10, hazard),
        Column(_("Accepted or declined at"), 17, accept, DATE_TIME),
        Column(_("By"), 10, accept),
        Column(_("Assignee"), 10, accept),
        Column(_("Rectify by"), 17, accept, DATE_TIME),
        Column(_("Interim measures"), 18, accept),
        Column(_("Submitted at"), 17, rectify, DATE_TIME),
        Column(_("By"), 10, rectify),
        Column(_("Sent back"), 8, rectify),
        Column(_("Closed at"), 17, verify, DATE_TIME),
        Column(_("By"), 10, verify),
        Column(_("Hours to accept"), 9, figures),
        Column(_("Hours to close"), 9, figures),
        Column(_("Overdue"), 8, figures),
        Column(_("Escalated"), 8, figures),
        Column(_("Escalation steps"), 8, figures),
        Column(_("Photos before"), 8, figures),
        Column(_("Photos after"), 8, figures),
    ]


LEDGER_FIELDS = [
    "pk",
    "number",
    "reported_at",
    "is_anonymous",
    "reporter_id",
    "cell__code",
    "cell__name",
    "spot",
    "category__name",
    "severity",
    "description",
    "status",
    "assignee__name",
    "accept_due_at",
    "accepted_at",
    "accepted_by_id",
    "rectify_due_at",
    "interim_measures",
    "submitted_at",
    "rectified_by_id",
    "closed_at",
]


# What the ledger needs of the events beyond the hazard's own columns: who declined or
# verified (each happens once: it ends the loop) and how often it was sent back or escalated.
# The hazard's columns, kept by the workflow in the step's transaction, give the rest:
# accepted_at and accepted_by (its one acceptance), submitted_at and rectified_by (the last
# submission), closed_at (the verification, or the decline).
LEDGER_ACTIONS = [Action.DECLINE, Action.VERIFY, Action.REJECT, Action.ESCALATE]


def ledger_rows(spec: Spec, now=None):
    """Each hazard in the export as a dict of its figures, in the order reported.

    Queries: one for the hazards (with their cell, category and assignee; streamed, a
    server-side cursor on PostgreSQL) and two per CHUNK hazards: their events counted per
    action (with the actor), their photos counted per kind. All come as plain rows, not
    model instances, and the counts as integers: no timestamp of an event is read.
    """
    now = now or timezone.now()
    hazards = (
        ledger_hazards(spec)
        .order_by("reported_at", "id")
        .values_list(*LEDGER_FIELDS, named=True)
        .iterator(chunk_size=CHUNK)
    )
    while chunk := list(itertools.islice(hazards, CHUNK)):
        ids = [hazard.pk for hazard in chunk]
        steps = defaultdict(dict)
        for hazard_id, action, count, actor_id in (
            HazardEvent.objects.filter(hazard_id__in=ids, action__in=LEDGER_ACTIONS)
            .order_by()
            .values_list("hazard_id", "action")
            .annotate(n=Count("id"), actor=Max("actor_id"))
        ):
            steps[hazard_id][action] = (count, actor_id)
        photos = defaultdict(dict)
        for hazard_id, kind, count in (
            HazardPhoto.objects.filter(hazard_id__in=ids)
            .order_by()
            .values_list("hazard_id", "kind")
            .annotate(n=Count("id"))
        ):
            photos[hazard_id][kind] = count
        for hazard in chunk:
            yield ledger_figures(hazard, steps.get(hazard.pk, {}), photos.get(hazard.pk, {}), now)


NO_STEP = (0, None)


def ledger_figures(hazard, steps, photos, now) -> dict:
    """The ledger's numbers for one hazard (a row of LEDGER_FIELDS), from the hazard, its
    events ({action: (how many, an actor)}) and its photos ({kind: how many}) only."""
    status = hazard.status
    declined = status == Status.DECLINED
    closed = status == Status.CLOSED
    decided_at = hazard.closed_at if declined else hazard.accepted_at
    accept_late = (decided_at or now) > hazard.accept_due_at and (
        decided_at is not None or status == Status.REPORTED
    )
    rectify_late = False
    if hazard.rectify_due_at is not None and not declined:
        finished = hazard.submitted_at if status != Status.RECTIFYING else None
        rectify_late = (finished or now) > hazard.rectify_due_at
    escalations = steps.get(Action.ESCALATE, NO_STEP)[0]
    return {
        "hazard": hazard,
        "decided_at": decided_at,
        "decided_by": steps.get(Action.DECLINE, NO_STEP)[1] if declined else hazard.accepted_by_id,
        # Closing means verified; a declined report also gets a closed_at, but it was no hazard.
        "closed_at": hazard.closed_at if closed else None,
        "closed_by": steps.get(Action.VERIFY, NO_STEP)[1] if closed else None,
        "rejects": steps.get(Action.REJECT, NO_STEP)[0],
        "escalations": escalations,
        "hours_to_accept": _hours(hazard.reported_at, hazard.accepted_at),
        "hours_to_close": _hours(hazard.reported_at, hazard.closed_at) if closed else None,
        "overdue": accept_late or rectify_late,
        "photos_before": photos.get(PhotoKind.BEFORE, 0),
        "photos_after": photos.get(PhotoKind.AFTER, 0),
    }


def ledger_write(spec: Spec, workbook) -> int:
    heading = _("%(school)s hazard ledger") % {"school": spec.school_name()}
    if spec.date_from or spec.date_to:
        heading += f" ({_date_text(spec.date_from)} - {_date_text(spec.date_to)})"
    sheet = SheetWriter(workbook, _("Hazard ledger"), heading, ledger_columns())
    yes, no = _("Yes"), _("No")
    anonymous = _("Anonymous")
    status_label = {value: str(label) for value, label in Status.choices}
    severity_label = {
        value: str(label) for value, label in Hazard._meta.get_field("severity").choices
    }
    who = Names(spec.user)
    local = LocalMinutes()
    append = sheet.append
    for number, row in enumerate(ledger_rows(spec), start=1):
        hazard = row["hazard"]
        submitted_at = hazard.submitted_at
        append(
            [
                number,
                hazard.number,
                local(hazard.reported_at),
                anonymous if hazard.is_anonymous else who(hazard.reporter_id),
                f"{hazard.cell__code} {hazard.cell__name}",
                hazard.spot,
                hazard.category__name,
                severity_label.get(hazard.severity, hazard.severity),
                hazard.description,
                status_label.get(hazard.status, hazard.status),
                local(row["decided_at"]),
                who(row["decided_by"]),
                hazard.assignee__name or "",
                local(hazard.rectify_due_at),
                hazard.interim_measures,
                local(submitted_at),
                who(hazard.rectified_by_id) if submitted_at else "",
                row["rejects"],
                local(row["closed_at"]),
                who(row["closed_by"]),
                row["hours_to_accept"],
                row["hours_to_close"],
                yes if row["overdue"] else no,
                yes if row["escalations"] else no,
                row["escalations"],
                row["photos_before"],
                row["photos_after"],
            ]
        )
    return sheet.rows


def _date_text(day):
    return day.isoformat() if day else ""


@dataclass(frozen=True)
class Builder:
    count: object
    write: object
    name: object = None  # spec -> the file's name; None: Spec.filename's own


BUILDERS = {
    ExportKind.ACCOUNTABILITY: Builder(accountability_count, accountability_write),
    ExportKind.LEDGER: Builder(ledger_count, ledger_write),
    ExportKind.CHECKS: Builder(
        exports_duties.checks_count, exports_duties.checks_write, exports_duties.checks_name
    ),
    ExportKind.ROSTER: Builder(
        exports_duties.roster_count, exports_duties.roster_write, exports_duties.roster_name
    ),
    ExportKind.SCORECARD: Builder(
        exports_duties.scorecard_count,
        exports_duties.scorecard_write,
        exports_duties.scorecard_name,
    ),
}


# Building ------------------------------------------------------------------------------


def export_write(spec: Spec, target) -> int:
    """Write the spec's workbook to `target` (a path or a binary file); return the rows."""
    workbook = new_workbook()
    rows = BUILDERS[spec.kind].write(spec, workbook)
    workbook.save(target)
    return rows


def export_build_now(spec: Spec):
    """Build in this process into a temporary file (rewound), for a direct download."""
    target = tempfile.TemporaryFile(suffix=".xlsx")
    export_write(spec, target)
    target.seek(0)
    return target


def export_request(spec: Spec) -> Export:
    """Record a background export and queue its build once the row is committed."""
    from .tasks import build_export

    export = Export.objects.create(
        user=spec.user,
        kind=spec.kind,
        params=spec.params(),
        language=translation.get_language() or settings.LANGUAGE_CODE,
        filename=spec.filename(),
    )
    transaction.on_commit(lambda: build_export.delay(export.pk))
    return export


def export_build(export_id: int) -> bool:
    """Build a queued export; safe to run twice (only the run that claims it builds)."""
    claimed = Export.objects.filter(pk=export_id, status=ExportStatus.PENDING).update(
        status=ExportStatus.RUNNING
    )
    if not claimed:
        return False
    export = Export.objects.select_related("user").get(pk=export_id)
    with translation.override(export.language):
        try:
            spec = Spec.from_export(export)
            with tempfile.TemporaryFile(suffix=".xlsx") as target:
                export.rows = export_write(spec, target)
                target.seek(0)
                export.file.save("export.xlsx", File(target), save=False)
        except Exception as error:
            export.status = ExportStatus.FAILED
            export.error = str(error)[:300]
            export.finished_at = timezone.now()
            export.save(update_fields=["status", "error", "finished_at"])
            raise
    export.status = ExportStatus.DONE
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "rows", "file", "finished_at"])
    return True


def exports_of(user):
    return Export.objects.filter(user=user)
