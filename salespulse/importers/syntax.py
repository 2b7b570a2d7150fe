"""The expression language of mapping files: conditions on cells, and value expressions.

An expression has exactly one kind: ``column``, ``const``, ``template`` (``{Col}``
substitution; ``{_line}`` is the CSV line number), ``datetime`` (with ``format``;
naive times get the mapping's zone), ``multiply`` or ``add`` (operands are
expressions, computed in ``Decimal``). Then ``default`` replaces an empty value and
``transform`` runs left to right on each row. In a grouped rule ``aggregate``
combines rows: ``first`` (default), ``sum`` or ``same`` (all rows must agree)::

    amount: {multiply: [{column: Quantity}, {column: UnitPrice}], aggregate: sum}
    channel: {column: origin, default: unknown}
    customer_id: {column: CustomerID, transform: integer}   # "17850.0" -> "17850"
"""

from __future__ import annotations

import re
from typing import Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

Transform = Literal["strip", "lower", "upper", "slug", "decimal", "integer", "abs", "negate"]
Aggregate = Literal["first", "sum", "same"]
TESTS = ("equals", "startswith", "one_of", "empty")
KINDS = ("column", "const", "template", "datetime", "multiply", "add")
LINE = "_line"
"""Pseudo-column: the file line number where the row starts."""

_FIELD = re.compile(r"\{([^{}]*)\}")


def template_parts(text: str) -> tuple[list[str], list[str]]:
    """Split ``"a-{X}-b"`` into literals ``["a-", "-b"]`` and column names ``["X"]``."""
    pieces = _FIELD.split(text)
    literals, names = pieces[0::2], pieces[1::2]
    if any("{" in lit or "}" in lit for lit in literals):
        raise ValueError(f"unbalanced brace in template {text!r}")
    if not names or not all(names):
        raise ValueError(f"template {text!r} needs at least one {{Column}}, none empty")
    return literals, names


class Strict(BaseModel):
    """Base of every mapping model: unknown keys are errors, values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(Strict):
    """A test on one raw cell; ``negate`` inverts it. Whitespace-only cells are empty."""

    column: str
    equals: str | None = None
    startswith: str | None = None
    one_of: list[str] | None = None
    empty: bool | None = None
    negate: bool = False

    @model_validator(mode="after")
    def _one_test(self) -> Self:
        tests = [t for t in TESTS if getattr(self, t) is not None]
        if len(tests) != 1:
            raise ValueError(f"give exactly one of {', '.join(TESTS)} (got {tests or 'none'})")
        return self


class Operand(Strict):
    """One value computed from a row; see the module docstring for the kinds."""

    column: str | None = None
    const: StrictStr | StrictInt | StrictBool | None = None
    template: str | None = None
    datetime: str | None = None
    format: str | None = None
    multiply: list[Operand] | None = Field(default=None, min_length=2)
    add: list[Operand] | None = Field(default=None, min_length=2)
    default: str | None = None
    transform: list[Transform] = Field(default_factory=list)

    @field_validator("const", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        if isinstance(value, float):
            raise ValueError("write decimal constants as quoted strings, e.g. '9.95'")
        return value

    @field_validator("transform", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("template")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        if value is not None:
            template_parts(value)
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        given = [k for k in KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(KINDS)} (got {given or 'none'})")
        if (self.format is None) != (self.datetime is None):
            raise ValueError("datetime needs a format, and format only goes with datetime")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in KINDS if getattr(self, k) is not None)


class FieldExpr(Operand):
    """A field's top-level expression: an operand plus how grouped rows combine."""

    aggregate: Aggregate = "first"
