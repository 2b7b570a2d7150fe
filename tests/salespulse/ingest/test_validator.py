from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salespulse.events import EVENT_TYPES, Envelope
from salespulse.ingest import DeadLetterReason as R
from salespulse.ingest import DedupWindow, Rejection, Validator, dead_letter
from tests.support.examples import example


def _validator(max_bytes: int = 4096) -> Validator:
    return Validator(max_bytes, DedupWindow(horizon_seconds=3600, max_ids=10_000))


def _b(obj: object) -> bytes:
    return json.dumps(obj).encode()


def _with(event_type: str, **changes: object) -> bytes:
    event = example(event_type)
    event.update(changes)
    return _b(event)


CASES = [
    (b"", R.EMPTY),
    (None, R.EMPTY),
    (b"x" * 5000, R.OVERSIZED),
    (b"{", R.MALFORMED_JSON),
    (b"\xff\xfe\x00", R.MALFORMED_JSON),
    (b"[1, 2]", R.NOT_AN_OBJECT),
    (b"null", R.NOT_AN_OBJECT),
    (b'"order.placed"', R.NOT_AN_OBJECT),
    (b'{"id": "x"}', R.MISSING_TYPE),
    (b'{"type": "order.shipped"}', R.UNKNOWN_TYPE),
    (_with("order.placed", schema_version=2), R.UNSUPPORTED_VERSION),
    (_with("order.placed", time="2026-01-01T00:00:00"), R.SCHEMA_INVALID),
    (_with("lead.created", data={"lead_id": "L"}), R.SCHEMA_INVALID),
]


@pytest.mark.parametrize(("raw", "reason"), CASES)
def test_each_failure_has_its_reason(raw: bytes | None, reason: R) -> None:
    result = _validator().check(raw)
    assert isinstance(result, Rejection)
    assert result.reason is reason
    assert result.errors, "a rejection always says why"


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_valid_events_pass(event_type: str) -> None:
    result = _validator().check(_b(example(event_type)))
    assert isinstance(result, Envelope)


def test_duplicate_id_within_horizon_is_rejected_once_seen() -> None:
    v = _validator()
    raw = _b(example("order.placed"))
    assert isinstance(v.check(raw), Envelope)
    dup = v.check(raw)
    assert isinstance(dup, Rejection) and dup.reason is R.DUPLICATE
    assert dup.event_id == "ex-order.placed-1"


def test_schema_errors_name_the_field_path() -> None:
    bad = example("order.placed")
    bad["data"]["amount"] = "-3"
    result = _validator().check(_b(bad))
    assert isinstance(result, Rejection)
    assert result.event_type == "order.placed"
    assert [e.path for e in result.errors] == ["data.amount"]


def test_dead_letter_keeps_bounded_prefix_and_position() -> None:
    raw = b'{"broken": ' + b"9" * 100
    rejection = _validator().check(raw)
    assert isinstance(rejection, Rejection)
    letter = dead_letter(rejection, raw, topic="t", partition=3, offset=42, key=b"k", keep_bytes=16)
    assert letter.payload == raw[:16].decode()
    assert letter.payload_truncated and letter.payload_size == len(raw)
    assert (letter.topic, letter.partition, letter.offset, letter.key) == ("t", 3, 42, "k")
    decoded = orjson.loads(letter.to_json())
    assert decoded["reason"] == "malformed_json"


def test_binary_payload_is_base64_in_dead_letter() -> None:
    raw = b"\xff\x00\x01"
    rejection = _validator().check(raw)
    assert isinstance(rejection, Rejection)
    letter = dead_letter(rejection, raw, topic="t", partition=0, offset=0, key=None, keep_bytes=100)
    assert letter.payload_encoding == "base64" and letter.payload == "/wAB"


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


def _mutated_events() -> st.SearchStrategy[bytes]:
    def mutate(event_type: str, key: str, value: object) -> bytes:
        event = example(event_type)
        target = event["data"] if key.startswith("data.") else event
        target[key.removeprefix("data.")] = value
        return _b(event)

    keys = st.sampled_from(
        [
            "id",
            "time",
            "type",
            "source",
            "data",
            "data.amount",
            "data.currency",
            "data.rep",
            "data.x",
        ]
    )
    return st.builds(mutate, st.sampled_from(EVENT_TYPES), keys, _json_values)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.binary(max_size=300), _json_values.map(_b), _mutated_events()))
def test_any_bytes_end_typed_or_rejected_never_both_never_neither(raw: bytes) -> None:
    result = _validator().check(raw)
    assert isinstance(result, Envelope) != isinstance(result, Rejection)
    if isinstance(result, Rejection):
        assert result.reason in set(R)
        dead_letter(result, raw, topic="t", partition=0, offset=0, key=None, keep_bytes=64)
