"""core/jsontext.py: orjson where a machine reads the JSON, the standard library for what orjson
refuses; the API's responses spell values as ninja's encoder did."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from ninja.responses import NinjaJSONEncoder

from chinhquyen.core import jsontext
from chinhquyen.core.api import Utf8Renderer


@pytest.mark.parametrize(
    "value",
    [
        {"ho_ten": "Nguyễn Văn An", "so": [1, 2.5, None, True], "con": {"a": ""}},
        {"lớn": 2**70, "âm": -(2**65)},  # beyond 64 bits: orjson refuses, json writes them
        {1: "a", 2: "b"},  # keys that are not strings: json turns them into strings
        [],
    ],
)
def test_dumps_gives_the_same_json_values_as_the_standard_library(value):
    assert json.loads(jsontext.dumps(value)) == json.loads(json.dumps(value))
    assert json.loads(jsontext.dumps_str(value)) == json.loads(json.dumps(value))


def test_dumps_writes_utf8_not_escapes():
    assert jsontext.dumps({"x": "Hải Dương"}) == '{"x":"Hải Dương"}'.encode()


def test_dumps_refuses_what_the_standard_library_refuses():
    for value in ({"at": datetime(2026, 1, 1, tzinfo=UTC)}, {"n": Decimal("1.5")}, {1, 2}):
        with pytest.raises(TypeError):
            jsontext.dumps(value)


def test_the_api_renderer_spells_values_as_ninjas_encoder():
    data = {
        "at": datetime(2026, 12, 6, 20, 45, 30, 915315, tzinfo=UTC),
        "day": date(2026, 12, 7),
        "fee": Decimal("50000.00"),
        "label": gettext_lazy("Vietnamese"),
        "big": 2**70,
        "name": "Hồ sơ",
    }
    body = Utf8Renderer().render(HttpRequest(), data, response_status=200)
    expected = json.loads(json.dumps(data, cls=NinjaJSONEncoder))
    assert json.loads(body) == expected
    assert expected["at"] == "2026-12-06T20:45:30.915Z"  # the encoder's spelling, kept
    assert "Hồ sơ".encode() in body
