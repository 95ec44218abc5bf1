"""Excel files in and out: a styled write-only sheet for exports, a guarded loader for imports.

Exports stream: rows go to a temporary file as they are written (openpyxl's write-only
mode), so memory does not grow with the rows. Imports open a file only after it passed the
checks below, in read-only mode, with openpyxl parsing through defusedxml.
"""

import zipfile
from copy import copy
from dataclasses import dataclass

import openpyxl
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

NOT_XLSX = _("The file is not an Excel workbook (.xlsx). Save it as .xlsx and upload it again.")
TOO_LARGE = _("The file is larger than %(limit)s MB.")
TOO_MANY_PARTS = _("The workbook has too many parts to be a plain table.")
UNPACKS_TOO_LARGE = _("The workbook unpacks to more than %(limit)s MB; it is refused.")
SUSPICIOUS_RATIO = _("The workbook is compressed suspiciously well; it is refused.")
UNREADABLE = _("The workbook could not be read; it may be damaged or unsafe.")

MAX_MEMBERS = 200
MAX_RATIO = 100  # uncompressed / compressed, per member; plain sheets stay well below


class WorkbookRefused(ValueError):
    """The upload is not a workbook we are willing to open; the message says why."""


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
        self._body_style = None

    def _cell(self, value, font=None, alignment=WRAP, border=True):
        cell = WriteOnlyCell(self.sheet, value=value)
        cell.alignment = alignment
        if font is not None:
            cell.font = font
        if border:
            cell.border = BORDER
        return cell

    def _body_cell(self, value):
        """A body cell: the style is registered once and its index array copied, because
        assigning style objects hashes them for every cell (most of the writing time)."""
        if self._body_style is None:
            self._body_style = self._cell(None)._style
        cell = WriteOnlyCell(self.sheet, value=value)
        cell._style = copy(self._body_style)
        return cell

    def _head(self, value):
        cell = self._cell(value, HEAD_FONT, CENTER)
        cell.fill = HEAD_FILL
        return cell

    def append(self, values) -> None:
        self.sheet.append([self._body_cell(value) for value in values])
        self.rows += 1


def new_workbook():
    return openpyxl.Workbook(write_only=True)


# Reading -------------------------------------------------------------------------------


def _check_defused() -> None:
    if openpyxl.DEFUSEDXML is not True:
        raise ImproperlyConfigured("defusedxml must be installed: openpyxl parses uploads.")


def open_workbook(uploaded_file):
    """Open an uploaded .xlsx read-only after checking it is a modest, well-formed zip.

    Steps: refuse by size as sent; refuse what is not a zip; refuse a zip whose members are
    too many, unpack too large in total, or compress too well (a zip bomb), reading only the
    zip's directory; then let openpyxl (through defusedxml, which refuses entity
    declarations: XML bombs) read it. Every refusal is a `WorkbookRefused` with a message
    for the user.
    """
    _check_defused()
    limit = settings.REPORTS_IMPORT_MAX_BYTES
    size = getattr(uploaded_file, "size", None)
    if size is None:
        uploaded_file.seek(0, 2)
        size = uploaded_file.tell()
    if size > limit:
        raise WorkbookRefused(TOO_LARGE % {"limit": limit // (1024 * 1024)})
    uploaded_file.seek(0)
    if uploaded_file.read(4) != b"PK\x03\x04":
        raise WorkbookRefused(NOT_XLSX)
    uploaded_file.seek(0)
    try:
        archive = zipfile.ZipFile(uploaded_file)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise WorkbookRefused(NOT_XLSX) from error
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise WorkbookRefused(NOT_XLSX)
    if len(members) > MAX_MEMBERS:
        raise WorkbookRefused(TOO_MANY_PARTS)
    unpacked_limit = settings.REPORTS_IMPORT_MAX_UNPACKED_BYTES
    if sum(member.file_size for member in members) > unpacked_limit:
        raise WorkbookRefused(UNPACKS_TOO_LARGE % {"limit": unpacked_limit // (1024 * 1024)})
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise WorkbookRefused(SUSPICIOUS_RATIO)
    uploaded_file.seek(0)
    try:
        return openpyxl.load_workbook(
            uploaded_file, read_only=True, data_only=True, keep_links=False
        )
    except Exception as error:  # openpyxl and defusedxml raise many kinds for a bad file
        raise WorkbookRefused(UNREADABLE) from error
