"""The e-form of a procedure version, drawn on the server from its JSON Schema.

No JavaScript is needed: repeating groups grow and shrink through submit buttons that send the
form back (``_add=<array name>``, ``_remove=<item name>``), and the page comes back with every
value kept. Field names are paths into the JSON document — ``tre.ho_ten``,
``thanh_vien[0].ten`` — the same paths (after ``form_data.``) that
``chinhquyen.dossiers.forms.form_validate`` names in its errors, so each message lands next to
its field.

What the renderer understands is what the catalogue's schemas use: objects (fieldsets), arrays
(repeating groups), strings (``format: date``/``email``/``phone``/``digits``, ``maxLength``,
``pattern``),
integers and numbers, booleans, and choices written as ``oneOf`` of ``const``/``title`` or
``enum``. Validation is not done here: the dossiers app owns it (and normalises phone numbers
and digit strings before checking them, ``dossiers.forms.form_normalise``).

Hints speak to people: a field's ``description`` is its hint, with what the renderer can say
itself (length, "Gồm 12 chữ số.", an example); a ``pattern`` is never shown — a schema that
uses one gives a ``description`` and an ``x-errorMessage`` for it.

An object its parent does not require is an optional section: its legend says "không bắt
buộc", its ``description`` says when to leave it empty ("Bỏ trống nếu chưa xác định được
cha"), it is not pre-filled with defaults, its fields carry no ``required`` attribute, and a
section left empty (or holding nothing but its defaults) is left out of the data — whereas a
section partly filled is sent, so the schema's ``required`` inside it names what is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from chinhquyen.core.phone import PHONE_HINT
from chinhquyen.workdays.text import date_text

ERROR_PREFIX = "form_data"
RADIO_MAX = 4  # up to this many choices are radios, more become a select
_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_DIGITS = re.compile(r"^\^\\d\{(\d+)\}\$$")


# --- names ---------------------------------------------------------------------------------------


def child_name(parent: str, key: str) -> str:
    return f"{parent}.{key}" if parent else key


def item_name(parent: str, index: int) -> str:
    return f"{parent}[{index}]"


def field_id(name: str) -> str:
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


def path_of(name: str) -> list[str | int]:
    """``thanh_vien[1].ten`` → ``["thanh_vien", 1, "ten"]``."""
    return [int(index) if index else key for key, index in _TOKEN.findall(name)]


# --- choices -------------------------------------------------------------------------------------


def choices_of(schema: dict[str, Any]) -> list[tuple[Any, str]] | None:
    if isinstance(schema.get("oneOf"), list) and all(
        isinstance(o, dict) and "const" in o for o in schema["oneOf"]
    ):
        return [(o["const"], str(o.get("title", o["const"]))) for o in schema["oneOf"]]
    if isinstance(schema.get("enum"), list):
        return [(v, str(v)) for v in schema["enum"]]
    return None


def _type(schema: dict[str, Any]) -> str:
    kind = schema.get("type", "string")
    if isinstance(kind, list):  # ["string", "null"]: the first non-null one
        kind = next((k for k in kind if k != "null"), "string")
    return kind


def properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """An object's properties in the form's order: ``x-order`` when the schema gives it, else
    as written. PostgreSQL keeps JSON in ``jsonb``, which does not keep the order of keys, so a
    schema read back from it says its order in ``x-order`` (a list: arrays keep their order)."""
    props = schema.get("properties", {})
    if not isinstance(props, dict):
        return []
    order = schema.get("x-order")
    if not isinstance(order, list):
        return list(props.items())
    keys = [k for k in order if isinstance(k, str) and k in props]
    keys += [k for k in props if k not in keys]
    return [(k, props[k]) for k in keys]


# --- reading a POST back into JSON ---------------------------------------------------------------


def _coerce(schema: dict[str, Any], raw: str) -> Any:
    """A typed value, or the raw text when it does not parse: the validator then says why."""
    kind = _type(schema)
    if kind == "integer":
        try:
            return int(raw)
        except ValueError:
            return raw
    if kind == "number":
        try:
            number = float(raw.replace(",", "."))
        except ValueError:
            return raw
        return int(number) if number.is_integer() else number
    return raw


def _array_length(post: QueryDict, name: str) -> int:
    """How many items the form held: the largest index sent, plus one."""
    prefix = name + "["
    indexes = [-1]
    for key in post:
        if key.startswith(prefix):
            head = key[len(prefix) :].split("]", 1)[0]
            if head.isdigit():
                indexes.append(int(head))
    count = post.get(name + ".__n", "")
    if count.isdigit():
        indexes.append(int(count) - 1)
    return min(max(indexes) + 1, 200)


def parse(schema: dict[str, Any], post: QueryDict, name: str = "", *, required: bool = True) -> Any:
    """The JSON document the form's fields describe. Empty text fields are left out, so that
    "required" is reported as such; an optional group left wholly empty is left out too."""
    kind = _type(schema)
    if kind == "object":
        required_keys = set(schema.get("required", []))
        result: dict[str, Any] = {}
        for key, sub in properties(schema):
            value = parse(sub, post, child_name(name, key), required=key in required_keys)
            if value is not None:
                result[key] = value
        # An optional group left empty is left out: an unchecked box or a default nobody
        # changed ("Quốc tịch: Việt Nam" in an old draft) does not fill it.
        if not required and name and _untouched(schema, result):
            return None
        return result
    if kind == "array":
        items = schema.get("items", {})
        length = _array_length(post, name)
        values = [parse(items, post, item_name(name, i), required=True) for i in range(length)]
        if _type(items) != "object":
            values = ["" if v is None else v for v in values]
        if not values and not required:
            return None
        return values
    if kind == "boolean":
        # An unchecked box sends nothing, and means "no".
        return post.get(name) in ("1", "on", "true")
    raw = post.get(name, "").strip()
    if raw == "":
        return None
    return _coerce(schema, raw)


def _untouched(schema: dict[str, Any], value: Any) -> bool:
    """Whether ``value`` holds nothing a person typed: empty, unchecked, or the defaults."""
    if value in (None, "", False, [], {}):
        return True
    if isinstance(value, dict) and _type(schema) == "object":
        props = schema.get("properties", {})
        return all(_untouched(props.get(k, {}), v) for k, v in value.items())
    return "default" in schema and value == schema["default"]


def prune(schema: dict[str, Any], data: Any) -> Any:
    """Drop the blank items of lists of plain values (rows added but left empty)."""
    kind = _type(schema)
    if kind == "object" and isinstance(data, dict):
        props = schema.get("properties", {})
        return {k: prune(props[k], v) if k in props else v for k, v in data.items()}
    if kind == "array" and isinstance(data, list):
        items = schema.get("items", {})
        return [prune(items, v) for v in data if v not in ("", None)]
    return data


def edit(schema: dict[str, Any], data: dict[str, Any], *, add: str = "", remove: str = "") -> None:
    """Apply an "add an item" or "remove this item" button to ``data`` in place."""
    if add:
        path = path_of(add)
        target, sub = _walk(schema, data, path, create=True)
        if isinstance(target, list) and sub is not None:
            target.append({} if _type(sub.get("items", {})) == "object" else "")
    if remove:
        path = path_of(remove)
        if path and isinstance(path[-1], int):
            target, _sub = _walk(schema, data, path[:-1], create=False)
            if isinstance(target, list) and 0 <= path[-1] < len(target):
                del target[path[-1]]


def _walk(schema, data, path, *, create: bool):
    node, sub = data, schema
    for i, step in enumerate(path):
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                return None, None
            node, sub = node[step], sub.get("items", {})
            continue
        props = sub.get("properties", {}) if isinstance(sub, dict) else {}
        if step not in props or not isinstance(node, dict):
            return None, None
        sub = props[step]
        if step not in node and create:
            last = i == len(path) - 1
            node[step] = [] if (last or _type(sub) == "array") else {}
        node = node.get(step)
    return node, sub


# --- drawing the form ----------------------------------------------------------------------------


def _join(parts) -> SafeString:
    """Join fragments that format_html already escaped."""
    return mark_safe("".join(str(p) for p in parts))  # noqa: S308


@dataclass(frozen=True)
class _FieldParts:
    """What a scalar field's markup is made of, whatever its control."""

    name: str
    anchor: str
    label: str
    aria: str
    error: str
    req_mark: str
    help_html: str
    enforced: bool  # required, and not inside an optional group left empty


def _checkbox(field: _FieldParts, value: Any) -> SafeString:
    """A boolean field: one checkbox, checked for true."""
    checked = " checked" if value is True else ""
    return format_html(
        '<div class="field check"><input type="checkbox" id="{}" name="{}" value="1"{}{}>'
        '<label for="{}">{}</label>{}{}</div>',
        field.anchor,
        field.name,
        mark_safe(checked),  # noqa: S308 - a constant
        field.aria,
        field.anchor,
        field.label,
        field.help_html,
        field.error,
    )


def _radios(field: _FieldParts, choices: list[tuple[Any, str]], value: Any) -> SafeString:
    """A field with few choices: radio buttons in a fieldset."""
    radios = format_html_join(
        "",
        '<label><input type="radio" name="{}" id="{}" value="{}"{}{}> {}</label>',
        (
            (
                field.name,
                field.anchor if i == 0 else f"{field.anchor}-{i}",
                const,
                mark_safe(" checked" if value == const else ""),  # noqa: S308
                field.aria,
                title,
            )
            for i, (const, title) in enumerate(choices)
        ),
    )
    return format_html(
        '<fieldset class="field choices"><legend>{}{}</legend>{}<div>{}</div>{}</fieldset>',
        field.label,
        field.req_mark,
        field.help_html,
        radios,
        field.error,
    )


def _select(field: _FieldParts, choices: list[tuple[Any, str]], value: Any) -> SafeString:
    """The control of a field with many choices: a drop-down list."""
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (const, mark_safe(" selected" if value == const else ""), title)  # noqa: S308
            for const, title in choices
        ),
    )
    return format_html(
        '<select id="{}" name="{}"{}{}><option value="">{}</option>{}</select>',
        field.anchor,
        field.name,
        field.aria,
        mark_safe(" required" if field.enforced else ""),  # noqa: S308
        _("— Chọn —"),
        options,
    )


def _input_type(schema: dict[str, Any], kind: str) -> tuple[str, list[tuple[str, Any]]]:
    """The input's type and its attributes from the schema's type, format and limits."""
    attrs: list[tuple[str, Any]] = []
    input_type = "text"
    if kind in ("integer", "number"):
        input_type = "number"
        if kind == "number":
            attrs.append(("step", "any"))
        for key, attr in (("minimum", "min"), ("maximum", "max")):
            if key in schema:
                attrs.append((attr, schema[key]))
    elif schema.get("format") == "date":
        input_type = "date"
    elif schema.get("format") == "email":
        input_type = "email"
        attrs.append(("autocomplete", "email"))
    elif schema.get("format") == "phone":
        input_type = "tel"
        attrs.append(("autocomplete", "tel"))
    if "maxLength" in schema:
        attrs.append(("maxlength", schema["maxLength"]))
    if schema.get("format") == "digits" or _DIGITS.match(schema.get("pattern", "")):
        attrs.append(("inputmode", "numeric"))
    return input_type, attrs


def _input(field: _FieldParts, schema: dict[str, Any], kind: str, value: Any) -> SafeString:
    """The control of a text, number, date, email or phone field: an input."""
    input_type, attrs = _input_type(schema, kind)
    return format_html(
        '<input type="{}" id="{}" name="{}" value="{}"{}{}{}>',
        input_type,
        field.anchor,
        field.name,
        "" if value is None else value,
        format_html_join("", ' {}="{}"', attrs),
        field.aria,
        mark_safe(" required" if field.enforced else ""),  # noqa: S308
    )


class _Renderer:
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        self.anchors: dict[str, str] = {}  # error key → the id its summary link points to
        # Inside an optional section a field the section requires is required only once the
        # section is filled in: no ``required`` attribute there.
        self.optional_depth = 0

    def errors_for(self, name: str, anchor: str) -> SafeString:
        key = f"{ERROR_PREFIX}.{name}" if name else ERROR_PREFIX
        messages = self.errors.get(key, [])
        if not messages:
            return mark_safe("")  # noqa: S308 - constant
        self.anchors[key] = anchor
        return format_html(
            '<p class="error" id="{}-error">{}</p>',
            anchor,
            " ".join(messages),
        )

    def node(self, schema: dict[str, Any], value: Any, name: str, required: bool) -> SafeString:
        kind = _type(schema)
        if kind == "object":
            value = value if isinstance(value, dict) else {}
            return self.fieldset(schema, value, name, optional=not required)
        if kind == "array":
            return self.array(schema, value if isinstance(value, list) else [], name)
        return self.scalar(schema, value, name, required)

    def fieldset(
        self, schema, value, name, *, legend: str | None = None, extra="", optional: bool = False
    ) -> SafeString:
        required = set(schema.get("required", []))
        optional = optional and bool(name)
        self.optional_depth += optional
        try:
            inner = _join(
                self.node(sub, value.get(key), child_name(name, key), key in required)
                for key, sub in properties(schema)
            )
        finally:
            self.optional_depth -= optional
        if not name:
            return inner
        anchor = field_id(name)
        title = legend if legend is not None else schema.get("title", name)
        hints = [str(schema["description"])] if schema.get("description") else []
        if optional and required:
            hints.append(_("Nếu khai phần này, cần điền đủ các mục ghi «bắt buộc»."))
        hint = (
            format_html('<p class="hint" id="{}-help">{}</p>', anchor, " ".join(hints))
            if hints
            else ""
        )
        return format_html(
            '<fieldset class="group{}" id="{}"{}><legend>{}{}</legend>{}{}{}{}</fieldset>',
            " optional" if optional else "",
            anchor,
            format_html(' aria-describedby="{}-help"', anchor) if hints else "",
            title,
            format_html(' <span class="hint">({})</span>', _("không bắt buộc")) if optional else "",
            hint,
            self.errors_for(name, anchor),
            inner,
            extra,
        )

    def array(self, schema, value, name) -> SafeString:
        items = schema.get("items", {})
        item_title = items.get("title") or _("Mục")
        parts = []
        for index, item in enumerate(value):
            iname = item_name(name, index)
            remove = format_html(
                '<button type="submit" class="secondary small" name="_remove" value="{}">{}</button>',
                iname,
                _("Xóa %(item)s %(number)s") % {"item": item_title.lower(), "number": index + 1},
            )
            if _type(items) == "object":
                parts.append(
                    self.fieldset(
                        items,
                        item if isinstance(item, dict) else {},
                        iname,
                        legend=f"{item_title} {index + 1}",
                        extra=remove,
                    )
                )
            else:
                parts.append(
                    format_html(
                        '<div class="item">{}{}</div>',
                        self.scalar(
                            {**items, "title": f"{item_title} {index + 1}"}, item, iname, True
                        ),
                        remove,
                    )
                )
        anchor = field_id(name)
        add = format_html(
            '<button type="submit" class="secondary" name="_add" value="{}">{}</button>',
            name,
            _("Thêm %(item)s") % {"item": item_title.lower()},
        )
        hint = ""
        if not value:
            hint = format_html('<p class="hint">{}</p>', _("Chưa có mục nào."))
        return format_html(
            '<fieldset class="group repeat" id="{}"><legend>{}</legend>{}{}'
            '<input type="hidden" name="{}.__n" value="{}">{}{}</fieldset>',
            anchor,
            schema.get("title", name),
            self.errors_for(name, anchor),
            hint,
            name,
            len(value),
            _join(parts),
            add,
        )

    def scalar(self, schema, value, name, required) -> SafeString:
        """One field of a scalar type: a checkbox, radio buttons, a drop-down list or an input."""
        kind = _type(schema)
        choices = choices_of(schema)
        field = self.field_parts(schema, name, required)
        if kind == "boolean":
            return _checkbox(field, value)
        if choices is not None and len(choices) <= RADIO_MAX:
            return _radios(field, choices, value)
        if choices is not None:
            control = _select(field, choices, value)
        else:
            control = _input(field, schema, kind, value)
        return format_html(
            '<div class="field"><label for="{}">{}{}</label>{}{}{}</div>',
            field.anchor,
            field.label,
            field.req_mark,
            field.help_html,
            control,
            field.error,
        )

    def field_parts(self, schema, name, required) -> _FieldParts:
        """The pieces every kind of scalar field shows: id, label, hints, error and ARIA."""
        anchor = field_id(name)
        label = schema.get("title", name.rsplit(".", 1)[-1])
        help_texts = self.help(schema)
        error = self.errors_for(name, anchor)
        described = " ".join(
            x
            for x in (f"{anchor}-help" if help_texts else "", f"{anchor}-error" if error else "")
            if x
        )
        aria = format_html(' aria-describedby="{}"', described) if described else ""
        if error:
            aria = format_html('{} aria-invalid="true"', aria)
        return _FieldParts(
            name=name,
            anchor=anchor,
            label=label,
            aria=aria,
            error=error,
            req_mark=(
                format_html(' <span class="req">({})</span>', _("bắt buộc")) if required else ""
            ),
            help_html=(
                format_html('<p class="hint" id="{}-help">{}</p>', anchor, " ".join(help_texts))
                if help_texts
                else ""
            ),
            enforced=required and self.optional_depth == 0,
        )

    @staticmethod
    def help(schema: dict[str, Any]) -> list[str]:
        """The field's hints in words. Never the ``pattern``: people do not read regular
        expressions, so a schema that has one describes it in ``description``."""
        texts = []
        described = bool(schema.get("description"))
        if described:
            texts.append(str(schema["description"]))
        elif schema.get("format") == "phone":
            texts.append(str(PHONE_HINT))
        digits = _DIGITS.match(schema.get("pattern", ""))
        if digits and not described:
            texts.append(_("Gồm %(n)s chữ số.") % {"n": digits.group(1)})
        if "maxLength" in schema and _type(schema) == "string" and schema["maxLength"] < 1000:
            texts.append(_("Tối đa %(n)s ký tự.") % {"n": schema["maxLength"]})
        if schema.get("format") == "date" and not described:
            texts.append(_("Ngày, tháng, năm."))
        examples = schema.get("examples")
        if isinstance(examples, list) and examples and not isinstance(examples[0], dict | list):
            texts.append(_("Ví dụ: %(example)s") % {"example": examples[0]})
        return texts


def render(
    schema: dict[str, Any], data: dict[str, Any], errors: dict[str, list[str]] | None = None
) -> tuple[SafeString, dict[str, str]]:
    """The form's fields as HTML, and for each error key the id of the field it belongs to."""
    renderer = _Renderer(errors or {})
    html = renderer.fieldset(schema, data or {}, "")
    return html, renderer.anchors


def initial_data(schema: dict[str, Any]) -> Any:
    """The schema's defaults (``"quoc_tich": "Việt Nam"``) for a form opened the first time."""
    kind = _type(schema)
    if kind == "object":
        result = {}
        required = set(schema.get("required", []))
        for key, sub in properties(schema):
            if _type(sub) == "object" and key not in required:
                continue  # an optional section starts empty: what is shown is what is sent
            value = initial_data(sub)
            if value not in (None, {}, []):
                result[key] = value
        return result
    if kind == "array":
        items = schema.get("items", {})
        return [initial_data(items) for _ in range(schema.get("minItems", 0))]
    return schema.get("default")


def label_for(schema: dict[str, Any], key: str) -> str:
    """The titles along an error key's path: "Thông tin người mẹ › Họ, chữ đệm và tên"."""
    path = path_of(key.removeprefix(ERROR_PREFIX).lstrip("."))
    titles, node = [], schema
    for step in path:
        if isinstance(step, int):
            node = node.get("items", {}) if isinstance(node, dict) else {}
            if titles:
                titles[-1] = f"{titles[-1]} {step + 1}"
            continue
        node = node.get("properties", {}).get(step, {}) if isinstance(node, dict) else {}
        titles.append(str(node.get("title", step)) if isinstance(node, dict) else step)
    return " › ".join(titles) or _("Biểu mẫu")


# --- the review step -----------------------------------------------------------------------------


def review_rows(schema: dict[str, Any], data: Any, depth: int = 0) -> list[dict[str, Any]]:
    """What was entered, as (label, text) rows and titled groups, in the form's order."""
    rows: list[dict[str, Any]] = []
    for key, sub in properties(schema):
        if not isinstance(data, dict) or key not in data:
            if isinstance(data, dict) and _type(sub) == "object":
                # An optional section left empty, said so: the person sees it was meant.
                rows.append({"label": sub.get("title", key), "text": _("Không khai")})
            continue
        value = data[key]
        title = sub.get("title", key)
        kind = _type(sub)
        if kind == "object":
            rows.append({"group": title, "rows": review_rows(sub, value, depth + 1)})
        elif kind == "array":
            items = sub.get("items", {})
            item_title = items.get("title") or title
            for i, item in enumerate(value or []):
                if _type(items) == "object":
                    rows.append(
                        {
                            "group": f"{item_title} {i + 1}",
                            "rows": review_rows(items, item, depth + 1),
                        }
                    )
                else:
                    rows.append({"label": f"{item_title} {i + 1}", "text": display(items, item)})
        else:
            rows.append({"label": title, "text": display(sub, value)})
    return rows


def display(schema: dict[str, Any], value: Any) -> str:
    if value is None or value == "":
        return ""
    if _type(schema) == "boolean":
        return _("Có") if value else _("Không")
    for const, title in choices_of(schema) or []:
        if const == value:
            return title
    if schema.get("format") == "date" and isinstance(value, str):
        return date_text(value)
    return str(value)
