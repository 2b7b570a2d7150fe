"""A live worker for the deploy tests that need one (its /metrics is what we scrape)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from salespulse.settings import Settings
from tests.deploy.support import sample_names
from tests.support.kafka import isolated, worker_process


@pytest.fixture(scope="session")
def worker(kafka: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """One worker process on topics of its own, for the whole session."""
    tmp = tmp_path_factory.mktemp("deploy-worker")
    settings = isolated(kafka, tmp)
    with worker_process(settings, tmp / "worker.log"):
        yield settings


@pytest.fixture(scope="session")
def scraped_names(worker: Settings) -> set[str]:
    """Every series name the worker's /metrics declares, sampled or not (``# TYPE`` lines)."""
    text = httpx.get(f"http://127.0.0.1:{worker.worker.web_port}/metrics", timeout=30).text
    return {
        name
        for family in text_string_to_metric_families(text)
        for name in sample_names(family.name, family.type) | {s.name for s in family.samples}
    }
