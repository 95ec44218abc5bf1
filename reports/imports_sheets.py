"""The import's sheets: their columns, the templates, and reading an upload into rows.

Sheet names and headers are recognised in Chinese and in English, as the templates write
them in either language; `reports.imports` checks and applies the rows.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext_lazy
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from .xlsx import BORDER, HEAD_FILL, HEAD_FONT, Column, new_workbook

MAX_ROWS = 5000  # per sheet
NO_SHEETS = gettext_lazy(
    "The workbook has none of the sheets People, Grid cells or Assignments. "
    "Start from a template on this page."
)
MISSING_COLUMN = gettext_lazy("The column is missing from the header row.")
TOO_MANY_ROWS = gettext_lazy("The sheet has more than %(limit)d rows; split the file.")
ROW_PROBLEM = gettext_lazy("Sheet %(sheet)s, row %(row)d, column %(column)s: %(message)s")
SHEET_PROBLEM = gettext_lazy("Sheet %(sheet)s, row %(row)d: %(message)s")


@dataclass(frozen=True)
class Field:
    key: str
    label: object  # lazy: shown in the user's language, recognised in both
    required: bool = False
    max_length: int | None = None
    width: float = 14

    def names(self) -> set[str]:
        with translation.override("en"):
            english = str(self.label)
        return {norm(english), norm(str(self.label))}


@dataclass(frozen=True)
class SheetSpec:
    key: str
    title: object
    fields: tuple[Field, ...]

    def names(self) -> set[str]:
        with translation.override("en"):
            english = str(self.title)
        return {norm(english), norm(str(self.title))}


def norm(text) -> str:
    return str(text or "").strip().rstrip("*").strip().lower()


PEOPLE = SheetSpec(
    "people",
    gettext_lazy("People"),
    (
        Field("code", gettext_lazy("Staff number"), True, 40),
        Field("name", gettext_lazy("Name"), True, 50),
        Field("phone", gettext_lazy("Phone"), False, 20, 16),
        Field("title", gettext_lazy("Post"), False, 50),
        Field("department", gettext_lazy("Department"), False, 50),
        Field("kind", gettext_lazy("Kind"), False, None, 16),
        Field("username", gettext_lazy("Login name"), False, 150, 16),
    ),
)
CELLS = SheetSpec(
    "cells",
    gettext_lazy("Grid cells"),
    (
        Field("code", gettext_lazy("Cell code"), True, 40),
        Field("name", gettext_lazy("Cell name"), True, 100, 18),
        Field("parent", gettext_lazy("Parent cell code"), False, 40, 16),
        Field("level", gettext_lazy("Level"), True, None, 8),
        Field("scope", gettext_lazy("Inside or outside"), False, None, 12),
        Field("carve", gettext_lazy("Carved by"), False, None, 12),
        Field("description", gettext_lazy("Short description"), False, 200, 24),
        Field("spot", gettext_lazy("Spot"), False, 200, 18),
        Field("duties", gettext_lazy("Extra duties"), False, None, 30),
    ),
)
ASSIGNMENTS = SheetSpec(
    "assignments",
    gettext_lazy("Assignments"),
    (
        Field("cell", gettext_lazy("Cell code"), True, 40),
        Field("person", gettext_lazy("Staff number"), True, 40),
        Field("role", gettext_lazy("Role"), True, 50, 16),
        Field("valid_from", gettext_lazy("From"), False, None, 12),
    ),
)
SHEETS = (PEOPLE, CELLS, ASSIGNMENTS)
TEMPLATES = {"people": (PEOPLE,), "grid": (CELLS, ASSIGNMENTS)}


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int
    column: str
    message: str

    def __str__(self):
        if not self.sheet:
            return self.message  # about the file as a whole
        if self.column:
            return str(ROW_PROBLEM % vars(self))
        return str(SHEET_PROBLEM % {"sheet": self.sheet, "row": self.row, "message": self.message})


@dataclass
class Row:
    number: int  # the row's number in Excel
    values: dict


@dataclass
class Sheet:
    spec: SheetSpec
    title: str
    rows: list[Row] = field(default_factory=list)

    def label(self, key: str) -> str:
        return next(str(f.label) for f in self.spec.fields if f.key == key)


# Templates -----------------------------------------------------------------------------


def template_write(kind: str, target) -> None:
    """The empty workbook to fill in: one sheet per part, a bold header row."""
    workbook = new_workbook()
    for spec in TEMPLATES[kind]:
        sheet = workbook.create_sheet(title=str(spec.title))
        columns = [Column(str(f.label), f.width) for f in spec.fields]
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A2"
        header = []
        for f in spec.fields:
            cell = WriteOnlyCell(sheet, value=f"{f.label}*" if f.required else str(f.label))
            cell.font, cell.fill, cell.border = HEAD_FONT, HEAD_FILL, BORDER
            header.append(cell)
        sheet.append(header)
    workbook.save(target)


# Reading -------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def workbook_sheets(workbook) -> tuple[list[Sheet], list[Problem]]:
    """The recognised sheets with their rows as text, and problems with headers or size."""
    sheets, problems = [], []
    for worksheet in workbook.worksheets:
        spec = next((s for s in SHEETS if norm(worksheet.title) in s.names()), None)
        if spec is None:
            continue
        sheet = Sheet(spec=spec, title=worksheet.title)
        rows = worksheet.iter_rows(values_only=True)
        header = next(rows, None) or ()
        positions = {}
        for index, value in enumerate(header):
            for f in spec.fields:
                if norm(value) in f.names():
                    positions[f.key] = index
        for f in spec.fields:
            if f.required and f.key not in positions:
                problems.append(Problem(sheet.title, 1, str(f.label), str(MISSING_COLUMN)))
        for number, values in enumerate(rows, start=2):
            if number - 1 > MAX_ROWS:
                problems.append(
                    Problem(sheet.title, number, "", str(TOO_MANY_ROWS % {"limit": MAX_ROWS}))
                )
                break
            texts = {
                key: _text(values[index]) if index < len(values) else ""
                for key, index in positions.items()
            }
            if any(texts.values()):
                sheet.rows.append(Row(number, texts))
        sheets.append(sheet)
    if not sheets:
        problems.append(Problem("", 1, "", str(NO_SHEETS)))
    return sheets, problems
