"""Read a CSV (``.gz`` transparently) as numbered rows, with one-line errors.

Line numbers are file lines (the header is line 1), counted by the csv module so
a quoted cell spanning lines does not shift the numbers of the rows after it.
Completely blank lines are not records and are skipped.
"""

from __future__ import annotations

import csv
import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from salespulse.exceptions import ImportSourceError
from salespulse.importers.expressions import Row
from salespulse.importers.mapping import CsvOptions

_READ_ERRORS = (OSError, EOFError, UnicodeDecodeError, csv.Error, zlib.error)


class CsvTable:
    """An open CSV file: its header, then its rows once."""

    def __init__(self, path: Path, options: CsvOptions) -> None:
        self.path = path
        self._encoding = options.encoding
        self._handle = _open(path, options.encoding)
        try:
            self._reader = csv.reader(
                self._handle, delimiter=options.delimiter, quotechar=options.quotechar
            )
            self.header = self._read_header()
        except BaseException:
            self._handle.close()
            raise

    def rows(self, limit: int | None = None) -> Iterator[Row]:
        """Non-blank records with the line each starts on; at most ``limit`` of them."""
        if limit == 0:
            return
        previous, count = self._reader.line_num, 0
        try:
            for cells in self._reader:
                if cells:
                    yield Row(previous + 1, cells)
                    count += 1
                    if count == limit:
                        return
                previous = self._reader.line_num
        except _READ_ERRORS as exc:
            raise self._error(exc, self._reader.line_num) from None

    def close(self) -> None:
        self._handle.close()

    def _read_header(self) -> list[str]:
        try:
            header = next(self._reader, None)
        except _READ_ERRORS as exc:
            raise self._error(exc, 1) from None
        if not header:
            raise ImportSourceError(f"{self.path}: empty file, expected a header line")
        return [name.strip() for name in header]

    def _error(self, exc: BaseException, line: int) -> ImportSourceError:
        if isinstance(exc, UnicodeDecodeError):
            problem = f"not {self._encoding} text ({exc.reason})"
        else:
            problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return ImportSourceError(f"{self.path}: line {line}: {problem}")


def _open(path: Path, encoding: str) -> TextIO:
    if not path.is_file():
        raise ImportSourceError(f"{path}: no such file")
    try:
        if path.suffix == ".gz":
            return gzip.open(path, "rt", encoding=encoding, newline="")
        return path.open(encoding=encoding, newline="")
    except OSError as exc:
        raise ImportSourceError(f"{path}: cannot open ({exc.strerror or exc})") from None
