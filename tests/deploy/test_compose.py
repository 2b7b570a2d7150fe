"""docker-compose.yml checked without Docker: services, mounts, settings, and cross-references."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.deploy.support import (
    DEPLOY,
    PROMETHEUS,
    ROOT,
    load_with_env,
    load_yaml,
    unknown_settings,
)

COMPOSE = load_yaml(DEPLOY / "docker-compose.yml")
SERVICES: dict[str, Any] = COMPOSE["services"]
WORKERS = ["worker-0", "worker-1"]
SALESPULSE = [name for name, s in SERVICES.items() if s.get("image") == "salespulse:local"]


def test_the_stack_has_every_service() -> None:
    assert set(SERVICES) >= {
        "kafka",
        *WORKERS,
        "simulator",
        "prometheus",
        "alertmanager",
        "grafana",
        "mailpit",
    }
    assert set(SALESPULSE) == {*WORKERS, "simulator"}


def test_kafka_is_a_kraft_broker_of_apache_kafka_4() -> None:
    kafka = SERVICES["kafka"]
    assert kafka["image"].startswith("apache/kafka:4.")
    assert "controller" in kafka["environment"]["KAFKA_PROCESS_ROLES"]
    assert "healthcheck" in kafka


def test_workers_are_built_from_the_root_dockerfile_with_distinct_instances() -> None:
    for name in WORKERS:
        build = SERVICES[name]["build"]
        assert (DEPLOY / build["context"]).resolve() == ROOT
        assert (ROOT / build["dockerfile"]).is_file()
    instances = {SERVICES[n]["environment"]["SALESPULSE_WORKER__INSTANCE"] for n in WORKERS}
    assert len(instances) == len(WORKERS)


def test_every_mounted_local_path_exists() -> None:
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (DEPLOY / source).exists(), f"{name}: {source}"
            else:
                assert source in COMPOSE["volumes"], f"{name}: named volume {source}"


@pytest.mark.parametrize("name", SALESPULSE)
def test_salespulse_env_names_settings_fields_and_loads(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {k: str(v) for k, v in SERVICES[name]["environment"].items()}
    assert all(k.startswith("SALESPULSE_") for k in env)
    assert unknown_settings(env) == []
    settings = load_with_env(monkeypatch, env)
    assert settings.kafka.bootstrap_servers == ["kafka:9092"]


def test_prometheus_scrapes_every_worker_on_its_web_port() -> None:
    config = load_yaml(PROMETHEUS / "prometheus.yml")
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "salespulse-worker"]
    targets = {t for c in job["static_configs"] for t in c["targets"]}
    ports = {SERVICES[n]["environment"]["SALESPULSE_WORKER__WEB_PORT"] for n in WORKERS}
    assert targets == {f"{n}:{p}" for n in WORKERS for p in ports}


def test_configs_name_hosts_that_are_compose_services() -> None:
    prometheus = load_yaml(PROMETHEUS / "prometheus.yml")
    alertmanager = load_yaml(DEPLOY / "alertmanager" / "alertmanager.yml")
    datasource = load_yaml(DEPLOY / "grafana/provisioning/datasources/prometheus.yml")
    hosts = [
        *prometheus["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"],
        alertmanager["global"]["smtp_smarthost"],
        datasource["datasources"][0]["url"].removeprefix("http://"),
    ]
    assert {h.split(":")[0] for h in hosts} <= set(SERVICES)


def test_grafana_mounts_provisioning_and_dashboards() -> None:
    mounts = dict(v.split(":")[:2] for v in SERVICES["grafana"]["volumes"])
    assert mounts["./grafana/provisioning"] == "/etc/grafana/provisioning"
    assert mounts["./grafana/dashboards"] == "/var/lib/grafana/dashboards"


def test_docker_context_leaves_out_the_venv_and_git() -> None:
    ignored = set(Path(ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "tests"} <= ignored
    assert "README.md" not in ignored, "pyproject's readme is needed by pip install ."
