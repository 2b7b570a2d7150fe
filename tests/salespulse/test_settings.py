from __future__ import annotations

from pathlib import Path

import pytest

from salespulse.exceptions import ConfigError
from salespulse.settings import load_settings


def test_defaults_are_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SALESPULSE_KAFKA__BOOTSTRAP_SERVERS", raising=False)
    settings = load_settings()
    assert settings.kafka.bootstrap_servers == ["127.0.0.1:9092"]
    assert settings.worker.store == "rocksdb://"


def test_env_nested_and_comma_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALESPULSE_KAFKA__BOOTSTRAP_SERVERS", "k1:9092, k2:9093")
    monkeypatch.setenv("SALESPULSE_TOPICS__PARTITIONS", "8")
    settings = load_settings()
    assert settings.kafka.bootstrap_servers == ["k1:9092", "k2:9093"]
    assert settings.topics.partitions == 8


@pytest.mark.parametrize(
    ("var", "value", "field"),
    [
        ("SALESPULSE_TOPICS__PARTITIONS", "0", "topics.partitions"),
        ("SALESPULSE_INGEST__BATCH_SIZE", "many", "ingest.batch_size"),
        ("SALESPULSE_KAFKA__BOOTSTRAP_SERVERS", "no-port", "kafka.bootstrap_servers.0"),
        ("SALESPULSE_WORKER__STORE", "redis://x", "worker.store"),
        ("SALESPULSE_KAFKA__SECURITY_PROTOCOL", "TLS", "kafka.security_protocol"),
    ],
)
def test_bad_value_names_the_field(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str, field: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("invalid configuration: ") and f"{field}:" in message


def test_secret_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALESPULSE_KAFKA__SASL_PASSWORD", "hunter2-very-secret")
    settings = load_settings()
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.model_dump())
    assert settings.kafka.sasl_password is not None
    assert settings.kafka.sasl_password.get_secret_value() == "hunter2-very-secret"


def test_yaml_file_and_env_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "salespulse.yaml"
    config.write_text("topics:\n  events: from-yaml\n  dlq: dlq-yaml\n")
    monkeypatch.setenv("SALESPULSE_CONFIG", str(config))
    monkeypatch.setenv("SALESPULSE_TOPICS__DLQ", "dlq-env")
    settings = load_settings()
    assert settings.topics.events == "from-yaml"
    assert settings.topics.dlq == "dlq-env"


def test_unknown_yaml_key_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "salespulse.yaml"
    config.write_text("topics:\n  evnets: typo\n")
    monkeypatch.setenv("SALESPULSE_CONFIG", str(config))
    with pytest.raises(ConfigError, match=r"topics\.evnets"):
        load_settings()


def test_missing_config_file_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SALESPULSE_CONFIG", str(tmp_path / "nope.yaml"))
    with pytest.raises(ConfigError, match="SALESPULSE_CONFIG"):
        load_settings()
