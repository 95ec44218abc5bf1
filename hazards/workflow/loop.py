"""The closed loop's steps, one function per action.

Every action: one transaction; re-read the hazard under a row lock; check the form's
version (so a stale page is told, never silently applied), the transition table and the
actor's right; save named fields; append one HazardEvent; write the inbox rows of those
who must act next and the outgoing messages (hazards.outbox). Views, the admin and tasks
call these functions and nothing else.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.access import cell_managers, people_acting_in, school_leaders
from grids.models import GridCell, Person, School

from .. import outbox, permissions
from ..clock import Clock, settings_for
from ..facts import resolution_of
from ..models import (
    TRANSITIONS,
    Action,
    Hazard,
    HazardCategory,
    HazardEvent,
    HazardPhoto,
    PhotoKind,
    Severity,
    Status,
)
from ..notify import notify

STALE = _(
    "Someone else acted on this hazard a moment ago; it is now: %(status)s. "
    "Here is its current state."
)
WRONG_STATE = _("This step does not apply to a hazard that is %(status)s.")
REASON_REQUIRED = _("Give a reason.")
NOTE_REQUIRED = _("Describe what was done.")
AFTER_PHOTO_REQUIRED = _("Add at least one photo taken after the rectification.")
INTERIM_REQUIRED = _("A major hazard needs interim measures recorded when it is accepted.")
ASSIGNEE_NOT_IN_CELL = _("%(person)s does not hold a post in this cell or below it.")
ASSIGNEE_NO_LOGIN = _("%(person)s has no login and could not act on the hazard.")
DEADLINE_PAST = _("The deadline must lie in the future.")
CELL_NOT_REPORTABLE = _("You cannot report in this cell.")
CATEGORY_OTHER_SCHOOL = _("This category belongs to another school.")
ANONYMOUS_OFF = _("This school does not take reports without a login.")
TOO_MANY_REPORTS = _("Too many reports from this network in the last hour. Please try later.")
ANONYMOUS_PER_HOUR = 5


class TooManyReports(PermissionDenied):
    pass


class StaleHazard(Exception):
    """The hazard moved on since the actor's page was drawn."""

    def __init__(self, hazard: Hazard):
        self.hazard = hazard
        super().__init__(STALE % {"status": hazard.get_status_display()})

    @property
    def message(self) -> str:
        return str(self)


# Reporting ------------------------------------------------------------------------------


@transaction.atomic
def hazard_report(
    *,
    reporter,
    cell: GridCell,
    category: HazardCategory,
    severity: str,
    description: str,
    spot: str = "",
    photos=(),
    now: datetime.datetime | None = None,
) -> Hazard:
    """Open a hazard in a cell. Its cell's managers are told; for a major one, level 1 too."""
    if not permissions.reportable_cells(reporter).filter(pk=cell.pk).exists():
        raise PermissionDenied(CELL_NOT_REPORTABLE)
    return _open_hazard(
        cell=cell,
        category=category,
        severity=severity,
        description=description,
        spot=spot,
        photos=photos,
        now=now,
        reporter=reporter,
    )


@transaction.atomic
def hazard_report_anonymous(
    *,
    cell: GridCell,
    category: HazardCategory,
    severity: str,
    description: str,
    spot: str = "",
    photos=(),
    contact_phone: str = "",
    ip: str | None = None,
    now: datetime.datetime | None = None,
) -> Hazard:
    """A report from a cell's QR sign without a login, where the school allows it.

    Limited per address (ANONYMOUS_PER_HOUR) and marked anonymous for the manager to triage.
    """
    now = now or timezone.now()
    if not settings_for(cell.school_id).allow_anonymous_reports:
        raise PermissionDenied(ANONYMOUS_OFF)
    recent = Hazard.objects.filter(
        is_anonymous=True, reporter_ip=ip, reported_at__gte=now - datetime.timedelta(hours=1)
    ).count()
    if recent >= ANONYMOUS_PER_HOUR:
        raise TooManyReports(TOO_MANY_REPORTS)
    return _open_hazard(
        cell=cell,
        category=category,
        severity=severity,
        description=description,
        spot=spot,
        photos=photos,
        now=now,
        reporter=None,
        is_anonymous=True,
        contact_phone=contact_phone,
        reporter_ip=ip,
    )


def _open_hazard(
    *, cell, category, severity, description, spot, photos, now, reporter, **anonymous
) -> Hazard:
    if category.school_id != cell.school_id:
        raise ValidationError(CATEGORY_OTHER_SCHOOL)
    now = now or timezone.now()
    school = School.objects.select_for_update().get(pk=cell.school_id)  # numbers in order
    settings = settings_for(school)
    clock = Clock.for_school(school, settings)
    hazard = Hazard.objects.create(
        school=school,
        number=_next_number(school, now),
        cell=cell,
        spot=spot,
        category=category,
        severity=severity,
        description=description,
        reporter=reporter,
        reported_at=now,
        accept_due_at=clock.add(now, settings.hours("accept", severity)),
        **anonymous,
    )
    event = HazardEvent.objects.create(
        hazard=hazard,
        action=Action.REPORT,
        actor=reporter,
        at=now,
        to_status=Status.REPORTED,
        note=description,
    )
    _attach(hazard, event, photos, PhotoKind.BEFORE)
    recipients = dict.fromkeys(cell_managers(cell), "to_accept")
    if severity == Severity.MAJOR:
        recipients.update(dict.fromkeys(school_leaders(cell), "major"))
    notify(event, recipients, skip=getattr(reporter, "pk", None))
    deliver_after_commit([event])
    return hazard


def _next_number(school: School, now: datetime.datetime) -> str:
    """YH-YYYYMMDD-NNNN, counted per school and local day. The caller holds the school lock.

    The day's hazards are counted on the `reported_at` index: a LIKE on the number found no
    index (SQLite's LIKE ignores case; PostgreSQL's index is not in the C collation) and read
    every hazard of the school under the lock, which capped reports at ~10/s (bench/load.py).
    """
    day = timezone.localtime(now).date()
    start = datetime.datetime.combine(
        day, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    end = datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time.min, tzinfo=start.tzinfo
    )
    taken = Hazard.objects.filter(
        school=school, reported_at__gte=start, reported_at__lt=end
    ).count()
    return f"YH-{day:%Y%m%d}-{taken + 1:04d}"


# The loop -------------------------------------------------------------------------------


def _begin(hazard_id: int, actor, action: str, expected_version: int | None) -> Hazard:
    hazard = (
        Hazard.objects.select_for_update(of=("self",))
        .select_related("cell", "school", "category")
        .get(pk=hazard_id)
    )
    if expected_version is not None and hazard.version != expected_version:
        raise StaleHazard(hazard)
    allowed_from, _target = TRANSITIONS[action]
    if hazard.status not in allowed_from:
        raise ValidationError(WRONG_STATE % {"status": hazard.get_status_display()})
    if not permissions.can(action, actor, hazard):
        raise PermissionDenied
    return hazard


def _record(
    hazard: Hazard,
    action: str,
    actor,
    now: datetime.datetime,
    fields: list[str],
    note: str = "",
    data: dict | None = None,
    recipients: dict[int, str] | None = None,
) -> HazardEvent:
    from_status = hazard.status
    target = TRANSITIONS[action][1]
    if target is not None:
        hazard.status = target
        fields = [*fields, "status"]
    hazard.version += 1
    hazard.save(update_fields=[*fields, "version"])
    event = HazardEvent.objects.create(
        hazard=hazard,
        action=action,
        actor=actor,
        at=now,
        from_status=from_status,
        to_status=hazard.status,
        note=note,
        data=data or {},
    )
    notify(event, recipients or {}, skip=getattr(actor, "pk", None))
    deliver_after_commit([event])
    return event


def deliver_after_commit(events: list[HazardEvent]) -> None:
    """E-mail and group robots: written to the outbox now, in the step's transaction, and
    handed to Celery once it commits (beat's sweep sends what the broker never got)."""
    if outbox.outbox_write(events):
        outbox.dispatch_after_commit([event.pk for event in events])


def _attach(hazard: Hazard, event: HazardEvent, photos, kind: str) -> None:
    for content in photos:
        photo = HazardPhoto(hazard=hazard, event=event, kind=kind)
        photo.image.save(content.name, content, save=False)
        photo.save()


def _check_assignee(hazard: Hazard, person: Person) -> None:
    if not people_acting_in(hazard.cell).filter(pk=person.pk).exists():
        raise ValidationError(ASSIGNEE_NOT_IN_CELL % {"person": person.name})
    if person.user_id is None:
        raise ValidationError(ASSIGNEE_NO_LOGIN % {"person": person.name})


def _check_future(moment: datetime.datetime, now: datetime.datetime) -> None:
    if moment <= now:
        raise ValidationError(DEADLINE_PAST)


def _require(text: str, message) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(message)
    return text


@transaction.atomic
def hazard_accept(
    *,
    hazard_id: int,
    actor,
    assignee: Person,
    rectify_due_at: datetime.datetime | None = None,
    note: str = "",
    interim_measures: str = "",
    expected_version: int | None = None,
    now: datetime.datetime | None = None,
) -> Hazard:
    """Accept (shouli) and assign to a person of the cell with a rectification deadline."""
    now = now or timezone.now()
    hazard = _begin(hazard_id, actor, Action.ACCEPT, expected_version)
    _check_assignee(hazard, assignee)
    if hazard.severity == Severity.MAJOR:
        interim_measures = _require(interim_measures, INTERIM_REQUIRED)
    if rectify_due_at is None:
        settings = settings_for(hazard.school_id)
        clock = Clock.for_school(hazard.school_id, settings)
        rectify_due_at = clock.add(now, settings.hours("rectify", hazard.severity))
    _check_future(rectify_due_at, now)
    hazard.assignee = assignee
    hazard.accepted_at = now
    # Facts for the reports (hazards.facts).
    hazard.accept_span = now - hazard.reported_at
    hazard.accepted_by = actor
    hazard.rectify_due_at = rectify_due_at
    hazard.interim_measures = interim_measures
    hazard.escalation_level = 0  # a new stage, a new clock
    _record(
        hazard,
        Action.ACCEPT,
        actor,
        now,
        [
            "assignee",
            "accepted_at",
            "accept_span",
            "accepted_by",
            "rectify_due_at",
            "interim_measures",
            "escalation_level",
        ],
        note=note,
        data={
            "assignee": assignee.name,
            "assignee_id": assignee.pk,
            "rectify_due_at": rectify_due_at.isoformat(),
            "interim_measures": interim_measures,
        },
        recipients={assignee.user_id: "to_rectify"},
    )
    return hazard


@transaction.atomic
def hazard_decline(
    *, hazard_id: int, actor, reason: str, expected_version: int | None = None, now=None
) -> Hazard:
    """Not a hazard (buyu shouli): closed with a reason the reporter is told."""
    now = now or timezone.now()
    hazard = _begin(hazard_id, actor, Action.DECLINE, expected_version)
    reason = _require(reason, REASON_REQUIRED)
    hazard.closed_at = now
    _record(
        hazard,
        Action.DECLINE,
        actor,
        now,
        ["closed_at"],
        note=reason,
        recipients={hazard.reporter_id: "declined"},
    )
    return hazard


@transaction.atomic
def hazard_submit(
    *, hazard_id: int, actor, note: str, photos=(), expected_version: int | None = None, now=None
) -> Hazard:
    """The assignee hands in the rectification with "after" evidence, for verification."""
    now = now or timezone.now()
    hazard = _begin(hazard_id, actor, Action.SUBMIT, expected_version)
    note = _require(note, NOTE_REQUIRED)
    if not photos:
        raise ValidationError(AFTER_PHOTO_REQUIRED)
    hazard.submitted_at = now
    hazard.rectified_by = actor
    event = _record(
        hazard,
        Action.SUBMIT,
        actor,
        now,
        ["submitted_at", "rectified_by"],
        note=note,
        recipients=dict.fromkeys(cell_managers(hazard.cell, exclude=actor.pk), "to_verify"),
    )
    _attach(hazard, event, photos, PhotoKind.AFTER)
    return hazard


@transaction.atomic
def hazard_verify(
    *, hazard_id: int, actor, note: str = "", expected_version: int | None = None, now=None
) -> Hazard:
    """Re-inspection passed: the hazard is closed (xiaohao)."""
    now = now or timezone.now()
    hazard = _begin(hazard_id, actor, Action.VERIFY, expected_version)
    hazard.closed_at = now
    # The reports' facts, final from now on (hazards.facts).
    hazard.close_span = now - hazard.reported_at
    hazard.resolved = resolution_of(hazard)
    hazard.closed_in_time = hazard.rectify_due_at is not None and now <= hazard.rectify_due_at
    recipients = {hazard.reporter_id: "closed"}
    if hazard.assignee is not None:
        recipients[hazard.assignee.user_id] = "closed"
    _record(
        hazard,
        Action.VERIFY,
        actor,
        now,
        ["closed_at", "close_span", "resolved", "closed_in_time"],
        note=note,
        recipients=recipients,
    )
    return hazard


@transaction.atomic
def hazard_reject(
    *,
    hazard_id: int,
    actor,
    reason: str,
    rectify_due_at: datetime.datetime | None = None,
    expected_version: int | None = None,
    now=None,
) -> Hazard:
    """Re-inspection failed: back to rectifying, the deadline extended if a new one is given."""
    now = now or timezone.now()
    hazard = _begin(hazard_id, actor, Action.REJECT, expected_version)
    reason = _require(reason, REASON_REQUIRED)
    fields, data = [], {}
    if rectify_due_at is not None:
        _check_future(rectify_due_at, now)
        data = {"from": hazard.rectify_due_at.isoformat(), "to": rectify_due_at.isoformat()}
        hazard.rectify_due_at = rectify_due_at
        fields.append("rectify_due_at")
    _record(
        hazard,
        Action.REJECT,
        actor,
        now,
        fields,
        note=reason,
        data=data,
        recipients={hazard.assignee.user_id: "sent_back"},
    )
    return hazard


@transaction.atomic
def hazard_reassign(
    *,
    hazard_id: int,
    actor,
    assignee: Person,
    reason: str,
    expected_version: int | None = None,
    now=None,
) -> Hazard:
    now = now or timezone.now()
    hazard = _begin(hazard_id, actor, Action.REASSIGN, expected_version)
    reason = _require(reason, REASON_REQUIRED)
    _check_assignee(hazard, assignee)
    previous = hazard.assignee
    hazard.assignee = assignee
    _record(
        hazard,
        Action.REASSIGN,
        actor,
        now,
        ["assignee"],
        note=reason,
        data={
            "from": previous.name if previous else "",
            "assignee": assignee.name,
            "assignee_id": assignee.pk,
        },
        recipients={assignee.user_id: "to_rectify"},
    )
    return hazard


@transaction.atomic
def hazard_change_deadline(
    *,
    hazard_id: int,
    actor,
    due_at: datetime.datetime,
    reason: str,
    expected_version: int | None = None,
    now=None,
) -> Hazard:
    """Move the current stage's deadline (acceptance or rectification), with a reason."""
    now = now or timezone.now()
    hazard = _begin(hazard_id, actor, Action.DEADLINE, expected_version)
    reason = _require(reason, REASON_REQUIRED)
    _check_future(due_at, now)
    field = "accept_due_at" if hazard.status == Status.REPORTED else "rectify_due_at"
    previous = getattr(hazard, field)
    setattr(hazard, field, due_at)
    recipients = {hazard.assignee.user_id: "deadline"} if hazard.assignee else {}
    _record(
        hazard,
        Action.DEADLINE,
        actor,
        now,
        [field],
        note=reason,
        data={"field": field, "from": previous.isoformat(), "to": due_at.isoformat()},
        recipients=recipients,
    )
    return hazard
