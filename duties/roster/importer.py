"""The roster's Excel import: a template, a dry run that lists every problem by sheet, row and
column, and an all-or-nothing apply.

A file's rows are first read into plain values (`read_rows`, kept in the session between
the preview and the confirmation), then checked against the school (`check_rows`), then
applied by `services.roster_apply` in one transaction, which skips what the roster already
says: importing the same file twice changes nothing the second time.
"""

import datetime
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from grids.models import GridCell, Person, School
from gridsafety.xlsx import open_workbook, sheet_rows

from ..models import RosterChange, RosterSource
from . import services

MAX_ROWS = 1000
COLUMNS = ("A", "B", "C", "D", "E")
HEADERS = (
    gettext_lazy("First day"),
    gettext_lazy("Last day"),
    gettext_lazy("Cell code"),
    gettext_lazy("Person (staff number, phone or name)"),
    gettext_lazy("Note"),
)
EXAMPLE_NOTE = gettext_lazy("Example row: replace it with your roster.")
UNKNOWN_PERSON = gettext_lazy(
    "No one in the school has this staff number, phone or name: %(text)s."
)
AMBIGUOUS_PERSON = gettext_lazy("Several people match %(text)s; use the staff number.")
NOT_A_DATE = gettext_lazy("%(text)s is not a date (write it as 2026-12-01).")
NOT_PLANNABLE = gettext_lazy("%(code)s is not a time-bound cell whose roster you plan.")
UNKNOWN_CELL = gettext_lazy("There is no cell with the code %(code)s.")
PROBLEM = gettext_lazy("Sheet %(sheet)s, row %(row)d, column %(column)s: %(message)s")
CLASH = gettext_lazy("%(date)s in %(cell)s is already given to someone else on %(row)s.")
NO_ROWS = gettext_lazy("The file has no roster rows below the header row.")
TOO_MANY_ROWS = gettext_lazy("The file has more than %(count)d rows.")
DATE_PATTERN = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$")


@dataclass
class Preview:
    """What an import would do: the checked items, or the problems that stop it."""

    rows: list[dict] = field(default_factory=list)  # for the page: one per file row
    items: list = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    changed_days: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def template_workbook(cells: list[GridCell], example_person: Person | None) -> bytes:
    """The .xlsx template: a header row and one example row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Roster")
    sheet.append([str(header) for header in HEADERS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    today = timezone.localdate()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    if cells:
        person = (example_person.code or example_person.name) if example_person else ""
        sheet.append(
            [
                monday.isoformat(),
                (monday + datetime.timedelta(days=4)).isoformat(),
                cells[0].code,
                person,
                str(EXAMPLE_NOTE),
            ]
        )
    for letter, width in zip(COLUMNS, (14, 14, 16, 30, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def read_rows(uploaded_file) -> list[list]:
    """[sheet, row number, five cell texts] for every data row of every sheet.

    Raises XlsxRejected (a ValidationError) for a file that is not a safe workbook."""
    workbook = open_workbook(uploaded_file)
    rows = []
    try:
        for sheet in workbook.worksheets:
            for number, values in sheet_rows(sheet, max_rows=MAX_ROWS + 1):
                if number == 1:
                    continue  # the header row
                if len(rows) >= MAX_ROWS:
                    raise ValidationError(TOO_MANY_ROWS % {"count": MAX_ROWS})
                cells = list(values[: len(COLUMNS)]) + [None] * (len(COLUMNS) - len(values))
                rows.append([sheet.title, number, [_as_text(value) for value in cells]])
    finally:
        workbook.close()
    if not rows:
        raise ValidationError(NO_ROWS)
    return rows


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number typed as a number
    return str(value).strip()


def _parse_date(text: str) -> datetime.date | None:
    match = DATE_PATTERN.match(text)
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


class _People:
    """Finds a person of the school by staff number, then phone, then name (one query)."""

    def __init__(self, school: School):
        self.by = defaultdict(list)
        for person in Person.objects.filter(school=school):
            for key in {person.code, person.phone, person.name} - {""}:
                self.by[key].append(person)

    def find(self, text: str) -> tuple[Person | None, str]:
        found = {person.pk: person for person in self.by.get(text, [])}
        if not found:
            return None, UNKNOWN_PERSON % {"text": text}
        if len(found) > 1:
            return None, AMBIGUOUS_PERSON % {"text": text}
        return next(iter(found.values())), ""


@dataclass
class _Row:
    """One file row as read and checked: its entry's parts and its problems by column."""

    first: datetime.date | None = None
    last: datetime.date | None = None
    cell: GridCell | None = None
    person: Person | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)


class _Checker:
    def __init__(self, school: School, cells: list[GridCell], today: datetime.date):
        self.people = _People(school)
        self.plannable = {cell.code: cell for cell in cells}
        self.elsewhere = set(
            GridCell.objects.filter(school=school)
            .exclude(pk__in=[c.pk for c in cells])
            .values_list("code", flat=True)
        )
        self.today = today

    def row(self, first_text, last_text, code, who, note) -> _Row:
        """Each column on its own, then the entry's rules (services.check_entry)."""
        row = _Row()
        row.first = _parse_date(first_text)
        if not first_text:
            row.problems.append(("A", _("The first day is missing.")))
        elif row.first is None:
            row.problems.append(("A", NOT_A_DATE % {"text": first_text}))
        row.last = _parse_date(last_text) if last_text else row.first
        if last_text and row.last is None:
            row.problems.append(("B", NOT_A_DATE % {"text": last_text}))
        row.cell = self.plannable.get(code)
        if not code:
            row.problems.append(("C", _("The cell code is missing.")))
        elif row.cell is None:
            missing = NOT_PLANNABLE if code in self.elsewhere else UNKNOWN_CELL
            row.problems.append(("C", missing % {"code": code}))
        if not who:
            row.problems.append(("D", _("Who is on duty is missing.")))
        else:
            row.person, message = self.people.find(who)
            if row.person is None:
                row.problems.append(("D", message))
        if len(note) > 200:
            row.problems.append(("E", _("The note is longer than 200 characters.")))
        if row.first and row.last and row.cell:
            try:
                services.check_entry(
                    cell=row.cell,
                    person=row.person,
                    first=row.first,
                    last=row.last,
                    today=self.today,
                )
            except ValidationError as error:
                column = "A" if row.first < self.today else "B"
                row.problems.append((column, " ".join(error.messages)))
        return row


def check_rows(rows: list[list], *, school: School, cells: list[GridCell], today) -> Preview:
    """Check every row and list every problem; the items to apply when there are none.

    Rows are checked one by one (`_Checker.row`), then against each other: two rows may
    not give the same cell and day to different people."""
    preview = Preview()
    checker = _Checker(school, cells, today)
    taken = {}  # (cell id, day) -> (row number, person id)
    for sheet, number, (first_text, last_text, code, who, note) in rows:
        row = checker.row(first_text, last_text, code, who, note)
        if not row.problems:
            for day in services.days_between(row.first, row.last):
                clash = taken.setdefault((row.cell.pk, day), (number, row.person.pk))
                if clash[1] != row.person.pk:
                    message = CLASH % {
                        "date": day.isoformat(),
                        "cell": row.cell.name,
                        "row": _("row %(row)d") % {"row": clash[0]},
                    }
                    row.problems.append(("A", message))
                    break
                preview.items.append(services.RosterItem(row.cell, day, row.person, note))
        preview.problems += [
            PROBLEM % {"sheet": sheet, "row": number, "column": column, "message": message}
            for column, message in row.problems
        ]
        preview.rows.append(
            {
                "sheet": sheet,
                "row": number,
                "first": first_text,
                "last": last_text or first_text,
                "cell": row.cell.name if row.cell else code,
                "person": row.person.name if row.person else who,
                "note": note,
                "ok": not row.problems,
            }
        )
    if preview.ok:
        unique = list({(item.cell.pk, item.day): item for item in preview.items}.values())
        preview.items = unique
        preview.changed_days = len(services.roster_diff(unique))
    return preview


@transaction.atomic
def import_apply(
    *, rows: list[list], school: School, cells: list[GridCell], actor, file_name: str, today
) -> tuple[Preview, RosterChange | None]:
    """Check the rows again (the roster may have moved since the preview) and apply them all,
    or nothing when any row has a problem."""
    preview = check_rows(rows, school=school, cells=cells, today=today)
    if not preview.ok:
        return preview, None
    change = services.roster_apply(
        school=school,
        items=preview.items,
        actor=actor,
        source=RosterSource.IMPORT,
        file_name=file_name[:200],
    )
    return preview, change
