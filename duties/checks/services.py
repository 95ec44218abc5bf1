"""Writes for recurring checks: open the periods, complete a check, mark and report misses."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from grids import access
from grids.models import GridCell
from hazards.models import HazardCategory, Severity
from hazards.workflow.loop import hazard_report

from ..models import CellPost, Duty
from . import permissions
from .models import (
    CheckAnswer,
    CheckItem,
    CheckPhoto,
    CheckRecord,
    CheckRun,
    CheckTemplate,
    MissedDigest,
    RunStatus,
)
from .periods import calendars_for, period_of

PERIOD_OVER = _("The period of this check has ended; it can no longer be completed.")
ALREADY_DONE = _(
    "This check was completed a moment ago by someone else. Here it is; correct it if needed."
)
STALE_CORRECTION = _("This record has already been corrected. Here is the latest one.")
WRONG_ITEM = _("This item does not belong to the check.")
BATCH = 5000  # rows per INSERT (SQLite's limit of 999 parameters makes it ~160 there)
DIGEST_LINES = 100  # a mail lists this many misses; the page has them all


# Opening the periods ---------------------------------------------------------------------


def check_runs_open(*, now: datetime.datetime | None = None, school_ids=None) -> int:
    """Open the period covering today of every active check, for every cell carrying its
    duty. Safe to run any number of times: the unique (check, cell, period start) makes a
    second run insert nothing. Returns the number of runs inserted.

    Steps:
    1. the active check templates with their duties (one query);
    2. the schools' calendars (two queries), giving each template today's period, or none;
    3. per distinct period, one INSERT ... SELECT that copies the cells carrying the duties
       (through the post's cell links, or every cell of the level) and skips the runs already
       there (ON CONFLICT DO NOTHING, in PostgreSQL and SQLite alike).
    The queries depend on how many distinct periods today has (a handful: day, week, month,
    the terms), never on the number of cells; the rows never pass through Python.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    templates = CheckTemplate.objects.filter(is_active=True, duty__is_active=True).select_related(
        "duty"
    )
    if school_ids is not None:
        templates = templates.filter(duty__school_id__in=school_ids)
    templates = list(templates)
    if not templates:
        return 0
    calendars = calendars_for({t.duty.school_id for t in templates}, today)
    by_period = defaultdict(lambda: ([], []))  # period -> (post templates, level templates)
    for template in templates:
        period = period_of(template.frequency, today, calendars[template.duty.school_id])
        if period is not None:
            by_period[period][0 if template.duty.post_id else 1].append(template.pk)
    inserted = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for (start, end), groups in by_period.items():
            for sql, ids in zip(_open_statements(), groups, strict=True):
                for first in range(0, len(ids), 500):
                    chunk = ids[first : first + 500]
                    cursor.execute(
                        sql % ", ".join(["%s"] * len(chunk)),
                        [
                            connection.ops.adapt_datefield_value(start),
                            connection.ops.adapt_datefield_value(end),
                            RunStatus.OPEN.value,
                            connection.ops.adapt_datetimefield_value(now),
                            *chunk,
                        ],
                    )
                    inserted += max(cursor.rowcount, 0)
    return inserted


def _open_statements() -> tuple[str, str]:
    """INSERT ... SELECT for templates of post duties, and of level duties; `%s` in the IN
    list is filled with one placeholder per template id."""
    run, template, duty = CheckRun._meta.db_table, CheckTemplate._meta.db_table, Duty._meta.db_table
    head = (
        f"INSERT INTO {run} (template_id, cell_id, period_start, period_end, status, opened_at) "
        f"SELECT t.id, c.id, %%s, %%s, %%s, %%s FROM {template} t "
        f"JOIN {duty} d ON d.id = t.duty_id "
    )
    tail = "WHERE t.id IN (%s) ON CONFLICT DO NOTHING"
    by_post = (
        f"{head}JOIN {CellPost._meta.db_table} cp ON cp.post_id = d.post_id "
        f"JOIN {GridCell._meta.db_table} c ON c.id = cp.cell_id {tail}"
    )
    by_level = (
        f"{head}JOIN {GridCell._meta.db_table} c "
        f"ON c.school_id = d.school_id AND c.depth = d.level - 1 {tail}"
    )
    return by_post, by_level


# Completing a check ----------------------------------------------------------------------


@dataclass
class Answer:
    """What the form collected for one item."""

    item: CheckItem
    ok: bool | None = None
    number: Decimal | None = None
    text: str = ""
    is_problem: bool = False
    detail: str = ""  # what is wrong, for the hazard
    photos: list = field(default_factory=list)


@transaction.atomic
def check_complete(
    *,
    run_id: int,
    actor,
    answers: list[Answer],
    note: str = "",
    corrects: CheckRecord | None = None,
    now: datetime.datetime | None = None,
) -> CheckRecord:
    """Record a completion, or a correction of the latest one. Final once written.

    Steps: lock the run; check the actor holds a post in its cell, the period is still on,
    and that nobody completed (or corrected) it meanwhile; write the record and its answers;
    open a hazard in the cell for each new problem (a correction keeps the hazard the
    corrected record already opened for the same item); mark the run done the first time.
    """
    now = now or timezone.now()
    run = (
        CheckRun.objects.select_for_update(of=("self",))
        .select_related("template", "cell")
        .get(pk=run_id)
    )
    if not permissions.can_fill(actor, run):
        raise PermissionDenied
    if run.status == RunStatus.MISSED or run.period_end < timezone.localdate(now):
        raise ValidationError(PERIOD_OVER)
    latest = run.records.filter(corrected_by__isnull=True).order_by("-submitted_at", "-pk").first()
    if corrects is None and latest is not None:
        raise ValidationError(ALREADY_DONE)
    if corrects is not None and (latest is None or corrects.pk != latest.pk):
        raise ValidationError(STALE_CORRECTION)
    if any(answer.item.template_id != run.template_id for answer in answers):
        raise ValidationError(WRONG_ITEM)

    record = CheckRecord.objects.create(
        run=run, submitted_by=actor, submitted_at=now, corrects=corrects, note=note
    )
    earlier_hazards = {}
    if corrects is not None:
        earlier_hazards = dict(
            corrects.answers.filter(hazard__isnull=False).values_list("item_id", "hazard_id")
        )
    category = None
    for answer in answers:
        row = CheckAnswer.objects.create(
            record=record,
            item=answer.item,
            ok=answer.ok,
            number=answer.number,
            text=answer.text,
            is_problem=answer.is_problem,
            hazard_id=earlier_hazards.get(answer.item.pk) if answer.is_problem else None,
        )
        photos = []
        for content in answer.photos:
            photo = CheckPhoto(answer=row)
            photo.image.save(content.name, content, save=False)
            photo.save()
            photos.append(content)
        if answer.is_problem and row.hazard_id is None:
            category = category or _category_for(run.template, run.cell.school_id)
            row.hazard = hazard_report(
                reporter=actor,
                cell=run.cell,
                category=category,
                severity=Severity.GENERAL,
                description=_problem_description(run, answer, note),
                spot=run.cell.spot,
                photos=photos,
                now=now,
            )
            row.save(update_fields=["hazard"])
    if run.status == RunStatus.OPEN:
        CheckRun.objects.filter(pk=run.pk, status=RunStatus.OPEN).update(
            status=RunStatus.DONE, done_at=now, done_by=actor
        )
    return record


def _category_for(template: CheckTemplate, school_id: int) -> HazardCategory:
    if template.hazard_category_id:
        return template.hazard_category
    categories = HazardCategory.objects.filter(school_id=school_id, is_active=True)
    return categories.filter(code="other").first() or categories.first()


def _problem_description(run: CheckRun, answer: Answer, note: str) -> str:
    """The hazard's text: which check and item found it, the answer, and what is wrong."""
    head = f"{run.template.title} · {answer.item.label}"
    if answer.number is not None:
        head += f": {answer.number}"
    elif answer.text:
        head += f": {answer.text}"
    parts = [head, answer.detail.strip(), note.strip()]
    return "\n".join(part for part in parts if part)[:2000]


# Misses ----------------------------------------------------------------------------------


def check_runs_mark_missed(*, now: datetime.datetime | None = None) -> int:
    """Every open check whose period ended before today becomes missed, with when: one
    guarded update, so two jobs never mark a check twice and a completion racing it wins or
    loses whole."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return CheckRun.objects.filter(status=RunStatus.OPEN, period_end__lt=today).update(
        status=RunStatus.MISSED, missed_at=now, missed_on=today
    )


def missed_digests_create(*, day: datetime.date, now: datetime.datetime | None = None) -> list[int]:
    """One digest per manager for the checks marked missed on `day`; a manager who already
    has that day's digest gets no second one. Returns the new digests' ids.

    Each missed check goes to the managers of the cell above its own (`grids.access`, the
    same answer as `cell_managers`: the nearest manager up the tree when a cell has none):
    a level-4 cell's own holder is usually the one who missed it, and sees it on their page.
    A level-1 cell's check goes to its own managers.
    """
    now = now or timezone.now()
    # Plain rows, not model instances: a county's night can hold tens of thousands of misses.
    rows = CheckRun.objects.filter(status=RunStatus.MISSED, missed_on=day).values_list(
        "pk",
        Coalesce("cell__parent_id", "cell_id"),
        Coalesce("cell__parent__tree_id", "cell__tree_id"),
        Coalesce("cell__parent__lft", "cell__lft"),
        Coalesce("cell__parent__rght", "cell__rght"),
    )
    above_of, cells = {}, {}
    for run_id, cell_id, tree_id, lft, rght in rows:
        above_of[run_id] = cell_id
        cells[cell_id] = SimpleNamespace(pk=cell_id, tree_id=tree_id, lft=lft, rght=rght)
    if not above_of:
        return []
    managers = access.managers_by_cell(cells.values())
    runs_of = defaultdict(list)
    for run_id, cell_id in above_of.items():
        for user_id in managers[cell_id]:
            runs_of[user_id].append(run_id)
    done = set(
        MissedDigest.objects.filter(day=day, recipient_id__in=runs_of).values_list(
            "recipient_id", flat=True
        )
    )
    link = MissedDigest.runs.through
    created = []
    for user_id, run_ids in runs_of.items():
        if user_id in done:
            continue
        try:
            with transaction.atomic():
                digest = MissedDigest.objects.create(recipient_id=user_id, day=day, created_at=now)
                link.objects.bulk_create(
                    [link(misseddigest_id=digest.pk, checkrun_id=run_id) for run_id in run_ids],
                    batch_size=BATCH,
                )
        except IntegrityError:  # another job wrote this manager's digest a moment ago
            continue
        created.append(digest.pk)
    return created


def missed_checks_process(*, now: datetime.datetime | None = None) -> tuple[int, list[int]]:
    """The nightly job: mark the misses, write today's digests, send them after commit."""
    from ..tasks import send_missed_digest

    now = now or timezone.now()
    with transaction.atomic():
        marked = check_runs_mark_missed(now=now)
        digests = missed_digests_create(day=timezone.localdate(now), now=now)
        for digest_id in digests:
            send_missed_digest.delay_on_commit(digest_id)
    return marked, digests


def missed_digest_send(*, digest_id: int, now: datetime.datetime | None = None) -> bool:
    """E-mail a digest once: the row is claimed by a guarded update before the mail goes, so
    a task delivered twice sends one message. A recipient without an address is claimed too:
    the digest stays visible on their pages."""
    now = now or timezone.now()
    if not MissedDigest.objects.filter(pk=digest_id, sent_at__isnull=True).update(sent_at=now):
        return False
    digest = MissedDigest.objects.select_related("recipient").get(pk=digest_id)
    if not digest.recipient.email:
        return False
    missed = digest.runs.all()
    total = missed.count()
    runs = list(
        missed.select_related("template", "cell").order_by(
            "cell__tree_id", "cell__lft", "period_start"
        )[:DIGEST_LINES]
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = str(MISSED_SUBJECT) % {"count": total, "day": digest.day}
        body = render_to_string(
            "duties/checks/missed_digest.txt",
            {
                "digest": digest,
                "runs": runs,
                "total": total,
                "more": total - len(runs),
                "url": f"{settings.SITE_URL.rstrip('/')}{reverse('duties:today')}",
            },
        )
    send_mail(subject, body, None, [digest.recipient.email])
    return True


MISSED_SUBJECT = _("Missed checks on %(day)s: %(count)s")
