"""The shared safe loader for Excel uploads refuses what is not a workbook, oversized uploads,
zip bombs and XML entity bombs before openpyxl parses them."""

import io

import openpyxl
import pytest

from gridsafety import xlsx

from .xlsx_files import upload, workbook_bytes, xml_bomb, zip_bomb, zip_bytes


def test_a_workbook_opens_read_only_and_yields_its_non_empty_rows():
    workbook = xlsx.open_workbook(upload(workbook_bytes([["a", 1], [None, None], ["b", 2]])))
    rows = list(xlsx.sheet_rows(workbook.active, max_rows=10))
    assert [number for number, _values in rows] == [1, 2, 4]
    assert rows[1][1][:2] == ("a", 1)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"first day,last day\n", "roster.csv", xlsx.NOT_XLSX),
        (b"this is not a spreadsheet", "roster.xlsx", xlsx.NOT_A_ZIP),
        (zip_bytes({"readme.txt": b"hello"}), "roster.xlsx", xlsx.NOT_A_WORKBOOK),
        (zip_bomb(), "roster.xlsx", xlsx.ZIP_BOMB),
        (xml_bomb(), "roster.xlsx", xlsx.XML_ENTITIES),
        (b"PK" + b"\0" * (xlsx.MAX_UPLOAD_BYTES + 10), "roster.xlsx", None),
    ],
    ids=["csv", "not-a-zip", "zip-not-workbook", "zip-bomb", "xml-bomb", "oversized"],
)
def test_hostile_or_malformed_files_are_refused_with_a_reason(content, name, message):
    expected = message or xlsx.TOO_BIG % {"size": xlsx.MAX_UPLOAD_BYTES // (1024 * 1024)}
    with pytest.raises(xlsx.XlsxRejected) as error:
        xlsx.open_workbook(upload(content, name=name))
    assert error.value.messages == [str(expected)]


def test_openpyxl_itself_parses_through_defusedxml():
    """Defence in depth: were the loader's own DTD check gone, openpyxl would still refuse."""
    from defusedxml import DefusedXmlException

    assert openpyxl.DEFUSEDXML
    with pytest.raises(ValueError) as error:
        workbook = openpyxl.load_workbook(io.BytesIO(xml_bomb()), read_only=True)
        list(workbook.active.iter_rows())
    causes, cause = [], error.value
    while cause is not None:
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    assert any(isinstance(c, DefusedXmlException) for c in causes)


def test_the_loader_refuses_to_run_without_defusedxml(monkeypatch):
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with pytest.raises(xlsx.XlsxRejected) as error:
        xlsx.open_workbook(upload(workbook_bytes([["a"]])))
    assert error.value.messages == [str(xlsx.NO_DEFUSEDXML)]
