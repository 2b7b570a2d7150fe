"""Session fixtures: one real Kafka broker for the whole run, started by the project's launcher."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from salespulse.settings import Settings
from streams.broker import LocalBroker
from tests.support.kafka import free_port


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings pointing at a live broker: the user's, or one the launcher starts now."""
    bootstrap = os.environ.get("SALESPULSE_KAFKA__BOOTSTRAP_SERVERS", f"127.0.0.1:{free_port()}")
    data_dir = tmp_path_factory.mktemp("kafka")
    settings = Settings(kafka={"bootstrap_servers": bootstrap}, broker={"data_dir": data_dir})
    broker = LocalBroker(settings)
    broker.start()
    if broker.started_in is not None:
        print(f"\nKafka started by the launcher in {broker.started_in:.1f}s at {bootstrap}")
    yield settings
    broker.stop()
