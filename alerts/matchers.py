"""Label matchers with Alertmanager's operators: ``=``, ``!=``, ``=~``, ``!~``.

Regexes are anchored (the whole value must match) and a missing label counts as the empty
string, both as in Alertmanager. Label names are limited to the ones SalesPulse puts on an
alert, so a typo like ``teem=t-2`` is an error instead of a matcher that never matches.

>>> m = Matcher.parse('team=~"t-[12]"')
>>> m.op, m.matches({"team": "t-2"}), m.matches({"team": "t-20"}), str(m)
('=~', True, False, 'team=~"t-[12]"')
>>> Matcher.parse("severity!=info").matches({})
True
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["LABEL_NAMES", "Matcher", "MatcherOp", "check_label_name", "matches_all"]

MatcherOp = Literal["=", "!=", "=~", "!~"]
LABEL_NAMES: frozenset[str] = frozenset(
    {
        "kpi",
        "dimension",
        "key",
        "window",
        "severity",
        "team",
        "region",
        "rep",
        "channel",
        "campaign",
        "product",
        "status",
        "direction",
        "unit",
    }
)
_TEXT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$")


def check_label_name(name: str) -> str:
    """Return ``name`` if SalesPulse sets such a label, else raise ``ValueError``."""
    if name not in LABEL_NAMES:
        known = ", ".join(sorted(LABEL_NAMES))
        raise ValueError(f"unknown label {name!r}; known labels: {known}")
    return name


@functools.lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


class Matcher(BaseModel):
    """One condition on one label; YAML and the CLI also accept the text form ``kpi=win_rate``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="Label name, one of LABEL_NAMES.")
    op: MatcherOp = Field(default="=", description="=, !=, =~ (regex) or !~ (negated regex).")
    value: str = Field(default="", max_length=1024, description="Literal or anchored regex.")

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: object) -> object:
        return cls._split(data) if isinstance(data, str) else data

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        return check_label_name(name)

    @model_validator(mode="after")
    def _regex_compiles(self) -> Matcher:
        if self.op in ("=~", "!~"):
            try:
                _compile(self.value)
            except re.error as exc:
                raise ValueError(f"invalid regex for {self.name}: {exc}") from None
        return self

    @staticmethod
    def _split(text: str) -> dict[str, str]:
        found = _TEXT.match(text)
        if found is None:
            raise ValueError(f"bad matcher {text!r}: use name=value, !=, =~ or !~")
        name, op, value = found.groups()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace('\\"', '"')
        return {"name": name, "op": op, "value": value}

    @classmethod
    def parse(cls, text: str) -> Matcher:
        """Build from ``name<op>value``; the value may be double-quoted."""
        return cls.model_validate(text)

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        hit = _compile(self.value).fullmatch(actual) is not None
        return hit if self.op == "=~" else not hit

    def __str__(self) -> str:
        escaped = self.value.replace('"', '\\"')
        return f'{self.name}{self.op}"{escaped}"'


def matches_all(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    """True when every matcher holds (an empty list matches everything)."""
    return all(matcher.matches(labels) for matcher in matchers)
