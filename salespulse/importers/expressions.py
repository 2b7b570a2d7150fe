"""Compile mapping expressions and conditions into closures over one CSV's header.

Compiling once per file resolves every column to an index (a column the header
lacks fails before the first row) so the per-row work is list indexing and the
few operations the expression asks for. No ``eval`` anywhere.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache, reduce
from zoneinfo import ZoneInfo

from salespulse.exceptions import ImportSourceError
from salespulse.importers.syntax import LINE, Condition, Operand, template_parts
from salespulse.importers.transforms import ExpressionError, Value, chain, to_decimal


@dataclass(frozen=True, slots=True)
class Row:
    """One CSV record and the file line it starts on."""

    line: int
    cells: list[str]


Getter = Callable[[Row], str | None]
Evaluator = Callable[[Row], Value | None]
Predicate = Callable[[Row], bool]


@dataclass(frozen=True, slots=True)
class Context:
    """What compiling needs: the header's column positions and the file's time zone."""

    columns: dict[str, int]
    duplicates: frozenset[str]
    zone: ZoneInfo
    unusable: list[str] = field(default_factory=list)

    @classmethod
    def from_header(cls, header: list[str], zone: ZoneInfo) -> Context:
        columns: dict[str, int] = {}
        for index, name in enumerate(header):
            columns.setdefault(name, index)
        dups = frozenset(n for n in columns if header.count(n) > 1)
        return cls(columns, dups, zone)

    def getter(self, name: str) -> Getter:
        """Raw cell of ``name``; ``None`` when blank. ``_line`` is the line number."""
        if name == LINE:
            return lambda row: str(row.line)
        if name not in self.columns or name in self.duplicates:
            self.unusable.append(name)
        index = self.columns.get(name, -1)

        def get(row: Row) -> str | None:
            cell = row.cells[index]
            return cell if cell and not cell.isspace() else None

        return get

    def check(self) -> None:
        """After compiling: fail naming every column the header lacks or repeats."""
        missing = sorted({n for n in self.unusable if n not in self.columns})
        repeated = sorted({n for n in self.unusable if n in self.duplicates})
        problems = [f"column {n!r} appears twice in the CSV header" for n in repeated]
        if missing:
            names = ", ".join(repr(n) for n in missing)
            problems.append(
                f"the mapping uses {names}, not in the CSV header ({', '.join(self.columns)})"
            )
        if problems:
            raise ImportSourceError("; ".join(problems))


def compile_operand(op: Operand, ctx: Context) -> Evaluator:
    """Kind, then ``default`` for an empty result, then ``transform`` on the value."""
    base = _KINDS[op.kind](op, ctx)
    default, transform = op.default, chain(op.transform)
    if default is None and transform is None:
        return base

    def evaluate(row: Row) -> Value | None:
        value = base(row)
        if value is None:
            value = default
        return value if value is None or transform is None else transform(value)

    return evaluate


def _column(op: Operand, ctx: Context) -> Evaluator:
    assert op.column is not None
    return ctx.getter(op.column)


def _const(op: Operand, ctx: Context) -> Evaluator:
    value = op.const
    return lambda row: value


def _template(op: Operand, ctx: Context) -> Evaluator:
    assert op.template is not None
    return compile_template(op.template, ctx)


def compile_template(text: str, ctx: Context) -> Getter:
    """``{Col}`` substitution; empty when any substituted cell is empty."""
    literals, names = template_parts(text)
    getters = [ctx.getter(name) for name in names]
    tail = literals[-1]

    def render(row: Row) -> str | None:
        out: list[str] = []
        for literal, get in zip(literals, getters, strict=False):
            cell = get(row)
            if cell is None:
                return None
            out += (literal, cell)
        return "".join(out) + tail

    return render


def _datetime(op: Operand, ctx: Context) -> Evaluator:
    assert op.datetime is not None and op.format is not None
    get, fmt, zone, column = ctx.getter(op.datetime), op.format, ctx.zone, op.datetime

    @lru_cache(maxsize=4096)
    def parse(raw: str) -> datetime:
        try:
            parsed = datetime.strptime(raw.strip(), fmt)  # naive: zone added below
        except ValueError:
            raise ExpressionError(f"{column} does not match format {fmt!r}", repr(raw)) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)

    def evaluate(row: Row) -> datetime | None:
        raw = get(row)
        return None if raw is None else parse(raw)

    return evaluate


def _arithmetic(combine: Callable[[Decimal, Decimal], Decimal]) -> Callable[..., Evaluator]:
    def build(op: Operand, ctx: Context) -> Evaluator:
        operands = [compile_operand(o, ctx) for o in (op.multiply or op.add or [])]

        def evaluate(row: Row) -> Decimal | None:
            values = [operand(row) for operand in operands]
            if any(v is None for v in values):
                return None
            return reduce(combine, (to_decimal(v) for v in values if v is not None))

        return evaluate

    return build


_KINDS: dict[str, Callable[[Operand, Context], Evaluator]] = {
    "column": _column,
    "const": _const,
    "template": _template,
    "datetime": _datetime,
    "multiply": _arithmetic(operator.mul),
    "add": _arithmetic(operator.add),
}


def compile_condition(cond: Condition, ctx: Context) -> Predicate:
    get, negate = ctx.getter(cond.column), cond.negate
    test = _test(cond)

    def check(row: Row) -> bool:
        return test(get(row)) != negate

    return check


def _test(cond: Condition) -> Callable[[str | None], bool]:
    if cond.equals is not None:
        return lambda cell: cell == cond.equals
    if cond.startswith is not None:
        prefix = cond.startswith
        return lambda cell: cell is not None and cell.startswith(prefix)
    if cond.one_of is not None:
        allowed = frozenset(cond.one_of)
        return lambda cell: cell in allowed
    return lambda cell: (cell is None) == cond.empty
