"""XLSX forms of a report (for sending by hand) and of the dashboard tables.

A report workbook has three sheets: "Thông tin" (format, sender, unit, period, generated_at),
"Số liệu" (indicator, name for the reader, unit, period, value — values kept as text, exactly as
signed) and "Chữ ký" (the signature block). ``report_from_xlsx`` rebuilds the very JSON that was
signed, so the same signature verifies; the name column is for people and is not signed.
"""

from __future__ import annotations

import io
from zipfile import BadZipFile

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from chinhquyen.core.errors import ValidationFailed

from . import indicators as ind

INFO_FIELDS = ("format", "sender", "unit", "period", "generated_at")
SIGNATURE_FIELDS = ("alg", "value", "certificate")


def _bytes(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def report_to_xlsx(document: dict) -> bytes:
    report, signature = document["report"], document.get("signature") or {}
    names = {row["code"]: row["versions"][-1]["name"] for row in ind.catalogue_data()["indicators"]}
    wb = Workbook()
    info = wb.active
    info.title = "Thông tin"
    for name in INFO_FIELDS:
        info.append([name, report[name]])
    data = wb.create_sheet("Số liệu")
    data.append(["Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị", "Kỳ", "Giá trị"])
    for cell in data[1]:
        cell.font = Font(bold=True)
    for row in report["values"]:
        data.append(
            [
                row["indicator"],
                names.get(row["indicator"], ""),
                row["unit"],
                row["period"],
                row["value"],
            ]
        )
        data.cell(row=data.max_row, column=5).number_format = "@"
    sig = wb.create_sheet("Chữ ký")
    for name in SIGNATURE_FIELDS:
        sig.append([name, signature.get(name, "")])
    for pem in signature.get("chain") or []:
        sig.append(["chain", pem])
    return _bytes(wb)


def _malformed(reason: str) -> ValidationFailed:
    return ValidationFailed(
        _("Tệp XLSX báo cáo không hợp lệ: %(reason)s") % {"reason": reason}, code="malformed_report"
    )


def report_from_xlsx(content: bytes) -> dict:
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError):
        raise _malformed(_("không mở được tệp.")) from None
    try:
        info = {str(r[0]): r[1] for r in wb["Thông tin"].iter_rows(values_only=True) if r and r[0]}
        sig_rows = [r for r in wb["Chữ ký"].iter_rows(values_only=True) if r and r[0]]
        rows = list(wb["Số liệu"].iter_rows(min_row=2, values_only=True))
    except KeyError:
        raise _malformed(_("thiếu trang «Thông tin», «Số liệu» hoặc «Chữ ký».")) from None
    report = {name: None if info.get(name) is None else str(info[name]) for name in INFO_FIELDS}
    report["values"] = [
        {
            "indicator": str(r[0]),
            "unit": str(r[2]),
            "period": str(r[3]),
            "value": None if r[4] is None or r[4] == "" else str(r[4]),
        }
        for r in rows
        if r and r[0]
    ]
    signature = {str(r[0]): str(r[1] or "") for r in sig_rows if r[0] != "chain"}
    signature["chain"] = [str(r[1]) for r in sig_rows if r[0] == "chain"]
    return {"report": report, "signature": signature}


def ranking_to_xlsx(ranking: dict) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("Xếp hạng")
    ws.append([ranking["name"], ranking["period"]["label"]])
    ws.append(
        [
            _("Hạng"),
            _("Tỉnh/Thành phố"),
            _("Giá trị (%(unit)s)") % {"unit": ranking["unit_of_measure"]},
            _("Tiêu chí"),
            _("Kết quả"),
        ]
    )
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in ranking["rows"]:
        met = {True: _("Đạt"), False: _("Không đạt"), None: None}[row["meets_target"]]
        value = row["value"] if row["value"] is not None else _("Không có số liệu")
        ws.append([row["rank"], row["unit"]["name"], value, row["target"], met])
    return _bytes(wb)


def _value_cells(row: dict) -> list:
    met = {True: _("Đạt"), False: _("Không đạt"), None: None}[row["meets_target"]]
    value = row["value"] if row["value"] is not None else _("Không có số liệu")
    return [value, row["target"], met]


def breakdown_to_xlsx(data: dict) -> bytes:
    """A province drill-down: one sheet per level (the province, communes, agencies,
    procedures), the same columns as the page."""
    wb = Workbook()
    first = True
    header = [
        _("Giá trị (%(unit)s)") % {"unit": data["unit_of_measure"]},
        _("Tiêu chí"),
        _("Kết quả"),
    ]
    sections = (
        (_("Toàn tỉnh"), [data["province"]], "unit"),
        (_("Xã, phường"), data["communes"], "unit"),
        (_("Cơ quan"), data["agencies"], "unit"),
        (_("Thủ tục"), data.get("procedures", []), "procedure"),
    )
    for title, rows, kind in sections:
        if kind == "procedure" and "procedures" not in data:
            continue
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = title
        ws.append([data["name"], data["unit"]["name"], data["period"]["label"]])
        names = [_("Mã thủ tục"), _("Tên thủ tục")] if kind == "procedure" else [_("Đơn vị")]
        ws.append([*names, *header])
        for cell in ws[2]:
            cell.font = Font(bold=True)
        for row in rows:
            if kind == "procedure":
                ws.append([row["procedure"]["code"], row["procedure"]["name"], *_value_cells(row)])
            else:
                ws.append([row["unit"]["name"], *_value_cells(row)])
    return _bytes(wb)


def published_to_xlsx(table: dict) -> bytes:
    """The transparency page's table: units down, indicators across."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("Công khai")
    ws.append([_("Kết quả công khai"), table["period"]["label"]])
    ws.append(
        [
            _("Đơn vị"),
            *(f"{i['name']} ({i['unit_of_measure']})" for i in table["indicators"]),
        ]
    )
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in table["rows"]:
        ws.append(
            [
                row["unit"]["name"],
                *(v["value"] if v["value"] is not None else None for v in row["values"]),
            ]
        )
    return _bytes(wb)


def unit_to_xlsx(data: dict, *, late: dict | None = None) -> bytes:
    """One unit's page: the value and its trend, the procedures, and (officers) late dossiers."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("Diễn biến")
    ws.append([data["name"], data["unit"]["name"], data["period"]["label"]])
    ws.append([_("Kỳ"), _("Giá trị (%(unit)s)") % {"unit": data["unit_of_measure"]}])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for point in data["trend"]:
        ws.append([point["period"]["label"], point["value"]])
    if data["unit"]["kind"] != "nation":
        ws = wb.create_sheet(_("Thủ tục"))
        ws.append([_("Mã thủ tục"), _("Tên thủ tục"), _("Giá trị"), _("Tiêu chí"), _("Kết quả")])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in data["procedures"]:
            ws.append([row["procedure"]["code"], row["procedure"]["name"], *_value_cells(row)])
    if late is not None:
        ws = wb.create_sheet(_("Hồ sơ trễ hạn"))
        ws.append([_("Mã hồ sơ"), _("Thủ tục"), _("Hẹn trả"), _("Có kết quả"), _("Lý do")])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for d in late["dossiers"]:
            ws.append([d["code"], d["procedure_name"], d["due_at"], d["finished_at"], d["reason"]])
    return _bytes(wb)
