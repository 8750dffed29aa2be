"""The e-form check (dossiers/forms.py): ``jsonschema_rs`` says yes quickly, ``jsonschema`` says
why not. The fast validator may only accept what ``jsonschema`` accepts, so the verdict is always
``jsonschema``'s: checked here over every schema of the demo catalogue, each with its example and
with systematic breakages of every field of it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from chinhquyen.core.errors import ValidationFailed
from chinhquyen.dossiers import forms

CATALOGUE = Path(forms.__file__).parents[1] / "catalogue" / "fixtures" / "demo_catalogue.json"


def _schemas() -> list[tuple[str, dict[str, Any]]]:
    records = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    records = records["procedures"] if isinstance(records, dict) else records
    return [(r["code"], r["form_schema"]) for r in records if r.get("form_schema")]


BREAKAGES = [None, "", " ", "x" * 5000, 0, -1, 10**12, 1.5, True, [], {}, "2024-02-30", "abc@",
             "2024-13-01", "0912 345 678", "٠١٢٣٤٥٦٧٨٩", "a\nb", "2024-02-29"]  # fmt: skip


def _variants(example: dict[str, Any]):
    """The example, then each leaf replaced by every breakage, each key dropped, a key added."""
    yield example

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, (*path, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, (*path, i))
        yield path

    def at(root, path):
        for part in path[:-1]:
            root = root[part]
        return root

    for path in list(walk(example, ())):
        if not path:
            continue
        for value in BREAKAGES:
            broken = copy.deepcopy(example)
            at(broken, path)[path[-1]] = value
            yield broken
        broken = copy.deepcopy(example)
        parent = at(broken, path)
        if isinstance(parent, dict):
            del parent[path[-1]]
            parent["khong_co_trong_bieu_mau"] = "x"
            yield broken


SCHEMAS = _schemas()


def test_the_catalogue_has_schemas_to_check():
    assert len(SCHEMAS) >= 30


@pytest.mark.parametrize(("code", "schema"), SCHEMAS, ids=[c for c, _ in SCHEMAS])
def test_the_fast_validator_accepts_only_what_jsonschema_accepts(code, schema):
    fast = forms._fast(schema)
    assert fast is not None, "every catalogue schema compiles in jsonschema_rs"
    slow = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    rejected = 0
    for data in _variants(schema["examples"][0]):
        slow_ok = not any(slow.iter_errors(data))
        if fast.is_valid(data):
            assert slow_ok, (code, data)
        rejected += not slow_ok
    assert rejected > 0, "the breakages must reach the slow path"


def test_a_rejected_form_still_gets_its_messages_per_field():
    code, schema = next((c, s) for c, s in SCHEMAS if c == "1.001193")
    data = {**schema["examples"][0]}
    data.pop(next(iter(schema.get("required", []))))
    with pytest.raises(ValidationFailed) as refused:
        forms.form_validate(version_id=-1, stamp=code, schema=schema, data=data)
    assert refused.value.code == "form_invalid"
    assert any(field.startswith("form_data.") for field in refused.value.fields)


def test_a_schema_the_fast_validator_cannot_compile_falls_back_to_jsonschema():
    schema = {"type": "object", "properties": {"a": {"type": "string", "pattern": "(?<=x"}}}
    assert forms._fast(schema) is None
