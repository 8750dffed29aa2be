"""Validation of a dossier's e-form data against its procedure version's JSON Schema, with
messages per field in Vietnamese. Validators are compiled once per version and cached.

Two validators per version: ``jsonschema_rs`` (compiled Rust, ~30× faster) accepts the valid
forms, which is nearly every submission, and only a form it rejects goes through ``jsonschema``,
whose errors carry the paths and keywords the messages are made from. The verdict is therefore
``jsonschema``'s whenever the fast one says no; where the fast one says yes, ``jsonschema`` must
agree, which ``tests/test_form_validation.py`` checks over every schema of the demo catalogue.
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from chinhquyen.core.errors import ValidationFailed

# Procedure versions are immutable, so a compiled validator per version never goes stale. The
# key includes the creation time: a restored or rebuilt database may reuse an id.
_validators: dict[tuple[int, Any], tuple[Any, Draft202012Validator]] = {}


def _fast(schema: dict[str, Any]):
    """The quick yes; None for a schema it cannot compile (then ``jsonschema`` does it all)."""
    try:
        return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    except (ValueError, jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError):
        return None


def _validator(key: tuple[int, Any], schema: dict[str, Any]) -> tuple[Any, Draft202012Validator]:
    validators = _validators.get(key)
    if validators is None:
        if len(_validators) > 2048:
            _validators.clear()
        validators = (
            _fast(schema),
            Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER),
        )
        _validators[key] = validators
    return validators


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
    if isinstance(error.schema, dict):
        title = error.schema.get("title", "")
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
            return "Không đúng định dạng."
        case "format":
            return {
                "date": "Ngày không hợp lệ (định dạng YYYY-MM-DD).",
                "email": "Địa chỉ e-mail không hợp lệ.",
                "date-time": "Thời điểm không hợp lệ.",
            }.get(arg, "Không đúng định dạng.")
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


def form_validate(*, version_id: int, schema: dict[str, Any], data: Any, stamp: Any = None) -> None:
    """Raise ValidationFailed with one entry per invalid field. ``stamp`` (the version's creation
    time) makes the cached validator specific to this version row."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            "Dữ liệu biểu mẫu phải là một đối tượng JSON.",
            fields={"form_data": ["Phải là đối tượng."]},
        )
    if not schema:
        return
    fast, validator = _validator((version_id, stamp), schema)
    if fast is not None and fast.is_valid(data):
        return
    fields: dict[str, list[str]] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        fields.setdefault(_path(error), []).append(_message(error))
    if fields:
        raise ValidationFailed(
            "Biểu mẫu có thông tin chưa hợp lệ.", code="form_invalid", fields=fields
        )
