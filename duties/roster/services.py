"""Writes to the roster. Append-only: every change is a RosterChange with its RosterDay rows,
each superseding the row in force for its cell and day. Each write runs in one transaction
under a lock on the school's row, then brings today's on-duty rights in line.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import GridCell, Person, School
from grids.services import on_duty_rights_set

from ..models import RosterAction, RosterChange, RosterDay, RosterSource

MAX_DAYS = 62  # one entry spans at most two months

NOT_TIME_BOUND = _("%(cell)s is not a time-bound cell.")
OTHER_SCHOOL = _("The cell and the person must belong to the same school.")
DAYS_ORDER = _("The last day comes before the first day.")
TOO_MANY_DAYS = _("One entry spans at most %(days)d days.")
PAST_DAY = _("Days before today cannot be changed: the past roster is a record.")
REASON_REQUIRED = _("Give a reason: someone is already on duty on %(date)s.")
PERSON_REQUIRED = _("Choose who is on duty.")
NOTHING_CHANGED = _("Nothing changed: the roster already says so.")


@dataclass(frozen=True)
class RosterItem:
    """One day of one time-bound cell; `person` None cancels the duty of that day."""

    cell: GridCell
    day: datetime.date
    person: Person | None
    note: str = ""


def days_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def check_entry(*, cell: GridCell, person: Person | None, first, last, today) -> None:
    """The rules of one entry (a cell, a person, a span of days), for the form and the import."""
    if not cell.is_time_bound:
        raise ValidationError(NOT_TIME_BOUND % {"cell": cell.name})
    if person is not None and person.school_id != cell.school_id:
        raise ValidationError(OTHER_SCHOOL)
    if last < first:
        raise ValidationError(DAYS_ORDER)
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationError(TOO_MANY_DAYS % {"days": MAX_DAYS})
    if first < today:
        raise ValidationError(PAST_DAY)


@transaction.atomic
def roster_set(
    *,
    cell: GridCell,
    person: Person | None,
    first: datetime.date,
    last: datetime.date,
    note: str = "",
    reason: str = "",
    actor,
) -> RosterChange:
    """Put `person` on duty in `cell` from `first` to `last` (inclusive), or with `person`
    None cancel those days. Replacing or cancelling someone needs a reason."""
    if person is None and not reason.strip():
        raise ValidationError(REASON_REQUIRED % {"date": first.isoformat()})
    check_entry(cell=cell, person=person, first=first, last=last, today=timezone.localdate())
    items = [RosterItem(cell, day, person, note.strip()) for day in days_between(first, last)]
    change = roster_apply(
        school=cell.school,
        items=items,
        actor=actor,
        source=RosterSource.FORM,
        reason=reason.strip(),
        require_reason=True,
    )
    if change is None:
        raise ValidationError(NOTHING_CHANGED)
    return change


@transaction.atomic
def roster_apply(
    *,
    school: School,
    items: list[RosterItem],
    actor,
    source: str,
    reason: str = "",
    file_name: str = "",
    require_reason: bool = False,
    fill_only: bool = False,
) -> RosterChange | None:
    """Record the items that change the roster as one RosterChange; None if none does.

    Steps: lock the school; diff the items against the rows in force (`roster_diff`: what the
    roster already says is skipped, so a repeated import changes nothing); refuse to
    displace someone without a reason when `require_reason`; write the change and its rows;
    bring today's on-duty rights in line.
    """
    School.objects.select_for_update().get(pk=school.pk)
    rows = roster_diff(items, fill_only=fill_only)
    if require_reason and not reason:
        displacing = (RosterAction.REPLACE, RosterAction.CANCEL)
        displaced = next((row for row in rows if row.action in displacing), None)
        if displaced is not None:
            raise ValidationError(REASON_REQUIRED % {"date": displaced.day.isoformat()})
    if not rows:
        return None
    change = RosterChange.objects.create(
        school=school, source=source, reason=reason, file_name=file_name, created_by=actor
    )
    for row in rows:
        row.change = change
    RosterDay.objects.bulk_create(rows)
    roster_rights_sync(school)
    return change


def roster_diff(items: list[RosterItem], *, fill_only: bool = False) -> list[RosterDay]:
    """The unsaved rows that would record the items' changes: items the roster already says are
    left out (one query). With `fill_only`, days that already have a row are left out too."""
    if not items:
        return []
    in_force = {
        (row.cell_id, row.day): row
        for row in RosterDay.objects.current().filter(
            cell__in={item.cell.pk for item in items},
            day__range=(min(i.day for i in items), max(i.day for i in items)),
        )
    }
    rows = []
    for item in items:
        current = in_force.get((item.cell.pk, item.day))
        person_id = item.person.pk if item.person else None
        if current is not None and (current.person_id, current.note) == (person_id, item.note):
            continue
        if current is not None and current.pk is None:
            raise ValueError(f"two different items for cell {item.cell.pk} on {item.day}")
        if (current is not None and fill_only) or (current is None and item.person is None):
            continue  # demo data never displaces; nothing planned is nothing to cancel
        if item.person is None:
            action = RosterAction.CANCEL
        elif current is not None and current.person_id is not None:
            action = RosterAction.REPLACE
        else:
            action = RosterAction.PLAN
        row = RosterDay(
            cell=item.cell,
            day=item.day,
            person=item.person,
            action=action,
            note=item.note,
            supersedes=current,
        )
        rows.append(row)
        in_force[(item.cell.pk, item.day)] = row
    return rows


def roster_rights_sync(school: School, on: datetime.date | None = None) -> tuple[int, int]:
    """Give whoever the roster names for today the `on_duty` right on their cell, and take it
    from yesterday's. Runs after every roster change and hourly from beat."""
    on = on or timezone.localdate()
    holders = set(
        RosterDay.objects.current()
        .filter(
            cell__school=school,
            cell__roster_kind__gt="",
            day=on,
            person__user__isnull=False,
        )
        .values_list("person__user_id", "cell_id")
    )
    return on_duty_rights_set(school, holders)
