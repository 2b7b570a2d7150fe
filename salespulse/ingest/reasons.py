"""Why a message was dead-lettered: a closed set, so the counter's labels stay bounded."""

from __future__ import annotations

from enum import StrEnum


class DeadLetterReason(StrEnum):
    EMPTY = "empty"
    OVERSIZED = "oversized"
    MALFORMED_JSON = "malformed_json"
    NOT_AN_OBJECT = "not_an_object"
    MISSING_TYPE = "missing_type"
    UNKNOWN_TYPE = "unknown_type"
    UNSUPPORTED_VERSION = "unsupported_version"
    SCHEMA_INVALID = "schema_invalid"
    DUPLICATE = "duplicate"
    FUTURE = "future"
    LATE = "late"
    INTERNAL_ERROR = "internal_error"
