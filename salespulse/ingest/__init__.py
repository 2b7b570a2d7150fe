"""Validation of raw messages: typed event or dead letter, never neither, never both."""

from salespulse.ingest.dead_letter import DeadLetter, dead_letter
from salespulse.ingest.dedup import DedupWindow
from salespulse.ingest.reasons import DeadLetterReason
from salespulse.ingest.validator import FieldError, Rejection, Validator

__all__ = [
    "DeadLetter",
    "DeadLetterReason",
    "DedupWindow",
    "FieldError",
    "Rejection",
    "Validator",
    "dead_letter",
]
