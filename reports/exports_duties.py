"""The duties' Excel exports: check records (jiancha jilu), rosters (zhizhou/zhiban biao)
and the scorecard (gangxinghua kaohe).

Each is a `count` and a `write` for `reports.exports.BUILDERS`, plus the file's name. Scope
is the matching page's: the checks a manager sees (`duties.checks.permissions.managed_runs`),
the roster cells the user plans (`duties.permissions.plannable_cells`), and the scorecard's
covered cells. Rows stream in chunks with their related rows prefetched per chunk, so the
queries do not grow with the rows and the memory stays flat.
"""

from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _

from duties.checks.models import CheckAnswer, CheckRecord, ItemKind, RunStatus
from duties.checks.permissions import managed_runs
from duties.models import RosterAction, RosterDay
from duties.permissions import plannable_cells
from grids import access
from grids.models import GridCell

from .forms import ScorecardForm
from .selectors import SORT_NAME, scorecard_columns, scorecard_rows
from .xlsx import Column, SheetWriter
from .xlsx import local_text as _local

CHUNK = 1000  # rows per round trip for their related rows


def _span(first, last) -> str:
    if first == last:
        return first.isoformat()
    return f"{first.isoformat()} - {last.isoformat()}"


def _range_text(spec) -> str:
    if not (spec.date_from or spec.date_to):
        return ""
    start = spec.date_from.isoformat() if spec.date_from else ""
    end = spec.date_to.isoformat() if spec.date_to else ""
    return f" ({start} - {end})"


def _day_label(day) -> str:
    return day.strftime("%Y%m%d") if day else ""


def _file_name(spec, what: str) -> str:
    return (
        f"{spec.school_name()}{what}-{_day_label(spec.date_from)}-{_day_label(spec.date_to)}.xlsx"
    )


def _who(user) -> str:
    """A login's person's name (select_related `grid_person`), else the login name."""
    if user is None:
        return ""
    person = getattr(user, "grid_person", None)
    return person.name if person is not None else user.get_username()


class Paths:
    """The level path above each cell ("Root / Teaching / Grade1"), for cells of some
    schools, from one query."""

    def __init__(self, school_ids):
        self.cells = {
            pk: (name, parent)
            for pk, name, parent in GridCell.objects.filter(school_id__in=set(school_ids))
            .order_by()
            .values_list("pk", "name", "parent_id")
        }

    def __call__(self, cell_id) -> str:
        chain, pk = [], self.cells[cell_id][1]
        while pk is not None:
            name, pk = self.cells[pk]
            chain.append(name)
        return " / ".join(reversed(chain))


def _subtree(queryset, cell, path="cell"):
    if cell is None:
        return queryset
    return queryset.filter(
        **{
            f"{path}__tree_id": cell.tree_id,
            f"{path}__lft__gte": cell.lft,
            f"{path}__rght__lte": cell.rght,
        }
    )


# Check records -----------------------------------------------------------------------------


def check_cells(user):
    """The cells whose checks the user sees as a manager: those they cover in their school."""
    person = access.person_of(user)
    if person is None:
        return GridCell.objects.none()
    return access.covered_cells(user).filter(school_id=person.school_id)


def check_runs(spec):
    """The checks a manager sees (their covered cells), whose period overlaps the range."""
    runs = _subtree(managed_runs(spec.user), spec.cell)
    if spec.date_from:
        runs = runs.filter(period_end__gte=spec.date_from)
    if spec.date_to:
        runs = runs.filter(period_start__lte=spec.date_to)
    return runs


def checks_count(spec) -> int:
    return check_runs(spec).count()


def checks_name(spec) -> str:
    return _file_name(spec, _("Check records"))


def check_run_columns() -> list[Column]:
    check, done = _("Check"), _("Completion")
    found = _("Problems found")
    return [
        Column(_("No."), 6),
        Column(_("Path"), 24, check),
        Column(_("Cell"), 18, check),
        Column(_("Check"), 18, check),
        Column(_("Frequency"), 9, check),
        Column(_("Period"), 13, check),
        Column(_("Status"), 8),
        Column(_("Done by"), 10, done),
        Column(_("Done at"), 16, done),
        Column(_("Corrections"), 18, done),
        Column(_("Missed on"), 11, done),
        Column(_("Count"), 7, found),
        Column(_("Problems"), 28, found),
        Column(_("Hazards opened"), 16, found),
        Column(_("Photos"), 7),
        Column(_("Note"), 20),
    ]


def check_answer_columns() -> list[Column]:
    check, record, answer = _("Check"), _("Record"), _("Answer")
    return [
        Column(_("No."), 6),
        Column(_("Cell"), 18, check),
        Column(_("Check"), 18, check),
        Column(_("Period"), 13, check),
        Column(_("Recorded at"), 16, record),
        Column(_("Recorded by"), 10, record),
        Column(_("Kind"), 16, record),
        Column(_("Item"), 22, answer),
        Column(_("Answer"), 18, answer),
        Column(_("Problem"), 7, answer),
        Column(_("Hazard opened"), 16, answer),
        Column(_("Photos"), 7, answer),
    ]


def _records_prefetch():
    answers = (
        CheckAnswer.objects.select_related("item", "hazard")
        .annotate(photo_count=Count("photos"))
        .order_by("item__sort_order", "item_id")
    )
    records = (
        CheckRecord.objects.select_related("submitted_by__grid_person")
        .prefetch_related(Prefetch("answers", queryset=answers, to_attr="shown_answers"))
        .order_by("submitted_at", "id")
    )
    return Prefetch("records", queryset=records, to_attr="shown_records")


def _checked_runs(spec):
    """The runs in tree order, each with its records (oldest first) and their answers.

    Queries: one for the runs, and per CHUNK runs one for the records and one for the
    answers with their items, hazards and photo counts."""
    return (
        check_runs(spec)
        .select_related("template", "cell", "done_by__grid_person")
        .prefetch_related(_records_prefetch())
        .order_by("period_start", "cell__tree_id", "cell__lft", "template__title", "id")
        .iterator(chunk_size=CHUNK)
    )


def _answer_text(answer: CheckAnswer) -> str:
    kind = answer.item.kind
    if kind == ItemKind.YES_NO:
        if answer.ok is None:
            return ""
        return _("OK") if answer.ok else _("Problem")
    if kind == ItemKind.NUMBER:
        return "" if answer.number is None else f"{answer.number.normalize():f}"
    if kind == ItemKind.PHOTO:
        return ""
    return answer.text


def checks_write(spec, workbook) -> int:
    """Two sheets: one row per check of a period, then one row per answer of every record
    (a correction and the record it corrects both shown, marked as such)."""
    school = spec.school_name()
    heading = _("%(school)s recurring check records") % {"school": school}
    runs_sheet = SheetWriter(
        workbook, _("Check records"), heading + _range_text(spec), check_run_columns()
    )
    answers_sheet = SheetWriter(
        workbook,
        _("Answers"),
        _("%(school)s recurring check answers") % {"school": school} + _range_text(spec),
        check_answer_columns(),
    )
    status_label = dict(RunStatus.choices)
    yes = _("Yes")
    paths = None
    for run in _checked_runs(spec):
        if paths is None:
            paths = Paths([run.cell.school_id])
        records = run.shown_records
        latest = records[-1] if records else None
        corrections = [r for r in records if r.corrects_id is not None]
        problems = [a for a in latest.shown_answers if a.is_problem] if latest else []
        hazards = [a.hazard.number for r in records for a in r.shown_answers if a.hazard_id]
        cell = f"{run.cell.code} {run.cell.name}"
        period = _span(run.period_start, run.period_end)
        runs_sheet.append(
            [
                runs_sheet.rows + 1,
                paths(run.cell_id),
                cell,
                run.template.title,
                run.template.get_frequency_display(),
                period,
                str(status_label.get(run.status, run.status)),
                _who(run.done_by),
                _local(run.done_at),
                "\n".join(
                    _("Corrected %(at)s by %(who)s")
                    % {"at": _local(r.submitted_at), "who": _who(r.submitted_by)}
                    for r in corrections
                ),
                run.missed_on.isoformat() if run.missed_on else "",
                len(problems),
                "\n".join(f"{a.item.label}: {_answer_text(a)}".rstrip(": ") for a in problems),
                "\n".join(dict.fromkeys(hazards)),
                sum(a.photo_count for a in latest.shown_answers) if latest else 0,
                latest.note if latest else "",
            ]
        )
        for record in records:
            if record.corrects_id is not None:
                kind = _("Correction")
            else:
                kind = _("First record")
            if record is not latest:
                kind += " · " + _("superseded")
            for answer in record.shown_answers:
                answers_sheet.append(
                    [
                        answers_sheet.rows + 1,
                        cell,
                        run.template.title,
                        period,
                        _local(record.submitted_at),
                        _who(record.submitted_by),
                        kind,
                        answer.item.label,
                        _answer_text(answer),
                        yes if answer.is_problem else "",
                        answer.hazard.number if answer.hazard_id else "",
                        answer.photo_count,
                    ]
                )
        run.shown_records = []  # free the chunk's records as soon as they are written
    return runs_sheet.rows


# Rosters -------------------------------------------------------------------------------------


def roster_cells(user):
    """The roster page's cells: time-bound cells of the user's school whose roster they plan."""
    person = access.person_of(user)
    if person is None:
        return GridCell.objects.none()
    return plannable_cells(user).filter(school_id=person.school_id)


def roster_days(spec):
    days = RosterDay.objects.current().filter(cell__in=roster_cells(spec.user).values("pk"))
    days = _subtree(days, spec.cell)
    if spec.date_from:
        days = days.filter(day__gte=spec.date_from)
    if spec.date_to:
        days = days.filter(day__lte=spec.date_to)
    return days


def roster_count(spec) -> int:
    return roster_days(spec).count()


def roster_name(spec) -> str:
    return _file_name(spec, _("Duty rota"))


def roster_columns() -> list[Column]:
    duty, change = _("On duty"), _("Change in force")
    return [
        Column(_("No."), 6),
        Column(_("Date"), 11),
        Column(_("Weekday"), 7),
        Column(_("Cell"), 20),
        Column(_("Name"), 10, duty),
        Column(_("Phone"), 14, duty),
        Column(_("Action"), 8, change),
        Column(_("In place of"), 10, change),
        Column(_("Recorded by"), 10, change),
        Column(_("Recorded at"), 16, change),
        Column(_("Reason"), 24, change),
    ]


def roster_write(spec, workbook) -> int:
    """One row per cell and day in the range: the row in force, and for a replacement or a
    cancellation whom it replaced, who changed it, when and why.

    Queries: the range's cells and the phone rule for all of them (three), then one for the
    days with their cell, person, change and the row replaced."""
    heading = _("%(school)s duty roster") % {"school": spec.school_name()}
    sheet = SheetWriter(workbook, _("Duty rota"), heading + _range_text(spec), roster_columns())
    weekdays = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    action_label = dict(RosterAction.choices)
    cancelled = _("(nobody: cancelled)")
    rows = (
        roster_days(spec)
        .select_related("cell", "person", "change__created_by__grid_person", "supersedes__person")
        .order_by("day", "cell__tree_id", "cell__lft")
    )
    access.remember_phone_rights(
        spec.user, GridCell.objects.filter(pk__in=roster_days(spec).values("cell_id"))
    )
    for row in rows.iterator(chunk_size=CHUNK):
        person = row.person
        changed = row.action != RosterAction.PLAN
        reason = "; ".join(text for text in (row.change.reason, row.note) if text)
        sheet.append(
            [
                sheet.rows + 1,
                row.day.isoformat(),
                weekdays[row.day.weekday()],
                f"{row.cell.code} {row.cell.name}",
                person.name if person else cancelled,
                access.phone_for(spec.user, person.phone, row.cell) if person else "",
                str(action_label.get(row.action, row.action)),
                row.supersedes.person.name
                if changed and row.supersedes_id and row.supersedes.person
                else "",
                _who(row.change.created_by),
                _local(row.change.created_at),
                reason,
            ]
        )
    return sheet.rows


# The scorecard -------------------------------------------------------------------------------


def scorecard_period(spec) -> dict:
    """The scorecard's filters as the export was asked (the page's defaults otherwise)."""
    defaults = ScorecardForm.defaults()
    return {
        "by": spec.extra.get("by") or defaults["by"],
        "start": spec.date_from or defaults["start"],
        "end": spec.date_to or defaults["end"],
        "sort": spec.extra.get("sort") or "",
    }


def scorecard_count(spec) -> int:
    return access.covered_cells(spec.user).count()


def scorecard_name(spec) -> str:
    period = scorecard_period(spec)
    return (
        f"{spec.school_name()}{_('Rigorous assessment')}-"
        f"{_day_label(period['start'])}-{_day_label(period['end'])}.xlsx"
    )


def scorecard_write(spec, workbook) -> int:
    """What /reports/scorecard/ shows for the same filters and sort, every row (not a page),
    and the total."""
    period = scorecard_period(spec)
    columns = scorecard_columns()
    by_person = period["by"] == "person"
    sort = period["sort"]
    if sort.lstrip("-") not in {c.key for c in columns} | {SORT_NAME}:
        sort = ""
    rows = scorecard_rows(spec.user, period["start"], period["end"], by=period["by"], sort=sort)
    heading = _("%(school)s scorecard (%(start)s - %(end)s)") % {
        "school": spec.school_name(),
        "start": period["start"].isoformat(),
        "end": period["end"].isoformat(),
    }
    figures = _("Figures")
    layout = [Column(_("No."), 6), Column(_("Level"), 6)]
    if by_person:
        layout += [Column(_("Person"), 12), Column(_("Cell"), 18)]
    else:
        layout += [Column(_("Cell code"), 12), Column(_("Cell"), 18)]
    layout += [Column(str(c.label), 11, figures) for c in columns]
    sheet = SheetWriter(workbook, _("Rigorous assessment"), heading, layout)
    for row in rows:
        first = row["name"] if by_person else row["cell"]["code"]
        second = row["cell"]["name"] if by_person else row["name"]
        sheet.append(
            [sheet.rows + 1, f"L{row['level']}", first, second]
            + [row["values"][c.key] for c in columns]
        )
    written = sheet.rows
    sheet.append(
        ["", "", _("Total"), ""] + [sum(r["values"][c.key] for r in rows) for c in columns]
    )
    return written
