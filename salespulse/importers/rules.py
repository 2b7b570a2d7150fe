"""One compiled rule: which rows it takes, and how a group of them becomes one event.

The built dict is validated by the event contract itself (``event_from_dict``),
so the importer never second-guesses the schema: a row fails with the
contract's own field path and message, e.g. ``data.customer_id: Field required``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from salespulse.events import event_from_dict
from salespulse.importers.expressions import (
    Context,
    Evaluator,
    Getter,
    Predicate,
    Row,
    compile_condition,
    compile_operand,
    compile_template,
)
from salespulse.importers.mapping import Mapping, Rule
from salespulse.importers.results import ImportedRow, Outcome, RejectedRow
from salespulse.importers.syntax import FieldExpr, Operand
from salespulse.importers.transforms import ExpressionError, Value, to_decimal

Aggregator = Callable[[Evaluator, list[Row]], Value | None]


@dataclass(frozen=True, slots=True)
class CompiledField:
    path: str
    section: str | None
    name: str
    evaluate: Evaluator
    combine: Aggregator
    origin: str


@dataclass(frozen=True, slots=True)
class CompiledRule:
    type: str
    source: str
    conditions: tuple[Predicate, ...]
    group_key: Getter | None
    fields: tuple[CompiledField, ...]

    def matches(self, row: Row) -> bool:
        return all(test(row) for test in self.conditions)

    def build(self, rows: list[Row], group: str | None = None) -> Outcome:
        """One event from ``rows`` (a group, or a single row), or why not."""
        try:
            doc, empty = self._document(rows)
        except _FieldError as exc:
            return self.reject(rows, exc.reason, exc.detail, group)
        try:
            event = event_from_dict(doc)
        except ValidationError as exc:
            return self.reject(rows, *describe(exc, empty), group)
        return ImportedRow(rows[0].line, rows[-1].line, len(rows), event)

    def reject(
        self, rows: list[Row], reason: str, detail: str = "", group: str | None = None
    ) -> RejectedRow:
        first, last = rows[0].line, rows[-1].line
        return RejectedRow(first, last, len(rows), self.type, reason, detail, group)

    def _document(self, rows: list[Row]) -> tuple[dict[str, Any], dict[str, str]]:
        data: dict[str, Any] = {}
        doc: dict[str, Any] = {"type": self.type, "source": self.source, "schema_version": 1}
        empty: dict[str, str] = {}
        for f in self.fields:
            try:
                value = f.combine(f.evaluate, rows)
            except ExpressionError as exc:
                raise _FieldError(f"{f.path}: {exc.reason}", exc.detail) from None
            if value is None:
                empty[f.path] = f.origin
            else:
                (data if f.section else doc)[f.name] = value
        doc["data"] = data
        return doc, empty


class _FieldError(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(reason)
        self.reason, self.detail = reason, detail


def describe(exc: ValidationError, empty: dict[str, str]) -> tuple[str, str]:
    """Reason (field paths and messages) and detail (offending inputs) of a failed event."""
    reasons, details = [], []
    for err in exc.errors(include_url=False):
        path = ".".join(str(part) for part in err["loc"][1:]) or "event"
        reason = f"{path}: {err['msg']}"
        if err["type"] == "missing" and path in empty:
            reason += f" ({empty[path]} is empty)"
        else:
            details.append(f"{path}={str(err.get('input'))[:120]}")
        reasons.append(reason)
    return "; ".join(reasons), "; ".join(details)


def _first(evaluate: Evaluator, rows: list[Row]) -> Value | None:
    return _at(evaluate, rows[0], len(rows))


def _sum(evaluate: Evaluator, rows: list[Row]) -> Value | None:
    total = Decimal(0)
    for row in rows:
        value = _at(evaluate, row, len(rows))
        if value is None:
            raise ExpressionError("empty value in a summed row", f"line {row.line}")
        total += to_decimal(value)
    return total


def _same(evaluate: Evaluator, rows: list[Row]) -> Value | None:
    first = _at(evaluate, rows[0], len(rows))
    for row in rows[1:]:
        value = _at(evaluate, row, len(rows))
        if value != first:
            shown = f"{first!s} at line {rows[0].line}, {value!s} at line {row.line}"
            raise ExpressionError("rows of one group disagree", shown)
    return first


def _at(evaluate: Evaluator, row: Row, group_size: int) -> Value | None:
    """Evaluate one row; in a group, name the failing line in the detail."""
    try:
        return evaluate(row)
    except ExpressionError as exc:
        if group_size == 1:
            raise
        raise ExpressionError(exc.reason, f"line {row.line}: {exc.detail}") from None


_AGGREGATORS: dict[str, Aggregator] = {"first": _first, "sum": _sum, "same": _same}


def compile_rules(mapping: Mapping, ctx: Context) -> list[CompiledRule]:
    """Compile every rule; raises ``ImportSourceError`` naming all unusable columns."""
    rules = [compile_rule(rule, mapping, ctx) for rule in mapping.rules]
    ctx.check()
    return rules


def compile_rule(rule: Rule, mapping: Mapping, ctx: Context) -> CompiledRule:
    exprs = rule.fields()
    if "currency" in rule.required_fields() and "data.currency" not in exprs:
        exprs["data.currency"] = FieldExpr(const=mapping.currency)
    return CompiledRule(
        type=rule.type,
        source=mapping.source,
        conditions=tuple(compile_condition(c, ctx) for c in rule.when),
        group_key=compile_template(rule.group_by, ctx) if rule.group_by else None,
        fields=tuple(_compile_field(path, expr, ctx) for path, expr in exprs.items()),
    )


def _compile_field(path: str, expr: FieldExpr, ctx: Context) -> CompiledField:
    section, _, name = path.rpartition(".")
    return CompiledField(
        path=path,
        section=section or None,
        name=name,
        evaluate=compile_operand(expr, ctx),
        combine=_AGGREGATORS[expr.aggregate],
        origin=origin(expr),
    )


def origin(op: Operand) -> str:
    """Where a value comes from, for messages: 'column CustomerID', 'Quantity x UnitPrice'."""
    if op.column is not None or op.datetime is not None:
        return f"column {op.column or op.datetime}"
    if op.template is not None:
        return f"template {op.template!r}"
    operands = op.multiply or op.add or []
    sign = " x " if op.multiply else " + "
    return sign.join(origin(o).removeprefix("column ") for o in operands) or "constant"
