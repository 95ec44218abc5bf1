"""Excel files for import tests: good workbooks and hostile ones, built in memory."""

import io
import zipfile

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(rows, header=("First day", "Last day", "Cell", "Person", "Note"), title=None):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.title = title
    if header:
        sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(content: bytes, name="roster.xlsx", content_type=XLSX) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A workbook-shaped zip whose sheet unpacks to 20 MB of zeros from a few kilobytes."""
    return zip_bytes(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": b"\0" * (20 * 1024 * 1024),
        }
    )


ENTITY_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>&c;</t></is></c></row></sheetData></worksheet>'
)


def xml_bomb() -> bytes:
    """A real workbook whose sheet declares nested entities (a "billion laughs")."""
    source = zipfile.ZipFile(io.BytesIO(workbook_bytes([["x"]])))
    return zip_bytes(
        {
            info.filename: ENTITY_BOMB
            if info.filename == "xl/worksheets/sheet1.xml"
            else source.read(info.filename)
            for info in source.infolist()
        }
    )
