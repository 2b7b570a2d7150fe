"""The mapping file, validated at the edge: how CSV columns become SalesPulse events.

A mapping is YAML. Every model forbids unknown keys, so a typo fails with the
field named (``rules.0.data.amount.multply: Extra inputs are not permitted``)::

    source: uci-online-retail        # envelope ``source`` of every event
    timezone: Europe/London          # zone of naive timestamps in the file
    currency: GBP                    # filled into every payload that requires one
    csv: {delimiter: ",", encoding: utf-8}
    rules:
      - type: order.placed
        when: {column: InvoiceNo, startswith: C, negate: true}
        group_by: "{InvoiceNo}"      # consecutive rows with one key -> one event
        id: {template: "uci-order-{InvoiceNo}"}
        time: {datetime: InvoiceDate, format: "%Y-%m-%d %H:%M:%S"}
        data:
          amount: {multiply: [{column: Quantity}, {column: UnitPrice}], aggregate: sum}

Each rule maps ``id``, ``time`` and ``data.<field>`` to an expression (see
``syntax``). ``source``, ``schema_version`` and, when the payload requires one and
the rule does not map it, ``currency`` are filled in from the mapping.
"""

from __future__ import annotations

import codecs
from typing import Any, Self, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from salespulse.events import EVENT_TYPES, Envelope
from salespulse.events.fields import Currency
from salespulse.importers.syntax import Condition, FieldExpr, Strict, template_parts


def payload_models() -> dict[str, type[BaseModel]]:
    """Event type tag -> its ``data`` model, read from the contract itself."""
    models: dict[str, type[BaseModel]] = {}
    for envelope in Envelope.__subclasses__():
        (tag,) = get_args(envelope.model_fields["type"].annotation)
        models[tag] = envelope.model_fields["data"].annotation  # type: ignore[assignment]
    return models


_PAYLOADS = payload_models()


class Rule(Strict):
    """Rows matching every ``when`` condition become one event of ``type`` (per group)."""

    type: str
    when: list[Condition] = Field(default_factory=list)
    group_by: str | None = None
    id: FieldExpr
    time: FieldExpr
    data: dict[str, FieldExpr]

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in EVENT_TYPES:
            raise ValueError(f"unknown event type {value!r}; known: {', '.join(EVENT_TYPES)}")
        return value

    @field_validator("when", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value

    @field_validator("group_by")
    @classmethod
    def _key_template(cls, value: str | None) -> str | None:
        if value is not None:
            template_parts(value)
        return value

    @field_validator("data", mode="before")
    @classmethod
    def _known_fields(cls, value: Any, info: ValidationInfo) -> Any:
        model = _PAYLOADS.get(info.data.get("type", ""))
        if model is None or not isinstance(value, dict):
            return value
        unknown = sorted(set(value) - set(model.model_fields))
        if unknown:
            known = ", ".join(model.model_fields)
            raise ValueError(f"{info.data['type']} has no field {unknown}; fields: {known}")
        return value

    @model_validator(mode="after")
    def _complete(self) -> Self:
        missing = [n for n in self.required_fields() if n not in self.data and n != "currency"]
        if missing:
            raise ValueError(f"data: {self.type} requires {', '.join(missing)}")
        for name, expr in self.fields().items():
            if expr.aggregate != "first" and self.group_by is None:
                raise ValueError(f"{name}: aggregate {expr.aggregate!r} needs group_by")
        return self

    def required_fields(self) -> list[str]:
        fields = _PAYLOADS[self.type].model_fields
        return [name for name, info in fields.items() if info.is_required()]

    def fields(self) -> dict[str, FieldExpr]:
        """Every mapped field by event path: ``id``, ``time``, ``data.<name>``."""
        named = {f"data.{name}": expr for name, expr in self.data.items()}
        return {"id": self.id, "time": self.time, **named}


class CsvOptions(Strict):
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quotechar: str = Field(default='"', min_length=1, max_length=1)
    encoding: str = "utf-8"

    @field_validator("encoding")
    @classmethod
    def _codec(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}") from None
        return value


class Mapping(Strict):
    """A whole mapping file."""

    description: str = ""
    source: str = Field(min_length=1, max_length=64)
    timezone: str
    currency: Currency | None = None
    csv: CsvOptions = Field(default_factory=CsvOptions)
    rules: list[Rule] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _currency_available(self) -> Self:
        for i, rule in enumerate(self.rules):
            if "currency" in rule.required_fields() and "currency" not in rule.data:
                if self.currency is None:
                    raise ValueError(
                        f"rules.{i}.data.currency: {rule.type} needs a currency; "
                        "map it or set the top-level currency"
                    )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
