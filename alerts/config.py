"""Routing configuration: subscriptions (routes + receivers), silences and inhibit rules.

These are the edges of the alerting layer: pydantic models that refuse bad input with a
message naming the field, built from YAML, the HTTP API or the CLI. Secrets (webhook URLs)
are ``SecretStr``; dumped as JSON they show scheme and host only, unless dumped with
``context={"reveal_secrets": True}`` for the compacted topic that stores them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    SecretStr,
    SerializationInfo,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)

from alerts.exceptions import AlertConfigError
from alerts.matchers import Matcher, check_label_name, matches_all
from alerts.quiet_hours import QuietHours
from alerts.redact import redact_url
from alerts.timeutil import parse_duration
from detectors.record import SEVERITY_RANK, Severity
from salespulse.exceptions import yaml_where

__all__ = [
    "AlertmanagerConfig",
    "ChannelConfig",
    "EmailConfig",
    "InhibitRule",
    "Matcher",
    "QuietHours",
    "RoutingConfig",
    "Silence",
    "SlackConfig",
    "Subscription",
    "WebhookConfig",
    "describe_errors",
    "load_routing",
]

Language = Literal["en", "ru"]
Seconds = Annotated[float, BeforeValidator(parse_duration), Field(ge=0, le=90 * 86400)]
_ID = r"^[A-Za-z0-9._\-]{1,64}$"
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def new_id() -> str:
    """A short random id (uuid4 hex prefix) for subscriptions and silences."""
    return uuid.uuid4().hex[:16]


def _check_url(secret: SecretStr, *, https_only: bool) -> SecretStr:
    parts = urlsplit(secret.get_secret_value())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL with a host")
    if https_only and parts.scheme != "https" and parts.hostname not in _LOCAL_HOSTS:
        raise ValueError("must be https (plain http only to localhost, for tests)")
    return secret


class _Channel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    @field_serializer("*", when_used="json")
    def _secrets(self, value: object, info: SerializationInfo) -> object:
        if not isinstance(value, SecretStr):
            return value
        if info.context and info.context.get("reveal_secrets"):
            return value.get_secret_value()
        return redact_url(value.get_secret_value())


class SlackConfig(_Channel):
    type: Literal["slack"] = "slack"
    webhook_url: SecretStr = Field(description="Incoming-webhook URL (secret), https.")

    @field_validator("webhook_url")
    @classmethod
    def _https(cls, value: SecretStr) -> SecretStr:
        return _check_url(value, https_only=True)


class EmailConfig(_Channel):
    type: Literal["email"] = "email"
    to: list[EmailStr] = Field(min_length=1, max_length=50, description="Recipients.")


class WebhookConfig(_Channel):
    type: Literal["webhook"] = "webhook"
    url: SecretStr = Field(description="Receiver URL (secret): Alertmanager webhook payload v4.")
    max_alerts: int = Field(default=0, ge=0, description="Alerts per payload, 0 = all.")

    @field_validator("url")
    @classmethod
    def _http(cls, value: SecretStr) -> SecretStr:
        return _check_url(value, https_only=False)


class AlertmanagerConfig(_Channel):
    type: Literal["alertmanager"] = "alertmanager"
    url: SecretStr = Field(description="Base URL of an Alertmanager; we POST /api/v2/alerts.")

    @field_validator("url")
    @classmethod
    def _http(cls, value: SecretStr) -> SecretStr:
        return _check_url(value, https_only=False)


ChannelConfig = Annotated[
    SlackConfig | EmailConfig | WebhookConfig | AlertmanagerConfig, Field(discriminator="type")
]


class Subscription(BaseModel):
    """A route and its receiver: which alerts, how grouped and timed, where they go."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    id: str = Field(default_factory=new_id, pattern=_ID, description="Stable id.")
    name: str = Field(min_length=1, max_length=200, description="Human name of the route.")
    owner: str = Field(min_length=1, max_length=200, description="Who to ask about it.")
    channel: ChannelConfig
    matchers: tuple[Matcher, ...] = Field(default=(), description="All must hold; none = all.")
    min_severity: Severity = Field(default="warning", description="info, warning or critical.")
    group_by: tuple[str, ...] = Field(default=("kpi",), description="Labels; '...' = all.")
    group_wait: Seconds = Field(default=30, description="Wait before a new group's first send.")
    group_interval: Seconds = Field(default=300, gt=0, description="Min gap between updates.")
    repeat_interval: Seconds = Field(default=14400, gt=0, description="Min gap between repeats.")
    renotify_change: float = Field(
        default=0.1, ge=0, le=100, description="Repeat only if observed moved more (0: always)."
    )
    quiet_hours: QuietHours | None = Field(default=None, description="Daily hold window.")
    language: Language = Field(default="en", description="en or ru.")

    @field_validator("group_by")
    @classmethod
    def _labels(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        if "..." in names and len(names) > 1:
            raise ValueError("'...' (group by all labels) must stand alone")
        if len(set(names)) != len(names):
            raise ValueError("group_by repeats a label")
        return tuple(n if n == "..." else check_label_name(n) for n in names)

    def accepts(self, labels: dict[str, str]) -> bool:
        """Severity at least ``min_severity`` and every matcher holds."""
        rank = SEVERITY_RANK.get(labels.get("severity", ""), -1)
        return rank >= SEVERITY_RANK[self.min_severity] and matches_all(self.matchers, labels)


class Silence(BaseModel):
    """Mutes every alert its matchers select between ``starts_at`` and ``ends_at``."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    id: str = Field(default_factory=new_id, pattern=_ID)
    matchers: tuple[Matcher, ...] = Field(min_length=1, description="At least one.")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    created_by: str = Field(min_length=1, max_length=200)
    comment: str = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _ordered(self) -> Silence:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self

    def is_active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def state(self, now: datetime) -> Literal["pending", "active", "expired"]:
        if now < self.starts_at:
            return "pending"
        return "active" if now < self.ends_at else "expired"

    def matches(self, labels: dict[str, str]) -> bool:
        return matches_all(self.matchers, labels)


class InhibitRule(BaseModel):
    """A firing source alert mutes target alerts that share the ``equal`` labels."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    source_matchers: tuple[Matcher, ...] = Field(min_length=1)
    target_matchers: tuple[Matcher, ...] = Field(min_length=1)
    equal: tuple[str, ...] = Field(default=(), description="Labels equal in source and target.")

    @field_validator("equal")
    @classmethod
    def _labels(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(check_label_name(n) for n in names)


class RoutingConfig(BaseModel):
    """The YAML routing file: static subscriptions and inhibit rules."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    subscriptions: tuple[Subscription, ...] = ()
    inhibit_rules: tuple[InhibitRule, ...] = ()

    @field_validator("subscriptions")
    @classmethod
    def _unique(cls, subs: tuple[Subscription, ...]) -> tuple[Subscription, ...]:
        ids = [s.id for s in subs]
        if len(set(ids)) != len(ids):
            raise ValueError("subscription ids must be unique")
        return subs


def describe_errors(exc: ValidationError) -> list[dict[str, str]]:
    """Field path and message per error, never the input value (it may be a secret)."""
    return [
        {"loc": ".".join(str(part) for part in error["loc"]) or "(body)", "msg": error["msg"]}
        for error in exc.errors(include_url=False, include_input=False)
    ]


def load_routing(path: Path) -> RoutingConfig:
    """Read a routing YAML file or raise ``AlertConfigError`` naming each bad field."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        return RoutingConfig.model_validate(data)
    except OSError as exc:
        raise AlertConfigError(f"cannot read routing file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:  # its text quotes the line, which may hold a webhook URL
        where = yaml_where(exc)
        raise AlertConfigError(
            f"cannot read routing file {path}: not valid YAML ({where})"
        ) from None
    except ValidationError as exc:
        lines = "; ".join(f"{e['loc']}: {e['msg']}" for e in describe_errors(exc))
        raise AlertConfigError(f"invalid routing file {path}: {lines}") from None
