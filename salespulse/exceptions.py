"""Every error SalesPulse raises on purpose.

SalesPulseError
├── ConfigError          bad settings or config file; fatal at start-up
├── BrokerError          the local Kafka could not be fetched, started or reached
└── ImportMappingError   a CSV import mapping is invalid
    ├── MappingNotFoundError  no packaged mapping by that name and no such file
    └── ImportSourceError     the CSV cannot be read as its mapping describes
"""

from __future__ import annotations


class SalesPulseError(Exception):
    """Root of SalesPulse's own errors."""


class ConfigError(SalesPulseError):
    """Settings are invalid; the message names the field."""


class BrokerError(SalesPulseError):
    """The local broker could not be provisioned, started or reached."""


class ImportMappingError(SalesPulseError):
    """A column mapping for ``salespulse import`` is invalid."""


class MappingNotFoundError(ImportMappingError):
    """``--mapping`` names neither a packaged mapping nor an existing file."""


class ImportSourceError(ImportMappingError):
    """The CSV is missing, undecodable, or lacks a column its mapping uses."""


def yaml_where(error: Exception) -> str:
    """Where a YAML file broke: line and column only, never the text (it may be a secret)."""
    mark = getattr(error, "problem_mark", None)
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unreadable"
