"""Helpers to build and edit workbooks in tests."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from chinhquyen.catalogue.interchange import write_xlsx


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def edited(document: dict, edit) -> bytes:
    """The workbook an export of ``document`` would give, after ``edit(workbook)``."""
    workbook = load_workbook(io.BytesIO(write_xlsx(document)))
    edit(workbook)
    return workbook_bytes(workbook)


def column_of(sheet, header: str) -> int:
    for cell in sheet[1]:
        if cell.value == header:
            return cell.column
    raise KeyError(header)
