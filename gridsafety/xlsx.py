"""Opening an uploaded Excel file safely, for every importer.

    from gridsafety.xlsx import XlsxRejected, open_workbook, sheet_rows

    try:
        workbook = open_workbook(request.FILES["file"])
    except XlsxRejected as error:
        form.add_error("file", error)  # a clear message in the user's language
    for sheet in workbook.worksheets:
        for number, values in sheet_rows(sheet, max_rows=2000):
            ...

Checks, in order, before openpyxl parses a byte: the size of the upload; the name ends in
.xlsx; the bytes are a zip; the zip's members (count, total uncompressed size, compression
ratio of each: a zip bomb fails here); the members an .xlsx must have; no DTD or entity
declaration in any XML member (an XML bomb fails here, and openpyxl parses through
defusedxml besides, which the loader insists on). The workbook is opened read-only with
cached values, so formulas are never evaluated.
"""

import io
import zipfile

import openpyxl
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed, per member: real sheets stay far below
MAX_MEMBERS = 200
REQUIRED_MEMBERS = ("[Content_Types].xml", "xl/workbook.xml")

TOO_BIG = _("The file is larger than %(size)s MB.")
NOT_XLSX = _("Upload an Excel file (.xlsx).")
NOT_A_ZIP = _("The file is not a valid .xlsx workbook (it is not a zip archive).")
ZIP_BOMB = _("The file expands to too much data when unpacked; it was refused.")
NOT_A_WORKBOOK = _("The file is not a valid .xlsx workbook.")
XML_ENTITIES = _("The file contains XML entity declarations, which are not allowed.")
UNREADABLE = _("The workbook could not be read. Save it again in Excel as .xlsx and retry.")
NO_DEFUSEDXML = _("Excel import is switched off: the server lacks defusedxml.")


class XlsxRejected(ValidationError):
    """The upload is not a workbook we will open; the message says why."""


def open_workbook(uploaded_file, *, max_bytes: int = MAX_UPLOAD_BYTES):
    """A read-only openpyxl workbook from an uploaded file, or XlsxRejected."""
    if not openpyxl.DEFUSEDXML:
        raise XlsxRejected(NO_DEFUSEDXML)
    if uploaded_file.size is not None and uploaded_file.size > max_bytes:
        raise XlsxRejected(TOO_BIG % {"size": max_bytes // (1024 * 1024)})
    if not (uploaded_file.name or "").lower().endswith(".xlsx"):
        raise XlsxRejected(NOT_XLSX)
    data = _read_at_most(uploaded_file, max_bytes)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise XlsxRejected(NOT_A_ZIP)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_members(archive)
    except zipfile.BadZipFile as error:
        raise XlsxRejected(NOT_A_ZIP) from error
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise XlsxRejected(UNREADABLE) from error


def sheet_rows(sheet, *, max_rows: int):
    """(row number, tuple of values) for each non-empty row, at most `max_rows` rows."""
    for number, values in enumerate(sheet.iter_rows(values_only=True, max_row=max_rows), 1):
        if any(value not in (None, "") for value in values):
            yield number, values


def _read_at_most(uploaded_file, max_bytes: int) -> bytes:
    uploaded_file.seek(0)
    data = uploaded_file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise XlsxRejected(TOO_BIG % {"size": max_bytes // (1024 * 1024)})
    return data


def _check_members(archive: zipfile.ZipFile) -> None:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise XlsxRejected(ZIP_BOMB)
    total = 0
    for member in members:
        total += member.file_size
        if total > MAX_UNCOMPRESSED_BYTES:
            raise XlsxRejected(ZIP_BOMB)
        if (
            member.file_size > MAX_RATIO * max(member.compress_size, 1)
            and member.file_size > 1_000_000
        ):
            raise XlsxRejected(ZIP_BOMB)
    names = {member.filename for member in members}
    if not all(name in names for name in REQUIRED_MEMBERS):
        raise XlsxRejected(NOT_A_WORKBOOK)
    for member in members:
        if member.filename.endswith((".xml", ".rels")):
            _check_xml(archive, member)


def _check_xml(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """Refuse a DTD in an XML member: read in bounded chunks, the sizes already checked."""
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(64 * 1024):
            window = tail + chunk
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                raise XlsxRejected(XML_ENTITIES)
            tail = window[-16:]
