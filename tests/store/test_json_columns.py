"""Payload columns: JSON written and read as the standard library would, faster, with the
standard library taking what orjson refuses."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from assistant.messages import Reply
from assistant.store.engine import _json_default, dumps, loads


def test_payloads_read_back_as_the_standard_library_wrote_them() -> None:
    value = {
        "text": "Trail socks — 20% off, ünïcode kept",
        "price": Decimal("19.90"),
        "when": datetime(2026, 11, 28, 17, 0, 1, 123456, tzinfo=UTC),
        "day": date(2026, 11, 28),
        "sizes": ("S", "M"),
        "tags": {"wool"},
        "reply": Reply(text="hi"),
        "nested": [{"n": 1, "ok": True, "none": None, "x": 1.5}],
        3: "int keys become text",
    }
    written = dumps(value)
    assert "ünïcode" in written  # not escaped
    # what the standard library wrote before, with the same fallbacks for other types
    standard = json.loads(json.dumps(value, default=_json_default, ensure_ascii=False))
    assert json.loads(written) == standard
    assert loads(written) == standard


def test_what_orjson_refuses_the_standard_library_writes_and_reads() -> None:
    huge = {"id": 2**70}  # past 64 bits
    assert loads(dumps(huge)) == huge
    old = '{"score": NaN}'  # written by the standard library before
    assert math.isnan(loads(old)["score"])


def test_an_unstorable_value_is_still_a_clear_error() -> None:
    with pytest.raises(TypeError, match="cannot store object"):
        dumps({"x": object()})
