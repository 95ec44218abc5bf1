"""Excel files out: a styled write-only sheet for exports.

Exports stream: rows go to a temporary file as they are written (openpyxl's write-only
mode), so memory does not grow with the rows. Uploads are opened by `gridsafety.xlsx`, the
one guarded loader that every import uses.
"""

import datetime
from copy import copy
from dataclasses import dataclass

import openpyxl
from django.utils import timezone
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

# Writing -------------------------------------------------------------------------------

THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(wrap_text=True, horizontal="center", vertical="center")
TITLE_FONT = Font(bold=True, size=16)
HEAD_FONT = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")


@dataclass(frozen=True)
class Column:
    label: str
    width: float
    group: str = ""  # columns with the same group share a merged upper header cell
    number_format: str = ""  # the body cells' number format, e.g. DATE_TIME; "" the default


DATE_TIME = "yyyy-mm-dd hh:mm"


class SheetWriter:
    """One write-only sheet: a title row, a two-row merged header, then bordered wrapped rows.

    The header rows are frozen and printed on every page; the page is A4 landscape, fitted to
    the width. Everything about the layout is set before the first row is written, as
    write-only mode requires.
    """

    def __init__(self, workbook, title: str, heading: str, columns: list[Column]):
        self.sheet = workbook.create_sheet(title=title[:31])
        self.columns = columns
        last = get_column_letter(len(columns))
        sheet = self.sheet
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A4"
        sheet.print_title_rows = "2:3"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_options.horizontalCentered = True
        sheet.page_margins.left = sheet.page_margins.right = 0.4
        sheet.merged_cells.add(f"A1:{last}1")
        sheet.append([self._cell(heading, TITLE_FONT, CENTER, border=False)])
        upper, lower = [], []
        index = 0
        while index < len(columns):
            column = columns[index]
            span = 1
            if column.group:
                while index + span < len(columns) and columns[index + span].group == column.group:
                    span += 1
            first, end = get_column_letter(index + 1), get_column_letter(index + span)
            if column.group:
                sheet.merged_cells.add(f"{first}2:{end}2")
                upper.append(self._head(column.group))
                upper.extend(self._head("") for _ in range(span - 1))
                lower.extend(self._head(c.label) for c in columns[index : index + span])
            else:
                sheet.merged_cells.add(f"{first}2:{first}3")
                upper.append(self._head(column.label))
                lower.append(self._head(""))
            index += span
        sheet.append(upper)
        sheet.append(lower)
        self.rows = 0
        self._body = None

    def _cell(self, value, font=None, alignment=WRAP, border=True):
        cell = WriteOnlyCell(self.sheet, value=value)
        cell.alignment = alignment
        if font is not None:
            cell.font = font
        if border:
            cell.border = BORDER
        return cell

    def _body_cells(self) -> list["_BodyCell"]:
        """One reusable body cell per column, its style registered once.

        openpyxl's write-only sheet turns each appended value into a cell and serialises it
        at once, before taking the next; assigning a style to a cell hashes the style objects,
        and handing it a ready cell goes through a failed conversion of the value first. The
        sheet's rows are instead fed these cells with the new values set: one value check per
        cell, nothing else created per cell. A column with a number format (the dates) has a
        style of its own, set here once.
        """
        cells = []
        for index, column in enumerate(self.columns, start=1):
            cell = self._cell(None)
            if column.number_format:
                cell.number_format = column.number_format
            style = cell._style
            style_id = self.sheet.parent._cell_styles.add(style)
            cells.append(_BodyCell(self.sheet, index, style, style_id))
        self.sheet._values_to_row = self._body_row
        return cells

    def _body_row(self, values, row_idx):
        """Stands in for the sheet's `_values_to_row` once the header is written."""
        for cell, value in zip(self._body, values, strict=True):
            cell.value = value
            cell.row = row_idx
            yield cell

    def _head(self, value):
        cell = self._cell(value, HEAD_FONT, CENTER)
        cell.fill = HEAD_FILL
        return cell

    def append(self, values) -> None:
        if self._body is None:
            self._body = self._body_cells()
        self.sheet.append(values)
        self.rows += 1


class _BodyCell(Cell):
    """A body cell with its style id fixed (openpyxl looks it up by hashing the style for
    every cell written)."""

    __slots__ = ("has_style", "style_id")

    def __init__(self, sheet, column: int, style, style_id: int):
        super().__init__(sheet, column=column, style_array=copy(style))
        self.style_id = style_id
        self.has_style = True


def new_workbook():
    return openpyxl.Workbook(write_only=True)


# Values ---------------------------------------------------------------------------------

EXCEL_EPOCH = datetime.datetime(1899, 12, 30)  # day 0 of Excel's (1900) date system
MINUTE = datetime.timedelta(minutes=1)


class LocalMinutes:
    """Moments as Excel date-times: the local minute as a serial day number, None for none.

    A number in a column formatted DATE_TIME is what Excel itself stores for a date and
    time: it sorts, filters and computes as one, and is written as a plain number (the
    number format is the column's, set once). The time zone is looked up once, not per
    value; the seconds are dropped so that the value is the minute shown.
    """

    def __init__(self, tz=None):
        self.tz = tz or timezone.get_current_timezone()

    def __call__(self, moment):
        if not moment:
            return None
        at = moment.astimezone(self.tz).replace(tzinfo=None)
        return ((at - EXCEL_EPOCH) // MINUTE) / 1440


# Reading -------------------------------------------------------------------------------


def local_text(moment) -> str:
    """A moment as "YYYY-MM-DD HH:MM" in the current time zone, "" for none. Formatted by
    hand: a ledger writes hundreds of thousands, and `localtime` plus `strftime` cost twice
    as much."""
    if not moment:
        return ""
    at = moment.astimezone(timezone.get_current_timezone())
    return f"{at.year:04d}-{at.month:02d}-{at.day:02d} {at.hour:02d}:{at.minute:02d}"
