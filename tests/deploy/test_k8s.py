"""Kubernetes manifests: schema-valid core kinds, and the references between them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.deploy.support import DEPLOY, load_with_env, load_yaml, unknown_settings

K8S = DEPLOY / "k8s"
FILES = load_yaml(K8S / "kustomization.yaml")["resources"]
DOCS: dict[str, Any] = {d["kind"]: d for d in (load_yaml(K8S / f) for f in FILES)}
CORE = ["ConfigMap", "Secret", "Service", "StatefulSet"]


def container() -> dict[str, Any]:
    (worker,) = DOCS["StatefulSet"]["spec"]["template"]["spec"]["containers"]
    return worker


def test_kustomization_lists_every_manifest() -> None:
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(FILES) == on_disk
    assert set(DOCS) == {*CORE, "ServiceMonitor"}
    for doc in DOCS.values():
        assert doc["apiVersion"] and doc["metadata"]["name"] == "salespulse-worker"


@pytest.mark.parametrize("kind", CORE)
def test_core_kinds_validate_against_the_kubernetes_schema(kind: str) -> None:
    validate = pytest.importorskip(
        "kubernetes_validate", reason="pip install kubernetes-validate (offline schemas)"
    )
    validate.validate(DOCS[kind], validate.latest_version(), strict=True)


def test_statefulset_keeps_state_on_a_claim_and_probes_metrics() -> None:
    spec = DOCS["StatefulSet"]["spec"]
    labels = spec["template"]["metadata"]["labels"]
    assert spec["serviceName"] == DOCS["Service"]["metadata"]["name"]
    assert spec["selector"]["matchLabels"].items() <= labels.items()
    assert DOCS["Service"]["spec"]["selector"].items() <= labels.items()
    (claim,) = spec["volumeClaimTemplates"]
    data_dir = DOCS["ConfigMap"]["data"]["SALESPULSE_WORKER__DATA_DIR"]
    assert {"name": claim["metadata"]["name"], "mountPath": data_dir} in container()["volumeMounts"]
    ports = {p["name"]: p["containerPort"] for p in container()["ports"]}
    assert ports["http"] == int(DOCS["ConfigMap"]["data"]["SALESPULSE_WORKER__WEB_PORT"])
    for probe in ("livenessProbe", "readinessProbe"):
        assert container()[probe]["httpGet"] == {"path": "/metrics", "port": "http"}


def test_env_comes_from_the_configmap_and_secret_and_names_settings() -> None:
    refs = {next(iter(r)): next(iter(r.values()))["name"] for r in container()["envFrom"]}
    assert refs == {
        "configMapRef": DOCS["ConfigMap"]["metadata"]["name"],
        "secretRef": DOCS["Secret"]["metadata"]["name"],
    }
    (instance,) = container()["env"]
    assert instance["name"] == "SALESPULSE_WORKER__INSTANCE"
    assert instance["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"


def test_env_loads_as_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {**DOCS["ConfigMap"]["data"], **DOCS["Secret"]["stringData"]}
    env["SALESPULSE_WORKER__INSTANCE"] = "salespulse-worker-0"
    assert unknown_settings(env) == []
    settings = load_with_env(monkeypatch, env)
    assert settings.worker.web_host == "0.0.0.0"


def test_secret_values_are_marked_placeholders() -> None:
    values = DOCS["Secret"]["stringData"].values()
    assert values and all(v.startswith("CHANGE-ME") for v in values)


def test_servicemonitor_scrapes_the_service_metrics_port() -> None:
    monitor = DOCS["ServiceMonitor"]
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    service = DOCS["Service"]
    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    )
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}
    assert endpoint["path"] == "/metrics"
