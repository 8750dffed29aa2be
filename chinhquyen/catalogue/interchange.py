"""The catalogue interchange format (docs/catalogue-format.md): validation and the XLSX codec.

Nothing here touches the database. ``clean_document`` and ``clean_procedure`` turn what a file
says into a *record*: the same JSON-shaped dict that an export writes (defaults filled in, numbers
and dates in one canonical form), so "did anything change?" is a plain ``==`` between the record
and the current version's record. Errors are keyed by their JSON path (``procedures[3].
documents[1].code``); the XLSX reader keeps a map from those paths to the cell they came from.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Callable, Collection, Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from chinhquyen.units.models import AgencyKind

from .models import OnlineMode, ProcedureLevel, TimeUnit
from .text import fold

FORMAT = "chinhquyen.catalogue/1"

# Keys of a procedure record, in the order an export writes them.
PROCEDURE_KEYS = (
    "code", "name", "field", "levels", "online_mode", "legacy_level", "steps", "method",
    "processing_time", "time_unit", "processing_time_note", "applicants", "implementing_agency",
    "fees", "result_type", "legal_basis", "requirements", "decision_number", "decision_date",
    "effective_from", "effective_to", "agency_kinds", "documents", "form_schema",
)  # fmt: skip
REQUIRED_KEYS = frozenset({
    "code", "name", "field", "levels", "online_mode", "steps", "method", "processing_time",
    "applicants", "implementing_agency", "result_type", "effective_from", "documents",
})  # fmt: skip
DOCUMENT_KEYS = (
    "code",
    "name",
    "originals",
    "copies",
    "is_required",
    "template_name",
    "template_url",
)
FEE_KEYS = ("name", "amount", "note")
FIELD_KEYS = ("code", "name")
# Optional search aids (search.py): not part of a version's content, so an import sets them
# without making a new version, and a file without them leaves them as they are.
SEARCH_PHRASES_KEY = "search_phrases"  # a procedure's "also searched as" phrases
SEARCH_TERM_KEYS = ("kind", "phrase", "target", "note")
SEARCH_TERM_KINDS = ("synonym", "filler")
MAX_SEARCH_PHRASES = 50

# An e-form with no question yet; used when a procedure gives no form_schema.
EMPTY_FORM_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}}

NATIONAL_CODE_RE = re.compile(r"^\d\.\d{6}$")
LOCAL_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9.\-]{2,39}$")
NATIONAL_SHAPE_RE = re.compile(r"^\d\.\d+$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# C0/C1 control characters other than tab and line breaks: they have no place in a procedure and
# cannot be written to an XLSX cell, so they would break the export.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
XLSX_CELL_MAX = 32767
MAX_PROCESSING_TIME = Decimal("99999.9")  # DecimalField(max_digits=6, decimal_places=1)
SMALLINT_MAX = 32767

Errors = dict[str, list[str]]


# --- messages (Vietnamese: they reach officers through the CLI, the API and the admin) ----------

M_REQUIRED = "bắt buộc"
M_UNKNOWN_KEY = "khóa không có trong định dạng " + FORMAT
M_TEXT = "phải là chuỗi ký tự"
M_BLANK = "không được để trống"
M_CONTROL = "chứa ký tự điều khiển không hợp lệ"
M_OBJECT = "phải là một đối tượng"
M_LIST = "phải là một danh sách"
M_DUPLICATE = "bị lặp lại"


def _too_long(limit: int) -> str:
    return f"dài quá {limit} ký tự"


class _Collector:
    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.errors: Errors = {}

    def add(self, key: str, message: str) -> None:
        path = f"{self.prefix}.{key}" if self.prefix and key else (self.prefix or key or "__all__")
        self.errors.setdefault(path, []).append(message)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(
    out: _Collector, key: str, value: Any, *, max_length: int = XLSX_CELL_MAX, blank: bool = True
) -> str | None:
    if not isinstance(value, str):
        out.add(key, M_TEXT)
        return None
    if not blank and not value.strip():
        out.add(key, M_BLANK)
        return None
    if len(value) > max_length:
        out.add(key, _too_long(max_length))
        return None
    if CONTROL_RE.search(value):
        out.add(key, M_CONTROL)
        return None
    return value


def _iso_date(out: _Collector, key: str, value: Any) -> str | None:
    if isinstance(value, str) and ISO_DATE_RE.match(value):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value).isoformat()
    out.add(key, "phải là ngày dạng YYYY-MM-DD")
    return None


def _choices_list(
    out: _Collector, key: str, value: Any, *, allowed: Collection[str], non_empty: bool
) -> list[str] | None:
    if not isinstance(value, list):
        out.add(key, M_LIST)
        return None
    if non_empty and not value:
        out.add(key, "phải có ít nhất một giá trị")
        return None
    ok = True
    for i, item in enumerate(value):
        if not isinstance(item, str) or item not in allowed:
            out.add(f"{key}[{i}]", f"giá trị «{item}» không hợp lệ; dùng {', '.join(allowed)}")
            ok = False
        elif item in value[:i]:
            out.add(f"{key}[{i}]", M_DUPLICATE)
            ok = False
    return list(value) if ok else None


def canonical_number(value: Decimal) -> int | float:
    """1 for 1.0, 1.5 for 1.5: how a processing time is written in JSON and compared."""
    return int(value) if value == value.to_integral_value() else float(value)


def _processing_time(out: _Collector, value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        out.add("processing_time", "phải là một số")
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        out.add("processing_time", "phải là một số")
        return None
    if not number.is_finite():
        out.add("processing_time", "phải là một số")
    elif number <= 0:
        out.add("processing_time", "phải lớn hơn 0")
    elif number != number.quantize(Decimal("0.1")):
        out.add("processing_time", "tối đa một chữ số thập phân")
    elif number > MAX_PROCESSING_TIME:
        out.add("processing_time", f"không được lớn hơn {MAX_PROCESSING_TIME}")
    else:
        return canonical_number(number)
    return None


def _fees(out: _Collector, value: Any) -> list[dict[str, Any]] | None:
    if not isinstance(value, list):
        out.add("fees", M_LIST)
        return None
    fees: list[dict[str, Any]] = []
    ok = True
    for i, item in enumerate(value):
        key = f"fees[{i}]"
        if not isinstance(item, dict):
            out.add(key, M_OBJECT)
            ok = False
            continue
        for unknown in item.keys() - set(FEE_KEYS):
            out.add(f"{key}.{unknown}", M_UNKNOWN_KEY)
            ok = False
        name = (
            _text(out, f"{key}.name", item["name"], max_length=500, blank=False)
            if "name" in item
            else None
        )
        if "name" not in item:
            out.add(f"{key}.name", M_REQUIRED)
        amount = item.get("amount")
        if "amount" not in item:
            out.add(f"{key}.amount", M_REQUIRED)
        elif not _is_int(amount) or amount < 0:
            out.add(f"{key}.amount", "phải là số nguyên (đồng) không âm")
            amount = None
        note = _text(out, f"{key}.note", item.get("note", ""), max_length=1000)
        if name is None or amount is None or note is None:
            ok = False
        else:
            fees.append({"name": name, "amount": amount, "note": note})
    return fees if ok else None


def _documents(out: _Collector, value: Any) -> list[dict[str, Any]] | None:
    if not isinstance(value, list):
        out.add("documents", M_LIST)
        return None
    documents: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    ok = True
    for i, item in enumerate(value):
        key = f"documents[{i}]"
        if not isinstance(item, dict):
            out.add(key, M_OBJECT)
            ok = False
            continue
        before = sum(map(len, out.errors.values()))
        for unknown in item.keys() - set(DOCUMENT_KEYS):
            out.add(f"{key}.{unknown}", M_UNKNOWN_KEY)
        code = item.get("code")
        if "code" not in item:
            out.add(f"{key}.code", M_REQUIRED)
        elif not isinstance(code, str) or not SLUG_RE.match(code):
            out.add(
                f"{key}.code",
                "phải là chữ thường không dấu, chữ số và dấu gạch ngang, tối đa 40 ký tự (ví dụ to-khai)",
            )
        elif code in seen:
            out.add(f"{key}.code", f"trùng mã với documents[{seen[code]}]")
        else:
            seen[code] = i
        if "name" in item:
            _text(out, f"{key}.name", item["name"], max_length=500, blank=False)
        else:
            out.add(f"{key}.name", M_REQUIRED)
        for count_key, default in (("originals", 1), ("copies", 0)):
            count = item.get(count_key, default)
            if not _is_int(count) or not 0 <= count <= SMALLINT_MAX:
                out.add(f"{key}.{count_key}", "phải là số nguyên không âm")
        if not isinstance(item.get("is_required", True), bool):
            out.add(f"{key}.is_required", "phải là true hoặc false")
        _text(out, f"{key}.template_name", item.get("template_name", ""), max_length=200)
        url = item.get("template_url", "")
        if _text(out, f"{key}.template_url", url, max_length=500) and not (
            url.startswith(("https://", "http://", "/")) and not url.startswith("//")
        ):
            # Shown as a link on the portal: no javascript:, data: or protocol-relative URLs.
            out.add(
                f"{key}.template_url", "phải là địa chỉ http(s):// hoặc đường dẫn bắt đầu bằng /"
            )
        if sum(map(len, out.errors.values())) != before:
            ok = False
            continue
        documents.append(
            {
                "code": code,
                "name": item["name"],
                "originals": item.get("originals", 1),
                "copies": item.get("copies", 0),
                "is_required": item.get("is_required", True),
                "template_name": item.get("template_name", ""),
                "template_url": url,
            }
        )
    return documents if ok else None


def _form_schema(out: _Collector, value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        out.add("form_schema", "phải là một JSON Schema (đối tượng JSON)")
        return None
    try:
        Draft202012Validator.check_schema(value)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.path)
        out.add(
            "form_schema",
            f"JSON Schema không hợp lệ{f' tại {where}' if where else ''}: {exc.message}",
        )
        return None
    if value.get("type") != "object":
        out.add("form_schema", 'phải có "type": "object"')
        return None
    if len(json.dumps(value, ensure_ascii=False)) > XLSX_CELL_MAX:
        out.add(
            "form_schema", _too_long(XLSX_CELL_MAX) + " khi viết thành JSON (giới hạn một ô Excel)"
        )
        return None
    return value


def is_procedure_code(code: Any) -> bool:
    """A national code, or a local one. Something shaped like a national code with the wrong
    number of digits ("2.00012": a spreadsheet that took "2.000120" for a number) is neither,
    although the local pattern alone would accept it."""
    if not isinstance(code, str):
        return False
    if NATIONAL_SHAPE_RE.match(code):
        return bool(NATIONAL_CODE_RE.match(code))
    return bool(LOCAL_CODE_RE.match(code))


def _clean_identity(
    out: _Collector, data: dict[str, Any], record: dict[str, Any], known_fields: Collection[str]
) -> None:
    """Check and copy what names and classes the procedure: code, name, field, levels, online
    mode, the old level and the descriptive texts."""
    get = data.get
    code = get("code")
    if "code" in data and not is_procedure_code(code):
        out.add(
            "code",
            "phải là mã quốc gia dạng 1.001193 hoặc mã địa phương gồm chữ in hoa, chữ số, "
            "dấu chấm, gạch ngang (3–40 ký tự)",
        )
    record["code"] = code
    if "name" in data:
        record["name"] = _text(out, "name", get("name"), max_length=500, blank=False)
    if "field" in data:
        field = get("field")
        if not isinstance(field, str) or field not in known_fields:
            out.add(
                "field",
                f"lĩnh vực «{field}» không có trong danh sách fields hay trong cơ sở dữ liệu",
            )
        record["field"] = field
    if "levels" in data:
        record["levels"] = _choices_list(
            out, "levels", get("levels"), allowed=ProcedureLevel.values, non_empty=True
        )
    if "online_mode" in data and get("online_mode") not in OnlineMode.values:
        out.add("online_mode", "phải là full (toàn trình), partial (một phần) hoặc none")
    record["online_mode"] = get("online_mode")
    legacy = get("legacy_level")
    if legacy is not None and (not _is_int(legacy) or not 1 <= legacy <= 4):
        out.add("legacy_level", "phải là số nguyên từ 1 đến 4 hoặc null")
    record["legacy_level"] = legacy
    for key in ("steps", "method", "applicants", "implementing_agency", "result_type"):
        if key in data:
            record[key] = _text(out, key, get(key), blank=False)


def _clean_service(out: _Collector, data: dict[str, Any], record: dict[str, Any]) -> None:
    """Check and copy the processing time, its unit and note, and the fees."""
    get = data.get
    if "processing_time" in data:
        record["processing_time"] = _processing_time(out, get("processing_time"))
    time_unit = get("time_unit", TimeUnit.DAYS.value)
    if time_unit not in TimeUnit.values:
        out.add("time_unit", "phải là days (ngày làm việc) hoặc hours (giờ làm việc)")
    record["time_unit"] = time_unit
    record["processing_time_note"] = _text(
        out, "processing_time_note", get("processing_time_note", ""), max_length=500
    )
    record["fees"] = _fees(out, get("fees", []))


def _clean_legal(out: _Collector, data: dict[str, Any], record: dict[str, Any]) -> None:
    """Check and copy the legal basis, the requirements, the decision and the validity dates."""
    get = data.get
    legal_basis = get("legal_basis", [])
    if not isinstance(legal_basis, list):
        out.add("legal_basis", M_LIST)
    else:
        for i, item in enumerate(legal_basis):
            # One per line in the XLSX sheet, so an entry cannot itself span lines.
            if _text(out, f"legal_basis[{i}]", item, max_length=1000, blank=False) and "\n" in item:
                out.add(f"legal_basis[{i}]", "mỗi văn bản phải nằm trên một dòng")
    record["legal_basis"] = legal_basis
    record["requirements"] = _text(out, "requirements", get("requirements", ""))
    record["decision_number"] = _text(
        out, "decision_number", get("decision_number", ""), max_length=120
    )
    record["decision_date"] = None
    if get("decision_date") is not None:
        record["decision_date"] = _iso_date(out, "decision_date", get("decision_date"))
    if "effective_from" in data:
        record["effective_from"] = _iso_date(out, "effective_from", get("effective_from"))
    record["effective_to"] = None
    if get("effective_to") is not None:
        record["effective_to"] = _iso_date(out, "effective_to", get("effective_to"))
        if (
            record["effective_to"]
            and record.get("effective_from")
            and record["effective_to"] <= record["effective_from"]
        ):
            out.add("effective_to", "phải sau effective_from")


def clean_procedure(
    data: Any, *, known_fields: Collection[str], prefix: str = ""
) -> tuple[dict[str, Any] | None, Errors]:
    """Check one procedure of the interchange format against every rule of the format.

    Returns ``(record, {})`` or ``(None, errors)`` with errors keyed by JSON path (under
    ``prefix`` when given, e.g. ``procedures[3]``).
    """
    out = _Collector(prefix)
    if not isinstance(data, dict):
        out.add("", M_OBJECT)
        return None, out.errors
    for key in sorted(data.keys() - {*PROCEDURE_KEYS, SEARCH_PHRASES_KEY}):
        out.add(key, M_UNKNOWN_KEY)
    for key in PROCEDURE_KEYS:
        if key in REQUIRED_KEYS and key not in data:
            out.add(key, M_REQUIRED)
    get = data.get
    record: dict[str, Any] = {}
    _clean_identity(out, data, record, known_fields)
    _clean_service(out, data, record)
    _clean_legal(out, data, record)
    agency_kinds = _choices_list(
        out, "agency_kinds", get("agency_kinds", []), allowed=AgencyKind.values, non_empty=False
    )
    record["agency_kinds"] = agency_kinds
    if "documents" in data:
        record["documents"] = _documents(out, get("documents"))
    record["form_schema"] = _form_schema(out, get("form_schema", EMPTY_FORM_SCHEMA))

    phrases = None
    if SEARCH_PHRASES_KEY in data:
        phrases = search_phrases_clean(out, SEARCH_PHRASES_KEY, get(SEARCH_PHRASES_KEY))

    if out.errors:
        return None, out.errors
    cleaned = {key: record[key] for key in PROCEDURE_KEYS}
    if phrases is not None:
        cleaned[SEARCH_PHRASES_KEY] = phrases
    return cleaned, {}


def search_phrases_clean(out: _Collector, key: str, value: Any) -> list[str] | None:
    """A procedure's "also searched as" phrases: distinct non-blank texts of up to 200
    characters (distinct once folded: "sổ đỏ" and "so do" are one phrase)."""
    if not isinstance(value, list):
        out.add(key, M_LIST)
        return None
    if len(value) > MAX_SEARCH_PHRASES:
        out.add(key, f"tối đa {MAX_SEARCH_PHRASES} cụm từ")
        return None
    phrases, seen = [], set()
    for i, item in enumerate(value):
        text = _text(out, f"{key}[{i}]", item, max_length=200, blank=False)
        if text is None:
            continue
        folded = fold(text)
        if folded in seen:
            out.add(f"{key}[{i}]", M_DUPLICATE)
            continue
        seen.add(folded)
        phrases.append(text.strip())
    return phrases


def search_term_clean(out: _Collector, data: Any) -> dict[str, str] | None:
    """One row of the synonym and filler table (``search_terms``)."""
    if not isinstance(data, dict):
        out.add("", M_OBJECT)
        return None
    for unknown in sorted(data.keys() - set(SEARCH_TERM_KEYS)):
        out.add(unknown, M_UNKNOWN_KEY)
    kind = data.get("kind")
    if kind not in SEARCH_TERM_KINDS:
        out.add("kind", "phải là một trong: " + ", ".join(SEARCH_TERM_KINDS))
    phrase = _text(out, "phrase", data.get("phrase"), max_length=200, blank=False)
    target = _text(out, "target", data.get("target", ""), max_length=300)
    note = _text(out, "note", data.get("note", ""), max_length=2000)
    if phrase is not None and not re.search(r"\w", phrase):
        out.add("phrase", "phải có ít nhất một chữ")
    if kind == "synonym" and target is not None and not target.strip():
        out.add("target", M_BLANK)
    if kind == "filler" and target:
        out.add("target", "từ không mang nghĩa tìm kiếm không có từ thay thế")
    if kind not in SEARCH_TERM_KINDS or None in (phrase, target, note):
        return None
    if out.errors:
        return None
    return {"kind": kind, "phrase": phrase.strip(), "target": target.strip(), "note": note}


def clean_document(
    data: Any, *, known_fields: Collection[str]
) -> tuple[list[dict[str, str]], list[dict[str, Any]], Errors]:
    """Check a whole file: ``(fields, procedure records, errors)``; every error is collected."""
    out = _Collector()
    if not isinstance(data, dict):
        out.add("file", "tệp phải chứa một đối tượng JSON có format, fields và procedures")
        return [], [], out.errors
    for key in sorted(data.keys() - {"format", "fields", "procedures", "search_terms"}):
        out.add(key, M_UNKNOWN_KEY)
    if data.get("format") != FORMAT:
        out.add("format", f"phải là «{FORMAT}»")

    fields: list[dict[str, str]] = []
    raw_fields = data.get("fields", [])
    if not isinstance(raw_fields, list):
        out.add("fields", M_LIST)
        raw_fields = []
    seen_fields: dict[str, int] = {}
    for i, item in enumerate(raw_fields):
        key = f"fields[{i}]"
        if not isinstance(item, dict):
            out.add(key, M_OBJECT)
            continue
        for unknown in sorted(item.keys() - set(FIELD_KEYS)):
            out.add(f"{key}.{unknown}", M_UNKNOWN_KEY)
        code = field_code_error(item.get("code"))
        if code:
            out.add(f"{key}.code", code)
        elif item["code"] in seen_fields:
            out.add(f"{key}.code", f"trùng mã với fields[{seen_fields[item['code']]}]")
        else:
            seen_fields[item["code"]] = i
        if "name" not in item:
            out.add(f"{key}.name", M_REQUIRED)
        else:
            _text(out, f"{key}.name", item["name"], max_length=200, blank=False)
        if not code and "name" in item:
            fields.append({"code": item["code"], "name": item["name"]})

    procedures: list[dict[str, Any]] = []
    if "procedures" not in data:
        out.add("procedures", M_REQUIRED)
    elif not isinstance(data["procedures"], list):
        out.add("procedures", M_LIST)
    else:
        known = set(known_fields) | set(seen_fields)
        seen_codes: dict[str, int] = {}
        for i, item in enumerate(data["procedures"]):
            record, errors = clean_procedure(item, known_fields=known, prefix=f"procedures[{i}]")
            for path, messages in errors.items():
                out.errors.setdefault(path, []).extend(messages)
            code = item.get("code") if isinstance(item, dict) else None
            if isinstance(code, str) and code in seen_codes:
                out.add(f"procedures[{i}].code", f"trùng mã với procedures[{seen_codes[code]}]")
            elif isinstance(code, str):
                seen_codes[code] = i
            if record is not None:
                procedures.append(record)
    return fields, procedures, out.errors


def clean_search_phrases(value: Any) -> tuple[list[str] | None, Errors]:
    """``search_phrases_clean`` for a service: ``(phrases, errors)``."""
    out = _Collector()
    phrases = search_phrases_clean(out, SEARCH_PHRASES_KEY, value)
    return (None if out.errors else phrases), out.errors


def clean_search_term(data: Any) -> tuple[dict[str, str] | None, Errors]:
    """``search_term_clean`` for a service: ``(term, errors)``."""
    out = _Collector()
    term = search_term_clean(out, data)
    return (None if out.errors else term), out.errors


def clean_search_terms(data: Any) -> tuple[list[dict[str, str]] | None, Errors]:
    """The file's ``search_terms`` (None when the file has none: the table is left alone)."""
    if not isinstance(data, dict) or "search_terms" not in data:
        return None, {}
    out = _Collector()
    raw = data["search_terms"]
    if not isinstance(raw, list):
        out.add("search_terms", M_LIST)
        return None, out.errors
    terms, seen = [], {}
    for i, item in enumerate(raw):
        inner = _Collector(f"search_terms[{i}]")
        term = search_term_clean(inner, item)
        out.errors.update(inner.errors)
        if term is None:
            continue
        key = (term["kind"], fold(term["phrase"]), fold(term["target"]))
        if key in seen:
            out.add(f"search_terms[{i}]", f"trùng với search_terms[{seen[key]}]")
            continue
        seen[key] = i
        terms.append(term)
    return terms, out.errors


def field_code_error(code: Any) -> str | None:
    """Why ``code`` cannot name a field (None when it can)."""
    if code is None:
        return M_REQUIRED
    if not isinstance(code, str) or not code or len(code) > 40 or re.search(r"\s", code):
        return "phải là chuỗi 1–40 ký tự, không có khoảng trắng"
    return None


# --- XLSX ---------------------------------------------------------------------------------------
#
# Each sheet has one header row; columns are found by header, so their order is free. Column
# kinds say how a cell becomes a JSON value; the validator above then applies the same rules as
# for JSON, and the error paths are mapped back to cells.

_TEXT, _NUMBER, _INT, _BOOL, _COMMA_LIST, _LINE_LIST, _DATE, _JSON = (
    "text", "number", "int", "bool", "comma_list", "line_list", "date", "json",
)  # fmt: skip

# processing_time in column F, as in the example of docs/catalogue-format.md.
PROCEDURE_COLUMNS: dict[str, str] = {
    "code": _TEXT, "name": _TEXT, "field": _TEXT, "levels": _COMMA_LIST, "online_mode": _TEXT,
    "processing_time": _NUMBER, "time_unit": _TEXT, "processing_time_note": _TEXT,
    "legacy_level": _INT, "steps": _TEXT, "method": _TEXT, "applicants": _TEXT,
    "implementing_agency": _TEXT, "result_type": _TEXT, "requirements": _TEXT,
    "legal_basis": _LINE_LIST, "decision_number": _TEXT, "decision_date": _DATE,
    "effective_from": _DATE, "effective_to": _DATE, "agency_kinds": _COMMA_LIST,
    "form_schema": _JSON, "search_phrases": _LINE_LIST,
}  # fmt: skip
DOCUMENT_COLUMNS: dict[str, str] = {
    "procedure_code": _TEXT, "code": _TEXT, "name": _TEXT, "originals": _INT, "copies": _INT,
    "is_required": _BOOL, "template_name": _TEXT, "template_url": _TEXT,
}  # fmt: skip
FEE_COLUMNS: dict[str, str] = {
    "procedure_code": _TEXT,
    "name": _TEXT,
    "amount": _INT,
    "note": _TEXT,
}
FIELD_COLUMNS: dict[str, str] = {"code": _TEXT, "name": _TEXT}
SEARCH_TERM_COLUMNS: dict[str, str] = {key: _TEXT for key in SEARCH_TERM_KEYS}

SHEETS: dict[str, dict[str, str]] = {
    "procedures": PROCEDURE_COLUMNS,
    "documents": DOCUMENT_COLUMNS,
    "fees": FEE_COLUMNS,
    "fields": FIELD_COLUMNS,
    "search_terms": SEARCH_TERM_COLUMNS,  # optional sheet: the synonym and filler table
}
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "procedures": tuple(k for k in PROCEDURE_COLUMNS if k in REQUIRED_KEYS),
    "documents": ("procedure_code", "code", "name"),
    "fees": ("procedure_code", "name", "amount"),
    "fields": ("code", "name"),
    "search_terms": ("kind", "phrase"),
}
_TRUE = {"true", "1", "x", "có", "co", "yes", "y"}
_FALSE = {"false", "0", "không", "khong", "no", "n", ""}


class _Absent:
    """A cell that gives no value: the key is left out and the format's default applies."""


ABSENT = _Absent()


def _text_of(value: Any) -> Any:
    """A text cell: numbers as written (17, not 17.0), dates in ISO form, "" as absent."""
    if isinstance(value, str):
        return value if value else ABSENT
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _number_of(value: Any) -> Any:
    """A number cell: a text with a decimal comma or point read as a Decimal."""
    if isinstance(value, str):
        try:
            return Decimal(value.strip().replace(",", "."))
        except InvalidOperation:
            return value
    return value


def _int_of(value: Any) -> Any:
    """A whole-number cell: 3.0 and " 3 " read as 3."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return value


def _bool_of(value: Any) -> Any:
    """A yes/no cell: the words of _TRUE and _FALSE, or 1 and 0."""
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    if _is_int(value) and value in (0, 1):
        return bool(value)
    return value


def _comma_list_of(value: Any) -> Any:
    """A list cell, items separated by commas."""
    if not isinstance(value, str):
        return [value]
    return [part.strip() for part in value.split(",") if part.strip()]


def _line_list_of(value: Any) -> Any:
    """A list cell, one item a line."""
    if not isinstance(value, str):
        return [value]
    return [part.strip() for part in value.splitlines() if part.strip()]


def _date_of(value: Any) -> Any:
    """A date cell: ISO date (or date and time when there is a time of day)."""
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    return value.strip() if isinstance(value, str) else value


def _json_of(value: Any) -> Any:
    """A JSON cell: its text parsed (ValueError when unreadable)."""
    if not isinstance(value, str):
        return value
    return json.loads(value)


_CONVERTERS = {
    _TEXT: _text_of,
    _NUMBER: _number_of,
    _INT: _int_of,
    _BOOL: _bool_of,
    _COMMA_LIST: _comma_list_of,
    _LINE_LIST: _line_list_of,
    _DATE: _date_of,
    _JSON: _json_of,
}


def _convert(kind: str, value: Any) -> Any:
    """Cell value → JSON value; a value that does not fit is passed on for the validator to
    reject with the format's own message. Raises ValueError only for unreadable JSON."""
    if value is None or (isinstance(value, str) and not value.strip() and kind != _TEXT):
        return ABSENT
    if kind not in _CONVERTERS:
        raise AssertionError(kind)
    return _CONVERTERS[kind](value)


def _cell_name(column: int, row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column)}{row}"


class XlsxLocations:
    """Maps JSON paths (``procedures[2].documents[0].code``) to cells (``documents!B4 (code)``)."""

    def __init__(self) -> None:
        self.cells: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        probe = path
        while probe:
            if probe in self.cells:
                return self.cells[probe]
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        return path


class _Row:
    """One data row of a sheet: its values by column and where each came from."""

    __slots__ = ("number", "values", "cells", "first_cell")

    def __init__(self, number: int, first_cell: str) -> None:
        self.number = number
        self.first_cell = first_cell
        self.values: dict[str, Any] = {}
        self.cells: dict[str, str] = {}

    def place(self, locate: XlsxLocations, path: str) -> None:
        locate.cells[path] = self.first_cell
        for name, where in self.cells.items():
            locate.cells[f"{path}.{name}"] = where


def read_xlsx(content: bytes) -> tuple[dict[str, Any] | None, list[tuple[str, str]], XlsxLocations]:
    """Read a workbook into the JSON shape. Returns ``(document, errors, locate)``; the errors
    are the ones only a workbook can have (missing sheet or column, formulas, bad JSON text)."""
    from openpyxl import load_workbook

    locate = XlsxLocations()
    errors: list[tuple[str, str]] = []
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
        return None, [("file", "không đọc được tệp XLSX")], locate
    try:
        if "procedures" not in workbook.sheetnames:
            return None, [("file", "thiếu trang tính «procedures»")], locate
        has_terms = "search_terms" in workbook.sheetnames
        rows: dict[str, list[_Row]] = {}
        for sheet, columns in SHEETS.items():
            rows[sheet] = []
            if sheet in workbook.sheetnames:
                found = _read_sheet(workbook[sheet], sheet, columns, errors)
                if found is None:
                    # A sheet without its required columns: its rows cannot be read, and
                    # reporting what follows from that (every document "without" a procedure)
                    # would only bury the one real error.
                    return None, errors, locate
                rows[sheet] = found
    finally:
        workbook.close()

    document: dict[str, Any] = {"format": FORMAT, "fields": [], "procedures": []}
    if has_terms:  # a workbook without the sheet leaves the table alone, as JSON without the key
        document["search_terms"] = []
        for i, row in enumerate(rows["search_terms"]):
            row.place(locate, f"search_terms[{i}]")
            document["search_terms"].append(row.values)
    for i, row in enumerate(rows["fields"]):
        row.place(locate, f"fields[{i}]")
        document["fields"].append(row.values)
    index: dict[str, int] = {}
    for i, row in enumerate(rows["procedures"]):
        row.place(locate, f"procedures[{i}]")
        row.values["documents"] = []
        row.values["fees"] = []
        document["procedures"].append(row.values)
        if isinstance(row.values.get("code"), str):
            index.setdefault(row.values["code"], i)
    for sheet in ("documents", "fees"):
        for row in rows[sheet]:
            code = row.values.pop("procedure_code", None)
            if code is None:
                errors.append((row.cells["procedure_code"], M_REQUIRED))
                continue
            if code not in index:
                errors.append(
                    (
                        row.cells["procedure_code"],
                        f"không có thủ tục mã «{code}» trong trang tính procedures",
                    )
                )
                continue
            items = document["procedures"][index[code]][sheet]
            row.place(locate, f"procedures[{index[code]}].{sheet}[{len(items)}]")
            items.append(row.values)
    return document, errors, locate


def _read_sheet(
    worksheet, sheet: str, columns: dict[str, str], errors: list[tuple[str, str]]
) -> list[_Row] | None:
    row_iter = worksheet.iter_rows()
    header: dict[int, str] = {}
    for col, cell in enumerate(next(row_iter, ()), start=1):
        name = cell.value.strip() if isinstance(cell.value, str) else cell.value
        if name is None or name == "":
            continue
        where = f"{sheet}!{_cell_name(col, 1)} ({name})"
        if name not in columns:
            errors.append((where, "cột không có trong định dạng " + FORMAT))
        elif name in header.values():
            errors.append((where, "cột bị lặp lại"))
        else:
            header[col] = name
    missing = [name for name in REQUIRED_COLUMNS[sheet] if name not in header.values()]
    for name in missing:
        errors.append((f"{sheet}!1 ({name})", "thiếu cột"))
    if missing:
        return None

    result: list[_Row] = []
    for number, cells in enumerate(row_iter, start=2):
        by_col = dict(enumerate(cells, start=1))
        if all(getattr(by_col.get(col), "value", None) in (None, "") for col in header):
            continue
        row = _Row(number, f"{sheet}!{_cell_name(1, number)}")
        for col, name in header.items():
            where = f"{sheet}!{_cell_name(col, number)} ({name})"
            row.cells[name] = where
            cell = by_col.get(col)
            if getattr(cell, "data_type", None) == "f":
                errors.append((where, "không được dùng công thức; hãy nhập giá trị"))
                continue
            try:
                value = _convert(columns[name], getattr(cell, "value", None))
            except ValueError as exc:
                errors.append((where, f"JSON không hợp lệ: {exc}"))
                continue
            if value is not ABSENT:
                row.values[name] = value
        result.append(row)
    return result


def write_xlsx(document: dict[str, Any]) -> bytes:
    """Write an exported document (the JSON shape) as a workbook that ``read_xlsx`` reads back."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    names = ["procedures", "documents", "fees", "fields"]
    if "search_terms" in document:
        names.append("search_terms")
    sheets = {name: workbook.create_sheet(name) for name in names}
    for name, sheet in sheets.items():
        sheet.append(list(SHEETS[name]))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"

    def put(sheet_name: str, values: Iterable[Any]) -> None:
        _append_row(sheets[sheet_name], values)

    for field in document["fields"]:
        put("fields", (field["code"], field["name"]))
    for term in document.get("search_terms", []):
        put("search_terms", [term.get(key, "") for key in SEARCH_TERM_KEYS])
    for proc in document["procedures"]:
        put("procedures", _procedure_cells(proc))
        for doc in proc["documents"]:
            put("documents", [proc["code"], *(doc[key] for key in DOCUMENT_KEYS)])
        for fee in proc["fees"]:
            put("fees", [proc["code"], *(fee[key] for key in FEE_KEYS)])
    for sheet, widths in (
        ("procedures", {"A": 12, "B": 60, "J": 60}),
        ("documents", {"A": 12, "B": 16, "C": 60}),
        ("fees", {"A": 12, "B": 50, "D": 40}),
        ("fields", {"A": 20, "B": 40}),
    ):
        for column, width in widths.items():
            sheets[sheet].column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _append_row(sheet, values: Iterable[Any]) -> None:
    """Append a row of values; texts stay texts (never formulas), dates show as yyyy-mm-dd."""
    from openpyxl.styles import Alignment

    sheet.append([_to_cell(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            # A text starting with "=" is text, not a formula (and never runs as one).
            cell.data_type = "s"
            if "\n" in cell.value:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        elif isinstance(cell.value, date):
            cell.number_format = "yyyy-mm-dd"


def _procedure_cells(proc: dict[str, Any]) -> list[Any]:
    """A procedure's row of the procedures sheet: lists joined, JSON written, dates as dates."""
    row = []
    for key, kind in PROCEDURE_COLUMNS.items():
        value = proc.get(key)
        if kind == _COMMA_LIST:
            value = ", ".join(value or [])
        elif kind == _LINE_LIST:
            value = "\n".join(value or [])
        elif kind == _JSON:
            value = json.dumps(value, ensure_ascii=False)
        elif kind == _DATE and value:
            value = date.fromisoformat(value)
        row.append(value)
    return row


def _to_cell(value: Any) -> Any:
    return None if value == "" else value


def parse_json(content: bytes) -> tuple[Any, list[tuple[str, str]]]:
    try:
        return json.loads(content.decode("utf-8-sig")), []
    except UnicodeDecodeError:
        return None, [("file", "tệp JSON phải mã hóa UTF-8")]
    except json.JSONDecodeError as exc:
        return None, [
            ("file", f"JSON không hợp lệ ở dòng {exc.lineno}, cột {exc.colno}: {exc.msg}")
        ]


LocateFn = Callable[[str], str]
