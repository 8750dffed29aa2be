"""Validation of a dossier's e-form data against its procedure version's JSON Schema, with
messages per field in Vietnamese. Validators are compiled once per version and cached.

Two validators per version: ``jsonschema_rs`` (compiled Rust, ~30× faster) accepts the valid
forms, which is nearly every submission, and only a form it rejects goes through ``jsonschema``,
whose errors carry the paths and keywords the messages are made from. The verdict is therefore
``jsonschema``'s whenever the fast one says no; where the fast one says yes, ``jsonschema`` must
agree, which ``tests/test_form_validation.py`` checks over every schema of the demo catalogue.

Before either looks at the data, the values whose schema declares a ``format`` we know how to
read are written the one way they are stored (:func:`form_normalise`): ``"format": "phone"``
("0912 345 678", "+84 912…" → "0912345678", ``core.phone``) and ``"format": "digits"``
("0010 9401 2345" → "001094012345", for identity, tax and account numbers). Dates are left as
they come: the portal's date picker sends them in ISO form, and a date typed otherwise is
refused with an example. A value that cannot be read is left as it is, for the
schema's ``pattern`` or ``format`` to refuse with its message. The schema, not a field's name,
says which values these are (through ``properties`` and ``items``), and the portal, the counter
and the API all go through here, so they accept the same writing.

Messages: a schema may give its own per keyword, ``"x-errorMessage": {"pattern": "Số định danh
cá nhân gồm 12 chữ số."}`` (on the object for ``required``); otherwise a message is made from
the keyword. A message never shows the pattern itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from chinhquyen.core.errors import ValidationFailed
from chinhquyen.core.phone import PHONE_MESSAGE, phone_normalise_or_keep
from chinhquyen.core.proccache import ProcessCache

MESSAGE_KEYWORD = "x-errorMessage"
_DIGITS = re.compile(r"^\^\\d\{(\d+)\}\$$")
_DIGIT_SEPARATORS = re.compile(r"[\s.\-]")


def _digits(text: str) -> str:
    """A number written in groups ("0010 9401 2345", "4711.") as its digits alone."""
    bare = _DIGIT_SEPARATORS.sub("", text)
    return bare if bare.isascii() and bare.isdigit() else text


# format → how a value of that format is written the one stored way (or left for the validator).
NORMALISERS: dict[str, Callable[[str], str]] = {
    "phone": phone_normalise_or_keep,
    "digits": _digits,
}

# A plan: for an object, {key: plan}; for an array, ("items", plan); for a value, its normaliser.
Plan = dict[str, Any] | tuple[str, Any] | Callable[[str], str] | None


def _plan(schema: Any) -> Plan:
    """Where in a document the values to normalise are, read once per schema: nothing for the
    many schemas without such a value, so the hot path pays a dictionary lookup."""
    if not isinstance(schema, dict):
        return None
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in NORMALISERS:
        return NORMALISERS[fmt]
    properties = schema.get("properties")
    if isinstance(properties, dict):
        plan = {key: sub for key, sub in ((k, _plan(v)) for k, v in properties.items()) if sub}
        return plan or None
    items = _plan(schema.get("items"))
    return ("items", items) if items else None


def _apply(plan: Plan, data: Any) -> Any:
    """``data`` with the planned values normalised; the same object when nothing changes, so
    the caller's document is never modified."""
    if plan is None:
        return data
    if callable(plan):
        return plan(data) if isinstance(data, str) else data
    if isinstance(plan, tuple):
        if not isinstance(data, list):
            return data
        items = [_apply(plan[1], item) for item in data]
        return items if items != data else data
    if not isinstance(data, dict):
        return data
    changed = {
        key: new
        for key, sub in plan.items()
        if key in data and (new := _apply(sub, data[key])) is not data[key] and new != data[key]
    }
    return {**data, **changed} if changed else data


def form_normalise(*, schema: dict[str, Any], data: Any) -> Any:
    """``data`` with each value of a known ``format`` written the stored way (see above)."""
    return _apply(_plan(schema), data)


# Procedure versions are immutable, so a compiled validator per version never goes stale. The
# key includes the creation time: a restored or rebuilt database may reuse an id.
_validators: ProcessCache[tuple[Any, Draft202012Validator, Plan]] = ProcessCache(
    "dossiers.form_validators", max_entries=2048
)


def _fast(schema: dict[str, Any]):
    """The quick yes; None for a schema it cannot compile (then ``jsonschema`` does it all)."""
    try:
        return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    except (ValueError, jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError):
        return None


def _validator(
    key: tuple[int, Any], schema: dict[str, Any]
) -> tuple[Any, Draft202012Validator, Plan]:
    return _validators.get_or_set(
        key,
        lambda: (
            _fast(schema),
            Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER),
            _plan(schema),
        ),
    )


def _path(error: SchemaError) -> str:
    parts: list[str] = ["form_data"]
    for p in error.absolute_path:
        if isinstance(p, int):
            parts[-1] = f"{parts[-1]}[{p}]"
        else:
            parts.append(str(p))
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        if missing:
            parts.append(missing)
    return ".".join(parts)


def _message(error: SchemaError) -> str:
    v, arg = error.validator, error.validator_value
    title = ""
    schema = error.schema if isinstance(error.schema, dict) else {}
    title = schema.get("title", "")
    own = schema.get(MESSAGE_KEYWORD)
    if isinstance(own, dict) and isinstance(own.get(v), str) and own[v].strip():
        return own[v]
    if v == "pattern" and schema.get("format") == "phone":
        return str(PHONE_MESSAGE)
    match v:
        case "required":
            return "Bắt buộc nhập."
        case "type":
            names = {
                "string": "chuỗi ký tự",
                "integer": "số nguyên",
                "number": "số",
                "object": "nhóm thông tin",
                "array": "danh sách",
                "boolean": "có/không",
            }
            wanted = arg if isinstance(arg, str) else (arg[0] if arg else "")
            return f"Phải là {names.get(wanted, wanted)}."
        case "pattern":
            digits = _DIGITS.match(arg) if isinstance(arg, str) else None
            if digits:
                return f"Cần đúng {digits.group(1)} chữ số, không có chữ cái hay dấu cách."
            return "Chưa đúng cách ghi của mục này; xem hướng dẫn dưới tên mục."
        case "format":
            return {
                "date": "Ngày không hợp lệ: cần một ngày có thật, theo năm-tháng-ngày, ví dụ 1995-03-15.",
                "email": "Địa chỉ thư điện tử chưa đúng, ví dụ ten@example.vn.",
                "date-time": "Thời điểm không hợp lệ.",
            }.get(arg, "Chưa đúng cách ghi của mục này.")
        case "maxLength":
            return f"Tối đa {arg} ký tự."
        case "minLength":
            return "Bắt buộc nhập." if arg == 1 else f"Tối thiểu {arg} ký tự."
        case "minimum":
            return f"Phải lớn hơn hoặc bằng {arg}."
        case "maximum":
            return f"Phải nhỏ hơn hoặc bằng {arg}."
        case "enum" | "oneOf" | "const" | "anyOf":
            return "Giá trị không nằm trong danh sách cho phép."
        case "minItems":
            return f"Cần ít nhất {arg} mục."
        case "maxItems":
            return f"Tối đa {arg} mục."
        case "additionalProperties":
            return "Có trường không thuộc biểu mẫu."
    return f"Không hợp lệ{(': ' + title) if title else ''}."


def form_validate(
    *, version_id: int, schema: dict[str, Any], data: Any, stamp: Any = None
) -> dict[str, Any]:
    """The form's data normalised (:func:`form_normalise`) and checked: the document to store.
    Raises ValidationFailed with one entry per invalid field. ``stamp`` (the version's creation
    time) makes the cached validator specific to this version row."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            "Dữ liệu biểu mẫu phải là một đối tượng JSON.",
            fields={"form_data": ["Phải là đối tượng."]},
        )
    if not schema:
        return data
    fast, validator, plan = _validator((version_id, stamp), schema)
    data = _apply(plan, data)
    if fast is not None and fast.is_valid(data):
        return data
    fields: dict[str, list[str]] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        messages = fields.setdefault(_path(error), [])
        message = _message(error)
        if message not in messages:
            messages.append(message)
    if fields:
        raise ValidationFailed(
            "Biểu mẫu có thông tin chưa hợp lệ.", code="form_invalid", fields=fields
        )
    return data
