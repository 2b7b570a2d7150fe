"""One frozen settings tree for every process (worker, CLI, tests).

Sources, highest first: constructor arguments, ``SALESPULSE_*`` environment
variables (nested with ``__``, e.g. ``SALESPULSE_KAFKA__BOOTSTRAP_SERVERS``), the
YAML file named by ``SALESPULSE_CONFIG``, then defaults. Secrets are ``SecretStr``
so they print as ``**********`` in logs, reprs and error messages.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    YamlConfigSettingsSource,
)

from salespulse.exceptions import ConfigError, yaml_where

if TYPE_CHECKING:
    from salespulse.kpis.config import KpiConfig

_HOME_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "salespulse"
_HOST_PORT = r"^[A-Za-z0-9.\-\[\]:]+:\d{1,5}$"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KafkaSettings(_Section):
    bootstrap_servers: Annotated[
        list[Annotated[str, Field(pattern=_HOST_PORT)]], Field(min_length=1), NoDecode
    ] = Field(
        default=["127.0.0.1:9092"],
        description="host:port list; a comma-separated string is accepted too.",
    )
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", description="Kafka security.protocol."
    )
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = Field(
        default=None, description="SASL mechanism when security_protocol is SASL_*."
    )
    sasl_username: str | None = Field(default=None, description="SASL user name.")
    sasl_password: SecretStr | None = Field(default=None, description="SASL password (secret).")
    ssl_cafile: Path | None = Field(default=None, description="CA bundle for SSL.")
    fetch_max_wait_ms: int = Field(
        default=50,
        ge=0,
        le=10_000,
        description="How long the broker may hold a fetch of the stages' consumers open"
        " waiting for data. A broker answers one connection's requests in order, so every"
        " end-offset probe queued behind a fetch waited for it: at Kafka's default of 500 ms"
        " that probe cost ingest five sixths of its throughput (docs/performance.md).",
    )

    @field_validator("bootstrap_servers", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def bootstrap(self) -> str:
        return ",".join(self.bootstrap_servers)


class TopicSettings(_Section):
    events: str = Field(default="sales.events", description="Raw events from producers.")
    typed: str = Field(default="sales.events.typed", description="Validated events.")
    dlq: str = Field(default="sales.events.dlq", description="Dead letters with reasons.")
    partitions: int = Field(default=4, ge=1, le=1024, description="Partitions per topic.")
    replication_factor: int = Field(default=1, ge=1, le=16, description="Replicas per topic.")


class IngestSettings(_Section):
    max_message_bytes: int = Field(
        default=64 * 1024, ge=256, le=16 * 1024 * 1024, description="Larger messages are DLQ'd."
    )
    dlq_payload_bytes: int = Field(
        default=4096, ge=0, le=1024 * 1024, description="Prefix of the original kept in the DLQ."
    )
    dedup_horizon_seconds: float = Field(
        default=7 * 86400, gt=0, description="A repeated id within this event-time span is a dup."
    )
    max_future_seconds: float = Field(
        default=86400.0, gt=0, description="Events further ahead of the wall clock: `future`."
    )
    dedup_max_ids: int = Field(
        default=2_000_000, ge=1000, description="Bound on remembered ids per worker."
    )
    #: one Kafka transaction per batch: 5,000 rather than 2,000 ran ingest alone ~24 %
    #: faster on a backlog and the whole pipeline ~10 % (docs/performance.md, ninth
    #: round); live traffic fills far smaller batches within ``batch_within_seconds``
    batch_size: int = Field(default=5000, ge=1, le=100_000, description="Events per batch.")
    batch_within_seconds: float = Field(
        default=0.05, gt=0, le=10, description="Max wait to fill a batch."
    )


class WorkerSettings(_Section):
    app_id: str = Field(default="salespulse", pattern=r"^[A-Za-z0-9._\-]+$", description="Group.")
    store: str = Field(
        default="rocksdb://", pattern=r"^(rocksdb|memory|aerospike)://", description="Faust store."
    )
    data_dir: Path = Field(default=Path("salespulse-data"), description="Table state directory.")
    web_port: int = Field(default=6066, ge=1, le=65535, description="HTTP port (/metrics).")
    web_host: str = Field(default="127.0.0.1", description="HTTP bind address.")
    log_level: Literal["debug", "info", "warning", "error"] = Field(default="info")
    instance: str = Field(
        default="0",
        pattern=r"^[A-Za-z0-9._\-]{1,64}$",
        description="This worker's stable name within app_id (its transactional ids).",
    )
    run_kpis: bool = Field(
        default=True,
        description="Run the KPI, detector and alerting stages here (one worker per app_id).",
    )


class BrokerSettings(_Section):
    kafka_version: str = Field(
        default="4.1.1", pattern=r"^4\.\d+\.\d+$", description="Apache Kafka 4.x from Maven."
    )
    cache_dir: Path = Field(default=_HOME_CACHE, description="Jar cache (outside the repo).")
    data_dir: Path | None = Field(
        default=None, description="Log dir; default <cache_dir>/broker-<port>."
    )
    heap: str = Field(default="512m", pattern=r"^\d+[mMgG]$", description="JVM -Xmx.")
    start_timeout_seconds: float = Field(default=120, gt=0, description="Wait for metadata.")


def known_zone(value: str) -> str:
    """An IANA zone name ZoneInfo can load, or a ValueError naming it."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


class KpiSettings(_Section):
    timezone: str = Field(default="Europe/Minsk", description="Zone of the local calendar day.")
    week_start: Literal[
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
    ] = Field(default="monday", description="First day of the wtd window.")
    grace_seconds: float = Field(
        default=21600, ge=0, description="Lateness allowed behind the watermark."
    )
    retention_days: int = Field(default=200, ge=120, description="Daily cells kept.")
    max_series_per_dimension: int = Field(
        default=5000, ge=1, description="Cap on keys per dimension (company exempt)."
    )
    topic: str = Field(default="sales.kpis", description="KPI changes are published here.")
    idle_partition_seconds: float = Field(
        default=0.25,
        ge=0,
        le=300,
        description="A caught-up partition holds the event-time merge back this long.",
    )
    publish_seconds: float = Field(
        default=0.1,
        gt=0,
        le=60,
        description="KPI changes are coalesced over at least this interval (longer under "
        "load: publishing is kept to a fifth of the KPI stage's time, a twentieth while "
        "catching up on a backlog).",
    )
    score_seconds: float = Field(
        default=60,
        gt=0,
        le=86400,
        description="Opportunity scores (mean per company, team and rep) are published at "
        "most this often: each time every open deal is scored.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)

    def engine_config(self) -> KpiConfig:
        from salespulse.kpis.config import KpiConfig

        return KpiConfig(
            timezone=self.timezone,
            week_start=self.week_start,
            grace_seconds=self.grace_seconds,
            retention_days=self.retention_days,
            max_series_per_dimension=self.max_series_per_dimension,
        )


class DetectorSettings(_Section):
    enabled: bool = Field(default=True, description="Judge KPI series and publish anomalies.")
    config: Path | None = Field(
        default=None, description="YAML detector policy overlaying the packaged defaults."
    )
    topic: str = Field(default="sales.anomalies", description="Anomaly records go here.")
    currency: str = Field(
        default="BYN", pattern=r"^[A-Z]{3}$", description="Currency of money impacts."
    )
    max_series: int = Field(default=50_000, ge=1, description="Cap on judged series.")

    @field_validator("config")
    @classmethod
    def _policy_loads(cls, value: Path | None) -> Path | None:
        if value is not None:
            from detectors.policy import load_policy

            try:
                load_policy(value)
            except ConfigError as error:
                raise ValueError(str(error)) from None
        return value


class SmtpSettings(_Section):
    host: str | None = Field(default=None, description="SMTP server; unset: no email channel.")
    port: int = Field(default=25, ge=1, le=65535, description="SMTP port.")
    sender: str = Field(default="salespulse@localhost", description="From address.")
    username: str | None = Field(default=None, description="SMTP login.")
    password: SecretStr | None = Field(default=None, description="SMTP password (secret).")
    starttls: bool = Field(default=False, description="Upgrade with STARTTLS.")
    use_tls: bool = Field(default=False, description="Implicit TLS (port 465).")
    validate_certs: bool = Field(default=True, description="Verify the server certificate.")
    cert_bundle: Path | None = Field(default=None, description="CA file for the server.")
    timeout: float = Field(default=10.0, gt=0, description="Seconds per SMTP operation.")

    def channel_kwargs(self) -> dict[str, object] | None:
        """Keyword arguments of ``alerts.channels.EmailChannel`` (None: email disabled)."""
        if self.host is None:
            return None
        return {
            "host": self.host,
            "port": self.port,
            "sender": self.sender,
            "username": self.username,
            "password": self.password.get_secret_value() if self.password else None,
            "starttls": self.starttls,
            "use_tls": self.use_tls,
            "validate_certs": self.validate_certs,
            "cert_bundle": str(self.cert_bundle) if self.cert_bundle else None,
            "timeout": self.timeout,
        }


class AlertSettings(_Section):
    enabled: bool = Field(default=True, description="Run the alerting stage.")
    routing: Path | None = Field(
        default=None, description="YAML with subscriptions and inhibit rules loaded at start."
    )
    config_topic: str = Field(
        default="sales.alerting.config", description="Compacted: subscriptions and silences."
    )
    state_topic: str = Field(
        default="sales.alerting.state", description="Compacted: alert book and groups snapshot."
    )
    api_token: SecretStr | None = Field(
        default=None, description="Bearer token for the alerting API (unset: read-only)."
    )
    protect_reads: bool = Field(default=False, description="Reads need the token too.")
    max_body_bytes: int = Field(default=65536, ge=1024, description="API request body cap.")
    grafana_url: str | None = Field(default=None, description="Base URL for panel links.")
    external_url: str = Field(
        default="http://127.0.0.1:6066", description="This service's URL (silence links)."
    )
    tick_seconds: float = Field(default=1.0, gt=0, le=60, description="Dispatcher tick.")
    retry_attempts: int = Field(default=5, ge=1, le=20, description="Tries per delivery round.")
    retry_initial_seconds: float = Field(default=1.0, gt=0, description="First backoff.")
    retry_max_seconds: float = Field(default=60.0, gt=0, description="Longest backoff.")
    redeliver_seconds: float = Field(
        default=30.0, gt=0, description="Wait before a failed notification is tried again."
    )
    delivery_deadline_seconds: float = Field(
        default=86400.0, gt=0, description="Undelivered this long: to the failed topic."
    )
    failed_topic: str = Field(
        default="sales.alerting.failed", description="Notifications given up, with the reason."
    )
    min_send_interval_seconds: float = Field(
        default=1.0, ge=0, description="Per-target pace (Slack: about one message a second)."
    )
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)

    @field_validator("routing")
    @classmethod
    def _routing_loads(cls, value: Path | None) -> Path | None:
        if value is not None:
            from alerts.config import load_routing
            from alerts.exceptions import AlertConfigError

            try:
                load_routing(value)
            except AlertConfigError as error:
                raise ValueError(str(error)) from None
        return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SALESPULSE_",
        env_nested_delimiter="__",
        frozen=True,
        extra="forbid",
    )

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    topics: TopicSettings = Field(default_factory=TopicSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    broker: BrokerSettings = Field(default_factory=BrokerSettings)
    kpi: KpiSettings = Field(default_factory=KpiSettings)
    detectors: DetectorSettings = Field(default_factory=DetectorSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        yaml_path = os.environ.get("SALESPULSE_CONFIG")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if yaml_path:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=yaml_path))
        return tuple(sources)


def load_settings(**overrides: object) -> Settings:
    """Build settings or raise ``ConfigError`` naming each bad field in one line."""
    config = os.environ.get("SALESPULSE_CONFIG")
    if config and not Path(config).is_file():
        raise ConfigError(f"SALESPULSE_CONFIG: no such file {config!r}")
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None
    except SettingsError as exc:
        raise ConfigError(f"invalid configuration: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"SALESPULSE_CONFIG {config}: not valid YAML ({yaml_where(exc)})"
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"SALESPULSE_CONFIG {config}: {type(exc).__name__}") from None


def describe_validation_error(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False, include_input=False):
        field = ".".join(str(x) for x in err["loc"]) or "<root>"
        parts.append(f"{field}: {err['msg']}")
    return "invalid configuration: " + "; ".join(parts)
