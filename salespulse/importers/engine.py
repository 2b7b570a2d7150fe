"""Run a mapping over a CSV file: rows in, events and rejections out, streaming.

Grouping. A rule with ``group_by`` turns consecutive rows *that it selects* with
the same key into one event: UCI's invoice lines become one ``order.placed`` per
invoice, so an order count and an average order value are per invoice, not per
line. Rows of other rules in between do not split a group (UCI invoice 542806
has the cancellation C542805 in the middle of its lines). A key that comes back
after its group was closed would reuse the event id and be dropped downstream
as a duplicate, so those rows are rejected instead, each with its line.

Every row is accounted for: it ends in an event, or in a ``RejectedRow`` (a
rule's event failed, the row matches no rule, or it has the wrong cell count).
Events of one grouped rule come out when the group closes, so in file order
per rule but not strictly across rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from salespulse.exceptions import ImportSourceError
from salespulse.importers.csvfile import CsvTable
from salespulse.importers.expressions import Context, Row
from salespulse.importers.mapping import Mapping
from salespulse.importers.results import Outcome, RejectedRow
from salespulse.importers.rules import CompiledRule, compile_rules


class _Grouper:
    """The open group of one rule, and the keys of its closed groups."""

    def __init__(self, rule: CompiledRule) -> None:
        self.rule = rule
        self.key: str | None = None
        self.rows: list[Row] = []
        self.closed: dict[str, int] = {}

    def add(self, row: Row) -> Iterator[Outcome]:
        if self.rule.group_key is None:
            yield self.rule.build([row])
            return
        key = self.rule.group_key(row)
        if key is None:
            yield self.rule.reject([row], "group_by: key is empty")
            return
        if key != self.key:
            yield from self.close()
            if key in self.closed:
                detail = f"key {key!r}, its group ended at line {self.closed[key]}"
                reason = "group_by: key reappears after its group"
                yield self.rule.reject([row], reason, detail, key)
                return
            self.key = key
        self.rows.append(row)

    def close(self) -> Iterator[Outcome]:
        if self.rows and self.key is not None:
            yield self.rule.build(self.rows, self.key)
            self.closed[self.key] = self.rows[-1].line
        self.key, self.rows = None, []


class Importer:
    """Open ``csv_path`` and compile ``mapping`` against its header (errors raise now).

    Iterate once for ``ImportedRow`` / ``RejectedRow``; ``rows_read`` counts data rows.
    Use as a context manager, or call ``close()``, to release the file.
    """

    def __init__(self, mapping: Mapping, csv_path: str | Path, *, limit: int | None = None) -> None:
        self.mapping = mapping
        self.limit = limit
        self.rows_read = 0
        self._table = CsvTable(Path(csv_path), mapping.csv)
        try:
            ctx = Context.from_header(self._table.header, mapping.zone)
            self._rules = compile_rules(mapping, ctx)
        except ImportSourceError as exc:
            self._table.close()
            raise ImportSourceError(f"{csv_path}: {exc}") from None
        except BaseException:
            self._table.close()
            raise

    def __iter__(self) -> Iterator[Outcome]:
        groupers = [_Grouper(rule) for rule in self._rules]
        width = len(self._table.header)
        for row in self._table.rows(self.limit):
            self.rows_read += 1
            if len(row.cells) != width:
                detail = f"{len(row.cells)} cells, header has {width}"
                yield RejectedRow(row.line, row.line, 1, None, "wrong number of cells", detail)
            else:
                yield from _route(row, groupers)
        for grouper in groupers:
            yield from grouper.close()

    def close(self) -> None:
        self._table.close()

    def __enter__(self) -> Importer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _route(row: Row, groupers: list[_Grouper]) -> Iterator[Outcome]:
    matched = False
    for grouper in groupers:
        if grouper.rule.matches(row):
            matched = True
            yield from grouper.add(row)
    if not matched:
        yield RejectedRow(row.line, row.line, 1, None, "no rule matches the row")


def import_rows(
    mapping: Mapping, csv_path: str | Path, *, limit: int | None = None
) -> Iterator[Outcome]:
    """Every ``ImportedRow`` and ``RejectedRow`` of ``csv_path``; closes the file at the end."""
    with Importer(mapping, csv_path, limit=limit) as importer:
        yield from importer
